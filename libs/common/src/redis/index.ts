export * from './redis';
export * from './redis.module';
export * from './redis-lease';

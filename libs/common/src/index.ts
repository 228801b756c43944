export * from './bootstrap';
export * from './config';
export * from './crypto';
export * from './errors';
export * from './health';
export * from './logging';
export * from './nats';
export * from './redis';

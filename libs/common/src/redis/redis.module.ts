import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { RedisEnv } from '../config';
import { createRedis } from './redis';

export const REDIS = Symbol('REDIS');

class RedisCloser implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}
  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** One fail-fast Redis connection per process, keys under REDIS_PREFIX. */
@Module({})
export class RedisModule {
  static forRoot(config: RedisEnv, name: string): DynamicModule {
    return {
      module: RedisModule,
      global: true,
      providers: [{ provide: REDIS, useFactory: () => createRedis(config, name) }, RedisCloser],
      exports: [REDIS],
    };
  }
}

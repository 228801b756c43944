import { Inject, Logger, Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis, RedisOptions } from 'ioredis';
import type { RedisSettings } from '../config';
import { createRedis, redisReady } from './redis';

export const REDIS = Symbol('REDIS');

/**
 * The fail-fast connection queues nothing while it connects, so start-up waits (briefly)
 * for it; if Redis is really down the process still starts and answers 503 (ERR-3).
 */
class RedisLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Redis');

  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!(await redisReady(this.redis))) this.logger.warn('Redis is not reachable yet; what needs it answers 503 until it is');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** One fail-fast Redis connection per process, keys under REDIS_PREFIX; `options` as ioredis takes them, over ours. */
@Module({})
export class RedisModule {
  static forRoot(settings: RedisSettings, name: string, options: RedisOptions = {}): DynamicModule {
    return {
      module: RedisModule,
      global: true,
      providers: [{ provide: REDIS, useFactory: () => createRedis(settings, name, options) }, RedisLifecycle],
      exports: [REDIS],
    };
  }
}

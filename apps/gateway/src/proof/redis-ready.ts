import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { REDIS } from '@td/common';
import type { Redis } from 'ioredis';

const READY_WAIT_MS = 3000;

/** Resolves when the connection is ready, or after `timeoutMs` either way. */
export function redisReady(redis: Redis, timeoutMs = READY_WAIT_MS): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ready);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    redis.once('ready', onReady);
  });
}

/**
 * The fail-fast Redis connection queues nothing while it connects, so the first
 * proofs after start would read as "Redis down". Start-up waits (briefly) for it;
 * if Redis is really down the gateway still starts and answers 503 (ERR-3).
 */
@Injectable()
export class RedisReadiness implements OnApplicationBootstrap {
  private readonly logger = new Logger(RedisReadiness.name);

  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!(await redisReady(this.redis))) this.logger.warn('Redis is not reachable yet; device proofs answer 503 until it is');
  }
}

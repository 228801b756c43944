import { Logger } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import type { RedisSettings } from '../config';

const logger = new Logger('Redis');

/**
 * Every connection reports its trouble through the structured logger: once when it is lost
 * (not on every reconnect attempt) and once when it is back. Without an `error` listener
 * ioredis prints "[ioredis] Unhandled error event" lines to stderr instead.
 */
export function logConnectionErrors(redis: Redis, name: string): Redis {
  let lost = false;
  redis.on('error', (error: Error) => {
    if (lost) return;
    lost = true;
    logger.error({ msg: 'Redis connection lost; reconnecting', connection: name, reason: error.message });
  });
  redis.on('ready', () => {
    if (!lost) return;
    lost = false;
    logger.log({ msg: 'Redis connection restored', connection: name });
  });
  return redis;
}

/** Every connection reconnects by itself after a drop: 200 ms more each attempt, at most 2 s apart. */
const reconnectDelayMs = (attempt: number): number => Math.min(attempt * 200, 2000);

/**
 * A Redis connection that fails fast when Redis is down (ERR-3): commands are not
 * queued while disconnected and each gives up after a bound.
 */
export function createRedis(settings: RedisSettings, name: string, options: RedisOptions = {}): Redis {
  const redis = new Redis(settings.url, {
    connectionName: name,
    keyPrefix: `${settings.prefix}:`,
    connectTimeout: 2000,
    commandTimeout: 2000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: reconnectDelayMs,
    ...options,
  });
  return logConnectionErrors(redis, name);
}

/**
 * BullMQ wants its own connections (no key prefix, blocking commands allowed); it prefixes keys itself.
 * A producer that must answer fast (a `Queue`, never a `Worker`) may pass fail-fast options here.
 */
export function createBullConnection(settings: RedisSettings, name: string, options: RedisOptions = {}): Redis {
  const redis = new Redis(settings.url, {
    connectionName: name,
    maxRetriesPerRequest: null,
    connectTimeout: 2000,
    retryStrategy: reconnectDelayMs,
    ...options,
  });
  return logConnectionErrors(redis, name);
}

/** Options for a BullMQ producer connection that fails fast when Redis is down (ERR-3), as `createRedis` does. */
export const FAIL_FAST_PRODUCER: RedisOptions = { maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 2000 };

export function bullPrefix(settings: RedisSettings): string {
  return `${settings.prefix}:bull`;
}

/**
 * Resolves true once the connection is ready, or false after `timeoutMs`. A fail-fast
 * connection queues nothing while it connects, so a service waits for it (briefly) at
 * start; if Redis is really down it still starts and answers 503 (ERR-3).
 */
export function redisReady(redis: Redis, timeoutMs = 3000): Promise<boolean> {
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

import type { Redis } from 'ioredis';

/**
 * Stands in for time passing on a Redis key: it lapses now, as after its TTL. A deadline
 * in the past makes Redis drop the key at once, so nothing has to wait for it.
 */
export async function expireKeyNow(redis: Redis, redisPrefix: string, key: string): Promise<void> {
  await redis.pexpireat(`${redisPrefix}:${key}`, 1);
}

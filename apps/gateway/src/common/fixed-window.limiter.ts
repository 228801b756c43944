import { DomainError } from '@td/common';
import { ErrorCode } from '@td/contracts';
import type { Redis } from 'ioredis';

/** One counter of a fixed-window limit: its Redis key and how many hits a window allows. */
export interface WindowCounter {
  key: string;
  limit: number;
}

/**
 * Fixed-window counters in Redis, shared by every gateway instance: one hit on each counter,
 * all in one round trip (a MULTI of INCR, EXPIRE NX and TTL per key). Beyond any counter's
 * limit: 429 `rate_limited` with Retry-After set to what is left of the longest such window.
 * Redis unreachable: 503 (the caller cannot tell whether the limit holds, so it is not waived).
 */
export async function hitFixedWindows(redis: Redis, windowSeconds: number, counters: readonly WindowCounter[]): Promise<void> {
  const transaction = redis.multi();
  for (const { key } of counters) transaction.incr(key).expire(key, windowSeconds, 'NX').ttl(key);
  const results = await transaction.exec().catch(() => null);
  if (!results || results.some(([error]) => error)) throw DomainError.unavailable();
  let retryAfter = 0;
  counters.forEach(({ limit }, index) => {
    const count = results[index * 3][1] as number;
    const ttl = results[index * 3 + 2][1] as number;
    if (count > limit) retryAfter = Math.max(retryAfter, ttl, 1);
  });
  if (retryAfter > 0) throw DomainError.of(ErrorCode.rateLimited, 'Too many requests; try again later.', { retryAfter });
}

/**
 * A fixed-window counter in Redis, shared by every gateway instance: at most
 * `limit` hits per `windowSeconds` for one key; beyond that 429 `rate_limited`
 * with Retry-After set to what is left of the window.
 */
export class FixedWindowLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly name: string,
    private readonly limit: number,
    private readonly windowSeconds: number,
  ) {}

  hit(subject: string): Promise<void> {
    return hitFixedWindows(this.redis, this.windowSeconds, [{ key: `ratelimit:${this.name}:${subject}`, limit: this.limit }]);
  }
}

import { DomainError } from '@td/common';
import { ErrorCode } from '@td/contracts';
import type { Redis } from 'ioredis';

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

  async hit(subject: string): Promise<void> {
    const key = `ratelimit:${this.name}:${subject}`;
    let results: [Error | null, unknown][] | null;
    try {
      results = await this.redis.multi().incr(key).expire(key, this.windowSeconds, 'NX').ttl(key).exec();
    } catch {
      throw DomainError.unavailable();
    }
    if (!results || results.some(([error]) => error)) throw DomainError.unavailable();
    const count = results[0][1] as number;
    const ttl = results[2][1] as number;
    if (count > this.limit) {
      throw DomainError.of(ErrorCode.rateLimited, 'Too many requests; try again later.', { retryAfter: Math.max(1, ttl) });
    }
  }
}

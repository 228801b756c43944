import { DomainError } from '@td/common';
import { ErrorCode } from '@td/contracts';
import type { Redis } from 'ioredis';

/** One counter of a fixed-window limit: its Redis key and how many hits a window allows. */
export interface WindowCounter {
  key: string;
  limit: number;
}

/**
 * One hit on each key (KEYS), all in one round trip: INCR, and a fresh counter lives for the window
 * (ARGV[1], ms). Answers the count and the ms left of the window of each key, in order.
 */
const HIT_WINDOWS_LUA = `
local window = tonumber(ARGV[1])
local answer = {}
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  local left = redis.call('PTTL', key)
  if left < 0 then
    redis.call('PEXPIRE', key, window)
    left = window
  end
  answer[2 * i - 1] = count
  answer[2 * i] = left
end
return answer`;

interface WithHitWindows {
  tdHitWindows(numberOfKeys: number, ...keysThenWindowMs: Array<string | number>): Promise<number[]>;
}

/** The connection with the script defined on it (EVALSHA; ioredis loads the script again after a Redis restart). */
function scripted(redis: Redis): Redis & WithHitWindows {
  if (!('tdHitWindows' in redis)) redis.defineCommand('tdHitWindows', { lua: HIT_WINDOWS_LUA });
  return redis as Redis & WithHitWindows;
}

/**
 * Fixed-window counters in Redis, shared by every gateway instance: one hit on each counter,
 * all in one round trip (a script: INCR, and PEXPIRE when the counter is new). Beyond any
 * counter's limit: 429 `rate_limited` with Retry-After set to what is left of the longest such
 * window. Redis unreachable: 503 (whether the limit holds cannot be told, so it is not waived).
 */
export async function hitFixedWindows(redis: Redis, windowSeconds: number, counters: readonly WindowCounter[]): Promise<void> {
  const keys = counters.map(({ key }) => key);
  let answer: number[];
  try {
    answer = await scripted(redis).tdHitWindows(keys.length, ...keys, windowSeconds * 1000);
  } catch {
    throw DomainError.unavailable();
  }
  let retryAfterMs = 0;
  counters.forEach(({ limit }, index) => {
    if (answer[2 * index] > limit) retryAfterMs = Math.max(retryAfterMs, answer[2 * index + 1]);
  });
  if (retryAfterMs > 0) {
    throw DomainError.of(ErrorCode.rateLimited, 'Too many requests; try again later.', {
      retryAfter: Math.max(1, Math.ceil(retryAfterMs / 1000)),
    });
  }
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

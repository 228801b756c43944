import { DomainError } from '@td/common';
import { ErrorCode } from '@td/contracts';
import type { Redis } from 'ioredis';

/** One counter of a fixed-window limit: its Redis key and how many hits a window allows. */
export interface WindowCounter {
  key: string;
  limit: number;
}

/**
 * A key to set once (SET NX with a time to live) in the same round trip as the counters' hits, but
 * only when no counter is beyond its limit: a request refused by a limit claims nothing.
 */
export interface OnceKey {
  key: string;
  ttlSeconds: number;
}

/**
 * One hit on each counter key, all in one round trip: INCR, and a fresh counter lives for the window
 * (ARGV[1], ms); then, if ARGV[2] (seconds) is not 0 and no count is beyond its limit (ARGV[3…], in
 * the order of the counters), SET NX of the last key for that long. Answers the count and the ms
 * left of the window of each counter, in order, then 1 if the last key was set, 0 if it existed
 * already, -1 if it was not tried.
 */
const HIT_WINDOWS_LUA = `
local window = tonumber(ARGV[1])
local onceTtl = tonumber(ARGV[2])
local counters = #KEYS
if onceTtl > 0 then counters = counters - 1 end
local answer = {}
local within = true
for i = 1, counters do
  local key = KEYS[i]
  local count = redis.call('INCR', key)
  local left = redis.call('PTTL', key)
  if left < 0 then
    redis.call('PEXPIRE', key, window)
    left = window
  end
  if count > tonumber(ARGV[2 + i]) then within = false end
  answer[2 * i - 1] = count
  answer[2 * i] = left
end
local once = -1
if onceTtl > 0 and within then
  if redis.call('SET', KEYS[#KEYS], '1', 'EX', onceTtl, 'NX') then once = 1 else once = 0 end
end
answer[2 * counters + 1] = once
return answer`;

interface WithHitWindows {
  tdHitWindowsOnce(numberOfKeys: number, ...keysThenArguments: Array<string | number>): Promise<number[]>;
}

/** The connection with the script defined on it (EVALSHA; ioredis loads the script again after a Redis restart). */
function scripted(redis: Redis): Redis & WithHitWindows {
  if (!('tdHitWindowsOnce' in redis)) redis.defineCommand('tdHitWindowsOnce', { lua: HIT_WINDOWS_LUA });
  return redis as Redis & WithHitWindows;
}

/**
 * Fixed-window counters in Redis, shared by every gateway instance: one hit on each counter,
 * all in one round trip (a script: INCR, and PEXPIRE when the counter is new). Beyond any
 * counter's limit: 429 `rate_limited` with Retry-After set to what is left of the longest such
 * window. Redis unreachable: 503 (whether the limit holds cannot be told, so it is not waived).
 *
 * With `once`, that key is set in the same round trip when every counter is within its limit
 * (a DPoP proof's `jti`, KEY-3): answers whether this was its first sight.
 */
export async function hitFixedWindows(redis: Redis, windowSeconds: number, counters: readonly WindowCounter[]): Promise<void>;
export async function hitFixedWindows(
  redis: Redis,
  windowSeconds: number,
  counters: readonly WindowCounter[],
  once: OnceKey,
): Promise<boolean>;
export async function hitFixedWindows(
  redis: Redis,
  windowSeconds: number,
  counters: readonly WindowCounter[],
  once?: OnceKey,
): Promise<boolean | void> {
  const keys = counters.map(({ key }) => key);
  if (once) keys.push(once.key);
  let answer: number[];
  try {
    answer = await scripted(redis).tdHitWindowsOnce(
      keys.length,
      ...keys,
      windowSeconds * 1000,
      once?.ttlSeconds ?? 0,
      ...counters.map(({ limit }) => limit),
    );
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
  if (once) return answer[2 * counters.length] === 1;
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

/**
 * The Lua scripts behind every code rule. Each runs atomically in Redis, which is
 * what makes the limits hold under concurrency (CODE-3, CODE-4, CODE-6). Time is
 * Redis's own clock (TIME), so every instance of the service counts alike.
 * Sliding windows are sorted sets of events scored by time in milliseconds.
 */

const NOW_MS = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
`;

/**
 * The one sliding-window check: drops the window's events older than `windowMs`, then answers
 * the milliseconds until there is room again (0 while fewer than `limit` remain: the oldest
 * leaving a full window makes room) and how many remain.
 */
const WINDOW_WAIT = `
local function windowWait(key, limit, windowMs, now)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - windowMs)
  local count = redis.call('ZCARD', key)
  if count < limit then return 0, count end
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return tonumber(oldest[2]) + windowMs - now, count
end
`;

export interface LuaScript {
  name: string;
  numberOfKeys: number;
  lua: string;
}

/**
 * KEYS: code, cooldown, resends. ARGV: hash, userId, ttlMs, cooldownMs, resendLimit (0: not a resend), windowMs, member, codeId.
 * Refuses while the device's cooldown runs or the user's resends fill the window ({0, waitMs});
 * otherwise replaces the device's code (the old one simply stops matching, CODE-4) and answers {1, nowMs}.
 */
export const ISSUE_CODE: LuaScript = {
  name: 'tdIssueCode',
  numberOfKeys: 3,
  lua: `${NOW_MS}${WINDOW_WAIT}
local resendLimit = tonumber(ARGV[5])
local windowMs = tonumber(ARGV[6])
local waitMs = redis.call('PTTL', KEYS[2])
if waitMs < 0 then waitMs = 0 end
if resendLimit > 0 then
  waitMs = math.max(waitMs, (windowWait(KEYS[3], resendLimit, windowMs, now)))
end
if waitMs > 0 then return {0, waitMs} end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[4])
if resendLimit > 0 then
  redis.call('ZADD', KEYS[3], now, ARGV[7])
  redis.call('PEXPIRE', KEYS[3], windowMs)
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'hash', ARGV[1], 'user', ARGV[2], 'attempts', 0, 'id', ARGV[8], 'expires', now + tonumber(ARGV[3]))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {1, now}
`,
};

/**
 * KEYS: code, cooldown, resends. ARGV: hash, member.
 * Undoes an issue whose mail could not be queued, touching only what that issue wrote.
 */
export const RELEASE_CODE: LuaScript = {
  name: 'tdReleaseCode',
  numberOfKeys: 3,
  lua: `
if redis.call('HGET', KEYS[1], 'hash') == ARGV[1] then redis.call('DEL', KEYS[1]) end
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
redis.call('ZREM', KEYS[3], ARGV[2])
return 1
`,
};

/**
 * KEYS: code, failures. ARGV: userId, maxAttempts, maxFailures, windowMs, member.
 * Counts the attempt BEFORE anything is compared: a user past the hourly failure limit is
 * refused first (CODE-6); otherwise the code's attempt counter goes up and a failure is
 * recorded provisionally (taken back by CONSUME_CODE when the code was right), so parallel
 * guesses can never exceed either limit. Answers {'locked', waitMs}, {'missing'},
 * {'exhausted'} or {'compare', storedHash, attemptsRemaining}.
 */
export const BEGIN_CHECK: LuaScript = {
  name: 'tdBeginCheck',
  numberOfKeys: 2,
  lua: `${NOW_MS}${WINDOW_WAIT}
local maxAttempts = tonumber(ARGV[2])
local maxFailures = tonumber(ARGV[3])
local windowMs = tonumber(ARGV[4])
local lockedFor, failures = windowWait(KEYS[2], maxFailures, windowMs, now)
if lockedFor > 0 then return {'locked', lockedFor} end
local code = redis.call('HMGET', KEYS[1], 'hash', 'user', 'attempts')
if not code[1] or code[2] ~= ARGV[1] then return {'missing'} end
if tonumber(code[3]) >= maxAttempts then return {'exhausted'} end
local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('ZADD', KEYS[2], now, ARGV[5])
redis.call('PEXPIRE', KEYS[2], windowMs)
return {'compare', code[1], math.min(maxAttempts - attempts, maxFailures - failures - 1)}
`,
};

/**
 * KEYS: code, failures. ARGV: hash, member.
 * After a match: takes back the provisional failure and deletes the code only if it is
 * still the one that matched. Exactly one caller can delete it (single use, CODE-3): 1 or 0.
 */
export const CONSUME_CODE: LuaScript = {
  name: 'tdConsumeCode',
  numberOfKeys: 2,
  lua: `
redis.call('ZREM', KEYS[2], ARGV[2])
if redis.call('HGET', KEYS[1], 'hash') == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`,
};

export const CODE_SCRIPTS: readonly LuaScript[] = [ISSUE_CODE, RELEASE_CODE, BEGIN_CHECK, CONSUME_CODE];

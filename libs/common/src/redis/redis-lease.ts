import type { Redis } from 'ioredis';

/** Takes the key for ARGV[1] (for ARGV[2] ms) if it is free; else answers what it holds. */
const CLAIM = `local held = redis.call('GET', KEYS[1]) if held then return held end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return false`;
/** Renews the lease only while it is still this request's (the same value under the key). */
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
/**
 * Ends the lease: keeps the answer in its place (ARGV[2], for ARGV[3] seconds) or deletes it, if it is still
 * this request's — or, with ARGV[4] = '1' and an answer, if the lease lapsed and nobody took the key since.
 */
const SETTLE = `local held = redis.call('GET', KEYS[1])
if held ~= ARGV[1] and not (held == false and ARGV[4] == '1' and ARGV[2] ~= '') then return 0 end
if ARGV[2] == '' then return redis.call('DEL', KEYS[1]) end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) return 1`;

/**
 * A key held by the work in hand (an `Idempotency-Key`'s request, a mail being sent): a short lease
 * in Redis, renewed every third of its length while the work runs. A process that dies (SIGKILL,
 * OOM, a lost host) renews nothing, so the key is free for the retry within one lease (issue 10),
 * while work that takes longer than the lease keeps its key for as long as it runs. Renewing and
 * settling touch the key only while it holds this lease's value, so work whose lease lapsed (Redis
 * unreachable for a while) never removes or overwrites a later holder's claim.
 */
export class RedisLease {
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly value: string,
    leaseMs: number,
  ) {
    this.timer = setInterval(
      () => void this.redis.eval(RENEW, 1, this.key, this.value, leaseMs).catch(() => undefined),
      Math.max(1, Math.floor(leaseMs / 3)),
    );
    this.timer.unref();
  }

  /**
   * The lease on `key`, or — when the key is held already — what it holds: other work's lease value, or the
   * answer work left there (`settle`). One round trip either way.
   */
  static async claim(redis: Redis, key: string, value: string, leaseMs: number): Promise<RedisLease | string> {
    const held = (await redis.eval(CLAIM, 1, key, value, leaseMs)) as string | null;
    return held ?? new RedisLease(redis, key, value, leaseMs);
  }

  /**
   * Ends the lease, leaving `answer` under the key for `ttlSeconds`, or nothing (null). Best effort: false when
   * Redis failed or the key was no longer this lease's. `evenIfLapsed`: the answer is also left when the lease
   * lapsed and the key is free (an answer that must not be lost, e.g. "this mail went out").
   */
  async settle(answer: string | null, ttlSeconds = 0, options: { evenIfLapsed?: boolean } = {}): Promise<boolean> {
    clearInterval(this.timer);
    const written = this.redis.eval(SETTLE, 1, this.key, this.value, answer ?? '', ttlSeconds, options.evenIfLapsed ? '1' : '0');
    return written.then(
      (result) => result === 1,
      () => false,
    );
  }
}

import type { Redis } from 'ioredis';

/** Renews the lease only while it is still this request's (the same value under the key). */
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
/** Ends the lease: keeps the answer in its place (ARGV[2], for ARGV[3] seconds) or deletes it, if it is still this request's. */
const SETTLE = `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
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

  /** The lease, or null when the key is already held (by other work, or what it left). */
  static async take(redis: Redis, key: string, value: string, leaseMs: number): Promise<RedisLease | null> {
    const taken = await redis.set(key, value, 'PX', leaseMs, 'NX');
    return taken === 'OK' ? new RedisLease(redis, key, value, leaseMs) : null;
  }

  /** Ends the lease, leaving `answer` under the key for `ttlSeconds`, or nothing (null). Best effort. */
  async settle(answer: string | null, ttlSeconds = 0): Promise<void> {
    clearInterval(this.timer);
    await this.redis.eval(SETTLE, 1, this.key, this.value, answer ?? '', ttlSeconds).catch(() => undefined);
  }
}

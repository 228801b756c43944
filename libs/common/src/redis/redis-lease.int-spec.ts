import { createTestEnv, waitUntil, type TestEnv } from '@td/testing';
import { Redis } from 'ioredis';
import { RedisLease } from './redis-lease';

/** Issue 10: an Idempotency-Key (or a mail) claimed by a process that then dies must not block the retry for long. */
describe('RedisLease: Idempotency-Key claims and mails being sent (real Redis)', () => {
  let env: TestEnv;
  const connections: Redis[] = [];
  const connect = () => {
    const redis = new Redis(env.redisUrl, { keyPrefix: `${env.redisPrefix}:`, maxRetriesPerRequest: 1 });
    connections.push(redis);
    return redis;
  };
  // Long enough that a loaded machine still renews in time (every third of it).
  const leaseMs = 1500;

  beforeAll(async () => {
    env = await createTestEnv();
  });
  afterAll(async () => {
    for (const redis of connections) redis.disconnect();
    await env.cleanup();
  });

  it('a claim is held for as long as its request runs, and freed for the retry soon after its gateway dies', async () => {
    const dying = connect();
    const other = connect();
    const key = 'idempotency:lease-a';
    const running = await RedisLease.claim(dying, key, 'first', leaseMs);
    expect(running).toBeInstanceOf(RedisLease);
    // Several lease lengths later the running request still holds the key: it renews its lease.
    await new Promise((resolve) => setTimeout(resolve, leaseMs * 3));
    expect(await RedisLease.claim(other, key, 'retry', leaseMs)).toBe('first');
    // The gateway dies: its connection goes, and nobody renews the lease any more.
    dying.disconnect();
    const retry = await waitUntil(
      async () => {
        const claim = await RedisLease.claim(other, key, 'retry', leaseMs);
        return claim instanceof RedisLease ? claim : null;
      },
      20_000,
      50,
    );
    expect(await retry.settle(null)).toBe(true);
    expect(await other.exists(key)).toBe(0);
  });

  it("settling keeps the answer in place of the lease; a request whose lease lapsed touches nobody else's claim", async () => {
    const redis = connect();
    const key = 'idempotency:lease-b';
    const first = (await RedisLease.claim(redis, key, 'first', leaseMs)) as RedisLease;
    expect(await first.settle('{"answer":1}', 60)).toBe(true);
    expect(await redis.get(key)).toBe('{"answer":1}');
    // A later claim gets the answer, not the key.
    expect(await RedisLease.claim(redis, key, 'later', leaseMs)).toBe('{"answer":1}');
    expect(await redis.ttl(key)).toBeGreaterThan(50);

    // A lease that lapsed (its key taken by another request meanwhile) neither deletes nor overwrites the other's claim.
    const lapsedKey = 'idempotency:lease-c';
    const lapsed = (await RedisLease.claim(redis, lapsedKey, 'lapsed', leaseMs)) as RedisLease;
    await redis.set(lapsedKey, 'someone else', 'PX', 60_000);
    expect(await lapsed.settle(null)).toBe(false);
    expect(await redis.get(lapsedKey)).toBe('someone else');
    const lapsedAgain = (await RedisLease.claim(redis, 'idempotency:lease-d', 'lapsed', leaseMs)) as RedisLease;
    await redis.set('idempotency:lease-d', 'someone else', 'PX', 60_000);
    expect(await lapsedAgain.settle('{"answer":2}', 60, { evenIfLapsed: true })).toBe(false);
    expect(await redis.get('idempotency:lease-d')).toBe('someone else');
  });

  it('an answer that must not be lost is left even when its lease lapsed, if nobody took the key since', async () => {
    const redis = connect();
    const key = 'email:lease-e';
    const lapsed = (await RedisLease.claim(redis, key, 'sender', leaseMs)) as RedisLease;
    // The lease lapsed (Redis was unreachable longer than it) and nobody claimed the key meanwhile.
    await redis.del(key);
    expect(await lapsed.settle('sent', 60)).toBe(false);
    expect(await redis.exists(key)).toBe(0);
    const again = (await RedisLease.claim(redis, key, 'sender', leaseMs)) as RedisLease;
    await redis.del(key);
    expect(await again.settle('sent', 60, { evenIfLapsed: true })).toBe(true);
    expect(await redis.get(key)).toBe('sent');
  });
});

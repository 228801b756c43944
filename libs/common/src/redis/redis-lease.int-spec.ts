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
    const running = await RedisLease.take(dying, key, 'first', leaseMs);
    expect(running).not.toBeNull();
    // Several lease lengths later the running request still holds the key: it renews its lease.
    await new Promise((resolve) => setTimeout(resolve, leaseMs * 3));
    expect(await RedisLease.take(other, key, 'retry', leaseMs)).toBeNull();
    // The gateway dies: its connection goes, and nobody renews the lease any more.
    dying.disconnect();
    const retry = await waitUntil(() => RedisLease.take(other, key, 'retry', leaseMs), 20_000, 50);
    await retry.settle(null);
    expect(await other.exists(key)).toBe(0);
  });

  it("settling keeps the answer in place of the lease; a request whose lease lapsed touches nobody else's claim", async () => {
    const redis = connect();
    const key = 'idempotency:lease-b';
    const first = await RedisLease.take(redis, key, 'first', leaseMs);
    await first!.settle('{"answer":1}', 60);
    expect(await redis.get(key)).toBe('{"answer":1}');
    expect(await redis.ttl(key)).toBeGreaterThan(50);

    // A lease that lapsed (its key taken by another request meanwhile) neither deletes nor overwrites the other's claim.
    const lapsedKey = 'idempotency:lease-c';
    const lapsed = await RedisLease.take(redis, lapsedKey, 'lapsed', leaseMs);
    await redis.set(lapsedKey, 'someone else', 'PX', 60_000);
    await lapsed!.settle(null);
    expect(await redis.get(lapsedKey)).toBe('someone else');
    const lapsedAgain = await RedisLease.take(redis, 'idempotency:lease-d', 'lapsed', leaseMs);
    await redis.set('idempotency:lease-d', 'someone else', 'PX', 60_000);
    await lapsedAgain!.settle('{"answer":2}', 60);
    expect(await redis.get('idempotency:lease-d')).toBe('someone else');
  });
});

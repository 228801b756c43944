import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { Redis } from 'ioredis';
import { connect } from 'nats';

/**
 * What one test file gets to itself: a fresh database, a Redis key prefix and a
 * NATS subject prefix, so files run in parallel without seeing each other.
 */
export interface TestEnv {
  /** Environment for the apps under test, on top of their defaults. */
  env: Record<string, string>;
  databaseUrl: string;
  redisUrl: string;
  natsUrl: string;
  redisPrefix: string;
  natsPrefix: string;
  cleanup(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** A random id that is safe as a database name, key prefix and subject token. */
export function testId(): string {
  return `t${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
}

export async function createTestEnv(): Promise<TestEnv> {
  const id = testId();
  const baseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
  const databaseUrl = withDatabase(baseUrl, id);
  const admin = new Client({ connectionString: withDatabase(baseUrl, 'postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${id}"`);
  await admin.end();

  return {
    env: {
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      NATS_URL: natsUrl,
      REDIS_PREFIX: id,
      NATS_PREFIX: id,
      MIGRATIONS_RUN: 'true',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      CODE_HMAC_SECRET: randomBytes(32).toString('hex'),
      AUTH_JWT_SECRET: randomBytes(32).toString('hex'),
      // The gateway listens on loopback only, as in local mode: dev login and the open dashboard need it (SEC-1, SEC-2).
      HOST: '127.0.0.1',
    },
    databaseUrl,
    redisUrl,
    natsUrl,
    redisPrefix: id,
    natsPrefix: id,
    async cleanup() {
      await dropDatabase(baseUrl, id);
      await deleteRedisKeys(redisUrl, id);
      await deleteStreams(natsUrl, id);
    },
  };
}

async function dropDatabase(baseUrl: string, id: string): Promise<void> {
  const admin = new Client({ connectionString: withDatabase(baseUrl, 'postgres') });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${id}" WITH (FORCE)`).catch(() => undefined);
  await admin.end();
}

async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

async function deleteStreams(url: string, prefix: string): Promise<void> {
  const nc = await connect({ servers: url, timeout: 2000 }).catch(() => null);
  if (!nc) return;
  try {
    const jsm = await nc.jetstreamManager();
    for await (const stream of jsm.streams.list()) {
      if (stream.config.name.startsWith(`${prefix}_`)) await jsm.streams.delete(stream.config.name);
    }
  } catch {
    // JetStream may be unavailable to this test; nothing to clean then.
  } finally {
    await nc.close();
  }
}

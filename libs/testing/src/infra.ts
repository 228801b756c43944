import { existsSync } from 'node:fs';

/** Where the tests' Postgres, Redis and NATS are. */
export interface InfraUrls {
  DATABASE_URL: string;
  REDIS_URL: string;
  NATS_URL: string;
}

const LOCAL_DEFAULTS: InfraUrls = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
  REDIS_URL: 'redis://127.0.0.1:6379',
  NATS_URL: 'nats://127.0.0.1:4222',
};

/** A Docker engine is reachable: Testcontainers can start the real servers for us. */
export function dockerAvailable(): boolean {
  if (process.env.TESTCONTAINERS === 'false') return false;
  if (process.env.DOCKER_HOST) return true;
  return existsSync('/var/run/docker.sock');
}

type Stoppable = { stop(): Promise<unknown> };
const started: Stoppable[] = [];

/**
 * Real Postgres, Redis and NATS for the test run (ARCHITECTURE.md "Local mode
 * and tests"): Testcontainers when Docker is reachable, otherwise the servers
 * named by DATABASE_URL, REDIS_URL and NATS_URL (default: localhost).
 */
export async function provideInfra(): Promise<InfraUrls> {
  if (!dockerAvailable()) {
    return {
      DATABASE_URL: process.env.DATABASE_URL || LOCAL_DEFAULTS.DATABASE_URL,
      REDIS_URL: process.env.REDIS_URL || LOCAL_DEFAULTS.REDIS_URL,
      NATS_URL: process.env.NATS_URL || LOCAL_DEFAULTS.NATS_URL,
    };
  }
  const { GenericContainer, Wait } = await import('testcontainers');
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const { RedisContainer } = await import('@testcontainers/redis');
  const [postgres, redis, nats] = await Promise.all([
    new PostgreSqlContainer('postgres:16-alpine').withUsername('postgres').withPassword('postgres').start(),
    new RedisContainer('redis:7-alpine').start(),
    new GenericContainer('nats:2.10-alpine')
      .withCommand(['-js'])
      .withExposedPorts(4222)
      .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
      .start(),
  ]);
  started.push(postgres, redis, nats);
  return {
    DATABASE_URL: postgres.getConnectionUri(),
    REDIS_URL: redis.getConnectionUrl(),
    NATS_URL: `nats://${nats.getHost()}:${nats.getMappedPort(4222)}`,
  };
}

export async function stopInfra(): Promise<void> {
  await Promise.all(started.splice(0).map((container) => container.stop()));
}

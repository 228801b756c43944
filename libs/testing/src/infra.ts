import { request as httpRequest } from 'node:http';
import { hostname } from 'node:os';

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

/**
 * The images the test servers run: the ones docker-compose.yml names. Where no registry can be
 * reached, `npm run containers` (or `bash scripts/containers.sh images`) builds stand-ins from
 * Debian's packages under these same names, and the engine finds them locally.
 */
export const INFRA_IMAGES = {
  postgres: process.env.TD_POSTGRES_IMAGE || 'docker.io/library/postgres:15-bookworm',
  redis: process.env.TD_REDIS_IMAGE || 'docker.io/library/redis:7.0-bookworm',
  nats: process.env.TD_NATS_IMAGE || 'docker.io/library/nats:2.9',
};

const LABEL = 'td.test-infra.owner';

/** The engine's API address: DOCKER_HOST, else Docker's default socket. Podman: point DOCKER_HOST at its socket. */
function engineAddress(): { socketPath?: string; host?: string; port?: number } {
  const dockerHost = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
  if (dockerHost.startsWith('unix://')) return { socketPath: dockerHost.slice('unix://'.length) };
  const url = new URL(dockerHost.replace(/^tcp:/, 'http:'));
  return { host: url.hostname, port: Number(url.port || 2375) };
}

/** A container engine answers its API's ping (Docker, or podman's `podman system service`). */
export function engineAnswers(timeoutMs = 3000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpRequest({ ...engineAddress(), path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/**
 * How the tests get their servers (README "Tests"):
 * - TESTCONTAINERS=false: the local servers, always;
 * - otherwise Testcontainers whenever an engine answers at DOCKER_HOST (or /var/run/docker.sock);
 * - no engine: the local servers named by DATABASE_URL, REDIS_URL, NATS_URL (default localhost).
 */
export async function infraMode(): Promise<'testcontainers' | 'local'> {
  if (process.env.TESTCONTAINERS === 'false') return 'local';
  return (await engineAnswers()) ? 'testcontainers' : 'local';
}

type Stoppable = { stop(options?: { remove?: boolean; removeVolumes?: boolean }): Promise<unknown> };
const started: Stoppable[] = [];

/**
 * Real Postgres, Redis and NATS for the test run (ARCHITECTURE.md "Local mode and tests"):
 * started with Testcontainers when an engine answers, otherwise the local servers. When an
 * engine answers but a server does not start, that is an error: never a silent fallback.
 */
export async function provideInfra(): Promise<InfraUrls & { mode: 'testcontainers' | 'local' }> {
  if ((await infraMode()) === 'local') {
    return {
      mode: 'local',
      DATABASE_URL: process.env.DATABASE_URL || LOCAL_DEFAULTS.DATABASE_URL,
      REDIS_URL: process.env.REDIS_URL || LOCAL_DEFAULTS.REDIS_URL,
      NATS_URL: process.env.NATS_URL || LOCAL_DEFAULTS.NATS_URL,
    };
  }
  // Ryuk, Testcontainers' reaper, is one more image to pull (impossible here) and a privileged
  // container: off unless asked for. Our own clean-up: stopInfra, and removeOrphans on the next run.
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  const { GenericContainer, Wait } = await import('testcontainers');
  await removeOrphans();
  const owner = `${hostname()}:${process.pid}`;
  const base = (image: string) => new GenericContainer(image).withLabels({ [LABEL]: owner }).withStartupTimeout(120_000);
  const results = await Promise.allSettled([
    base(INFRA_IMAGES.postgres)
      .withEnvironment({ POSTGRES_PASSWORD: 'postgres' })
      .withExposedPorts(5432)
      .withTmpFs({ '/var/lib/postgresql/data': 'rw' })
      // The first start's init server logs "ready" too but listens on no TCP port: wait for both.
      .withWaitStrategy(Wait.forAll([Wait.forListeningPorts(), Wait.forLogMessage(/database system is ready to accept connections/)]))
      .start(),
    base(INFRA_IMAGES.redis)
      .withCommand(['redis-server', '--protected-mode', 'no', '--save', '', '--appendonly', 'no'])
      .withExposedPorts(6379)
      .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/))
      .start(),
    base(INFRA_IMAGES.nats)
      .withCommand(['-js'])
      // Every port the image EXPOSEs: podman's API lists unpublished ones as unbound, which
      // Testcontainers would wait for in vain.
      .withExposedPorts(4222, 6222, 8222)
      .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
      .start(),
  ]);
  for (const result of results) if (result.status === 'fulfilled') started.push(result.value);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) {
    await stopInfra();
    await removeContainers((owner) => owner === `${hostname()}:${process.pid}`); // started, but never handed back
    throw new Error(
      `a container engine answers (${process.env.DOCKER_HOST || 'unix:///var/run/docker.sock'}) but the test servers did not start: ${failed.reason}\n` +
        'Images: where no registry can be reached, `bash scripts/containers.sh images` builds them locally. TESTCONTAINERS=false uses the local servers instead.',
    );
  }
  const [postgres, redis, nats] = results.map(
    (result) => (result as PromiseFulfilledResult<Awaited<ReturnType<InstanceType<typeof GenericContainer>['start']>>>).value,
  );
  return {
    mode: 'testcontainers',
    DATABASE_URL: `postgres://postgres:postgres@${postgres.getHost()}:${postgres.getMappedPort(5432)}/postgres`,
    REDIS_URL: `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`,
    NATS_URL: `nats://${nats.getHost()}:${nats.getMappedPort(4222)}`,
  };
}

/** Containers a test run on this host started and could not stop (killed): their process is gone. */
function removeOrphans(): Promise<void> {
  return removeContainers((owner) => {
    const pid = Number(owner.split(':').pop());
    return owner.startsWith(`${hostname()}:`) && pid !== process.pid && !processAlive(pid);
  });
}

async function removeContainers(whose: (owner: string) => boolean): Promise<void> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  const client = await getContainerRuntimeClient();
  for (const info of await client.container.list()) {
    const owner = info.Labels?.[LABEL];
    if (owner && whose(owner))
      await client.container
        .getById(info.Id)
        .remove({ force: true, v: true })
        .catch(() => undefined);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function stopInfra(): Promise<void> {
  await Promise.all(started.splice(0).map((container) => container.stop({ remove: true, removeVolumes: true })));
}

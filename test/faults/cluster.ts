import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
} from 'node:fs';
import { Agent } from 'node:http';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, MailCatcher } from '@td/testing';

const root = join(__dirname, '../..');

/** The origin every gateway answers for (as behind one load balancer): DPoP proofs are bound to it. */
export const PUBLIC_URL = 'http://trusted-devices.faults.test';

/** Postgres refuses to run as root: the suite's own cluster runs as this user (created if missing). */
const PG_USER = 'td-faults';

/**
 * Where Postgres' server programs are: on the PATH, else where Debian/Ubuntu's packages put them
 * (`/usr/lib/postgresql/<version>/bin`, not on the PATH), else `pg_config --bindir`. A clean machine
 * with only the `postgresql` package installed needs nothing more.
 */
export function pgProgram(name: 'initdb' | 'pg_ctl'): string {
  const onPath = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
  if (onPath) return onPath;
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => existsSync(join(debian, v, 'bin', name)))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length) return join(debian, versions[0], 'bin', name);
  }
  const bindir = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' }).stdout?.trim();
  if (bindir && existsSync(join(bindir, name))) return join(bindir, name);
  throw new Error(`${name} not found (PATH, /usr/lib/postgresql/*/bin, pg_config --bindir): install the postgresql server package`);
}

export type Kind = 'gateway' | 'device-service' | 'verification-service' | 'notification-service' | 'deprovision-worker';
export const KINDS: Kind[] = ['gateway', 'device-service', 'verification-service', 'notification-service', 'deprovision-worker'];

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, '127.0.0.1', () => done(true));
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

/** One OS process the suite starts, stops, kills and restarts; its output goes to `<runDir>/<name>.log`. */
export class Proc {
  child: ChildProcess | null = null;
  /** Set while the suite itself stops or kills it: any other exit is a crash. */
  stopping = false;
  private exitWaiters: Array<() => void> = [];
  readonly logFile: string;

  constructor(
    readonly name: string,
    readonly kind: Kind | 'redis' | 'nats',
    private readonly command: string,
    private readonly args: string[],
    private readonly env: Record<string, string>,
    runDir: string,
    private readonly onCrash: (proc: Proc, code: number | null, signal: string | null) => void,
  ) {
    this.logFile = join(runDir, `${name}.log`);
  }

  get alive(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    const out = openSync(this.logFile, 'a');
    const child = spawn(this.command, this.args, { cwd: root, env: { ...process.env, ...this.env }, stdio: ['ignore', out, out] });
    closeSync(out);
    this.child = child;
    this.stopping = false;
    child.once('exit', (code, signal) => {
      if (!this.stopping) this.onCrash(this, code, signal);
      this.exitWaiters.splice(0).forEach((wake) => wake());
    });
  }

  /** Sends `signal` and resolves with how long the process took to exit (null: still running after `timeoutMs`). */
  async signal(signal: NodeJS.Signals, timeoutMs = 20_000): Promise<number | null> {
    const child = this.child;
    if (!child || !this.alive) return 0;
    this.stopping = true;
    const sent = Date.now();
    const exited = new Promise<void>((resolve) => this.exitWaiters.push(resolve));
    child.kill(signal);
    const inTime = await Promise.race([exited.then(() => true), sleep(timeoutMs).then(() => false)]);
    if (inTime) return Date.now() - sent;
    child.kill('SIGKILL');
    await exited;
    return null;
  }

  /** Its log from byte `from` on (a restart appends to the same file). */
  log(from = 0): string {
    try {
      const fd = openSync(this.logFile, 'r');
      try {
        const size = fstatSync(fd).size;
        if (size <= from) return '';
        const buffer = Buffer.alloc(size - from);
        readSync(fd, buffer, 0, buffer.length, from);
        return buffer.toString('utf8');
      } finally {
        closeSync(fd);
      }
    } catch {
      return '';
    }
  }

  logSize(): number {
    try {
      return statSync(this.logFile).size;
    } catch {
      return 0;
    }
  }
}

/** An app instance: a built service, gateway or worker (README "Running one service alone"). */
export class AppInstance extends Proc {
  port?: number;
  agent?: Agent;
  /** In the load balancer's rotation (its readiness answered 200 lately). */
  inRotation = false;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
}

/**
 * The whole system as production runs it, on this machine: its own Postgres
 * (initdb/pg_ctl), Redis with AOF and NATS with JetStream on free ports, a real
 * SMTP catcher, and 2 gateways plus 2 instances of every service and worker,
 * each its own process from the build (`dist/`).
 */
export class Cluster {
  readonly runDir: string;
  readonly mail = new MailCatcher();
  readonly secrets = { AUTH_JWT_SECRET: randomBytes(32).toString('hex'), CODE_HMAC_SECRET: randomBytes(32).toString('hex') };
  readonly apps: AppInstance[] = [];
  /** Instances that exited at start and were started again. */
  readonly startRetries: string[] = [];
  readonly crashes: Array<{ name: string; at: number; code: number | null; signal: string | null }> = [];
  redis!: Proc;
  nats!: Proc;
  pgPort = 0;
  redisPort = 0;
  natsPort = 0;
  private readonly pgData: string;
  private readonly pgSocketDir: string;
  private readonly pgLog: string;
  private rr = 0;
  private poller?: NodeJS.Timeout;
  private pgRunning = false;

  constructor(readonly instances = 2) {
    this.runDir = mkdtempSync(join(tmpdir(), 'td-faults-'));
    chmodSync(this.runDir, 0o755);
    this.pgData = join(this.runDir, 'pg');
    this.pgSocketDir = join(this.runDir, 'pg-socket');
    this.pgLog = join(this.runDir, 'postgres.log');
  }

  get databaseUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.pgPort}/trusted_devices`;
  }

  private readonly crashed = (proc: Proc, code: number | null, signal: string | null) => {
    this.crashes.push({ name: proc.name, at: Date.now(), code, signal });
  };

  async start(): Promise<void> {
    [this.pgPort, this.redisPort, this.natsPort] = [await freePort(), await freePort(), await freePort()];
    await this.mail.start();
    this.startPostgresCluster();
    mkdirSync(join(this.runDir, 'redis'));
    mkdirSync(join(this.runDir, 'nats'));
    this.redis = new Proc(
      'redis',
      'redis',
      'redis-server',
      [
        '--port',
        String(this.redisPort),
        '--bind',
        '127.0.0.1',
        '--dir',
        join(this.runDir, 'redis'),
        '--appendonly',
        'yes',
        '--appendfsync',
        'everysec',
        '--save',
        '',
      ],
      {},
      this.runDir,
      this.crashed,
    );
    this.nats = new Proc(
      'nats',
      'nats',
      'nats-server',
      ['-a', '127.0.0.1', '-p', String(this.natsPort), '-js', '-sd', join(this.runDir, 'nats')],
      {},
      this.runDir,
      this.crashed,
    );
    this.redis.start();
    this.nats.start();
    await until('Redis', () => portOpen(this.redisPort), 15_000);
    await until('NATS', () => portOpen(this.natsPort), 15_000);

    const migrate = spawnSync(process.execPath, ['dist/apps/device-service/src/migrate.js'], {
      cwd: root,
      env: { ...process.env, ...this.env('migrate') },
      encoding: 'utf8',
    });
    if (migrate.status !== 0) throw new Error(`migrations failed:\n${migrate.stdout}\n${migrate.stderr}`);

    for (const kind of KINDS) for (let i = 1; i <= this.instances; i++) this.apps.push(await this.createApp(kind, i));
    // As an orchestrator would: an instance that fails to start (e.g. NATS slow to answer on a busy machine) is started again.
    await Promise.all(this.apps.map((app) => this.startApp(app, 180_000, 3)));
    this.poller = setInterval(() => void this.pollRotation(), 500);
  }

  /** The environment of one process (API.md "Configuration"); the suite's own servers, secrets and a short pending TTL. */
  env(name: string): Record<string, string> {
    return {
      DATABASE_URL: this.databaseUrl,
      REDIS_URL: `redis://127.0.0.1:${this.redisPort}`,
      NATS_URL: `nats://127.0.0.1:${this.natsPort}`,
      SMTP_URL: this.mail.url,
      PUBLIC_URL,
      INSTANCE_ID: name,
      LOG_LEVEL: 'info',
      NATS_PREFIX: '',
      REDIS_PREFIX: 'td',
      AUTH_DEV_LOGIN: 'false',
      MIGRATIONS_RUN: 'false',
      // SETUP-5 with 2 sweepers: pending devices of the run expire while it runs (the minimum TTL).
      PENDING_DEVICE_TTL_SECONDS: '60',
      MAX_DEVICES_PER_USER: '40',
      SETUP_MAX_PER_HOUR: '1000',
      // All of the load comes from 127.0.0.1 (SEC-9's per-address limit would read it as one client).
      RATE_LIMIT_IP_PER_MINUTE: '1000000',
      RATE_LIMIT_USER_PER_MINUTE: '1000000',
      // Cascades long enough to be cut mid-way: 5 devices a batch, a pause between batches.
      DEPROVISION_BATCH_SIZE: '5',
      DEPROVISION_BATCH_PAUSE_MS: '150',
      ...this.secrets,
    };
  }

  private async createApp(kind: Kind, index: number): Promise<AppInstance> {
    const name = `${kind}-${index}`;
    const env = this.env(name);
    let script = `dist/apps/${kind}/src/main.js`;
    if (kind === 'device-service') env.DEPROVISION_WORKER = 'false';
    if (kind === 'deprovision-worker') {
      script = 'dist/apps/device-service/src/worker.js';
      env.DEPROVISION_WORKER = 'true';
    }
    const app = new AppInstance(name, kind, process.execPath, [script], env, this.runDir, this.crashed);
    if (kind === 'gateway') {
      app.port = await freePort();
      env.PORT = String(app.port);
      // Behind a load balancer that follows readiness: 503 for a second before it stops accepting.
      env.SHUTDOWN_DELAY_MS = '1000';
      app.agent = new Agent({ keepAlive: true, maxSockets: 32 });
    }
    return app;
  }

  /** Starts (or restarts) an instance and waits until it serves; up to `attempts` times if it exits at start. */
  async startApp(app: AppInstance, timeoutMs = 180_000, attempts = 1): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.startOnce(app, timeoutMs);
      } catch (error) {
        if (attempt >= attempts || app.alive) throw error;
        this.startRetries.push(`${app.name}: ${(error as Error).message.split('\n')[0]}`);
      }
    }
  }

  private async startOnce(app: AppInstance, timeoutMs: number): Promise<void> {
    const logBefore = app.logSize();
    app.start();
    const fresh = () => app.log(logBefore);
    if (!app.alive && app.child?.exitCode !== null) throw new Error(`${app.name} did not start`);
    if (app.kind === 'gateway') {
      await until(
        `${app.name} live`,
        async () => {
          if (!app.alive) throw new Error(`${app.name} exited at start:\n${fresh().slice(-3000)}`);
          return fetch(`${app.url}/health/live`, { signal: AbortSignal.timeout(1000) }).then(
            (r) => r.ok,
            () => false,
          );
        },
        timeoutMs,
        200,
      );
      app.inRotation = true;
    } else {
      // Nest logs this once the bus server listens (services) / the context is initialised (worker).
      const marker =
        app.kind === 'deprovision-worker' ? 'DeprovisionWorkerModule dependencies initialized' : 'Nest microservice successfully started';
      await until(
        `${app.name} started`,
        () => {
          if (!app.alive) throw new Error(`${app.name} exited at start:\n${fresh().slice(-3000)}`);
          return fresh().includes(marker);
        },
        timeoutMs,
        200,
      );
    }
  }

  of(kind: Kind): AppInstance[] {
    return this.apps.filter((app) => app.kind === kind);
  }

  get gateways(): AppInstance[] {
    return this.of('gateway');
  }

  /** The load balancer: round-robin over gateways whose readiness answered 200, else over every running one. */
  pickGateway(): AppInstance {
    const running = this.gateways.filter((g) => g.alive);
    const ready = running.filter((g) => g.inRotation);
    const pool = ready.length ? ready : running.length ? running : this.gateways;
    return pool[this.rr++ % pool.length];
  }

  private async pollRotation(): Promise<void> {
    await Promise.all(
      this.gateways.map(async (g) => {
        if (!g.alive) {
          g.inRotation = false;
          return;
        }
        g.inRotation = await fetch(`${g.url}/health/ready`, { signal: AbortSignal.timeout(1500) }).then(
          (r) => r.status === 200,
          () => false,
        );
      }),
    );
  }

  async allReady(): Promise<boolean> {
    const answers = await Promise.all(
      this.gateways.map((g) =>
        fetch(`${g.url}/health/ready`, { signal: AbortSignal.timeout(1500) }).then(
          (r) => r.status === 200,
          () => false,
        ),
      ),
    );
    return answers.every(Boolean);
  }

  // ---- Postgres, as a dedicated non-root user

  private asPgUser(command: string, args: string[]): { status: number | null; output: string } {
    const asRoot = process.getuid?.() === 0;
    const result = asRoot
      ? spawnSync('runuser', ['-u', PG_USER, '--', command, ...args], { encoding: 'utf8' })
      : spawnSync(command, args, { encoding: 'utf8' });
    return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}` };
  }

  private startPostgresCluster(): void {
    mkdirSync(this.pgData, { mode: 0o700 });
    mkdirSync(this.pgSocketDir);
    if (process.getuid?.() === 0) {
      if (spawnSync('id', ['-u', PG_USER]).status !== 0) {
        const added = spawnSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', PG_USER], {
          encoding: 'utf8',
        });
        if (added.status !== 0) throw new Error(`could not create the user ${PG_USER}: ${added.stderr}`);
      }
      const uid = Number(spawnSync('id', ['-u', PG_USER], { encoding: 'utf8' }).stdout.trim());
      const gid = Number(spawnSync('id', ['-g', PG_USER], { encoding: 'utf8' }).stdout.trim());
      for (const dir of [this.pgData, this.pgSocketDir]) chownSync(dir, uid, gid);
      closeSync(openSync(this.pgLog, 'a'));
      chownSync(this.pgLog, uid, gid);
    }
    const init = this.asPgUser(pgProgram('initdb'), ['-D', this.pgData, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    if (init.status !== 0) throw new Error(`initdb failed:\n${init.output}`);
    this.startPostgres();
  }

  startPostgres(): void {
    const options = `-p ${this.pgPort} -c listen_addresses=127.0.0.1 -k ${this.pgSocketDir} -c fsync=off -c max_connections=300`;
    const started = this.asPgUser(pgProgram('pg_ctl'), ['-D', this.pgData, '-l', this.pgLog, '-o', options, '-w', '-t', '60', 'start']);
    if (started.status !== 0) throw new Error(`pg_ctl start failed:\n${started.output}\n${readFileSync(this.pgLog, 'utf8').slice(-2000)}`);
    this.pgRunning = true;
  }

  stopPostgres(mode: 'fast' | 'immediate' = 'fast'): void {
    this.asPgUser(pgProgram('pg_ctl'), ['-D', this.pgData, '-m', mode, '-w', '-t', '60', 'stop']);
    this.pgRunning = false;
  }

  async waitPort(port: number, what: string): Promise<void> {
    await until(what, () => portOpen(port), 30_000, 50);
  }

  /** Stops everything; keeps the run directory (logs) when asked. */
  async stop(keepLogs: boolean): Promise<void> {
    if (this.poller) clearInterval(this.poller);
    await Promise.all(this.apps.map((app) => app.signal('SIGKILL')));
    for (const app of this.apps) app.agent?.destroy();
    await this.redis?.signal('SIGTERM');
    await this.nats?.signal('SIGTERM');
    if (this.pgRunning) this.stopPostgres('immediate');
    await this.mail.stop();
    if (!keepLogs) rmSync(this.runDir, { recursive: true, force: true });
  }

  /** Last resort when the test process ends abruptly: nothing of the suite may outlive it. */
  killAllNow(): void {
    for (const proc of [...this.apps, this.redis, this.nats]) {
      if (proc?.alive) {
        proc.stopping = true;
        proc.child?.kill('SIGKILL');
      }
    }
    if (this.pgRunning) this.stopPostgres('immediate');
  }
}

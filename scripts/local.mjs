#!/usr/bin/env node
// `npm start`: local mode. Checks Postgres, Redis and NATS, builds what is stale, runs
// pending migrations, starts a mail catcher and every service as its own child process
// with prefixed, readable logs, waits for /health/ready and prints the URLs.
// Every default gives way to the environment (API.md "Configuration").
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env };
const color = process.stdout.isTTY && !env.NO_COLOR;
const paint = (code, text) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);

function fail(message) {
  console.error(paint('31', `✖ ${message}`));
  process.exit(1);
}

// ---- 1. Postgres, Redis and NATS must be reachable: say which is not, and how to start it.
env.PORT ??= '3000';
env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/trusted_devices';
env.REDIS_URL ??= 'redis://127.0.0.1:6379';
env.NATS_URL ??= 'nats://127.0.0.1:4222';

const HOW_TO_START = {
  Postgres:
    'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start   (or: docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:15-bookworm)',
  Redis: 'redis-server --daemonize yes --port 6379 --save "" --appendonly no   (or: docker run -d -p 6379:6379 redis:7.0-bookworm)',
  NATS: 'nats-server -js -a 127.0.0.1 -p 4222 &   (or: docker run -d -p 4222:4222 nats:2.9 -js)',
};

function reachable(url, defaultPort) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(Number(port || defaultPort), hostname.replace(/^\[|\]$/g, ''), () => done(true));
  });
}

const checks = await Promise.all(
  [
    ['Postgres', 'DATABASE_URL', 5432],
    ['Redis', 'REDIS_URL', 6379],
    ['NATS', 'NATS_URL', 4222],
  ].map(async ([name, variable, port]) => [name, variable, await reachable(env[variable], port)]),
);
const down = checks.filter(([, , ok]) => !ok);
if (down.length) {
  for (const [name, variable] of down)
    console.error(paint('31', `✖ ${name} is not reachable at ${env[variable]} (${variable}). Start it with:\n    ${HOW_TO_START[name]}`));
  process.exit(1);
}

// ---- 2. Build whatever is stale.
function newest(dir) {
  let latest = 0;
  if (!existsSync(dir)) return 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}
const serverSources = Math.max(
  newest(join(root, 'apps/gateway/src')),
  newest(join(root, 'apps/device-service/src')),
  newest(join(root, 'apps/verification-service/src')),
  newest(join(root, 'apps/notification-service/src')),
  newest(join(root, 'libs')),
);
const serverBuilt = existsSync(join(root, 'dist/apps/gateway/src/main.js'))
  ? statSync(join(root, 'dist/apps/gateway/src/main.js')).mtimeMs
  : 0;
if (serverSources > serverBuilt) {
  console.log(paint('36', '• building the services…'));
  const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) fail('the build failed');
  spawnSync('npx', ['tsc-alias', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
}
const webDir = join(root, 'apps/web');
if (existsSync(join(webDir, 'vite.config.ts'))) {
  const webBuilt = existsSync(join(webDir, 'dist/index.html')) ? statSync(join(webDir, 'dist/index.html')).mtimeMs : 0;
  if (newest(join(webDir, 'src')) > webBuilt || newest(webDir) > webBuilt) {
    console.log(paint('36', '• building the web app…'));
    const build = spawnSync('npm', ['run', '--silent', 'build:web'], { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) console.error(paint('33', '! the web app build failed; the API runs without it'));
  }
}

// ---- 3. Secrets: from the environment, else generated once and kept in .local/ (git-ignored).
const secretsFile = join(root, '.local/secrets.json');
let stored = {};
if (existsSync(secretsFile)) stored = JSON.parse(readFileSync(secretsFile, 'utf8'));
for (const name of ['AUTH_JWT_SECRET', 'CODE_HMAC_SECRET']) {
  if (env[name]) continue;
  if (name === 'AUTH_JWT_SECRET' && env.AUTH_JWKS_URL) continue;
  stored[name] ??= randomBytes(32).toString('base64url');
  env[name] = stored[name];
}
mkdirSync(dirname(secretsFile), { recursive: true });
writeFileSync(secretsFile, JSON.stringify(stored, null, 2), { mode: 0o600 });

// Local mode listens on this machine only: dev login hands out any identity, and the gateway
// refuses to start with it on a wider bind (SEC-1). HOST=0.0.0.0 (without dev login) opens it up.
env.HOST ??= '127.0.0.1';
env.AUTH_DEV_LOGIN ??= env.AUTH_JWKS_URL ? 'false' : 'true';
env.PUBLIC_URL ??= `http://localhost:${env.PORT}`;
env.MIGRATIONS_RUN = 'false'; // run once below, not by each process
env.DEPROVISION_WORKER ??= 'false'; // the worker runs as its own process below

// ---- 4. Children, with prefixed, readable logs.
const children = new Map();
let stopping = false;
const LEVELS = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
const LEVEL_COLORS = { 40: '33', 50: '31', 60: '31' };
const NAME_COLORS = ['36', '35', '34', '32', '33', '94'];

function readable(line) {
  if (!line.startsWith('{')) return line;
  try {
    const { level, time, msg, service: _s, name: _n, pid: _p, hostname: _h, context, requestId, ...rest } = JSON.parse(line);
    const extra = Object.entries(rest)
      .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`)
      .join(' ');
    const label = paint(LEVEL_COLORS[level] ?? '2', LEVELS[level] ?? level);
    return `${String(time).slice(11, 19)} ${label} ${context ? paint('2', `[${context}] `) : ''}${msg ?? ''}${requestId ? paint('2', ` req=${requestId}`) : ''}${extra ? paint('2', ` ${extra}`) : ''}`;
  } catch {
    return line;
  }
}

function start(name, command, args, extraEnv = {}) {
  const prefix = paint(NAME_COLORS[children.size % NAME_COLORS.length], `${name.padEnd(22)}│`);
  const child = spawn(command, args, { cwd: root, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.set(name, child);
  for (const stream of [child.stdout, child.stderr]) {
    let buffer = '';
    stream.on('data', (chunk) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop();
      for (const line of lines) if (line.trim()) console.log(`${prefix} ${readable(line)}`);
    });
  }
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (!stopping)
      console.log(`${prefix} ${paint('31', `exited (${signal ?? code}); the others keep running — /health/ready reports it`)}`);
  });
  return child;
}

function stopAll(code = 0) {
  if (stopping) return;
  stopping = true;
  console.log(paint('36', '\n• stopping…'));
  for (const child of children.values()) child.kill('SIGTERM');
  const deadline = setTimeout(() => {
    for (const child of children.values()) child.kill('SIGKILL');
    process.exit(code);
  }, 5000);
  const check = setInterval(() => {
    if (children.size === 0) {
      clearInterval(check);
      clearTimeout(deadline);
      process.exit(code);
    }
  }, 50);
}
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

function freePort(preferred) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => {
      const any = createServer();
      any.listen(0, '127.0.0.1', () => {
        const { port } = any.address();
        any.close(() => resolve(port));
      });
    });
    server.listen(preferred, '127.0.0.1', () => server.close(() => resolve(preferred)));
  });
}

// The mail catcher, unless mail goes elsewhere.
let mailPage = null;
if (!env.SMTP_URL) {
  const smtpPort = await freePort(Number(env.MAIL_SMTP_PORT ?? 1025));
  const webPort = await freePort(Number(env.MAIL_WEB_PORT ?? 1080));
  start('mail', process.execPath, [
    join(root, 'node_modules/maildev/bin/maildev'),
    '--smtp',
    String(smtpPort),
    '--web',
    String(webPort),
    '--ip',
    '127.0.0.1',
    '--web-ip',
    '127.0.0.1',
  ]);
  env.SMTP_URL = `smtp://127.0.0.1:${smtpPort}`;
  mailPage = `http://127.0.0.1:${webPort}`;
}

// ---- 5. Pending migrations first.
console.log(paint('36', '• running migrations…'));
// The migration runner's own JSON log is kept below warn here: its one-line summary says what was applied.
const migration = spawnSync(process.execPath, ['dist/apps/device-service/src/migrate.js'], {
  cwd: root,
  env: { ...env, LOG_LEVEL: 'warn' },
  stdio: 'inherit',
});
if (migration.status !== 0) {
  stopAll(1);
  fail('migrations failed');
}

// ---- 6. The services.
const dist = (app, file = 'main.js') => join(root, 'dist/apps', app, 'src', file);
start('device-service', process.execPath, [dist('device-service')]);
if (existsSync(dist('device-service', 'worker.js')))
  start('deprovision-worker', process.execPath, [dist('device-service', 'worker.js')], { DEPROVISION_WORKER: 'true' });
start('verification-service', process.execPath, [dist('verification-service')]);
start('notification-service', process.execPath, [dist('notification-service')]);
start('gateway', process.execPath, [dist('gateway')]);

// ---- 7. Ready: print where everything is.
const anyAddress = env.HOST === '0.0.0.0' || env.HOST === '::';
const reachHost = anyAddress ? '127.0.0.1' : env.HOST.includes(':') ? `[${env.HOST}]` : env.HOST;
const readyUrl = `http://${reachHost}:${env.PORT}/health/ready`;
const readySeconds = Number(env.LOCAL_READY_TIMEOUT_SECONDS ?? 60); // the bench waits longer on a loaded machine
const started = Date.now();
for (;;) {
  if (stopping) break;
  const ok = await fetch(readyUrl, { signal: AbortSignal.timeout(2000) }).then(
    (r) => r.ok,
    () => false,
  );
  if (ok) {
    console.log(paint('32', `\n✔ Trusted Devices is up (${((Date.now() - started) / 1000).toFixed(1)} s)`));
    console.log(`  Web app        ${env.PUBLIC_URL}/`);
    console.log(`  API docs       ${env.PUBLIC_URL}/docs`);
    console.log(`  Health         ${env.PUBLIC_URL}/health/ready`);
    console.log(`  Queues         ${env.PUBLIC_URL}/ops/queues`);
    if (mailPage) console.log(`  Mail catcher   ${mailPage}   (SMTP ${env.SMTP_URL})`);
    console.log(`  Dev login      ${env.AUTH_DEV_LOGIN === 'true' ? `on — POST ${env.PUBLIC_URL}/v1/dev/token` : 'off'}`);
    console.log(
      `  Listening on   ${env.HOST}:${env.PORT}${anyAddress ? '   (every interface: reachable from other hosts)' : '   (this machine only)'}`,
    );
    console.log(paint('2', '  Ctrl-C stops everything.\n'));
    break;
  }
  if (Date.now() - started > readySeconds * 1000) {
    console.error(paint('31', `✖ not ready after ${readySeconds} s: ${readyUrl}`));
    stopAll(1);
    break;
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
}

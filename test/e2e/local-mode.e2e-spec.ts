import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createTestEnv, freePort, MailCatcher, waitUntil, type TestEnv } from '@td/testing';

const root = join(__dirname, '../..');

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

/** `npm start` as a newcomer runs it: every service a child process, then ready (issue 2 "Done when"). */
describe('local mode (npm start)', () => {
  let testEnv: TestEnv;
  let mail: MailCatcher;

  beforeAll(async () => {
    testEnv = await createTestEnv();
    mail = await new MailCatcher().start();
  });
  afterAll(async () => {
    await mail.stop();
    await testEnv.cleanup();
  });

  it('OPS-1 starts every service as its own process, reaches /health/ready 200, and Ctrl-C stops them all', async () => {
    const port = await freePort();
    let output = '';
    const launcher = spawn(process.execPath, [join(root, 'scripts/local.mjs')], {
      cwd: root,
      env: { ...process.env, ...testEnv.env, MIGRATIONS_RUN: '', PORT: String(port), SMTP_URL: mail.url, NO_COLOR: '1', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    launcher.stdout!.on('data', (chunk) => (output += chunk));
    launcher.stderr!.on('data', (chunk) => (output += chunk));
    try {
      await waitUntil(() => output.includes('Trusted Devices is up'), 90_000, 200).catch((error) => {
        throw new Error(`${(error as Error).message}\n${output}`);
      });
      const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
      expect(ready.status).toBe(200);
      const body = (await ready.json()) as { details: Record<string, { status: string }> };
      for (const part of ['nats', 'device-service', 'verification-service', 'notification-service'])
        expect(body.details[part].status).toBe('up');
      expect(output).toContain(`API docs       http://localhost:${port}/docs`);
      // SEC-1: local mode listens on loopback only (dev login is on).
      expect(output).toContain(`Listening on   127.0.0.1:${port}   (this machine only)`);
    } finally {
      launcher.kill('SIGINT');
      await exited(launcher);
    }
    // Every child went with it: nothing answers on the gateway port any more.
    await expect(fetch(`http://127.0.0.1:${port}/health/live`)).rejects.toThrow();
  }, 120_000);

  it('SEC-1 local mode told to listen beyond loopback with dev login on refuses to start, naming both', async () => {
    const launcher = spawn(process.execPath, [join(root, 'scripts/local.mjs')], {
      cwd: root,
      env: {
        ...process.env,
        ...testEnv.env,
        MIGRATIONS_RUN: '',
        PORT: String(await freePort()),
        HOST: '0.0.0.0',
        AUTH_DEV_LOGIN: 'true',
        SMTP_URL: mail.url,
        NO_COLOR: '1',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    launcher.stdout!.on('data', (chunk) => (output += chunk));
    launcher.stderr!.on('data', (chunk) => (output += chunk));
    try {
      await waitUntil(() => /gateway\s+│ .*AUTH_DEV_LOGIN: refused unless HOST is a loopback address/.test(output), 90_000, 200).catch(
        (error) => {
          throw new Error(`${(error as Error).message}\n${output}`);
        },
      );
      expect(output).not.toContain('Trusted Devices is up');
    } finally {
      launcher.kill('SIGINT');
      await exited(launcher);
    }
  }, 120_000);

  it('OPS-4 names an unreachable dependency and how to start it, and exits non-zero within seconds', async () => {
    const started = Date.now();
    const launcher = spawn(process.execPath, [join(root, 'scripts/local.mjs')], {
      cwd: root,
      env: { ...process.env, ...testEnv.env, REDIS_URL: 'redis://127.0.0.1:1', SMTP_URL: mail.url, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    launcher.stderr!.on('data', (chunk) => (output += chunk));
    const code = await exited(launcher);
    expect(code).not.toBe(0);
    expect(output).toContain('Redis is not reachable at redis://127.0.0.1:1 (REDIS_URL)');
    expect(output).toContain('redis-server');
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 30_000);
});

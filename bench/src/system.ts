import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';

/** Starts the whole system exactly as `npm start` does (every service its own process) and waits until ready. */
export async function startSystem(env: Record<string, string>, port: number): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const root = join(__dirname, '../../..');
  const launcher: ChildProcess = spawn(process.execPath, [join(root, 'scripts/local.mjs')], {
    cwd: root,
    env: {
      ...process.env,
      ...env,
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      NO_COLOR: '1',
      LOG_LEVEL: 'warn',
      LOCAL_READY_TIMEOUT_SECONDS: '240',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  // BENCH_SYSTEM_LOG=path keeps the services' own output (warnings: LOG_LEVEL is warn) for a look afterwards.
  const log = process.env.BENCH_SYSTEM_LOG ? createWriteStream(process.env.BENCH_SYSTEM_LOG) : null;
  launcher.stdout!.on('data', (chunk) => {
    output += chunk;
    log?.write(chunk);
  });
  launcher.stderr!.on('data', (chunk) => {
    output += chunk;
    log?.write(chunk);
  });
  const deadline = Date.now() + 300_000;
  while (!output.includes('Trusted Devices is up')) {
    if (launcher.exitCode !== null || Date.now() > deadline) throw new Error(`the system did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    pid: launcher.pid!,
    stop: () =>
      new Promise((resolve) => {
        launcher.once('exit', () => resolve());
        launcher.kill('SIGINT');
      }),
  };
}

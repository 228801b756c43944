import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../../..');

/**
 * Issue 10: a SIGTERMed process finishes its work in flight before it exits. A service's main()
 * keeps no reference to its app; the shutdown registry must, or the garbage collector takes the
 * app and a SIGTERM finds nothing to drain (notification-service exited at once, mails went twice).
 */
describe('closeOnSignals: SIGTERM drains an app nobody else holds', () => {
  it("runs the app's graceful close after a garbage collection, then exits 0", async () => {
    const script = `
      const { closeOnSignals } = require('./libs/common/src/bootstrap/shutdown.ts');
      (() => {
        const app = { close: async () => { await new Promise((r) => setTimeout(r, 200)); process.stdout.write('drained\\n'); } };
        closeOnSignals(app, () => app.close(), 2000);
      })();
      setTimeout(() => { global.gc(); setTimeout(() => { global.gc(); process.stdout.write('ready\\n'); }, 50); }, 50);
      setInterval(() => undefined, 1000);
    `;
    const child = spawn(process.execPath, ['--expose-gc', '-r', './apps/device-service/test/support/ts-register.js', '-e', script], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready') && child.exitCode === null && !child.killed) child.kill('SIGTERM');
    });
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(out).toContain('drained');
    expect(code).toBe(0);
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createTestEnv, waitUntil, type TestEnv } from '@td/testing';

const root = join(__dirname, '../..');
const ANSI = /\x1b\[/; // eslint-disable-line no-control-regex

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A script as a newcomer runs it, its output piped (not a terminal): what it printed, and how it ended. */
function run(
  script: string,
  env: Record<string, string | undefined>,
): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [join(root, script)], {
    cwd: root,
    env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** The newcomer path (issue 13 item 13): the README, `npm start` and `npm run demo` as someone new meets them. */
describe('the newcomer path: README, npm start, npm run demo', () => {
  let testEnv: TestEnv;

  beforeAll(async () => {
    testEnv = await createTestEnv();
  });
  afterAll(() => testEnv.cleanup());

  it('WEB-7 the README says the browser tests need Chromium, where, and that .ci/run installs it — as .ci/run and the tests do', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8').replace(/\s+/g, ' ');
    const ci = readFileSync(join(root, '.ci/run'), 'utf8');
    const support = readFileSync(join(root, 'test/browser/support.ts'), 'utf8');
    expect(readme).toContain(
      "needs Debian's `chromium` at `/usr/bin/chromium` (or `CHROMIUM_PATH`): `apt-get install chromium`, which `.ci/run` does when it is missing",
    );
    expect(ci).toContain('/usr/bin/chromium');
    expect(ci).toMatch(/apt-get install [^\n]*chromium/);
    expect(support).toContain("process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'");
  });

  it('OPS-4 npm run demo honours PORT and PUBLIC_URL, and a refused connection is one plain line saying what to do', async () => {
    const port = await freePort(); // nothing listens there
    for (const [env, url] of [
      [{ PORT: String(port), PUBLIC_URL: undefined }, `http://localhost:${port}`],
      [{ PORT: '1', PUBLIC_URL: `http://127.0.0.1:${port}` }, `http://127.0.0.1:${port}`],
    ] as const) {
      const demo = run('scripts/demo.mjs', env);
      expect(await demo.exited).toBe(1);
      const lines = demo
        .output()
        .split('\n')
        .filter((line) => line.trim() && !/^\d+\. |^ {3}\S/.test(line));
      expect(lines).toEqual([
        `npm run demo: could not reach Trusted Devices at ${url} (ECONNREFUSED). Is \`npm start\` running? Set PORT or PUBLIC_URL to where it runs.`,
      ]);
      expect(demo.output()).not.toMatch(/^\s+at /m);
      expect(demo.output()).not.toMatch(ANSI);
    }
  }, 30_000);

  it('OPS-1 npm start, its output piped: no colour codes, the migrations said once and not as JSON, the deprovision-worker says it is ready; npm run demo then runs through on its PORT', async () => {
    const port = await freePort();
    const start = run('scripts/local.mjs', {
      ...testEnv.env,
      LOG_LEVEL: undefined,
      MIGRATIONS_RUN: '',
      PORT: String(port),
      MAIL_SMTP_PORT: String(await freePort()),
      MAIL_WEB_PORT: String(await freePort()),
    });
    try {
      await waitUntil(() => start.output().includes('Ctrl-C stops everything'), 120_000, 200).catch((error: Error) => {
        throw new Error(`${error.message}\n${start.output()}`);
      });
      await waitUntil(() => /deprovision-worker\s+│ .*Deprovisioning worker ready/.test(start.output()), 30_000, 200).catch(
        (error: Error) => {
          throw new Error(`${error.message}\n${start.output()}`);
        },
      );
      const output = start.output();
      expect(output).not.toMatch(ANSI);
      // The migrations: the one summary line, not also the runner's JSON log lines.
      expect(output.match(/Applied \d+ migration\(s\)|No pending migrations\./g)).toHaveLength(1);
      expect(output).not.toMatch(/"migration applied"|\{"level"/);
      const mailPage = /Mail catcher {3}(http:\/\/\S+)/.exec(output)?.[1];
      expect(mailPage).toBeDefined();

      // The demo against this npm start, told only its PORT (and where its mail catcher is).
      const demo = run('scripts/demo.mjs', { PORT: String(port), PUBLIC_URL: undefined, MAIL_WEB_URL: mailPage });
      const code = await demo.exited;
      expect({ code, output: demo.output() }).toEqual({
        code: 0,
        output: expect.stringContaining('Done. Both devices are in My trusted devices'),
      });
      expect(demo.output()).toContain('second session: trusted');
      expect(demo.output()).not.toMatch(ANSI);
    } finally {
      start.child.kill('SIGINT');
      await start.exited;
    }
  }, 240_000);
});

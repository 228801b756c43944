import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { freePort } from './ports';
import { waitUntil } from './wait';

export interface NatsUser {
  user: string;
  password: string;
}

/**
 * A nats-server of this test's own (SEC-11): its own port, JetStream store and config,
 * which lets in only the given users. Needs `nats-server` on PATH (.ci/run installs it).
 */
export class PrivateNats {
  private constructor(
    readonly url: string,
    private process: ChildProcess,
    private readonly dir: string,
    private readonly users: NatsUser[],
  ) {}

  static async start(users: NatsUser[]): Promise<PrivateNats> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'td-nats-'));
    const config = [
      `listen: "127.0.0.1:${port}"`,
      `jetstream { store_dir: ${JSON.stringify(join(dir, 'js'))} }`,
      'authorization {',
      '  users = [',
      ...users.map(({ user, password }) => `    { user: ${JSON.stringify(user)}, password: ${JSON.stringify(password)} }`),
      '  ]',
      '}',
    ].join('\n');
    writeFileSync(join(dir, 'nats.conf'), config);
    const nats = new PrivateNats(`nats://127.0.0.1:${port}`, PrivateNats.spawn(dir), dir, users);
    await nats.ready();
    return nats;
  }

  private static spawn(dir: string): ChildProcess {
    return spawn('nats-server', ['-c', join(dir, 'nats.conf')], { stdio: 'ignore' });
  }

  private async ready(): Promise<void> {
    const exited = new Promise<never>((_, reject) =>
      this.process.once('exit', (code) => reject(new Error(`nats-server exited (${code})`))),
    );
    exited.catch(() => undefined);
    const [first] = this.users;
    await Promise.race([
      exited,
      waitUntil(async () => {
        const connection = await connect({ servers: this.url, user: first.user, pass: first.password, timeout: 500 }).catch(() => null);
        await connection?.close();
        return connection !== null;
      }, 10_000),
    ]);
  }

  /** Stops the server and starts it again on the same port: its clients lose the connection and reconnect. */
  async restart(): Promise<void> {
    await this.kill();
    this.process = PrivateNats.spawn(this.dir);
    await this.ready();
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async kill(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = new Promise((resolve) => this.process.once('exit', resolve));
    this.process.kill('SIGTERM');
    await exited;
  }
}

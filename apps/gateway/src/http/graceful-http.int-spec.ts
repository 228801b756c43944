import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { request as httpRequest, Agent, type IncomingMessage } from 'node:http';
import path from 'node:path';
import { prefixed } from '@td/common';
import { Command } from '@td/contracts';
import { createTestEnv, freePort, mintToken, newUser, waitUntil, type TestEnv } from '@td/testing';
import { connect, JSONCodec, type Msg, type NatsConnection } from 'nats';

const ROOT = path.resolve(__dirname, '../../../..');
const codec = JSONCodec<{ id: string; data: unknown }>();

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

function get(port: number, path: string, agent: Agent | false, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * OPS-5 graceful stop of a real gateway process: SIGTERM while a request is in flight on a
 * keep-alive connection and another keep-alive connection sits idle.
 */
describe('gateway shutdown (SIGTERM)', () => {
  let testEnv: TestEnv;
  let nats: NatsConnection;
  let gateway: ChildProcess | undefined;

  beforeAll(async () => {
    testEnv = await createTestEnv();
    nats = await connect({ servers: testEnv.natsUrl, name: 'test-device-service' });
  });

  afterAll(async () => {
    if (gateway && gateway.exitCode === null && gateway.signalCode === null) gateway.kill('SIGKILL');
    await nats?.drain();
    await testEnv?.cleanup();
  });

  it('OPS-5 readiness turns 503, the request in flight is answered with Connection: close, idle connections close, and the process exits 0', async () => {
    // device-service's stand-in holds every device.list request until the test lets it answer.
    const held: Msg[] = [];
    nats.subscribe(prefixed(testEnv.natsPrefix, Command.deviceList), { callback: (_error, message) => held.push(message) });
    const answerHeld = () => {
      for (const message of held.splice(0)) {
        const { id } = codec.decode(message.data);
        message.respond(JSONCodec().encode({ id, response: { devices: [] }, isDisposed: true }));
      }
    };
    await nats.flush();

    const port = await freePort();
    gateway = spawn(process.execPath, ['-r', './apps/device-service/test/support/ts-register.js', 'apps/gateway/src/main.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...testEnv.env,
        PORT: String(port),
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        LOG_LEVEL: 'error',
        SHUTDOWN_DELAY_MS: '1500',
        SHUTDOWN_DRAIN_MS: '8000',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const exited = once(gateway, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    await waitUntil(() => get(port, '/health/live', false).then((r) => r.status === 200), 60_000, 200);

    // An idle keep-alive connection, and a busy one holding a request in flight.
    const idleAgent = new Agent({ keepAlive: true, maxSockets: 1 });
    expect((await get(port, '/health/live', idleAgent)).headers.connection).toBe('keep-alive');
    const idleSocketClosed = new Promise<void>((resolve) => {
      const [socket] = Object.values(idleAgent.freeSockets).flat();
      socket!.once('close', () => resolve());
    });
    const busyAgent = new Agent({ keepAlive: true, maxSockets: 1 });
    const user = newUser();
    const token = await mintToken(testEnv.env.AUTH_JWT_SECRET, user);
    const inFlight = get(port, '/v1/devices', busyAgent, { authorization: `Bearer ${token}` });
    await waitUntil(() => held.length === 1);

    gateway.kill('SIGTERM');
    // Readiness answers 503 first, so a load balancer moves away while the gateway still accepts…
    const readiness = await waitUntil(() => get(port, '/health/ready', false).then((r) => (r.status === 503 ? r : null)), 5000);
    expect(readiness.headers['retry-after']).toBeDefined();
    // …then it stops accepting, and the idle keep-alive connection is closed at once.
    await waitUntil(
      () =>
        get(port, '/health/live', false).then(
          () => false,
          (error: NodeJS.ErrnoException) => error.code === 'ECONNREFUSED',
        ),
      10_000,
    );
    await idleSocketClosed;

    // The request in flight is still answered, and told that its connection closes.
    answerHeld();
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ devices: [] });
    expect(answer.headers.connection).toBe('close');

    // With nothing left in flight it exits by itself, cleanly (a forced exit after the drain time is code 1).
    expect(await exited).toEqual([0, null]);
    idleAgent.destroy();
    busyAgent.destroy();
  }, 120_000);
});

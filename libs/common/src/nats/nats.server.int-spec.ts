import { Controller, Module, type DynamicModule, type INestMicroservice } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { createTestEnv, waitUntil, type TestEnv } from '@td/testing';
import { connect, JSONCodec, type NatsConnection } from 'nats';
import { createServer, connect as connectTcp, type AddressInfo, type Socket } from 'node:net';
import { startService } from '../bootstrap';
import { BusConfig, BusEnv, configLoader } from '../config';
import { prefixed } from './subject-prefix';

/** A request the test holds until it says so. */
class Gate {
  entered = 0;
  private opened = false;
  private waiters: Array<() => void> = [];
  wait(): Promise<void> {
    this.entered++;
    return this.opened ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
  open(): void {
    this.opened = true;
    this.waiters.splice(0).forEach((wake) => wake());
  }
}

const gate = new Gate();

@Controller()
class SlowController {
  @MessagePattern('drain-test.slow')
  async slow(data: { n: number }): Promise<{ doubled: number }> {
    await gate.wait();
    return { doubled: data.n * 2 };
  }

  @MessagePattern('drain-test.fast')
  fast(): { ok: true } {
    return { ok: true };
  }
}

@Module({})
class DrainTestModule {
  static forRoot(): DynamicModule {
    return { module: DrainTestModule, controllers: [SlowController] };
  }
}

const codec = JSONCodec<unknown>();

describe('bus server shutdown', () => {
  let testEnv: TestEnv;
  let nats: NatsConnection;
  let app: INestMicroservice | undefined;

  beforeAll(async () => {
    testEnv = await createTestEnv();
    nats = await connect({ servers: testEnv.natsUrl, name: 'test-client' });
  });

  afterAll(async () => {
    await app?.close();
    await nats?.drain();
    await testEnv?.cleanup();
  });

  function request(pattern: string, data: unknown, timeout = 15_000) {
    const subject = prefixed(testEnv.natsPrefix, pattern);
    return nats
      .request(subject, codec.encode({ pattern, data, id: `${pattern}-${Math.random()}` }), { timeout })
      .then((reply) => codec.decode(reply.data));
  }

  it('OPS-5 a started service takes requests at once: start returns only when NATS has its subscriptions', async () => {
    // The service's own bytes reach NATS 300 ms late, as on a busy machine or a far cluster: its subscriptions too.
    const slow = await delayingProxy(testEnv.natsUrl, 300);
    const config = configLoader(BusEnv, BusConfig)({ ...testEnv.env, NATS_URL: slow.url });
    const service = await startService(DrainTestModule.forRoot(), config, 'drain-test');
    try {
      // Sent the moment start returns, on another connection: answered, not 503 "no responders".
      expect(await request('drain-test.fast', {}, 5000)).toEqual({ id: expect.any(String), response: { ok: true }, isDisposed: true });
    } finally {
      await service.close();
      slow.close();
    }
  });

  it('OPS-5 closing a service drains: it stops taking requests, still answers every request it received, then closes', async () => {
    const config = configLoader(BusEnv, BusConfig)(testEnv.env);
    app = await startService(DrainTestModule.forRoot(), config, 'drain-test');
    const held = Promise.all([request('drain-test.slow', { n: 2 }), request('drain-test.slow', { n: 5 })]);
    await waitUntil(() => gate.entered === 2);

    const closing = app.close();
    // No new requests reach the closing instance (the queue group has no member left: "no responders")…
    await waitUntil(() =>
      request('drain-test.fast', {}, 1000).then(
        () => false,
        (error: Error) => /503|no responders/i.test(error.message),
      ),
    );
    // …while the ones it received are still answered once their handlers finish, however long they take
    // (Nest's own close waited 300 ms, then closed the connection under them).
    await new Promise((resolve) => setTimeout(resolve, 1000));
    gate.open();
    expect(await held).toEqual([
      { id: expect.any(String), response: { doubled: 4 }, isDisposed: true },
      { id: expect.any(String), response: { doubled: 10 }, isDisposed: true },
    ]);
    await closing;
    app = undefined;
  });
});

/** A TCP proxy to NATS that passes what the client sends `delayMs` late (in order); the server's answers pass at once. */
async function delayingProxy(natsUrl: string, delayMs: number): Promise<{ url: string; close: () => void }> {
  const target = new URL(natsUrl);
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connectTcp(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    client.on('data', (chunk) => setTimeout(() => upstream.writable && upstream.write(chunk), delayMs));
    upstream.pipe(client);
    const end = () => (client.destroy(), upstream.destroy());
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `nats://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => (server.close(), sockets.forEach((socket) => socket.destroy())),
  };
}

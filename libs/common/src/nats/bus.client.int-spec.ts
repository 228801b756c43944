import { Controller, Module, type DynamicModule, type INestMicroservice } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { ErrorCode, type Command } from '@td/contracts';
import { createTestEnv, PrivateNats, type TestEnv } from '@td/testing';
import { connect, type NatsConnection } from 'nats';
import { startService } from '../bootstrap';
import { BusConfig, BusEnv, configLoader } from '../config';
import { DomainError } from '../errors';
import { currentRequestId, runWithRequestId } from '../logging';
import { BusClient } from './bus.client';

@Controller()
class ClientTestController {
  @MessagePattern('client-test.echo')
  async echo(data: { text: string }): Promise<{ text: string; requestId: string | undefined }> {
    await new Promise((resolve) => setImmediate(resolve));
    return { text: data.text, requestId: currentRequestId() };
  }

  @MessagePattern('client-test.refuse')
  refuse(): never {
    throw DomainError.of(ErrorCode.codeInvalid, 'Wrong code.');
  }

  @MessagePattern('client-test.crash')
  crash(): never {
    throw new Error('a bug, with internals the caller must not see');
  }

  @MessagePattern('client-test.slow')
  async slow(): Promise<{ late: true }> {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    return { late: true };
  }
}

@Module({})
class ClientTestModule {
  static forRoot(): DynamicModule {
    return { module: ClientTestModule, controllers: [ClientTestController] };
  }
}

/** Untyped subjects of this test's own service (the typed map only knows the real ones). */
const send = (bus: BusClient, subject: string, payload: unknown, options?: { timeoutMs?: number }) =>
  bus.request(subject as Command, payload as never, options);

describe('BusClient (request/reply to a Nest bus service)', () => {
  let testEnv: TestEnv;
  let app: INestMicroservice;
  let nats: NatsConnection;
  let bus: BusClient;

  beforeAll(async () => {
    testEnv = await createTestEnv();
    app = await startService(ClientTestModule.forRoot(), configLoader(BusEnv, BusConfig)(testEnv.env), 'client-test');
    nats = await connect({ servers: testEnv.natsUrl });
    bus = new BusClient(nats, testEnv.natsPrefix, 5000);
  });

  afterAll(async () => {
    await app?.close();
    await nats?.drain();
    await testEnv?.cleanup();
  });

  it('answers the handler reply, many requests at once over one reply subscription, each with its own request id', async () => {
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) => runWithRequestId(`req-client-${i}`, () => send(bus, 'client-test.echo', { text: `n${i}` }))),
    );
    expect(replies).toEqual(Array.from({ length: 50 }, (_, i) => ({ text: `n${i}`, requestId: `req-client-${i}` })));
  });

  it('a domain error the handler threw comes back as that DomainError', async () => {
    const error = await send(bus, 'client-test.refuse', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ body: { code: 'code_invalid', detail: 'Wrong code.' } });
  });

  it('any other handler failure is internal, without its message', async () => {
    const error = await send(bus, 'client-test.crash', {}).catch((e: unknown) => e);
    expect(error).toMatchObject({ body: { code: 'internal_error', detail: 'An unexpected error occurred.' } });
  });

  it('ERR-3 no service subscribed: service_unavailable naming the service', async () => {
    const error = await send(bus, 'nobody-test.echo', {}).catch((e: unknown) => e);
    expect(error).toMatchObject({ body: { code: 'service_unavailable' } });
    expect((error as DomainError).body.detail).toContain('no nobody-test service is running');
  });

  it('ERR-3 no answer within the timeout: service_unavailable', async () => {
    const error = await send(bus, 'client-test.slow', {}, { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ body: { code: 'service_unavailable' } });
    expect((error as DomainError).body.detail).toContain('did not answer in time');
  });

  it('ERR-3 while the connection is down requests fail at once, and work again after the reconnection', async () => {
    const server = await PrivateNats.start([{ user: 'client-test', password: 'secret' }]);
    const own = await connect({
      servers: server.url,
      user: 'client-test',
      pass: 'secret',
      reconnectTimeWait: 100,
      maxReconnectAttempts: -1,
    });
    try {
      const client = new BusClient(own, 'own', 5000);
      own.subscribe('own.client-test.echo', {
        callback: (_error, message) => message.respond(new TextEncoder().encode(JSON.stringify({ response: 'pong', isDisposed: true }))),
      });
      expect(await send(client, 'client-test.echo', {})).toBe('pong');

      const status = own.status()[Symbol.asyncIterator]();
      const until = async (type: string) => {
        for (let next = await status.next(); !next.done; next = await status.next()) if (next.value.type === type) return;
      };
      const restarting = server.restart();
      await until('disconnect');
      // The new server takes a while to start: the client cannot have reconnected yet.
      const started = Date.now();
      const error = await send(client, 'client-test.echo', {}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).body).toMatchObject({ code: 'service_unavailable' });
      expect((error as DomainError).body.detail).toContain('the message bus is unavailable');
      expect(Date.now() - started).toBeLessThan(1000);
      await restarting;
      await until('reconnect');
      await new Promise((resolve) => setImmediate(resolve));
      expect(await send(client, 'client-test.echo', {})).toBe('pong');
    } finally {
      await own.close();
      await server.stop();
    }
  });
});

import { Controller, Logger, Module, type DynamicModule, type INestMicroservice } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { ErrorCode, type Command } from '@td/contracts';
import { createTestEnv, LogCapture, type LogLine, type TestEnv } from '@td/testing';
import { connect, type NatsConnection } from 'nats';
import { startService } from '../bootstrap';
import { BusConfig, BusEnv, configLoader } from '../config';
import { DomainError } from '../errors';
import { runWithRequestId } from '../logging';
import { BusClient } from './bus.client';

@Controller()
class LogTestController {
  private readonly logger = new Logger('LogTest');

  @MessagePattern('log-test.echo')
  echo(data: { code: string }): { length: number } {
    this.logger.log({ msg: 'handling echo' });
    return { length: data.code.length };
  }

  @MessagePattern('log-test.refuse')
  refuse(): never {
    throw DomainError.of(ErrorCode.codeInvalid, 'Wrong code.');
  }
}

@Module({ controllers: [LogTestController] })
class LogTestModule {
  static forRoot(): DynamicModule {
    return { module: LogTestModule };
  }
}

/** Untyped subjects of this test's own service (the typed map only knows the real ones). */
const send = (bus: BusClient, subject: string, payload: unknown) => bus.request(subject as Command, payload as never);

describe('OPS-2 bus command logs (one service in its own process)', () => {
  const logs = new LogCapture();
  let testEnv: TestEnv;
  let app: INestMicroservice;
  let nats: NatsConnection;
  let bus: BusClient;

  beforeAll(async () => {
    testEnv = await createTestEnv();
    const config = configLoader(BusEnv, BusConfig)({ ...testEnv.env, LOG_LEVEL: 'info' });
    app = await startService(LogTestModule.forRoot(), config, 'log-test', { logStream: logs });
    nats = await connect({ servers: testEnv.natsUrl });
    bus = new BusClient(nats, testEnv.natsPrefix, 5000);
  });

  afterAll(async () => {
    await app?.close();
    await nats?.drain();
    await testEnv?.cleanup();
  });

  const line = (msg: string, requestId: string) => (entry: LogLine) => entry.msg === msg && entry.requestId === requestId;

  it('OPS-2 the request id sent in the NATS headers is on the command line and on the handler own lines; the payload is not logged', async () => {
    await runWithRequestId('req-bus-1', () => send(bus, 'log-test.echo', { code: '918273' }));

    expect(await logs.next(line('bus command', 'req-bus-1'))).toMatchObject({
      service: 'log-test',
      subject: 'log-test.echo',
      outcome: 'ok',
      level: 30,
    });
    expect(await logs.next(line('handling echo', 'req-bus-1'))).toMatchObject({ service: 'log-test', context: 'LogTest' });
    expect(logs.lines.filter(line('bus command', 'req-bus-1'))).toHaveLength(1);
    expect(logs.text).not.toContain('918273');
  });

  it('OPS-2 a refused command is logged once with its error code', async () => {
    await expect(runWithRequestId('req-bus-2', () => send(bus, 'log-test.refuse', {}))).rejects.toMatchObject({
      body: { code: 'code_invalid' },
    });

    expect(await logs.next(line('bus command', 'req-bus-2'))).toMatchObject({ subject: 'log-test.refuse', outcome: 'code_invalid' });
    expect(logs.lines.filter(line('bus command', 'req-bus-2'))).toHaveLength(1);
  });
});

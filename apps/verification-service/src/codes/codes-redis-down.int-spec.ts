import { randomUUID } from 'node:crypto';
import { connect as connectTcp, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { INestMicroservice } from '@nestjs/common';
import { Command, ErrorCode } from '@td/contracts';
import { connectBus, createTestEnv, type TestEnv } from '@td/testing';
import { startVerificationService } from '../bootstrap';
import { loadVerificationServiceConfig } from '../config';
import { CodesHarness, rejection } from '../../test/codes-harness';

describe('verification codes with Redis down', () => {
  let testEnv: TestEnv;
  let app: INestMicroservice;
  let bus: Awaited<ReturnType<typeof connectBus>>;

  beforeAll(async () => {
    testEnv = await createTestEnv();
    // Nothing listens on port 1: every Redis command fails.
    app = await startVerificationService(loadVerificationServiceConfig({ ...testEnv.env, REDIS_URL: 'redis://127.0.0.1:1' }));
    bus = await connectBus(testEnv);
  });

  afterAll(async () => {
    await bus.close();
    await app.close();
    await testEnv.cleanup();
  });

  it('CODE-2 answers service_unavailable at once, never a hang or internal_error, when no code can be stored or mailed', async () => {
    const device = { userId: randomUUID(), deviceId: randomUUID() };
    const started = Date.now();
    const requests = [
      bus.bus.request(Command.verificationIssueCode, {
        reason: 'setup',
        ...device,
        workspaceId: 'ws-down',
        device: { name: 'n', clientType: 'web', os: 'macOS', browser: 'Chrome' },
      }),
      bus.bus.request(Command.verificationCheckCode, { ...device, code: '123456' }),
      bus.bus.request(Command.verificationVoidCodes, { deviceIds: [device.deviceId] }),
    ];
    for (const error of await Promise.all(requests.map(rejection))) {
      expect(error).toMatchObject({ code: ErrorCode.serviceUnavailable });
      expect(error.retryAfter).toBeGreaterThan(0);
    }
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

/** A TCP proxy to the real Redis that can stop passing bytes: Redis as seen when it hangs. */
class FreezableProxy {
  frozen = false;
  private readonly sockets = new Set<Socket>();
  private server?: Server;

  constructor(private readonly target: URL) {}

  async start(): Promise<string> {
    this.server = createServer((client) => {
      const upstream = connectTcp(Number(this.target.port || 6379), this.target.hostname);
      for (const [from, to] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        this.sockets.add(from);
        from.on('data', (chunk) => this.frozen || to.write(chunk));
        from.on('error', () => to.destroy());
        from.on('close', () => to.destroy());
      }
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `redis://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

describe('verification codes with Redis hanging', () => {
  let h: CodesHarness;
  let proxy: FreezableProxy;

  beforeAll(async () => {
    proxy = new FreezableProxy(new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'));
    h = await CodesHarness.start({ REDIS_URL: await proxy.start() });
  });

  afterAll(async () => {
    proxy.frozen = false;
    await h.stop();
    await proxy.stop();
  });

  it('CODE-3 answers service_unavailable within the command bound when Redis stops answering', async () => {
    const device = h.newDevice();
    const code = await h.issueAndRead(device);
    proxy.frozen = true;
    const started = Date.now();
    expect(await rejection(h.check(device, code))).toMatchObject({ code: ErrorCode.serviceUnavailable });
    expect(await rejection(h.issue(h.newDevice()))).toMatchObject({ code: ErrorCode.serviceUnavailable });
    expect(Date.now() - started).toBeLessThan(4 * 2000);
  });
});

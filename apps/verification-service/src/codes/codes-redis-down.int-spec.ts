import { randomUUID } from 'node:crypto';
import type { INestMicroservice } from '@nestjs/common';
import { loadConfig } from '@td/common';
import { Command, ErrorCode } from '@td/contracts';
import { connectBus, createTestEnv, type TestEnv } from '@td/testing';
import { startVerificationService } from '../bootstrap';
import { VerificationServiceEnv } from '../config';
import { rejection } from './codes.harness';

describe('verification codes with Redis down', () => {
  let testEnv: TestEnv;
  let app: INestMicroservice;
  let bus: Awaited<ReturnType<typeof connectBus>>;

  beforeAll(async () => {
    testEnv = await createTestEnv();
    // Nothing listens on port 1: every Redis command fails.
    app = await startVerificationService(loadConfig(VerificationServiceEnv, { ...testEnv.env, REDIS_URL: 'redis://127.0.0.1:1' }));
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
        email: 'someone@example.test',
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

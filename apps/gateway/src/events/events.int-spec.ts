import type { INestApplication } from '@nestjs/common';
import { prefixed } from '@td/common';
import { Command, REALTIME_DEVICE_EVENTS, type RealtimeDeviceEvent } from '@td/contracts';
import { createTestEnv, DeviceKey, mintToken, newUser, waitUntil, type TestEnv } from '@td/testing';
import { connect, JSONCodec, type NatsConnection } from 'nats';
import { randomUUID } from 'node:crypto';
import { FakeDeviceService } from '../../test/fake-device-service';
import { SseClient } from '../../../../test/support/sse';
import { createGateway } from '../bootstrap';
import { loadGatewayConfig } from '../config';
import { RealtimeHub } from './realtime.hub';

const ORIGIN = 'http://gateway.test';

describe('GET /v1/events across gateway instances', () => {
  let testEnv: TestEnv;
  const gateways: Array<{ app: INestApplication; url: string }> = [];
  let nats: NatsConnection;
  let fake: FakeDeviceService;
  const user = newUser();
  const userId = randomUUID();
  const webDeviceId = randomUUID();
  let token: string;
  let key: DeviceKey;

  beforeAll(async () => {
    testEnv = await createTestEnv();
    for (let i = 0; i < 2; i++) {
      const app = await createGateway(loadGatewayConfig({ ...testEnv.env, PUBLIC_URL: ORIGIN }));
      await app.listen(0, '127.0.0.1');
      gateways.push({ app, url: `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}` });
    }
    nats = await connect({ servers: testEnv.natsUrl });
    fake = new FakeDeviceService(nats, testEnv.natsPrefix).on(Command.deviceAuthorizeEvents, ({ caller }) =>
      caller.proof?.jkt === key.thumbprint
        ? { userId, deviceId: webDeviceId }
        : { error: { code: 'trusted_session_required', detail: 'not trusted' } },
    );
    await fake.flush();
    token = await mintToken(testEnv.env.AUTH_JWT_SECRET, user);
    key = await DeviceKey.create();
  });
  afterAll(async () => {
    await fake.stop();
    await nats.drain();
    for (const { app } of gateways) await app.close();
    await testEnv.cleanup();
  });

  async function open(url: string, deviceKey = key): Promise<SseClient> {
    return SseClient.open(`${url}/v1/events`, {
      authorization: `Bearer ${token}`,
      dpop: await deviceKey.proof('GET', `${ORIGIN}/v1/events`, token),
    });
  }

  function publish(event: RealtimeDeviceEvent): void {
    nats.publish(prefixed(testEnv.natsPrefix, REALTIME_DEVICE_EVENTS), JSONCodec().encode(event));
  }

  const device = (id: string) => ({ id, name: 'phone', status: 'pending_approval' }) as RealtimeDeviceEvent['devices'][number];

  it('APPROVE-1 every instance pushes a device event to its own streams of that user', async () => {
    const [first, second] = await Promise.all(gateways.map(({ url }) => open(url)));
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(first.response.headers['content-type']).toContain('text/event-stream');
    const pendingId = randomUUID();
    publish({ event: 'device.pending_approval', userId: randomUUID(), devices: [device(randomUUID())] });
    publish({ event: 'device.pending_approval', userId, devices: [device(pendingId)] });
    for (const client of [first, second]) {
      const data = await client.waitFor('device.pending_approval');
      expect(data.device).toMatchObject({ id: pendingId, current: false });
      expect(client.events).toHaveLength(1);
    }
    first.close();
    second.close();
    await waitUntil(() => gateways.every(({ app }) => app.get(RealtimeHub).openStreams === 0));
  });

  it('KEY-5 a stream ends within a second on every instance when its device is disabled', async () => {
    const [first, second] = await Promise.all(gateways.map(({ url }) => open(url)));
    const started = Date.now();
    publish({ event: 'device.disabled', userId, devices: [{ ...device(webDeviceId), status: 'disabled' }] });
    await Promise.all([first.ended, second.ended]);
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await first.waitFor('device.disabled')).device).toMatchObject({ id: webDeviceId, current: true });
  });

  it('KEY-5 a caller that is not a trusted session gets the problem, not a stream', async () => {
    const stranger = await open(gateways[0].url, await DeviceKey.create());
    expect(stranger.status).toBe(403);
    expect(stranger.response.headers['content-type']).toContain('application/problem+json');
    expect(JSON.parse(stranger.body).code).toBe('trusted_session_required');
  });
});

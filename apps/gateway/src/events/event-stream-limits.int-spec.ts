import type { INestApplication } from '@nestjs/common';
import { Command } from '@td/contracts';
import { createTestEnv, DeviceKey, mintToken, newUser, PrivateNats, waitUntil, type TestEnv } from '@td/testing';
import { connect, type NatsConnection } from 'nats';
import { randomUUID } from 'node:crypto';
import { SseClient } from '../../../../test/support/sse';
import { FakeDeviceService } from '../../test/fake-device-service';
import { createGateway } from '../bootstrap';
import { loadGatewayConfig } from '../config';
import { RealtimeHub } from './realtime.hub';

const ORIGIN = 'http://gateway.test';

describe('SEC-7 — event streams end with their token, are re-checked, and are capped', () => {
  let testEnv: TestEnv;
  let nats: NatsConnection;
  let fake: FakeDeviceService;
  const apps: INestApplication[] = [];
  const user = newUser();
  const userId = randomUUID();
  /** Device ids by key thumbprint: the devices device-service would call trusted. */
  const trusted = new Map<string, string>();

  beforeAll(async () => {
    testEnv = await createTestEnv();
    nats = await connect({ servers: testEnv.natsUrl });
    fake = new FakeDeviceService(nats, testEnv.natsPrefix).on(Command.deviceAuthorizeEvents, ({ caller }) => {
      const deviceId = caller.proof ? trusted.get(caller.proof.jkt) : undefined;
      return deviceId ? { userId, deviceId } : { error: { code: 'trusted_session_required', detail: 'not trusted' } };
    });
    await fake.flush();
  });
  afterAll(async () => {
    await fake.stop();
    await nats.drain();
    for (const app of apps) await app.close();
    await testEnv.cleanup();
  });

  async function gateway(env: Record<string, string> = {}): Promise<{ app: INestApplication; url: string }> {
    const app = await createGateway(loadGatewayConfig({ ...testEnv.env, PUBLIC_URL: ORIGIN, ...env }));
    await app.listen(0, '127.0.0.1');
    apps.push(app);
    return { app, url: `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}` };
  }

  async function trustedKey(): Promise<DeviceKey> {
    const key = await DeviceKey.create();
    trusted.set(key.thumbprint, randomUUID());
    return key;
  }

  async function open(url: string, key: DeviceKey, token?: string): Promise<SseClient> {
    const accessToken = token ?? (await mintToken(testEnv.env.AUTH_JWT_SECRET, user));
    return SseClient.open(`${url}/v1/events`, {
      authorization: `Bearer ${accessToken}`,
      dpop: await key.proof('GET', `${ORIGIN}/v1/events`, accessToken),
    });
  }

  it('SEC-7 a stream ends when its access token expires', async () => {
    const { url } = await gateway();
    const key = await trustedKey();
    const shortLived = await mintToken(testEnv.env.AUTH_JWT_SECRET, user, { expiresIn: '2s' });
    const client = await open(url, key, shortLived);
    expect(client.status).toBe(200);
    await client.ended;
  });

  it('SEC-7 the device is re-checked periodically: a device no longer trusted loses its stream, without any event', async () => {
    const { app, url } = await gateway({ EVENTS_RECHECK_INTERVAL_MS: '200' });
    const key = await trustedKey();
    const sibling = await trustedKey();
    const [revoked, kept] = [await open(url, key), await open(url, sibling)];
    expect([revoked.status, kept.status]).toEqual([200, 200]);
    trusted.delete(key.thumbprint);
    await revoked.ended;
    expect(app.get(RealtimeHub).openStreams).toBe(1);
    kept.close();
  });

  it('SEC-7 streams are capped per device and per gateway: beyond, 429 rate_limited with Retry-After', async () => {
    const { app, url } = await gateway({ EVENTS_MAX_STREAMS_PER_DEVICE: '2', EVENTS_MAX_STREAMS: '3' });
    const [a, b, c] = [await trustedKey(), await trustedKey(), await trustedKey()];
    const open1 = [await open(url, a), await open(url, a)];
    expect(open1.map((s) => s.status)).toEqual([200, 200]);
    const third = await open(url, a);
    expect(third.status).toBe(429);
    expect(JSON.parse(third.body).code).toBe('rate_limited');
    expect(Number(third.response.headers['retry-after'])).toBeGreaterThan(0);

    const other = await open(url, b);
    expect(other.status).toBe(200);
    const beyondGateway = await open(url, c);
    expect(beyondGateway.status).toBe(429);
    expect(JSON.parse(beyondGateway.body).code).toBe('rate_limited');

    // A closed stream frees its place.
    open1[0].close();
    await waitUntil(() => app.get(RealtimeHub).openStreams === 2);
    const again = await open(url, c);
    expect(again.status).toBe(200);
    for (const client of [open1[1], other, again]) client.close();
  });

  it('SEC-7 after the gateway reconnects to NATS, every stream is re-checked (events missed meanwhile cannot keep a stream alive)', async () => {
    const credentials = { user: 'gateway', password: randomUUID() };
    const privateNats = await PrivateNats.start([credentials]);
    const connection = await connect({
      servers: privateNats.url,
      user: credentials.user,
      pass: credentials.password,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 100,
    });
    const device = new FakeDeviceService(connection, testEnv.natsPrefix, { user: credentials.user, pass: credentials.password }).on(
      Command.deviceAuthorizeEvents,
      ({ caller }) => {
        const deviceId = caller.proof ? trusted.get(caller.proof.jkt) : undefined;
        return deviceId ? { userId, deviceId } : { error: { code: 'trusted_session_required', detail: 'not trusted' } };
      },
    );
    try {
      await device.flush();
      // The periodic re-check is as slow as allowed, so only the reconnect can end the stream within the test.
      const { url } = await gateway({
        NATS_URL: privateNats.url,
        NATS_USER: credentials.user,
        NATS_PASSWORD: credentials.password,
        EVENTS_RECHECK_INTERVAL_MS: '60000',
      });
      const key = await trustedKey();
      const client = await open(url, key);
      expect(client.status).toBe(200);
      // The device is disabled while this gateway cannot hear of it.
      trusted.delete(key.thumbprint);
      await privateNats.restart();
      await client.ended;
    } finally {
      await device.stop();
      await connection.close();
      for (const app of apps.splice(0)) await app.close();
      await privateNats.stop();
    }
  });
});

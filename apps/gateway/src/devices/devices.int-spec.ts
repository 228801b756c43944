import type { INestApplication } from '@nestjs/common';
import { Command, type DeviceView } from '@td/contracts';
import { createTestEnv, DeviceKey, mintToken, newUser, type TestEnv } from '@td/testing';
import { connect, type NatsConnection } from 'nats';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { FakeDeviceService } from '../../test/fake-device-service';
import { createGateway } from '../bootstrap';
import { loadGatewayConfig } from '../config';

/** PUBLIC_URL as clients see it; proofs are bound to it, whatever socket the test talks to. */
const ORIGIN = 'http://gateway.test';

function deviceView(overrides: Partial<DeviceView> = {}): DeviceView {
  return {
    id: randomUUID(),
    name: 'alice Web app - macOS/Chrome',
    clientType: 'web',
    os: 'macOS',
    browser: 'Chrome',
    fingerprint: 'maple orbit crane velvet tundra',
    lastIp: null,
    status: 'pending_verification',
    createdAt: new Date().toISOString(),
    approvedAt: null,
    disabledAt: null,
    disabledBy: null,
    lastSeenAt: null,
    approvedVia: null,
    approvedBy: null,
    expiresAt: null,
    current: true,
    ...overrides,
  };
}

describe('gateway routes → device-service commands', () => {
  let testEnv: TestEnv;
  let app: INestApplication;
  let url: string;
  let nats: NatsConnection;
  let fake: FakeDeviceService;
  let key: DeviceKey;
  let token: string;
  const user = newUser({ role: 'admin' });
  const device = deviceView();

  beforeAll(async () => {
    testEnv = await createTestEnv();
    app = await createGateway(
      loadGatewayConfig({ ...testEnv.env, PUBLIC_URL: ORIGIN, AUTH_DEV_LOGIN: 'true', NATS_REQUEST_TIMEOUT_MS: '1000' }),
    );
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    nats = await connect({ servers: testEnv.natsUrl });
    fake = new FakeDeviceService(nats, testEnv.natsPrefix)
      .on(Command.deviceGetSession, ({ caller }) => ({
        user: {
          id: caller.claims.sub,
          email: caller.claims.email,
          username: caller.claims.username,
          role: caller.claims.role,
          workspaceId: caller.claims.wid,
        },
        trusted: false,
        setupRequired: true,
        device: null,
      }))
      .on(Command.deviceSetup, () => ({ device, verification: { method: 'email_code', expiresAt: new Date().toISOString() } }))
      .on(Command.deviceVerify, ({ code }) =>
        code === '123456' ? { device } : { error: { code: 'code_invalid', detail: 'wrong code', extensions: { attemptsRemaining: 4 } } },
      )
      .on(Command.deviceSendEmailCode, () => ({ error: { code: 'rate_limited', detail: 'slow down', retryAfter: 17 } }))
      .on(Command.deviceApprove, () => ({ device }))
      .on(Command.deviceDeny, () => ({ error: { code: 'too_many_attempts', detail: 'no retryAfter given' } }))
      .on(Command.deviceCancel, () => ({ ok: true }))
      .on(Command.deviceGetKeyEnvelope, () => ({ keyEnvelope: 'sealed', approvedBy: null }))
      .on(Command.deviceList, () => ({ devices: [device] }))
      .on(Command.deviceRename, ({ name }) => ({ device: { ...device, name } }))
      .on(Command.deviceDisable, () => ({ error: { code: 'web_app_required', detail: 'from the web app only' } }));
    await fake.flush();
    key = await DeviceKey.create();
    token = await mintToken(testEnv.env.AUTH_JWT_SECRET, user);
  });
  afterAll(async () => {
    await fake.stop();
    await nats.drain();
    await app.close();
    await testEnv.cleanup();
  });

  async function call(method: 'get' | 'post' | 'patch' | 'delete', path: string, options: { body?: unknown; proof?: boolean } = {}) {
    let req = request(url)[method](path).set('authorization', `Bearer ${token}`).set('user-agent', 'Mozilla/5.0 (Macintosh) Chrome/130');
    if (options.proof !== false) req = req.set('dpop', await key.proof(method.toUpperCase(), `${ORIGIN}${path}`, token));
    return options.body === undefined ? req : req.send(options.body as object);
  }

  it('SETUP-1 POST /v1/devices sends device.setup with the verified caller and answers 201', async () => {
    const response = await call('post', '/v1/devices', { body: { clientType: 'web', name: 'Laptop' } });
    expect(response.status).toBe(201);
    expect(response.body.device.id).toBe(device.id);
    expect(fake.last(Command.deviceSetup)).toEqual({
      caller: {
        claims: { sub: user.sub, wid: user.wid, email: user.email, username: user.preferred_username, role: 'admin' },
        proof: { jkt: key.thumbprint, jwk: { kty: 'EC', crv: 'P-256', x: key.publicJwk.x, y: key.publicJwk.y } },
        ip: '127.0.0.1',
        userAgent: 'Mozilla/5.0 (Macintosh) Chrome/130',
      },
      clientType: 'web',
      name: 'Laptop',
    });
  });

  it('KEY-3 POST /v1/devices without a proof is 401 device_proof_required, and nothing reaches the service', async () => {
    const before = fake.received.length;
    const response = await call('post', '/v1/devices', { body: { clientType: 'web' }, proof: false });
    expect(response.status).toBe(401);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.body.code).toBe('device_proof_required');
    expect(fake.received.length).toBe(before);
  });

  it('AUTH-1 no token is 401 unauthenticated on every /v1 route', async () => {
    for (const [method, path] of [
      ['get', '/v1/session'],
      ['get', '/v1/devices'],
      ['post', '/v1/devices'],
      ['get', '/v1/events'],
    ] as const) {
      const response = await request(url)[method](path);
      expect([path, response.status, response.body.code]).toEqual([path, 401, 'unauthenticated']);
    }
  });

  it('MANAGE-2 GET /v1/session works without a proof (caller.proof null)', async () => {
    const response = await call('get', '/v1/session', { proof: false });
    expect(response.status).toBe(200);
    expect(response.body.user).toEqual({
      id: user.sub,
      email: user.email,
      username: user.preferred_username,
      role: 'admin',
      workspaceId: user.wid,
    });
    expect(fake.last(Command.deviceGetSession).caller.proof).toBeNull();
  });

  it('MANAGE-1 GET /v1/devices passes an optional proof on', async () => {
    const response = await call('get', '/v1/devices');
    expect(response.status).toBe(200);
    expect(response.body.devices).toHaveLength(1);
    expect(fake.last(Command.deviceList).caller.proof?.jkt).toBe(key.thumbprint);
  });

  it('CODE-3 verify sends the code; a wrong one maps to 400 code_invalid with attemptsRemaining', async () => {
    const ok = await call('post', `/v1/devices/${device.id}/verify`, { body: { code: '123456' } });
    expect(ok.status).toBe(200);
    expect(fake.last(Command.deviceVerify)).toMatchObject({ deviceId: device.id, code: '123456' });
    const wrong = await call('post', `/v1/devices/${device.id}/verify`, { body: { code: '000000' } });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ code: 'code_invalid', attemptsRemaining: 4, status: 400 });
  });

  it('CODE-4 a rate limit from the service is 429 with its Retry-After; a 429 without one still gets Retry-After', async () => {
    const limited = await call('post', `/v1/devices/${device.id}/email-code`);
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('17');
    expect(limited.body.code).toBe('rate_limited');
    const attempts = await call('post', `/v1/devices/${device.id}/deny`);
    expect(attempts.status).toBe(429);
    expect(Number(attempts.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('APPROVE-3 approve passes the key envelope; DELETE answers 204 with no body; rename passes the name', async () => {
    expect((await call('post', `/v1/devices/${device.id}/approve`, { body: { keyEnvelope: 'x'.repeat(8192) } })).status).toBe(200);
    expect(fake.last(Command.deviceApprove).keyEnvelope).toHaveLength(8192);
    const cancelled = await call('delete', `/v1/devices/${device.id}`);
    expect(cancelled.status).toBe(204);
    expect(cancelled.text).toBe('');
    expect((await call('patch', `/v1/devices/${device.id}`, { body: { name: 'Work laptop' } })).body.device.name).toBe('Work laptop');
    expect((await call('get', '/v1/devices/current/key-envelope')).body).toEqual({ keyEnvelope: 'sealed', approvedBy: null });
    const disabled = await call('post', `/v1/devices/${device.id}/disable`);
    expect([disabled.status, disabled.body.code]).toEqual([403, 'web_app_required']);
  });

  it.each<[string, 'post' | 'patch' | 'delete', string, unknown]>([
    ['a non-UUID id', 'post', '/v1/devices/not-a-uuid/verify', { code: '123456' }],
    ['a 5-digit code', 'post', `/v1/devices/${randomUUID()}/verify`, { code: '12345' }],
    ['a numeric code', 'post', `/v1/devices/${randomUUID()}/verify`, { code: 123456 }],
    ['an unknown clientType', 'post', '/v1/devices', { clientType: 'desktop' }],
    ['a 65-character name', 'post', '/v1/devices', { clientType: 'web', name: 'n'.repeat(65) }],
    ['an unknown field', 'post', '/v1/devices', { clientType: 'web', admin: true }],
    ['a body where none is taken', 'post', `/v1/devices/${randomUUID()}/disable`, { force: true }],
    ['an oversize key envelope', 'post', `/v1/devices/${randomUUID()}/approve`, { keyEnvelope: 'x'.repeat(8193) }],
    ['a rename without a name', 'patch', `/v1/devices/${randomUUID()}`, {}],
  ])('ERR-2 %s is 400 validation_failed with field errors, and nothing reaches the service', async (_name, method, path, body) => {
    const before = fake.received.length;
    const response = await call(method, path, { body });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('validation_failed');
    expect(response.body.errors.length).toBeGreaterThan(0);
    expect(fake.received.length).toBe(before);
  });

  it('AUTH-4 POST /v1/dev/token mints a working token; the same email gets the same sub', async () => {
    const first = await request(url).post('/v1/dev/token').send({ email: 'Dana@Example.test', role: 'owner' }).expect(200);
    expect(first.body.expiresIn).toBe(3600);
    const again = await request(url).post('/v1/dev/token').send({ email: 'dana@example.test' }).expect(200);
    const session = await request(url).get('/v1/session').set('authorization', `Bearer ${first.body.accessToken}`).expect(200);
    expect(session.body.user).toMatchObject({ email: 'dana@example.test', username: 'dana', role: 'owner', workspaceId: 'local' });
    const sessionAgain = await request(url).get('/v1/session').set('authorization', `Bearer ${again.body.accessToken}`).expect(200);
    expect(sessionAgain.body.user).toMatchObject({ id: session.body.user.id, role: 'member' });
  });

  it('AUTH-4 dev token minting is rate limited per IP: 429 rate_limited with Retry-After', async () => {
    const statuses: number[] = [];
    let limited: request.Response | undefined;
    for (let i = 0; i < 35 && !limited; i++) {
      const response = await request(url)
        .post('/v1/dev/token')
        .send({ email: `burst-${i}@example.test` });
      statuses.push(response.status);
      if (response.status === 429) limited = response;
    }
    expect(limited?.body.code).toBe('rate_limited');
    expect(Number(limited?.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited?.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(20);
  });

  it('OPS-3 the OpenAPI document describes the device endpoints and their security', async () => {
    const doc = (await request(url).get('/docs/openapi.json').expect(200)).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/session', '/v1/devices', '/v1/devices/{id}/verify', '/v1/events', '/v1/dev/token']),
    );
    expect(doc.paths['/v1/devices'].post.security).toEqual([{ token: [], proof: [] }]);
    expect(doc.paths['/v1/devices'].post.responses['201']).toBeDefined();
  });

  it('ERR-3 no device-service answering is 503 service_unavailable with Retry-After, quickly', async () => {
    await fake.stop();
    await fake.flush();
    const started = Date.now();
    const response = await call('get', '/v1/devices');
    expect(response.status).toBe(503);
    expect(response.body.code).toBe('service_unavailable');
    expect(response.headers['retry-after']).toBeDefined();
    expect(Date.now() - started).toBeLessThan(1500);
  });
});

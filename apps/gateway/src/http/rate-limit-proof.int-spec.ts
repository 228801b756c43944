import type { INestApplication } from '@nestjs/common';
import { Command } from '@td/contracts';
import { createRedis, redisReady } from '@td/common';
import { createTestEnv, DeviceKey, mintToken, newUser, type TestEnv } from '@td/testing';
import type { Redis } from 'ioredis';
import { connect, type NatsConnection } from 'nats';
import request from 'supertest';
import { FakeDeviceService } from '../../test/fake-device-service';
import { createGateway } from '../bootstrap';
import { loadGatewayConfig } from '../config';

const ORIGIN = 'http://gateway.test';
const USER_LIMIT = 3;

/**
 * SEC-9 and KEY-3 in one Redis round trip: the rate limit checks a /v1 request's proof and sets
 * its replay record in the same script as its counters. Both rules hold as they did apart.
 */
describe('rate limit and proof replay (SEC-9, KEY-3) in one round trip', () => {
  let testEnv: TestEnv;
  let app: INestApplication;
  let url: string;
  let nats: NatsConnection;
  let fake: FakeDeviceService;
  let redis: Redis;

  beforeAll(async () => {
    testEnv = await createTestEnv();
    const config = loadGatewayConfig({
      ...testEnv.env,
      PUBLIC_URL: ORIGIN,
      RATE_LIMIT_USER_PER_MINUTE: String(USER_LIMIT),
      RATE_LIMIT_IP_PER_MINUTE: '1000',
    });
    app = await createGateway(config);
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    nats = await connect({ servers: testEnv.natsUrl });
    fake = new FakeDeviceService(nats, testEnv.natsPrefix).on(Command.deviceList, () => ({ devices: [] }));
    await fake.flush();
    redis = createRedis(config.redis, 'rate-limit-proof-test');
    await redisReady(redis);
  });
  afterAll(async () => {
    redis?.disconnect();
    await fake?.stop();
    await nats?.drain();
    await app?.close();
    await testEnv?.cleanup();
  });

  async function person() {
    return { key: await DeviceKey.create(), token: await mintToken(testEnv.env.AUTH_JWT_SECRET, newUser()) };
  }
  const list = (token: string, proof?: string) => {
    const req = request(url).get('/v1/devices').set('authorization', `Bearer ${token}`);
    return proof === undefined ? req : req.set('dpop', proof);
  };
  const replayRecords = (key: DeviceKey) => redis.keys(`${testEnv.env.REDIS_PREFIX}:dpop:jti:${key.thumbprint}:*`);

  it('KEY-3 a proof is accepted once; the same proof again is 401 invalid_device_proof (replay)', async () => {
    const { key, token } = await person();
    const proof = await key.proof('GET', `${ORIGIN}/v1/devices`, token);
    expect((await list(token, proof)).status).toBe(200);
    const again = await list(token, proof);
    expect([again.status, again.body.code, again.body.detail]).toEqual([401, 'invalid_device_proof', expect.stringContaining('replay')]);
    expect(await replayRecords(key)).toHaveLength(1);
    const ttl = await redis.ttl((await replayRecords(key))[0].slice(testEnv.env.REDIS_PREFIX.length + 1));
    expect(ttl).toBeGreaterThan(290);
    expect(ttl).toBeLessThanOrEqual(300);
  });

  it('KEY-3 the same proof raced from many requests at once is accepted exactly once', async () => {
    const { key, token } = await person();
    const proof = await key.proof('GET', `${ORIGIN}/v1/devices`, token);
    const statuses = (await Promise.all(Array.from({ length: 3 }, () => list(token, proof)))).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 401, 401]);
  });

  it('KEY-3 a proof that fails its checks leaves no replay record and is answered as before', async () => {
    const { key, token } = await person();
    const stale = await key.proof('GET', `${ORIGIN}/v1/devices`, token, { iat: Math.floor(Date.now() / 1000) - 120 });
    const response = await list(token, stale);
    expect([response.status, response.body.code]).toEqual([401, 'invalid_device_proof']);
    const otherPath = await key.proof('GET', `${ORIGIN}/v1/session`, token);
    expect((await list(token, otherPath)).body.detail).toContain('"htu"');
    expect(await replayRecords(key)).toHaveLength(0);
  });

  it('SEC-9 a request beyond its limit is 429 and claims nothing: its proof is still good once the limit allows', async () => {
    const { key, token } = await person();
    for (let i = 0; i < USER_LIMIT; i++)
      expect((await list(token, await key.proof('GET', `${ORIGIN}/v1/devices`, token))).status).toBe(200);
    const proof = await key.proof('GET', `${ORIGIN}/v1/devices`, token);
    const refused = await list(token, proof);
    expect([refused.status, refused.body.code, Number(refused.headers['retry-after']) > 0]).toEqual([429, 'rate_limited', true]);
    expect(await replayRecords(key)).toHaveLength(USER_LIMIT);
    // The next window (the user's counter gone): the refused request's proof was never used.
    const counters = await redis.keys(`${testEnv.env.REDIS_PREFIX}:ratelimit:user:*`);
    await redis.unlink(...counters.map((k) => k.slice(testEnv.env.REDIS_PREFIX.length + 1)));
    expect((await list(token, proof)).status).toBe(200);
  });

  it('AUTH-1 an access token the guard does not read as such is unauthenticated before its proof is looked at', async () => {
    const { key, token } = await person();
    const proof = await key.proof('GET', `${ORIGIN}/v1/devices`, token);
    const response = await request(url).get('/v1/devices').set('authorization', `Bearer  ${token}`).set('dpop', proof);
    expect([response.status, response.body.code]).toEqual([401, 'unauthenticated']);
    expect(await replayRecords(key)).toHaveLength(0);
    expect((await list(token, proof)).status).toBe(200);
  });
});

import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { ApiClient } from '../support/api-client';
import { TestSystem } from '../support/system';
import { trustedAdmin } from '../support/workspace';

/** API.md "Retries are safe": every POST honours an Idempotency-Key header (IETF draft semantics). */
describe('Idempotency-Key on POST (over HTTP)', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await TestSystem.start();
  });
  afterAll(() => system.stop());

  const post = (client: ApiClient, path: string, body: unknown, key: string) =>
    client.call('post', path, { body, headers: { 'Idempotency-Key': key } });

  it('the same Idempotency-Key and body get the stored answer without a second effect; another body 422', async () => {
    const web = await ApiClient.signIn(system);
    const key = randomUUID();
    const first = await post(web, '/v1/devices', { clientType: 'web', name: 'Desk' }, key);
    expect(first.status).toBe(201);
    const code = await system.mail.codeFor(web.user.email);
    const replayed = await post(web, '/v1/devices', { clientType: 'web', name: 'Desk' }, key);
    expect([replayed.status, replayed.body]).toEqual([201, first.body]);
    expect((await web.list({ proof: false })).body.devices).toHaveLength(1);

    const other = await post(web, '/v1/devices', { clientType: 'web', name: 'Couch' }, key);
    expect(other.status).toBe(422);
    expect(other.headers['content-type']).toContain('application/problem+json');
    expect(other.body.code).toBe('idempotency_key_reused');

    // A verify sent twice with its key approves once and answers the same both times; only one mail went out.
    const verifyKey = randomUUID();
    const verified = await post(web, `/v1/devices/${first.body.device.id}/verify`, { code }, verifyKey);
    expect(verified.status).toBe(200);
    const again = await post(web, `/v1/devices/${first.body.device.id}/verify`, { code }, verifyKey);
    expect([again.status, again.body]).toEqual([200, verified.body]);
    expect(system.mail.messages.filter((m) => m.to.includes(web.user.email) && /\b\d{6}\b/.test(m.text))).toHaveLength(1);
  });

  it('Idempotency-Key: a failed request keeps nothing (its retry runs again), keys are per user, and a malformed key is 400', async () => {
    const web = await ApiClient.signIn(system);
    const key = randomUUID();
    const refused = await post(web, '/v1/devices', { clientType: 'desktop' }, key);
    expect([refused.status, refused.body.code]).toEqual([400, 'validation_failed']);
    expect((await post(web, '/v1/devices', { clientType: 'web' }, key)).status).toBe(201);

    // Another person using the same key string is a request of their own.
    const stranger = await ApiClient.signIn(system);
    expect((await post(stranger, '/v1/devices', { clientType: 'web' }, key)).status).toBe(201);

    const malformed = await post(await ApiClient.signIn(system), '/v1/devices', { clientType: 'web' }, 'spaces are not allowed');
    expect([malformed.status, malformed.body.code]).toEqual([400, 'validation_failed']);
  });

  it('SEC-10 an answer that carries a secret (a SCIM token) is never stored for a replay: the retry runs again', async () => {
    const admin = await trustedAdmin(system);
    const key = randomUUID();
    const first = await post(admin, '/v1/workspace/scim-tokens', { name: 'IdP' }, key);
    const second = await post(admin, '/v1/workspace/scim-tokens', { name: 'IdP' }, key);
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.body.token).not.toBe(first.body.token);
    // Nothing of either answer rests in Redis under the key.
    const redis = new Redis(system.testEnv.redisUrl, { maxRetriesPerRequest: 1 });
    try {
      const stored = await redis.keys(`${system.testEnv.redisPrefix}:idempotency:*`);
      const values = await Promise.all(stored.map((k) => redis.get(k)));
      expect(values.filter((v) => v?.includes(first.body.token as string) || v?.includes(second.body.token as string))).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });
});

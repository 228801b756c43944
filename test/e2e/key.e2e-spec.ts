import { DeviceKey } from '@td/testing';
import { ApiClient } from '../support/api-client';
import { TestSystem } from '../support/system';

describe('KEY — proving which device is calling (over HTTP)', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await TestSystem.start();
  });
  afterAll(() => system.stop());

  it('KEY-1 each app instance is its own device, known by its own key; only the public key is sent', async () => {
    const laptop = await ApiClient.signIn(system, 'web');
    const desktop = await laptop.anotherApp('web');
    await laptop.setUp('laptop');
    await desktop.setUp('desktop');
    expect(laptop.device!.fingerprint).not.toBe(desktop.device!.fingerprint);
    expect((await laptop.session()).body.device).toMatchObject({ id: laptop.deviceId, current: true });
    expect((await desktop.session()).body.device).toMatchObject({ id: desktop.deviceId, current: true });
    const listed = (await desktop.list()).body.devices as Array<{ id: string; current: boolean }>;
    expect(listed.filter((d) => d.current).map((d) => d.id)).toEqual([desktop.deviceId]);
    expect(Object.keys(desktop.key.publicJwk).sort()).toEqual(['crv', 'kty', 'x', 'y']);
  });

  it('KEY-2 htu is PUBLIC_URL + path without the query; htm is the method', async () => {
    const web = await ApiClient.signIn(system);
    await web.setUp();
    const withQuery = await web.call('get', '/v1/devices?ignored=1', { proof: await web.proofFor('get', '/v1/devices') });
    expect(withQuery.status).toBe(200);
    const otherOrigin = await web.key.proof('GET', `http://evil.example.test/v1/devices`, web.token);
    const wrongMethod = await web.key.proof('POST', `${system.url}/v1/devices`, web.token);
    for (const proof of [otherOrigin, wrongMethod]) {
      const response = await web.call('get', '/v1/devices', { proof });
      expect([response.status, response.body.code]).toEqual([401, 'invalid_device_proof']);
    }
  });

  it('KEY-3 a replayed proof, a stale iat, or an ath of another token is 401 invalid_device_proof', async () => {
    const web = await ApiClient.signIn(system);
    await web.setUp();
    const once = await web.proofFor('get', '/v1/session');
    expect((await web.session({ proof: once })).status).toBe(200);
    const replay = await web.session({ proof: once });
    expect([replay.status, replay.body.code]).toEqual([401, 'invalid_device_proof']);
    const stale = await web.key.proof('GET', `${system.url}/v1/session`, web.token, { iat: Math.floor(Date.now() / 1000) - 120 });
    const otherToken = await web.key.proof('GET', `${system.url}/v1/session`, (await ApiClient.signIn(system)).token);
    for (const proof of [stale, otherToken]) expect((await web.session({ proof })).body.code).toBe('invalid_device_proof');
  });

  it('KEY-3 no DPoP header where one is needed is 401 device_proof_required', async () => {
    const web = await ApiClient.signIn(system);
    await web.setUp();
    for (const [method, path] of [
      ['post', `/v1/devices/${web.deviceId}/email-code`],
      ['get', '/v1/devices/current/key-envelope'],
      ['get', '/v1/events'],
    ] as const) {
      const response = await web.call(method, path, { proof: false });
      expect([path, response.status, response.body.code]).toEqual([path, 401, 'device_proof_required']);
    }
  });

  it('KEY-3 a valid proof from a device that is not approved is 403 trusted_session_required where trust is needed', async () => {
    const web = await ApiClient.signIn(system);
    await web.setUp();
    const rename = await web.rename(web.deviceId, 'mine');
    expect([rename.status, rename.body.code]).toEqual([403, 'trusted_session_required']);
    const stranger = await web.anotherApp();
    const response = await stranger.disable(web.deviceId);
    expect([response.status, response.body.code]).toEqual([403, 'trusted_session_required']);
  });

  it("KEY-5 another user's approved device is not a trusted session of this user", async () => {
    const alice = await ApiClient.signIn(system);
    await alice.becomeTrusted();
    const bob = await ApiClient.signIn(system, 'web', { wid: alice.user.wid });
    // Bob's token with Alice's device key: the key is not one of Bob's devices.
    const response = await bob.call('get', '/v1/devices/current/key-envelope', {
      proof: await alice.key.proof('GET', `${system.url}/v1/devices/current/key-envelope`, bob.token),
    });
    expect([response.status, response.body.code]).toEqual([403, 'trusted_session_required']);
  });

  it('KEY-4 a disabled device key can never be registered again; the app makes a new key', async () => {
    const web = await ApiClient.signIn(system, 'web');
    await web.becomeTrusted('main');
    const phone = await web.anotherApp('extension');
    await phone.becomeTrusted('ext');
    expect((await web.disable(phone.deviceId)).body.device.status).toBe('disabled');
    const again = await phone.setUp('ext again');
    expect([again.status, again.body.code]).toEqual([409, 'device_key_registered']);
    const fresh = await phone.anotherApp('extension');
    expect((await fresh.setUp('ext again')).status).toBe(201);
  });

  it('KEY-5 a disabled device stops being trusted at once, and its event stream ends within a second', async () => {
    const web = await ApiClient.signIn(system, 'web');
    await web.becomeTrusted('main');
    const other = await web.anotherApp('web');
    await other.setUp('second');
    expect((await web.approve(other.deviceId)).status).toBe(200);
    expect((await other.session()).body.trusted).toBe(true);
    const stream = await other.events();
    expect(stream.status).toBe(200);
    const started = Date.now();
    expect((await web.disable(other.deviceId)).status).toBe(200);
    const next = await other.rename(other.deviceId, 'still mine?');
    expect([next.status, next.body.code]).toEqual([403, 'trusted_session_required']);
    expect((await other.session()).body).toMatchObject({ trusted: false });
    await stream.ended;
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('KEY-5 a key alone is nothing: a proof of an unknown key reads as an untrusted session', async () => {
    const web = await ApiClient.signIn(system);
    const unknown = await DeviceKey.create();
    const response = await web.session({ proof: await unknown.proof('GET', `${system.url}/v1/session`, web.token) });
    expect(response.body).toMatchObject({ trusted: false, setupRequired: true, device: null });
  });
});

import { ApiClient } from '../support/api-client';
import { TestSystem } from '../support/system';

describe('SETUP — setting up a trusted session (over HTTP)', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await TestSystem.start();
  });
  afterAll(() => system.stop());

  it('SETUP-1 a signed-in user sets up the app they use, proving the new key: 201, pending, confirmed by email code', async () => {
    const web = await ApiClient.signIn(system, 'web');
    expect((await web.session()).body).toMatchObject({ trusted: false, setupRequired: true, device: null });
    const response = await web.setUp();
    expect(response.status).toBe(201);
    expect(response.body.device).toMatchObject({ clientType: 'web', status: 'pending_verification', current: true, approvedVia: null });
    expect(response.body.verification).toEqual({ method: 'email_code', expiresAt: expect.any(String) });
  });

  it('SETUP-1 the setup must carry a proof of the new key', async () => {
    const web = await ApiClient.signIn(system);
    const response = await web.call('post', '/v1/devices', { body: { clientType: 'web' }, proof: false });
    expect([response.status, response.body.code]).toEqual([401, 'device_proof_required']);
    expect((await web.list({ proof: false })).body.devices).toEqual([]);
  });

  it('SETUP-2 without a name the device is called "{username} {app} - {OS}/{browser}", then " (2)" on a clash', async () => {
    const first = await ApiClient.signIn(system, 'web', { preferred_username: 'alice' });
    expect((await first.setUp()).body.device).toMatchObject({ name: 'alice Web app - macOS/Chrome', os: 'macOS', browser: 'Chrome' });
    const second = await first.anotherApp('web');
    expect((await second.setUp()).body.device.name).toBe('alice Web app - macOS/Chrome (2)');
    const mobile = await first.anotherApp('mobile');
    expect((await mobile.setUp()).body.device.name).toMatch(/^alice Mobile app - iOS\//);
  });

  it('SETUP-2 names are trimmed and NFC-normalised, and unique ignoring case (409 device_name_taken)', async () => {
    const first = await ApiClient.signIn(system);
    expect((await first.setUp('  Cafe\u0301 laptop  ')).body.device.name).toBe('Caf\u00e9 laptop');
    const clash = await (await first.anotherApp()).setUp('CAFÉ LAPTOP');
    expect(clash.status).toBe(409);
    expect(clash.body.code).toBe('device_name_taken');
  });

  it('SETUP-2 a name that is empty once trimmed, too long, or holds control characters is 400', async () => {
    const client = await ApiClient.signIn(system);
    for (const name of ['   ', 'x'.repeat(65), 'tab\there']) {
      const response = await client.setUp(name);
      expect([name, response.status, response.body.code]).toEqual([name, 400, 'validation_failed']);
    }
    expect((await client.list({ proof: false })).body.devices).toEqual([]);
  });

  it('SETUP-3 50 parallel setups for a user with none end with exactly 20 registered', async () => {
    const owner = await ApiClient.signIn(system);
    const apps = await Promise.all(Array.from({ length: 50 }, () => owner.anotherApp('extension')));
    const responses = await Promise.all(apps.map((app) => app.setUp()));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(20);
    const refused = responses.filter((r) => r.status !== 201);
    expect(refused).toHaveLength(30);
    for (const response of refused) expect(response.body.code).toBe('device_limit_reached');
    expect(refused[0].body.detail).toMatch(/disable/i);
    expect((await owner.list({ proof: false })).body.devices).toHaveLength(20);
  });

  it('SETUP-3 a cancelled request frees its slot', async () => {
    const owner = await ApiClient.signIn(system);
    const apps = await Promise.all(Array.from({ length: 21 }, () => owner.anotherApp('extension')));
    for (const app of apps.slice(0, 20)) expect((await app.setUp()).status).toBe(201);
    expect((await apps[20].setUp()).body.code).toBe('device_limit_reached');
    expect((await apps[0].cancel()).status).toBe(204);
    expect((await apps[20].setUp()).status).toBe(201);
  });

  it('SETUP-4 with an approved web device, a new mobile app waits for approval; an extension still gets a code', async () => {
    const web = await ApiClient.signIn(system, 'web');
    await web.becomeTrusted();
    const mobile = await web.anotherApp('mobile');
    const mobileSetup = await mobile.setUp();
    expect(mobileSetup.body.device.status).toBe('pending_approval');
    expect(mobileSetup.body.verification).toEqual({ method: 'approval', approvers: ['web'] });
    const extension = await web.anotherApp('extension');
    const extensionSetup = await extension.setUp();
    expect(extensionSetup.body.device.status).toBe('pending_verification');
    expect(extensionSetup.body.verification.method).toBe('email_code');
  });

  it('SETUP-4 the approvers list names every approving app the user has', async () => {
    const web = await ApiClient.signIn(system, 'web');
    await web.becomeTrusted();
    const mobile = await web.anotherApp('mobile');
    await mobile.setUp();
    expect((await web.approve(mobile.deviceId)).status).toBe(200);
    const laptop = await web.anotherApp('web');
    expect((await laptop.setUp()).body.verification).toEqual({ method: 'approval', approvers: expect.arrayContaining(['web', 'mobile']) });
  });

  it('SETUP-6 a key that was ever registered cannot set up again (409 device_key_registered), even after cancelling', async () => {
    const web = await ApiClient.signIn(system);
    expect((await web.setUp()).status).toBe(201);
    const again = await web.setUp('another name');
    expect([again.status, again.body.code]).toEqual([409, 'device_key_registered']);
    expect((await web.cancel()).status).toBe(204);
    const afterCancel = await web.setUp('third name');
    expect([afterCancel.status, afterCancel.body.code]).toEqual([409, 'device_key_registered']);
  });

  it('SETUP-6 KEY-4 a setup repeated with the same key and body while its device is pending answers 200 with the first body; another body 409', async () => {
    const web = await ApiClient.signIn(system);
    const first = await web.setUp('Work laptop');
    expect(first.status).toBe(201);
    const retry = await web.setUp('Work laptop');
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(first.body);
    const other = await web.setUp('Home laptop');
    expect([other.status, other.body.code]).toEqual([409, 'device_key_registered']);
  });
});

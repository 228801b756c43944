import type { DeviceView } from '@td/contracts';
import { waitUntil } from '@td/testing';
import { ApiClient } from '../support/api-client';
import { TestSystem } from '../support/system';

describe("MANAGE — the user's own devices (over HTTP)", () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await TestSystem.start();
  });
  afterAll(() => system.stop());

  it('MANAGE-1 the list holds every status but expired, newest first, with current marking the caller', async () => {
    const web = await ApiClient.signIn(system, 'web');
    await web.becomeTrusted('first');
    const second = await web.anotherApp('mobile');
    await second.setUp('second');
    const third = await web.anotherApp('mobile');
    await third.setUp('third');
    await third.cancel();
    const devices = (await web.list()).body.devices as DeviceView[];
    expect(devices.map((d) => d.name)).toEqual(['second', 'first']);
    expect(devices.map((d) => d.current)).toEqual([false, true]);
    expect(devices[1]).toMatchObject({
      clientType: 'web',
      os: 'macOS',
      browser: 'Chrome',
      status: 'approved',
      approvedVia: 'email_code',
      lastIp: '127.0.0.1',
    });
    for (const key of ['id', 'fingerprint', 'createdAt', 'approvedAt', 'lastSeenAt', 'approvedBy', 'disabledAt', 'expiresAt'])
      expect(devices[1]).toHaveProperty(key);
  });

  it('MANAGE-1 a trusted request records the last-seen time and IP', async () => {
    const web = await ApiClient.signIn(system, 'web');
    await web.becomeTrusted();
    await web.list();
    // Recorded after the answer, not before it (no write in the request's path): the next lists show it once written.
    const me = await waitUntil(async () => ((await web.list()).body.devices as DeviceView[]).find((device) => device.lastSeenAt));
    expect(me.lastIp).toBe('127.0.0.1');
    expect(Date.now() - Date.parse(me.lastSeenAt!)).toBeLessThan(60_000);
  });

  it('MANAGE-2 the session says whether it is trusted or setup is required', async () => {
    const web = await ApiClient.signIn(system, 'web');
    expect((await web.session()).body).toMatchObject({ trusted: false, setupRequired: true, device: null });
    const { code } = await web.nextCode(() => web.setUp());
    expect((await web.session()).body).toMatchObject({ trusted: false, setupRequired: true, device: { status: 'pending_verification' } });
    await web.verify(code);
    expect((await web.session()).body).toMatchObject({ trusted: true, setupRequired: false, device: { id: web.deviceId, current: true } });
    expect((await web.session({ proof: false })).body).toMatchObject({ trusted: false, device: null });
  });

  it('MANAGE-3 rename from a trusted web session; a clash is 409; from mobile or extension 403 web_app_required', async () => {
    const web = await ApiClient.signIn(system, 'web');
    await web.becomeTrusted('laptop');
    const phone = await web.anotherApp('mobile');
    await phone.setUp('phone');
    await web.approve(phone.deviceId);
    const renamed = await web.rename(phone.deviceId, '  My phone ');
    expect(renamed.status).toBe(200);
    expect(renamed.body.device.name).toBe('My phone');
    const clash = await web.rename(phone.deviceId, 'LAPTOP');
    expect([clash.status, clash.body.code]).toEqual([409, 'device_name_taken']);
    const extension = await web.anotherApp('extension');
    await extension.becomeTrusted('ext');
    for (const client of [phone, extension]) {
      for (const response of [await client.rename(web.deviceId, 'nope'), await client.disable(web.deviceId)]) {
        expect([response.status, response.body.code]).toEqual([403, 'web_app_required']);
      }
    }
  });

  it('MANAGE-3 disabling frees the slot, ends trust at once and is never undone', async () => {
    const web = await ApiClient.signIn(system, 'web');
    await web.becomeTrusted('laptop');
    const extension = await web.anotherApp('extension');
    await extension.becomeTrusted('ext');
    const disabled = await web.disable(extension.deviceId);
    expect(disabled.status).toBe(200);
    expect(disabled.body.device).toMatchObject({ status: 'disabled', disabledAt: expect.any(String) });
    expect((await extension.session()).body.trusted).toBe(false);
    const again = await web.disable(extension.deviceId);
    expect(again.status).toBeGreaterThanOrEqual(400);
    expect(again.status).toBeLessThan(500);
    // The name is free again: only registered devices hold names and slots.
    const replacement = await web.anotherApp('extension');
    expect((await replacement.setUp('ext')).status).toBe(201);
  });

  it('MANAGE-3 a device of another user is 404', async () => {
    const web = await ApiClient.signIn(system, 'web');
    await web.becomeTrusted();
    const other = await ApiClient.signIn(system, 'web', { wid: web.user.wid });
    await other.setUp();
    expect((await web.rename(other.deviceId, 'mine now')).status).toBe(404);
    expect((await web.disable(other.deviceId)).status).toBe(404);
  });
});

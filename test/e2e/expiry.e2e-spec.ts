import type { DeviceView } from '@td/contracts';
import { waitUntil } from '@td/testing';
import { ApiClient } from '../support/api-client';
import { TestSystem } from '../support/system';

/** A lifetime other than the default, to see the setting used; the test moves time on instead of waiting it out. */
const PENDING_DEVICE_TTL_SECONDS = 600;

describe('expiry of codes and pending devices (over HTTP)', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await TestSystem.start({
      PENDING_DEVICE_TTL_SECONDS: String(PENDING_DEVICE_TTL_SECONDS),
      EXPIRY_SWEEP_INTERVAL_MS: '200',
      MAX_DEVICES_PER_USER: '2',
    });
  });
  afterAll(() => system.stop());

  it('CODE-3 an expired code gets 410 code_expired; SETUP-5 a device still pending after its TTL becomes expired and frees its slot', async () => {
    const web = await ApiClient.signIn(system, 'web');
    const { result, code } = await web.nextCode(() => web.setUp('will expire'));
    const setUpAt = Date.parse(result.body.device.createdAt);
    expect(Date.parse(result.body.device.expiresAt) - setUpAt).toBe(PENDING_DEVICE_TTL_SECONDS * 1000);
    const second = await web.anotherApp('extension');
    expect((await second.setUp('holds the other slot')).status).toBe(201);
    const third = await web.anotherApp('extension');
    expect((await third.setUp('one too many')).body.code).toBe('device_limit_reached');

    await system.lapse('code', web.deviceId);
    const late = await web.verify(code);
    expect([late.status, late.body.code]).toEqual([410, 'code_expired']);

    await system.reachDeadline(web.deviceId);
    await waitUntil(async () => (await web.session()).body.device?.status === 'expired');
    const listed = (await second.list()).body.devices as DeviceView[];
    expect(listed.map((d) => d.id)).not.toContain(web.deviceId);
    const retry = await web.anotherApp('web');
    expect((await retry.setUp('will expire')).status).toBe(201);
  });
});

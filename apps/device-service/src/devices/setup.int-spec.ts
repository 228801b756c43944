import { Command } from '@td/contracts';
import { DeviceKey } from '@td/testing';
import { CHROME_ON_MAC, DeviceCommandsHarness, rejection } from '../../test/support/device-commands.harness';
import { insertDevices } from '../../test/support/device-rows';
import { DeviceRetention } from '../expiry/device-retention';
import { Transactions } from '../database/transactions';
import { DevicesRepository } from './devices.repository';
import { fingerprintOf } from './rules/fingerprint';

const FIREFOX_ON_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0';

describe('device-service: setting up a device (SETUP, APPROVE-5)', () => {
  let h: DeviceCommandsHarness;

  beforeAll(async () => {
    h = await DeviceCommandsHarness.start();
  });
  afterAll(() => h.stop());

  it('SETUP-1 registers the proof key as a new pending device, answers with the device and how to confirm it', async () => {
    const claims = h.user({ username: 'alice' });
    const key = await DeviceKey.create();
    const reply = await h.send(Command.deviceSetup, { caller: h.caller(claims, key, { ip: '198.51.100.4' }), clientType: 'web' });
    expect(reply.device).toMatchObject({
      name: 'alice Web app - macOS/Chrome',
      clientType: 'web',
      os: 'macOS',
      browser: 'Chrome',
      status: 'pending_verification',
      approvedAt: null,
      approvedVia: null,
      lastIp: '198.51.100.4',
      lastSeenAt: null,
      current: true,
    });
    expect(reply.verification.method).toBe('email_code');
    const row = await h.deviceRow(reply.device.id);
    expect(row).toMatchObject({
      keyThumbprint: key.thumbprint,
      publicJwk: { kty: 'EC', crv: 'P-256', x: key.publicJwk.x, y: key.publicJwk.y },
    });
    expect(row.createdIp).toBe('198.51.100.4');
    const ttl = (row.expiresAt!.getTime() - row.createdAt.getTime()) / 1000;
    expect(ttl).toBe(h.config.devices.pendingTtlSeconds);
    expect(reply.device.expiresAt).toBe(row.expiresAt!.toISOString());
    expect(await h.auditActions(reply.device.id)).toEqual(['device.code_sent', 'device.setup']);
  });

  it('SETUP-1 needs a proof of the new key', async () => {
    const claims = h.user();
    expect((await rejection(h.send(Command.deviceSetup, { caller: h.caller(claims, null), clientType: 'web' }))).code).toBe(
      'device_proof_required',
    );
  });

  it('SETUP-2 default names: "{username} {app} - {os}/{browser}", Unknown when not known, suffixed when taken', async () => {
    const claims = h.user({ username: 'bob' });
    const first = await h.setup(claims, 'extension', undefined, { userAgent: FIREFOX_ON_WINDOWS });
    const second = await h.setup(claims, 'extension', undefined, { userAgent: FIREFOX_ON_WINDOWS });
    const third = await h.setup(claims, 'extension', undefined, { userAgent: FIREFOX_ON_WINDOWS });
    expect([first.device.name, second.device.name, third.device.name]).toEqual([
      'bob Browser extension - Windows/Firefox',
      'bob Browser extension - Windows/Firefox (2)',
      'bob Browser extension - Windows/Firefox (3)',
    ]);
    const unknown = await h.setup(claims, 'mobile', null as never, { userAgent: 'TrustedDevicesApp/1.0' });
    expect(unknown.device).toMatchObject({ name: 'bob Mobile app - Unknown/Unknown', os: 'Unknown', browser: 'Unknown' });
  });

  it('SETUP-2 a default name that a user-chosen name already holds (any case) takes the next suffix', async () => {
    const claims = h.user({ username: 'carol' });
    await h.setup(claims, 'web', 'CAROL web app - macos/chrome');
    const named = await h.setup(claims, 'web');
    expect(named.device.name).toBe('carol Web app - macOS/Chrome (2)');
  });

  it('SETUP-2 names are trimmed, NFC-normalised, unique ignoring case among registered devices', async () => {
    const claims = h.user();
    const cafe = await h.setup(claims, 'web', '  Cafe\u0301 laptop ');
    expect(cafe.device.name).toBe('Caf\u00e9 laptop');
    for (const clash of ['café LAPTOP', 'CAFE\u0301 laptop']) {
      expect((await rejection(h.setup(claims, 'web', clash))).code).toBe('device_name_taken');
    }
    // A name is held only while registered: once the device is gone, the name is free again.
    await h.db.query(`UPDATE devices SET status = 'disabled' WHERE id = $1`, [cafe.device.id]);
    expect((await h.setup(claims, 'web', 'café laptop')).device.name).toBe('café laptop');
    // Another user may use the same name.
    expect((await h.setup(h.user(), 'web', 'Café laptop')).device.name).toBe('Café laptop');
  });

  it('SETUP-2 empty, too long and control-character names are validation_failed', async () => {
    const claims = h.user();
    for (const bad of ['', '   ', 'x'.repeat(65), 'tab\tname', 'bell\u0007', 'rlo\u202Eexe']) {
      const error = await rejection(h.setup(claims, 'web', bad));
      expect(error).toMatchObject({ code: 'validation_failed', extensions: { errors: [expect.objectContaining({ field: 'name' })] } });
    }
    expect((await h.setup(claims, 'web', 'é'.repeat(64))).device.name).toBe('é'.repeat(64));
    const { devices } = await h.send(Command.deviceList, { caller: h.caller(claims, null) });
    expect(devices).toHaveLength(1);
  });

  it('SETUP-4 email code when the user has no approved web or mobile device', async () => {
    const claims = h.user();
    await h.approvedDevice(claims, 'extension');
    const reply = await h.setup(claims, 'web');
    expect(reply.device.status).toBe('pending_verification');
    expect(reply.verification).toEqual({ method: 'email_code', expiresAt: expect.any(String) });
    const codeExpiry = new Date((reply.verification as { expiresAt: string }).expiresAt).getTime();
    expect(Math.abs(codeExpiry - Date.now() - h.verificationConfig.codes.ttlSeconds * 1000)).toBeLessThan(10_000);
    expect(await h.latestCode(claims)).toMatch(/^\d{6}$/);
  });

  it('SETUP-4 approval when an approved web or mobile device exists, listing which; an extension still uses the code', async () => {
    const claims = h.user();
    await h.approvedDevice(claims, 'mobile');
    const byMobile = await h.setup(claims, 'web');
    expect(byMobile.device.status).toBe('pending_approval');
    expect(byMobile.verification).toEqual({ method: 'approval', approvers: ['mobile'] });
    expect(await h.outboxSubjects(byMobile.device.id)).toEqual(['events.device.approval-requested']);
    expect(await h.auditActions(byMobile.device.id)).toEqual(['device.setup']);

    await h.approvedDevice(claims, 'web');
    await h.approvedDevice(claims, 'web');
    const byBoth = await h.setup(claims, 'mobile');
    expect(byBoth.verification).toEqual({ method: 'approval', approvers: ['web', 'mobile'] });

    const extension = await h.setup(claims, 'extension');
    expect(extension.device.status).toBe('pending_verification');
    expect(extension.verification.method).toBe('email_code');
  });

  it('SETUP-6 a key that was ever registered cannot be set up again, whatever its device became', async () => {
    const claims = h.user();
    const { key, device } = await h.setup(claims, 'web');
    // Another body while pending (the same body is a retry, below), and any body once no longer pending.
    for (const status of ['pending_verification', 'approved', 'denied', 'disabled', 'expired']) {
      await h.db.query(`UPDATE devices SET status = $2 WHERE id = $1`, [device.id, status]);
      const error = await rejection(
        h.send(Command.deviceSetup, { caller: h.caller(claims, key), clientType: 'web', name: 'another name' }),
      );
      expect(error.code).toBe('device_key_registered');
      expect((await rejection(h.send(Command.deviceSetup, { caller: h.caller(claims, key), clientType: 'mobile' }))).code).toBe(
        'device_key_registered',
      );
    }
    // Racing setups with one key (each its own body): one device, the rest device_key_registered.
    const racer = await DeviceKey.create();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        h.send(Command.deviceSetup, { caller: h.caller(i % 2 ? claims : h.user(), racer), clientType: 'web', name: `racer ${i}` }),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const failed of outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected')) {
      expect(failed.reason.code).toBe('device_key_registered');
    }
  });

  it('SETUP-6 KEY-4 a setup retried with the same key and body by the same user while its device is pending gets the first answer again, and changes nothing', async () => {
    const claims = h.user();
    const key = await DeviceKey.create();
    const setup = () => h.send(Command.deviceSetup, { caller: h.caller(claims, key), clientType: 'web', name: ' Laptop ' });
    const first = await setup();
    expect(first.verification.method).toBe('email_code');
    const code = await h.latestCode(claims);
    // The answer was lost (a reset, a gateway killed after the commit): the client sends the same request again.
    const again = await setup();
    expect(again).toEqual({ ...first, retried: true });
    expect(await h.auditActions(first.device.id)).toEqual(['device.code_sent', 'device.setup']);
    expect(await h.latestCode(claims)).toBe(code);
    expect((await h.send(Command.deviceList, { caller: h.caller(claims, null) })).devices).toHaveLength(1);

    // Another user with that key, or another body, is still refused (KEY-4).
    expect(
      (await rejection(h.send(Command.deviceSetup, { caller: h.caller(h.user(), key), clientType: 'web', name: ' Laptop ' }))).code,
    ).toBe('device_key_registered');
    expect((await rejection(h.send(Command.deviceSetup, { caller: h.caller(claims, key), clientType: 'web' }))).code).toBe(
      'device_key_registered',
    );

    // A device waiting for approval: the retry names the approvers again.
    const trusted = h.user();
    await h.approvedDevice(trusted, 'web');
    const mobileKey = await DeviceKey.create();
    const mobileSetup = () => h.send(Command.deviceSetup, { caller: h.caller(trusted, mobileKey), clientType: 'mobile' });
    const waiting = await mobileSetup();
    expect(waiting.verification).toEqual({ method: 'approval', approvers: ['web'] });
    expect(await mobileSetup()).toEqual({ ...waiting, retried: true });

    // Once the device is no longer pending — confirmed, or past its expiry — the same request is refused.
    await h.send(Command.deviceVerify, { caller: h.caller(claims, key), deviceId: first.device.id, code });
    expect((await rejection(setup())).code).toBe('device_key_registered');
    await h.db.query(`UPDATE devices SET expires_at = now() - interval '1 second' WHERE id = $1`, [waiting.device.id]);
    expect((await rejection(mobileSetup())).code).toBe('device_key_registered');
  });

  it('APPROVE-5 every device carries five words from its key thumbprint', async () => {
    const claims = h.user();
    const { key, device } = await h.setup(claims, 'web');
    expect(device.fingerprint).toBe(fingerprintOf(key.thumbprint));
    expect(device.fingerprint.split(' ')).toHaveLength(5);
    const { devices } = await h.send(Command.deviceList, { caller: h.caller(claims, null) });
    expect(devices[0].fingerprint).toBe(device.fingerprint);
  });

  it('ERR-3 when no code can be sent the setup is rolled back (503), and works once verification is back', async () => {
    const claims = h.user();
    const key = await DeviceKey.create();
    await h.stopVerification();
    try {
      const error = await rejection(h.send(Command.deviceSetup, { caller: h.caller(claims, key), clientType: 'web' }));
      expect(error.code).toBe('service_unavailable');
    } finally {
      await h.startVerification();
    }
    expect((await h.send(Command.deviceList, { caller: h.caller(claims, null) })).devices).toHaveLength(0);
    const retried = await h.send(Command.deviceSetup, { caller: h.caller(claims, key, { userAgent: CHROME_ON_MAC }), clientType: 'web' });
    expect(retried.device.status).toBe('pending_verification');
  });

  it('SEC-5 setups per user are limited per rolling hour (SETUP_MAX_PER_HOUR); cancelled, expired and denied ones count; beyond: rate_limited with retryAfter', async () => {
    const claims = h.user();
    const user = await h.userRow(claims);
    const max = h.config.devices.setupMaxPerHour;
    const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);
    // Setups of more than an hour ago no longer count.
    await insertDevices(h.db, user, 5, { status: 'expired', createdAt: minutesAgo(61) });
    // Inside the hour: the oldest 50 minutes ago, then others that ended every way a request can end.
    await insertDevices(h.db, user, 1, { status: 'denied', createdAt: minutesAgo(50), deniedAt: minutesAgo(49) });
    await insertDevices(h.db, user, max - 4, { status: 'expired', createdAt: minutesAgo(30) });
    await insertDevices(h.db, user, 1, { status: 'disabled', createdAt: minutesAgo(20) });
    // Two more, really set up; the first one cancelled at once (cancelling frees the slot, not the hourly budget).
    const cancelled = await h.setup(claims, 'web');
    await h.send(Command.deviceCancel, { caller: h.caller(claims, cancelled.key), deviceId: cancelled.device.id });
    await h.setup(claims, 'web');

    const key = await DeviceKey.create();
    const refused = await rejection(h.send(Command.deviceSetup, { caller: h.caller(claims, key), clientType: 'web' }));
    expect(refused.code).toBe('rate_limited');
    // The oldest counted setup (50 minutes ago) leaves the window in about 10 minutes.
    expect(refused.retryAfter).toBeGreaterThan(9 * 60);
    expect(refused.retryAfter).toBeLessThanOrEqual(10 * 60 + 1);
    // The refusal registered nothing and sent no code; the key stays usable.
    const [{ n }] = await h.db.query(`SELECT count(*)::int AS n FROM devices WHERE key_thumbprint = $1`, [key.thumbprint]);
    expect(n).toBe(0);
    // Another user is not affected.
    expect((await h.setup(h.user(), 'web')).device.status).toBe('pending_verification');
  });

  it('SEC-5 a key whose device was removed after the retention period still cannot be set up again (KEY-4)', async () => {
    const claims = h.user();
    const { key, device } = await h.setup(claims, 'web');
    await h.send(Command.deviceCancel, { caller: h.caller(claims, key), deviceId: device.id });
    const longAgo = new Date(Date.now() - (h.config.retention.days + 1) * 86_400_000);
    await h.db.query(`UPDATE devices SET created_at = $2, expires_at = $2 WHERE id = $1`, [device.id, longAgo]);
    await new DeviceRetention(new Transactions(h.db), new DevicesRepository(h.db), h.config).prune();
    const [{ n }] = await h.db.query(`SELECT count(*)::int AS n FROM devices WHERE id = $1`, [device.id]);
    expect(n).toBe(0);

    const again = await rejection(h.send(Command.deviceSetup, { caller: h.caller(claims, key), clientType: 'web' }));
    expect(again.code).toBe('device_key_registered');
  });
});

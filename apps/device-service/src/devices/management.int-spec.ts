import { Command } from '@td/contracts';
import { randomUUID } from 'node:crypto';
import { DeviceCommandsHarness, rejection } from '../../test/support/device-commands.harness';

describe('device-service: the user own devices (MANAGE-1, MANAGE-3)', () => {
  let h: DeviceCommandsHarness;

  beforeAll(async () => {
    h = await DeviceCommandsHarness.start();
  });
  afterAll(() => h.stop());

  it('MANAGE-1 lists every device but expired ones, newest first, marking the calling one', async () => {
    const claims = h.user();
    const web = await h.approvedDevice(claims, 'web');
    await h.db.query(`UPDATE devices SET created_at = now() - interval '1 hour' WHERE id = $1`, [web.device.id]);
    const pending = await h.setup(claims, 'mobile');
    const cancelled = await h.setup(claims, 'web');
    await h.send(Command.deviceCancel, { caller: h.caller(claims, cancelled.key), deviceId: cancelled.device.id });
    const denied = await h.setup(claims, 'web');
    await h.send(Command.deviceDeny, { caller: h.caller(claims, web.key), deviceId: denied.device.id });
    const someoneElse = await h.approvedDevice(h.user(), 'web');

    const { devices } = await h.send(Command.deviceList, { caller: h.caller(claims, web.key) });
    expect(devices.map((d) => [d.id, d.status, d.current])).toEqual([
      [denied.device.id, 'denied', false],
      [pending.device.id, 'pending_approval', false],
      [web.device.id, 'approved', true],
    ]);
    expect(devices.map((d) => d.id)).not.toContain(someoneElse.device.id);
    expect(Object.keys(devices[0]).sort()).toEqual(
      [
        'id',
        'name',
        'clientType',
        'os',
        'browser',
        'fingerprint',
        'lastIp',
        'status',
        'createdAt',
        'approvedAt',
        'disabledAt',
        'disabledBy',
        'lastSeenAt',
        'approvedVia',
        'approvedBy',
        'expiresAt',
        'current',
      ].sort(),
    );
    const fromPending = await h.send(Command.deviceList, { caller: h.caller(claims, pending.key) });
    expect(fromPending.devices.filter((d) => d.current).map((d) => d.id)).toEqual([pending.device.id]);
    const withoutProof = await h.send(Command.deviceList, { caller: h.caller(claims, null) });
    expect(withoutProof.devices.some((d) => d.current)).toBe(false);
  });

  it('MANAGE-1 a trusted request records last seen time and IP, at most once a minute per device', async () => {
    const claims = h.user();
    const { key, device } = await h.approvedDevice(claims, 'web');
    await h.send(Command.deviceList, { caller: h.caller(claims, key, { ip: '198.51.100.1' }) });
    await h.lastSeenWritten();
    const first = await h.deviceRow(device.id);
    expect(first.lastSeenAt).not.toBeNull();
    expect(first.lastIp).toBe('198.51.100.1');

    // Within the minute: further requests from elsewhere write nothing.
    await Promise.all(
      Array.from({ length: 5 }, () => h.send(Command.deviceGetSession, { caller: h.caller(claims, key, { ip: '198.51.100.2' }) })),
    );
    await h.lastSeenWritten();
    const throttled = await h.deviceRow(device.id);
    expect(throttled.lastSeenAt!.getTime()).toBe(first.lastSeenAt!.getTime());
    expect(throttled.lastIp).toBe('198.51.100.1');

    // A minute later (moved back in time), the next trusted request writes again.
    await h.db.query(`UPDATE devices SET last_seen_at = now() - interval '61 seconds' WHERE id = $1`, [device.id]);
    await h.send(Command.deviceGetSession, { caller: h.caller(claims, key, { ip: '198.51.100.3' }) });
    await h.lastSeenWritten();
    const later = await h.deviceRow(device.id);
    expect(later.lastIp).toBe('198.51.100.3');
    expect(Date.now() - later.lastSeenAt!.getTime()).toBeLessThan(10_000);
    const listed = await h.send(Command.deviceList, { caller: h.caller(claims, null) });
    expect(listed.devices[0]).toMatchObject({ lastIp: '198.51.100.3', lastSeenAt: later.lastSeenAt!.toISOString() });

    // Untrusted requests (a pending device) leave no trace.
    const pending = await h.setup(claims, 'mobile');
    await h.send(Command.deviceGetSession, { caller: h.caller(claims, pending.key) });
    await h.lastSeenWritten();
    expect((await h.deviceRow(pending.device.id)).lastSeenAt).toBeNull();
  });

  it('MANAGE-3 the trusted web app renames a device, under the SETUP-2 name rules', async () => {
    const claims = h.user();
    const web = await h.approvedDevice(claims, 'web');
    const phone = await h.approvedDevice(claims, 'mobile');
    const { device } = await h.send(Command.deviceRename, {
      caller: h.caller(claims, web.key),
      deviceId: phone.device.id,
      name: '  Work phone ',
    });
    expect(device).toMatchObject({ id: phone.device.id, name: 'Work phone', current: false });
    expect(await h.auditActions(phone.device.id)).toEqual(['device.renamed']);
    // Changing only the case of its own name is no clash; another device's name is.
    await h.send(Command.deviceRename, { caller: h.caller(claims, web.key), deviceId: phone.device.id, name: 'WORK PHONE' });
    const clash = await rejection(
      h.send(Command.deviceRename, { caller: h.caller(claims, web.key), deviceId: web.device.id, name: 'work phone' }),
    );
    expect(clash.code).toBe('device_name_taken');
    const bad = await rejection(
      h.send(Command.deviceRename, { caller: h.caller(claims, web.key), deviceId: phone.device.id, name: 'line\nbreak' }),
    );
    expect(bad.code).toBe('validation_failed');
    expect((await h.deviceRow(phone.device.id)).name).toBe('WORK PHONE');
  });

  it('MANAGE-3 only a trusted web session manages devices; another user device is 404', async () => {
    const claims = h.user();
    const web = await h.approvedDevice(claims, 'web');
    const phone = await h.approvedDevice(claims, 'mobile');
    const extension = await h.approvedDevice(claims, 'extension');
    const pendingWeb = await h.setup(claims, 'web');
    const stranger = h.user();
    const strangerWeb = await h.approvedDevice(stranger, 'web');
    for (const send of [
      (caller: ReturnType<typeof h.caller>, deviceId: string) => h.send(Command.deviceRename, { caller, deviceId, name: 'renamed' }),
      (caller: ReturnType<typeof h.caller>, deviceId: string) => h.send(Command.deviceDisable, { caller, deviceId }),
    ]) {
      expect((await rejection(send(h.caller(claims, phone.key), web.device.id))).code).toBe('web_app_required');
      expect((await rejection(send(h.caller(claims, extension.key), web.device.id))).code).toBe('web_app_required');
      expect((await rejection(send(h.caller(claims, pendingWeb.key), web.device.id))).code).toBe('trusted_session_required');
      expect((await rejection(send(h.caller(claims, null), web.device.id))).code).toBe('device_proof_required');
      expect((await rejection(send(h.caller(stranger, strangerWeb.key), web.device.id))).code).toBe('not_found');
      expect((await rejection(send(h.caller(claims, web.key), randomUUID()))).code).toBe('not_found');
    }
    expect((await h.deviceRow(web.device.id)).status).toBe('approved');
  });

  it('MANAGE-3 disabling ends the device for good: untrusted at once, its slot and name freed, never re-enabled', async () => {
    const claims = h.user();
    const web = await h.approvedDevice(claims, 'web');
    const laptop = await h.approvedDevice(claims, 'web');
    const pending = await h.setup(claims, 'mobile', 'Old phone');
    const { device } = await h.send(Command.deviceDisable, { caller: h.caller(claims, web.key), deviceId: laptop.device.id });
    expect(device).toMatchObject({ status: 'disabled', disabledAt: expect.any(String) });
    // The disabled device can tell why: from which device (issue 13 item 7).
    expect(device.disabledBy).toEqual({ kind: 'device', deviceId: web.device.id, deviceName: web.device.name });
    expect((await h.send(Command.deviceGetSession, { caller: h.caller(claims, laptop.key) })).device?.disabledBy).toEqual(
      device.disabledBy,
    );
    expect(await h.outboxSubjects(laptop.device.id)).toEqual(['events.device.disabled']);
    expect(await h.auditActions(laptop.device.id)).toEqual(['device.disabled']);
    expect((await h.send(Command.deviceGetSession, { caller: h.caller(claims, laptop.key) })).trusted).toBe(false);
    expect((await rejection(h.send(Command.deviceDisable, { caller: h.caller(claims, web.key), deviceId: laptop.device.id }))).code).toBe(
      'invalid_device_state',
    );
    // A pending request can be disabled too; its name is free again.
    await h.send(Command.deviceDisable, { caller: h.caller(claims, web.key), deviceId: pending.device.id });
    expect((await h.setup(claims, 'mobile', 'old phone')).device.name).toBe('old phone');
    // The web app may disable itself; from then on it manages nothing.
    await h.send(Command.deviceDisable, { caller: h.caller(claims, web.key), deviceId: web.device.id });
    const after = await rejection(
      h.send(Command.deviceRename, { caller: h.caller(claims, web.key), deviceId: web.device.id, name: 'back' }),
    );
    expect(after.code).toBe('trusted_session_required');
  });

  it('APPROVE-1 the event stream opens for trusted web and mobile sessions, keyed by the internal user id', async () => {
    const claims = h.user();
    const user = await h.userRow(claims);
    const phone = await h.approvedDevice(claims, 'mobile');
    expect(await h.send(Command.deviceAuthorizeEvents, { caller: h.caller(claims, phone.key) })).toEqual({
      userId: user.id,
      deviceId: phone.device.id,
    });
    const extension = await h.approvedDevice(claims, 'extension');
    expect((await rejection(h.send(Command.deviceAuthorizeEvents, { caller: h.caller(claims, extension.key) }))).code).toBe(
      'approver_not_allowed',
    );
    expect((await rejection(h.send(Command.deviceAuthorizeEvents, { caller: h.caller(claims, null) }))).code).toBe('device_proof_required');
  });
});

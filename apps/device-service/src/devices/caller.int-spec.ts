import { Command } from '@td/contracts';
import { DeviceKey } from '@td/testing';
import { randomUUID } from 'node:crypto';
import { User } from '../users/user.entity';
import { DeviceCommandsHarness, rejection } from '../../test/support/device-commands.harness';

describe('device-service: who is calling (AUTH, KEY, MANAGE-2)', () => {
  let h: DeviceCommandsHarness;

  beforeAll(async () => {
    h = await DeviceCommandsHarness.start();
  });
  afterAll(() => h.stop());

  const usersOf = (wid: string, sub: string) => h.db.getRepository(User).findBy({ workspaceId: wid, subject: sub });

  it('AUTH-2 creates the user on first sight, also under 20 concurrent first requests, and updates it from later tokens', async () => {
    const claims = h.user({ role: 'member' });
    const replies = await Promise.all(
      Array.from({ length: 20 }, () => h.send(Command.deviceGetSession, { caller: h.caller(claims, null) })),
    );
    expect(replies.every((reply) => reply.user.id === claims.sub)).toBe(true);
    const [created] = await usersOf(claims.wid, claims.sub);
    expect(await usersOf(claims.wid, claims.sub)).toHaveLength(1);

    const changed = { ...claims, email: `new-${claims.email}`, username: 'renamed', role: 'admin' as const };
    const session = await h.send(Command.deviceGetSession, { caller: h.caller(changed, null) });
    expect(session.user).toEqual({ id: claims.sub, email: changed.email, username: 'renamed', role: 'admin', workspaceId: claims.wid });
    const [updated] = await usersOf(claims.wid, claims.sub);
    expect(updated).toMatchObject({ id: created.id, email: changed.email, username: 'renamed', role: 'admin' });
  });

  it('AUTH-2 the same sub in another workspace is another user', async () => {
    const claims = h.user();
    const other = { ...claims, wid: `${claims.wid}-other` };
    await h.send(Command.deviceGetSession, { caller: h.caller(claims, null) });
    await h.send(Command.deviceGetSession, { caller: h.caller(other, null) });
    const [a] = await usersOf(claims.wid, claims.sub);
    const [b] = await usersOf(other.wid, other.sub);
    expect(a.id).not.toBe(b.id);
  });

  it('AUTH-3 a deprovisioned user gets user_deprovisioned on every command, with any token', async () => {
    const claims = h.user();
    const { key, device } = await h.approvedDevice(claims, 'web');
    await h.db.query(`UPDATE users SET deprovisioned_at = now() WHERE workspace_id = $1 AND subject = $2`, [claims.wid, claims.sub]);
    const caller = h.caller(claims, key);
    const deviceId = device.id;
    const attempts: Array<Promise<unknown>> = [
      h.send(Command.deviceGetSession, { caller }),
      h.send(Command.deviceGetSession, { caller: h.caller({ ...claims, email: 'fresh@example.test' }, null) }),
      h.send(Command.deviceSetup, { caller: h.caller(claims, await DeviceKey.create()), clientType: 'web' }),
      h.send(Command.deviceVerify, { caller, deviceId, code: '123456' }),
      h.send(Command.deviceSendEmailCode, { caller, deviceId }),
      h.send(Command.deviceApprove, { caller, deviceId }),
      h.send(Command.deviceDeny, { caller, deviceId }),
      h.send(Command.deviceCancel, { caller, deviceId }),
      h.send(Command.deviceGetKeyEnvelope, { caller }),
      h.send(Command.deviceList, { caller }),
      h.send(Command.deviceRename, { caller, deviceId, name: 'x' }),
      h.send(Command.deviceDisable, { caller, deviceId }),
      h.send(Command.deviceAuthorizeEvents, { caller }),
    ];
    for (const attempt of attempts) expect((await rejection(attempt)).code).toBe('user_deprovisioned');
    const [user] = await usersOf(claims.wid, claims.sub);
    expect(user.email).toBe(claims.email);
  });

  it('KEY-4 a device is found by its key among the caller own devices only; a key is registered once, ever', async () => {
    const alice = h.user();
    const bob = h.user();
    const { key, device } = await h.approvedDevice(alice, 'web');
    const own = await h.send(Command.deviceGetSession, { caller: h.caller(alice, key) });
    expect(own.device?.id).toBe(device.id);
    const foreign = await h.send(Command.deviceGetSession, { caller: h.caller(bob, key) });
    expect(foreign).toMatchObject({ trusted: false, device: null });
    expect((await rejection(h.send(Command.deviceSetup, { caller: h.caller(bob, key), clientType: 'web' }))).code).toBe(
      'device_key_registered',
    );
    expect((await rejection(h.send(Command.deviceSetup, { caller: h.caller(alice, key), clientType: 'web' }))).code).toBe(
      'device_key_registered',
    );
  });

  it('KEY-5 a disabled device is no longer trusted on its next command', async () => {
    const claims = h.user();
    const manager = await h.approvedDevice(claims, 'web');
    const other = await h.approvedDevice(claims, 'mobile');
    const pending = await h.setup(claims, 'web');
    expect((await h.send(Command.deviceGetSession, { caller: h.caller(claims, other.key) })).trusted).toBe(true);

    await h.send(Command.deviceDisable, { caller: h.caller(claims, manager.key), deviceId: other.device.id });

    expect(await h.send(Command.deviceGetSession, { caller: h.caller(claims, other.key) })).toMatchObject({
      trusted: false,
      setupRequired: true,
      device: { id: other.device.id, status: 'disabled' },
    });
    // Each attempt starts only when awaited: a rejection must never sit unhandled meanwhile.
    for (const attempt of [
      () => h.send(Command.deviceApprove, { caller: h.caller(claims, other.key), deviceId: pending.device.id }),
      () => h.send(Command.deviceGetKeyEnvelope, { caller: h.caller(claims, other.key) }),
      () => h.send(Command.deviceAuthorizeEvents, { caller: h.caller(claims, other.key) }),
    ]) {
      expect((await rejection(attempt())).code).toBe('trusted_session_required');
    }
  });

  it('KEY-5 pending, denied and expired devices are not trusted sessions', async () => {
    const claims = h.user();
    for (const status of ['pending_verification', 'denied', 'expired'] as const) {
      const { key, device } = await h.approvedDevice(claims, 'web');
      await h.db.query(`UPDATE devices SET status = $2 WHERE id = $1`, [device.id, status]);
      expect((await h.send(Command.deviceGetSession, { caller: h.caller(claims, key) })).trusted).toBe(false);
      expect((await rejection(h.send(Command.deviceAuthorizeEvents, { caller: h.caller(claims, key) }))).code).toBe(
        'trusted_session_required',
      );
    }
  });

  it('MANAGE-2 the session says whether it is trusted, and whose it is', async () => {
    const claims = h.user({ role: 'owner' });
    const anonymous = await h.send(Command.deviceGetSession, { caller: h.caller(claims, null) });
    expect(anonymous).toEqual({
      user: { id: claims.sub, email: claims.email, username: claims.username, role: 'owner', workspaceId: claims.wid },
      trusted: false,
      setupRequired: true,
      device: null,
    });
    const unknownKey = await h.send(Command.deviceGetSession, { caller: h.caller(claims, await DeviceKey.create()) });
    expect(unknownKey).toMatchObject({ trusted: false, setupRequired: true, device: null });
    const pending = await h.setup(claims, 'web');
    const whilePending = await h.send(Command.deviceGetSession, { caller: h.caller(claims, pending.key) });
    expect(whilePending).toMatchObject({
      trusted: false,
      setupRequired: true,
      device: { id: pending.device.id, status: 'pending_verification', current: true },
    });
    const { key, device } = await h.approvedDevice(claims, 'mobile');
    const trusted = await h.send(Command.deviceGetSession, { caller: h.caller(claims, key) });
    expect(trusted).toMatchObject({ trusted: true, setupRequired: false, device: { id: device.id, status: 'approved', current: true } });
  });

  it('ERR-2 a malformed command is validation_failed, naming the field, and changes nothing', async () => {
    const claims = h.user();
    const bad = await rejection(h.send(Command.deviceDisable, { caller: h.caller(claims, null), deviceId: 'not-a-uuid' }));
    expect(bad).toMatchObject({ code: 'validation_failed', extensions: { errors: [expect.objectContaining({ field: 'deviceId' })] } });
    const badType = await rejection(
      h.send(Command.deviceSetup, { caller: h.caller(claims, await DeviceKey.create()), clientType: 'desktop' as never }),
    );
    expect(badType).toMatchObject({
      code: 'validation_failed',
      extensions: { errors: [expect.objectContaining({ field: 'clientType' })] },
    });
    const noCaller = await rejection(h.send(Command.deviceList, {} as never));
    expect(noCaller.code).toBe('validation_failed');
    const badCode = await rejection(
      h.send(Command.deviceVerify, { caller: h.caller(claims, null), deviceId: randomUUID(), code: '12ab56' }),
    );
    expect(badCode.code).toBe('validation_failed');
    expect(await usersOf(claims.wid, claims.sub)).toHaveLength(0);
  });

  it("SEC-2 device.get-mail-recipient answers where the user's mail goes and whether they are deprovisioned, only within their workspace", async () => {
    const claims = h.user();
    const user = await h.userRow(claims);
    const recipient = { workspaceId: claims.wid, userId: user.id };
    expect(await h.send(Command.deviceGetMailRecipient, recipient)).toEqual({ email: claims.email, deprovisioned: false });

    // The address is the one held now (refreshed from the latest token), not one from when a mail was queued.
    await h.send(Command.deviceGetSession, { caller: h.caller({ ...claims, email: `new-${claims.email}` }, null) });
    expect(await h.send(Command.deviceGetMailRecipient, recipient)).toEqual({ email: `new-${claims.email}`, deprovisioned: false });

    await h.db.query(`UPDATE users SET deprovisioned_at = now() WHERE id = $1`, [user.id]);
    expect(await h.send(Command.deviceGetMailRecipient, recipient)).toEqual({ email: `new-${claims.email}`, deprovisioned: true });

    expect(await rejection(h.send(Command.deviceGetMailRecipient, { ...recipient, workspaceId: `${claims.wid}-other` }))).toMatchObject({
      code: 'not_found',
    });
    expect(await rejection(h.send(Command.deviceGetMailRecipient, { ...recipient, userId: randomUUID() }))).toMatchObject({
      code: 'not_found',
    });
    expect(await rejection(h.send(Command.deviceGetMailRecipient, { ...recipient, userId: 'not-a-uuid' }))).toMatchObject({
      code: 'validation_failed',
    });
  });
});

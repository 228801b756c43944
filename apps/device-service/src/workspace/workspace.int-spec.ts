import { Command, type TokenClaims } from '@td/contracts';
import { DeviceKey } from '@td/testing';
import { insertDevice, insertUser } from '../../test/support/device-rows';
import { DeviceCommandsHarness, rejection } from '../../test/support/device-commands.harness';
import type { Device } from '../devices/device.entity';
import type { User } from '../users/user.entity';

/** A time `minutes` ago, so rows have a known newest-first order. */
const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000);

describe('device-service: the workspace devices and audit (ADMIN-1..4)', () => {
  let h: DeviceCommandsHarness;

  beforeAll(async () => {
    h = await DeviceCommandsHarness.start();
  });
  afterAll(() => h.stop());

  /** An admin (or owner) with a trusted web device, in a fresh workspace unless told otherwise. */
  const admin = (overrides: Partial<TokenClaims> = {}) => h.admin(overrides);

  /** A workspace with two more users and devices of every kind, created oldest first. */
  async function populatedWorkspace() {
    const boss = await admin();
    const wid = boss.claims.wid;
    await h.db.query(`UPDATE devices SET created_at = $2 WHERE id = $1`, [boss.device.id, ago(100)]);
    const alice = await insertUser(h.db, { workspaceId: wid, email: 'Alice.Smith@Example.test', username: 'alice' });
    const bob = await insertUser(h.db, { workspaceId: wid, email: 'bob@example.test', username: 'bob' });
    const devices: Device[] = [];
    const add = async (user: User, minutesAgo: number, overrides: Partial<Device>) =>
      devices.push(await insertDevice(h.db, user, { createdAt: ago(minutesAgo), ...overrides }));
    await add(alice, 90, { name: 'Alice work Laptop', clientType: 'web', status: 'approved' });
    await add(alice, 80, { name: 'alice phone', clientType: 'mobile', status: 'pending_approval' });
    await add(alice, 70, { name: 'alice ext', clientType: 'extension', status: 'disabled' });
    await add(bob, 60, { name: 'bob desktop', clientType: 'web', status: 'approved' });
    await add(bob, 50, { name: 'bob laptop', clientType: 'mobile', status: 'denied' });
    await add(bob, 40, { name: 'bob old', clientType: 'web', status: 'expired' });
    // Another workspace's device, with a matching name: never visible.
    await insertDevice(h.db, await insertUser(h.db), { name: 'Alice work Laptop 2', createdAt: ago(30) });
    return { boss, alice, bob, devices };
  }

  it('ADMIN-1 lists every device of the workspace with its user, newest first, with counts per status', async () => {
    const { boss, alice, devices } = await populatedWorkspace();
    const reply = await h.send(Command.workspaceListDevices, { caller: boss.caller });
    expect(reply.devices.map((d) => d.id)).toEqual([...devices.map((d) => d.id)].reverse().concat(boss.device.id));
    const first = reply.devices.find((d) => d.name === 'Alice work Laptop')!;
    expect(first.user).toEqual({ id: alice.subject, email: alice.email, username: 'alice' });
    expect(first.current).toBe(false);
    expect(reply.devices.find((d) => d.id === boss.device.id)).toMatchObject({ current: true, user: { id: boss.claims.sub } });
    expect(reply.counts).toEqual({ pending_verification: 0, pending_approval: 1, approved: 3, denied: 1, disabled: 1, expired: 1 });
    expect(reply.nextCursor).toBeNull();
  });

  it('ADMIN-1 filters by user (its token sub), status, app and a case-insensitive name/email search; counts ignore only the status filter', async () => {
    const { boss, alice, bob } = await populatedWorkspace();
    const list = (filters: Record<string, string>) => h.send(Command.workspaceListDevices, { caller: boss.caller, ...filters });

    const ofAlice = await list({ userId: alice.subject });
    expect(ofAlice.devices.map((d) => d.name)).toEqual(['alice ext', 'alice phone', 'Alice work Laptop']);
    expect(ofAlice.counts).toMatchObject({ approved: 1, pending_approval: 1, disabled: 1, denied: 0 });

    const approved = await list({ status: 'approved' });
    expect(approved.devices.map((d) => d.name)).toEqual(['bob desktop', 'Alice work Laptop', boss.device.name]);
    expect(approved.counts).toEqual({ pending_verification: 0, pending_approval: 1, approved: 3, denied: 1, disabled: 1, expired: 1 });

    const mobile = await list({ clientType: 'mobile' });
    expect(mobile.devices.map((d) => d.name)).toEqual(['bob laptop', 'alice phone']);
    expect(mobile.counts).toMatchObject({ pending_approval: 1, denied: 1, approved: 0 });

    expect((await list({ q: 'LAPTOP' })).devices.map((d) => d.name)).toEqual(['bob laptop', 'Alice work Laptop']);
    expect((await list({ q: 'alice.smith@' })).devices.map((d) => d.user.id)).toEqual([alice.subject, alice.subject, alice.subject]);
    expect((await list({ q: 'bob', status: 'approved' })).devices.map((d) => d.name)).toEqual(['bob desktop']);
    expect((await list({ q: '%' })).devices).toEqual([]);
    expect((await list({ userId: bob.subject, clientType: 'web' })).devices.map((d) => d.name)).toEqual(['bob old', 'bob desktop']);
    expect(await list({ userId: 'nobody-here' })).toMatchObject({ devices: [], nextCursor: null, counts: { approved: 0 } });
  });

  it('ADMIN-1 pages with an opaque cursor that stays stable while devices are added', async () => {
    const boss = await admin();
    const member = await insertUser(h.db, { workspaceId: boss.claims.wid });
    await h.db.query(`UPDATE devices SET created_at = $2 WHERE id = $1`, [boss.device.id, ago(1000)]);
    // Several devices share a creation time: the id breaks the tie.
    const sameTime = ago(500);
    const original: Device[] = [boss.device];
    for (let i = 0; i < 11; i += 1) original.push(await insertDevice(h.db, member, { createdAt: i < 5 ? sameTime : ago(400 - i) }));

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await h.send(Command.workspaceListDevices, { caller: boss.caller, limit: 3, ...(cursor ? { cursor } : {}) });
      expect(page.devices.length).toBeLessThanOrEqual(3);
      seen.push(...page.devices.map((d) => d.id));
      cursor = page.nextCursor ?? undefined;
      pages += 1;
      // New devices keep arriving while the admin pages through.
      await insertDevice(h.db, member, { createdAt: new Date() });
      expect(page.counts.approved).toBeGreaterThanOrEqual(12);
    } while (cursor);
    expect(pages).toBe(4);
    expect(seen).toHaveLength(12);
    expect(new Set(seen)).toEqual(new Set(original.map((d) => d.id)));

    const problem = await rejection(h.send(Command.workspaceListDevices, { caller: boss.caller, cursor: 'bm90LWEtY3Vyc29y' }));
    expect(problem.code).toBe('validation_failed');
    expect((await rejection(h.send(Command.workspaceListDevices, { caller: boss.caller, limit: 201 }))).code).toBe('validation_failed');
  });

  it('ADMIN-2 an admin disabling a device of their own did it from their device: the device says so (disabledBy, issue 13 item 7)', async () => {
    const boss = await admin();
    const own = await insertDevice(h.db, boss.user, { status: 'approved' });
    const { device } = await h.send(Command.workspaceDisableDevice, { caller: boss.caller, deviceId: own.id });
    expect(device.disabledBy).toEqual({ kind: 'device', deviceId: boss.device.id, deviceName: boss.device.name });
    expect((await h.deviceRow(own.id)).disabledBy).toEqual(device.disabledBy);
  });

  it('ADMIN-2 an admin disables any device of the workspace: audited with actor and target, event written, once', async () => {
    const boss = await admin({ role: 'owner' });
    const member = await insertUser(h.db, { workspaceId: boss.claims.wid });
    const target = await insertDevice(h.db, member, { status: 'approved' });

    const { device } = await h.send(Command.workspaceDisableDevice, {
      caller: h.caller(boss.claims, boss.key, { ip: '198.51.100.9', userAgent: 'AdminBrowser/1.0' }),
      deviceId: target.id,
    });
    expect(device).toMatchObject({ id: target.id, status: 'disabled', current: false });
    expect(device.disabledAt).not.toBeNull();
    expect(device.disabledBy).toEqual({ kind: 'admin' });
    expect((await h.deviceRow(target.id)).status).toBe('disabled');
    expect(await h.outboxSubjects(target.id)).toEqual(['events.device.disabled']);
    const [audit] = await h.db.query(`SELECT * FROM audit_events WHERE target_device_id = $1`, [target.id]);
    expect(audit).toMatchObject({
      action: 'device.disabled',
      actor_user_id: boss.user.id,
      actor_device_id: boss.device.id,
      target_user_id: member.id,
      ip: '198.51.100.9',
      user_agent: 'AdminBrowser/1.0',
    });

    const again = await rejection(h.send(Command.workspaceDisableDevice, { caller: boss.caller, deviceId: target.id }));
    expect(again.code).toBe('invalid_device_state');
    expect(await h.auditActions(target.id)).toEqual(['device.disabled']);
  });

  it('ADMIN-3 the audit log shows actor, target, time, IP and user agent, filtered and paged, newest first', async () => {
    const boss = await admin();
    const member = await insertUser(h.db, { workspaceId: boss.claims.wid });
    const targets = [
      await insertDevice(h.db, member),
      await insertDevice(h.db, member),
      await insertDevice(h.db, member, { status: 'pending_verification' }),
    ];
    const caller = h.caller(boss.claims, boss.key, { ip: '192.0.2.44', userAgent: 'Audit/2' });
    for (const target of targets) await h.send(Command.workspaceDisableDevice, { caller, deviceId: target.id });
    // Another workspace's events are never listed.
    const stranger = await admin();
    await h.send(Command.workspaceDisableDevice, {
      caller: stranger.caller,
      deviceId: (await insertDevice(h.db, await insertUser(h.db, { workspaceId: stranger.claims.wid }))).id,
    });

    const all = await h.send(Command.workspaceListAudit, { caller: boss.caller });
    expect(all.events.map((e) => e.target.deviceId)).toEqual([...targets].reverse().map((d) => d.id));
    expect(all.events[0]).toEqual({
      id: expect.any(String),
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      action: 'device.disabled',
      actor: { userId: boss.claims.sub, deviceId: boss.device.id },
      target: { userId: member.subject, deviceId: targets[2].id },
      ip: '192.0.2.44',
      userAgent: 'Audit/2',
    });

    const byDevice = await h.send(Command.workspaceListAudit, { caller: boss.caller, deviceId: targets[1].id });
    expect(byDevice.events.map((e) => e.target.deviceId)).toEqual([targets[1].id]);
    const byActorDevice = await h.send(Command.workspaceListAudit, { caller: boss.caller, deviceId: boss.device.id });
    expect(byActorDevice.events).toHaveLength(3);
    const byUser = await h.send(Command.workspaceListAudit, { caller: boss.caller, userId: member.subject });
    expect(byUser.events).toHaveLength(3);
    expect((await h.send(Command.workspaceListAudit, { caller: boss.caller, action: 'device.approved' })).events).toEqual([]);
    expect((await h.send(Command.workspaceListAudit, { caller: boss.caller, userId: 'nobody' })).events).toEqual([]);

    const pageOne = await h.send(Command.workspaceListAudit, { caller: boss.caller, limit: 2 });
    expect(pageOne.events).toHaveLength(2);
    await h.send(Command.workspaceDisableDevice, { caller, deviceId: (await insertDevice(h.db, member)).id });
    const pageTwo = await h.send(Command.workspaceListAudit, { caller: boss.caller, limit: 2, cursor: pageOne.nextCursor! });
    expect([...pageOne.events, ...pageTwo.events].map((e) => e.id)).toEqual(all.events.map((e) => e.id));
    expect(pageTwo.nextCursor).toBeNull();
  });

  it('ADMIN-4 nothing of another workspace is visible or changeable (not_found)', async () => {
    const boss = await admin();
    const other = await admin();
    const theirMember = await insertUser(h.db, { workspaceId: other.claims.wid });
    const theirDevice = await insertDevice(h.db, theirMember);
    const { jobId } = await h.send(Command.workspaceDeprovisionUser, { caller: other.caller, userId: theirMember.subject });

    const listed = await h.send(Command.workspaceListDevices, { caller: boss.caller });
    expect(listed.devices.map((d) => d.id)).toEqual([boss.device.id]);
    expect((await h.send(Command.workspaceListDevices, { caller: boss.caller, userId: theirMember.subject })).devices).toEqual([]);
    expect((await rejection(h.send(Command.workspaceDisableDevice, { caller: boss.caller, deviceId: theirDevice.id }))).code).toBe(
      'not_found',
    );
    expect((await rejection(h.send(Command.workspaceDeprovisionUser, { caller: boss.caller, userId: theirMember.subject }))).code).toBe(
      'not_found',
    );
    expect((await rejection(h.send(Command.workspaceGetJob, { caller: boss.caller, jobId }))).code).toBe('not_found');
    expect((await h.send(Command.workspaceListAudit, { caller: boss.caller, userId: theirMember.subject })).events).toEqual([]);
    expect((await h.send(Command.workspaceListAudit, { caller: boss.caller })).events).toEqual([]);
    // Their own admin sees all of it.
    expect((await h.send(Command.workspaceGetJob, { caller: other.caller, jobId })).id).toBe(jobId);
  });

  it('ADMIN-4 a member gets admin_required; an admin needs a trusted web session', async () => {
    const member = h.user({ role: 'member' });
    const memberDevice = await h.approvedDevice(member, 'web');
    const memberCaller = h.caller(member, memberDevice.key);
    const someDevice = await insertDevice(h.db, await h.userRow(member));
    const commands = [
      h.send(Command.workspaceListDevices, { caller: memberCaller }),
      h.send(Command.workspaceDisableDevice, { caller: memberCaller, deviceId: someDevice.id }),
      h.send(Command.workspaceDeprovisionUser, { caller: memberCaller, userId: member.sub }),
      h.send(Command.workspaceGetJob, { caller: memberCaller, jobId: someDevice.id }),
      h.send(Command.workspaceListAudit, { caller: memberCaller }),
      h.send(Command.workspaceCreateScimToken, { caller: memberCaller }),
      h.send(Command.workspaceRevokeScimToken, { caller: memberCaller, tokenId: someDevice.id }),
    ];
    for (const command of commands) expect((await rejection(command)).code).toBe('admin_required');
    expect((await h.deviceRow(someDevice.id)).status).toBe('approved');

    const boss = await admin();
    const mobile = await h.approvedDevice(boss.claims, 'mobile');
    expect((await rejection(h.send(Command.workspaceListDevices, { caller: h.caller(boss.claims, mobile.key) }))).code).toBe(
      'web_app_required',
    );
    const pending = await h.setup(boss.claims, 'web');
    expect((await rejection(h.send(Command.workspaceListDevices, { caller: h.caller(boss.claims, pending.key) }))).code).toBe(
      'trusted_session_required',
    );
    expect((await rejection(h.send(Command.workspaceListDevices, { caller: h.caller(boss.claims, await DeviceKey.create()) }))).code).toBe(
      'trusted_session_required',
    );
    expect((await rejection(h.send(Command.workspaceListDevices, { caller: h.caller(boss.claims, null) }))).code).toBe(
      'device_proof_required',
    );
  });
});

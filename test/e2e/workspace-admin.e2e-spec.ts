import { ApiClient, USER_AGENTS } from '../support/api-client';
import { TestSystem } from '../support/system';
import { colleague, deprovision, listAudit, listWorkspaceDevices, trustedAdmin, type Query } from '../support/workspace';

describe('ADMIN — the workspace devices and audit log (over HTTP)', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await TestSystem.start();
  });
  afterAll(() => system.stop());

  /** An admin's workspace with Alice (a web and an extension device) and Bob (a mobile device), plus a lookalike elsewhere. */
  async function workspace() {
    const admin = await trustedAdmin(system);
    const alice = await colleague(admin, 'web', { email: `alice-${Date.now()}@example.test`, preferred_username: 'alice' });
    await alice.setUp('Alice laptop');
    const aliceExt = await alice.anotherApp('extension');
    await aliceExt.setUp('Work browser');
    const bob = await colleague(admin, 'mobile', { preferred_username: 'bob' });
    await bob.setUp('Bob phone');
    const stranger = await ApiClient.signIn(system, 'web');
    await stranger.setUp('Alice laptop');
    return { admin, alice, aliceExt, bob, stranger };
  }

  it('ADMIN-1 lists every device of the workspace with its user, newest first, with counts per status', async () => {
    const { admin, alice, aliceExt, bob, stranger } = await workspace();
    const response = await listWorkspaceDevices(admin);
    expect(response.status).toBe(200);
    expect(response.body.devices.map((d: { id: string }) => d.id)).toEqual([
      bob.deviceId,
      aliceExt.deviceId,
      alice.deviceId,
      admin.deviceId,
    ]);
    expect(response.body.devices[2]).toMatchObject({
      name: 'Alice laptop',
      clientType: 'web',
      current: false,
      user: { id: alice.user.sub, email: alice.user.email, username: 'alice' },
    });
    expect(response.body.devices[3]).toMatchObject({ current: true, status: 'approved', user: { id: admin.user.sub } });
    expect(response.body.devices.map((d: { id: string }) => d.id)).not.toContain(stranger.deviceId);
    expect(response.body.counts).toEqual({ pending_verification: 3, pending_approval: 0, approved: 1, denied: 0, disabled: 0, expired: 0 });
    expect(response.body.nextCursor).toBeNull();
  });

  it('ADMIN-1 filters by user, status, app and a case-insensitive search over device name and email', async () => {
    const { admin, alice, aliceExt, bob } = await workspace();
    const ids = async (query: Record<string, string>) =>
      (await listWorkspaceDevices(admin, query)).body.devices.map((d: { id: string }) => d.id);
    expect(await ids({ userId: alice.user.sub })).toEqual([aliceExt.deviceId, alice.deviceId]);
    expect(await ids({ status: 'approved' })).toEqual([admin.deviceId]);
    expect(await ids({ clientType: 'mobile' })).toEqual([bob.deviceId]);
    expect(await ids({ q: 'ALICE' })).toEqual([aliceExt.deviceId, alice.deviceId]);
    expect(await ids({ q: 'bob phone' })).toEqual([bob.deviceId]);
    const filtered = await listWorkspaceDevices(admin, { userId: alice.user.sub, status: 'approved' });
    expect(filtered.body.devices).toEqual([]);
    expect(filtered.body.counts).toMatchObject({ pending_verification: 2, approved: 0 });
  });

  it('ADMIN-1 pages with a cursor that stays stable while devices are added', async () => {
    const { admin, alice } = await workspace();
    const all = (await listWorkspaceDevices(admin)).body.devices.map((d: { id: string }) => d.id);
    const first = await listWorkspaceDevices(admin, { limit: 2 });
    expect(first.body.devices.map((d: { id: string }) => d.id)).toEqual(all.slice(0, 2));
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const newcomer = await alice.anotherApp('mobile');
    await newcomer.setUp('Inserted meanwhile');
    const second = await listWorkspaceDevices(admin, { limit: 2, cursor: first.body.nextCursor });
    expect(second.body.devices.map((d: { id: string }) => d.id)).toEqual(all.slice(2, 4));
    expect(second.body.nextCursor).toBeNull();
    expect((await listWorkspaceDevices(admin, { limit: 1 })).body.devices[0].id).toBe(newcomer.deviceId);
  });

  it('ADMIN-1 bad filters are 400 validation_failed, never a lookup', async () => {
    const admin = await trustedAdmin(system);
    const queries: Query[] = [
      { limit: 0 },
      { limit: 201 },
      { limit: 'ten' },
      { status: 'gone' },
      { clientType: 'desktop' },
      { q: 'x'.repeat(201) },
      { cursor: 'x'.repeat(513) },
      { colour: 'red' },
    ];
    for (const query of queries) {
      const response = await listWorkspaceDevices(admin, query);
      expect([query, response.status, response.body.code]).toEqual([query, 400, 'validation_failed']);
    }
    const audit = await listAudit(admin, { action: 'device.exploded' });
    expect([audit.status, audit.body.code]).toEqual([400, 'validation_failed']);
  });

  it('ADMIN-2 an admin disables any device of the workspace; ADMIN-3 it is in the audit log with actor, target, IP and user agent', async () => {
    const admin = await trustedAdmin(system);
    const alice = await colleague(admin);
    await alice.becomeTrusted('Alice laptop');
    const disabled = await admin.call('post', `/v1/workspace/devices/${alice.deviceId}/disable`);
    expect(disabled.status).toBe(200);
    expect(disabled.body.device).toMatchObject({ id: alice.deviceId, status: 'disabled', disabledAt: expect.any(String) });
    expect((await alice.session()).body).toMatchObject({ trusted: false });

    const audit = await listAudit(admin, { action: 'device.disabled' });
    expect(audit.status).toBe(200);
    expect(audit.body.events).toEqual([
      {
        id: expect.any(String),
        at: expect.any(String),
        action: 'device.disabled',
        actor: { userId: admin.user.sub, deviceId: admin.deviceId },
        target: { userId: alice.user.sub, deviceId: alice.deviceId },
        ip: '127.0.0.1',
        userAgent: USER_AGENTS.web,
      },
    ]);
    expect(Date.now() - Date.parse(audit.body.events[0].at)).toBeLessThan(60_000);
  });

  it('ADMIN-3 the audit log is newest first, filtered by user, device and action, and paged', async () => {
    const admin = await trustedAdmin(system);
    const alice = await colleague(admin);
    await alice.becomeTrusted();
    const aliceActions = (await listAudit(admin, { userId: alice.user.sub })).body.events.map((e: { action: string }) => e.action);
    // The setup and its first code are one transaction: same time, either order.
    expect([aliceActions[0], aliceActions.slice(1).sort()]).toEqual(['device.verified', ['device.code_sent', 'device.setup']]);
    const byDevice = (await listAudit(admin, { deviceId: admin.deviceId })).body.events;
    expect(byDevice.map((e: { action: string }) => e.action).sort()).toEqual(['device.code_sent', 'device.setup', 'device.verified']);
    expect(byDevice.every((e: { target: { deviceId: string } }) => e.target.deviceId === admin.deviceId)).toBe(true);

    const everything = (await listAudit(admin)).body.events.map((e: { id: string }) => e.id);
    expect(everything).toHaveLength(6);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { events: Array<{ id: string }>; nextCursor: string | null } } = await listAudit(
        admin,
        cursor ? { limit: 4, cursor } : { limit: 4 },
      );
      seen.push(...page.body.events.map((e) => e.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(everything);
  });

  it('ADMIN-4 a member gets 403 admin_required from every admin endpoint', async () => {
    const admin = await trustedAdmin(system);
    const member = await colleague(admin, 'web', { role: 'member' });
    await member.becomeTrusted();
    const calls = [
      () => listWorkspaceDevices(member),
      () => member.call('post', `/v1/workspace/devices/${admin.deviceId}/disable`),
      () => deprovision(member, admin.user.sub),
      () => listAudit(member),
      () => member.call('post', '/v1/workspace/scim-tokens'),
    ];
    for (const call of calls) {
      const response = await call();
      expect([response.status, response.body.code]).toEqual([403, 'admin_required']);
    }
    expect((await admin.session()).body.trusted).toBe(true);
  });

  it('ADMIN-4 an admin needs a trusted web session', async () => {
    const admin = await trustedAdmin(system);
    const untrusted = await admin.anotherApp('web');
    const response = await listWorkspaceDevices(untrusted);
    expect([response.status, response.body.code]).toEqual([403, 'trusted_session_required']);
    const noProof = await admin.call('get', '/v1/workspace/devices', { proof: false });
    expect([noProof.status, noProof.body.code]).toEqual([401, 'device_proof_required']);
  });

  it('ADMIN-4 an admin of another workspace can neither see nor change anything of this one (404)', async () => {
    const { admin, alice } = await workspace();
    const job = await deprovision(admin, alice.user.sub);
    const token = await admin.call('post', '/v1/workspace/scim-tokens');
    const outsider = await trustedAdmin(system);

    const seen = await listWorkspaceDevices(outsider, { userId: alice.user.sub });
    expect([seen.status, seen.body.devices]).toEqual([200, []]);
    expect((await listWorkspaceDevices(outsider, { q: 'alice' })).body.devices).toEqual([]);
    expect((await listAudit(outsider, { userId: alice.user.sub })).body.events).toEqual([]);
    expect((await listAudit(outsider, { deviceId: admin.deviceId })).body.events).toEqual([]);
    const attempts = [
      outsider.call('post', `/v1/workspace/devices/${admin.deviceId}/disable`),
      deprovision(outsider, admin.user.sub),
      outsider.call('get', `/v1/workspace/jobs/${job.body.jobId}`),
      outsider.call('delete', `/v1/workspace/scim-tokens/${token.body.id}`),
    ];
    for (const response of await Promise.all(attempts)) expect([response.status, response.body.code]).toEqual([404, 'not_found']);
    expect((await admin.session()).body).toMatchObject({ trusted: true });
    expect((await admin.call('get', `/v1/workspace/jobs/${job.body.jobId}`)).status).toBe(200);
  });
});

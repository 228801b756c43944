import { DomainError } from '@td/common';
import { Command, type JobView, type TokenClaims } from '@td/contracts';
import { waitUntil } from '@td/testing';
import { insertDevice, insertDevices, insertUser } from '../../test/support/device-rows';
import { DeviceCommandsHarness, rejection } from '../../test/support/device-commands.harness';
import { Device } from '../devices/device.entity';
import { AuditLog } from '../audit/audit.log';
import { loadDeviceServiceConfig } from '../config';
import { Transactions } from '../database/transactions';
import { DevicesRepository } from '../devices/devices.repository';
import { OutboxRepository } from '../outbox/outbox.repository';
import { UsersRepository } from '../users/users.repository';
import { cascadeJobId, DeprovisionQueue } from './deprovision.queue';
import { CASCADE_STATUSES, DeprovisionService } from './deprovision.service';

const ENABLED = ['pending_verification', 'pending_approval', 'approved'];

describe('device-service: deprovisioning (DEPROV-1, DEPROV-2)', () => {
  let h: DeviceCommandsHarness;

  beforeAll(async () => {
    h = await DeviceCommandsHarness.start({
      DEPROVISION_BATCH_SIZE: '2',
      DEPROVISION_BATCH_PAUSE_MS: '40',
      DEPROVISION_HEAL_INTERVAL_MS: '1000',
    });
  });
  afterAll(() => h.stop());

  const admin = () => h.admin({}, { ip: '198.51.100.20', userAgent: 'Admin/1' });

  const statuses = async (userId: string): Promise<string[]> =>
    (await h.db.getRepository(Device).find({ where: { userId }, order: { id: 'ASC' } })).map((d) => d.status);
  const enabledCount = async (userId: string): Promise<number> => (await statuses(userId)).filter((s) => ENABLED.includes(s)).length;

  it('DEPROV-1 marks the user at once, answers a job id, and the job disables every device (pending ones too) with visible progress', async () => {
    const boss = await admin();
    const target: TokenClaims = h.user({ wid: boss.claims.wid, role: 'member' });
    const targetWeb = await h.approvedDevice(target, 'web');
    const user = await h.userRow(target);
    await insertDevices(h.db, user, 4, { status: 'approved', clientType: 'mobile' });
    await insertDevices(h.db, user, 2, { status: 'pending_verification' });
    await insertDevice(h.db, user, { status: 'pending_approval' });
    const denied = await insertDevice(h.db, user, { status: 'denied' });
    const disabledBefore = await insertDevice(h.db, user, { status: 'disabled', disabledAt: new Date(Date.now() - 60_000) });

    const { jobId } = await h.send(Command.workspaceDeprovisionUser, { caller: boss.caller, userId: target.sub });
    expect(jobId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    // AUTH-3 at once: the user's very next command is refused, whatever the job has done so far.
    expect((await rejection(h.send(Command.deviceList, { caller: h.caller(target, targetWeb.key) }))).code).toBe('user_deprovisioned');

    const seen: JobView[] = [];
    const done = await waitUntil(
      async () => {
        const job = await h.send(Command.workspaceGetJob, { caller: boss.caller, jobId });
        seen.push(job);
        return job.state === 'completed' ? job : null;
      },
      15000,
      15,
    );
    expect(done).toEqual({ id: jobId, state: 'completed', progress: { disabled: 8, total: 8 } });
    // Batches of 2: the admin saw it part-way.
    expect(seen.some((job) => job.progress.disabled > 0 && job.progress.disabled < job.progress.total)).toBe(true);

    const rows = await h.db.getRepository(Device).findBy({ userId: user.id });
    expect(rows.filter((d) => ENABLED.includes(d.status))).toEqual([]);
    expect(rows.find((d) => d.id === denied.id)!.status).toBe('denied');
    expect(rows.find((d) => d.id === disabledBefore.id)!.disabledAt!.getTime()).toBeLessThan(Date.now() - 30_000);
    // Each says it was deprovisioning (issue 13 item 7); the one disabled before keeps its own story.
    expect(
      new Set(rows.filter((d) => d.status === 'disabled' && d.id !== disabledBefore.id).map((d) => JSON.stringify(d.disabledBy))),
    ).toEqual(new Set(['{"kind":"deprovisioning"}']));
    expect(rows.find((d) => d.id === disabledBefore.id)!.disabledBy).toBeNull();

    const audit = await h.db.query(
      `SELECT action, actor_user_id, actor_device_id, ip, user_agent, count(*)::int AS n FROM audit_events WHERE target_user_id = $1 GROUP BY 1, 2, 3, 4, 5 ORDER BY 1`,
      [user.id],
    );
    expect(audit).toEqual([
      {
        action: 'device.disabled',
        actor_user_id: boss.user.id,
        actor_device_id: boss.device.id,
        ip: '198.51.100.20',
        user_agent: 'Admin/1',
        n: 8,
      },
      {
        action: 'user.deprovisioned',
        actor_user_id: boss.user.id,
        actor_device_id: boss.device.id,
        ip: '198.51.100.20',
        user_agent: 'Admin/1',
        n: 1,
      },
    ]);
    // One event for the devices one transaction disabled (issue 12; DEPROVISION_BATCH_SIZE 2 here), naming each once.
    const disabledEvents: Array<{ devices: string[] }> = await h.db.query(
      `SELECT ARRAY(SELECT jsonb_array_elements(u->'devices')->>'id') AS devices
         FROM outbox, jsonb_array_elements(payload->'users') AS u
        WHERE subject = 'events.device.deprovisioned' AND u->>'userId' = $1`,
      [user.id],
    );
    expect(disabledEvents.map(({ devices }) => devices.length)).toEqual([2, 2, 2, 2]);
    expect(new Set(disabledEvents.flatMap(({ devices }) => devices)).size).toBe(8);
    const [{ n: userEvents }] = await h.db.query(
      `SELECT count(*)::int AS n FROM outbox WHERE subject = 'events.user.deprovisioned' AND payload->>'userId' = $1`,
      [user.id],
    );
    expect(userEvents).toBe(1);

    // A second request: same job, nothing new.
    expect(await h.send(Command.workspaceDeprovisionUser, { caller: boss.caller, userId: target.sub })).toEqual({ jobId });
    const [{ n: auditRows }] = await h.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE target_user_id = $1`, [user.id]);
    expect(auditRows).toBe(9);
  });

  it('DEPROV-3 users whose cascades share transactions each finish with their own progress, every device disabled, audited and announced once', async () => {
    const boss = await admin();
    // Batches of 2 devices over users of 0, 1, 3 and 5 devices: batches end inside a user and between users.
    const counts = [0, 1, 3, 5, 2, 1];
    const users = [];
    for (const count of counts) {
      const user = await insertUser(h.db, { workspaceId: boss.claims.wid });
      if (count > 0) await insertDevices(h.db, user, count, { status: 'approved' });
      if (count > 2) await insertDevice(h.db, user, { status: 'pending_verification' });
      users.push({ user, enabled: count + (count > 2 ? 1 : 0) });
    }
    const reply = await h.send(Command.workspaceDeprovisionUsers, { caller: boss.caller, userIds: users.map(({ user }) => user.subject) });
    expect(reply.jobs).toHaveLength(users.length);

    for (const { user, enabled } of users) {
      const job = await waitUntil(
        async () => {
          const view = await h.send(Command.workspaceGetJob, { caller: boss.caller, jobId: cascadeJobId(user.id) });
          return view.state === 'completed' ? view : null;
        },
        20000,
        25,
      );
      expect(job.progress).toEqual({ disabled: enabled, total: enabled });
      expect(await enabledCount(user.id)).toBe(0);
    }
    const ids = users.map(({ user }) => user.id);
    const perDevice: Array<{ audits: number; events: number }> = await h.db.query(
      `SELECT (SELECT count(*)::int FROM audit_events a WHERE a.target_device_id = d.id AND a.action = 'device.disabled') AS audits,
              (SELECT count(*)::int FROM outbox o, jsonb_path_query(o.payload, '$.users[*].devices[*].id') AS named
                WHERE o.subject = 'events.device.deprovisioned' AND named #>> '{}' = d.id::text) AS events
         FROM devices d WHERE d.user_id = ANY($1::uuid[])`,
      [ids],
    );
    expect(perDevice).toHaveLength(counts.reduce((sum, count) => sum + count + (count > 2 ? 1 : 0), 0));
    expect(perDevice.every((row) => row.audits === 1 && row.events === 1)).toBe(true);
  });

  it('DEPROV-1 a cascade batch moves the next devices in (user, id) order and names the first user it left a device of', async () => {
    const workspaceId = `ws-batch-${Date.now()}`;
    const [first, second] = (await Promise.all([insertUser(h.db, { workspaceId }), insertUser(h.db, { workspaceId })])).sort((a, b) =>
      a.id < b.id ? -1 : 1,
    );
    await insertDevices(h.db, first, 3);
    await insertDevice(h.db, first, { status: 'denied' });
    await insertDevices(h.db, second, 2, { status: 'pending_verification' });
    const devices = new DevicesRepository(h.db);
    const move = (limit: number) =>
      new Transactions(h.db).run((tx) => devices.moveNextBatchOfUsers(tx, [second.id, first.id], CASCADE_STATUSES, 'disabled', limit));

    // Exactly the first user's devices: the batch knows the second user still has some, with no extra look.
    const one = await move(3);
    expect(one.moved.map(({ device }) => device.userId)).toEqual([first.id, first.id, first.id]);
    expect(one.moved.every(({ device, previousStatus }) => device.status === 'disabled' && previousStatus === 'approved')).toBe(true);
    expect(one.nextUserId).toBe(second.id);
    // The rest, and nothing is left behind; a denied device is not the cascade's.
    const two = await move(3);
    expect(two.moved.map(({ device, previousStatus }) => [device.userId, previousStatus])).toEqual([
      [second.id, 'pending_verification'],
      [second.id, 'pending_verification'],
    ]);
    expect(two.nextUserId).toBeNull();
    expect(await move(3)).toEqual({ moved: [], nextUserId: null });
    expect(await statuses(first.id)).toEqual(expect.arrayContaining(['denied', 'disabled', 'disabled', 'disabled']));
  });

  it('DEPROV-1 a second request while the cascade runs gets the same job id and starts no second cascade', async () => {
    const boss = await admin();
    const user = await insertUser(h.db, { workspaceId: boss.claims.wid });
    await insertDevices(h.db, user, 10);
    const replies = await Promise.all(
      Array.from({ length: 5 }, () => h.send(Command.workspaceDeprovisionUser, { caller: boss.caller, userId: user.subject })),
    );
    expect(new Set(replies.map((r) => r.jobId))).toEqual(new Set([cascadeJobId(user.id)]));
    await waitUntil(async () => (await enabledCount(user.id)) === 0, 15000);
    const jobs = await h.deprovisionJobs([user.id]);
    expect(jobs).toHaveLength(1);
    const [{ n }] = await h.db.query(
      `SELECT count(*)::int AS n FROM audit_events WHERE target_user_id = $1 AND action = 'user.deprovisioned'`,
      [user.id],
    );
    expect(n).toBe(1);
  });

  it('DEPROV-1 with Redis down the user is still marked at once and the answer is service_unavailable; the cascade starts once a worker can queue it', async () => {
    const boss = await admin();
    const user = await insertUser(h.db, { workspaceId: boss.claims.wid });
    await insertDevices(h.db, user, 3);
    const deadRedis = new DeprovisionQueue(loadDeviceServiceConfig({ ...h.testEnv.env, REDIS_URL: 'redis://127.0.0.1:1' }));
    try {
      const service = new DeprovisionService(
        new Transactions(h.db),
        new UsersRepository(h.db),
        new DevicesRepository(h.db),
        deadRedis,
        new AuditLog(h.db),
        new OutboxRepository(),
      );
      const started = Date.now();
      const outcome = await service
        .deprovision(boss.claims.wid, user.subject, { userId: boss.user.id, deviceId: boss.device.id, ip: null, userAgent: null })
        .catch((error: DomainError) => error);
      expect(outcome).toBeInstanceOf(DomainError);
      expect((outcome as DomainError).code).toBe('service_unavailable');
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await deadRedis.onModuleDestroy();
    }
    const [{ deprovisioned_at }] = await h.db.query(`SELECT deprovisioned_at FROM users WHERE id = $1`, [user.id]);
    expect(deprovisioned_at).not.toBeNull();
    // The running service's self-healing sweep (every second here) queues it with its healthy Redis.
    await waitUntil(async () => (await enabledCount(user.id)) === 0, 15000);
  });

  it('DEPROV-2 a deprovisioned user whose cascade never started (Redis was down) is healed by the periodic sweep', async () => {
    const user = await insertUser(h.db, { deprovisionedAt: new Date() });
    await insertDevices(h.db, user, 3, { status: 'approved' });
    await insertDevice(h.db, user, { status: 'pending_approval' });
    await waitUntil(async () => (await enabledCount(user.id)) === 0, 15000);
    const [{ n }] = await h.db.query(
      `SELECT count(*)::int AS n FROM audit_events WHERE target_user_id = $1 AND action = 'device.disabled'`,
      [user.id],
    );
    expect(n).toBe(4);
  });

  it('DEPROV-2 a finished cascade runs again when a device of the user is found enabled afterwards', async () => {
    const boss = await admin();
    const user = await insertUser(h.db, { workspaceId: boss.claims.wid });
    await insertDevices(h.db, user, 2);
    const { jobId } = await h.send(Command.workspaceDeprovisionUser, { caller: boss.caller, userId: user.subject });
    await waitUntil(async () => (await h.send(Command.workspaceGetJob, { caller: boss.caller, jobId })).state === 'completed', 15000);
    // A row enabled behind the cascade's back (say, restored from a backup).
    const straggler = await insertDevice(h.db, user, { status: 'approved' });
    await waitUntil(async () => (await h.deviceRow(straggler.id)).status === 'disabled', 15000);
    const job = await waitUntil(async () => {
      const view = await h.send(Command.workspaceGetJob, { caller: boss.caller, jobId });
      return view.state === 'completed' ? view : null;
    });
    expect(job.progress).toEqual({ disabled: 3, total: 3 });
    expect(await h.auditActions(straggler.id)).toEqual(['device.disabled']);
  });

  it('DEPROV-2 a device setup racing the deprovisioning ends disabled, never approved', async () => {
    const boss = await admin();
    const target = async () => {
      const claims = h.user({ wid: boss.claims.wid });
      return { claims, approver: await h.approvedDevice(claims, 'web') };
    };
    const userId = async (claims: TokenClaims): Promise<string> =>
      (await h.db.query(`SELECT id FROM users WHERE workspace_id = $1 AND subject = $2`, [claims.wid, claims.sub]))[0].id;

    // Each order for certain: a setup that got in first is disabled by the cascade, its approval racing the deprovisioning ...
    const setupFirst = await target();
    const early = await h.setup(setupFirst.claims, 'mobile');
    await Promise.all([
      h
        .send(Command.deviceApprove, { caller: h.caller(setupFirst.claims, setupFirst.approver.key), deviceId: early.device.id })
        .catch(() => null),
      h.send(Command.workspaceDeprovisionUser, { caller: boss.caller, userId: setupFirst.claims.sub }),
    ]);
    // ... and a setup after it is refused.
    const deprovisionedFirst = await target();
    await h.send(Command.workspaceDeprovisionUser, { caller: boss.caller, userId: deprovisionedFirst.claims.sub });
    expect((await rejection(h.setup(deprovisionedFirst.claims, 'mobile'))).code).toBe('user_deprovisioned');

    // Then interleaved as clients would, in whichever order they land.
    const racing = await Promise.all(Array.from({ length: 6 }, target));
    await Promise.all(
      racing.map(async ({ claims, approver }, i) => {
        const setupThenApprove = (async () => {
          const setup = await h.setup(claims, i % 2 ? 'web' : 'mobile').catch(() => null);
          if (!setup) return;
          await h.send(Command.deviceApprove, { caller: h.caller(claims, approver.key), deviceId: setup.device.id }).catch(() => null);
        })();
        await Promise.all([setupThenApprove, h.send(Command.workspaceDeprovisionUser, { caller: boss.caller, userId: claims.sub })]);
      }),
    );
    for (const { claims } of [setupFirst, deprovisionedFirst, ...racing]) {
      const id = await userId(claims);
      await waitUntil(async () => (await enabledCount(id)) === 0, 15000);
      expect(await statuses(id)).not.toContain('approved');
    }
    expect(await statuses(await userId(setupFirst.claims))).toEqual(['disabled', 'disabled']);
    expect(await statuses(await userId(deprovisionedFirst.claims))).toEqual(['disabled']);
  });
});

describe('device-service: SCIM (DEPROV-1)', () => {
  let h: DeviceCommandsHarness;

  beforeAll(async () => {
    h = await DeviceCommandsHarness.start();
  });
  afterAll(() => h.stop());

  const admin = () => h.admin({ role: 'owner' });

  it('DEPROV-1 an admin creates a SCIM token shown once (stored hashed) and revokes it', async () => {
    const boss = await admin();
    const { id, token } = await h.send(Command.workspaceCreateScimToken, { caller: boss.caller });
    expect(token.length).toBeGreaterThan(40);
    const [stored] = await h.db.query(`SELECT * FROM scim_tokens WHERE id = $1`, [id]);
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(stored.token_hash).toMatch(/^[0-9a-f]{64}$/);

    expect(await h.send(Command.scimAuthenticate, { token })).toEqual({ workspaceId: boss.claims.wid, tokenId: id });
    expect((await rejection(h.send(Command.scimAuthenticate, { token: `${token}x` }))).code).toBe('unauthenticated');

    const other = await admin();
    expect((await rejection(h.send(Command.workspaceRevokeScimToken, { caller: other.caller, tokenId: id }))).code).toBe('not_found');
    expect(await h.send(Command.workspaceRevokeScimToken, { caller: boss.caller, tokenId: id })).toEqual({ ok: true });
    expect((await rejection(h.send(Command.scimAuthenticate, { token }))).code).toBe('unauthenticated');
  });

  it('DEPROV-1 SCIM looks users up within its workspace and deactivating one runs the same cascade', async () => {
    const boss = await admin();
    const target = h.user({ wid: boss.claims.wid, email: 'Carol.Jones@Example.test' });
    const targetUser = await h.userRow(target);
    await insertDevices(h.db, targetUser, 3);
    await insertDevice(h.db, targetUser, { status: 'pending_verification' });
    const { token } = await h.send(Command.workspaceCreateScimToken, { caller: boss.caller });
    const { workspaceId } = await h.send(Command.scimAuthenticate, { token });

    const record = { id: target.sub, userName: 'Carol.Jones@Example.test', displayName: target.username, active: true };
    expect(await h.send(Command.scimGetUser, { workspaceId, userId: target.sub })).toEqual({ user: record });
    expect(await h.send(Command.scimFindUsers, { workspaceId, userName: 'carol.jones@example.TEST' })).toEqual({ users: [record] });
    expect(await h.send(Command.scimFindUsers, { workspaceId, userName: 'nobody@example.test' })).toEqual({ users: [] });
    // Another workspace's user is not found through this token's workspace.
    const stranger = h.user();
    await h.userRow(stranger);
    expect((await rejection(h.send(Command.scimGetUser, { workspaceId, userId: stranger.sub }))).code).toBe('not_found');
    expect((await rejection(h.send(Command.scimDeactivateUser, { workspaceId, userId: stranger.sub }))).code).toBe('not_found');
    expect(await h.send(Command.scimFindUsers, { workspaceId, userName: stranger.email })).toEqual({ users: [] });

    const deactivated = await h.send(Command.scimDeactivateUser, { workspaceId, userId: target.sub });
    expect(deactivated).toEqual({ user: { ...record, active: false }, jobId: cascadeJobId(targetUser.id) });
    expect((await rejection(h.send(Command.deviceGetSession, { caller: h.caller(target, null) }))).code).toBe('user_deprovisioned');
    await waitUntil(async () => {
      const job = await h.send(Command.workspaceGetJob, { caller: boss.caller, jobId: deactivated.jobId });
      return job.state === 'completed' && job.progress.disabled === 4;
    }, 15000);
    const rows = await h.db.getRepository(Device).findBy({ userId: targetUser.id });
    expect(rows.map((d) => d.status)).toEqual(['disabled', 'disabled', 'disabled', 'disabled']);
    const [audit] = await h.db.query(
      `SELECT actor_user_id, actor_device_id FROM audit_events WHERE target_user_id = $1 AND action = 'user.deprovisioned'`,
      [targetUser.id],
    );
    expect(audit).toEqual({ actor_user_id: null, actor_device_id: null });

    // DELETE after PATCH: idempotent, same job.
    expect(await h.send(Command.scimDeactivateUser, { workspaceId, userId: target.sub })).toEqual(deactivated);
  });
});

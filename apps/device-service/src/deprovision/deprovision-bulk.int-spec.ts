import { randomUUID } from 'node:crypto';
import { Command } from '@td/contracts';
import { waitUntil } from '@td/testing';
import { DeviceCommandsHarness, rejection } from '../../test/support/device-commands.harness';
import { insertDevice, insertDevices, insertUser } from '../../test/support/device-rows';
import type { User } from '../users/user.entity';
import { DeprovisionHealer } from './deprovision.healer';
import { cascadeJobId } from './deprovision.queue';

const ENABLED = ['pending_verification', 'pending_approval', 'approved'];
/** How many users the "many at once" test offboards (the bench does 10,000 × 20). */
const MANY_USERS = Number(process.env.TEST_BULK_DEPROVISION_USERS ?? 300);

/** DEPROV-3: many users deprovisioned in one request, by an admin or over SCIM Bulk. */
describe('device-service: bulk deprovisioning (DEPROV-3)', () => {
  let h: DeviceCommandsHarness;

  beforeAll(async () => {
    h = await DeviceCommandsHarness.start();
  });
  afterAll(() => h.stop());

  const admin = () => h.admin({}, { ip: '198.51.100.30', userAgent: 'Admin/2' });

  const enabledCount = async (userIds: string[]): Promise<number> => {
    const [{ n }] = await h.db.query(`SELECT count(*)::int AS n FROM devices WHERE user_id = ANY($1::uuid[]) AND status = ANY($2)`, [
      userIds,
      ENABLED,
    ]);
    return n;
  };
  const auditCount = async (userIds: string[], action: string): Promise<number> => {
    const [{ n }] = await h.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE target_user_id = ANY($1::uuid[]) AND action = $2`, [
      userIds,
      action,
    ]);
    return n;
  };
  const jobsOf = (userIds: string[]) => h.deprovisionJobs(userIds);

  it('DEPROV-3 an admin deprovisions several users in one request: each gets its one job, unknown and foreign users are reported on their own', async () => {
    const boss = await admin();
    const targets: User[] = [];
    for (let i = 0; i < 3; i += 1) {
      const user = await insertUser(h.db, { workspaceId: boss.claims.wid });
      await insertDevices(h.db, user, 3);
      await insertDevice(h.db, user, { status: 'pending_verification' });
      targets.push(user);
    }
    const foreign = await insertUser(h.db);
    await insertDevices(h.db, foreign, 2);

    const userIds = [targets[0].subject, 'nobody-here', targets[1].subject, foreign.subject, targets[0].subject, targets[2].subject];
    const reply = await h.send(Command.workspaceDeprovisionUsers, { caller: boss.caller, userIds });
    expect(reply).toEqual({
      jobs: targets.map((user) => ({ userId: user.subject, jobId: cascadeJobId(user.id) })),
      failures: [
        { userId: 'nobody-here', code: 'not_found', detail: expect.any(String) },
        { userId: foreign.subject, code: 'not_found', detail: expect.any(String) },
      ],
    });
    // AUTH-3 at once for every one of them.
    const [{ n: marked }] = await h.db.query(
      `SELECT count(*)::int AS n FROM users WHERE id = ANY($1::uuid[]) AND deprovisioned_at IS NOT NULL`,
      [targets.map((u) => u.id)],
    );
    expect(marked).toBe(3);

    const ids = targets.map((user) => user.id);
    await waitUntil(async () => (await enabledCount(ids)) === 0, 15000);
    await waitUntil(async () => (await jobsOf(ids)).every((job) => job.finishedOn), 15000);
    expect(await auditCount(ids, 'device.disabled')).toBe(12);
    const [actors] = await h.db.query(
      `SELECT count(DISTINCT (actor_user_id, actor_device_id, ip, user_agent))::int AS n, min(actor_user_id::text) AS "user" FROM audit_events WHERE target_user_id = ANY($1::uuid[]) AND action = 'user.deprovisioned'`,
      [ids],
    );
    expect(actors).toEqual({ n: 1, user: boss.user.id });
    expect(await auditCount(ids, 'user.deprovisioned')).toBe(3);
    const [{ n: events }] = await h.db.query(
      `SELECT count(*)::int AS n FROM outbox WHERE subject = 'events.user.deprovisioned' AND payload->>'userId' = ANY($1)`,
      [ids],
    );
    expect(events).toBe(3);
    // Workspace isolation: the other workspace's user is untouched.
    expect(await enabledCount([foreign.id])).toBe(2);
    const [{ deprovisioned_at }] = await h.db.query(`SELECT deprovisioned_at FROM users WHERE id = $1`, [foreign.id]);
    expect(deprovisioned_at).toBeNull();
  });

  it('DEPROV-3 a repeated bulk request (and one after a single deprovisioning) answers the same job ids and starts nothing twice', async () => {
    const boss = await admin();
    const users = await Promise.all(Array.from({ length: 4 }, () => insertUser(h.db, { workspaceId: boss.claims.wid })));
    for (const user of users) await insertDevices(h.db, user, 2);
    const single = await h.send(Command.workspaceDeprovisionUser, { caller: boss.caller, userId: users[0].subject });

    const userIds = users.map((user) => user.subject);
    const replies = await Promise.all([
      h.send(Command.workspaceDeprovisionUsers, { caller: boss.caller, userIds }),
      h.send(Command.workspaceDeprovisionUsers, { caller: boss.caller, userIds: [...userIds].reverse() }),
    ]);
    const expected = users.map((user) => ({ userId: user.subject, jobId: cascadeJobId(user.id) }));
    expect(replies[0]).toEqual({ jobs: expected, failures: [] });
    expect(replies[1]).toEqual({ jobs: [...expected].reverse(), failures: [] });
    expect(replies[0].jobs[0].jobId).toBe(single.jobId);

    const ids = users.map((user) => user.id);
    await waitUntil(async () => (await enabledCount(ids)) === 0, 15000);
    expect(await h.send(Command.workspaceDeprovisionUsers, { caller: boss.caller, userIds })).toEqual({ jobs: expected, failures: [] });
    expect(await jobsOf(ids)).toHaveLength(4);
    expect(await auditCount(ids, 'user.deprovisioned')).toBe(4);
    expect(await auditCount(ids, 'device.disabled')).toBe(8);
  });

  it('DEPROV-3 only a workspace admin may, and the list holds 1 to 1,000 user ids (over SCIM Bulk too)', async () => {
    const boss = await admin();
    const member = h.user({ wid: boss.claims.wid, role: 'member' });
    const { key } = await h.approvedDevice(member, 'web');
    const victim = await insertUser(h.db, { workspaceId: boss.claims.wid });
    expect(
      (await rejection(h.send(Command.workspaceDeprovisionUsers, { caller: h.caller(member, key), userIds: [victim.subject] }))).code,
    ).toBe('admin_required');
    expect((await rejection(h.send(Command.workspaceDeprovisionUsers, { caller: boss.caller, userIds: [] }))).code).toBe(
      'validation_failed',
    );
    const tooMany = Array.from({ length: 1001 }, (_, i) => `user-${i}`);
    expect((await rejection(h.send(Command.workspaceDeprovisionUsers, { caller: boss.caller, userIds: tooMany }))).code).toBe(
      'validation_failed',
    );
    expect((await rejection(h.send(Command.workspaceDeprovisionUsers, { caller: boss.caller, userIds: ['x'.repeat(256)] }))).code).toBe(
      'validation_failed',
    );
    for (const userIds of [[], tooMany, ['x'.repeat(256)]]) {
      expect((await rejection(h.send(Command.scimDeactivateUsers, { workspaceId: boss.claims.wid, userIds }))).code).toBe(
        'validation_failed',
      );
    }
    const [{ deprovisioned_at }] = await h.db.query(`SELECT deprovisioned_at FROM users WHERE id = $1`, [victim.id]);
    expect(deprovisioned_at).toBeNull();
  });

  it('DEPROV-3 SCIM deactivates the users its Bulk request names within the token workspace, each found or not on its own', async () => {
    const boss = await admin();
    const user = await insertUser(h.db, { workspaceId: boss.claims.wid, email: 'dana@example.test' });
    await insertDevices(h.db, user, 2);
    const stranger = await insertUser(h.db);
    await insertDevices(h.db, stranger, 1);

    const reply = await h.send(Command.scimDeactivateUsers, {
      workspaceId: boss.claims.wid,
      userIds: [stranger.subject, user.subject, user.subject],
    });
    expect(reply.results).toEqual(
      expect.arrayContaining([
        {
          userId: user.subject,
          user: { id: user.subject, userName: 'dana@example.test', displayName: user.username, active: false },
          jobId: cascadeJobId(user.id),
        },
        { userId: stranger.subject, error: { userId: stranger.subject, code: 'not_found', detail: expect.any(String) } },
      ]),
    );
    expect(reply.results).toHaveLength(2);
    await waitUntil(async () => (await enabledCount([user.id])) === 0, 15000);
    expect(await enabledCount([stranger.id])).toBe(1);
    const [{ actor }] = await h.db.query(
      `SELECT actor_user_id AS actor FROM audit_events WHERE target_user_id = $1 AND action = 'user.deprovisioned'`,
      [user.id],
    );
    expect(actor).toBeNull();
  });

  it('DEPROV-2 one self-healing sweep starts the cascades of all deprovisioned users left without one, more than a page of them', async () => {
    const workspaceId = `heal-${randomUUID().slice(0, 8)}`;
    // Marked as a bulk request whose jobs could not be queued (Redis down) leaves them: 600 users, over a page of 500.
    const ids: string[] = (
      await h.db.query(
        `INSERT INTO users (workspace_id, subject, email, username, role, deprovisioned_at)
         SELECT $1, 'orphan-' || g, 'orphan-' || g || '@example.test', 'orphan' || g, 'member', now() FROM generate_series(1, 600) g RETURNING id`,
        [workspaceId],
      )
    ).map((row: { id: string }) => row.id);
    await h.db.query(
      `INSERT INTO devices (id, user_id, workspace_id, name, client_type, os, browser, key_thumbprint, public_jwk, fingerprint, status, created_at, approved_at, approved_via)
       SELECT gen_random_uuid(), id, $1, 'orphan', 'web', 'macOS', 'Chrome', md5(id::text), '{}'::jsonb, 'maple orbit crane velvet tundra', 'approved', now(), now(), 'email_code'
         FROM unnest($2::uuid[]) AS t(id)`,
      [workspaceId, ids],
    );
    const healer = h.deviceService.get(DeprovisionHealer, { strict: false });
    expect(await healer.heal()).toBeGreaterThanOrEqual(600);
    const jobs = await h.deprovisionJobs(ids);
    expect(new Set(jobs.map((job) => job.id))).toEqual(new Set(ids.map((id) => cascadeJobId(id))));
    await waitUntil(async () => (await enabledCount(ids)) === 0, 120_000, 250);
  }, 180_000);

  it('DEPROV-2 the self-healing sweep marks finished cascades done and reads only the others: its cost does not grow with every offboarding (issue 12)', async () => {
    const workspaceId = `done-${randomUUID().slice(0, 8)}`;
    // 200 people offboarded earlier, nothing left to disable, and one whose cascade never started (Redis was down).
    const offboarded = async (count: number, status: string): Promise<string[]> => {
      const ids: string[] = (
        await h.db.query(
          `INSERT INTO users (workspace_id, subject, email, username, role, deprovisioned_at)
           SELECT $1, $3 || g, $3 || g || '@example.test', $3 || g, 'member', now() FROM generate_series(1, $2::int) g RETURNING id`,
          [workspaceId, count, `${status}-`],
        )
      ).map((row: { id: string }) => row.id);
      await h.db.query(
        `INSERT INTO devices (id, user_id, workspace_id, name, client_type, os, browser, key_thumbprint, public_jwk, fingerprint, status, created_at, approved_at, approved_via)
         SELECT gen_random_uuid(), id, $1, 'laptop', 'web', 'macOS', 'Chrome', md5(id::text), '{}'::jsonb, 'maple orbit crane velvet tundra', $3, now(), now(), 'email_code'
           FROM unnest($2::uuid[]) AS t(id)`,
        [workspaceId, ids, status],
      );
      return ids;
    };
    const finished = await offboarded(200, 'disabled');
    const [unfinished] = await offboarded(1, 'approved');
    const notDone = async (): Promise<string[]> =>
      (
        await h.db.query(`SELECT id FROM users WHERE workspace_id = $1 AND deprovisioned_at IS NOT NULL AND cascade_done_at IS NULL`, [
          workspaceId,
        ])
      ).map((row: { id: string }) => row.id);
    expect(await notDone()).toHaveLength(201);

    const healer = h.deviceService.get(DeprovisionHealer, { strict: false });
    await healer.heal();
    // Only the unfinished cascade is left for the sweeps to read; it was (re)started.
    expect(await notDone()).toEqual([unfinished]);
    expect((await h.deprovisionJobs([unfinished])).map((job) => job.id)).toEqual([cascadeJobId(unfinished)]);
    expect(await h.deprovisionJobs(finished)).toEqual([]);
    // Once its cascade has disabled the device, the next sweep marks it done too.
    await waitUntil(async () => (await enabledCount([unfinished])) === 0, 60_000, 100);
    await healer.heal();
    expect(await notDone()).toEqual([]);
  }, 120_000);

  it(`DEPROV-3 many queued deprovisions all complete: ${MANY_USERS} users × 3 devices in requests of 100`, async () => {
    const boss = await admin();
    const users: User[] = [];
    for (let i = 0; i < MANY_USERS; i += 1)
      users.push(await insertUser(h.db, { workspaceId: boss.claims.wid, subject: `many-${i}-${randomUUID().slice(0, 8)}` }));
    await h.db.query(
      `INSERT INTO devices (id, user_id, workspace_id, name, client_type, os, browser, key_thumbprint, public_jwk, fingerprint, status, created_at, approved_at, approved_via)
       SELECT gen_random_uuid(), u.id, u.workspace_id, 'many ' || n, 'web', 'macOS', 'Chrome', md5(u.id::text || n), '{}'::jsonb, 'maple orbit crane velvet tundra', 'approved', now(), now(), 'email_code'
         FROM unnest($1::uuid[]) AS t(id) JOIN users u ON u.id = t.id CROSS JOIN generate_series(1, 3) AS n`,
      [users.map((user) => user.id)],
    );
    const replies = [];
    for (let start = 0; start < users.length; start += 100) {
      replies.push(
        await h.send(Command.workspaceDeprovisionUsers, {
          caller: boss.caller,
          userIds: users.slice(start, start + 100).map((user) => user.subject),
        }),
      );
    }
    expect(replies.flatMap((reply) => reply.jobs)).toHaveLength(MANY_USERS);
    expect(replies.flatMap((reply) => reply.failures)).toEqual([]);

    const ids = users.map((user) => user.id);
    await waitUntil(async () => (await enabledCount(ids)) === 0, 120_000, 250);
    await waitUntil(
      async () => {
        const jobs = await jobsOf(ids);
        return jobs.length === MANY_USERS && jobs.every((job) => job.finishedOn && !job.failedReason);
      },
      60_000,
      250,
    );
    expect(await auditCount(ids, 'device.disabled')).toBe(MANY_USERS * 3);
    expect(await auditCount(ids, 'user.deprovisioned')).toBe(MANY_USERS);
  }, 240_000);
});

/**
 * The deprovisioning cascade (issue 12, DEPROV-3): N users × 20 approved devices, written
 * straight into Postgres; an admin deprovisions them all through `POST /v1/workspace/deprovisions`
 * (1,000 users a request); the clock runs from the first request until the last device is
 * disabled with its audit row. The floor does the same storage work for its own N × 20 rows
 * in one statement: every device disabled with an audit row each, and an outbox row for each person
 * (the cascade's `events.device.deprovisioned`: one per person and transaction).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { ProofKey } from '@td/contracts';
import { DeviceKey, mintToken, type TestUserClaims } from '@td/testing';
import { Client } from 'pg';
import { call, type Signer } from './http';

export const DEVICES_PER_USER = 20;
const INSERT_BATCH_USERS = 500;
const REQUEST_USERS = 1000;
const REQUEST_CONCURRENCY = 4;
/** People the wait for the last device looks at per query. */
const LOOK_AT_PEOPLE = 100;
const TIMEOUT_MS = 600_000;

export interface CascadeResult {
  users: number;
  devices: number;
  /** From the first request to the last device disabled with its audit row. */
  seconds: number;
  acceptedSeconds: number;
  devicesPerSecond: number;
  leftEnabled: number;
  failedRequests: number;
}

export interface CascadeWorkspace {
  workspaceId: string;
  subjects: string[];
  /** The people's user ids, sorted. */
  userIds: string[];
  admin: Signer;
}

/** Writes an admin with an approved web device and `users` × 20 approved devices into a fresh workspace. */
export async function seedCascade(db: Client, jwtSecret: string, users: number): Promise<CascadeWorkspace> {
  const workspaceId = `bench-${randomUUID().slice(0, 8)}`;
  const key = await DeviceKey.create();
  const claims: TestUserClaims = {
    sub: 'bench-admin',
    wid: workspaceId,
    email: 'admin@bench.test',
    preferred_username: 'admin',
    role: 'admin',
  };
  const { rows } = await db.query(
    `INSERT INTO users (workspace_id, subject, email, username, role) VALUES ($1, $2, $3, 'admin', 'admin') RETURNING id`,
    [workspaceId, claims.sub, claims.email],
  );
  await db.query(
    `INSERT INTO devices (id, user_id, workspace_id, name, client_type, os, browser, key_thumbprint, public_jwk, fingerprint, status, created_at, approved_at, approved_via)
     VALUES ($1, $2, $3, 'admin web', 'web', 'macOS', 'Chrome', $4, $5, 'bench', 'approved', now(), now(), 'email_code')`,
    [randomUUID(), rows[0].id, workspaceId, key.thumbprint, JSON.stringify(key.publicJwk as ProofKey['jwk'])],
  );
  const subjects: string[] = [];
  const userIds: string[] = [];
  const jwk = JSON.stringify({ kty: 'EC', crv: 'P-256', x: 'bench', y: 'bench' });
  for (let start = 0; start < users; start += INSERT_BATCH_USERS) {
    const count = Math.min(INSERT_BATCH_USERS, users - start);
    const ids = Array.from({ length: count }, () => randomUUID());
    const subs = ids.map((_, i) => `bench-user-${start + i}`);
    subjects.push(...subs);
    userIds.push(...ids);
    await db.query(
      `INSERT INTO users (id, workspace_id, subject, email, username, role)
       SELECT id, $1, sub, sub || '@bench.test', sub, 'member' FROM unnest($2::uuid[], $3::text[]) AS t(id, sub)`,
      [workspaceId, ids, subs],
    );
    const owners = ids.flatMap((id) => Array.from({ length: DEVICES_PER_USER }, () => id));
    await db.query(
      `INSERT INTO devices (id, user_id, workspace_id, name, client_type, os, browser, key_thumbprint, public_jwk, fingerprint, status, created_at, approved_at, approved_via)
       SELECT gen_random_uuid(), user_id, $1, 'bench device ' || (ordinality % ${DEVICES_PER_USER}), 'web', 'macOS', 'Chrome', jkt, $2::jsonb, 'bench', 'approved', now(), now(), 'email_code'
         FROM unnest($3::uuid[], $4::text[]) WITH ORDINALITY AS t(user_id, jkt, ordinality)`,
      [workspaceId, jwk, owners, owners.map(() => randomBytes(32).toString('base64url'))],
    );
  }
  await db.query('ANALYZE users; ANALYZE devices');
  return { workspaceId, subjects, userIds: userIds.sort(), admin: { token: await mintToken(jwtSecret, claims), key } };
}

/** The system: bulk requests of 1,000 users, then waits for the rows (not the jobs): devices disabled and audited. */
export async function runCascade(db: Client, baseUrl: string, workspace: CascadeWorkspace): Promise<CascadeResult> {
  const { workspaceId, subjects, admin } = workspace;
  const devices = subjects.length * DEVICES_PER_USER;
  const chunks: string[][] = [];
  for (let i = 0; i < subjects.length; i += REQUEST_USERS) chunks.push(subjects.slice(i, i + REQUEST_USERS));
  let failedRequests = 0;
  const started = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: REQUEST_CONCURRENCY }, async () => {
      while (next < chunks.length) {
        const userIds = chunks[next++];
        const response = await call(baseUrl, 'POST', '/v1/workspace/deprovisions', admin, { userIds }).catch(() => ({ status: 0 }));
        if (response.status !== 202) failedRequests++;
      }
    }),
  );
  const accepted = Date.now();
  let leftEnabled = devices;
  // Every 100 ms, cheaply: the first person (in id order) who still has a registered device, through
  // the partial index of registered devices, starting from the one found last time (everyone before
  // them is done for good: nothing enables a deprovisioned person's device again), 100 people a query:
  // with all 10,000 ids in one array the planner expected 200,000 rows and read them all each time.
  // Counting the workspace's rows every 100 ms instead was a parallel scan of the whole devices table,
  // larger than shared_buffers at 10,000 people, that took both cores from the cascade it measured (issue 12).
  let from = 0;
  let finished = 0;
  for (;;) {
    while (from < workspace.userIds.length) {
      const slice = workspace.userIds.slice(from, from + LOOK_AT_PEOPLE);
      const { rows } = await db.query(
        `SELECT user_id::text FROM devices
          WHERE user_id = ANY($1::uuid[]) AND status IN ('pending_verification', 'pending_approval', 'approved')
          ORDER BY user_id LIMIT 1`,
        [slice],
      );
      if (rows.length > 0) {
        from += slice.indexOf(rows[0].user_id);
        break;
      }
      from += slice.length;
      if (from >= workspace.userIds.length) finished = Date.now();
    }
    const timedOut = Date.now() - started > TIMEOUT_MS || failedRequests === chunks.length;
    if (from >= workspace.userIds.length || timedOut) {
      // The finish line itself, from the rows: no device left enabled, every one with its audit row (written
      // in the same transactions as the devices', so the time is when no registered device was left).
      const { rows } = await db.query(
        `SELECT (SELECT count(*)::int FROM devices WHERE workspace_id = $1 AND status <> 'disabled') - 1 AS enabled,
                (SELECT count(*)::int FROM audit_events WHERE workspace_id = $1 AND action = 'device.disabled') AS audited`,
        [workspaceId],
      );
      leftEnabled = rows[0].enabled;
      if (leftEnabled === 0 && rows[0].audited >= devices) break;
      finished = 0;
    }
    if (timedOut) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const seconds = ((finished || Date.now()) - started) / 1000;
  return {
    users: subjects.length,
    devices,
    seconds,
    acceptedSeconds: (accepted - started) / 1000,
    devicesPerSecond: devices / seconds,
    leftEnabled,
    failedRequests,
  };
}

/** The floor: the cascade's storage work for its own workspace in one statement. */
export async function runCascadeFloor(db: Client, workspace: CascadeWorkspace): Promise<CascadeResult> {
  const devices = workspace.subjects.length * DEVICES_PER_USER;
  const started = Date.now();
  await db.query(
    `WITH users_marked AS (
       UPDATE users SET deprovisioned_at = now() WHERE workspace_id = $1 AND role = 'member' RETURNING id),
     d AS (
       UPDATE devices SET status = 'disabled', disabled_at = now()
        WHERE user_id IN (SELECT id FROM users_marked) AND status IN ('pending_verification', 'pending_approval', 'approved')
       RETURNING id, user_id),
     a AS (INSERT INTO audit_events (id, workspace_id, at, action, target_user_id, target_device_id, dedupe_key)
           SELECT gen_random_uuid(), $1, now(), 'device.disabled', d.user_id, d.id, 'floor:' || d.id FROM d)
     INSERT INTO outbox (id, subject, payload, published_at)
       SELECT gen_random_uuid(), 'floor.device.deprovisioned', jsonb_build_object('userId', d.user_id, 'devices', jsonb_agg(d.id)), now()
         FROM d GROUP BY d.user_id`,
    [workspace.workspaceId],
  );
  const seconds = (Date.now() - started) / 1000;
  return {
    users: workspace.subjects.length,
    devices,
    seconds,
    acceptedSeconds: seconds,
    devicesPerSecond: devices / seconds,
    leftEnabled: 0,
    failedRequests: 0,
  };
}

/**
 * The deprovisioning cascade benchmark (issue 4): N users × 20 approved devices, written
 * straight into Postgres, then every user deprovisioned at once through the same
 * `workspace.deprovision-user` command the gateway sends for an admin; the clock runs
 * until the `deprovision` queue has completed every job.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { bullPrefix } from '@td/common';
import { Command, Queue as QueueName, type Caller, type ProofKey } from '@td/contracts';
import { connectBus, DeviceKey, type TestEnv } from '@td/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Client } from 'pg';

const USERS = Number(process.env.BENCH_CASCADE_USERS ?? 10_000);
const DEVICES_PER_USER = 20;
const INSERT_BATCH_USERS = 500;
const SEND_CONCURRENCY = Number(process.env.BENCH_CASCADE_CONCURRENCY ?? 64);
const TIMEOUT_MS = 600_000;

export async function runCascadeBench(testEnv: TestEnv): Promise<void> {
  if (USERS <= 0) return;
  const workspaceId = `bench-${randomUUID().slice(0, 8)}`;
  const db = new Client({ connectionString: testEnv.databaseUrl });
  await db.connect();
  const { bus, close } = await connectBus(testEnv, 30_000);
  const redis = new Redis(testEnv.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(QueueName.deprovision, { connection: redis, prefix: bullPrefix({ REDIS_PREFIX: testEnv.redisPrefix } as never) });
  try {
    const admin = await insertAdmin(db, workspaceId);
    const subjects = await insertUsersWithDevices(db, workspaceId);
    const before = await queue.getJobCounts('completed', 'failed');
    const started = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: SEND_CONCURRENCY }, async () => {
        while (next < subjects.length) await bus.request(Command.workspaceDeprovisionUser, { caller: admin, userId: subjects[next++] });
      }),
    );
    const accepted = Date.now();
    for (;;) {
      const counts = await queue.getJobCounts('completed', 'failed');
      const done = counts.completed - before.completed + (counts.failed - before.failed);
      if (done >= USERS) {
        if (counts.failed > before.failed) console.log(`  ${counts.failed - before.failed} cascade jobs failed`);
        break;
      }
      if (Date.now() - started > TIMEOUT_MS) throw new Error(`cascade: only ${done} of ${USERS} jobs done after ${TIMEOUT_MS / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const seconds = (Date.now() - started) / 1000;
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM devices WHERE workspace_id = $1 AND status <> 'disabled'`, [workspaceId]);
    const devices = USERS * DEVICES_PER_USER;
    console.log(
      `\ncascade: ${USERS} users × ${DEVICES_PER_USER} devices: ${seconds.toFixed(1)} s (${Math.round(devices / seconds)} devices/s); ` +
        `all ${USERS} requests accepted in ${((accepted - started) / 1000).toFixed(1)} s; ${rows[0].n - 1} devices left enabled`,
    );
  } finally {
    await queue.close();
    redis.disconnect();
    await close();
    await db.end();
  }
}

/** An admin with an approved web device whose key the caller's proof names (the gateway would have verified it). */
async function insertAdmin(db: Client, workspaceId: string): Promise<Caller> {
  const key = await DeviceKey.create();
  const sub = 'bench-admin';
  const { rows } = await db.query(`INSERT INTO users (workspace_id, subject, email, username, role) VALUES ($1, $2, $3, 'admin', 'admin') RETURNING id`, [
    workspaceId,
    sub,
    'admin@bench.test',
  ]);
  await db.query(
    `INSERT INTO devices (id, user_id, workspace_id, name, client_type, os, browser, key_thumbprint, public_jwk, fingerprint, status, created_at, approved_at, approved_via)
     VALUES ($1, $2, $3, 'admin web', 'web', 'macOS', 'Chrome', $4, $5, 'bench', 'approved', now(), now(), 'email_code')`,
    [randomUUID(), rows[0].id, workspaceId, key.thumbprint, JSON.stringify(key.publicJwk)],
  );
  const jwk = key.publicJwk as ProofKey['jwk'];
  return { claims: { sub, wid: workspaceId, email: 'admin@bench.test', username: 'admin', role: 'admin' }, proof: { jkt: key.thumbprint, jwk }, ip: '127.0.0.1', userAgent: 'bench' };
}

/** Users and their approved devices in batches of multi-row INSERTs over unnest() arrays: a few round trips per batch. */
async function insertUsersWithDevices(db: Client, workspaceId: string): Promise<string[]> {
  const subjects: string[] = [];
  const jwk = JSON.stringify({ kty: 'EC', crv: 'P-256', x: 'bench', y: 'bench' });
  for (let start = 0; start < USERS; start += INSERT_BATCH_USERS) {
    const count = Math.min(INSERT_BATCH_USERS, USERS - start);
    const ids = Array.from({ length: count }, () => randomUUID());
    const subs = ids.map((_, i) => `bench-user-${start + i}`);
    subjects.push(...subs);
    await db.query(
      `INSERT INTO users (id, workspace_id, subject, email, username, role)
       SELECT id, $1, sub, sub || '@bench.test', sub, 'member' FROM unnest($2::uuid[], $3::text[]) AS t(id, sub)`,
      [workspaceId, ids, subs],
    );
    const deviceIds: string[] = [];
    const owners: string[] = [];
    const names: string[] = [];
    const thumbprints: string[] = [];
    for (const userId of ids) {
      for (let d = 0; d < DEVICES_PER_USER; d++) {
        deviceIds.push(randomUUID());
        owners.push(userId);
        names.push(`bench device ${d}`);
        thumbprints.push(randomBytes(32).toString('base64url'));
      }
    }
    await db.query(
      `INSERT INTO devices (id, user_id, workspace_id, name, client_type, os, browser, key_thumbprint, public_jwk, fingerprint, status, created_at, approved_at, approved_via)
       SELECT id, user_id, $1, name, 'web', 'macOS', 'Chrome', jkt, $2::jsonb, 'bench', 'approved', now(), now(), 'email_code'
       FROM unnest($3::uuid[], $4::uuid[], $5::text[], $6::text[]) AS t(id, user_id, name, jkt)`,
      [workspaceId, jwk, deviceIds, owners, names, thumbprints],
    );
  }
  return subjects;
}

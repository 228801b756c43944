/**
 * The floor's storage side (issue 12): answers the floor server's NATS requests doing only
 * the storage work of each operation, in as few statements as it can: one statement (CTEs)
 * per database change with its audit and outbox rows, one Redis round trip where codes and
 * mail jobs are involved. The same tables and indexes as the system, rows of its own users
 * (its outbox rows are written already published, so the system's relay leaves them alone).
 *   DATABASE_URL, REDIS_URL, REDIS_PREFIX, NATS_URL, FLOOR_SUBJECT
 */
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { connect, JSONCodec } from 'nats';
import { Pool } from 'pg';

interface FloorRequest {
  method: string;
  path: string;
  sub: string;
  wid: string;
  email: string;
  body: Record<string, unknown>;
}
type Reply = { status: number; body: unknown };

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const redis = new Redis(process.env.REDIS_URL!, { keyPrefix: `${process.env.REDIS_PREFIX}:floor:` });

/** A new device, its user (created on first sight), its audit and outbox rows: one statement. */
const SETUP = `
  WITH u AS (
    INSERT INTO users (workspace_id, subject, email, username, role) VALUES ($1, $2, $3, $2, 'member')
    ON CONFLICT (workspace_id, subject) DO UPDATE SET email = EXCLUDED.email
    RETURNING id),
  trusted AS (SELECT count(*) AS n FROM devices WHERE user_id = (SELECT id FROM u) AND status = 'approved'),
  d AS (
    INSERT INTO devices (id, user_id, workspace_id, name, client_type, os, browser, key_thumbprint, public_jwk, fingerprint, status, created_at, expires_at)
    SELECT $4, u.id, $1, $5, 'web', 'macOS', 'Chrome', $6, '{}'::jsonb, 'maple orbit crane velvet tundra',
           CASE WHEN trusted.n > 0 THEN 'pending_approval' ELSE 'pending_verification' END, now(), now() + interval '30 minutes'
      FROM u, trusted
    RETURNING id, user_id, status),
  a AS (INSERT INTO audit_events (id, workspace_id, at, action, actor_user_id, target_user_id, target_device_id)
        SELECT gen_random_uuid(), $1, now(), 'device.setup', d.user_id, d.user_id, d.id FROM d),
  o AS (INSERT INTO outbox (id, subject, payload, published_at) SELECT gen_random_uuid(), 'floor.device.setup', jsonb_build_object('deviceId', d.id), now() FROM d)
  SELECT id, status FROM d`;

/** A device approved (by code or by a trusted device), with its audit and outbox rows: one statement. */
const APPROVE = `
  WITH d AS (
    UPDATE devices SET status = 'approved', approved_at = now(), approved_via = $3, expires_at = NULL
     WHERE id = $1 AND workspace_id = $2 AND status IN ('pending_verification', 'pending_approval')
    RETURNING id, user_id),
  a AS (INSERT INTO audit_events (id, workspace_id, at, action, actor_user_id, target_user_id, target_device_id)
        SELECT gen_random_uuid(), $2, now(), 'device.approved', d.user_id, d.user_id, d.id FROM d),
  o AS (INSERT INTO outbox (id, subject, payload, published_at) SELECT gen_random_uuid(), 'floor.device.approved', jsonb_build_object('deviceId', d.id), now() FROM d)
  SELECT id FROM d`;

const LIST = `
  SELECT d.* FROM devices d
   WHERE d.user_id = (SELECT id FROM users WHERE workspace_id = $1 AND subject = $2)
   ORDER BY d.created_at DESC`;

async function handle(request: FloorRequest): Promise<Reply> {
  const { method, path, sub, wid, email, body } = request;
  if (method === 'GET' && path === '/v1/devices') {
    const { rows } = await pool.query(LIST, [wid, sub]);
    return { status: 200, body: { devices: rows } };
  }
  if (method === 'POST' && path === '/v1/devices') {
    const id = randomUUID();
    const { rows } = await pool.query(SETUP, [
      wid,
      sub,
      email,
      id,
      String(body.name ?? id.slice(0, 8)),
      randomBytes(32).toString('base64url'),
    ]);
    const device = rows[0] as { id: string; status: string };
    if (device.status === 'pending_approval') return { status: 201, body: { device, verification: { method: 'approval' } } };
    // The code, stored with its TTL, and the mail job queued: one round trip.
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    await redis
      .multi()
      .set(`code:${id}`, code, 'EX', 300)
      .lpush('mail', JSON.stringify({ to: email, code }))
      .exec();
    return { status: 201, body: { device, verification: { method: 'email_code' }, code } };
  }
  const verify = /^\/v1\/devices\/([0-9a-f-]{36})\/verify$/.exec(path);
  if (method === 'POST' && verify) {
    const stored = await redis.getdel(`code:${verify[1]}`);
    if (stored !== body.code) return { status: 400, body: { code: 'code_invalid' } };
    const { rows } = await pool.query(APPROVE, [verify[1], wid, 'email_code']);
    return rows.length ? { status: 200, body: { device: rows[0] } } : { status: 409, body: { code: 'invalid_device_state' } };
  }
  const approve = /^\/v1\/devices\/([0-9a-f-]{36})\/approve$/.exec(path);
  if (method === 'POST' && approve) {
    const { rows } = await pool.query(APPROVE, [approve[1], wid, 'device']);
    return rows.length ? { status: 200, body: { device: rows[0] } } : { status: 409, body: { code: 'invalid_device_state' } };
  }
  return { status: 404, body: { code: 'not_found' } };
}

async function main(): Promise<void> {
  const nats = await connect({ servers: process.env.NATS_URL });
  const codec = JSONCodec<unknown>();
  const subscription = nats.subscribe(process.env.FLOOR_SUBJECT!, { queue: 'floor' });
  process.on('SIGTERM', () => {
    void Promise.allSettled([nats.close(), pool.end(), redis.quit()]).then(() => process.exit(0));
  });
  await nats.flush();
  process.send?.('ready');
  for await (const message of subscription) {
    handle(codec.decode(message.data) as FloorRequest).then(
      (reply) => message.respond(codec.encode(reply)),
      (error: Error) => message.respond(codec.encode({ status: 500, body: { detail: error.message } })),
    );
  }
}

void main();

import { Command, type DomainErrorBody } from '@td/contracts';
import { DeviceKey } from '@td/testing';
import { Client } from 'pg';
import { User } from '../users/user.entity';
import { DeviceCommandsHarness, rejection } from '../../test/support/device-commands.harness';

/** What a deprovisioning does first (DEPROV-1): mark the user, in its own transaction, under the user's row lock. */
async function deprovision(databaseUrl: string, userId: string, delayMs: number): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    await client.query('BEGIN');
    await client.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [userId]);
    await client.query('UPDATE users SET deprovisioned_at = clock_timestamp() WHERE id = $1', [userId]);
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
}

const settle = <T>(promise: Promise<T>) =>
  promise.then(
    (reply) => ({ ok: true as const, reply }),
    (error: { body?: DomainErrorBody }) => ({ ok: false as const, code: error.body?.code }),
  );

describe('device-service: limits and races (SETUP-3, DEPROV-2)', () => {
  let h: DeviceCommandsHarness;

  beforeAll(async () => {
    h = await DeviceCommandsHarness.start();
  });
  afterAll(() => h.stop());

  const registeredCount = async (userId: string): Promise<number> => {
    const [{ count }] = await h.db.query(
      `SELECT count(*)::int AS count FROM devices WHERE user_id = $1 AND status IN ('pending_verification', 'pending_approval', 'approved')`,
      [userId],
    );
    return count;
  };

  it('SETUP-3 50 parallel setups for a user with no devices end with exactly 20 registered; a disabled device frees a slot', async () => {
    const claims = h.user();
    const keys = await Promise.all(Array.from({ length: 50 }, () => DeviceKey.create()));
    const outcomes = await Promise.all(
      keys.map((key) => settle(h.send(Command.deviceSetup, { caller: h.caller(claims, key), clientType: 'web' }))),
    );
    const created = outcomes.flatMap((o, i) => (o.ok ? [{ key: keys[i], device: o.reply.device }] : []));
    expect(created).toHaveLength(h.config.devices.maxPerUser);
    expect(outcomes.filter((o) => !o.ok).map((o) => (o.ok ? null : o.code))).toEqual(Array(30).fill('device_limit_reached'));
    const user = await h.userRow(claims);
    expect(await registeredCount(user.id)).toBe(20);
    expect(new Set(created.map((c) => c.device.name.toLowerCase())).size).toBe(20);

    const refused = await rejection(
      h.send(Command.deviceSetup, { caller: h.caller(claims, await DeviceKey.create()), clientType: 'mobile' }),
    );
    expect(refused.code).toBe('device_limit_reached');
    expect(refused.detail).toMatch(/disable a device/i);

    // One of them confirmed meanwhile (as by its code); from it, the user disables another.
    const [manager, victim] = created;
    await h.db.query(`UPDATE devices SET status = 'approved', approved_at = now(), approved_via = 'email_code' WHERE id = $1`, [
      manager.device.id,
    ]);
    await h.send(Command.deviceDisable, { caller: h.caller(claims, manager.key), deviceId: victim.device.id });
    expect(await registeredCount(user.id)).toBe(19);
    const freed = await h.send(Command.deviceSetup, { caller: h.caller(claims, await DeviceKey.create()), clientType: 'mobile' });
    expect(freed.device.status).toBe('pending_approval');
    expect(
      (await rejection(h.send(Command.deviceSetup, { caller: h.caller(claims, await DeviceKey.create()), clientType: 'web' }))).code,
    ).toBe('device_limit_reached');
  });

  it('SETUP-3 the limit counts only registered devices: denied, disabled and expired ones hold no slot', async () => {
    const claims = h.user();
    // Set up more than an hour ago, so the hourly setup limit (SEC-5) does not count them.
    const user = await h.userRow(claims);
    await h.db.query(
      `INSERT INTO devices (id, user_id, workspace_id, name, client_type, os, browser, key_thumbprint, public_jwk, fingerprint, status, created_at)
       SELECT gen_random_uuid(), $1, $2, 'old ' || i, 'web', 'macOS', 'Chrome', md5(random()::text || i), '{}'::jsonb, 'a b c d e',
              (ARRAY['denied', 'disabled', 'expired'])[1 + i % 3], now() - interval '2 hours'
         FROM generate_series(1, 30) AS i`,
      [user.id, user.workspaceId],
    );
    const setups = await Promise.all(Array.from({ length: 20 }, () => settle(h.setup(claims, 'web'))));
    expect(setups.every((o) => o.ok)).toBe(true);
    expect(await registeredCount(user.id)).toBe(20);
  });

  it('DEPROV-2 an approval racing with deprovisioning never leaves a device approved after the user was deprovisioned', async () => {
    for (let round = 0; round < 12; round++) {
      const claims = h.user();
      const approver = await h.approvedDevice(claims, 'web');
      const pending = await h.setup(claims, 'mobile');
      const user = await h.userRow(claims);
      const [approval] = await Promise.all([
        settle(h.send(Command.deviceApprove, { caller: h.caller(claims, approver.key), deviceId: pending.device.id })),
        deprovision(h.testEnv.databaseUrl, user.id, round % 4),
      ]);
      const device = await h.deviceRow(pending.device.id);
      const { deprovisionedAt } = await h.db.getRepository(User).findOneByOrFail({ id: user.id });
      if (approval.ok) {
        expect(device.status).toBe('approved');
        expect(device.approvedAt!.getTime()).toBeLessThanOrEqual(deprovisionedAt!.getTime());
      } else {
        expect(approval.code).toBe('user_deprovisioned');
        expect(device.status).toBe('pending_approval');
      }
    }
  });

  it('DEPROV-2 a setup or a code verification racing with deprovisioning is refused or happened before it', async () => {
    for (let round = 0; round < 8; round++) {
      const claims = h.user();
      const user = await h.userRow(claims);
      const toVerify = await h.setup(claims, 'web');
      const code = await h.latestCode(claims);
      const [setup, verify] = await Promise.all([
        settle(h.setup(claims, 'extension')),
        settle(h.send(Command.deviceVerify, { caller: h.caller(claims, toVerify.key), deviceId: toVerify.device.id, code })),
        deprovision(h.testEnv.databaseUrl, user.id, round % 3),
      ]);
      const { deprovisionedAt } = await h.db.getRepository(User).findOneByOrFail({ id: user.id });
      if (setup.ok) {
        const device = await h.deviceRow(setup.reply.device.id);
        expect(device.status).toBe('pending_verification');
        expect(device.createdAt.getTime()).toBeLessThanOrEqual(deprovisionedAt!.getTime());
      } else {
        expect(setup.code).toBe('user_deprovisioned');
      }
      const verified = await h.deviceRow(toVerify.device.id);
      if (verify.ok) expect(verified.approvedAt!.getTime()).toBeLessThanOrEqual(deprovisionedAt!.getTime());
      else expect(verified.status).toBe('pending_verification');
    }
  });
});

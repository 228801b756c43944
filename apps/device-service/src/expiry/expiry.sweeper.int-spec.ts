import { BusClient, eventsStream, prefixed } from '@td/common';
import { Command, DomainEvent, REGISTERED_STATUSES, type DeviceEventPayload } from '@td/contracts';
import { waitUntil, type TestEnv } from '@td/testing';
import { connect, JSONCodec, type NatsConnection } from 'nats';
import type { DataSource } from 'typeorm';
import { insertDevice, insertUser } from '../../test/support/device-rows';
import { MigratedDatabase } from '../../test/support/migrated-database';
import { AuditLog } from '../audit/audit.log';
import { startDeviceService } from '../bootstrap';
import { loadDeviceServiceConfig } from '../config';
import { Device } from '../devices/device.entity';
import { OutboxRelay } from '../outbox/outbox.relay';
import { OutboxRepository } from '../outbox/outbox.repository';
import { DeviceHistory } from '../devices/device-history';
import { DeviceLifecycle } from '../devices/device-lifecycle';
import { DevicesRepository } from '../devices/devices.repository';
import { Transactions } from '../database/transactions';
import { UsersRepository } from '../users/users.repository';
import { ExpirySweeper } from './expiry.sweeper';
import { DeviceRetention } from './device-retention';

const codec = JSONCodec();
const past = () => new Date(Date.now() - 1000);

describe('ExpirySweeper (SETUP-5)', () => {
  let database: MigratedDatabase;
  let testEnv: TestEnv;
  let db: DataSource;
  let nats: NatsConnection;
  /** Device ids the fake verification-service was asked to void. */
  const voided: string[] = [];

  beforeAll(async () => {
    database = await MigratedDatabase.start();
    ({ testEnv } = database);
    db = await openDataSource();
    nats = await connect({ servers: testEnv.natsUrl });
    // Stands in for verification-service, speaking Nest's reply packet format.
    nats.subscribe(prefixed(testEnv.natsPrefix, Command.verificationVoidCodes), {
      callback: (_error, message) => {
        const { id, data } = codec.decode(message.data) as { id: string; data: { deviceIds: string[] } };
        voided.push(...data.deviceIds);
        message.respond(codec.encode({ id, response: { voided: data.deviceIds.length }, isDisposed: true }));
      },
    });
  });

  afterAll(async () => {
    await nats.drain();
    await database.cleanup();
  });

  const openDataSource = () => database.openDataSource();

  function sweeper(source: DataSource, batchSize = 500): ExpirySweeper {
    const sweeperConfig = loadDeviceServiceConfig({
      ...testEnv.env,
      EXPIRY_SWEEP_INTERVAL_MS: '60000',
      EXPIRY_BATCH_SIZE: String(batchSize),
    });
    const relay = new OutboxRelay(source, nats, new OutboxRepository(), sweeperConfig);
    const lifecycle = new DeviceLifecycle(new DevicesRepository(source), new DeviceHistory(new OutboxRepository(), new AuditLog(source)));
    return new ExpirySweeper(
      new Transactions(source),
      new DevicesRepository(source),
      new UsersRepository(source),
      lifecycle,
      relay,
      new BusClient(nats, testEnv.natsPrefix, 2000),
      sweeperConfig,
    );
  }

  const registeredCount = async (userId: string): Promise<number> =>
    (await db.query(`SELECT count(*)::int AS n FROM devices WHERE user_id = $1 AND status = ANY($2)`, [userId, REGISTERED_STATUSES]))[0].n;

  it('SETUP-5 a pending device past its deadline becomes expired, stops counting towards the limit, with audit, event and voided code', async () => {
    const user = await insertUser(db);
    const due = await insertDevice(db, user, { status: 'pending_verification', expiresAt: past() });
    const dueApproval = await insertDevice(db, user, { status: 'pending_approval', expiresAt: past() });
    const notYet = await insertDevice(db, user, { status: 'pending_approval' });
    const approved = await insertDevice(db, user, { status: 'approved', expiresAt: past() });
    expect(await registeredCount(user.id)).toBe(4);

    expect(await sweeper(db).sweep()).toBe(2);

    const statuses = Object.fromEntries((await db.getRepository(Device).findBy({ userId: user.id })).map((d) => [d.id, d.status]));
    expect(statuses).toEqual({
      [due.id]: 'expired',
      [dueApproval.id]: 'expired',
      [notYet.id]: 'pending_approval',
      [approved.id]: 'approved',
    });
    expect(await registeredCount(user.id)).toBe(2);

    const audit = await db.query(
      `SELECT action, target_device_id, target_user_id, actor_user_id FROM audit_events WHERE target_user_id = $1 ORDER BY target_device_id`,
      [user.id],
    );
    expect(audit).toEqual(
      [due, dueApproval]
        .map((d) => ({ action: 'device.expired', target_device_id: d.id, target_user_id: user.id, actor_user_id: null }))
        .sort((a, b) => a.target_device_id.localeCompare(b.target_device_id)),
    );
    const events: Array<{ subject: string; payload: DeviceEventPayload }> = await db.query(
      `SELECT subject, payload FROM outbox WHERE payload->>'userId' = $1`,
      [user.id],
    );
    expect(events.map((e) => [e.subject, e.payload.device.id, e.payload.device.status]).sort()).toEqual(
      [due, dueApproval].map((d) => [DomainEvent.deviceExpired, d.id, 'expired']).sort(),
    );
    await waitUntil(() => voided.includes(due.id) && voided.includes(dueApproval.id));
  });

  it('SETUP-5 two sweepers running concurrently expire each device once, with one audit row each', async () => {
    const user = await insertUser(db);
    const devices = [];
    for (let i = 0; i < 60; i += 1) devices.push(await insertDevice(db, user, { status: 'pending_verification', expiresAt: past() }));
    const [a, b] = [sweeper(await openDataSource(), 7), sweeper(await openDataSource(), 7)];

    const [countA, countB] = await Promise.all([a.sweep(), b.sweep()]);

    expect(countA + countB).toBe(60);
    expect(await registeredCount(user.id)).toBe(0);
    const audit = await db.query(`SELECT target_device_id, count(*)::int AS n FROM audit_events WHERE target_user_id = $1 GROUP BY 1`, [
      user.id,
    ]);
    expect(audit).toHaveLength(60);
    expect(audit.every((row: { n: number }) => row.n === 1)).toBe(true);
    const [{ n: eventCount }] = await db.query(`SELECT count(*)::int AS n FROM outbox WHERE payload->>'userId' = $1`, [user.id]);
    expect(eventCount).toBe(60);
  });

  it('SETUP-5 the running service sweeps on its own and publishes events.device.expired', async () => {
    const app = await startDeviceService(loadDeviceServiceConfig({ ...testEnv.env, EXPIRY_SWEEP_INTERVAL_MS: '200' }));
    try {
      const user = await insertUser(db);
      const device = await insertDevice(db, user, { status: 'pending_approval', expiresAt: new Date(Date.now() + 500) });
      await waitUntil(async () => (await db.getRepository(Device).findOneByOrFail({ id: device.id })).status === 'expired', 5000);
      const { name } = eventsStream(testEnv.natsPrefix);
      // The relay may first publish the earlier tests' expiry events: wait for this device's, which comes last.
      const message = await waitUntil(async () => {
        const jsm = await nats.jetstreamManager();
        const last = await jsm.streams
          .getMessage(name, { last_by_subj: prefixed(testEnv.natsPrefix, DomainEvent.deviceExpired) })
          .catch(() => null);
        return last?.json<DeviceEventPayload>().device.id === device.id ? last : null;
      }, 5000);
      expect(message.json<DeviceEventPayload>()).toMatchObject({ userId: user.id, device: { id: device.id, status: 'expired' } });
    } finally {
      await app.close();
    }
  });

  it('SETUP-5 issue 12: the service sleeps until the earliest pending deadline, not a fixed interval', async () => {
    const user = await insertUser(db);
    const device = await insertDevice(db, user, { status: 'pending_verification', expiresAt: new Date(Date.now() + 1500) });
    // An interval far longer than the test: only the deadline the first sweep read can wake it in time.
    const app = await startDeviceService(loadDeviceServiceConfig({ ...testEnv.env, EXPIRY_SWEEP_INTERVAL_MS: '3600000' }));
    try {
      await waitUntil(async () => (await db.getRepository(Device).findOneByOrFail({ id: device.id })).status === 'expired', 10_000);
    } finally {
      await app.close();
    }
  });

  it('SEC-5 pending, expired and denied devices are removed DEVICE_RETENTION_DAYS after their last change; audit rows stay; keys stay taken', async () => {
    const user = await insertUser(db);
    const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);
    const oldExpired = await insertDevice(db, user, { status: 'expired', createdAt: daysAgo(40), expiresAt: daysAgo(40) });
    const oldDenied = await insertDevice(db, user, { status: 'denied', createdAt: daysAgo(45), deniedAt: daysAgo(31) });
    const oldPending = await insertDevice(db, user, { status: 'pending_approval', createdAt: daysAgo(40), expiresAt: daysAgo(39) });
    const recentlyDenied = await insertDevice(db, user, { status: 'denied', createdAt: daysAgo(35), deniedAt: daysAgo(10) });
    const recentlyExpired = await insertDevice(db, user, { status: 'expired', createdAt: daysAgo(2), expiresAt: daysAgo(2) });
    const oldApproved = await insertDevice(db, user, { status: 'approved', createdAt: daysAgo(400) });
    const oldDisabled = await insertDevice(db, user, { status: 'disabled', createdAt: daysAgo(400), disabledAt: daysAgo(300) });
    const pruned = [oldExpired, oldDenied, oldPending];
    await new AuditLog(db).record(
      db.manager,
      pruned.map((device) => ({
        workspaceId: user.workspaceId,
        action: 'device.setup' as const,
        actor: { userId: user.id, deviceId: device.id },
        target: { userId: user.id, deviceId: device.id },
        ip: null,
        userAgent: null,
      })),
    );

    const retention = new DeviceRetention(
      new Transactions(db),
      new DevicesRepository(db),
      loadDeviceServiceConfig({ ...testEnv.env, DEVICE_RETENTION_DAYS: '30', DEVICE_RETENTION_BATCH_SIZE: '2' }),
    );
    expect(await retention.prune()).toBe(3);

    const remaining = (await db.getRepository(Device).findBy({ userId: user.id })).map((d) => d.id).sort();
    expect(remaining).toEqual([recentlyDenied, recentlyExpired, oldApproved, oldDisabled].map((d) => d.id).sort());
    const [{ n: auditRows }] = await db.query(`SELECT count(*)::int AS n FROM audit_events WHERE target_device_id = ANY($1)`, [
      pruned.map((d) => d.id),
    ]);
    expect(auditRows).toBe(3);
    // KEY-4 outlives the row: the removed devices' keys are remembered as taken.
    const retired: Array<{ key_thumbprint: string }> = await db.query(
      `SELECT key_thumbprint FROM retired_device_keys WHERE key_thumbprint = ANY($1)`,
      [pruned.map((d) => d.keyThumbprint)],
    );
    expect(retired.map((r) => r.key_thumbprint).sort()).toEqual(pruned.map((d) => d.keyThumbprint).sort());
    expect(await retention.prune()).toBe(0);
  });
});

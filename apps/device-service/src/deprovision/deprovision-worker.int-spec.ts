import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { Command } from '@td/contracts';
import { waitUntil } from '@td/testing';
import { insertDevices } from '../../test/support/device-rows';
import { DeviceCommandsHarness } from '../../test/support/device-commands.harness';

const ROOT = path.resolve(__dirname, '../../../..');
const ENABLED = ['pending_verification', 'pending_approval', 'approved'];

/**
 * DEPROV-2 with a real worker process (`worker.ts`, the standalone entry) that is
 * SIGKILLed in the middle of a cascade and started again.
 */
describe('deprovisioning worker process (DEPROV-2)', () => {
  let h: DeviceCommandsHarness;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    // The API instance runs no worker of its own: only the child process works the queue.
    h = await DeviceCommandsHarness.start({ DEPROVISION_WORKER: 'false' });
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await h.stop();
  });

  function startWorker(): ChildProcess {
    const child = spawn(
      process.execPath,
      ['-r', './apps/device-service/test/support/ts-register.js', 'apps/device-service/src/worker.ts'],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          ...h.testEnv.env,
          MIGRATIONS_RUN: 'false',
          LOG_LEVEL: 'error',
          DEPROVISION_BATCH_SIZE: '2',
          DEPROVISION_BATCH_PAUSE_MS: '250',
          DEPROVISION_LOCK_MS: '2000',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    children.push(child);
    return child;
  }

  const enabledCount = async (userId: string): Promise<number> => {
    const [{ n }] = await h.db.query(`SELECT count(*)::int AS n FROM devices WHERE user_id = $1 AND status = ANY($2)`, [userId, ENABLED]);
    return n;
  };

  it('DEPROV-2 OPS-5 a worker killed mid-cascade leaves no device enabled once the job is picked up again, and no audit event twice; the worker runs no outbox relay of its own', async () => {
    const adminClaims = h.user({ role: 'admin' });
    const { key } = await h.approvedDevice(adminClaims, 'web');
    const admin = h.caller(adminClaims, key);
    const target = h.user({ wid: adminClaims.wid });
    const user = await h.userRow(target);
    await insertDevices(h.db, user, 16, { status: 'approved' });
    await insertDevices(h.db, user, 4, { status: 'pending_verification' });

    const first = startWorker();
    const { jobId } = await h.send(Command.workspaceDeprovisionUser, { caller: admin, userId: target.sub });
    await waitUntil(async () => (await h.send(Command.workspaceGetJob, { caller: admin, jobId })).progress.disabled >= 2, 30000, 20);
    first.kill('SIGKILL');
    await once(first, 'exit');

    const left = await enabledCount(user.id);
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThan(20);
    expect((await h.send(Command.workspaceGetJob, { caller: admin, jobId })).state).toBe('active');

    startWorker();
    await waitUntil(async () => (await enabledCount(user.id)) === 0, 45000, 100);
    const done = await waitUntil(async () => {
      const job = await h.send(Command.workspaceGetJob, { caller: admin, jobId });
      return job.state === 'completed' ? job : null;
    }, 15000);
    expect(done.progress).toEqual({ disabled: 20, total: 20 });

    const audit: Array<{ target_device_id: string; n: number }> = await h.db.query(
      `SELECT target_device_id, count(*)::int AS n FROM audit_events WHERE target_user_id = $1 AND action = 'device.disabled' GROUP BY 1`,
      [user.id],
    );
    expect(audit).toHaveLength(20);
    expect(audit.every((row) => row.n === 1)).toBe(true);
    const [{ n: events }] = await h.db.query(
      `SELECT count(*)::int AS n FROM outbox, jsonb_array_elements(payload->'users') AS u, jsonb_array_elements(u->'devices')
        WHERE subject = 'events.device.deprovisioned' AND u->>'userId' = $1`,
      [user.id],
    );
    expect(events).toBe(20);

    // The worker writes outbox rows; publishing them is device-service's relay's work alone (a relay in the
    // worker woke on every commit of the system to race it for the same rows: issue 12).
    const relaysListening = async (): Promise<number> => {
      const [{ n }] = await h.db.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'device-service-outbox'`,
      );
      return n;
    };
    await waitUntil(async () => (await relaysListening()) === 1, 5000).catch(() => undefined);
    expect(await relaysListening()).toBe(1);
  }, 120_000);
});

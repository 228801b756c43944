import { Injectable, Logger } from '@nestjs/common';
import { BusClient } from '@td/common';
import { Command, PENDING_STATUSES, type DeprovisionJobData, type DeprovisionJobProgress } from '@td/contracts';
import type { Job } from 'bullmq';
import { DeviceServiceConfig } from '../config';
import { Transactions } from '../database/transactions';
import { DeviceLifecycle } from '../devices/device-lifecycle';
import { DevicesRepository } from '../devices/devices.repository';
import { UsersRepository } from '../users/users.repository';
import { CASCADE_STATUSES } from './deprovision.service';

export type CascadeJob = Pick<Job<DeprovisionJobData>, 'data' | 'updateProgress' | 'progress' | 'attemptsMade' | 'stalledCounter'>;

/** How long a free transaction waits for a whole group of jobs before it starts with the ones it has. */
const GATHER_MS = 20;

type MovedDevice = Awaited<ReturnType<DevicesRepository['moveNextBatchOfUsers']>>['moved'][number];

/** A job handed to the cascade, until its user has no device left to disable. */
interface Entry {
  job: CascadeJob;
  userId: string;
  /** A first run counts what it disables itself; a retried, taken-over or re-run one asks the rows. */
  firstRun: boolean;
  disabledHere: number;
  resolve: (progress: DeprovisionJobProgress) => void;
  reject: (error: Error) => void;
}

/**
 * The work of `disable-devices` jobs (DEPROV-1/2/3): disables the users' devices, many
 * users per transaction (the jobs the worker holds at that moment, up to
 * DEPROVISION_BATCH_SIZE devices), each transaction one UPDATE … RETURNING through
 * DeviceLifecycle with the audit entries (deduplicated by `deprov:<deviceId>`) and
 * one `events.device.deprovisioned` outbox row per user naming the devices it moved. Each job still completes
 * (or fails and is retried) on its own, as soon as its user has nothing left. It starts
 * from what the rows say, not from what a previous attempt remembered, so a retried or
 * taken-over job just carries on and a finished one finds nothing left to do.
 */
@Injectable()
export class DeprovisionCascade {
  private readonly logger = new Logger(DeprovisionCascade.name);
  private readonly waiting: Entry[] = [];
  private transactions = 0;
  /** Waiting for more jobs before starting a group of fewer than its size; then `gathered`. */
  private gathering: NodeJS.Timeout | null = null;
  private gathered = false;

  constructor(
    private readonly database: Transactions,
    private readonly users: UsersRepository,
    private readonly devices: DevicesRepository,
    private readonly lifecycle: DeviceLifecycle,
    private readonly bus: BusClient,
    private readonly config: DeviceServiceConfig,
  ) {}

  /** Resolves with the job's final progress once its user has no registered device left. */
  run(job: CascadeJob): Promise<DeprovisionJobProgress> {
    return new Promise((resolve, reject) => {
      const firstRun = !job.data.rerun && job.attemptsMade === 0 && !job.stalledCounter && typeof job.progress !== 'object';
      this.waiting.push({ job, userId: job.data.userId.toLowerCase(), firstRun, disabledHere: 0, resolve, reject });
      this.pump();
    });
  }

  /**
   * Starts a group of the waiting jobs while fewer than DEPROVISION_TRANSACTIONS run: jobs that arrive meanwhile form
   * the next group. BullMQ hands jobs over one at a time, so a free transaction waits a moment (GATHER_MS) for a whole
   * group rather than starting at the first arrival: that made every other transaction one of a single user (issue 12).
   */
  private pump(): void {
    const groupSize = Math.max(1, Math.ceil(this.config.deprovision.concurrency / this.config.deprovision.transactions));
    while (this.transactions < this.config.deprovision.transactions && this.waiting.length > 0) {
      if (this.waiting.length < groupSize && !this.gathered) {
        this.gathering ??= setTimeout(() => {
          this.gathering = null;
          this.gathered = true;
          this.pump();
        }, GATHER_MS);
        return;
      }
      this.gathered = false;
      if (this.gathering) clearTimeout(this.gathering);
      this.gathering = null;
      const group = this.waiting.splice(0, groupSize);
      this.transactions += 1;
      void this.runGroup(group).finally(() => {
        this.transactions -= 1;
        this.pump();
      });
    }
  }

  private async runGroup(group: Entry[]): Promise<void> {
    let left = group;
    try {
      for (let round = 0; left.length > 0; round++) {
        if (round > 0 && this.config.deprovision.batchPauseMs > 0)
          await new Promise((resolve) => setTimeout(resolve, this.config.deprovision.batchPauseMs));
        const { marked, moved, nextUserId } = await this.disableBatch(left);
        const byUser = new Map(left.map((entry) => [entry.userId, entry]));
        for (const { device } of moved) {
          const entry = byUser.get(device.userId.toLowerCase());
          if (entry) entry.disabledHere += 1;
        }
        const pending = moved.filter((entry) => PENDING_STATUSES.includes(entry.previousStatus)).map((entry) => entry.device.id);
        if (pending.length > 0) void this.voidCodes(pending);
        // Rows are taken in (user, id) order: every user before the first one with a device left
        // behind is done (no device can be added once a user is marked: setups take the user's
        // lock and check); with none left behind, all are.
        const next = nextUserId?.toLowerCase() ?? null;
        const isDone = (entry: Entry) => !marked.has(entry.userId) || next === null || entry.userId < next;
        const done = left.filter(isDone);
        await this.finish(done, marked);
        left = left.filter((entry) => !isDone(entry));
        // The user cut short by the batch shows how far it has got.
        const cut = left.filter((entry) => entry.userId === next);
        if (cut.length > 0) {
          const progress = await this.devices.deprovisionProgress([cut[0].userId], CASCADE_STATUSES);
          await Promise.all(cut.map((entry) => entry.job.updateProgress(progress.get(entry.userId)!)));
        }
      }
    } catch (error) {
      for (const entry of left) entry.reject(error as Error);
    }
  }

  /** Completes the jobs whose users have nothing left: a first run with what it counted, any other with what the rows say. */
  private async finish(done: Entry[], marked: Set<string>): Promise<void> {
    const ask = done.filter((entry) => !entry.firstRun || !marked.has(entry.userId));
    const fromRows =
      ask.length > 0 ? await this.devices.deprovisionProgress([...new Set(ask.map((entry) => entry.userId))], CASCADE_STATUSES) : null;
    for (const entry of done) {
      entry.resolve(fromRows?.get(entry.userId) ?? { disabled: entry.disabledHere, total: entry.disabledHere });
    }
  }

  /** One transaction: the users' locks, then up to DEPROVISION_BATCH_SIZE of their devices disabled with their history. */
  private disableBatch(entries: Entry[]): Promise<{ marked: Set<string>; moved: MovedDevice[]; nextUserId: string | null }> {
    // A synchronous commit, as every change with outbox rows: the relay may publish a batch's events
    // as soon as it is visible, so a batch lost after that would have announced devices it never disabled.
    return this.database.run(async (tx) => {
      // The users' locks first (as every device change takes its user's), so a racing setup or
      // approval either committed before this batch or sees the user deprovisioned.
      const users = (await this.users.lockByIds(tx, [...new Set(entries.map((entry) => entry.userId))])).filter(
        (user) => user.deprovisionedAt,
      );
      const marked = new Set(users.map((user) => user.id.toLowerCase()));
      if (users.length === 0) return { marked, moved: [], nextUserId: null };
      const jobs = new Map(entries.map((entry) => [entry.userId, entry.job.data]));
      let nextUserId: string | null = null;
      const moved = await this.lifecycle.changeMany(
        tx,
        'deprovision',
        async (from, to) => {
          const owners = new Map(users.map((user) => [user.id, user]));
          const batch = await this.devices.moveNextBatchOfUsers(tx, [...owners.keys()], from, to, this.config.deprovision.batchSize);
          nextUserId = batch.nextUserId;
          return batch.moved.map((entry) => ({ ...entry, owner: owners.get(entry.device.userId)! }));
        },
        ({ device }) => {
          const data = jobs.get(device.userId.toLowerCase())!;
          return { actor: data.actor, origin: { ip: data.ip, userAgent: data.userAgent }, dedupeKey: `deprov:${device.id}` };
        },
      );
      return { marked, moved, nextUserId };
    });
  }

  /** Best effort: a disabled device cannot be verified with its code anyway. */
  private async voidCodes(deviceIds: string[]): Promise<void> {
    await this.bus.request(Command.verificationVoidCodes, { deviceIds }).catch((error: Error) => {
      this.logger.debug(`could not void codes of ${deviceIds.length} deprovisioned device(s): ${error.message}`);
    });
  }
}

import { Inject, Injectable, Logger } from '@nestjs/common';
import { BusClient } from '@td/common';
import { Command, PENDING_STATUSES, type DeprovisionJobData, type DeprovisionJobProgress } from '@td/contracts';
import type { Job } from 'bullmq';
import { DeviceServiceEnv } from '../config';
import { DeviceLifecycle } from '../devices/device-lifecycle';
import { DeprovisionRepository } from './deprovision.repository';

/**
 * The work of one `disable-devices` job (DEPROV-1/2): disables the user's devices in
 * batches, each batch one transaction with its audit entries (deduplicated by
 * `deprov:<deviceId>`) and `events.device.disabled` outbox rows. It starts from what the
 * rows say, not from what a previous attempt remembered, so a retried or taken-over job
 * just carries on and a finished one finds nothing left to do.
 */
@Injectable()
export class DeprovisionCascade {
  private readonly logger = new Logger(DeprovisionCascade.name);

  constructor(
    private readonly repository: DeprovisionRepository,
    private readonly lifecycle: DeviceLifecycle,
    private readonly bus: BusClient,
    @Inject(DeviceServiceEnv) private readonly config: DeviceServiceEnv,
  ) {}

  async run(job: Pick<Job<DeprovisionJobData>, 'data' | 'updateProgress' | 'progress' | 'attemptsMade' | 'stalledCounter'>): Promise<DeprovisionJobProgress> {
    const { userId } = job.data;
    // A first run counts what it disables itself; a retried or taken-over one asks the rows.
    const firstRun = !job.data.rerun && job.attemptsMade === 0 && !job.stalledCounter && typeof job.progress !== 'object';
    let disabledHere = 0;
    let progress: DeprovisionJobProgress | null = null;
    for (;;) {
      const disabled = await this.disableBatch(job.data);
      if (disabled.length === 0) break;
      disabledHere += disabled.length;
      // A short batch was the last: no device can be added once the user is marked (setups take the user's lock and check).
      const last = disabled.length < this.config.DEPROVISION_BATCH_SIZE;
      progress = firstRun && last ? { disabled: disabledHere, total: disabledHere } : await this.repository.progress(userId);
      // The last batch's progress is the job's return value, stored as it completes: one Redis write less per job.
      if (!last) await job.updateProgress(progress);
      const pending = disabled.filter((entry) => PENDING_STATUSES.includes(entry.previousStatus)).map((entry) => entry.device.id);
      if (pending.length > 0) void this.voidCodes(pending);
      if (last) break;
      if (this.config.DEPROVISION_BATCH_PAUSE_MS > 0) await new Promise((resolve) => setTimeout(resolve, this.config.DEPROVISION_BATCH_PAUSE_MS));
    }
    if (!progress) {
      // Nothing left to do (a re-run): report what the rows say.
      progress = await this.repository.progress(userId);
    }
    return progress;
  }

  private disableBatch(data: DeprovisionJobData) {
    return this.repository.inTransaction(async (tx) => {
      // The user's lock first (as every device change takes it), so a racing setup or
      // approval either committed before this batch or sees the user deprovisioned.
      // Asynchronous commit: a batch lost to a database crash leaves the user deprovisioned with
      // devices enabled, which the self-healing sweep finds and runs again (the cascade is idempotent).
      await tx.query(`SET LOCAL synchronous_commit = off`);
      const user = await this.repository.lockUser(tx, data.userId);
      if (!user?.deprovisionedAt) return [];
      const origin = { ip: data.ip, userAgent: data.userAgent };
      return this.lifecycle.changeMany(
        tx,
        'deprovision',
        (from, to) => this.repository.moveNextBatch(tx, user, from, to, this.config.DEPROVISION_BATCH_SIZE),
        ({ device }) => ({ actor: data.actor, origin, dedupeKey: `deprov:${device.id}` }),
      );
    });
  }

  /** Best effort: a disabled device cannot be verified with its code anyway. */
  private async voidCodes(deviceIds: string[]): Promise<void> {
    await this.bus.request(Command.verificationVoidCodes, { deviceIds }).catch((error: Error) => {
      this.logger.debug(`could not void codes of ${deviceIds.length} deprovisioned device(s): ${error.message}`);
    });
  }
}

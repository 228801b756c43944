import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { BullWorker, runWithRequestId } from '@td/common';
import { Queue, type DeprovisionJobData, type DeprovisionJobProgress } from '@td/contracts';
import { DeviceServiceConfig } from '../config';
import { DeprovisionCascade } from './deprovision.cascade';

/**
 * Runs deprovisioning cascades from the `deprovision` queue, several at once
 * (DEPROVISION_CONCURRENCY). A worker that dies holding a job loses its lock after
 * DEPROVISION_LOCK_MS; BullMQ then hands the job to another worker (or this one,
 * restarted), which carries on where the rows say (DEPROV-2).
 */
@Injectable()
export class DeprovisionWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DeprovisionWorker.name);
  private worker: BullWorker<DeprovisionJobData, DeprovisionJobProgress> | null = null;

  constructor(
    private readonly cascade: DeprovisionCascade,
    private readonly config: DeviceServiceConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.worker = new BullWorker<DeprovisionJobData, DeprovisionJobProgress>(
      this.config.redis,
      Queue.deprovision,
      (job) => runWithRequestId(job.data.requestId, () => this.cascade.run(job)),
      {
        connectionName: 'device-service-deprovision-worker',
        concurrency: this.config.deprovision.concurrency,
        lockDuration: this.config.deprovision.lockMs,
        stalledInterval: Math.max(500, Math.floor(this.config.deprovision.lockMs / 2)),
        // A job whose worker died is picked up again rather than failed: the cascade is idempotent.
        maxStalledCount: 10,
      },
    );
    this.worker.worker.on('error', (error) => this.logger.warn(`deprovision worker: ${error.message}`));
    this.worker.worker.on('failed', (job, error) =>
      this.logger.warn(`deprovisioning job ${job?.id} failed (attempt ${job?.attemptsMade}): ${error.message}`),
    );
  }

  async onModuleDestroy(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    // Let running batches finish; a job cut short is taken over later (it is idempotent).
    await worker?.close(this.config.process.shutdownDrainMs);
  }
}

import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Periodic } from '@td/common';
import { Transactions } from '../database/transactions';
import { DeviceServiceConfig } from '../config';
import { DevicesRepository } from '../devices/devices.repository';

/** How often retention runs in a service: rows are kept for days, so hourly is plenty. */
const RETENTION_INTERVAL_MS = 3_600_000;
const FIRST_RUN_DELAY_MS = 10_000;

/**
 * SEC-5: pending, expired and denied devices are deleted DEVICE_RETENTION_DAYS after their
 * last change (creation, deadline or denial), in small transactions; audit rows stay and
 * the keys stay taken (KEY-4). Every instance prunes; `SKIP LOCKED` keeps them apart.
 */
@Injectable()
export class DeviceRetention implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DeviceRetention.name);
  private readonly periodic = new Periodic(
    async () => {
      const deleted = await this.prune();
      if (deleted > 0) this.logger.log(`removed ${deleted} device(s) past the retention period`);
    },
    (error) => this.logger.warn(`device retention failed, will retry: ${error.message}`),
  );

  constructor(
    private readonly transactions: Transactions,
    private readonly devices: DevicesRepository,
    private readonly config: DeviceServiceConfig,
  ) {}

  onApplicationBootstrap(): void {
    // Soon after start too, so instances restarted more often than hourly still prune.
    this.periodic.start({ everyMs: RETENTION_INTERVAL_MS, firstAfterMs: Math.min(RETENTION_INTERVAL_MS, FIRST_RUN_DELAY_MS) });
  }

  onModuleDestroy(): Promise<void> {
    return this.periodic.stop();
  }

  /** Deletes every device past retention; returns how many this call deleted. */
  async prune(): Promise<number> {
    const cutoff = new Date(Date.now() - this.config.retention.days * 86_400_000);
    let total = 0;
    for (;;) {
      const deleted = await this.transactions.run((tx) => this.devices.pruneBefore(tx, cutoff, this.config.retention.batchSize));
      total += deleted;
      if (deleted < this.config.retention.batchSize || this.periodic.stopping) return total;
    }
  }
}

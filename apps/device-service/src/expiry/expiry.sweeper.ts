import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { BusClient, Periodic } from '@td/common';
import { Command } from '@td/contracts';
import { DeviceServiceConfig } from '../config';
import { Transactions } from '../database/transactions';
import { DeviceLifecycle } from '../devices/device-lifecycle';
import type { Device } from '../devices/device.entity';
import { DevicesRepository } from '../devices/devices.repository';
import { OutboxRelay } from '../outbox/outbox.relay';
import { UsersRepository } from '../users/users.repository';

const NOBODY = { userId: null, deviceId: null };
const NO_CONTEXT = { ip: null, userAgent: null };
/** Wakes a little after a deadline rather than a little before it (timers and clocks are not exact). */
const DEADLINE_SLACK_MS = 20;
/**
 * Sweeps at least this far apart: with many pending devices their deadlines come close together,
 * and one sweep expires all that are due (a device may expire up to this late; it was 5 s before).
 */
const MIN_SWEEP_GAP_MS = 1000;

/**
 * Expires pending devices whose deadline has passed (SETUP-5), so they stop
 * counting towards the device limit: status, audit `device.expired` and the
 * `events.device.expired` outbox row commit together; then their codes are voided.
 * Every instance sweeps; `SKIP LOCKED` keeps them from expiring a device twice.
 *
 * It sleeps until the earliest pending deadline, and at most EXPIRY_SWEEP_INTERVAL_MS and
 * PENDING_DEVICE_TTL_SECONDS (issue 12: an idle system does not poll). That misses no deadline:
 * a device set up after a sweep read the deadlines is due a whole TTL after its setup, so
 * after the next sweep, which then reads its deadline. Sweeps are at least 1 s apart.
 */
@Injectable()
export class ExpirySweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ExpirySweeper.name);
  private readonly periodic = new Periodic(
    () => this.sweepAndPlan(),
    (error) => this.logger.warn(`expiry sweep failed, will retry: ${error.message}`),
  );

  constructor(
    private readonly transactions: Transactions,
    private readonly devices: DevicesRepository,
    private readonly users: UsersRepository,
    private readonly lifecycle: DeviceLifecycle,
    private readonly relay: OutboxRelay,
    private readonly bus: BusClient,
    private readonly config: DeviceServiceConfig,
  ) {}

  onApplicationBootstrap(): void {
    // At once too: deadlines that passed while no instance ran, and the first one to wait for.
    this.periodic.start({ everyMs: this.longestSleepMs, firstAfterMs: 0 });
  }

  /** Without a deadline in sight: no pending device can become due sooner than a TTL after now. */
  private get longestSleepMs(): number {
    return Math.min(this.config.expiry.sweepIntervalMs, this.config.devices.pendingTtlSeconds * 1000);
  }

  onModuleDestroy(): Promise<void> {
    return this.periodic.stop();
  }

  /** Expires every due device; returns how many this call expired. */
  async sweep(): Promise<number> {
    let total = 0;
    for (;;) {
      const expired = await this.expireBatch();
      total += expired.length;
      if (expired.length > 0) void this.voidCodes(expired.map((device) => device.id));
      if (expired.length < this.config.expiry.batchSize || this.periodic.stopping) return total;
    }
  }

  /** A sweep, then the next one at the earliest deadline still pending (the database's clock). */
  private async sweepAndPlan(): Promise<void> {
    await this.sweep();
    const dueInMs = await this.devices.nextPendingDeadlineInMs();
    if (dueInMs !== null) this.periodic.runWithin(Math.max(MIN_SWEEP_GAP_MS, Math.ceil(dueInMs) + DEADLINE_SLACK_MS));
  }

  private async expireBatch(): Promise<Device[]> {
    const expired = await this.transactions.run((tx) =>
      this.lifecycle.changeMany(
        tx,
        'expire',
        async (from, to) => {
          const devices = await this.devices.moveDue(tx, from, to, this.config.expiry.batchSize);
          if (devices.length === 0) return [];
          const owners = new Map(
            (
              await this.users.findByIds(
                tx,
                devices.map((d) => d.userId),
              )
            ).map((u) => [u.id, u]),
          );
          return devices.map((device) => ({ device, owner: owners.get(device.userId)! }));
        },
        ({ device }) => ({ actor: NOBODY, origin: NO_CONTEXT, dedupeKey: `expire:${device.id}` }),
      ),
    );
    if (expired.length > 0) this.relay.poke();
    return expired.map(({ device }) => device);
  }

  /** Best effort: an expired device's code can no longer approve it anyway (its status is final). */
  private async voidCodes(deviceIds: string[]): Promise<void> {
    await this.bus.request(Command.verificationVoidCodes, { deviceIds }).catch((error: Error) => {
      this.logger.debug(`could not void codes of ${deviceIds.length} expired device(s): ${error.message}`);
    });
  }
}

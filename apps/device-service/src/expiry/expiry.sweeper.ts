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

/**
 * Expires pending devices whose deadline has passed (SETUP-5), so they stop
 * counting towards the device limit: status, audit `device.expired` and the
 * `events.device.expired` outbox row commit together; then their codes are voided.
 * Every instance sweeps; `SKIP LOCKED` keeps them from expiring a device twice.
 */
@Injectable()
export class ExpirySweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ExpirySweeper.name);
  private readonly periodic = new Periodic(
    () => this.sweep(),
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
    this.periodic.start({ everyMs: this.config.expiry.sweepIntervalMs });
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

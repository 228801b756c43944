import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { BusClient, Periodic } from '@td/common';
import { Command } from '@td/contracts';
import { DeviceServiceConfig } from '../config';
import { DeviceConfirmationService } from './device-confirmation.service';
import { DevicesRepository } from './devices.repository';

const DEVICES_PER_SWEEP = 500;

/**
 * Issue 10: codes and their mail jobs live in Redis; a Redis that restarts without persistence
 * loses both, and the user would wait for a mail that never comes. Like the deprovisioning healer,
 * every instance looks periodically for devices waiting for a code that should still be live
 * (Postgres: `code_expires_at`), asks verification-service which of those codes are gone, and
 * mails a fresh code for each (DeviceConfirmationService.resendLostCode: under the device's lock,
 * so instances sweeping together send one).
 */
@Injectable()
export class LostCodeSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(LostCodeSweeper.name);
  private readonly periodic = new Periodic(
    () => this.sweep(),
    (error) => this.logger.warn(`lost-code sweep failed, will retry: ${error.message}`),
  );

  constructor(
    private readonly devices: DevicesRepository,
    private readonly confirmation: DeviceConfirmationService,
    private readonly bus: BusClient,
    private readonly config: DeviceServiceConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.periodic.start({ everyMs: this.config.devices.lostCodeSweepIntervalMs });
  }

  onModuleDestroy(): Promise<void> {
    return this.periodic.stop();
  }

  /** Mails a fresh code for every device whose live code vanished; answers how many it sent. */
  async sweep(): Promise<number> {
    const waiting = await this.devices.waitingForLiveCode(DEVICES_PER_SWEEP);
    if (waiting.length === 0) return 0;
    const missing = new Set(
      (await this.bus.request(Command.verificationMissingCodes, { deviceIds: waiting.map((device) => device.id) })).missing,
    );
    let sent = 0;
    for (const device of waiting) {
      if (this.periodic.stopping) break;
      if (!missing.has(device.id)) continue;
      try {
        if (await this.confirmation.resendLostCode(device.userId, device.id)) sent++;
      } catch (error) {
        // Refused (the user deprovisioned meanwhile) or a dependency failed: the next sweep tries again.
        this.logger.warn({ msg: 'could not re-send a lost code', deviceId: device.id, reason: (error as Error).message });
      }
    }
    if (sent > 0) this.logger.log({ msg: 'codes lost from Redis were re-sent', devices: sent });
    return sent;
  }
}

import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { BusClient } from '@td/common';
import { Command, DomainEvent } from '@td/contracts';
import type { DataSource } from 'typeorm';
import { AuditAction, AuditLog } from '../audit/audit.log';
import type { Device } from '../devices/device.entity';
import { deviceEvent } from '../outbox/device-event';
import { OutboxRelay } from '../outbox/outbox.relay';
import { OutboxWriter } from '../outbox/outbox.writer';
import { ExpiryRepository } from './expiry.repository';

export const EXPIRY_SETTINGS = Symbol('EXPIRY_SETTINGS');

export interface ExpirySettings {
  intervalMs: number;
  batchSize?: number;
}

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
  private readonly batchSize: number;
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<unknown> | null = null;
  private stopping = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly expiry: ExpiryRepository,
    private readonly outbox: OutboxWriter,
    private readonly relay: OutboxRelay,
    private readonly audit: AuditLog,
    private readonly bus: BusClient,
    @Inject(EXPIRY_SETTINGS) private readonly settings: ExpirySettings,
  ) {
    this.batchSize = settings.batchSize ?? 500;
  }

  onApplicationBootstrap(): void {
    this.schedule();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.sweeping;
  }

  /** Expires every due device; returns how many this call expired. */
  async sweep(): Promise<number> {
    let total = 0;
    for (;;) {
      const expired = await this.expireBatch();
      total += expired.length;
      if (expired.length > 0) void this.voidCodes(expired.map((device) => device.id));
      if (expired.length < this.batchSize || this.stopping) return total;
    }
  }

  private async expireBatch(): Promise<Device[]> {
    const expired = await this.dataSource.transaction(async (manager) => {
      const devices = await this.expiry.expireDue(manager, this.batchSize);
      if (devices.length === 0) return devices;
      const users = new Map((await this.expiry.usersByIds(manager, devices.map((d) => d.userId))).map((u) => [u.id, u]));
      await this.audit.record(
        manager,
        devices.map((device) => ({
          workspaceId: device.workspaceId,
          action: AuditAction.deviceExpired,
          actor: { userId: null, deviceId: null },
          target: { userId: device.userId, deviceId: device.id },
          ...NO_CONTEXT,
          dedupeKey: `expire:${device.id}`,
        })),
      );
      await this.outbox.append(
        manager,
        devices.map((device) => deviceEvent(DomainEvent.deviceExpired, device, users.get(device.userId)!, NO_CONTEXT)),
      );
      return devices;
    });
    if (expired.length > 0) this.relay.poke();
    return expired;
  }

  /** Best effort: an expired device's code can no longer approve it anyway (its status is final). */
  private async voidCodes(deviceIds: string[]): Promise<void> {
    await this.bus.request(Command.verificationVoidCodes, { deviceIds }).catch((error: Error) => {
      this.logger.debug(`could not void codes of ${deviceIds.length} expired device(s): ${error.message}`);
    });
  }

  private schedule(): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.sweeping = this.sweep()
        .catch((error: Error) => this.logger.warn(`expiry sweep failed, will retry: ${error.message}`))
        .finally(() => {
          this.sweeping = null;
          this.schedule();
        });
    }, this.settings.intervalMs);
    this.timer.unref();
  }
}

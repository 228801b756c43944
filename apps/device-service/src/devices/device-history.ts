import { Injectable } from '@nestjs/common';
import type { Caller, DomainEvent } from '@td/contracts';
import type { EntityManager } from 'typeorm';
import { AuditLog, type AuditAction } from '../audit/audit.log';
import { deviceEvent } from '../outbox/device-event';
import { OutboxWriter } from '../outbox/outbox.writer';
import type { User } from '../users/user.entity';
import type { Device } from './device.entity';

export interface DeviceChange {
  device: Device;
  /** The device's owner, as locked in this transaction (its email goes into events). */
  user: User;
  actions: AuditAction[];
  /** The durable event of the change, if other services must hear of it. */
  event?: DomainEvent;
  /** The device that made the change (the approver, the managing web app, the device itself). */
  actorDeviceId: string | null;
  caller: Caller;
}

/**
 * Writes what a state change leaves behind — audit entries (ADMIN-3) and the outbox
 * event (ARCHITECTURE.md) — in the change's own transaction, so all commit together.
 */
@Injectable()
export class DeviceHistory {
  constructor(
    private readonly outbox: OutboxWriter,
    private readonly audit: AuditLog,
  ) {}

  async record(tx: EntityManager, change: DeviceChange): Promise<void> {
    const { device, user, caller } = change;
    const context = { ip: caller.ip, userAgent: caller.userAgent };
    await this.audit.record(
      tx,
      change.actions.map((action) => ({
        workspaceId: device.workspaceId,
        action,
        actor: { userId: user.id, deviceId: change.actorDeviceId },
        target: { userId: device.userId, deviceId: device.id },
        ...context,
      })),
    );
    if (change.event) await this.outbox.append(tx, [deviceEvent(change.event, device, user, context)]);
  }
}

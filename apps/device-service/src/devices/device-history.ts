import { Injectable } from '@nestjs/common';
import type { Caller, DomainEvent } from '@td/contracts';
import type { EntityManager } from 'typeorm';
import { AuditLog, type AuditAction } from '../audit/audit.log';
import { oneStatement, type Statement } from '../database/row-columns';
import { deviceEvents } from '../outbox/device-event';
import { OutboxRepository } from '../outbox/outbox.repository';
import type { User } from '../users/user.entity';
import type { Device } from './device.entity';

/** Who made a change, from where; nulls for the system itself (the sweep) or the identity provider. */
export interface HistoryActor {
  actor: { userId: string | null; deviceId: string | null };
  origin: { ip: string | null; userAgent: string | null };
  /** When set, a second write of the same fact is ignored (retried jobs, concurrent sweeps). */
  dedupeKey?: string;
}

export interface HistoryRecord extends HistoryActor {
  device: Device;
  /** The device's owner (their email goes into events). */
  owner: Pick<User, 'email' | 'username'>;
  actions: readonly AuditAction[];
  /** The durable event of the change, if other services must hear of it. */
  event: DomainEvent | null;
}

/** The user's own command: they act from one of their devices (or none), over the caller's connection. */
export function byCaller(user: Pick<User, 'id'>, actorDeviceId: string | null, caller: Caller): HistoryActor {
  return { actor: { userId: user.id, deviceId: actorDeviceId }, origin: { ip: caller.ip, userAgent: caller.userAgent } };
}

/**
 * Writes what a change leaves behind — audit entries (ADMIN-3) and outbox events
 * (ARCHITECTURE.md) — in the change's own transaction, so all commit together.
 */
@Injectable()
export class DeviceHistory {
  constructor(
    private readonly outbox: OutboxRepository,
    private readonly audit: AuditLog,
  ) {}

  /** Audit entries and events in one statement (one round trip). */
  async write(tx: EntityManager, records: readonly HistoryRecord[]): Promise<void> {
    const statements = this.statements(records);
    if (statements.length === 0) return;
    const { sql, parameters } = oneStatement(statements);
    await tx.query(sql, parameters);
  }

  /** What `write` sends, for a change that sends it together with its own statement (DevicesRepository.insert/update). */
  statements(records: readonly HistoryRecord[]): Statement[] {
    if (records.length === 0) return [];
    const audit = this.audit.statement(
      records.flatMap((record) =>
        record.actions.map((action) => ({
          workspaceId: record.device.workspaceId,
          action,
          actor: record.actor,
          target: { userId: record.device.userId, deviceId: record.device.id },
          ...record.origin,
          ...(record.dedupeKey === undefined ? {} : { dedupeKey: record.dedupeKey }),
        })),
      ),
    );
    const events = this.outbox.appendStatement(
      deviceEvents(records.filter((record): record is HistoryRecord & { event: DomainEvent } => record.event !== null)),
    );
    return [audit, events].filter((statement): statement is Statement => statement !== null);
  }
}

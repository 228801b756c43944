import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { AuditEvent } from './audit-event.entity';

/** Audit actions (API.md). Stored values: never change one. */
export const AuditAction = {
  deviceSetup: 'device.setup',
  deviceCodeSent: 'device.code_sent',
  deviceVerified: 'device.verified',
  deviceApproved: 'device.approved',
  deviceDenied: 'device.denied',
  deviceRenamed: 'device.renamed',
  deviceDisabled: 'device.disabled',
  deviceExpired: 'device.expired',
  userDeprovisioned: 'user.deprovisioned',
} as const;
export type AuditAction = (typeof AuditAction)[keyof typeof AuditAction];

export interface AuditEntry {
  workspaceId: string;
  action: AuditAction;
  actor: { userId: string | null; deviceId: string | null };
  target: { userId: string | null; deviceId: string | null };
  ip: string | null;
  userAgent: string | null;
  /** When set, a second write of the same fact is ignored (retried jobs, DEPROV-2). */
  dedupeKey?: string;
}

/** Writes audit events inside the caller's transaction (ADMIN-3). */
@Injectable()
export class AuditLog {
  async record(manager: EntityManager, entries: AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const at = new Date();
    await manager
      .createQueryBuilder()
      .insert()
      .into(AuditEvent)
      .values(
        entries.map((entry) => ({
          id: randomUUID(),
          workspaceId: entry.workspaceId,
          at,
          action: entry.action,
          actorUserId: entry.actor.userId,
          actorDeviceId: entry.actor.deviceId,
          targetUserId: entry.target.userId,
          targetDeviceId: entry.target.deviceId,
          ip: entry.ip,
          userAgent: entry.userAgent?.slice(0, 512) ?? null,
          dedupeKey: entry.dedupeKey ?? null,
        })),
      )
      .orIgnore()
      .execute();
  }
}

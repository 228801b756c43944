import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';

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
  scimTokenCreated: 'scim_token.created',
  scimTokenRevoked: 'scim_token.revoked',
  scimTokenUseFailed: 'scim_token.use_failed',
} as const;
export type AuditAction = (typeof AuditAction)[keyof typeof AuditAction];

export interface AuditEntry {
  workspaceId: string;
  action: AuditAction;
  actor: { userId: string | null; deviceId: string | null };
  target: { userId: string | null; deviceId: string | null; scimTokenId?: string | null };
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
    // One JSON parameter for the whole batch, as the outbox does: cascades write hundreds of
    // rows per transaction, and every command writes some, so no query builder on this path.
    const rows = entries.map((entry) => ({
      id: randomUUID(),
      workspace_id: entry.workspaceId,
      action: entry.action,
      actor_user_id: entry.actor.userId,
      actor_device_id: entry.actor.deviceId,
      target_user_id: entry.target.userId,
      target_device_id: entry.target.deviceId,
      target_scim_token_id: entry.target.scimTokenId ?? null,
      ip: entry.ip,
      user_agent: entry.userAgent?.slice(0, 512) ?? null,
      dedupe_key: entry.dedupeKey ?? null,
    }));
    await manager.query(
      `INSERT INTO audit_events (id, workspace_id, at, action, actor_user_id, actor_device_id, target_user_id, target_device_id, target_scim_token_id, ip, user_agent, dedupe_key)
       SELECT r.id, r.workspace_id, $2, r.action, r.actor_user_id, r.actor_device_id, r.target_user_id, r.target_device_id, r.target_scim_token_id, r.ip, r.user_agent, r.dedupe_key
         FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (
                id uuid, workspace_id varchar, action varchar, actor_user_id uuid, actor_device_id uuid,
                target_user_id uuid, target_device_id uuid, target_scim_token_id uuid, ip varchar, user_agent varchar, dedupe_key varchar))
              WITH ORDINALITY AS r(id, workspace_id, action, actor_user_id, actor_device_id, target_user_id, target_device_id, target_scim_token_id, ip, user_agent, dedupe_key, position)
        ORDER BY r.position
       ON CONFLICT DO NOTHING`,
      [JSON.stringify(rows), new Date()],
    );
  }
}

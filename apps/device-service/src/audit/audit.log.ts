import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { selectColumns, toEntity, type Statement } from '../database/row-columns';
import { cursorTime, type KeysetPosition } from '../workspace/keyset-cursor';
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

export interface AuditFilters {
  workspaceId: string;
  userId?: string;
  deviceId?: string;
  action?: string;
}

export interface AuditPage {
  rows: AuditEvent[];
  /** The last row's position when there are more rows after it. */
  next: KeysetPosition | null;
}

/** The only place that reads and writes `audit_events` (ADMIN-3): entries are written inside the change's own transaction. */
@Injectable()
export class AuditLog {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async record(manager: EntityManager, entries: AuditEntry[]): Promise<void> {
    const statement = this.statement(entries);
    if (statement) await manager.query(statement.sql, statement.parameters);
  }

  /** The INSERT of `record`, for a caller that sends it together with its change (see `oneStatement`); null for no entries. */
  statement(entries: readonly AuditEntry[]): Statement | null {
    if (entries.length === 0) return null;
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
    return {
      sql: `INSERT INTO audit_events (id, workspace_id, at, action, actor_user_id, actor_device_id, target_user_id, target_device_id, target_scim_token_id, ip, user_agent, dedupe_key)
       SELECT r.id, r.workspace_id, $2, r.action, r.actor_user_id, r.actor_device_id, r.target_user_id, r.target_device_id, r.target_scim_token_id, r.ip, r.user_agent, r.dedupe_key
         FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (
                id uuid, workspace_id varchar, action varchar, actor_user_id uuid, actor_device_id uuid,
                target_user_id uuid, target_device_id uuid, target_scim_token_id uuid, ip varchar, user_agent varchar, dedupe_key varchar))
              WITH ORDINALITY AS r(id, workspace_id, action, actor_user_id, actor_device_id, target_user_id, target_device_id, target_scim_token_id, ip, user_agent, dedupe_key, position)
        ORDER BY r.position
       ON CONFLICT DO NOTHING`,
      parameters: [JSON.stringify(rows), new Date()],
    };
  }

  /** ADMIN-3: newest first, keyset-paged on (at, id). A user or device filter matches it as actor or target. */
  async list(filters: AuditFilters, after: KeysetPosition | null, limit: number): Promise<AuditPage> {
    const parameters: unknown[] = [filters.workspaceId];
    const conditions = ['a.workspace_id = $1'];
    const add = (condition: (placeholder: string) => string, value: unknown) => {
      parameters.push(value);
      conditions.push(condition(`$${parameters.length}`));
    };
    if (filters.userId) add((p) => `(a.actor_user_id = ${p} OR a.target_user_id = ${p})`, filters.userId);
    if (filters.deviceId) add((p) => `(a.actor_device_id = ${p} OR a.target_device_id = ${p})`, filters.deviceId);
    if (filters.action) add((p) => `a.action = ${p}`, filters.action);
    if (after) {
      parameters.push(after.at, after.id);
      conditions.push(`(a.at, a.id) < (($${parameters.length - 1})::timestamp AT TIME ZONE 'UTC', $${parameters.length}::uuid)`);
    }
    parameters.push(limit + 1);
    const found: Array<Record<string, unknown> & { cursorAt: string }> = await this.dataSource.query(
      `SELECT ${selectColumns(AuditEvent, 'a')}, ${cursorTime('a.at')} AS "cursorAt"
         FROM audit_events a
        WHERE ${conditions.join(' AND ')}
        ORDER BY a.at DESC, a.id DESC
        LIMIT $${parameters.length}`,
      parameters,
    );
    const page = found.slice(0, limit);
    const last = page[page.length - 1];
    return {
      rows: page.map(({ cursorAt: _cursorAt, ...row }) => toEntity(AuditEvent, row)),
      next: found.length > limit && last ? { at: last.cursorAt, id: last.id as string } : null,
    };
  }
}

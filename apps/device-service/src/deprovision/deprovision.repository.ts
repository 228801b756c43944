import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DeprovisionJobProgress, type DeviceStatus } from '@td/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import { DEVICE_TRANSITIONS } from '../devices/device-lifecycle';
import { Device } from '../devices/device.entity';
import { User } from '../users/user.entity';

/** What the cascade disables: every registered device (pending ones too), DEPROV-1. */
export const CASCADE_STATUSES = DEVICE_TRANSITIONS.deprovision.from;

/** The queries of deprovisioning: marking users and disabling their devices in batches. */
@Injectable()
export class DeprovisionRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  inTransaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** The user (by token `sub` within the workspace), locked: lock order is user, then devices. */
  lockUserBySubject(tx: EntityManager, workspaceId: string, subject: string): Promise<User | null> {
    return tx.findOne(User, { where: { workspaceId, subject }, lock: { mode: 'pessimistic_write' } });
  }

  /** The users (by token `sub` within the workspace) that exist, locked in id order so two bulk requests cannot deadlock. */
  async lockUsersBySubjects(tx: EntityManager, workspaceId: string, subjects: string[]): Promise<User[]> {
    return tx
      .createQueryBuilder(User, 'u')
      .where('u.workspaceId = :workspaceId AND u.subject = ANY(:subjects)', { workspaceId, subjects })
      .orderBy('u.id')
      .setLock('pessimistic_write')
      .getMany();
  }

  /** Marks the users deprovisioned in one statement (DEPROV-3). */
  async markManyDeprovisioned(tx: EntityManager, users: User[]): Promise<void> {
    if (users.length === 0) return;
    const deprovisionedAt = new Date();
    await tx.query(`UPDATE users SET deprovisioned_at = $2 WHERE id = ANY($1::uuid[])`, [users.map((user) => user.id), deprovisionedAt]);
    for (const user of users) user.deprovisionedAt = deprovisionedAt;
  }

  /** The users, locked in id order (the order every bulk path takes them in, so they cannot deadlock). */
  lockUsers(tx: EntityManager, userIds: string[]): Promise<User[]> {
    return tx.createQueryBuilder(User, 'u').where('u.id = ANY(:userIds)', { userIds }).orderBy('u.id').setLock('pessimistic_write').getMany();
  }

  async markDeprovisioned(tx: EntityManager, user: User): Promise<void> {
    const deprovisionedAt = new Date();
    await tx.update(User, { id: user.id }, { deprovisionedAt });
    user.deprovisionedAt = deprovisionedAt;
  }

  /**
   * Moves the next `limit` devices in `from` of these owners to `to` (the cascade: registered
   * to disabled, DeviceLifecycle's table) in one statement, in (owner, id) order, and returns
   * them with the status each had before. In that order a short answer leaves nothing behind,
   * and a full one leaves devices only of owners from the last one returned on. The caller
   * holds the owners' locks.
   */
  async moveNextBatch(
    tx: EntityManager,
    owners: readonly User[],
    from: readonly DeviceStatus[],
    to: DeviceStatus,
    limit: number,
  ): Promise<Array<{ device: Device; owner: User; previousStatus: DeviceStatus }>> {
    if (owners.length === 0) return [];
    const byId = new Map(owners.map((owner) => [owner.id, owner]));
    const [rows] = (await tx.query(
      `WITH batch AS (
         SELECT id, status FROM devices
          WHERE user_id = ANY($1::uuid[]) AND status = ANY($2::varchar[])
          ORDER BY user_id, id
          LIMIT $3
          FOR UPDATE)
       UPDATE devices d SET status = $4::varchar, disabled_at = CASE WHEN $4::varchar = 'disabled' THEN now() ELSE d.disabled_at END,
              disabled_by = CASE WHEN $4::varchar = 'disabled' THEN '{"kind":"deprovisioning"}'::jsonb ELSE d.disabled_by END
         FROM batch WHERE d.id = batch.id
       RETURNING d.*, batch.status AS previous_status`,
      [[...byId.keys()], from, limit, to],
    )) as [Array<Record<string, unknown> & { previous_status: DeviceStatus; user_id: string }>, number];
    const columns = tx.connection.getMetadata(Device).columns;
    return rows.map((row) => ({ device: toDevice(columns, row), owner: byId.get(row.user_id)!, previousStatus: row.previous_status }));
  }

  /** Progress from the rows themselves, so it survives a crashed worker: disabled since deprovisioning, and left. */
  async progress(userIds: readonly string[]): Promise<Map<string, DeprovisionJobProgress>> {
    const rows = (await this.dataSource.query(
      `SELECT u.id,
              count(d.id) FILTER (WHERE d.status = ANY($2::varchar[]))::int AS remaining,
              count(d.id) FILTER (WHERE d.status = 'disabled' AND d.disabled_at >= u.deprovisioned_at)::int AS disabled
         FROM users u LEFT JOIN devices d ON d.user_id = u.id
        WHERE u.id = ANY($1::uuid[])
        GROUP BY u.id`,
      [userIds, CASCADE_STATUSES],
    )) as Array<{ id: string; remaining: number; disabled: number }>;
    const found = new Map(rows.map((row) => [row.id, { disabled: row.disabled, total: row.disabled + row.remaining }]));
    return new Map(userIds.map((id) => [id, found.get(id) ?? { disabled: 0, total: 0 }]));
  }

  async hasEnabledDevices(userId: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(`SELECT 1 FROM devices WHERE user_id = $1 AND status = ANY($2::varchar[]) LIMIT 1`, [
      userId,
      CASCADE_STATUSES,
    ]);
    return rows.length > 0;
  }

  /** Deprovisioned users whose cascade has not finished (or was never started): the self-healing sweep's work. */
  async usersWithUnfinishedCascade(limit: number): Promise<Array<Pick<User, 'id' | 'workspaceId'>>> {
    const rows: Array<{ id: string; workspace_id: string }> = await this.dataSource.query(
      `SELECT u.id, u.workspace_id FROM users u
        WHERE u.deprovisioned_at IS NOT NULL
          AND EXISTS (SELECT 1 FROM devices d WHERE d.user_id = u.id AND d.status = ANY($1::varchar[]))
        ORDER BY u.deprovisioned_at
        LIMIT $2`,
      [CASCADE_STATUSES, limit],
    );
    return rows.map((row) => ({ id: row.id, workspaceId: row.workspace_id }));
  }
}

/** A `RETURNING *` row as the entity (saves reading the rows back). */
function toDevice(columns: ReadonlyArray<{ propertyName: string; databaseName: string }>, row: Record<string, unknown>): Device {
  const device = new Device();
  for (const column of columns) (device as unknown as Record<string, unknown>)[column.propertyName] = row[column.databaseName];
  return device;
}

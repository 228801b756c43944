import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DEVICE_STATUSES, type ClientType, type DeviceStatus } from '@td/contracts';
import { In, type DataSource, type EntityManager, type SelectQueryBuilder } from 'typeorm';
import { AuditEvent } from '../audit/audit-event.entity';
import { Device } from '../devices/device.entity';
import { User } from '../users/user.entity';
import { cursorTime, type KeysetPosition } from './keyset-cursor';

export interface DeviceFilters {
  workspaceId: string;
  /** Internal `users.id` (resolved from the API's `sub`). */
  userId?: string;
  status?: DeviceStatus;
  clientType?: ClientType;
  q?: string;
}

export interface AuditFilters {
  workspaceId: string;
  userId?: string;
  deviceId?: string;
  action?: string;
}

export interface Page<T> {
  rows: T[];
  /** The last row's position when there are more rows after it. */
  next: KeysetPosition | null;
}

export type DeviceWithUser = { device: Device; user: Pick<User, 'id' | 'subject' | 'email' | 'username'> };

export const zeroCounts = (): Record<DeviceStatus, number> => Object.fromEntries(DEVICE_STATUSES.map((status) => [status, 0])) as Record<DeviceStatus, number>;

/** Escapes LIKE wildcards so a search for `50%` means the text `50%`. */
const likePattern = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The workspace-wide reads and the admin's device change (ADMIN-1..3); always scoped to one workspace. */
@Injectable()
export class WorkspaceRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  inTransaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  findUserBySubject(workspaceId: string, subject: string): Promise<User | null> {
    return this.dataSource.manager.findOneBy(User, { workspaceId, subject });
  }

  async subjectsByIds(ids: Array<string | null>): Promise<Map<string, string>> {
    const wanted = [...new Set(ids.filter((id): id is string => id !== null))];
    if (wanted.length === 0) return new Map();
    const users = await this.dataSource.manager.find(User, { where: { id: In(wanted) }, select: { id: true, subject: true } });
    return new Map(users.map((user) => [user.id, user.subject]));
  }

  /** ADMIN-1: newest first, keyset-paged on (created_at, id). */
  async listDevices(filters: DeviceFilters, after: KeysetPosition | null, limit: number): Promise<Page<DeviceWithUser>> {
    const query = this.devicesMatching(filters, true)
      .addSelect(['u.id', 'u.subject', 'u.email', 'u.username'])
      .addSelect(cursorTime('d.created_at'), 'cursor_at')
      .orderBy('d.created_at', 'DESC')
      .addOrderBy('d.id', 'DESC')
      .limit(limit + 1);
    if (after) query.andWhere(`(d.created_at, d.id) < ((:afterAt)::timestamp AT TIME ZONE 'UTC', :afterId)`, { afterAt: after.at, afterId: after.id });
    const { entities, raw } = await query.getRawAndEntities<{ d_id: string; u_id: string; u_subject: string; u_email: string; u_username: string; cursor_at: string }>();
    const rawById = new Map(raw.map((row) => [row.d_id, row]));
    const rows = entities.slice(0, limit).map((device) => {
      const row = rawById.get(device.id)!;
      return { device, user: { id: row.u_id, subject: row.u_subject, email: row.u_email, username: row.u_username }, cursorAt: row.cursor_at };
    });
    const last = rows[rows.length - 1];
    return {
      rows: rows.map(({ device, user }) => ({ device, user })),
      next: entities.length > limit && last ? { at: last.cursorAt, id: last.device.id } : null,
    };
  }

  /** ADMIN-1: counts per status over the same filters except the status itself. */
  async countByStatus(filters: DeviceFilters): Promise<Record<DeviceStatus, number>> {
    const rows = await this.devicesMatching({ ...filters, status: undefined }, false)
      .select('d.status', 'status')
      .addSelect('count(*)::int', 'n')
      .groupBy('d.status')
      .getRawMany<{ status: DeviceStatus; n: number }>();
    const counts = zeroCounts();
    for (const row of rows) counts[row.status] = row.n;
    return counts;
  }

  private devicesMatching(filters: DeviceFilters, selectDevice: boolean): SelectQueryBuilder<Device> {
    const query = this.dataSource.manager
      .createQueryBuilder(Device, 'd')
      .innerJoin(User, 'u', 'u.id = d.user_id')
      .where('d.workspace_id = :workspaceId', { workspaceId: filters.workspaceId });
    if (!selectDevice) query.select([]);
    if (filters.userId) query.andWhere('d.user_id = :userId', { userId: filters.userId });
    if (filters.status) query.andWhere('d.status = :status', { status: filters.status });
    if (filters.clientType) query.andWhere('d.client_type = :clientType', { clientType: filters.clientType });
    if (filters.q) query.andWhere(`(d.name ILIKE :q OR u.email ILIKE :q)`, { q: likePattern(filters.q) });
    return query;
  }

  /** ADMIN-2: the device, if it is in this workspace, locked after its owner's row (the lock order of every device change). */
  async lockDeviceInWorkspace(tx: EntityManager, workspaceId: string, deviceId: string): Promise<{ device: Device; owner: User } | null> {
    const found = await tx.findOneBy(Device, { id: deviceId, workspaceId });
    if (!found) return null;
    const owner = await tx.findOneOrFail(User, { where: { id: found.userId }, lock: { mode: 'pessimistic_write' } });
    const device = await tx.findOneOrFail(Device, { where: { id: deviceId }, lock: { mode: 'pessimistic_write' } });
    return { device, owner };
  }

  async updateDevice(tx: EntityManager, device: Device, changes: Partial<Device>): Promise<Device> {
    await tx.update(Device, { id: device.id }, changes);
    return Object.assign(device, changes);
  }

  /** ADMIN-3: newest first, keyset-paged on (at, id). A user or device filter matches it as actor or target. */
  async listAudit(filters: AuditFilters, after: KeysetPosition | null, limit: number): Promise<Page<AuditEvent>> {
    const query = this.dataSource.manager
      .createQueryBuilder(AuditEvent, 'a')
      .addSelect(cursorTime('a.at'), 'cursor_at')
      .where('a.workspace_id = :workspaceId', { workspaceId: filters.workspaceId })
      .orderBy('a.at', 'DESC')
      .addOrderBy('a.id', 'DESC')
      .limit(limit + 1);
    if (filters.userId) query.andWhere('(a.actor_user_id = :userId OR a.target_user_id = :userId)', { userId: filters.userId });
    if (filters.deviceId) query.andWhere('(a.actor_device_id = :deviceId OR a.target_device_id = :deviceId)', { deviceId: filters.deviceId });
    if (filters.action) query.andWhere('a.action = :action', { action: filters.action });
    if (after) query.andWhere(`(a.at, a.id) < ((:afterAt)::timestamp AT TIME ZONE 'UTC', :afterId)`, { afterAt: after.at, afterId: after.id });
    const { entities, raw } = await query.getRawAndEntities<{ a_id: string; cursor_at: string }>();
    const cursorById = new Map(raw.map((row) => [row.a_id, row.cursor_at]));
    const rows = entities.slice(0, limit);
    const last = rows[rows.length - 1];
    return { rows, next: entities.length > limit && last ? { at: cursorById.get(last.id)!, id: last.id } : null };
  }
}

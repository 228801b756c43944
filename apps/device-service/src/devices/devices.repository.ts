import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DomainError } from '@td/common';
import {
  DEVICE_STATUSES,
  ErrorCode,
  PENDING_STATUSES,
  REGISTERED_STATUSES,
  type ClientType,
  type DeprovisionJobProgress,
  type DeviceStatus,
} from '@td/contracts';
import { QueryFailedError, type DataSource, type EntityManager } from 'typeorm';
import { insertRow, oneStatement, selectColumns, toEntities, toEntity, updateRow, type Statement } from '../database/row-columns';
import type { User } from '../users/user.entity';
import { cursorTime, type KeysetPosition } from '../workspace/keyset-cursor';
import { Device } from './device.entity';

const deviceColumns = (alias: string): string => selectColumns(Device, alias);

const UNIQUE_VIOLATION = '23505';

/** MANAGE-1: last seen is written at most this often per device. */
export const LAST_SEEN_INTERVAL_MS = 60_000;

export interface SetupChecks {
  keyRegistered: boolean;
  registeredCount: number;
  freeName: string | null;
  approvedClientTypes: ClientType[];
  /**
   * SEC-5: the user's `maxPerWindow`-th newest setup inside the window, null while fewer
   * were made; once it leaves the window, one more setup fits.
   */
  limitingSetupAt: Date | null;
}

/** SEC-5: how many setups a user made since `since`, and which one bounds the next. */
export interface SetupWindow {
  since: Date;
  maxPerWindow: number;
}

export interface DeviceFilters {
  workspaceId: string;
  /** Internal `users.id` (resolved from the API's `sub`). */
  userId?: string;
  status?: DeviceStatus;
  clientType?: ClientType;
  q?: string;
}

export interface Page<T> {
  rows: T[];
  /** The last row's position when there are more rows after it. */
  next: KeysetPosition | null;
}

export type DeviceWithUser = { device: Device; user: Pick<User, 'id' | 'subject' | 'email' | 'username'> };

export const zeroCounts = (): Record<DeviceStatus, number> =>
  Object.fromEntries(DEVICE_STATUSES.map((status) => [status, 0])) as Record<DeviceStatus, number>;

/** Devices that are removed once the retention period has passed (SEC-5): never an approved or disabled one. */
const PRUNABLE_STATUSES: readonly DeviceStatus[] = [...PENDING_STATUSES, 'expired', 'denied'];

/** Escapes LIKE wildcards so a search for `50%` means the text `50%`. */
const likePattern = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * The only place that reads and writes `devices` (and `retired_device_keys`, the keys of
 * devices removed after retention): the user's commands, the admin's list, the expiry and
 * retention sweeps, the deprovisioning cascade.
 */
@Injectable()
export class DevicesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** A device of this user; another user's device is simply not found. */
  async findOwn(userId: string, deviceId: string): Promise<Device | null> {
    const rows: object[] = await this.dataSource.query(`SELECT ${deviceColumns('d')} FROM devices d WHERE d.id = $1 AND d.user_id = $2`, [
      deviceId,
      userId,
    ]);
    return rows.length === 0 ? null : toEntity(Device, rows[0]);
  }

  /**
   * Devices waiting for their email code while it should still be live (some seconds to spare, so a
   * code about to lapse by itself is not taken for lost): the lost-code sweep's candidates.
   */
  async waitingForLiveCode(limit: number, spareMs = 5000): Promise<Array<Pick<Device, 'id' | 'userId'>>> {
    return this.dataSource.query(
      `SELECT id, user_id AS "userId" FROM devices
        WHERE status = 'pending_verification' AND code_expires_at > now() + make_interval(secs => $1::double precision / 1000)
          AND (expires_at IS NULL OR expires_at > now())
        ORDER BY code_expires_at LIMIT $2`,
      [spareMs, limit],
    );
  }

  /** Same, locked for the transaction (after the user's row: lock order is user, then devices). */
  async lockOwn(tx: EntityManager, userId: string, deviceId: string): Promise<Device | null> {
    const rows: object[] = await tx.query(`SELECT ${deviceColumns('d')} FROM devices d WHERE d.id = $1 AND d.user_id = $2 FOR UPDATE`, [
      deviceId,
      userId,
    ]);
    return rows.length === 0 ? null : toEntity(Device, rows[0]);
  }

  /** ADMIN-2, ADMIN-4: the device if it is in this workspace (not locked: lock its owner, then `lockOwn`). */
  async findInWorkspace(tx: EntityManager, workspaceId: string, deviceId: string): Promise<Device | null> {
    const rows: object[] = await tx.query(`SELECT ${deviceColumns('d')} FROM devices d WHERE d.id = $1 AND d.workspace_id = $2`, [
      deviceId,
      workspaceId,
    ]);
    return rows.length === 0 ? null : toEntity(Device, rows[0]);
  }

  /**
   * Everything a setup decides on, read in one statement after the user's row is locked
   * (so, in READ COMMITTED, it sees every change committed before the lock was ours):
   * KEY-4 any device of anyone ever had this key (also one since removed, SEC-5); SETUP-3 the user's registered devices;
   * SETUP-2 the first name candidate no registered device holds (ignoring case with the
   * database's own lower(), like the unique index), null when all are taken; SETUP-4 the
   * client types of the user's approved devices; SEC-5 the setup that bounds the next one
   * in the rolling window (every device row is a setup that was answered 201, whatever its
   * status now; rows are kept far longer than the window).
   */
  async setupChecks(
    tx: EntityManager,
    userId: string,
    keyThumbprint: string,
    nameCandidates: string[],
    window: SetupWindow,
  ): Promise<SetupChecks> {
    const rows: SetupChecks[] = await tx.query(
      `SELECT (EXISTS (SELECT 1 FROM devices WHERE key_thumbprint = $2)
               OR EXISTS (SELECT 1 FROM retired_device_keys WHERE key_thumbprint = $2)) AS "keyRegistered",
              (SELECT count(*)::int FROM devices WHERE user_id = $1 AND status = ANY($3)) AS "registeredCount",
              (SELECT candidate.name FROM unnest($4::text[]) WITH ORDINALITY AS candidate(name, position)
                WHERE NOT EXISTS (
                  SELECT 1 FROM devices d
                   WHERE d.user_id = $1 AND d.status = ANY($3) AND lower(d.name) = lower(candidate.name))
                ORDER BY candidate.position LIMIT 1) AS "freeName",
              ARRAY(SELECT DISTINCT client_type::text FROM devices WHERE user_id = $1 AND status = 'approved') AS "approvedClientTypes",
              (SELECT created_at FROM devices WHERE user_id = $1 AND created_at > $5
                ORDER BY created_at DESC OFFSET $6::int - 1 LIMIT 1) AS "limitingSetupAt"`,
      [userId, keyThumbprint, REGISTERED_STATUSES, nameCandidates, window.since, window.maxPerWindow],
    );
    return rows[0];
  }

  /** The client apps of the user's approved devices (SETUP-4 approvers). */
  async approvedClientTypes(userId: string): Promise<ClientType[]> {
    const rows: Array<{ clientType: ClientType }> = await this.dataSource.query(
      `SELECT DISTINCT client_type AS "clientType" FROM devices WHERE user_id = $1 AND status = 'approved'`,
      [userId],
    );
    return rows.map((row) => row.clientType);
  }

  /** SETUP-2: the name clashes, ignoring case as the unique index does, with another registered device. */
  async isNameTaken(tx: EntityManager, userId: string, name: string, exceptDeviceId: string | null = null): Promise<boolean> {
    const rows: unknown[] = await tx.query(
      `SELECT 1 FROM devices
        WHERE user_id = $1 AND lower(name) = lower($2) AND status = ANY($3) AND ($4::uuid IS NULL OR id <> $4::uuid)
        LIMIT 1`,
      [userId, name, REGISTERED_STATUSES, exceptDeviceId],
    );
    return rows.length > 0;
  }

  /** Inserts a new device; a lost race on the key or the name becomes its domain error (KEY-4, SETUP-2). */
  async insert(tx: EntityManager, device: Device, alongWith: readonly Statement[] = []): Promise<void> {
    try {
      // `alongWith`: what the change leaves behind (DeviceHistory.statements), sent in the same statement.
      const { sql, parameters } = oneStatement([insertRow(Device, 'devices', device), ...alongWith]);
      await tx.query(sql, parameters);
    } catch (error) {
      throw translateUniqueViolation(error);
    }
  }

  /**
   * Writes the given fields of a device and keeps the entity in step, so views and events show the new state.
   * `alongWith`: statements built from the device as it will be (DeviceHistory.statements), sent in the same statement.
   */
  async update(
    tx: EntityManager,
    device: Device,
    changes: Partial<Device>,
    alongWith: (updated: Device) => readonly Statement[] = () => [],
  ): Promise<Device> {
    try {
      const update = updateRow(Device, 'devices', device.id, changes);
      // The entity itself changes only once the write succeeded.
      const statements = [...(update.parameters.length > 1 ? [update] : []), ...alongWith(Object.assign(new Device(), device, changes))];
      if (statements.length > 0) {
        const { sql, parameters } = oneStatement(statements);
        await tx.query(sql, parameters);
      }
    } catch (error) {
      throw translateUniqueViolation(error);
    }
    return Object.assign(device, changes);
  }

  /**
   * MANAGE-1: last seen time and IP, written at most once a minute per device so reads
   * stay cheap; the condition in the UPDATE makes concurrent requests write once.
   */
  async touchLastSeen(deviceId: string, ip: string | null): Promise<boolean> {
    const [, affected]: [unknown, number] = await this.dataSource.query(
      `UPDATE devices SET last_seen_at = now(), last_ip = $2
        WHERE id = $1 AND (last_seen_at IS NULL OR last_seen_at < now() - $3::int * interval '1 millisecond')`,
      [deviceId, ip?.slice(0, 64) ?? null, LAST_SEEN_INTERVAL_MS],
    );
    return affected > 0;
  }

  /** ADMIN-1: the workspace's devices with their owners, newest first, keyset-paged on (created_at, id). */
  async listInWorkspace(filters: DeviceFilters, after: KeysetPosition | null, limit: number): Promise<Page<DeviceWithUser>> {
    const { where, parameters } = matching(filters);
    let sql = `SELECT ${deviceColumns('d')}, u.id AS "u.id", u.subject AS "u.subject", u.email AS "u.email", u.username AS "u.username",
                      ${cursorTime('d.created_at')} AS "cursorAt"
                 FROM devices d JOIN users u ON u.id = d.user_id
                WHERE ${where}`;
    if (after) {
      parameters.push(after.at, after.id);
      sql += ` AND (d.created_at, d.id) < (($${parameters.length - 1})::timestamp AT TIME ZONE 'UTC', $${parameters.length}::uuid)`;
    }
    parameters.push(limit + 1);
    sql += ` ORDER BY d.created_at DESC, d.id DESC LIMIT $${parameters.length}`;
    const found: Array<Record<string, unknown>> = await this.dataSource.query(sql, parameters);
    const rows = found.slice(0, limit).map((row) => {
      const { 'u.id': id, 'u.subject': subject, 'u.email': email, 'u.username': username, cursorAt, ...device } = row;
      return {
        device: toEntity(Device, device),
        user: { id, subject, email, username } as DeviceWithUser['user'],
        cursorAt: cursorAt as string,
      };
    });
    const last = rows[rows.length - 1];
    return {
      rows: rows.map(({ device, user }) => ({ device, user })),
      next: found.length > limit && last ? { at: last.cursorAt, id: last.device.id } : null,
    };
  }

  /** ADMIN-1: counts per status over the same filters except the status itself. */
  async countByStatusInWorkspace(filters: DeviceFilters): Promise<Record<DeviceStatus, number>> {
    const { where, parameters } = matching({ ...filters, status: undefined });
    const rows: Array<{ status: DeviceStatus; n: number }> = await this.dataSource.query(
      `SELECT d.status, count(*)::int AS n FROM devices d JOIN users u ON u.id = d.user_id WHERE ${where} GROUP BY d.status`,
      parameters,
    );
    const counts = zeroCounts();
    for (const row of rows) counts[row.status] = row.n;
    return counts;
  }

  /**
   * Moves the next `limit` devices in `from` of these owners to `to` (the cascade: registered
   * to disabled, DeviceLifecycle's table) in one statement, in (owner, id) order, and returns
   * them with the status each had before, and the owner of the first device in `from` left
   * behind (null when none is: every owner is done). The caller holds the owners' locks, which
   * every other status change takes first, so the devices are read without row locks of their
   * own (a row lock is a WAL record and a dirtied page per device, issue 12); the UPDATE still
   * checks each device's status as it finds it.
   */
  async moveNextBatchOfUsers(
    tx: EntityManager,
    userIds: readonly string[],
    from: readonly DeviceStatus[],
    to: DeviceStatus,
    limit: number,
  ): Promise<{ moved: Array<{ device: Device; previousStatus: DeviceStatus }>; nextUserId: string | null }> {
    if (userIds.length === 0) return { moved: [], nextUserId: null };
    const rows = (await tx.query(
      `WITH candidates AS MATERIALIZED (
         SELECT id, user_id, status, row_number() OVER (ORDER BY user_id, id) AS position FROM (
           SELECT id, user_id, status FROM devices
            WHERE user_id = ANY($1::uuid[]) AND status = ANY($2::varchar[])
            ORDER BY user_id, id
            LIMIT $3 + 1) first),
       moved AS (
         UPDATE devices d SET status = $4::varchar, disabled_at = CASE WHEN $4::varchar = 'disabled' THEN now() ELSE d.disabled_at END,
                disabled_by = CASE WHEN $4::varchar = 'disabled' THEN '{"kind":"deprovisioning"}'::jsonb ELSE d.disabled_by END
           FROM candidates c WHERE c.position <= $3 AND d.id = c.id AND d.status = ANY($2::varchar[])
         RETURNING ${deviceColumns('d')}, c.status AS "previousStatus")
       SELECT (SELECT user_id::text FROM candidates WHERE position > $3) AS "nextUserId", m.*
         FROM (SELECT 1) one LEFT JOIN moved m ON true
        ORDER BY m."userId", m.id`,
      [userIds, from, limit, to],
    )) as Array<Record<string, unknown> & { previousStatus: DeviceStatus; nextUserId: string | null }>;
    return {
      moved: rows
        .filter((row) => row.id !== null)
        .map(({ previousStatus, nextUserId: _next, ...device }) => ({ device: toEntity(Device, device), previousStatus })),
      nextUserId: rows[0]?.nextUserId ?? null,
    };
  }

  /**
   * DEPROV-1 progress from the rows themselves, so it survives a crashed worker: per user, the
   * devices disabled since their deprovisioning, and those left in `remainingStatuses`.
   */
  async deprovisionProgress(
    userIds: readonly string[],
    remainingStatuses: readonly DeviceStatus[],
  ): Promise<Map<string, DeprovisionJobProgress>> {
    const rows = (await this.dataSource.query(
      `SELECT u.id,
              count(d.id) FILTER (WHERE d.status = ANY($2::varchar[]))::int AS remaining,
              count(d.id) FILTER (WHERE d.status = 'disabled' AND d.disabled_at >= u.deprovisioned_at)::int AS disabled
         FROM users u LEFT JOIN devices d ON d.user_id = u.id
        WHERE u.id = ANY($1::uuid[])
        GROUP BY u.id`,
      [userIds, remainingStatuses],
    )) as Array<{ id: string; remaining: number; disabled: number }>;
    const found = new Map(rows.map((row) => [row.id, { disabled: row.disabled, total: row.disabled + row.remaining }]));
    return new Map(userIds.map((id) => [id, found.get(id) ?? { disabled: 0, total: 0 }]));
  }

  /** Whether the user has any device in one of `statuses`. */
  async hasAnyIn(userId: string, statuses: readonly DeviceStatus[]): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM devices WHERE user_id = $1 AND status = ANY($2::varchar[]) LIMIT 1`,
      [userId, statuses],
    );
    return rows.length > 0;
  }

  /**
   * SETUP-5: how long until the earliest deadline of a pending device, in ms by the database's
   * clock (0 or less: due now), or null when no device is pending. One step on devices_pending_expiry_idx.
   */
  async nextPendingDeadlineInMs(): Promise<number | null> {
    const [row] = (await this.dataSource.query(
      `SELECT (extract(epoch FROM min(expires_at) - now()) * 1000)::float8 AS "dueInMs" FROM devices
        WHERE status IN ('pending_verification', 'pending_approval')`,
    )) as Array<{ dueInMs: number | null }>;
    return row?.dueInMs ?? null;
  }

  /**
   * Moves up to `limit` devices in `from` whose deadline has passed to `to` (pending to
   * expired, DeviceLifecycle's table) and returns them. Rows another sweeper (or a
   * verify/approve) holds are skipped, so concurrent sweepers never expire a device twice.
   */
  async moveDue(tx: EntityManager, from: readonly DeviceStatus[], to: DeviceStatus, limit: number): Promise<Device[]> {
    const [rows] = (await tx.query(
      `UPDATE devices d SET status = $3
        WHERE d.id IN (
          SELECT id FROM devices
           WHERE status = ANY($1::varchar[]) AND expires_at <= now()
           ORDER BY expires_at
           LIMIT $2
           FOR UPDATE SKIP LOCKED)
          AND d.status = ANY($1::varchar[])
        RETURNING ${deviceColumns('d')}`,
      [from, limit, to],
    )) as [object[], number];
    return toEntities(Device, rows);
  }

  /**
   * SEC-5: deletes up to `limit` pending, expired or denied devices whose last change is
   * older than `cutoff`, keeping each one's key as taken (KEY-4); audit rows are not touched.
   * Returns how many were deleted. Rows another pruner holds are skipped.
   */
  async pruneBefore(tx: EntityManager, cutoff: Date, limit: number): Promise<number> {
    const [, deleted] = (await tx.query(
      `WITH doomed AS (
         SELECT id, key_thumbprint FROM devices
          WHERE status = ANY($1::varchar[]) AND greatest(created_at, expires_at, denied_at) < $2
          ORDER BY greatest(created_at, expires_at, denied_at)
          LIMIT $3
          FOR UPDATE SKIP LOCKED),
       retired AS (
         INSERT INTO retired_device_keys (key_thumbprint) SELECT key_thumbprint FROM doomed ON CONFLICT DO NOTHING)
       DELETE FROM devices d USING doomed WHERE d.id = doomed.id`,
      [PRUNABLE_STATUSES, cutoff, limit],
    )) as [unknown, number];
    return deleted;
  }
}

/** The WHERE of the admin's device list (devices `d` joined with their owners `u`), always scoped to one workspace. */
function matching(filters: DeviceFilters): { where: string; parameters: unknown[] } {
  const parameters: unknown[] = [filters.workspaceId];
  const conditions = ['d.workspace_id = $1'];
  const add = (condition: (placeholder: string) => string, value: unknown) => {
    parameters.push(value);
    conditions.push(condition(`$${parameters.length}`));
  };
  if (filters.userId) add((p) => `d.user_id = ${p}`, filters.userId);
  if (filters.status) add((p) => `d.status = ${p}`, filters.status);
  if (filters.clientType) add((p) => `d.client_type = ${p}`, filters.clientType);
  if (filters.q) add((p) => `(d.name ILIKE ${p} OR u.email ILIKE ${p})`, likePattern(filters.q));
  return { where: conditions.join(' AND '), parameters };
}

function translateUniqueViolation(error: unknown): unknown {
  if (!(error instanceof QueryFailedError)) return error;
  const { code, constraint } = error.driverError as { code?: string; constraint?: string };
  if (code !== UNIQUE_VIOLATION) return error;
  if (constraint === 'devices_key_thumbprint_key') {
    return DomainError.of(ErrorCode.deviceKeyRegistered, 'This key was registered before; make a new key for this device.');
  }
  if (constraint === 'devices_user_registered_name_key') {
    return DomainError.of(ErrorCode.deviceNameTaken, 'You already have a device with this name.');
  }
  return error;
}

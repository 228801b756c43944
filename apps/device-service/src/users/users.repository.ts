import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { TokenClaims } from '@td/contracts';
import type { DeviceStatus, GetMailRecipientReply } from '@td/contracts';
import { EntityNotFoundError, type DataSource, type EntityManager } from 'typeorm';
import { selectColumns, splitPrefixed, toEntities, toEntity } from '../database/row-columns';
import { Device } from '../devices/device.entity';
import { User } from './user.entity';

const userColumns = (alias: string): string => selectColumns(User, alias);
const deviceColumns = (alias: string, prefix: string): string => selectColumns(Device, alias, prefix);

const DEVICE_PREFIX = 'device.';

export interface UserWithVisibleDevices extends UserWithDevice {
  visible: Device[];
}

export interface UserWithDevice {
  user: User;
  /** The user's device with the given key, whatever its status; null without a key or when none has it. */
  device: Device | null;
}

/** The only place that reads and writes `users` (the caller's user, admins' lookups, SCIM, deprovisioning, the sweeps). */
@Injectable()
export class UsersRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The user with this token `sub` in the workspace. */
  async findBySubject(workspaceId: string, subject: string): Promise<User | null> {
    const rows: object[] = await this.dataSource.query(
      `SELECT ${userColumns('u')} FROM users u WHERE u.workspace_id = $1 AND u.subject = $2`,
      [workspaceId, subject],
    );
    return rows.length === 0 ? null : toEntity(User, rows[0]);
  }

  /** The users with these ids (each once), in the caller's transaction. */
  async findByIds(tx: EntityManager, ids: string[]): Promise<User[]> {
    const rows: object[] = await tx.query(`SELECT ${userColumns('u')} FROM users u WHERE u.id = ANY($1::uuid[])`, [[...new Set(ids)]]);
    return toEntities(User, rows);
  }

  /** Token `sub` by user id, for the ids given (nulls and repeats ignored). */
  async subjectsByIds(ids: Array<string | null>): Promise<Map<string, string>> {
    const wanted = [...new Set(ids.filter((id): id is string => id !== null))];
    if (wanted.length === 0) return new Map();
    const rows: Array<{ id: string; subject: string }> = await this.dataSource.query(
      `SELECT id, subject FROM users WHERE id = ANY($1::uuid[])`,
      [wanted],
    );
    return new Map(rows.map((row) => [row.id, row.subject]));
  }

  /** SCIM `userName eq "…"`: userName comparisons ignore case (RFC 7643 §4.1.1); oldest first, at most 100. */
  async findByEmail(workspaceId: string, email: string): Promise<User[]> {
    const rows: object[] = await this.dataSource.query(
      `SELECT ${userColumns('u')} FROM users u
        WHERE u.workspace_id = $1 AND lower(u.email) = lower($2)
        ORDER BY u.created_at
        LIMIT 100`,
      [workspaceId, email],
    );
    return toEntities(User, rows);
  }

  /**
   * The user and, in the same round trip, their device with this key (KEY-4: found by
   * thumbprint, and only among the user's own devices). Every command starts here.
   */
  async findWithDevice(workspaceId: string, subject: string, keyThumbprint: string | null): Promise<UserWithDevice | null> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT ${userColumns('u')}, ${deviceColumns('d', DEVICE_PREFIX)}
         FROM users u
         LEFT JOIN devices d ON d.user_id = u.id AND d.key_thumbprint = $3
        WHERE u.workspace_id = $1 AND u.subject = $2`,
      [workspaceId, subject, keyThumbprint],
    );
    if (rows.length === 0) return null;
    const [user, device] = splitPrefixed(rows[0], DEVICE_PREFIX);
    return { user: toEntity(User, user), device: device.id === null ? null : toEntity(Device, device) };
  }

  /** The user's address and whether they are deprovisioned, for a mail being sent now (SEC-2); null when no such user. */
  async findMailRecipient(workspaceId: string, userId: string, deviceId?: string): Promise<GetMailRecipientReply | null> {
    if (deviceId === undefined) {
      const rows: GetMailRecipientReply[] = await this.dataSource.query(
        `SELECT u.email, u.deprovisioned_at IS NOT NULL AS deprovisioned FROM users u WHERE u.id = $1 AND u.workspace_id = $2`,
        [userId, workspaceId],
      );
      return rows[0] ?? null;
    }
    const rows: GetMailRecipientReply[] = await this.dataSource.query(
      `SELECT u.email, u.deprovisioned_at IS NOT NULL AS deprovisioned, d.status AS "deviceStatus"
         FROM users u LEFT JOIN devices d ON d.id = $3 AND d.user_id = u.id WHERE u.id = $1 AND u.workspace_id = $2`,
      [userId, workspaceId, deviceId],
    );
    return rows[0] ?? null;
  }

  /**
   * AUTH-2: creates the user on first sight or refreshes what the token says about them.
   * ON CONFLICT makes concurrent first requests of one user all succeed on the same row.
   */
  async createOrRefresh(claims: TokenClaims): Promise<User> {
    const rows: object[] = await this.dataSource.query(
      `INSERT INTO users (workspace_id, subject, email, username, role)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (workspace_id, subject) DO UPDATE
         SET email = EXCLUDED.email, username = EXCLUDED.username, role = EXCLUDED.role, updated_at = now()
       RETURNING ${userColumns('users')}`,
      [claims.wid, claims.sub, claims.email, claims.username, claims.role],
    );
    return toEntity(User, rows[0]);
  }

  /**
   * As `findWithDevice`, and in the same statement the user's visible devices (MANAGE-1: every
   * status but expired, newest first): the list is one round trip. The calling device is
   * among the joined rows even when expired, marked, and left out of the list then.
   */
  async findWithVisibleDevices(workspaceId: string, subject: string, keyThumbprint: string | null): Promise<UserWithVisibleDevices | null> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT ${userColumns('u')}, ${deviceColumns('d', DEVICE_PREFIX)}, d.key_thumbprint = $3 AS "callerDevice"
         FROM users u
         LEFT JOIN devices d ON d.user_id = u.id AND (d.status <> 'expired' OR d.key_thumbprint = $3)
        WHERE u.workspace_id = $1 AND u.subject = $2
        ORDER BY d.created_at DESC, d.id DESC`,
      [workspaceId, subject, keyThumbprint],
    );
    if (rows.length === 0) return null;
    let device: Device | null = null;
    const visible: Device[] = [];
    for (const row of rows) {
      const { callerDevice, ...columns } = row;
      const [, fields] = splitPrefixed(columns, DEVICE_PREFIX);
      if (fields.id === null) continue;
      const listed = toEntity(Device, fields);
      if (callerDevice === true) device = listed;
      if (listed.status !== 'expired') visible.push(listed);
    }
    const [user] = splitPrefixed(rows[0], DEVICE_PREFIX);
    delete user.callerDevice;
    return { user: toEntity(User, user), device, visible };
  }

  /**
   * Locks the user's row for the rest of the transaction. Every state change of a user's
   * devices takes this lock first (then device rows), so limits, names and deprovisioning
   * are decided one change at a time (SETUP-3, DEPROV-2).
   */
  async lockForUpdate(tx: EntityManager, userId: string): Promise<User> {
    const user = await this.lockIfExists(tx, userId);
    if (!user) throw new EntityNotFoundError(User, { id: userId });
    return user;
  }

  /**
   * As `lockForUpdate`, and in the same statement (one round trip) the user's devices with these ids,
   * locked after the user's row (the lateral join runs per locked user row) and in id order. FOR UPDATE
   * answers each row as it is once locked, so what was committed while this waited is seen. Ids of no
   * device of this user are simply not among `devices`.
   */
  async lockWithDevices(tx: EntityManager, userId: string, deviceIds: string[]): Promise<{ user: User; devices: Device[] }> {
    const rows: Array<Record<string, unknown>> = await tx.query(
      `WITH u AS MATERIALIZED (SELECT ${userColumns('u')} FROM users u WHERE u.id = $1 FOR UPDATE)
       SELECT u.*, d.*
         FROM u
         LEFT JOIN LATERAL (
           SELECT ${deviceColumns('d', DEVICE_PREFIX)} FROM devices d
            WHERE d.user_id = u."id" AND d.id = ANY($2::uuid[])
            ORDER BY d.id
              FOR UPDATE) d ON true`,
      [userId, deviceIds],
    );
    if (rows.length === 0) throw new EntityNotFoundError(User, { id: userId });
    const devices: Device[] = [];
    for (const row of rows) {
      const [, device] = splitPrefixed(row, DEVICE_PREFIX);
      if (device.id !== null) devices.push(toEntity(Device, device));
    }
    return { user: toEntity(User, splitPrefixed(rows[0], DEVICE_PREFIX)[0]), devices };
  }

  /** As `lockForUpdate`; null when there is no such user. */
  async lockIfExists(tx: EntityManager, userId: string): Promise<User | null> {
    const [user] = await this.lockByIds(tx, [userId]);
    return user ?? null;
  }

  /** The users that exist, locked in id order (the order every bulk path takes them in, so they cannot deadlock). */
  async lockByIds(tx: EntityManager, userIds: string[]): Promise<User[]> {
    const rows: object[] = await tx.query(`SELECT ${userColumns('u')} FROM users u WHERE u.id = ANY($1::uuid[]) ORDER BY u.id FOR UPDATE`, [
      userIds,
    ]);
    return toEntities(User, rows);
  }

  /** The user (by token `sub` within the workspace), locked: lock order is user, then devices. */
  async lockBySubject(tx: EntityManager, workspaceId: string, subject: string): Promise<User | null> {
    const [user] = await this.lockBySubjects(tx, workspaceId, [subject]);
    return user ?? null;
  }

  /** The users (by token `sub` within the workspace) that exist, locked in id order so two bulk requests cannot deadlock. */
  async lockBySubjects(tx: EntityManager, workspaceId: string, subjects: string[]): Promise<User[]> {
    const rows: object[] = await tx.query(
      `SELECT ${userColumns('u')} FROM users u
        WHERE u.workspace_id = $1 AND u.subject = ANY($2::varchar[])
        ORDER BY u.id
        FOR UPDATE`,
      [workspaceId, subjects],
    );
    return toEntities(User, rows);
  }

  /** Marks the users deprovisioned in one statement (DEPROV-1, DEPROV-3) and the entities with them. */
  async markDeprovisioned(tx: EntityManager, users: User[]): Promise<void> {
    if (users.length === 0) return;
    const deprovisionedAt = new Date();
    await tx.query(`UPDATE users SET deprovisioned_at = $2, cascade_done_at = NULL, updated_at = now() WHERE id = ANY($1::uuid[])`, [
      users.map((user) => user.id),
      deprovisionedAt,
    ]);
    for (const user of users) user.deprovisionedAt = deprovisionedAt;
  }

  /**
   * Marks done every deprovisioned user not marked yet who has no device in one of `statuses` left: their
   * cascade has finished (no device can be added to a deprovisioned user: setups and approvals take the
   * user's lock and check). Returns how many. Reads only the users not marked, by users_cascade_open_idx;
   * users a cascade holds right now are left for the next sweep rather than waited for.
   */
  async markCascadesDone(statuses: readonly DeviceStatus[]): Promise<number> {
    const [, count]: [unknown, number] = await this.dataSource.query(
      `UPDATE users SET cascade_done_at = now()
        WHERE id IN (
          SELECT u.id FROM users u
           WHERE u.deprovisioned_at IS NOT NULL AND u.cascade_done_at IS NULL
             AND NOT EXISTS (SELECT 1 FROM devices d WHERE d.user_id = u.id AND d.status = ANY($1::varchar[]))
             FOR UPDATE SKIP LOCKED)`,
      [statuses],
    );
    return count;
  }

  /**
   * Deprovisioned users not marked done who still have a device in one of `statuses` (the cascade has not
   * finished, or never started), longest waiting first, in (deprovisioned_at, id) order after `after`: a page at a time.
   */
  async deprovisionedWithDevicesIn(
    statuses: readonly DeviceStatus[],
    limit: number,
    after: DeprovisionedUser | null = null,
  ): Promise<DeprovisionedUser[]> {
    return this.dataSource.query(
      `SELECT u.id, u.workspace_id AS "workspaceId", u.deprovisioned_at::text AS "deprovisionedAt" FROM users u
        WHERE u.deprovisioned_at IS NOT NULL AND u.cascade_done_at IS NULL
          AND ($3::timestamptz IS NULL OR (u.deprovisioned_at, u.id) > ($3::timestamptz, $4::uuid))
          AND EXISTS (SELECT 1 FROM devices d WHERE d.user_id = u.id AND d.status = ANY($1::varchar[]))
        ORDER BY u.deprovisioned_at, u.id
        LIMIT $2`,
      [statuses, limit, after?.deprovisionedAt ?? null, after?.id ?? null],
    );
  }
}

/** `deprovisionedAt` as Postgres prints it, microseconds and all: the next page's cursor (a Date would lose them). */
export type DeprovisionedUser = Pick<User, 'id' | 'workspaceId'> & { deprovisionedAt: string };

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { TokenClaims } from '@td/contracts';
import { EntityNotFoundError, type DataSource, type EntityManager } from 'typeorm';
import { deviceColumns, splitPrefixed, userColumns } from '../database/row-columns';
import { Device } from '../devices/device.entity';
import { User } from './user.entity';

const DEVICE_PREFIX = 'device.';

export interface UserWithVisibleDevices extends UserWithDevice {
  visible: Device[];
}

export interface UserWithDevice {
  user: User;
  /** The user's device with the given key, whatever its status; null without a key or when none has it. */
  device: Device | null;
}

/** The only place that reads and writes `users` for device commands. */
@Injectable()
export class UsersRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  findBySubject(workspaceId: string, subject: string): Promise<User | null> {
    return this.dataSource.manager.findOneBy(User, { workspaceId, subject });
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
    return { user: Object.assign(new User(), user), device: device.id === null ? null : Object.assign(new Device(), device) };
  }

  /** The user's address and whether they are deprovisioned, for a mail being sent now (SEC-2); null when no such user. */
  async findMailRecipient(workspaceId: string, userId: string): Promise<{ email: string; deprovisioned: boolean } | null> {
    const rows: Array<{ email: string; deprovisioned: boolean }> = await this.dataSource.query(
      `SELECT u.email, u.deprovisioned_at IS NOT NULL AS deprovisioned FROM users u WHERE u.id = $1 AND u.workspace_id = $2`,
      [userId, workspaceId],
    );
    return rows[0] ?? null;
  }

  /**
   * AUTH-2: creates the user on first sight or refreshes what the token says about them.
   * ON CONFLICT makes concurrent first requests of one user all succeed on the same row.
   */
  async createOrRefresh(claims: TokenClaims): Promise<User> {
    const rows: Array<Partial<User>> = await this.dataSource.query(
      `INSERT INTO users (workspace_id, subject, email, username, role)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (workspace_id, subject) DO UPDATE
         SET email = EXCLUDED.email, username = EXCLUDED.username, role = EXCLUDED.role, updated_at = now()
       RETURNING ${userColumns('users')}`,
      [claims.wid, claims.sub, claims.email, claims.username, claims.role],
    );
    return Object.assign(new User(), rows[0]);
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
      const listed = Object.assign(new Device(), fields);
      if (callerDevice === true) device = listed;
      if (listed.status !== 'expired') visible.push(listed);
    }
    const [user] = splitPrefixed(rows[0], DEVICE_PREFIX);
    delete user.callerDevice;
    return { user: Object.assign(new User(), user), device, visible };
  }

  /**
   * Locks the user's row for the rest of the transaction. Every state change of a user's
   * devices takes this lock first (then device rows), so limits, names and deprovisioning
   * are decided one change at a time (SETUP-3, DEPROV-2).
   */
  async lockForUpdate(tx: EntityManager, userId: string): Promise<User> {
    const rows: Array<Partial<User>> = await tx.query(`SELECT ${userColumns('u')} FROM users u WHERE u.id = $1 FOR UPDATE`, [userId]);
    if (rows.length === 0) throw new EntityNotFoundError(User, { id: userId });
    return Object.assign(new User(), rows[0]);
  }
}

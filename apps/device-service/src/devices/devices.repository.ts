import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DomainError } from '@td/common';
import { ErrorCode, REGISTERED_STATUSES, type ClientType } from '@td/contracts';
import { QueryFailedError, type DataSource, type EntityManager } from 'typeorm';
import { deviceColumns, deviceInsert, deviceUpdate } from '../database/row-columns';
import { Device } from './device.entity';

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

/** The only place that reads and writes `devices` for device commands. */
@Injectable()
export class DevicesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  inTransaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** A device of this user; another user's device is simply not found. */
  findOwn(userId: string, deviceId: string): Promise<Device | null> {
    return this.dataSource.manager.findOneBy(Device, { id: deviceId, userId });
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
    const rows: Array<Partial<Device>> = await tx.query(`SELECT ${deviceColumns('d')} FROM devices d WHERE d.id = $1 AND d.user_id = $2 FOR UPDATE`, [
      deviceId,
      userId,
    ]);
    return rows.length === 0 ? null : Object.assign(new Device(), rows[0]);
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
  async setupChecks(tx: EntityManager, userId: string, keyThumbprint: string, nameCandidates: string[], window: SetupWindow): Promise<SetupChecks> {
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
  async insert(tx: EntityManager, device: Device): Promise<void> {
    try {
      const { sql, parameters } = deviceInsert(device);
      await tx.query(sql, parameters);
    } catch (error) {
      throw translateUniqueViolation(error);
    }
  }

  /** Writes the given fields of a device and keeps the entity in step, so views and events show the new state. */
  async update(tx: EntityManager, device: Device, changes: Partial<Device>): Promise<Device> {
    try {
      const { sql, parameters } = deviceUpdate(device.id, changes);
      if (parameters.length > 1) await tx.query(sql, parameters);
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

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DomainError } from '@td/common';
import { ErrorCode, REGISTERED_STATUSES, type ClientType } from '@td/contracts';
import { In, Not, QueryFailedError, type DataSource, type EntityManager } from 'typeorm';
import { Device } from './device.entity';

const UNIQUE_VIOLATION = '23505';

/** The only place that reads and writes `devices` for device commands. */
@Injectable()
export class DevicesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  inTransaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** The user's device with this key (KEY-4: found by thumbprint, and only among the caller's own devices). */
  findByKeyForUser(keyThumbprint: string, userId: string): Promise<Device | null> {
    return this.dataSource.manager.findOneBy(Device, { keyThumbprint, userId });
  }

  /** A device of this user; another user's device is simply not found. */
  findOwn(userId: string, deviceId: string): Promise<Device | null> {
    return this.dataSource.manager.findOneBy(Device, { id: deviceId, userId });
  }

  /** Same, locked for the transaction (after the user's row: lock order is user, then devices). */
  lockOwn(tx: EntityManager, userId: string, deviceId: string): Promise<Device | null> {
    return tx.findOne(Device, { where: { id: deviceId, userId }, lock: { mode: 'pessimistic_write' } });
  }

  /** MANAGE-1: every status but expired, newest first. */
  listVisible(userId: string): Promise<Device[]> {
    return this.dataSource.manager.find(Device, {
      where: { userId, status: Not('expired') },
      order: { createdAt: 'DESC', id: 'DESC' },
    });
  }

  countRegistered(tx: EntityManager, userId: string): Promise<number> {
    return tx.countBy(Device, { userId, status: In([...REGISTERED_STATUSES]) });
  }

  async approvedClientTypes(tx: EntityManager, userId: string): Promise<ClientType[]> {
    const rows: Array<{ client_type: ClientType }> = await tx.query(
      `SELECT DISTINCT client_type FROM devices WHERE user_id = $1 AND status = 'approved'`,
      [userId],
    );
    return rows.map((row) => row.client_type);
  }

  /** KEY-4: any device, of anyone, in any status, ever had this key. */
  async isKeyRegistered(tx: EntityManager, keyThumbprint: string): Promise<boolean> {
    return tx.existsBy(Device, { keyThumbprint });
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

  /**
   * The first candidate no registered device of the user holds (ignoring case with the
   * database's own lower(), like the unique index), or null when all are taken.
   */
  async firstFreeName(tx: EntityManager, userId: string, candidates: string[]): Promise<string | null> {
    const rows: Array<{ name: string }> = await tx.query(
      `SELECT candidate.name FROM unnest($2::text[]) WITH ORDINALITY AS candidate(name, position)
        WHERE NOT EXISTS (
          SELECT 1 FROM devices d
           WHERE d.user_id = $1 AND d.status = ANY($3) AND lower(d.name) = lower(candidate.name))
        ORDER BY candidate.position LIMIT 1`,
      [userId, candidates, REGISTERED_STATUSES],
    );
    return rows[0]?.name ?? null;
  }

  /** Inserts a new device; a lost race on the key or the name becomes its domain error (KEY-4, SETUP-2). */
  async insert(tx: EntityManager, device: Device): Promise<void> {
    try {
      await tx.insert(Device, device);
    } catch (error) {
      throw translateUniqueViolation(error);
    }
  }

  /** Writes the given fields of a device and keeps the entity in step, so views and events show the new state. */
  async update(tx: EntityManager, device: Device, changes: Partial<Device>): Promise<Device> {
    try {
      await tx.update(Device, { id: device.id }, changes);
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
        WHERE id = $1 AND (last_seen_at IS NULL OR last_seen_at < now() - interval '1 minute')`,
      [deviceId, ip?.slice(0, 64) ?? null],
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

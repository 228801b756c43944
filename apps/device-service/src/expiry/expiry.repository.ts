import { Injectable } from '@nestjs/common';
import { In, type EntityManager } from 'typeorm';
import { PENDING_STATUSES, type DeviceStatus } from '@td/contracts';
import { Device } from '../devices/device.entity';
import { User } from '../users/user.entity';

/** Devices that are removed once the retention period has passed (SEC-5): never an approved or disabled one. */
const PRUNABLE_STATUSES: readonly DeviceStatus[] = [...PENDING_STATUSES, 'expired', 'denied'];

/** The queries of the pending-device expiry sweep (SETUP-5) and of device retention (SEC-5). */
@Injectable()
export class ExpiryRepository {
  /**
   * Moves up to `limit` devices in `from` whose deadline has passed to `to` (pending to
   * expired, DeviceLifecycle's table) and returns them. Rows another sweeper (or a
   * verify/approve) holds are skipped, so concurrent sweepers never expire a device twice.
   */
  async moveDue(manager: EntityManager, from: readonly DeviceStatus[], to: DeviceStatus, limit: number): Promise<Device[]> {
    const [rows] = (await manager.query(
      `UPDATE devices SET status = $3
        WHERE id IN (
          SELECT id FROM devices
           WHERE status = ANY($1::varchar[]) AND expires_at <= now()
           ORDER BY expires_at
           LIMIT $2
           FOR UPDATE SKIP LOCKED)
          AND status = ANY($1::varchar[])
        RETURNING id`,
      [from, limit, to],
    )) as [Array<{ id: string }>, number];
    if (rows.length === 0) return [];
    return manager.find(Device, { where: { id: In(rows.map((row) => row.id)) } });
  }

  /**
   * SEC-5: deletes up to `limit` pending, expired or denied devices whose last change is
   * older than `cutoff`, keeping each one's key as taken (KEY-4); audit rows are not touched.
   * Returns how many were deleted. Rows another pruner holds are skipped.
   */
  async pruneBefore(manager: EntityManager, cutoff: Date, limit: number): Promise<number> {
    const [, deleted] = (await manager.query(
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

  usersByIds(manager: EntityManager, ids: string[]): Promise<User[]> {
    return manager.find(User, { where: { id: In([...new Set(ids)]) } });
  }
}

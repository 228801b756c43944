import { Injectable } from '@nestjs/common';
import { In, type EntityManager } from 'typeorm';
import { PENDING_STATUSES } from '@td/contracts';
import { Device } from '../devices/device.entity';
import { User } from '../users/user.entity';

/** The queries of the pending-device expiry sweep (SETUP-5). */
@Injectable()
export class ExpiryRepository {
  /**
   * Moves up to `limit` pending devices whose deadline has passed to `expired` and
   * returns them. Rows another sweeper (or a verify/approve) holds are skipped, so
   * concurrent sweepers never expire a device twice.
   */
  async expireDue(manager: EntityManager, limit: number): Promise<Device[]> {
    const [rows] = (await manager.query(
      `UPDATE devices SET status = 'expired'
        WHERE id IN (
          SELECT id FROM devices
           WHERE status = ANY($1::varchar[]) AND expires_at <= now()
           ORDER BY expires_at
           LIMIT $2
           FOR UPDATE SKIP LOCKED)
          AND status = ANY($1::varchar[])
        RETURNING id`,
      [PENDING_STATUSES, limit],
    )) as [Array<{ id: string }>, number];
    if (rows.length === 0) return [];
    return manager.find(Device, { where: { id: In(rows.map((row) => row.id)) } });
  }

  usersByIds(manager: EntityManager, ids: string[]): Promise<User[]> {
    return manager.find(User, { where: { id: In([...new Set(ids)]) } });
  }
}

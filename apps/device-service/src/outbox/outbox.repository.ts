import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

export interface ClaimedOutboxRow {
  id: string;
  seq: string;
  subject: string;
  payload: object;
}

/** The outbox table, as the relay sees it. */
@Injectable()
export class OutboxRepository {
  /**
   * Locks the oldest unpublished rows after `afterSeq` for this transaction; rows another
   * relay holds are skipped, so N instances publish disjoint batches. Starting past rows
   * known to be published keeps the scan off their dead index entries (issue 12).
   */
  claimUnpublished(manager: EntityManager, limit: number, afterSeq = 0): Promise<ClaimedOutboxRow[]> {
    return manager.query(
      `SELECT id, seq, subject, payload FROM outbox
        WHERE published_at IS NULL AND seq > $2
        ORDER BY seq
        LIMIT $1
        FOR UPDATE SKIP LOCKED`,
      [limit, afterSeq],
    );
  }

  async markPublished(manager: EntityManager, ids: string[]): Promise<void> {
    if (ids.length) await manager.query(`UPDATE outbox SET published_at = now() WHERE id = ANY($1::uuid[])`, [ids]);
  }

  async countFailedAttempt(manager: EntityManager, ids: string[]): Promise<void> {
    if (ids.length) await manager.query(`UPDATE outbox SET attempts = attempts + 1 WHERE id = ANY($1::uuid[])`, [ids]);
  }

  /** Deletes up to `limit` rows published before `before`; returns how many. */
  async prunePublished(manager: EntityManager, before: Date, limit: number): Promise<number> {
    const [, deleted] = (await manager.query(
      `DELETE FROM outbox WHERE id IN (
         SELECT id FROM outbox WHERE published_at IS NOT NULL AND published_at < $1 LIMIT $2)`,
      [before, limit],
    )) as [unknown, number];
    return deleted;
  }
}

import { Injectable } from '@nestjs/common';
import type { DomainEvent, EventPayloads } from '@td/contracts';
import type { EntityManager } from 'typeorm';
import type { Statement } from '../database/row-columns';

export interface OutgoingEvent<S extends DomainEvent = DomainEvent> {
  subject: S;
  payload: EventPayloads[S];
}

export interface ClaimedOutboxRow {
  id: string;
  seq: string;
  subject: string;
  /** The payload as JSON text, as it is published: read as text, it is neither parsed nor serialised again. */
  payload: string;
}

/**
 * The only place that reads and writes `outbox`: services append events inside their own
 * transaction, so the state change and the fact that it happened commit together
 * (ARCHITECTURE.md); the relay claims, marks and prunes them.
 */
@Injectable()
export class OutboxRepository {
  /** Writes the events in the caller's transaction; the payload's `eventId` is the row id (and the JetStream msgID). */
  async append(manager: EntityManager, events: OutgoingEvent[]): Promise<void> {
    const statement = this.appendStatement(events);
    if (statement) await manager.query(statement.sql, statement.parameters);
  }

  /** The INSERT of `append`, for a caller that sends it together with its change (see `oneStatement`); null for no events. */
  appendStatement(events: readonly OutgoingEvent[]): Statement | null {
    if (events.length === 0) return null;
    // One JSON parameter for the whole batch: cascades write hundreds of rows per
    // transaction, and per-value query-builder parameters cost more CPU than the insert.
    const rows = events.map(({ subject, payload }) => ({ id: payload.eventId, subject, payload }));
    return {
      sql: `INSERT INTO outbox (id, subject, payload, created_at, published_at, attempts)
       SELECT r.id, r.subject, r.payload, $2, NULL, 0
         FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (id uuid, subject varchar, payload jsonb)) WITH ORDINALITY AS r(id, subject, payload, position)
        ORDER BY r.position`,
      parameters: [JSON.stringify(rows), new Date()],
    };
  }

  /**
   * Locks the oldest unpublished rows after `afterSeq` for this transaction; rows another
   * relay holds are skipped, so N instances publish disjoint batches. Starting past rows
   * known to be published keeps the scan off their dead index entries (issue 12).
   */
  claimUnpublished(manager: EntityManager, limit: number, afterSeq = 0): Promise<ClaimedOutboxRow[]> {
    return manager.query(
      `SELECT id, seq, subject, payload::text AS payload FROM outbox
        WHERE published_at IS NULL AND seq > $2
        ORDER BY seq
        LIMIT $1
        FOR UPDATE SKIP LOCKED`,
      [limit, afterSeq],
    );
  }

  /**
   * Whether any row is unpublished, whoever holds it: a plain read, so rows another relay has
   * claimed (and may die holding) count too. One step on outbox_unpublished_idx.
   */
  async hasUnpublished(manager: EntityManager): Promise<boolean> {
    const rows: unknown[] = await manager.query(`SELECT 1 FROM outbox WHERE published_at IS NULL LIMIT 1`);
    return rows.length > 0;
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

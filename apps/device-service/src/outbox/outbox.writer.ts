import { Injectable } from '@nestjs/common';
import type { DomainEvent, EventPayloads } from '@td/contracts';
import type { EntityManager } from 'typeorm';

export interface OutgoingEvent<S extends DomainEvent = DomainEvent> {
  subject: S;
  payload: EventPayloads[S];
}

/**
 * Writes events into the outbox inside the caller's transaction, so the state
 * change and the fact that it happened commit together (ARCHITECTURE.md).
 * The relay publishes them afterwards; the payload's `eventId` is the row id.
 */
@Injectable()
export class OutboxWriter {
  async append(manager: EntityManager, events: OutgoingEvent[]): Promise<void> {
    if (events.length === 0) return;
    // One JSON parameter for the whole batch: cascades write hundreds of rows per
    // transaction, and per-value query-builder parameters cost more CPU than the insert.
    const rows = events.map(({ subject, payload }) => ({ id: payload.eventId, subject, payload }));
    await manager.query(
      `INSERT INTO outbox (id, subject, payload, created_at, published_at, attempts)
       SELECT r.id, r.subject, r.payload, $2, NULL, 0
         FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (id uuid, subject varchar, payload jsonb)) WITH ORDINALITY AS r(id, subject, payload, position)
        ORDER BY r.position`,
      [JSON.stringify(rows), new Date()],
    );
  }
}

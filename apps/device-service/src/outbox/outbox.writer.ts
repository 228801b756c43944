import { Injectable } from '@nestjs/common';
import type { DomainEvent, EventPayloads } from '@td/contracts';
import type { EntityManager } from 'typeorm';
import { OutboxMessage } from './outbox-message.entity';

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
    const now = new Date();
    await manager.insert(
      OutboxMessage,
      events.map(({ subject, payload }) => ({
        id: payload.eventId,
        subject,
        payload,
        createdAt: now,
        publishedAt: null,
        attempts: 0,
      })),
    );
  }
}

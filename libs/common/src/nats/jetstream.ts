import { EVENTS_STREAM, EVENTS_WILDCARD } from '@td/contracts';
import { RetentionPolicy, StorageType, type NatsConnection } from 'nats';
import { prefixed, prefixedName } from './subject-prefix';

/** Names of the domain-event stream under a deployment prefix. */
export function eventsStream(prefix: string): { name: string; subjects: string } {
  return { name: prefixedName(prefix, EVENTS_STREAM), subjects: prefixed(prefix, EVENTS_WILDCARD) };
}

/**
 * Creates the domain-event stream if it is missing (idempotent; every publisher and
 * consumer calls it at start). File storage, a week of history, and a two-minute
 * duplicate window that makes outbox re-publishes harmless; `replicas` copies on a cluster
 * (NATS_STREAM_REPLICAS).
 */
export async function ensureEventsStream(connection: NatsConnection, prefix: string, replicas = 1): Promise<void> {
  const jsm = await connection.jetstreamManager({ timeout: 3000 });
  const { name, subjects } = eventsStream(prefix);
  try {
    await jsm.streams.info(name);
  } catch {
    await jsm.streams
      .add({
        name,
        subjects: [subjects],
        retention: RetentionPolicy.Limits,
        storage: StorageType.File,
        max_age: 7 * 24 * 3600 * 1e9,
        duplicate_window: 120 * 1e9,
        num_replicas: replicas,
      })
      .catch(async (error: Error) => {
        // Another instance created it meanwhile.
        if (!/already in use|stream name already/i.test(error.message)) throw error;
      });
  }
}

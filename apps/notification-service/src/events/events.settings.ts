export const EVENTS_SETTINGS = Symbol('EVENTS_SETTINGS');

export interface EventsSettings {
  natsPrefix: string;
  /** NATS_STREAM_REPLICAS */
  streamReplicas?: number;
  /** EVENTS_ACK_WAIT_MS: how long an event may be in hand without a sign of life before JetStream redelivers it. */
  ackWaitMs: number;
  /** SHUTDOWN_DRAIN_MS: how long a stop waits for the event in hand before handing it back. */
  drainMs: number;
  /** Bound on NATS/JetStream management calls at start. */
  timeoutMs?: number;
}

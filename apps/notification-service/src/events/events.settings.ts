export const EVENTS_SETTINGS = Symbol('EVENTS_SETTINGS');

export interface EventsSettings {
  natsPrefix: string;
  /** NATS_STREAM_REPLICAS */
  streamReplicas?: number;
  /** Bound on NATS/JetStream management calls at start. */
  timeoutMs?: number;
}

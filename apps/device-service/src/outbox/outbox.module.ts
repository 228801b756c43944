import { Module, type DynamicModule } from '@nestjs/common';
import type { DeviceServiceEnv } from '../config';
import { OutboxRelay, OUTBOX_RELAY_SETTINGS, type OutboxRelaySettings } from './outbox.relay';
import { OutboxRepository } from './outbox.repository';

/** The relay's settings from device-service's config (shared by the service and `worker.js`). */
export function outboxSettings(config: DeviceServiceEnv): OutboxRelaySettings {
  return {
    natsPrefix: config.NATS_PREFIX,
    streamReplicas: config.NATS_STREAM_REPLICAS,
    databaseUrl: config.DATABASE_URL,
    pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS,
    retentionHours: config.OUTBOX_RETENTION_HOURS,
  };
}

/**
 * Owner of `outbox`: `OutboxRepository` for services appending events in their transactions,
 * and the relay that publishes them. Global, so every feature module shares one relay.
 */
@Module({})
export class OutboxModule {
  static forRoot(settings: OutboxRelaySettings): DynamicModule {
    return {
      module: OutboxModule,
      global: true,
      providers: [{ provide: OUTBOX_RELAY_SETTINGS, useValue: settings }, OutboxRepository, OutboxRelay],
      exports: [OutboxRepository, OutboxRelay],
    };
  }
}

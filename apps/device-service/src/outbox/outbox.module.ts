import { Module, type DynamicModule } from '@nestjs/common';
import type { DeviceServiceEnv } from '../config';
import { OutboxRelay, OUTBOX_RELAY_SETTINGS, type OutboxRelaySettings } from './outbox.relay';
import { OutboxRepository } from './outbox.repository';
import { OutboxWriter } from './outbox.writer';

/**
 * The outbox: `OutboxWriter` for services writing events in their transactions,
 * and the relay that publishes them. Global, so every feature module shares one relay.
 */
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

@Module({})
export class OutboxModule {
  static forRoot(settings: OutboxRelaySettings): DynamicModule {
    return {
      module: OutboxModule,
      global: true,
      providers: [{ provide: OUTBOX_RELAY_SETTINGS, useValue: settings }, OutboxRepository, OutboxWriter, OutboxRelay],
      exports: [OutboxWriter, OutboxRelay],
    };
  }
}

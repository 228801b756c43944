import { Module, type DynamicModule } from '@nestjs/common';
import { OutboxRelay, OUTBOX_RELAY_SETTINGS, type OutboxRelaySettings } from './outbox.relay';
import { OutboxRepository } from './outbox.repository';
import { OutboxWriter } from './outbox.writer';

/**
 * The outbox: `OutboxWriter` for services writing events in their transactions,
 * and the relay that publishes them. Global, so every feature module shares one relay.
 */
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

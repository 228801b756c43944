import { Global, Module } from '@nestjs/common';
import { OutboxRelay } from './outbox.relay';
import { OutboxRepository } from './outbox.repository';

/**
 * Owner of `outbox`: `OutboxRepository` for services appending events in their transactions,
 * and the relay that publishes them. Global, so every feature module shares one relay.
 */
@Global()
@Module({
  providers: [OutboxRepository, OutboxRelay],
  exports: [OutboxRepository, OutboxRelay],
})
export class OutboxModule {}

import { Global, Module } from '@nestjs/common';
import { OutboxRelay } from './outbox.relay';
import { OutboxRepository } from './outbox.repository';

/**
 * Owner of `outbox`: `OutboxRepository` for services appending events in their transactions.
 * Global, so every feature module (and the deprovisioning worker process) writes through one repository.
 */
@Global()
@Module({
  providers: [OutboxRepository],
  exports: [OutboxRepository],
})
export class OutboxModule {}

/**
 * The relay that publishes the outbox to JetStream: device-service's processes only. The
 * deprovisioning worker process writes outbox rows but runs no relay of its own: a relay there woke on
 * every commit of the whole system to race device-service's relays for the same rows (issue 12: about
 * 1 ms of CPU per flow in a process with no deprovisioning to do, and most of its idle CPU).
 */
@Global()
@Module({
  providers: [OutboxRelay],
  exports: [OutboxRelay],
})
export class OutboxRelayModule {}

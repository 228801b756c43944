import { Global, Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { DevicesModule } from '../devices/devices.module';
import { UsersModule } from '../users/users.module';
import { DeprovisionQueue } from './deprovision.queue';
import { DeprovisionService } from './deprovision.service';

/**
 * Deprovisioning's front half (mark the user, queue the cascade), shared by the admin
 * commands and SCIM. Global so both reach the one queue connection. Needs the global
 * OutboxModule.
 */
@Global()
@Module({
  imports: [AuditModule, UsersModule, DevicesModule],
  providers: [DeprovisionQueue, DeprovisionService],
  exports: [DeprovisionService, DeprovisionQueue],
})
export class DeprovisionModule {}

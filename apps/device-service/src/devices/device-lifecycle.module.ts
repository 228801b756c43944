import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { DeviceHistory } from './device-history';
import { DeviceLifecycle } from './device-lifecycle';
import { DevicesRepository } from './devices.repository';

/**
 * The device state machine and what a change leaves behind, for every module that changes
 * a device (user commands, admin commands, the expiry sweep, the deprovisioning cascade).
 * `OutboxWriter` comes from the global OutboxModule.
 */
@Module({
  imports: [AuditModule],
  providers: [DevicesRepository, DeviceHistory, DeviceLifecycle],
  exports: [DevicesRepository, DeviceHistory, DeviceLifecycle],
})
export class DeviceLifecycleModule {}

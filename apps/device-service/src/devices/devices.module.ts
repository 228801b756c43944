import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { DeviceHistory } from './device-history';
import { DeviceLifecycle } from './device-lifecycle';
import { DevicesRepository } from './devices.repository';

/**
 * Owner of `devices` (and `retired_device_keys`) and of the device state machine, for every
 * module that reads or changes a device (user commands, admin commands, the sweeps, the
 * deprovisioning cascade). `OutboxRepository` comes from the global OutboxModule.
 */
@Module({
  imports: [AuditModule],
  providers: [DevicesRepository, DeviceHistory, DeviceLifecycle],
  exports: [DevicesRepository, DeviceHistory, DeviceLifecycle],
})
export class DevicesModule {}

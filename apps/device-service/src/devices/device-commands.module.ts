import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { DeviceConfirmationService } from './device-confirmation.service';
import { DeviceManagementService } from './device-management.service';
import { DeviceSetupService } from './device-setup.service';
import { DevicesController } from './devices.controller';
import { DevicesModule } from './devices.module';
import { LockedDeviceChange } from './locked-device-change';
import { LostCodeSweeper } from './lost-codes.sweeper';

/** The user's own device commands (issue 3): setup, confirmation (and the lost-code sweep), management. */
@Module({
  imports: [DevicesModule, UsersModule],
  controllers: [DevicesController],
  providers: [LockedDeviceChange, DeviceSetupService, DeviceConfirmationService, DeviceManagementService, LostCodeSweeper],
})
export class DeviceCommandsModule {}

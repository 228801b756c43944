import { Module, type DynamicModule } from '@nestjs/common';
import { DeviceServiceEnv } from '../config';
import { UsersModule } from '../users/users.module';
import { DeviceConfirmationService } from './device-confirmation.service';
import { DeviceManagementService } from './device-management.service';
import { DeviceSetupService } from './device-setup.service';
import { DevicesController } from './devices.controller';
import { DevicesModule } from './devices.module';
import { LockedDeviceChange } from './locked-device-change';
import { LostCodeSweeper } from './lost-codes.sweeper';

/** The user's own device commands (issue 3): setup, confirmation (and the lost-code sweep), management. */
@Module({})
export class DeviceCommandsModule {
  static forRoot(config: DeviceServiceEnv): DynamicModule {
    return {
      module: DeviceCommandsModule,
      imports: [DevicesModule, UsersModule],
      controllers: [DevicesController],
      providers: [
        { provide: DeviceServiceEnv, useValue: config },
        LockedDeviceChange,
        DeviceSetupService,
        DeviceConfirmationService,
        DeviceManagementService,
        LostCodeSweeper,
      ],
    };
  }
}

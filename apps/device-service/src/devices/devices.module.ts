import { Module, type DynamicModule } from '@nestjs/common';
import { DeviceServiceEnv } from '../config';
import { CallerResolver } from '../users/caller-resolver';
import { UsersController } from '../users/users.controller';
import { UsersRepository } from '../users/users.repository';
import { DeviceConfirmationService } from './device-confirmation.service';
import { DeviceLifecycleModule } from './device-lifecycle.module';
import { DeviceManagementService } from './device-management.service';
import { DeviceSetupService } from './device-setup.service';
import { DevicesController } from './devices.controller';
import { LockedDeviceChange } from './locked-device-change';
import { LostCodeSweeper } from './lost-codes.sweeper';

/**
 * The device state machine and the user's own device commands (issue 3), and what other services ask about a user. `OutboxWriter`
 * comes from the global OutboxModule.
 */
@Module({})
export class DevicesModule {
  static forRoot(config: DeviceServiceEnv): DynamicModule {
    return {
      module: DevicesModule,
      imports: [DeviceLifecycleModule],
      controllers: [DevicesController, UsersController],
      providers: [
        { provide: DeviceServiceEnv, useValue: config },
        UsersRepository,
        CallerResolver,
        LockedDeviceChange,
        DeviceSetupService,
        DeviceConfirmationService,
        DeviceManagementService,
        LostCodeSweeper,
      ],
      exports: [UsersRepository, CallerResolver, LockedDeviceChange, DeviceLifecycleModule],
    };
  }
}

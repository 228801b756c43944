import { Module, type DynamicModule } from '@nestjs/common';
import { DevicesModule } from '../devices/devices.module';
import { UsersModule } from '../users/users.module';
import { DeviceRetention, RETENTION_SETTINGS, type RetentionSettings } from './device-retention';
import { EXPIRY_SETTINGS, ExpirySweeper, type ExpirySettings } from './expiry.sweeper';

/** SETUP-5: pending devices expire; SEC-5: old ones are removed. Needs the global OutboxModule and NatsModule. */
@Module({})
export class ExpiryModule {
  static forRoot(settings: ExpirySettings, retention: RetentionSettings): DynamicModule {
    return {
      module: ExpiryModule,
      imports: [DevicesModule, UsersModule],
      providers: [
        { provide: EXPIRY_SETTINGS, useValue: settings },
        { provide: RETENTION_SETTINGS, useValue: retention },
        ExpirySweeper,
        DeviceRetention,
      ],
      exports: [ExpirySweeper],
    };
  }
}

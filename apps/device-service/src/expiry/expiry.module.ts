import { Module, type DynamicModule } from '@nestjs/common';
import { DeviceLifecycleModule } from '../devices/device-lifecycle.module';
import { DeviceRetention, RETENTION_SETTINGS, type RetentionSettings } from './device-retention';
import { ExpiryRepository } from './expiry.repository';
import { EXPIRY_SETTINGS, ExpirySweeper, type ExpirySettings } from './expiry.sweeper';

/** SETUP-5: pending devices expire; SEC-5: old ones are removed. Needs the global OutboxModule and NatsModule. */
@Module({})
export class ExpiryModule {
  static forRoot(settings: ExpirySettings, retention: RetentionSettings): DynamicModule {
    return {
      module: ExpiryModule,
      imports: [DeviceLifecycleModule],
      providers: [
        { provide: EXPIRY_SETTINGS, useValue: settings },
        { provide: RETENTION_SETTINGS, useValue: retention },
        ExpiryRepository,
        ExpirySweeper,
        DeviceRetention,
      ],
      exports: [ExpirySweeper],
    };
  }
}

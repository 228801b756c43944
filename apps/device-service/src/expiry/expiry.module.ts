import { Module } from '@nestjs/common';
import { DevicesModule } from '../devices/devices.module';
import { UsersModule } from '../users/users.module';
import { DeviceRetention } from './device-retention';
import { ExpirySweeper } from './expiry.sweeper';

/** SETUP-5: pending devices expire; SEC-5: old ones are removed. Needs the global OutboxModule and NatsModule. */
@Module({
  imports: [DevicesModule, UsersModule],
  providers: [ExpirySweeper, DeviceRetention],
  exports: [ExpirySweeper],
})
export class ExpiryModule {}

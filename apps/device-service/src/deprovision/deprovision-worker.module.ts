import { Module } from '@nestjs/common';
import { DevicesModule } from '../devices/devices.module';
import { UsersModule } from '../users/users.module';
import { DeprovisionCascade } from './deprovision.cascade';
import { DeprovisionHealer } from './deprovision.healer';
import { DeprovisionWorker } from './deprovision.worker';

/**
 * The cascade's worker and its self-healing sweep. Part of device-service (unless
 * DEPROVISION_WORKER=false) and also the whole of `worker.js`. Needs the global
 * DeprovisionModule, OutboxModule and NatsModule.
 */
@Module({
  imports: [DevicesModule, UsersModule],
  providers: [DeprovisionCascade, DeprovisionWorker, DeprovisionHealer],
})
export class DeprovisionWorkerModule {}

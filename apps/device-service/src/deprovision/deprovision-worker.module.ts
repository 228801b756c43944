import { Module, type DynamicModule } from '@nestjs/common';
import { DeviceServiceEnv } from '../config';
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
@Module({})
export class DeprovisionWorkerModule {
  static forRoot(config: DeviceServiceEnv): DynamicModule {
    return {
      module: DeprovisionWorkerModule,
      imports: [DevicesModule, UsersModule],
      providers: [{ provide: DeviceServiceEnv, useValue: config }, DeprovisionCascade, DeprovisionWorker, DeprovisionHealer],
    };
  }
}

import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfigModule, NatsModule } from '@td/common';
import { Service } from '@td/contracts';
import type { DeviceServiceConfig } from '../config';
import { DatabaseModule } from '../database/database.module';
import { dataSourceOptions } from '../database/data-source';
import { OutboxModule } from '../outbox/outbox.module';
import { DeprovisionWorkerModule } from './deprovision-worker.module';
import { DeprovisionModule } from './deprovision.module';

/** `worker.js`: only the deprovisioning worker, with device-service's config and database (OPS-5). */
@Module({})
export class DeprovisionWorkerAppModule {
  static forRoot(config: DeviceServiceConfig): DynamicModule {
    return {
      module: DeprovisionWorkerAppModule,
      imports: [
        AppConfigModule.forRoot(config),
        TypeOrmModule.forRoot({ ...dataSourceOptions(config.database.url, config.database.poolSize), retryAttempts: 0 }),
        DatabaseModule,
        NatsModule.forRoot(config.nats, `${Service.device}-worker`),
        OutboxModule,
        DeprovisionModule,
        DeprovisionWorkerModule,
      ],
    };
  }
}

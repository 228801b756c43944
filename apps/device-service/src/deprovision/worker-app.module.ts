import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { NatsModule } from '@td/common';
import { Service } from '@td/contracts';
import type { DeviceServiceEnv } from '../config';
import { DatabaseModule } from '../database/database.module';
import { dataSourceOptions } from '../database/data-source';
import { OutboxModule, outboxSettings } from '../outbox/outbox.module';
import { DeprovisionWorkerModule } from './deprovision-worker.module';
import { DeprovisionModule } from './deprovision.module';

/** `worker.js`: only the deprovisioning worker, with device-service's config and database (OPS-5). */
@Module({})
export class DeprovisionWorkerAppModule {
  static forRoot(config: DeviceServiceEnv): DynamicModule {
    return {
      module: DeprovisionWorkerAppModule,
      imports: [
        TypeOrmModule.forRoot({ ...dataSourceOptions(config.DATABASE_URL, config.DATABASE_POOL_SIZE), retryAttempts: 0 }),
        DatabaseModule,
        NatsModule.forRoot(config, `${Service.device}-worker`),
        OutboxModule.forRoot(outboxSettings(config)),
        DeprovisionModule.forRoot(config),
        DeprovisionWorkerModule.forRoot(config),
      ],
    };
  }
}

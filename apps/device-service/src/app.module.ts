import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { NatsModule } from '@td/common';
import { Service } from '@td/contracts';
import type { DeviceServiceEnv } from './config';
import { DatabaseModule } from './database/database.module';
import { dataSourceOptions } from './database/data-source';
import { DeprovisionWorkerModule } from './deprovision/deprovision-worker.module';
import { DeprovisionModule } from './deprovision/deprovision.module';
import { DeviceCommandsModule } from './devices/device-commands.module';
import { RETENTION_INTERVAL_MS } from './expiry/device-retention';
import { ExpiryModule } from './expiry/expiry.module';
import { HealthController } from './health/health.controller';
import { OutboxModule, outboxSettings } from './outbox/outbox.module';
import { ScimModule } from './scim/scim.module';
import { WorkspaceModule } from './workspace/workspace.module';

export const CONFIG = Symbol('DEVICE_SERVICE_CONFIG');

@Module({})
export class DeviceServiceModule {
  static forRoot(config: DeviceServiceEnv): DynamicModule {
    return {
      module: DeviceServiceModule,
      imports: [
        TypeOrmModule.forRoot({ ...dataSourceOptions(config.DATABASE_URL, config.DATABASE_POOL_SIZE), retryAttempts: 0 }),
        DatabaseModule,
        NatsModule.forRoot(config, Service.device),
        DeviceCommandsModule.forRoot(config),
        OutboxModule.forRoot(outboxSettings(config)),
        ExpiryModule.forRoot(
          { intervalMs: config.EXPIRY_SWEEP_INTERVAL_MS },
          { retentionDays: config.DEVICE_RETENTION_DAYS, intervalMs: RETENTION_INTERVAL_MS },
        ),
        DeprovisionModule.forRoot(config),
        WorkspaceModule,
        ScimModule,
        ...(config.DEPROVISION_WORKER ? [DeprovisionWorkerModule.forRoot(config)] : []),
      ],
      controllers: [HealthController],
      providers: [{ provide: CONFIG, useValue: config }],
      exports: [CONFIG],
    };
  }
}

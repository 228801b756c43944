import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfigModule, NatsModule } from '@td/common';
import { Service } from '@td/contracts';
import type { DeviceServiceConfig } from './config';
import { DatabaseModule } from './database/database.module';
import { dataSourceOptions } from './database/data-source';
import { DeprovisionWorkerModule } from './deprovision/deprovision-worker.module';
import { DeprovisionModule } from './deprovision/deprovision.module';
import { DeviceCommandsModule } from './devices/device-commands.module';
import { ExpiryModule } from './expiry/expiry.module';
import { HealthController } from './health/health.controller';
import { OutboxModule, OutboxRelayModule } from './outbox/outbox.module';
import { ScimModule } from './scim/scim.module';
import { WorkspaceModule } from './workspace/workspace.module';

@Module({})
export class DeviceServiceModule {
  static forRoot(config: DeviceServiceConfig): DynamicModule {
    return {
      module: DeviceServiceModule,
      imports: [
        AppConfigModule.forRoot(config),
        TypeOrmModule.forRoot({ ...dataSourceOptions(config.database.url, config.database.poolSize), retryAttempts: 0 }),
        DatabaseModule,
        NatsModule.forRoot(config.nats, Service.device),
        DeviceCommandsModule,
        OutboxModule,
        OutboxRelayModule,
        ExpiryModule,
        DeprovisionModule,
        WorkspaceModule,
        ScimModule,
        ...(config.deprovision.worker ? [DeprovisionWorkerModule] : []),
      ],
      controllers: [HealthController],
    };
  }
}

import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { NatsModule } from '@td/common';
import { Service } from '@td/contracts';
import type { DeviceServiceEnv } from './config';
import { dataSourceOptions } from './database/data-source';
import { HealthController } from './health/health.controller';

export const CONFIG = Symbol('DEVICE_SERVICE_CONFIG');

@Module({})
export class DeviceServiceModule {
  static forRoot(config: DeviceServiceEnv): DynamicModule {
    return {
      module: DeviceServiceModule,
      imports: [
        TypeOrmModule.forRoot({ ...dataSourceOptions(config.DATABASE_URL, config.DATABASE_POOL_SIZE), retryAttempts: 0 }),
        NatsModule.forRoot(config, Service.device),
      ],
      controllers: [HealthController],
      providers: [{ provide: CONFIG, useValue: config }],
      exports: [CONFIG],
    };
  }
}

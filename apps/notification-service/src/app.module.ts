import { Module, type DynamicModule } from '@nestjs/common';
import { NatsModule, RedisModule } from '@td/common';
import { Service } from '@td/contracts';
import type { NotificationServiceEnv } from './config';
import { HealthController } from './health/health.controller';

export const CONFIG = Symbol('NOTIFICATION_SERVICE_CONFIG');

@Module({})
export class NotificationServiceModule {
  static forRoot(config: NotificationServiceEnv): DynamicModule {
    return {
      module: NotificationServiceModule,
      imports: [NatsModule.forRoot(config, Service.notification), RedisModule.forRoot(config, Service.notification)],
      controllers: [HealthController],
      providers: [{ provide: CONFIG, useValue: config }],
      exports: [CONFIG],
    };
  }
}

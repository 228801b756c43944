import { Module, type DynamicModule } from '@nestjs/common';
import { NatsModule, RedisModule } from '@td/common';
import { Service } from '@td/contracts';
import type { NotificationServiceEnv } from './config';
import { EmailModule } from './email/email.module';
import { EventsModule } from './events/events.module';
import { HealthController } from './health/health.controller';

export const CONFIG = Symbol('NOTIFICATION_SERVICE_CONFIG');

@Module({})
export class NotificationServiceModule {
  static forRoot(config: NotificationServiceEnv): DynamicModule {
    const email = EmailModule.forRoot(config);
    return {
      module: NotificationServiceModule,
      imports: [
        NatsModule.forRoot(config, Service.notification),
        RedisModule.forRoot(config, Service.notification),
        email,
        EventsModule.forRoot(config, email),
      ],
      controllers: [HealthController],
      providers: [{ provide: CONFIG, useValue: config }],
      exports: [CONFIG],
    };
  }
}

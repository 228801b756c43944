import { Module, type DynamicModule } from '@nestjs/common';
import { AppConfigModule, NatsModule, RedisModule } from '@td/common';
import { Service } from '@td/contracts';
import type { NotificationServiceConfig } from './config';
import { EmailModule } from './email/email.module';
import { EventsModule } from './events/events.module';
import { HealthController } from './health/health.controller';

@Module({})
export class NotificationServiceModule {
  static forRoot(config: NotificationServiceConfig): DynamicModule {
    return {
      module: NotificationServiceModule,
      imports: [
        AppConfigModule.forRoot(config),
        NatsModule.forRoot(config.nats, Service.notification),
        RedisModule.forRoot(config.redis, Service.notification),
        EmailModule,
        EventsModule,
      ],
      controllers: [HealthController],
    };
  }
}

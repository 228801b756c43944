import { Module, type DynamicModule } from '@nestjs/common';
import { AppConfigModule, NatsModule, RedisModule } from '@td/common';
import { Service } from '@td/contracts';
import { CodesController } from './codes/codes.controller';
import { CodesService } from './codes/codes.service';
import { CodesStore } from './codes/codes.store';
import { VerificationMailQueue } from './codes/verification-mail.queue';
import type { VerificationServiceConfig } from './config';
import { HealthController } from './health/health.controller';

@Module({})
export class VerificationServiceModule {
  static forRoot(config: VerificationServiceConfig): DynamicModule {
    return {
      module: VerificationServiceModule,
      imports: [
        AppConfigModule.forRoot(config),
        NatsModule.forRoot(config.nats, Service.verification),
        RedisModule.forRoot(config.redis, Service.verification),
      ],
      controllers: [HealthController, CodesController],
      providers: [CodesStore, CodesService, VerificationMailQueue],
    };
  }
}

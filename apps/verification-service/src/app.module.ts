import { Module, type DynamicModule } from '@nestjs/common';
import { NatsModule, RedisModule } from '@td/common';
import { Service } from '@td/contracts';
import { CodesController } from './codes/codes.controller';
import { CodesService } from './codes/codes.service';
import { CodesStore } from './codes/codes.store';
import { VerificationMailQueue } from './codes/verification-mail.queue';
import { CONFIG, type VerificationServiceEnv } from './config';
import { HealthController } from './health/health.controller';

export { CONFIG };

@Module({})
export class VerificationServiceModule {
  static forRoot(config: VerificationServiceEnv): DynamicModule {
    return {
      module: VerificationServiceModule,
      imports: [NatsModule.forRoot(config, Service.verification), RedisModule.forRoot(config, Service.verification)],
      controllers: [HealthController, CodesController],
      providers: [{ provide: CONFIG, useValue: config }, CodesStore, CodesService, VerificationMailQueue],
      exports: [CONFIG],
    };
  }
}

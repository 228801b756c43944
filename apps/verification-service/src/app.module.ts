import { Module, type DynamicModule } from '@nestjs/common';
import { NatsModule, RedisModule } from '@td/common';
import { Service } from '@td/contracts';
import type { VerificationServiceEnv } from './config';
import { HealthController } from './health/health.controller';

export const CONFIG = Symbol('VERIFICATION_SERVICE_CONFIG');

@Module({})
export class VerificationServiceModule {
  static forRoot(config: VerificationServiceEnv): DynamicModule {
    return {
      module: VerificationServiceModule,
      imports: [NatsModule.forRoot(config, Service.verification), RedisModule.forRoot(config, Service.verification)],
      controllers: [HealthController],
      providers: [{ provide: CONFIG, useValue: config }],
      exports: [CONFIG],
    };
  }
}

import type { INestMicroservice } from '@nestjs/common';
import { startService, type StartOptions } from '@td/common';
import { Service } from '@td/contracts';
import { VerificationServiceModule } from './app.module';
import type { VerificationServiceConfig } from './config';

export function startVerificationService(config: VerificationServiceConfig, options: StartOptions = {}): Promise<INestMicroservice> {
  return startService(VerificationServiceModule.forRoot(config), config, Service.verification, options);
}

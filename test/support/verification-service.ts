import type { INestMicroservice } from '@nestjs/common';
import { loadConfig } from '@td/common';
import { startVerificationService } from '../../apps/verification-service/src/bootstrap';
import { VerificationServiceEnv } from '../../apps/verification-service/src/config';

/**
 * The real verification-service for another service's integration tests. Apps never
 * import each other (lint); test support may, as TestSystem does for the whole system.
 */
export async function startRealVerificationService(env: Record<string, string>): Promise<{ app: INestMicroservice; config: VerificationServiceEnv }> {
  const config = loadConfig(VerificationServiceEnv, env);
  return { app: await startVerificationService(config), config };
}

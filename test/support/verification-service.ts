import type { INestMicroservice } from '@nestjs/common';
import { startVerificationService } from '../../apps/verification-service/src/bootstrap';
import { loadVerificationServiceConfig, type VerificationServiceConfig } from '../../apps/verification-service/src/config';

export type { VerificationServiceConfig };

/**
 * The real verification-service for another service's integration tests. Apps never
 * import each other (lint); test support may, as TestSystem does for the whole system.
 */
export async function startRealVerificationService(
  env: Record<string, string>,
): Promise<{ app: INestMicroservice; config: VerificationServiceConfig }> {
  const config = loadVerificationServiceConfig(env);
  return { app: await startVerificationService(config), config };
}

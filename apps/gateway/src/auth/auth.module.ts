import { Module, type DynamicModule } from '@nestjs/common';
import type { GatewayConfig } from '../config';
import { DpopVerifier } from '../proof/dpop.verifier';
import { AccessTokenVerifier } from './access-token.verifier';
import { CallerGuard } from './caller.guard';
import { DevTokenController } from './dev-token.controller';
import { DevTokenService } from './dev-token.service';

/**
 * Access tokens and device proofs for every feature module: `@Authenticated(...)`
 * works in any controller because this module is global. Dev login (AUTH-4) exists
 * only when AUTH_DEV_LOGIN=true; otherwise its route is simply not there (404).
 */
@Module({})
export class AuthModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: AuthModule,
      global: true,
      controllers: config.auth.devLogin ? [DevTokenController] : [],
      providers: [AccessTokenVerifier, DpopVerifier, CallerGuard, DevTokenService],
      exports: [AccessTokenVerifier, DpopVerifier, CallerGuard],
    };
  }
}

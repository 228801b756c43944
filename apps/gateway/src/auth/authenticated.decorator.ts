import { applyDecorators, createParamDecorator, SetMetadata, UseGuards, type ExecutionContext } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Caller } from '@td/contracts';
import { ProblemSchema } from '../common/problem.schema';
import { CallerGuard, PROOF_MODE, type AuthenticatedRequest, type ProofMode } from './caller.guard';

/**
 * Marks a controller or route as needing an access token, and says whether it
 * needs a DPoP proof too. Documents both in the OpenAPI document.
 *
 *   @Authenticated('required') on a route → token + proof; `@CurrentCaller()` gives the Caller.
 */
export function Authenticated(proof: ProofMode = 'none'): ClassDecorator & MethodDecorator {
  // OpenAPI lists alternatives; one object holding both schemes means "token AND proof".
  const security =
    proof === 'required'
      ? [ApiSecurity({ token: [], proof: [] })]
      : proof === 'optional'
        ? [ApiSecurity({ token: [], proof: [] }), ApiBearerAuth('token')]
        : [ApiBearerAuth('token')];
  return applyDecorators(
    SetMetadata(PROOF_MODE, proof),
    UseGuards(CallerGuard),
    ...security,
    ApiUnauthorizedResponse({ description: 'unauthenticated, device_proof_required or invalid_device_proof', type: ProblemSchema }),
  );
}

/** The verified caller of an `@Authenticated` route. */
export const CurrentCaller = createParamDecorator((_data: unknown, context: ExecutionContext): Caller => {
  return context.switchToHttp().getRequest<AuthenticatedRequest>().caller;
});

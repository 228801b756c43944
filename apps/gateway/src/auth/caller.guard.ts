import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError } from '@td/common';
import { ErrorCode, type Caller, type ProofKey, type TokenClaims } from '@td/contracts';
import type { Request } from 'express';
import { clientIp } from '../common/network';
import { DpopVerifier, type ProofTarget } from '../proof/dpop.verifier';
import { precheckedProof } from '../proof/prechecked-proof';
import { AccessTokenVerifier } from './access-token.verifier';

/** Whether a route needs a DPoP proof (KEY-2): `required`, `optional` (sets `current`), or not looked at. */
export type ProofMode = 'required' | 'optional' | 'none';
export const PROOF_MODE = 'td:proof-mode';

/** The request as the guard leaves it: with the verified caller. */
export interface AuthenticatedRequest extends Request {
  caller: Caller;
}

export const MAX_USER_AGENT_LENGTH = 512;

/**
 * Authenticates a `/v1` request: the access token (AUTH-1), then the DPoP proof
 * where the route asks for one (KEY-2, KEY-3), and leaves the `Caller` on the
 * request. Whether the caller may do what it asks is for device-service to say.
 */
@Injectable()
export class CallerGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: AccessTokenVerifier,
    private readonly proofs: DpopVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const mode = this.reflector.getAllAndOverride<ProofMode>(PROOF_MODE, [context.getHandler(), context.getClass()]) ?? 'none';
    const accessToken = bearerToken(request);
    const claims: TokenClaims = await this.tokens.verify(accessToken);
    const proof = mode === 'none' ? null : await this.proof(request, accessToken, mode);
    request.caller = {
      claims,
      proof,
      ip: clientIp(request),
      userAgent: request.header('user-agent')?.slice(0, MAX_USER_AGENT_LENGTH) ?? null,
    };
    return true;
  }

  private async proof(request: Request, accessToken: string, mode: 'required' | 'optional'): Promise<ProofKey | null> {
    const header = request.header('dpop');
    if (!header) {
      if (mode === 'optional') return null;
      throw DomainError.of(ErrorCode.deviceProofRequired, 'This endpoint needs a DPoP proof signed by the device key.');
    }
    const target = proofTarget(request, accessToken);
    // Checked already, replay included, by the rate limit (in its Redis round trip): the same checks, not a second time.
    const prechecked = precheckedProof(request, header, target);
    if (prechecked) {
      if ('error' in prechecked) throw prechecked.error;
      return prechecked.key;
    }
    return this.proofs.verify(header, target);
  }
}

/** What a request's DPoP proof must be bound to (KEY-2): its method, its path without the query, its access token. */
export function proofTarget(request: Request, accessToken: string): ProofTarget {
  return { method: request.method, path: request.originalUrl.split('?')[0], accessToken };
}

/** The access token of `Authorization: Bearer <token>`, or null. */
export function bearerTokenOf(request: Request): string | null {
  const header = request.header('authorization');
  return (header ? /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header.trim()) : null)?.[1] ?? null;
}

function bearerToken(request: Request): string {
  const token = bearerTokenOf(request);
  if (token === null) throw DomainError.of(ErrorCode.unauthenticated, 'An access token is required: Authorization: Bearer <token>.');
  return token;
}

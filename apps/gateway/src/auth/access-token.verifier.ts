import { Inject, Injectable, Optional } from '@nestjs/common';
import { CLOCK, DomainError, systemClock, type Clock } from '@td/common';
import { ErrorCode, type TokenClaims } from '@td/contracts';
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import { LruCache } from '../common/lru-cache';
import { CONFIG, type GatewayEnv } from '../config';
import { toTokenClaims } from './token-claims';

/** Asymmetric algorithms an identity provider may sign with; `none` and HMAC are never accepted from a JWKS. */
const JWKS_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** Verified tokens are remembered this long at most (and never past their `exp`). */
const CACHE_TTL_MS = 60_000;
const CACHE_CAPACITY = 10_000;

/** jose failures that mean "this token is bad" (401); anything else, such as an unreachable JWKS, is the IdP being down (503). */
const TOKEN_ERROR_CODES = new Set<string>([
  errors.JWTExpired.code,
  errors.JWTClaimValidationFailed.code,
  errors.JWTInvalid.code,
  errors.JWSInvalid.code,
  errors.JWSSignatureVerificationFailed.code,
  errors.JOSEAlgNotAllowed.code,
  errors.JOSENotSupported.code,
  errors.JWKSNoMatchingKey.code,
  errors.JWKSMultipleMatchingKeys.code,
  errors.JWKInvalid.code,
]);

interface CachedClaims {
  claims: TokenClaims;
  /** When the cache entry stops being usable: min(exp, verifiedAt + CACHE_TTL_MS), in ms. */
  until: number;
}

/**
 * Verifies access tokens (AUTH-1) with the HS256 secret or the identity
 * provider's JWKS, and checks issuer and audience when they are configured.
 * A bounded LRU keeps recent verifications so a client's burst of calls costs
 * one signature check.
 */
@Injectable()
export class AccessTokenVerifier {
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly options: JWTVerifyOptions;
  private readonly cache = new LruCache<string, CachedClaims>(CACHE_CAPACITY);

  constructor(
    @Inject(CONFIG) config: GatewayEnv,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
  ) {
    const base = { issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE, requiredClaims: ['sub', 'exp'] };
    if (config.AUTH_JWT_SECRET) {
      this.key = new TextEncoder().encode(config.AUTH_JWT_SECRET);
      this.options = { ...base, algorithms: ['HS256'] };
    } else {
      this.key = createRemoteJWKSet(new URL(config.AUTH_JWKS_URL!), { timeoutDuration: 3000, cooldownDuration: 30_000, cacheMaxAge: 600_000 });
      this.options = { ...base, algorithms: JWKS_ALGORITHMS };
    }
  }

  async verify(token: string): Promise<TokenClaims> {
    const now = this.clock.now();
    const cached = this.cache.get(token);
    if (cached) {
      if (cached.until > now) return cached.claims;
      this.cache.delete(token);
    }
    const payload = await this.verifySignature(token, now);
    const claims = toTokenClaims(payload);
    this.cache.set(token, { claims, until: Math.min(payload.exp! * 1000, now + CACHE_TTL_MS) });
    return claims;
  }

  private async verifySignature(token: string, now: number) {
    const options = { ...this.options, currentDate: new Date(now) };
    try {
      const { payload } = this.key instanceof Uint8Array ? await jwtVerify(token, this.key, options) : await jwtVerify(token, this.key, options);
      return payload;
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw DomainError.of(ErrorCode.unauthenticated, 'The access token has expired.');
      if (error instanceof errors.JOSEError && TOKEN_ERROR_CODES.has(error.code)) {
        throw DomainError.of(ErrorCode.unauthenticated, 'The access token is not valid.');
      }
      throw DomainError.unavailable('The identity provider\'s signing keys cannot be fetched; try again shortly.');
    }
  }
}

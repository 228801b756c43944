import { Inject, Injectable, Optional } from '@nestjs/common';
import { CLOCK, DomainError, systemClock, type Clock } from '@td/common';
import { ErrorCode, type TokenClaims } from '@td/contracts';
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey, type JWTVerifyOptions, type JWTVerifyResult } from 'jose';
import { LruCache } from '../common/lru-cache';
import { GatewayConfig } from '../config';
import { DEV_TOKEN_ISSUER, toTokenClaims } from './token-claims';

/** Asymmetric algorithms an identity provider may sign with; `none` and HMAC are never accepted from a JWKS. */
const JWKS_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** Clock skew tolerated between the identity provider and this gateway (SEC-4). */
const CLOCK_LEEWAY_SECONDS = 30;

/**
 * Token types an access token may declare (RFC 9068 `at+jwt`, or plain `JWT`); a token
 * typed as anything else (a DPoP proof, a logout token…) is not an access token (SEC-4).
 */
const ACCESS_TOKEN_TYPES = new Set(['jwt', 'at+jwt', 'application/at+jwt']);

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
  private readonly devLogin: boolean;
  private readonly cache = new LruCache<string, CachedClaims>(CACHE_CAPACITY);

  constructor(
    config: GatewayConfig,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
  ) {
    this.devLogin = config.auth.devLogin;
    // With dev login on, its own tokens are accepted beside the identity provider's (SEC-1).
    const issuer = config.auth.issuer && this.devLogin ? [config.auth.issuer, DEV_TOKEN_ISSUER] : config.auth.issuer;
    const base = { issuer, audience: config.auth.audience, requiredClaims: ['sub', 'exp'], clockTolerance: CLOCK_LEEWAY_SECONDS };
    if (config.auth.jwtSecret) {
      this.key = new TextEncoder().encode(config.auth.jwtSecret);
      this.options = { ...base, algorithms: ['HS256'] };
    } else {
      this.key = createRemoteJWKSet(new URL(config.auth.jwksUrl!), {
        timeoutDuration: 3000,
        cooldownDuration: 30_000,
        cacheMaxAge: 600_000,
      });
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
    let verified: JWTVerifyResult;
    try {
      verified = this.key instanceof Uint8Array ? await jwtVerify(token, this.key, options) : await jwtVerify(token, this.key, options);
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw DomainError.of(ErrorCode.unauthenticated, 'The access token has expired.');
      if (error instanceof errors.JOSEError && TOKEN_ERROR_CODES.has(error.code)) {
        throw DomainError.of(ErrorCode.unauthenticated, 'The access token is not valid.');
      }
      throw DomainError.unavailable("The identity provider's signing keys cannot be fetched; try again shortly.");
    }
    const { payload, protectedHeader } = verified;
    if (protectedHeader.typ !== undefined && !ACCESS_TOKEN_TYPES.has(protectedHeader.typ.toLowerCase())) {
      throw DomainError.of(ErrorCode.unauthenticated, 'The token\'s "typ" says it is not an access token.');
    }
    if (payload.iss === DEV_TOKEN_ISSUER && !this.devLogin) {
      throw DomainError.of(ErrorCode.unauthenticated, 'Dev-login tokens are not accepted here: dev login is off.');
    }
    return payload;
  }
}

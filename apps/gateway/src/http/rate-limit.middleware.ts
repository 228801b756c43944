import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import { REDIS } from '@td/common';
import type { NextFunction, Request, Response } from 'express';
import type { TokenClaims } from '@td/contracts';
import type { Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import { AccessTokenVerifier } from '../auth/access-token.verifier';
import { bearerTokenOf, proofTarget } from '../auth/caller.guard';
import { hitFixedWindows, type WindowCounter } from '../common/fixed-window.limiter';
import { rateLimitAddress } from '../common/network';
import { GatewayConfig } from '../config';
import { DpopVerifier, PROOF_REPLAY_WINDOW_SECONDS, type CheckedProof } from '../proof/dpop.verifier';
import { rememberPrecheckedProof } from '../proof/prechecked-proof';
import { ProblemFilter } from '../problem/problem.filter';
import { ScimExceptionFilter } from '../scim/scim-exception.filter';

/** The general limits count requests per minute. */
const WINDOW_SECONDS = 60;
const LIMITED_PATH = /^\/(v1|scim)(\/|\?|$)/;
const BEARER = /^Bearer\s+(\S{1,4096})$/i;

/**
 * SEC-9: the general rate limits of `/v1` and `/scim`, shared by every gateway through Redis.
 * Every request counts against its client address (`rateLimitAddress`: X-Forwarded-For only from
 * the proxies TRUST_PROXY names, SEC-3) and, when it carries a credential, against who it is:
 * on `/v1` the user of a *verified* access token (workspace + subject; the verifier's cache makes
 * the guard's own check that follows free), on `/scim` the SCIM token presented (a token that
 * is not valid is refused by the guard anyway, so only a real token's count ever matters). Both
 * counters are hit in one Redis round trip. Beyond either: 429 `rate_limited` with Retry-After,
 * as problem+json on `/v1` and RFC 7644's error on `/scim`. The specific limits (CODE-4,
 * SETUP_MAX_PER_HOUR, dev login…) apply on top, where they are.
 *
 * A `/v1` request with a verified token and a DPoP proof has its proof checked here as the guard
 * would (KEY-2, KEY-3), and the proof's replay record is set in the same script as the counters,
 * when the request is within its limits (a refused request claims nothing): one Redis round trip
 * per request instead of two. The guard then takes that outcome for this very proof.
 *
 * Redis unreachable: 503 with Retry-After (fail closed, ERR-3), as for proof replay and the
 * specific limits: whether the caller is within its limit cannot be told, and the limit exists
 * for exactly the moments a flood would take the rest of the system down.
 */
@Injectable()
export class RateLimitMiddleware implements NestMiddleware {
  private readonly problems = new ProblemFilter();
  private readonly scimErrors = new ScimExceptionFilter();

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: GatewayConfig,
    private readonly tokens: AccessTokenVerifier,
    private readonly proofs: DpopVerifier,
  ) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const area = LIMITED_PATH.exec(request.originalUrl)?.[1];
    if (!area) return next();
    this.hit(request, area === 'scim').then(
      () => next(),
      (error: unknown) => (area === 'scim' ? this.scimErrors.answer(error, response) : this.problems.answer(error, request, response)),
    );
  }

  private async hit(request: Request, scim: boolean): Promise<void> {
    const counters: WindowCounter[] = [{ key: `ratelimit:ip:${rateLimitAddress(request)}`, limit: this.config.rateLimits.ipPerMinute }];
    const credential = BEARER.exec(request.header('authorization')?.trim() ?? '')?.[1];
    const limit = this.config.rateLimits.userPerMinute;
    if (credential && scim) counters.push({ key: `ratelimit:scim-token:${sha256(credential)}`, limit });
    // A token that does not verify counts against the address only; the guard answers it.
    const claims = credential && !scim ? await this.tokens.verify(credential).catch(() => null) : null;
    if (!claims) return hitFixedWindows(this.redis, WINDOW_SECONDS, counters);
    counters.push({ key: userCounterKey(claims), limit });
    // The DPoP proof (KEY-3), when the guard will look at it with this same token: checked here, so that its
    // replay record is set in this round trip, and only if the request is within its limits.
    const proof = request.header('dpop');
    if (!proof || bearerTokenOf(request) !== credential) return hitFixedWindows(this.redis, WINDOW_SECONDS, counters);
    const target = proofTarget(request, credential);
    let checked: CheckedProof;
    try {
      checked = await this.proofs.check(proof, target);
    } catch (error) {
      rememberPrecheckedProof(request, proof, target, { error });
      return hitFixedWindows(this.redis, WINDOW_SECONDS, counters);
    }
    const firstSight = await hitFixedWindows(this.redis, WINDOW_SECONDS, counters, {
      key: checked.replayKey,
      ttlSeconds: PROOF_REPLAY_WINDOW_SECONDS,
    });
    rememberPrecheckedProof(request, proof, target, firstSight ? { key: checked.key } : { error: DpopVerifier.replayed() });
  }
}

/** The verifier hands back the same claims object for a token it has seen: its counter's key is worked out once. */
const userCounterKeys = new WeakMap<TokenClaims, string>();

function userCounterKey(claims: TokenClaims): string {
  let key = userCounterKeys.get(claims);
  if (key === undefined) {
    key = `ratelimit:user:${sha256(JSON.stringify([claims.wid, claims.sub]))}`;
    userCounterKeys.set(claims, key);
  }
  return key;
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

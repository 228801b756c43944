import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import { REDIS } from '@td/common';
import type { NextFunction, Request, Response } from 'express';
import type { Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import { AccessTokenVerifier } from '../auth/access-token.verifier';
import { hitFixedWindows, type WindowCounter } from '../common/fixed-window.limiter';
import { rateLimitAddress } from '../common/network';
import { GatewayConfig } from '../config';
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
  ) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const area = LIMITED_PATH.exec(request.originalUrl)?.[1];
    if (!area) return next();
    this.counters(request, area === 'scim')
      .then((counters) => hitFixedWindows(this.redis, WINDOW_SECONDS, counters))
      .then(
        () => next(),
        (error: unknown) => (area === 'scim' ? this.scimErrors.answer(error, response) : this.problems.answer(error, request, response)),
      );
  }

  private async counters(request: Request, scim: boolean): Promise<WindowCounter[]> {
    const counters: WindowCounter[] = [{ key: `ratelimit:ip:${rateLimitAddress(request)}`, limit: this.config.rateLimits.ipPerMinute }];
    const credential = BEARER.exec(request.header('authorization')?.trim() ?? '')?.[1];
    if (!credential) return counters;
    const limit = this.config.rateLimits.userPerMinute;
    if (scim) {
      counters.push({ key: `ratelimit:scim-token:${sha256(credential)}`, limit });
    } else {
      // A token that does not verify counts against the address only; the guard answers it.
      const claims = await this.tokens.verify(credential).catch(() => null);
      if (claims) counters.push({ key: `ratelimit:user:${sha256(JSON.stringify([claims.wid, claims.sub]))}`, limit });
    }
    return counters;
  }
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

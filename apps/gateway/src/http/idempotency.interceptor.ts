import {
  applyDecorators,
  Inject,
  Injectable,
  Post as NestPost,
  SetMetadata,
  UseInterceptors,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError, REDIS, RedisLease } from '@td/common';
import { ErrorCode } from '@td/contracts';
import type { Request, Response } from 'express';
import type { Redis } from 'ioredis';
import { createHash, randomUUID } from 'node:crypto';
import { from, of, switchMap, tap, catchError, throwError, type Observable } from 'rxjs';
import type { AuthenticatedRequest } from '../auth/caller.guard';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
const CARRIES_SECRET = 'td:carries-secret';
/**
 * Marks a POST whose answer carries a secret (a dev token, a SCIM token; API.md): the answer is never
 * stored for an `Idempotency-Key` replay, so a secret never rests in Redis.
 */
export const CarriesSecret = () => SetMetadata(CARRIES_SECRET, true);
/** How long a stored answer is replayed. */
const ANSWER_TTL_SECONDS = 24 * 3600;
/**
 * The lease on a key whose request is being answered: renewed while the request runs, so a gateway
 * killed meanwhile leaves the key free for the retry within this long (see RedisLease).
 */
export const CLAIM_LEASE_MS = 3_000;
const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;

interface Claim {
  fingerprint: string;
  /** Names the request holding the key while it runs. */
  holder?: string;
  answer?: { status: number; body: unknown };
}

/**
 * The `Idempotency-Key` header on every POST (API.md; IETF draft "The Idempotency-Key HTTP Header
 * Field"). The first request with a key claims it; its successful answer is stored for 24 h and a
 * request with the same key and the same request (method, path, device key, body) gets that answer
 * again without running twice; the same key with another request is 422 `idempotency_key_reused`,
 * and while the first is still being answered 409 `idempotency_key_in_use`. A failed request keeps
 * nothing, so its retry runs again. Keys are per caller (the user; or the credential on routes
 * without a user). Answers that carry a secret (handlers marked `@CarriesSecret()`) are never stored.
 *
 * Applied to each POST route by `Post` below, not globally: a global interceptor would put every
 * other request (GET /v1/devices…) through Nest's interceptor chain and rxjs for nothing (issue 12).
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<Request & Partial<AuthenticatedRequest>>();
    const key = request.header(IDEMPOTENCY_KEY_HEADER);
    if (request.method !== 'POST' || key === undefined) return next.handle();
    if (!KEY_FORMAT.test(key)) {
      throw DomainError.of(ErrorCode.validationFailed, 'The Idempotency-Key header must be 1 to 255 visible ASCII characters.', {
        extensions: { errors: [{ field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' }] },
      });
    }
    const response = http.getResponse<Response>();
    const secret = this.reflector.get<boolean>(CARRIES_SECRET, context.getHandler()) === true;
    const storeKey = `idempotency:${scopeOf(request)}:${sha256(key)}`;
    const fingerprint = fingerprintOf(request);
    return from(this.claim(storeKey, fingerprint)).pipe(
      switchMap((claim) => {
        if ('answer' in claim) {
          response.status(claim.answer.status);
          return of(claim.answer.body);
        }
        const { lease } = claim;
        return next.handle().pipe(
          // Best effort: if Redis fails here, the answer is not replayed and a retry runs again.
          tap((body) => void lease.settle(secret ? null : JSON.stringify(answered(fingerprint, response, body)), ANSWER_TTL_SECONDS)),
          catchError((error: unknown) => from(lease.settle(null)).pipe(switchMap(() => throwError(() => error)))),
        );
      }),
    );
  }

  /** Claims the key for this request (its lease), or answers what a request with it got before. */
  private async claim(storeKey: string, fingerprint: string): Promise<{ lease: RedisLease } | { answer: NonNullable<Claim['answer']> }> {
    const held = await RedisLease.claim(
      this.redis,
      storeKey,
      JSON.stringify({ fingerprint, holder: randomUUID() } satisfies Claim),
      CLAIM_LEASE_MS,
    ).catch(unavailable);
    if (held instanceof RedisLease) return { lease: held };
    const existing = JSON.parse(held) as Claim;
    if (existing.fingerprint !== fingerprint) {
      throw DomainError.of(
        ErrorCode.idempotencyKeyReused,
        'This Idempotency-Key was used with another request; use a new key for a new request.',
      );
    }
    if (!existing.answer) {
      throw DomainError.of(ErrorCode.idempotencyKeyInUse, 'A request with this Idempotency-Key is still being answered; retry shortly.', {
        retryAfter: 1,
      });
    }
    return { answer: existing.answer };
  }
}

function answered(fingerprint: string, response: Response, body: unknown): Claim {
  return { fingerprint, answer: { status: response.statusCode, body: body ?? null } };
}

function scopeOf(request: Request & Partial<AuthenticatedRequest>): string {
  const claims = request.caller?.claims;
  if (claims) return sha256(JSON.stringify(['user', claims.wid, claims.sub]));
  return sha256(JSON.stringify(['credential', request.header('authorization') ?? '']));
}

function fingerprintOf(request: Request & Partial<AuthenticatedRequest>): string {
  return sha256(JSON.stringify([request.method, request.originalUrl, request.caller?.proof?.jkt ?? null, request.body ?? null]));
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

function unavailable(): never {
  throw DomainError.unavailable('Temporarily unavailable: requests with an Idempotency-Key cannot be checked right now.');
}

/**
 * Nest's `@Post()` with the `Idempotency-Key` handling every POST of the API has (API.md): the
 * gateway's controllers use this one for every POST route (a unit test checks that they do).
 */
export function Post(path?: string | string[]): MethodDecorator {
  return applyDecorators(NestPost(path), UseInterceptors(IdempotencyInterceptor));
}

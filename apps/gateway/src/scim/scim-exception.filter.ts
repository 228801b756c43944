import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { DomainError, isDependencyFailure } from '@td/common';
import { ErrorCode } from '@td/contracts';
import type { Response } from 'express';
import { HTTP_STATUS } from '../problem/http-status';
import { SCIM_CONTENT_TYPE, scimError, ScimBadRequest, ScimPayloadTooLarge, type ScimErrorBody } from './scim.error';

/**
 * SCIM clients expect RFC 7644 error bodies, not problem+json (API.md's SCIM note):
 * this filter, bound to the SCIM controller, answers every error of its routes.
 */
@Catch()
export class ScimExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ScimExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    this.answer(exception, host.switchToHttp().getResponse<Response>());
  }

  /** Answers the error in RFC 7644's form (also for middleware that runs outside Nest's filters). */
  answer(exception: unknown, response: Response): void {
    const { body, retryAfter } = this.toScimError(exception);
    if (response.headersSent) {
      response.end();
      return;
    }
    if (body.status === '401') response.setHeader('WWW-Authenticate', 'Bearer realm="SCIM"');
    if (retryAfter !== undefined) response.setHeader('Retry-After', String(retryAfter));
    response.status(Number(body.status)).type(SCIM_CONTENT_TYPE).send(JSON.stringify(body));
  }

  toScimError(exception: unknown): { body: ScimErrorBody; retryAfter?: number } {
    if (exception instanceof ScimBadRequest) return { body: scimError(400, exception.detail, exception.scimType) };
    if (exception instanceof ScimPayloadTooLarge) return { body: scimError(413, exception.detail) };
    if (exception instanceof DomainError) {
      const { code, detail, retryAfter } = exception.body;
      const status = HTTP_STATUS[code] ?? 500;
      if (status === 503) return { body: scimError(503, detail), retryAfter: retryAfter ?? 2 };
      if (status === 429) return { body: scimError(429, detail), retryAfter: retryAfter ?? 60 };
      if (status >= 500) {
        this.logger.error(`internal error from a service: ${detail}`);
        return { body: scimError(500, 'An unexpected error occurred.') };
      }
      return { body: scimError(status, detail, code === ErrorCode.validationFailed ? 'invalidValue' : undefined) };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      return {
        body: scimError(status, status === 404 ? 'No such resource.' : exception.message, status === 400 ? 'invalidSyntax' : undefined),
      };
    }
    if (isDependencyFailure(exception)) return { body: scimError(503, 'A dependency is unavailable; try again shortly.'), retryAfter: 2 };
    this.logger.error(exception instanceof Error ? exception : String(exception));
    return { body: scimError(500, 'An unexpected error occurred.') };
  }
}

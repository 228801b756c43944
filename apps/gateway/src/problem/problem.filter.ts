import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { DomainError, isDependencyFailure } from '@td/common';
import { ErrorCode } from '@td/contracts';
import type { Request, Response } from 'express';
import { HTTP_STATUS, TITLES } from './http-status';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  [extension: string]: unknown;
}

const CODE_OF_HTTP_STATUS: Record<number, ErrorCode> = {
  400: ErrorCode.validationFailed,
  401: ErrorCode.unauthenticated,
  403: ErrorCode.trustedSessionRequired,
  404: ErrorCode.notFound,
  405: ErrorCode.methodNotAllowed,
  413: ErrorCode.payloadTooLarge,
  429: ErrorCode.rateLimited,
  503: ErrorCode.serviceUnavailable,
};

/** 429 and 503 always carry Retry-After (API.md); these apply when the service gave no figure of its own. */
const DEFAULT_RETRY_AFTER: Record<number, number | undefined> = { 429: 60, 503: 2 };

/**
 * The one place where every error becomes an RFC 9457 problem document with a
 * stable `code` (ERR-1). Dependencies that are down read as 503 with Retry-After
 * (ERR-3); anything unexpected is logged once and answered 500 without details.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    this.answer(exception, http.getRequest<Request>(), http.getResponse<Response>());
  }

  /** Answers the error as a problem document (also for middleware that runs outside Nest's filters). */
  answer(exception: unknown, request: Request, response: Response): void {
    const { problem, retryAfter } = this.toProblem(exception);
    if (response.headersSent) {
      response.end();
      return;
    }
    if (retryAfter !== undefined) response.setHeader('Retry-After', String(retryAfter));
    response
      .status(problem.status)
      .type('application/problem+json')
      .send(JSON.stringify({ ...problem, instance: request.originalUrl?.split('?')[0] }));
  }

  toProblem(exception: unknown): { problem: Problem; retryAfter?: number } {
    if (exception instanceof DomainError) {
      const { code, detail, extensions, retryAfter } = exception.body;
      const status = HTTP_STATUS[code] ?? 500;
      if (status >= 500 && code !== ErrorCode.serviceUnavailable) this.logger.error(`internal error from a service: ${detail}`);
      return { problem: { ...extensions, ...problemBase(status, code, detail) }, retryAfter: retryAfter ?? DEFAULT_RETRY_AFTER[status] };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const message = typeof body === 'string' ? body : (body as { message?: unknown }).message;
      const detail = Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : exception.message;
      const code = CODE_OF_HTTP_STATUS[status] ?? (status >= 500 ? ErrorCode.internal : ErrorCode.validationFailed);
      return { problem: problemBase(status, code, friendlyDetail(status, detail)) };
    }
    const clientError = httpErrorStatus(exception);
    if (clientError) {
      return {
        problem: problemBase(
          clientError,
          CODE_OF_HTTP_STATUS[clientError] ?? ErrorCode.validationFailed,
          friendlyDetail(clientError, (exception as Error).message),
        ),
      };
    }
    if (isDependencyFailure(exception)) {
      this.logger.warn(`dependency failure: ${(exception as Error).message}`);
      return { problem: problemBase(503, ErrorCode.serviceUnavailable, 'A dependency is unavailable; try again shortly.'), retryAfter: 2 };
    }
    this.logger.error(exception instanceof Error ? exception : String(exception));
    return { problem: problemBase(500, ErrorCode.internal, 'An unexpected error occurred.') };
  }
}

/** Errors of Express' own middleware (body-parser's http-errors) carry a client status of their own. */
function httpErrorStatus(exception: unknown): number | undefined {
  const { status, expose } = (exception ?? {}) as { status?: unknown; expose?: unknown };
  return expose === true && typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

function problemBase(status: number, code: string, detail: string): Problem {
  return { type: 'about:blank', title: TITLES[status] ?? 'Error', status, detail, code };
}

function friendlyDetail(status: number, detail: string): string {
  if (status === 404 && /^Cannot (GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)/.test(detail)) return 'No such endpoint.';
  if (status === 413) return 'The request body is larger than 16 KiB.';
  if (status === 400 && /JSON/i.test(detail)) return 'The request body is not valid JSON.';
  return detail;
}

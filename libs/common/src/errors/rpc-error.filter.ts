import { Catch, Logger, type ArgumentsHost, type RpcExceptionFilter } from '@nestjs/common';
import { ErrorCode, type DomainErrorBody } from '@td/contracts';
import { throwError, type Observable } from 'rxjs';
import { DomainError } from './domain-error';
import { isDependencyFailure } from './dependency-failure';

/**
 * The one place a service turns a thrown error into what goes back over the bus:
 * domain errors as they are, dependency failures as `service_unavailable`, and
 * anything else as `internal_error` (logged here, once, with its stack).
 */
@Catch()
export class RpcErrorFilter implements RpcExceptionFilter<unknown> {
  private readonly logger = new Logger('RpcErrorFilter');

  catch(exception: unknown, _host: ArgumentsHost): Observable<DomainErrorBody> {
    return throwError(() => toErrorBody(exception, this.logger));
  }
}

export function toErrorBody(exception: unknown, logger: Logger): DomainErrorBody {
  if (exception instanceof DomainError) return exception.body;
  if (isDependencyFailure(exception)) {
    logger.warn(`dependency failure: ${(exception as Error).message}`);
    return DomainError.unavailable().body;
  }
  logger.error(exception instanceof Error ? exception : String(exception));
  return { code: ErrorCode.internal, detail: 'An unexpected error occurred.' };
}

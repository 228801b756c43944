import { RpcException } from '@nestjs/microservices';
import { ErrorCode, type DomainErrorBody } from '@td/contracts';

/**
 * A rule said no. Carries a stable `code` (PRODUCT.md) across the bus; the gateway
 * maps it to an HTTP status and a problem document.
 */
export class DomainError extends RpcException {
  constructor(readonly body: DomainErrorBody) {
    super(body);
    this.name = 'DomainError';
    this.message = body.detail;
  }

  get code(): ErrorCode {
    return this.body.code;
  }

  static of(code: ErrorCode, detail: string, extra: Omit<DomainErrorBody, 'code' | 'detail'> = {}): DomainError {
    return new DomainError({ code, detail, ...extra });
  }

  static notFound(what = 'The resource'): DomainError {
    return DomainError.of(ErrorCode.notFound, `${what} was not found.`);
  }

  static unavailable(detail = 'A dependency is unavailable; try again shortly.', retryAfter = 2): DomainError {
    return DomainError.of(ErrorCode.serviceUnavailable, detail, { retryAfter });
  }
}

import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { DomainError } from '@td/common';
import { ErrorCode } from '@td/contracts';

export interface FieldError {
  field: string;
  message: string;
}

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** Whitelisting validation of every body, query and parameter (ERR-2): unknown fields are errors. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => {
      const fieldErrors = flatten(errors);
      return DomainError.of(ErrorCode.validationFailed, fieldErrors.map((e) => e.message).join('; ') || 'The request is not valid.', {
        extensions: { errors: fieldErrors },
      });
    },
  });
}

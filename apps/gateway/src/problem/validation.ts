import { ValidationPipe } from '@nestjs/common';
import { DomainError, fieldErrors } from '@td/common';
import { ErrorCode } from '@td/contracts';

/** Whitelisting validation of every body, query and parameter (ERR-2): unknown fields are errors. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => {
      const problems = fieldErrors(errors);
      return DomainError.of(ErrorCode.validationFailed, problems.map((e) => e.message).join('; ') || 'The request is not valid.', {
        extensions: { errors: problems },
      });
    },
  });
}

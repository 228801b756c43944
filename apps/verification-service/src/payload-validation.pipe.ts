import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { DomainError } from '@td/common';
import { ErrorCode } from '@td/contracts';

function fieldErrors(errors: ValidationError[], parent = ''): Array<{ field: string; message: string }> {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...fieldErrors(error.children ?? [], field)];
  });
}

/**
 * Message payloads are checked here too, not only at the gateway (STYLE.md 5).
 * Unknown fields are dropped rather than refused, so additive contract changes
 * do not break a caller that is deployed first.
 */
export const payloadValidation = new ValidationPipe({
  whitelist: true,
  forbidUnknownValues: true,
  transform: true,
  exceptionFactory: (errors) => {
    const problems = fieldErrors(errors);
    return DomainError.of(ErrorCode.validationFailed, problems.map((p) => `${p.field}: ${p.message}`).join('; ') || 'The message is not valid.', {
      extensions: { errors: problems },
    });
  },
});

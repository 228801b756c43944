import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { ErrorCode } from '@td/contracts';
import { DomainError } from './domain-error';
import { cacheValidationMetadata } from './validation-metadata-cache';

// Every app validates through class-validator (the services here, the gateway its own pipe): once per process.
cacheValidationMetadata();

export interface FieldError {
  field: string;
  message: string;
}

/** class-validator's nested errors as a flat `[{ field, message }]` list (ERR-1's `errors`). */
export function fieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...fieldErrors(error.children ?? [], field)];
  });
}

export function validationFailed(errors: ValidationError[]): DomainError {
  const problems = fieldErrors(errors);
  return DomainError.of(
    ErrorCode.validationFailed,
    problems.map((p) => `${p.field}: ${p.message}`).join('; ') || 'The request is not valid.',
    {
      extensions: { errors: problems },
    },
  );
}

/**
 * Message payloads are checked at each service's own edge too, not only at the gateway
 * (STYLE.md 5). Unknown fields are dropped rather than refused, so additive contract
 * changes do not break a caller that is deployed first.
 */
export const payloadValidation = new ValidationPipe({
  whitelist: true,
  forbidUnknownValues: true,
  transform: true,
  exceptionFactory: validationFailed,
});

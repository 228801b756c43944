import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { DomainError } from '@td/common';
import { ErrorCode } from '@td/contracts';

function flatten(errors: ValidationError[], parent = ''): Array<{ field: string; message: string }> {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/**
 * Checks every command's payload at device-service's own edge (STYLE.md 5): unknown
 * fields are dropped, a bad shape is `validation_failed` with the fields named (ERR-1).
 */
export const payloadValidation = new ValidationPipe({
  transform: true,
  whitelist: true,
  forbidUnknownValues: true,
  exceptionFactory: (errors) =>
    DomainError.of(ErrorCode.validationFailed, 'The request is not valid.', { extensions: { errors: flatten(errors) } }),
});

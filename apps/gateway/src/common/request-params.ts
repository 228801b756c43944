import { Body, Param, ParseUUIDPipe, type PipeTransform } from '@nestjs/common';
import { DomainError } from '@td/common';
import { ErrorCode } from '@td/contracts';

/** A path id that must be a UUID; anything else is a 400 validation problem (ERR-2), never a lookup. */
export function UuidParam(name: string): ParameterDecorator {
  return Param(
    name,
    new ParseUUIDPipe({
      exceptionFactory: () =>
        DomainError.of(ErrorCode.validationFailed, `${name} must be a UUID.`, {
          extensions: { errors: [{ field: name, message: `${name} must be a UUID` }] },
        }),
    }),
  );
}

/**
 * Endpoints that take no body refuse one that has fields (ERR-2: unknown fields are
 * errors), so a typo never passes for an accepted request.
 */
class RejectBodyPipe implements PipeTransform {
  transform(value: unknown): undefined {
    if (value === undefined || value === null) return undefined;
    const fields = typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : null;
    if (fields?.length === 0) return undefined;
    const errors = fields
      ? fields.map((field) => ({ field, message: `property ${field} should not exist` }))
      : [{ field: 'body', message: 'this endpoint takes no body' }];
    throw DomainError.of(ErrorCode.validationFailed, errors.map((e) => e.message).join('; '), { extensions: { errors } });
  }
}

export function NoBody(): ParameterDecorator {
  return Body(new RejectBodyPipe());
}

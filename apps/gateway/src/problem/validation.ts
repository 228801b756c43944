import { ValidationPipe, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
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

/** Postgres text cannot hold U+0000; no identifier, name or search of this API needs it. */
const NUL = '\u0000';

/** The path of the first string holding a NUL character inside `value`, or null. */
function nulAt(value: unknown, path: string, depth = 0): string | null {
  if (typeof value === 'string') return value.includes(NUL) ? path : null;
  if (depth > 32 || typeof value !== 'object' || value === null) return null;
  for (const [key, inner] of Object.entries(value)) {
    const field = Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
    if (key.includes(NUL)) return field;
    const found = nulAt(inner, field, depth + 1);
    if (found !== null) return found;
  }
  return null;
}

/**
 * ERR-2 at the edge, once for every body, query value and path parameter of every route
 * (SCIM's too): a NUL character is refused as a 400 before anything reaches a service
 * and its database. Registered before the validation pipe; token claims are checked
 * where they are read (token-claims.ts).
 */
export class RejectNulCharactersPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    const field = nulAt(value, metadata.data ?? metadata.type);
    if (field === null) return value;
    const message = `${field} must not contain NUL characters`;
    throw DomainError.of(ErrorCode.validationFailed, message, { extensions: { errors: [{ field, message }] } });
  }
}

import { DomainError } from '@td/common';
import { ErrorCode, ROLES, type Role, type TokenClaims } from '@td/contracts';
import type { JWTPayload } from 'jose';

/**
 * The issuer of dev-login tokens (AUTH-4), never an identity provider's: a gateway whose
 * dev login is off refuses tokens carrying it, even signed with the same secret (SEC-1).
 */
export const DEV_TOKEN_ISSUER = 'urn:trusted-devices:dev-login';

/** Users and workspaces are identified by the token's `sub` and `wid`: strings of up to 255 characters (API.md). */
const MAX_ID_LENGTH = 255;

function unauthenticated(detail: string): DomainError {
  return DomainError.of(ErrorCode.unauthenticated, detail);
}

/** Control characters (NUL above all: Postgres refuses it) have no place in a claim this API keeps (ERR-2). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

function identifier(payload: JWTPayload, claim: 'sub' | 'wid'): string {
  const value = payload[claim];
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID_LENGTH || CONTROL_CHARACTERS.test(value)) {
    throw unauthenticated(
      `The access token's "${claim}" claim is missing or not a string of 1 to ${MAX_ID_LENGTH} characters without control characters.`,
    );
  }
  return value;
}

/**
 * The claims AUTH-1 names, read from a verified token: `preferred_username` falls
 * back to the email's local part, a missing `role` means `member`, and an unknown
 * role is refused rather than guessed.
 */
export function toTokenClaims(payload: JWTPayload): TokenClaims {
  const sub = identifier(payload, 'sub');
  const wid = identifier(payload, 'wid');
  const email = payload.email;
  if (typeof email !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(email) || email.length > 320 || CONTROL_CHARACTERS.test(email)) {
    throw unauthenticated('The access token has no valid "email" claim.');
  }
  const preferred = payload.preferred_username;
  if (typeof preferred === 'string' && CONTROL_CHARACTERS.test(preferred))
    throw unauthenticated('The access token\'s "preferred_username" holds control characters.');
  const username = typeof preferred === 'string' && preferred.trim() !== '' ? preferred.trim() : email.slice(0, email.lastIndexOf('@'));
  const role = payload.role ?? 'member';
  if (!ROLES.includes(role as Role)) throw unauthenticated(`The access token's "role" must be one of ${ROLES.join(', ')}.`);
  return { sub, wid, email, username, role: role as Role };
}

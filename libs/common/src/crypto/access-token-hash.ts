import { createHash } from 'node:crypto';

/** DPoP `ath` (RFC 9449 §4.2): base64url SHA-256 of the access token. Clients make it, the gateway checks it. */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest('base64url');
}

/**
 * SEC-6: 32 bytes (a P-256 coordinate, a SHA-256 thumbprint) in their one canonical
 * base64url spelling: 43 characters, no padding, the last character's two unused low
 * bits zero. Decoders accept other spellings of the same bytes, and each would give the
 * same point another RFC 7638 thumbprint (a KEY-4 bypass), so only this one is accepted.
 */
export const CANONICAL_BASE64URL_32_BYTES = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

export function isCanonicalBase64url32(value: unknown): value is string {
  return typeof value === 'string' && CANONICAL_BASE64URL_32_BYTES.test(value);
}

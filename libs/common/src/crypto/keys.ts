import { hkdfSync } from 'node:crypto';

/**
 * One secret (CODE_HMAC_SECRET) serves several purposes; each gets its own key,
 * derived by HKDF-SHA256 with a purpose label, so no two uses ever share a key.
 */
export function deriveKey(secret: string, info: string, length = 32): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), info, length));
}

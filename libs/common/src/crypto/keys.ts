import { hkdfSync } from 'node:crypto';

/** Derived keys by (secret, purpose, length): a derivation per code issued or checked showed up in profiles. */
const derived = new Map<string, Buffer>();

/**
 * One secret (CODE_HMAC_SECRET) serves several purposes; each gets its own key,
 * derived by HKDF-SHA256 with a purpose label, so no two uses ever share a key.
 */
export function deriveKey(secret: string, info: string, length = 32): Buffer {
  const id = `${length}\u0000${info}\u0000${secret}`;
  let key = derived.get(id);
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), info, length));
    // A handful of (secret, purpose) pairs exist per process; the bound only guards against misuse.
    if (derived.size >= 64) derived.clear();
    derived.set(id, key);
  }
  return key;
}

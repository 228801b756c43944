import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { deriveKey } from './keys';

const SEAL_INFO = 'td:mail-seal';
const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A sealed value that is not well-formed, or whose authentication tag does not match (tampered, or another key). */
export class SealError extends Error {
  constructor() {
    super('The sealed value is malformed or was not sealed with this key.');
    this.name = 'SealError';
  }
}

/**
 * Seals a verification code for the mail job (CODE-2): AES-256-GCM, so the code
 * never rests in Redis in the clear and any change to it is detected.
 * Output: base64url `iv.ciphertext.tag`.
 */
export function sealCode(secret: string, plaintext: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, deriveKey(secret, SEAL_INFO), iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [iv, ciphertext, cipher.getAuthTag()].map((part) => part.toString('base64url')).join('.');
}

/** Opens what `sealCode` sealed with the same secret; throws `SealError` otherwise. */
export function unsealCode(secret: string, sealed: string): string {
  const parts = sealed.split('.');
  if (parts.length !== 3) throw new SealError();
  const [iv, ciphertext, tag] = parts.map((part) => Buffer.from(part, 'base64url'));
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SealError();
  try {
    const decipher = createDecipheriv(ALGORITHM, deriveKey(secret, SEAL_INFO), iv, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch {
    throw new SealError();
  }
}

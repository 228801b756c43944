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
 * never rests in Redis in the clear and any change to it is detected. `boundTo` is
 * authenticated with it (GCM's additional data): the seal opens only with the same
 * value, so a code cannot be moved to another context (SEC-2: another recipient).
 * Output: base64url `iv.ciphertext.tag`.
 */
export function sealCode(secret: string, plaintext: string, boundTo: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, deriveKey(secret, SEAL_INFO), iv);
  cipher.setAAD(Buffer.from(boundTo, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [iv, ciphertext, cipher.getAuthTag()].map((part) => part.toString('base64url')).join('.');
}

/** Opens what `sealCode` sealed with the same secret and `boundTo`; throws `SealError` otherwise. */
export function unsealCode(secret: string, sealed: string, boundTo: string): string {
  const parts = sealed.split('.');
  if (parts.length !== 3) throw new SealError();
  const [iv, ciphertext, tag] = parts.map((part) => Buffer.from(part, 'base64url'));
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SealError();
  try {
    const decipher = createDecipheriv(ALGORITHM, deriveKey(secret, SEAL_INFO), iv, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(tag);
    decipher.setAAD(Buffer.from(boundTo, 'utf8'));
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch {
    throw new SealError();
  }
}

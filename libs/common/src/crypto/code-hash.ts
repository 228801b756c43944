import { createHmac } from 'node:crypto';
import { deriveKey } from './keys';

const CODE_HASH_INFO = 'td:code-hash';

/**
 * The keyed hash that is stored instead of a verification code (CODE-1). The
 * device id is part of the message, so a code only ever matches its own device
 * (CODE-7). Hex, 64 characters: equal length for every code, as constant-time
 * comparison needs (CODE-5).
 */
export function codeHash(secret: string, deviceId: string, code: string): string {
  return createHmac('sha256', deriveKey(secret, CODE_HASH_INFO)).update(`${deviceId}:${code}`).digest('hex');
}

import { createHmac } from 'node:crypto';
import { deriveKey } from './keys';

const CODE_HASH_INFO = 'td:code-hash';
const CODE_RECEIPT_INFO = 'td:code-receipt';

/**
 * The keyed hash that is stored instead of a verification code (CODE-1). The
 * device id is part of the message, so a code only ever matches its own device
 * (CODE-7). Hex, 64 characters: equal length for every code, as constant-time
 * comparison needs (CODE-5).
 */
export function codeHash(secret: string, deviceId: string, code: string): string {
  return createHmac('sha256', deriveKey(secret, CODE_HASH_INFO)).update(`${deviceId}:${code}`).digest('hex');
}

/**
 * What device-service keeps of the code that verified a device, so a verify repeated after a lost
 * answer is recognised as the same confirmation (issue 10). Keyed like the stored hash but with a key
 * of its own: it is no use against a live code, and without the secret a 6-digit code cannot be
 * found from it.
 */
export function codeReceipt(secret: string, deviceId: string, code: string): string {
  return createHmac('sha256', deriveKey(secret, CODE_RECEIPT_INFO)).update(`${deviceId}:${code}`).digest('hex');
}

import { randomInt, timingSafeEqual } from 'node:crypto';

/** CODE-4: at most one code per device in this interval (a setup's own code counts). */
export const ISSUE_INTERVAL_MS = 30_000;
/** CODE-4: at most this many explicit resends per user per hour. */
export const MAX_RESENDS_PER_HOUR = 5;
/** The window of the hourly limits (CODE-4, CODE-6). */
export const HOUR_MS = 3_600_000;

/** CODE-1: six decimal digits from the CSPRNG, uniform over 000000–999999. */
export function generateCode(): string {
  return randomInt(0, 1_000_000).toString().padStart(6, '0');
}

/** `Retry-After` is whole seconds and never 0 while something still waits. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * CODE-5: compares two hex digests in constant time. Both are HMAC-SHA256 outputs,
 * so their lengths are equal and public; the length check leaks nothing.
 */
export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}

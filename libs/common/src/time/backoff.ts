/**
 * Exponential backoff: `baseMs` doubled per failure so far (0 → baseMs), never more than
 * `maxMs`. The one curve every retry loop of ours waits by.
 */
export function backoffMs(failures: number, baseMs: number, maxMs: number): number {
  return Math.min(baseMs * 2 ** Math.min(Math.max(failures, 0), 30), maxMs);
}

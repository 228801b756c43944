import { ApiError } from './client';

export interface PollOptions {
  /** Pause between two looks while all is well. */
  intervalMs: number;
  /** Failures in a row back off (doubling) up to this pause. */
  maxIntervalMs?: number;
  /** After this many failures in a row the loop gives up. */
  maxFailures?: number;
  /** Called once when the loop stops on its own (a refusal, or too many failures). */
  onGiveUp?: (error: unknown) => void;
  /** Look at once instead of after the first interval. */
  immediate?: boolean;
}

/**
 * An error that retrying cannot change: a 4xx other than 408/429 (401 sign-in expired,
 * 403 deprovisioned or not trusted, 404 gone). Loops stop on it instead of asking again.
 */
export function isPermanent(error: unknown): boolean {
  if (!(error instanceof ApiError)) return false;
  const { status } = error.problem;
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/** The pause before the next try after `failures` failures in a row (a 429's Retry-After wins when longer). */
export function backoffMs(failures: number, options: PollOptions, error?: unknown): number {
  const max = options.maxIntervalMs ?? 30_000;
  const pause = Math.min(options.intervalMs * 2 ** failures, max);
  const retryAfter = error instanceof ApiError && error.retryAfter ? error.retryAfter * 1000 : 0;
  return Math.max(pause, retryAfter);
}

/**
 * Every polling loop of the app: `look` runs, then again after `intervalMs`, until it
 * returns false or the loop is stopped. Failures back off and have a ceiling; a
 * permanent refusal stops the loop at once. Returns the function that stops it.
 */
export function poll(look: () => Promise<boolean>, options: PollOptions): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;
  const run = async () => {
    let pause = options.intervalMs;
    try {
      if (!(await look())) return;
      failures = 0;
    } catch (error) {
      if (stopped) return;
      failures += 1;
      if (isPermanent(error) || failures >= (options.maxFailures ?? 8)) return options.onGiveUp?.(error);
      pause = backoffMs(failures, options, error);
    }
    if (!stopped) timer = setTimeout(() => void run(), pause);
  };
  timer = setTimeout(() => void run(), options.immediate ? 0 : options.intervalMs);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/**
 * Where a class reads "now" from. Production uses the system clock; a test hands in
 * a clock it moves forward instead of waiting for real time to pass.
 */
export interface Clock {
  /** Milliseconds since the epoch, as `Date.now()`. */
  now(): number;
}

export const CLOCK = Symbol('CLOCK');

export const systemClock: Clock = { now: () => Date.now() };

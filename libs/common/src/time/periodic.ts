/**
 * Work that runs again and again until stopped: each run starts `everyMs` after the last one
 * ended (never two at once), a failed run goes to `onError` and the next comes as usual. The one
 * loop every sweeper of ours (expiry, retention, lost codes, deprovisioning self-heal) runs on.
 * A run that knows when it is next needed (a deadline sooner than `everyMs`) says so with
 * `runWithin`. Its timer does not keep the process alive.
 */
export class Periodic {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private stopRequested = false;
  private everyMs = 0;
  /** When the next run is due (Date.now() terms), while waiting for it. */
  private dueAt = Infinity;
  /** The sooner start a run asked for (`runWithin` during the run), in ms after it ends. */
  private requestedMs: number | null = null;

  constructor(
    private readonly work: () => Promise<unknown>,
    private readonly onError: (error: Error) => void,
  ) {}

  /** True once `stop()` was called: a long run checks it between items and ends early. */
  get stopping(): boolean {
    return this.stopRequested;
  }

  /** Runs the work after `firstAfterMs` (default `everyMs`), then `everyMs` after each run. */
  start(options: { everyMs: number; firstAfterMs?: number }): void {
    this.everyMs = options.everyMs;
    this.schedule(options.firstAfterMs ?? options.everyMs);
  }

  /**
   * The next run starts within `delayMs` (from now, or from the end of the run in flight)
   * instead of after the full `everyMs`; a later time than already due changes nothing.
   */
  runWithin(delayMs: number): void {
    const delay = Math.max(0, delayMs);
    if (this.running) this.requestedMs = Math.min(this.requestedMs ?? Infinity, delay);
    else if (this.timer && Date.now() + delay < this.dueAt) {
      clearTimeout(this.timer);
      this.schedule(delay);
    }
  }

  /** No more runs; resolves once the run in flight (if any) has ended. */
  async stop(): Promise<void> {
    this.stopRequested = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopRequested) return;
    this.dueAt = Date.now() + delayMs;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.dueAt = Infinity;
      this.requestedMs = null;
      this.running = this.work()
        .catch((error: Error) => this.onError(error))
        .finally(() => {
          this.running = null;
          this.schedule(Math.min(this.everyMs, this.requestedMs ?? Infinity));
        });
    }, delayMs);
    this.timer.unref();
  }
}

/**
 * Work that runs again and again until stopped: each run starts `everyMs` after the last one
 * ended (never two at once), a failed run goes to `onError` and the next comes as usual. The one
 * loop every sweeper of ours (expiry, retention, lost codes, deprovisioning self-heal) runs on.
 * Its timer does not keep the process alive.
 */
export class Periodic {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private stopRequested = false;
  private everyMs = 0;

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

  /** No more runs; resolves once the run in flight (if any) has ended. */
  async stop(): Promise<void> {
    this.stopRequested = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopRequested) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.work()
        .catch((error: Error) => this.onError(error))
        .finally(() => {
          this.running = null;
          this.schedule(this.everyMs);
        });
    }, delayMs);
    this.timer.unref();
  }
}

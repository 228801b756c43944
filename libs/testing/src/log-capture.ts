/** One JSON log line, as pino writes it. */
export type LogLine = Record<string, unknown> & { msg?: string; service?: string; requestId?: string };

/**
 * A pino destination that keeps every line in memory, for tests that read what the apps log
 * (pass it as `logStream` when starting them). `next` resolves on the first line, already
 * written or still to come, that matches — a signal rather than a sleep.
 */
export class LogCapture {
  readonly raw: string[] = [];
  private readonly waiting: Array<{ match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }> = [];

  write(chunk: string): void {
    this.raw.push(chunk);
    const line = JSON.parse(chunk) as LogLine;
    for (const waiter of [...this.waiting]) {
      if (!waiter.match(line)) continue;
      this.waiting.splice(this.waiting.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  }

  get lines(): LogLine[] {
    return this.raw.map((chunk) => JSON.parse(chunk) as LogLine);
  }

  /** Everything written, as one string (to check that a secret appears nowhere). */
  get text(): string {
    return this.raw.join('');
  }

  next(match: (line: LogLine) => boolean, timeoutMs = 10000): Promise<LogLine> {
    const written = this.lines.find(match);
    if (written) return Promise.resolve(written);
    return new Promise((resolve, reject) => {
      const waiter = { match, resolve: (line: LogLine) => (clearTimeout(timer), resolve(line)) };
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(waiter), 1);
        reject(new Error(`no such log line within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.push(waiter);
    });
  }
}

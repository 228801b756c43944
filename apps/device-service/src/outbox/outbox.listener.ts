import { Logger } from '@nestjs/common';
import { backoffMs } from '@td/common';
import { Client } from 'pg';

/** The channel the outbox trigger notifies on commit (migration OutboxNotify1764310000000). */
export const OUTBOX_CHANNEL = 'outbox_committed';

/**
 * A dedicated Postgres connection that LISTENs for committed outbox writes and
 * calls `onCommit` with the lowest `seq` the transaction wrote (or with nothing
 * when what was missed is unknown: after (re)connecting). It reconnects with backoff for ever; the relay's poll covers
 * the gaps, so a lost connection only costs latency.
 */
export class OutboxListener {
  private readonly logger = new Logger(OutboxListener.name);
  private client: Client | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private failures = 0;
  private stopped = true;
  private markListening!: () => void;
  /** Resolves once the first LISTEN is up: from then on a commit wakes the relay. */
  readonly listening = new Promise<void>((resolve) => (this.markListening = resolve));

  constructor(
    private readonly databaseUrl: string,
    private readonly onCommit: (lowestSeq?: number) => void,
  ) {}

  /** True while the LISTEN connection is up: every commit from now on is announced. */
  get isListening(): boolean {
    return this.client !== null;
  }

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({
      connectionString: this.databaseUrl,
      connectionTimeoutMillis: 3000,
      keepAlive: true,
      application_name: 'device-service-outbox',
    });
    client.on('notification', (message) => {
      const seq = Number(message.payload);
      this.onCommit(message.payload && Number.isSafeInteger(seq) ? seq : undefined);
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
    } catch (error) {
      this.lost(client, error as Error);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.failures = 0;
    this.markListening();
    // Whatever committed while we were not listening.
    this.onCommit();
  }

  private lost(client: Client, error?: Error): void {
    if (this.client === client) this.client = null;
    client.removeAllListeners('end');
    client.removeAllListeners('notification');
    // Keep an 'error' listener: a late socket error must not become an uncaught exception.
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    if (this.stopped || this.retryTimer) return;
    this.failures += 1;
    if (this.failures === 1) this.logger.warn(`outbox listener lost its connection${error ? `: ${error.message}` : ''}; polling meanwhile`);
    const delay = backoffMs(this.failures, 250, 5000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, delay);
    this.retryTimer.unref();
  }
}

import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { backoffMs, ensureEventsStream, NATS_CONNECTION, prefixed } from '@td/common';
import type { JetStreamClient, NatsConnection, PubAck } from 'nats';
import type { DataSource } from 'typeorm';
import { DeviceServiceConfig } from '../config';
import { OutboxListener } from './outbox.listener';
import { OutboxRepository, type ClaimedOutboxRow } from './outbox.repository';

const PUBLISH_TIMEOUT_MS = 3000;
const PRUNE_EVERY_MS = 60_000;
const PRUNE_BATCH = 10_000;
const MAX_BACKOFF_MS = 5000;
/** Far more than the commits announced while one pass runs. */
const CLAIMED_SEQS_KEPT = 4096;

/**
 * Publishes committed outbox rows to the JetStream events stream, each with its
 * row id as `msgID` so a re-publish after a crash is dropped by the stream's
 * duplicate window, then marks them published. Batches are claimed with
 * `FOR UPDATE SKIP LOCKED`, so any number of device-service instances can relay
 * at once. It wakes on commit (LISTEN/NOTIFY, or `poke()`), polls as a safety
 * net, backs off while NATS is down and never throws out of its loop. A pass woken by
 * a commit scans from the lowest seq not yet known published, so it does not walk the
 * dead index entries of rows published before (issue 12); the poll scans everything.
 * A commit whose rows a pass already claimed (its NOTIFY arrived after that pass read them)
 * wakes nothing: under load most announcements are such, and each cost an empty pass —
 * a transaction of three statements that found nothing (issue 12).
 *
 * The poll is for rows a relay died holding (its claim rolled back; nobody announces them).
 * It checks first, with a plain read that also sees rows other relays hold, and claims only
 * if something is unpublished. Such rows can only exist after a commit announced rows, so
 * once a check begun after the last announcement finds nothing (and LISTEN is up), the poll
 * slows to OUTBOX_IDLE_POLL_INTERVAL_MS until the next commit: an idle system barely polls.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly listener: OutboxListener;
  private js: JetStreamClient | null = null;
  private streamReady = false;
  private stopped = true;
  private wanted = false;
  private running: Promise<void> | null = null;
  private polling: Promise<void> | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private failures = 0;
  private lastPruneAt = 0;
  /** A check begun after the last announced commit found no unpublished row: poll slowly. */
  private settled = false;
  /** Counts announcements (commits, pokes), so a check knows whether one came while it ran. */
  private announcements = 0;
  /** Every committed row with a seq up to here is known published (or held by another relay). */
  private publishedUpTo = 0;
  /** The lowest seqs of the commits announced since the last pass began, less those a pass claimed since. */
  private readonly announced = new Set<number>();
  /** Seqs this relay claimed lately: a commit announcing one of them needs no pass. */
  private readonly claimedSeqs = new RecentSeqs(CLAIMED_SEQS_KEPT);
  /** The next pass starts at the head of the index: after a poll, a failure or an unannounced poke. */
  private fullScan = true;
  /** What this instance did; tests read it to prove "published once". */
  readonly stats = { published: 0, duplicates: 0, failedPublishes: 0, backOffs: 0, polls: 0, passes: 0, emptyPasses: 0 };

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(NATS_CONNECTION) private readonly nats: NatsConnection,
    private readonly outbox: OutboxRepository,
    private readonly config: DeviceServiceConfig,
  ) {
    this.listener = new OutboxListener(config.database.url, (lowestSeq) => this.committed(lowestSeq));
  }

  onApplicationBootstrap(): void {
    this.start();
  }

  /** Every announced row is known published and LISTEN is up: the poll runs at OUTBOX_IDLE_POLL_INTERVAL_MS. */
  get pollingSlowly(): boolean {
    return this.settled && this.listener.isListening;
  }

  /** Resolves once commits wake the relay (LISTEN is up). */
  get listening(): Promise<void> {
    return this.listener.listening;
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.listener.start();
    this.schedulePoll();
    this.poke();
  }

  /** Stops waking up and waits for the batch in flight (bounded by the publish timeout). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.pollTimer = this.retryTimer = null;
    await this.listener.stop();
    await Promise.all([this.running, this.polling]);
  }

  /**
   * Asks for a run soon that looks at every unpublished row (the safety-net poll, or a
   * caller that committed rows). Cheap and safe to call often.
   */
  poke(): void {
    this.fullScan = true;
    this.wanted = true;
    this.unsettle();
    this.wake();
  }

  /**
   * A transaction that wrote rows from `lowestSeq` on has committed (its NOTIFY). Rows of
   * transactions that commit out of seq order are found because each commit announces
   * its own lowest seq; an unannounced commit means a full pass.
   */
  private committed(lowestSeq?: number): void {
    if (lowestSeq === undefined) {
      this.fullScan = true;
      this.wanted = true;
    } else {
      // Rows of one transaction become visible together: the pass that claimed its lowest row saw them all.
      if (this.claimedSeqs.has(lowestSeq)) return;
      // A full scan is due anyway (after a failure, say): it finds these rows without being told.
      if (!this.fullScan) this.announced.add(lowestSeq);
      else this.wanted = true;
    }
    this.unsettle();
    this.wake();
  }

  /** Rows may be waiting: back to the quick poll (rescheduled if the slow one was pending). */
  private unsettle(): void {
    this.announcements += 1;
    if (!this.settled) return;
    this.settled = false;
    this.schedulePoll();
  }

  private schedulePoll(): void {
    if (this.stopped) return;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    const idle = this.pollingSlowly;
    this.pollTimer = setTimeout(
      () => {
        this.pollTimer = null;
        this.polling = this.poll().finally(() => (this.polling = null));
      },
      idle ? this.config.outbox.idlePollIntervalMs : this.config.outbox.pollIntervalMs,
    );
    this.pollTimer.unref();
  }

  /** The safety net: claims (a full scan) only if a plain read finds an unpublished row. */
  private async poll(): Promise<void> {
    const seen = this.announcements;
    this.stats.polls += 1;
    try {
      if (await this.outbox.hasUnpublished(this.dataSource.manager)) this.poke();
      else {
        if (this.announcements === seen) this.settled = true;
        await this.pruneIfDue();
      }
    } catch (error) {
      // Postgres is away: the next poll asks again (and a pass woken meanwhile logs its own failure).
      this.logger.debug(`outbox poll failed: ${(error as Error).message}`);
    }
    this.schedulePoll();
  }

  /** Whether a pass is due: asked for (a poke, a full batch, a retry), or a commit announced rows no pass claimed yet. */
  private get due(): boolean {
    return this.wanted || this.announced.size > 0;
  }

  private wake(): void {
    if (this.stopped || this.running || this.retryTimer || !this.due) return;
    this.running = this.run().finally(() => {
      this.running = null;
      if (this.due && !this.retryTimer) this.wake();
    });
  }

  private async run(): Promise<void> {
    while (this.due && !this.stopped) {
      this.wanted = false;
      try {
        await this.ensureStream();
        // This pass reads every commit announced so far; what commits announce while it runs waits for
        // the next one, unless this pass claimed their rows.
        const afterSeq = this.scanStart();
        this.fullScan = false;
        this.announced.clear();
        const { claimed, published, lastSeq } = await this.publishBatch(afterSeq);
        if (claimed > 0) this.publishedUpTo = lastSeq;
        if (published < claimed) throw new Error(`${claimed - published} of ${claimed} publishes failed`);
        if (this.failures > 0) this.logger.log('outbox relay publishing again');
        this.failures = 0;
        if (claimed === this.config.outbox.batchSize) this.wanted = true;
        await this.pruneIfDue();
      } catch (error) {
        this.backOff(error as Error);
        return;
      }
    }
  }

  /** Where the next pass starts reading: the head of the index, or below every row announced and not known published. */
  private scanStart(): number {
    if (this.fullScan) return 0;
    let from = this.publishedUpTo;
    for (const seq of this.announced) from = Math.min(from, seq - 1);
    return from;
  }

  private async ensureStream(): Promise<void> {
    if (this.streamReady) return;
    await ensureEventsStream(this.nats, this.config.nats.prefix, this.config.nats.streamReplicas);
    this.js ??= this.nats.jetstream({ timeout: PUBLISH_TIMEOUT_MS });
    this.streamReady = true;
  }

  private publishBatch(afterSeq: number): Promise<{ claimed: number; published: number; lastSeq: number }> {
    return this.dataSource.transaction(async (manager) => {
      const rows = await this.outbox.claimUnpublished(manager, this.config.outbox.batchSize, afterSeq);
      this.stats.passes += 1;
      if (rows.length === 0) {
        this.stats.emptyPasses += 1;
        return { claimed: 0, published: 0, lastSeq: afterSeq };
      }
      for (const row of rows) {
        const seq = Number(row.seq);
        this.claimedSeqs.add(seq);
        this.announced.delete(seq);
      }
      // Sent in order on one connection; acks are awaited together.
      const results = await Promise.allSettled(rows.map((row) => this.publish(row)));
      const done: string[] = [];
      const failed: string[] = [];
      results.forEach((result, i) => {
        if (result.status === 'fulfilled') {
          done.push(rows[i].id);
          if (result.value.duplicate) this.stats.duplicates += 1;
          else this.stats.published += 1;
        } else {
          failed.push(rows[i].id);
          this.stats.failedPublishes += 1;
        }
      });
      await this.outbox.markPublished(manager, done);
      await this.outbox.countFailedAttempt(manager, failed);
      // A missing stream (deleted, or NATS restarted without storage) is re-created on the next run.
      if (failed.length) this.streamReady = false;
      return { claimed: rows.length, published: done.length, lastSeq: Number(rows[rows.length - 1].seq) };
    });
  }

  private publish(row: ClaimedOutboxRow): Promise<PubAck> {
    return this.js!.publish(prefixed(this.config.nats.prefix, row.subject), Buffer.from(row.payload), {
      msgID: row.id,
      timeout: PUBLISH_TIMEOUT_MS,
    });
  }

  private async pruneIfDue(): Promise<void> {
    if (Date.now() - this.lastPruneAt < PRUNE_EVERY_MS) return;
    this.lastPruneAt = Date.now();
    const before = new Date(Date.now() - this.config.outbox.retentionHours * 3600_000);
    const deleted = await this.outbox.prunePublished(this.dataSource.manager, before, PRUNE_BATCH);
    if (deleted === PRUNE_BATCH) this.lastPruneAt = 0; // more to delete: go again next run
  }

  private backOff(error: Error): void {
    this.failures += 1;
    this.stats.backOffs += 1;
    this.streamReady = false;
    this.fullScan = true;
    if (this.failures === 1 || this.failures % 20 === 0) {
      this.logger.warn(`outbox relay failed (${this.failures}x), backing off: ${error.message}`);
    }
    if (this.stopped) return;
    const delay = backoffMs(this.failures, 100, MAX_BACKOFF_MS);
    this.wanted = true;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.wake();
    }, delay);
    this.retryTimer.unref();
  }
}

/** The last `capacity` seqs added, for membership tests. */
class RecentSeqs {
  private readonly members = new Set<number>();

  constructor(private readonly capacity: number) {}

  add(seq: number): void {
    this.members.add(seq);
    if (this.members.size > this.capacity) this.members.delete(this.members.values().next().value!);
  }

  has(seq: number): boolean {
    return this.members.has(seq);
  }
}

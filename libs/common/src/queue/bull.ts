import { Queue, Worker, type Job, type LockManager, type QueueOptions, type WorkerOptions } from 'bullmq';
import type { Redis, RedisOptions } from 'ioredis';
import type { RedisSettings } from '../config';
import { bullPrefix, createBullConnection, redisReady } from '../redis';
import { settlesWithin } from '../time';

/**
 * How long an idle worker's blocking wait for a job lasts (BullMQ's `drainDelay`, seconds) before
 * it looks again. A job added wakes it at once (BullMQ's marker) and a delayed job at its time, so
 * this only sets how often an idle worker polls Redis: BullMQ's 5 s default twice as often. 10 s is
 * the longest block BullMQ itself uses (longer ones risk a stuck connection on reconnect, bullmq#1658).
 */
const IDLE_BLOCK_SECONDS = 10;

/** Closing a queue waits for Redis; with Redis down it would wait for the reconnection. */
const QUEUE_CLOSE_MS = 3000;

/**
 * Producers: BullMQ queues on one Redis connection of their own, under the deployment's
 * prefix. BullMQ never closes a connection it was given: `close()` closes the queues
 * (bounded) and then the connection. Connection trouble is logged once by the connection
 * (createBullConnection); a failed call rejects to its caller.
 */
export class BullQueues {
  private readonly connection: Redis;
  private readonly queues: Queue[] = [];

  /** `options`: e.g. FAIL_FAST_PRODUCER for a producer that must answer fast (ERR-3). */
  constructor(
    private readonly redis: RedisSettings,
    connectionName: string,
    options: RedisOptions = {},
  ) {
    this.connection = createBullConnection(redis, connectionName, options);
  }

  /** `onError`: BullMQ's `error` events (the connection's own are logged already). */
  open<Data>(
    name: string,
    options: Omit<QueueOptions, 'connection' | 'prefix'> = {},
    onError: (error: Error) => void = () => undefined,
  ): Queue<Data> {
    const queue = new Queue<Data>(name, { ...options, connection: this.connection, prefix: bullPrefix(this.redis) });
    queue.on('error', onError);
    this.queues.push(queue as Queue);
    return queue;
  }

  /** Resolves true once the connection is ready, or false after `timeoutMs` (see redisReady). */
  ready(timeoutMs?: number): Promise<boolean> {
    return redisReady(this.connection, timeoutMs);
  }

  async close(): Promise<void> {
    await settlesWithin(Promise.allSettled(this.queues.map((queue) => queue.close())), QUEUE_CLOSE_MS);
    this.connection.disconnect();
  }
}

export interface BullWorkerOptions extends Omit<WorkerOptions, 'connection' | 'prefix'> {
  connectionName: string;
}

/**
 * A BullMQ worker on a Redis connection of its own, under the deployment's prefix, blocking
 * IDLE_BLOCK_SECONDS at a time while there is nothing to do.
 * `close(drainMs)` is the graceful stop every worker of ours makes: stop taking jobs, wait
 * for the running ones up to `drainMs`, and close the connection.
 */
export class BullWorker<Data, Result> {
  readonly worker: Worker<Data, Result>;
  private readonly connection: Redis;

  constructor(redis: RedisSettings, queueName: string, process: (job: Job<Data, Result>) => Promise<Result>, options: BullWorkerOptions) {
    const { connectionName, ...workerOptions } = options;
    this.connection = createBullConnection(redis, connectionName);
    this.worker = new QuietWhenIdleWorker<Data, Result>(queueName, process, {
      drainDelay: IDLE_BLOCK_SECONDS,
      ...workerOptions,
      connection: this.connection,
      prefix: bullPrefix(redis),
    });
  }

  /** Whether the lock renewal timer runs: only while the worker holds jobs. */
  get renewingLocks(): boolean {
    return (this.worker as unknown as { lockManager: LockManagerInternals }).lockManager.lockRenewalTimer !== undefined;
  }

  /**
   * Whether the running jobs finished within `drainMs`. Past it, the connection is cut rather than
   * the worker force-closed: BullMQ's `close(true)` after a `close()` only waits for that same
   * graceful close, i.e. for the running jobs. Their locks then lapse and another worker takes them over.
   */
  async close(drainMs: number): Promise<boolean> {
    const finished = await settlesWithin(this.worker.close(), drainMs);
    this.connection.disconnect();
    return finished;
  }
}

/** What QuietWhenIdleWorker relies on inside BullMQ's LockManager (6.x); without it, BullMQ's own behaviour stays. */
interface LockManagerInternals {
  startLockExtenderTimer?: () => void;
  lockRenewalTimer?: NodeJS.Timeout;
  trackedJobs?: Map<string, unknown>;
  closed?: boolean;
}

/**
 * BullMQ's Worker, whose lock renewal timer runs only while the worker holds jobs. BullMQ's
 * runs for ever, every lockDuration / 4 (1.25 s for our 5 s locks) even with nothing to renew,
 * and a wake-up costs an idle process about 1 ms of CPU here: most of an idle worker's CPU
 * (issue 12). Locks are renewed as before: the timer starts when a job is taken, so a job's
 * lock is renewed within lockDuration / 2 of its start or last renewal, as with BullMQ's timer.
 * `createLockManager` is BullMQ's hook for this.
 */
class QuietWhenIdleWorker<Data, Result> extends Worker<Data, Result> {
  protected override createLockManager(): void {
    super.createLockManager();
    quietWhenIdle(this.lockManager);
  }
}

function quietWhenIdle(manager: LockManager): void {
  const internals = manager as unknown as LockManagerInternals;
  const startTimer = internals.startLockExtenderTimer;
  if (typeof startTimer !== 'function' || !(internals.trackedJobs instanceof Map)) return;
  const trackedJobs = internals.trackedJobs;
  let started = false;
  // BullMQ calls it from start() and again after every tick: with no job held, the timer stops there.
  internals.startLockExtenderTimer = () => {
    if (trackedJobs.size > 0) return startTimer.call(manager);
    clearTimeout(internals.lockRenewalTimer);
    internals.lockRenewalTimer = undefined;
  };
  const start = manager.start.bind(manager);
  manager.start = () => {
    started = true;
    start();
  };
  const trackJob = manager.trackJob.bind(manager);
  manager.trackJob = (...args: Parameters<LockManager['trackJob']>) => {
    const controller = trackJob(...args);
    // A timer (or a tick in flight, which sets the next one) already runs: it renews this job too.
    if (started && !internals.closed && internals.lockRenewalTimer === undefined) internals.startLockExtenderTimer!();
    return controller;
  };
}

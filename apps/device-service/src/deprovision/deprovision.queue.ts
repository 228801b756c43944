import { createHash } from 'node:crypto';
import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { BullQueues, DomainError, withTimeout } from '@td/common';
import { DeprovisionJob, Queue, type DeprovisionJobData, type DeprovisionJobProgress, type JobState } from '@td/contracts';
import { Job, type Queue as BullQueue } from 'bullmq';
import { DeviceServiceConfig } from '../config';

/** Redis calls of the API path have a bound (ERR-3): BullMQ's connection would otherwise wait for Redis for ever. */
const REDIS_TIMEOUT_MS = 3000;

/**
 * One cascade per user, ever in flight: its BullMQ job id is derived from the user's id,
 * so a second deprovisioning request finds the same job instead of starting another.
 * A UUID, as API.md wants job ids.
 */
export function cascadeJobId(userId: string): string {
  const hex = createHash('sha256').update(`deprovision:${userId}`).digest('hex');
  // RFC 9562 layout: version 8 (custom), variant 10.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export interface CascadeJobView {
  data: DeprovisionJobData;
  state: JobState;
  progress: DeprovisionJobProgress;
}

/** The `deprovision` queue: starting (or restarting) a user's cascade, and reading a job's state. */
@Injectable()
export class DeprovisionQueue implements OnModuleDestroy {
  private readonly logger = new Logger(DeprovisionQueue.name);
  private readonly queues: BullQueues;
  readonly queue: BullQueue<DeprovisionJobData>;

  constructor(config: DeviceServiceConfig) {
    this.queues = new BullQueues(config.redis, 'device-service-deprovision-queue');
    this.queue = this.queues.open<DeprovisionJobData>(
      Queue.deprovision,
      {
        defaultJobOptions: {
          attempts: 10,
          backoff: { type: 'exponential', delay: 1000 },
          removeOnComplete: { age: 24 * 3600 },
          removeOnFail: { age: 7 * 24 * 3600 },
        },
      },
      (error) => this.logger.debug(`deprovision queue: ${error.message}`),
    );
  }

  onModuleDestroy(): Promise<void> {
    return this.queues.close();
  }

  /**
   * Makes sure the user's cascade will run: adds its job, or retries it if it failed,
   * or runs it again if it finished but devices are still enabled (a setup that raced
   * the deprovisioning). A job waiting or running is left alone. Returns the job id.
   */
  async ensureCascade(data: DeprovisionJobData, stillEnabled: () => Promise<boolean>): Promise<string> {
    const jobId = cascadeJobId(data.userId);
    await bounded(this.ensure(jobId, data, stillEnabled), 'starting the deprovisioning job');
    return jobId;
  }

  /**
   * DEPROV-3: queues the cascades of users just marked deprovisioned with one bulk add.
   * A job id that exists already is left as it is (BullMQ ignores the duplicate).
   */
  async addCascades(data: DeprovisionJobData[]): Promise<string[]> {
    const jobs = data.map((entry) => ({ name: DeprovisionJob.disableDevices, data: entry, opts: { jobId: cascadeJobId(entry.userId) } }));
    if (jobs.length > 0) await bounded(this.queue.addBulk(jobs), 'starting the deprovisioning jobs');
    return jobs.map((job) => job.opts.jobId);
  }

  private async ensure(jobId: string, data: DeprovisionJobData, stillEnabled: () => Promise<boolean>): Promise<void> {
    // The state alone first: a job waiting or running (every user of a big cascade, at each
    // self-healing sweep) costs one small Redis call, not the whole job read as well.
    const state = await this.queue.getJobState(jobId);
    if (state !== 'unknown' && state !== 'failed' && state !== 'completed') return;
    const existing = state === 'unknown' ? null : await Job.fromId<DeprovisionJobData>(this.queue, jobId);
    if (existing) {
      // Another request or sweep may be doing the same right now: losing that race is fine.
      if (state === 'failed') {
        await existing.retry('failed').catch(() => undefined);
        return;
      }
      if (!(await stillEnabled())) return;
      await existing.remove().catch(() => undefined);
      await this.queue.add(DeprovisionJob.disableDevices, { ...data, rerun: true }, { jobId });
      return;
    }
    await this.queue.add(DeprovisionJob.disableDevices, data, { jobId });
  }

  /** A job and its state, or null when there is none (never was, or removed after a day). */
  async find(jobId: string): Promise<CascadeJobView | null> {
    return bounded(
      (async () => {
        // The state first, then the job: a job read as completed then has its return value in the
        // same read (read the other way round, a job finishing in between showed "0 of 0 done").
        const state = toJobState(await this.queue.getJobState(jobId));
        if (!state) return null;
        const job = await Job.fromId<DeprovisionJobData>(this.queue, jobId);
        if (!job) return null;
        // A finished job's progress is its return value (the cascade does not write it twice).
        return { data: job.data, state, progress: toProgress(state === 'completed' && job.returnvalue ? job.returnvalue : job.progress) };
      })(),
      'reading the deprovisioning job',
    );
  }
}

function toJobState(state: string): JobState | null {
  if (state === 'active' || state === 'completed' || state === 'failed') return state;
  if (state === 'waiting' || state === 'delayed' || state === 'prioritized' || state === 'waiting-children') return 'waiting';
  return null;
}

function toProgress(progress: unknown): DeprovisionJobProgress {
  const value = progress as Partial<DeprovisionJobProgress> | null;
  return { disabled: Number(value?.disabled ?? 0), total: Number(value?.total ?? 0) };
}

async function bounded<T>(work: Promise<T>, what: string): Promise<T> {
  try {
    return await withTimeout(work, REDIS_TIMEOUT_MS, () =>
      DomainError.unavailable(`Temporarily unavailable: Redis did not answer while ${what}.`),
    );
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw DomainError.unavailable(`Temporarily unavailable: ${what} failed (${(error as Error).message}).`);
  }
}

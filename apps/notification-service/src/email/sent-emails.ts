import { Inject, Injectable } from '@nestjs/common';
import { REDIS, RedisLease } from '@td/common';
import { sentEmailKey } from '@td/contracts';
import type { Redis } from 'ioredis';

/** Longer than any job is kept (failed jobs: 7 days), so a job retried by hand still finds its mark. */
const SENT_MARK_TTL_SECONDS = 8 * 24 * 3600;

/**
 * The record of which email jobs the mail server has accepted, keyed by the job's
 * idempotency key (its job id: the code's id, the event's id). It is what makes a
 * job that runs again — after its worker died, or after a lost completion — send nothing.
 */
@Injectable()
export class SentEmails {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  /**
   * Held by the worker sending the mail (a short lease, renewed while the send runs): a worker that
   * took the job over meanwhile (the first one's BullMQ lock lapsed under load) does not send it a
   * second time while the first may still be sending. A killed sender renews nothing, so the lease
   * lapses within `leaseMs` and the job's next run sends. Null: another worker is sending it now.
   */
  startSending(jobId: string, holder: string, leaseMs: number): Promise<RedisLease | null> {
    return RedisLease.take(this.redis, `email:sending:${jobId}`, holder, leaseMs);
  }

  async wasSent(jobId: string): Promise<boolean> {
    return (await this.redis.exists(sentEmailKey(jobId))) === 1;
  }

  /** Written right after the mail server accepted the mail. */
  async markSent(jobId: string): Promise<void> {
    await this.redis.set(sentEmailKey(jobId), new Date().toISOString(), 'EX', SENT_MARK_TTL_SECONDS, 'NX');
  }
}

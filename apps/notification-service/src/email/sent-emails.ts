import { Inject, Injectable } from '@nestjs/common';
import { REDIS, RedisLease } from '@td/common';
import { sentEmailKey } from '@td/contracts';
import type { Redis } from 'ioredis';

/** Longer than any job is kept (failed jobs: 7 days), so a job retried by hand still finds its mark. */
const SENT_MARK_TTL_SECONDS = 8 * 24 * 3600;
/** What a sending worker's lease holds under the job's key; the sent mark that replaces it is a timestamp. */
const SENDING = 'sending ';

/** A job's claim on its mail: this worker's lease to send it, or why it must not. */
export type MailClaim = { lease: RedisLease } | { sent: true } | { sending: true };

/**
 * The record of which email jobs the mail server has accepted, keyed by the job's idempotency key
 * (its job id: the code's id, the event's id). It is what makes a job that runs again — after its
 * worker died, or after a lost completion — send nothing. One key per job holds, in turn, the lease
 * of the worker sending the mail (short, renewed while the send runs) and then the mark that it went.
 */
@Injectable()
export class SentEmails {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  /**
   * In one round trip: the mail was sent already, or another worker is sending it now (its BullMQ lock
   * lapsed under load and this worker took the job over), or this worker may send it and holds the lease.
   * A killed sender renews nothing, so the lease lapses within `leaseMs` and the job's next run sends.
   */
  async claim(jobId: string, holder: string, leaseMs: number): Promise<MailClaim> {
    const held = await RedisLease.claim(this.redis, sentEmailKey(jobId), `${SENDING}${holder}`, leaseMs);
    if (held instanceof RedisLease) return { lease: held };
    return held.startsWith(SENDING) ? { sending: true } : { sent: true };
  }

  /** Right after the mail server accepted the mail: the lease becomes the sent mark. False if it could not be written. */
  markSent(lease: RedisLease): Promise<boolean> {
    return lease.settle(new Date().toISOString(), SENT_MARK_TTL_SECONDS, { evenIfLapsed: true });
  }
}

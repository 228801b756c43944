import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { BullQueues, DomainError, FAIL_FAST_PRODUCER, withTimeout } from '@td/common';
import { EmailJob, Queue, Service, type VerificationCodeEmailJob } from '@td/contracts';
import type { Queue as BullQueue, JobsOptions } from 'bullmq';
import { VerificationServiceConfig } from '../config';

/** Delivery is retried while the mail server is down (CODE-2): 8 tries over about four minutes. */
const JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600 },
};

/** A queued mail must be confirmed within this bound, or the caller gets 503 instead of waiting (ERR-3). */
const ENQUEUE_TIMEOUT_MS = 3000;

/** The producer side of the `email` queue for verification codes; notification-service consumes it. */
@Injectable()
export class VerificationMailQueue implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(VerificationMailQueue.name);
  private readonly queues: BullQueues;
  private readonly queue: BullQueue<VerificationCodeEmailJob>;

  constructor(config: VerificationServiceConfig) {
    this.queues = new BullQueues(config.redis, `${Service.verification}-email-producer`, FAIL_FAST_PRODUCER);
    this.queue = this.queues.open<VerificationCodeEmailJob>(Queue.email, {}, (error) =>
      this.logger.warn(`email queue connection: ${error.message}`),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!(await this.queues.ready())) this.logger.warn('Redis is not reachable yet; issuing codes answers 503 until it is');
  }

  /**
   * Resolves once Redis has the job, so the mail survives a crash of this process (CODE-2).
   * `codeId` is the job id: the mail's idempotency key (one code, one job, one mail).
   */
  async enqueue(codeId: string, job: VerificationCodeEmailJob): Promise<void> {
    await withTimeout(this.queue.add(EmailJob.verificationCode, job, { ...JOB_OPTIONS, jobId: codeId }), ENQUEUE_TIMEOUT_MS, () =>
      DomainError.unavailable('Temporarily unavailable: the email queue did not answer in time.'),
    );
  }

  onApplicationShutdown(): Promise<void> {
    return this.queues.close();
  }
}

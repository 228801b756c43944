import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { bullPrefix, createBullConnection, DomainError, FAIL_FAST_PRODUCER, redisReady, withTimeout } from '@td/common';
import { EmailJob, Queue, Service, type VerificationCodeEmailJob } from '@td/contracts';
import { Queue as BullQueue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { CONFIG, type VerificationServiceEnv } from '../config';

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
  private readonly connection: Redis;
  private readonly queue: BullQueue<VerificationCodeEmailJob>;

  constructor(@Inject(CONFIG) config: VerificationServiceEnv) {
    this.connection = createBullConnection(config, `${Service.verification}-email-producer`, FAIL_FAST_PRODUCER);
    this.queue = new BullQueue<VerificationCodeEmailJob>(Queue.email, { connection: this.connection, prefix: bullPrefix(config) });
    this.queue.on('error', (error: Error) => this.logger.warn(`email queue connection: ${error.message}`));
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!(await redisReady(this.connection))) this.logger.warn('Redis is not reachable yet; issuing codes answers 503 until it is');
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

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close().catch(() => undefined);
    await this.connection.quit().catch(() => this.connection.disconnect());
  }
}

import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { bullPrefix, createBullConnection } from '@td/common';
import { EmailJob, Queue as QueueName, Service, type DeviceApprovedEmailJob } from '@td/contracts';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { NotificationServiceEnv } from '../config';
import { EMAIL_JOB_OPTIONS } from './email-jobs';
import { EMAIL_SETTINGS } from './email.worker';

/** The emails this service queues itself (the security email of APPROVE-4). */
@Injectable()
export class EmailQueue implements OnApplicationShutdown {
  private readonly connection: Redis;
  private readonly queue: Queue;

  constructor(@Inject(EMAIL_SETTINGS) config: NotificationServiceEnv) {
    this.connection = createBullConnection(config, `${Service.notification}-email-queue`);
    this.queue = new Queue(QueueName.email, { connection: this.connection, prefix: bullPrefix(config) });
    // The connection logs its own loss and return (createBullConnection); a failed add rejects to its caller.
    this.queue.on('error', () => undefined);
  }

  /**
   * Queues the security email once per fact: `jobId` is the event id, so a
   * redelivered event finds the job already there and adds nothing.
   */
  async deviceApproved(eventId: string, data: DeviceApprovedEmailJob): Promise<void> {
    await this.queue.add(EmailJob.deviceApproved, data, { ...EMAIL_JOB_OPTIONS, jobId: eventId });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close().catch(() => undefined);
    await this.connection.quit().catch(() => this.connection.disconnect());
  }
}

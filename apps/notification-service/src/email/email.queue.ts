import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { BullQueues } from '@td/common';
import { EmailJob, Queue as QueueName, Service, type DeviceApprovedEmailJob } from '@td/contracts';
import type { Queue } from 'bullmq';
import { NotificationServiceConfig } from '../config';
import { EMAIL_JOB_OPTIONS } from './email-jobs';

/** The emails this service queues itself (the security email of APPROVE-4). */
@Injectable()
export class EmailQueue implements OnApplicationShutdown {
  private readonly queues: BullQueues;
  private readonly queue: Queue;

  constructor(config: NotificationServiceConfig) {
    this.queues = new BullQueues(config.redis, `${Service.notification}-email-queue`);
    // The connection logs its own loss and return; a failed add rejects to its caller.
    this.queue = this.queues.open(QueueName.email);
  }

  /**
   * Queues the security email once per fact: `jobId` is the event id, so a
   * redelivered event finds the job already there and adds nothing.
   */
  async deviceApproved(eventId: string, data: DeviceApprovedEmailJob): Promise<void> {
    await this.queue.add(EmailJob.deviceApproved, data, { ...EMAIL_JOB_OPTIONS, jobId: eventId });
  }

  onApplicationShutdown(): Promise<void> {
    return this.queues.close();
  }
}

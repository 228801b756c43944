import type { INestMicroservice } from '@nestjs/common';
import { bullPrefix, createBullConnection } from '@td/common';
import { Queue as QueueName } from '@td/contracts';
import { createTestEnv, MailCatcher, type TestEnv } from '@td/testing';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { RealDeviceService } from '../../../../test/support/device-service';
import { startNotificationService } from '../../src/bootstrap';
import { loadNotificationServiceConfig, type NotificationServiceConfig } from '../../src/config';

/**
 * notification-service instances on this file's own database, Redis and NATS prefixes, with what
 * they work against: a real device-service (the owner of users, which the mail's address comes
 * from: SEC-2), a real SMTP server, and the email queue as its producers see it.
 */
export class NotificationHarness {
  private constructor(
    readonly testEnv: TestEnv,
    readonly mail: MailCatcher,
    readonly devices: RealDeviceService,
    readonly config: NotificationServiceConfig,
    /** The running instances (closed by `stop()`): a test may close some and push others. */
    readonly apps: INestMicroservice[],
    readonly queue: Queue,
    /** The queue's Redis connection (its keys carry the Redis prefix). */
    readonly connection: Redis,
  ) {}

  static async start(overrides: Record<string, string> = {}, instances = 1): Promise<NotificationHarness> {
    const testEnv = await createTestEnv();
    const devices = await RealDeviceService.start(testEnv.env);
    const mail = await new MailCatcher().start();
    const config = loadNotificationServiceConfig({ ...testEnv.env, SMTP_URL: mail.url, ...overrides });
    const apps: INestMicroservice[] = [];
    for (let i = 0; i < instances; i += 1) apps.push(await startNotificationService(config));
    const connection = createBullConnection(config.redis, 'test-email-producer');
    const queue = new Queue(QueueName.email, { connection, prefix: bullPrefix(config.redis) });
    return new NotificationHarness(testEnv, mail, devices, config, apps, queue, connection);
  }

  async stop(): Promise<void> {
    await Promise.all(this.apps.splice(0).map((app) => app.close()));
    await this.devices.stop();
    await this.queue.close();
    await this.connection.quit();
    await this.mail.stop();
    await this.testEnv.cleanup();
  }
}

import type { INestMicroservice } from '@nestjs/common';
import { bullPrefix, createBullConnection, loadConfig, sealCode } from '@td/common';
import { EmailJob, Queue as QueueName, type VerificationCodeEmailJob } from '@td/contracts';
import { createTestEnv, MailCatcher, waitUntil, type TestEnv } from '@td/testing';
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { startNotificationService } from '../bootstrap';
import { NotificationServiceEnv } from '../config';

describe('email worker (BullMQ + SMTP)', () => {
  let testEnv: TestEnv;
  let mail: MailCatcher;
  let config: NotificationServiceEnv;
  let app: INestMicroservice;
  let connection: Redis;
  let queue: Queue;

  beforeAll(async () => {
    testEnv = await createTestEnv();
    mail = await new MailCatcher().start();
    // A short lock, so the takeover test below waits seconds, not minutes.
    config = loadConfig(NotificationServiceEnv, { ...testEnv.env, SMTP_URL: mail.url, EMAIL_LOCK_MS: '1000' });
    app = await startNotificationService(config);
    // The producer's side, as verification-service queues the job (CODE-2).
    connection = createBullConnection(config, 'test-producer');
    queue = new Queue(QueueName.email, { connection, prefix: bullPrefix(config) });
  });

  afterEach(() => {
    mail.refuse = false;
  });

  afterAll(async () => {
    await app?.close();
    await queue?.close();
    await connection?.quit();
    await mail?.stop();
    await testEnv?.cleanup();
  });

  function verificationJob(to: string, code: string): VerificationCodeEmailJob {
    return {
      to,
      sealedCode: sealCode(config.CODE_HMAC_SECRET, code),
      expiresAt: new Date(Date.now() + 5 * 60_000).toISOString(),
      device: { name: 'alice Browser extension - Linux/Firefox', clientType: 'extension', os: 'Linux', browser: 'Firefox' },
      requestId: 'req-code-mail',
    };
  }

  it('CODE-2 a queued verification-code job is delivered to the user with the code and the device details', async () => {
    const to = 'code-delivered@example.test';
    const job = await queue.add(EmailJob.verificationCode, verificationJob(to, '731904'), { attempts: 3, backoff: { type: 'exponential', delay: 200 } });

    const message = await mail.waitFor((m) => m.to.includes(to));
    expect(await mail.codeFor(to)).toBe('731904');
    expect(message.subject).toBe('Verify your device');
    expect(message.from).toContain('no-reply@localhost');
    for (const body of [message.text, message.html]) {
      expect(body).toContain('731904');
      expect(body).toContain('alice Browser extension - Linux/Firefox');
      expect(body).toContain('Browser extension');
      expect(body).toContain('Linux');
      expect(body).toContain('Firefox');
      expect(body).toMatch(/expires in [45] minutes/);
      expect(body).toContain('Do not share this code');
    }
    // The sealed code is what rests in Redis, never the code itself.
    const stored = await queue.getJob(job.id!);
    expect(JSON.stringify(stored?.data)).not.toContain('731904');
    await waitUntil(async () => (await queue.getJobState(job.id!)) === 'completed');
  });

  it('CODE-2 when the mail server refuses, the job is retried and the mail delivered once the server accepts', async () => {
    const to = 'code-retried@example.test';
    mail.refuse = true;
    const job = await queue.add(EmailJob.verificationCode, verificationJob(to, '205518'), {
      attempts: 20,
      backoff: { type: 'exponential', delay: 100 },
    });

    // At least one refused attempt, while the job is still alive (waiting for its retry).
    await waitUntil(async () => ((await queue.getJob(job.id!))?.attemptsMade ?? 0) >= 2);
    expect(await queue.getJobState(job.id!)).not.toBe('failed');
    expect(mail.messages.filter((m) => m.to.includes(to))).toHaveLength(0);

    mail.refuse = false;
    expect(await mail.codeFor(to, 15_000)).toBe('205518');
    await waitUntil(async () => (await queue.getJobState(job.id!)) === 'completed');
    expect(mail.messages.filter((m) => m.to.includes(to))).toHaveLength(1);
  });

  it('CODE-2 a code mail job that runs again after its mail was sent (a crash before completion) sends nothing more', async () => {
    const to = 'code-once@example.test';
    const codeId = randomUUID();
    const job = await queue.add(EmailJob.verificationCode, verificationJob(to, '480213'), { jobId: codeId });
    await mail.waitFor((m) => m.to.includes(to));
    await waitUntil(async () => (await queue.getJobState(codeId)) === 'completed');
    // What BullMQ does with a job whose worker died before recording completion: it runs it again.
    await job.retry('completed');
    await waitUntil(async () => (await queue.getJobState(codeId)) === 'completed' && ((await queue.getJob(codeId))?.finishedOn ?? 0) > job.finishedOn!);
    expect(mail.messages.filter((m) => m.to.includes(to))).toHaveLength(1);
  });

  it('APPROVE-4 the security mail is sent once even when its job runs twice', async () => {
    const to = 'security-once@example.test';
    const eventId = randomUUID();
    const data = {
      to,
      device: { name: 'Phone', clientType: 'mobile' as const, os: 'Android', browser: 'Chrome' },
      approvedVia: 'email_code' as const,
      approvedAt: new Date().toISOString(),
      ip: null,
    };
    const first = await queue.add(EmailJob.deviceApproved, data, { jobId: eventId });
    await mail.waitFor((m) => m.to.includes(to));
    await waitUntil(async () => (await queue.getJobState(eventId)) === 'completed');
    await first.remove();
    // The same event's job queued again once the first was gone (e.g. removed after completion).
    await queue.add(EmailJob.deviceApproved, data, { jobId: eventId });
    await waitUntil(async () => (await queue.getJobState(eventId)) === 'completed');
    expect(mail.messages.filter((m) => m.to.includes(to))).toHaveLength(1);
  });

  it('CODE-2 a job held by a worker that died is taken over by a live worker and its mail delivered', async () => {
    const to = 'code-taken-over@example.test';
    // A worker that takes the job and then dies: it never renews its lock nor finishes the job.
    const deadConnection = createBullConnection(config, 'test-dead-worker');
    const dead = new Worker(QueueName.email, null, { connection: deadConnection, prefix: bullPrefix(config), lockDuration: 1000, autorun: false });
    try {
      await app.close();
      const job = await queue.add(EmailJob.verificationCode, verificationJob(to, '662901'), { jobId: randomUUID() });
      const taken = await dead.getNextJob('dead-worker-token');
      expect(taken?.id).toBe(job.id);
    } finally {
      await dead.close(true);
      await deadConnection.quit();
      app = await startNotificationService(config);
    }
    expect(await mail.codeFor(to, 20_000)).toBe('662901');
  });
});

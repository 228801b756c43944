import { bullPrefix, createBullConnection, prefixed, sealCode } from '@td/common';
import { connect } from 'nats';
import {
  codeSealBinding,
  Command,
  EmailJob,
  Service,
  sentEmailKey,
  Queue as QueueName,
  type DeviceApprovedEmailJob,
  type VerificationCodeEmailJob,
} from '@td/contracts';
import { waitUntil, type MailCatcher, type TestEnv } from '@td/testing';
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { RealDeviceService, TestMailUser } from '../../../../test/support/device-service';
import { NotificationHarness } from '../../test/support/notification.harness';
import { startNotificationService } from '../bootstrap';
import type { NotificationServiceConfig } from '../config';
import { SentEmails } from './sent-emails';

describe('email worker (BullMQ + SMTP)', () => {
  let h: NotificationHarness;
  let testEnv: TestEnv;
  let mail: MailCatcher;
  let config: NotificationServiceConfig;
  let connection: Redis;
  /** The producer's side, as verification-service queues the job (CODE-2). */
  let queue: Queue;
  /** The owner of users: the worker asks it where each mail goes (SEC-2). */
  let devices: RealDeviceService;

  beforeAll(async () => {
    // A short lock, so the takeover test below waits seconds, not minutes.
    h = await NotificationHarness.start({ EMAIL_LOCK_MS: '1000' });
    ({ testEnv, mail, config, connection, queue, devices } = h);
  });

  afterEach(() => {
    mail.refuse = false;
  });

  afterAll(() => h?.stop());

  function verificationJob(user: TestMailUser, code: string): VerificationCodeEmailJob {
    const recipient = { workspaceId: user.workspaceId, userId: user.userId };
    return {
      ...recipient,
      deviceId: user.deviceId,
      sealedCode: sealCode(config.email.codeHmacSecret, code, codeSealBinding(recipient)),
      expiresAt: new Date(Date.now() + 5 * 60_000).toISOString(),
      device: { name: 'alice Browser extension - Linux/Firefox', clientType: 'extension', os: 'Linux', browser: 'Firefox' },
      requestId: 'req-code-mail',
    };
  }

  it('CODE-2 a queued verification-code job is delivered to the user with the code and the device details', async () => {
    const user = await devices.addUser();
    const to = user.email;
    const job = await queue.add(EmailJob.verificationCode, verificationJob(user, '731904'), {
      attempts: 3,
      backoff: { type: 'exponential', delay: 200 },
    });

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
    const user = await devices.addUser();
    const to = user.email;
    mail.refuse = true;
    const job = await queue.add(EmailJob.verificationCode, verificationJob(user, '205518'), {
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
    const user = await devices.addUser();
    const to = user.email;
    const codeId = randomUUID();
    const job = await queue.add(EmailJob.verificationCode, verificationJob(user, '480213'), { jobId: codeId });
    await mail.waitFor((m) => m.to.includes(to));
    await waitUntil(async () => (await queue.getJobState(codeId)) === 'completed');
    // What BullMQ does with a job whose worker died before recording completion: it runs it again.
    await job.retry('completed');
    await waitUntil(
      async () => (await queue.getJobState(codeId)) === 'completed' && ((await queue.getJob(codeId))?.finishedOn ?? 0) > job.finishedOn!,
    );
    expect(mail.messages.filter((m) => m.to.includes(to))).toHaveLength(1);
  });

  it('APPROVE-4 the security mail is sent once even when its job runs twice', async () => {
    const user = await devices.addUser();
    const to = user.email;
    const eventId = randomUUID();
    const data: DeviceApprovedEmailJob = {
      workspaceId: user.workspaceId,
      userId: user.userId,
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

  it('CODE-2 a job whose mail another worker is sending right now (its lock lapsed on a loaded machine) is not sent twice: it waits for that send', async () => {
    const user = await devices.addUser();
    const jobId = randomUUID();
    // The other worker's hold on the send, as it keeps it while its SMTP send runs.
    const other = new Redis(testEnv.redisUrl, { keyPrefix: `${config.redis.prefix}:`, maxRetriesPerRequest: 1 });
    try {
      const claim = await new SentEmails(other).claim(jobId, 'the other worker', 1000);
      if (!('lease' in claim)) throw new Error(`the other worker could not claim the mail: ${JSON.stringify(claim)}`);
      const sending = claim.lease;
      await queue.add(EmailJob.verificationCode, verificationJob(user, '662917'), {
        jobId,
        attempts: 20,
        backoff: { type: 'fixed', delay: 100 },
      });
      await waitUntil(async () => ((await queue.getJob(jobId))?.attemptsMade ?? 0) >= 2, 15_000);
      expect(mail.messages.filter((m) => m.to.includes(user.email))).toHaveLength(0);
      // The other send failed (nothing marked sent): this job's next run sends the mail, once.
      await sending.settle(null);
    } finally {
      other.disconnect();
    }
    expect(await mail.codeFor(user.email, 15_000)).toBe('662917');
    expect(await settled(jobId)).toBe('completed');
    expect(mail.messages.filter((m) => m.to.includes(user.email))).toHaveLength(1);
  });

  it("CODE-2 a mail sent again (crash between the server's acceptance and the sent mark) carries the same Message-ID, so clients show it once", async () => {
    const user = await devices.addUser();
    const jobId = randomUUID();
    const job = await queue.add(EmailJob.verificationCode, verificationJob(user, '390571'), { jobId });
    const first = await mail.waitFor((m) => m.to.includes(user.email));
    expect(first.messageId).toBe(`<${jobId}@localhost>`);
    expect(await settled(jobId)).toBe('completed');
    // The crash's trace: the mail went out but its mark was never written, and BullMQ runs the job again.
    await connection.del(`${config.redis.prefix}:${sentEmailKey(jobId)}`);
    await job.retry('completed');
    await waitUntil(() => mail.messages.filter((m) => m.to.includes(user.email)).length === 2);
    expect(new Set(mail.messages.filter((m) => m.to.includes(user.email)).map((m) => m.messageId))).toEqual(new Set([first.messageId]));
  });

  it('CODE-2 a code mail goes only for a device that exists: not for a setup that died before its commit, late for one that commits a moment after', async () => {
    const user = await devices.addUser();
    // The setup died before its commit: its device never appears (its retry made another one).
    const phantom = await queue.add(
      EmailJob.verificationCode,
      { ...verificationJob(user, '554120'), deviceId: randomUUID() },
      {
        jobId: randomUUID(),
        attempts: 3,
        backoff: { type: 'fixed', delay: 100 },
      },
    );
    expect(await settled(phantom.id!)).toBe('failed');
    // The job runs before its setup commits: it goes once the device is there.
    const committing = randomUUID();
    const early = await queue.add(
      EmailJob.verificationCode,
      { ...verificationJob(user, '771903'), deviceId: committing },
      {
        jobId: randomUUID(),
        attempts: 20,
        backoff: { type: 'fixed', delay: 200 },
      },
    );
    await waitUntil(async () => ((await queue.getJob(early.id!))?.attemptsMade ?? 0) >= 1);
    await devices.addPendingDevice(user, committing);
    expect(await mail.codeFor(user.email, 15_000)).toBe('771903');
    expect(await settled(early.id!)).toBe('completed');
    expect(mail.messages.filter((m) => m.to.includes(user.email))).toHaveLength(1);
  });

  it('SEC-2 a look-up that reached a device-service instance that then died is asked again at once, not after a backoff', async () => {
    const nc = await connect({ servers: testEnv.natsUrl });
    // An instance in device-service's queue group that takes one request and is gone (killed) before it answers.
    const dead = nc.subscribe(prefixed(testEnv.natsPrefix, Command.deviceGetMailRecipient), {
      queue: prefixed(testEnv.natsPrefix, Service.device),
      max: 1,
    });
    const sent: Array<{ user: TestMailUser; jobId: string }> = [];
    try {
      while (dead.getReceived() === 0 && sent.length < 40) {
        const user = await devices.addUser();
        // One attempt: no BullMQ retry can make up for a look-up given up on.
        const job = await queue.add(EmailJob.verificationCode, verificationJob(user, '208431'), { jobId: randomUUID(), attempts: 1 });
        sent.push({ user, jobId: job.id! });
        await settled(job.id!);
      }
      expect(dead.getReceived()).toBe(1);
    } finally {
      await nc.close();
    }
    for (const { user, jobId } of sent) {
      expect(await settled(jobId)).toBe('completed');
      expect(mail.messages.filter((m) => m.to.includes(user.email))).toHaveLength(1);
    }
  });

  /** Every state a job can rest in once the worker is done with it, or waits for a retry. */
  async function settled(jobId: string): Promise<string> {
    let state = '';
    await waitUntil(async () => ['completed', 'failed'].includes((state = await queue.getJobState(jobId))));
    return state;
  }

  it("SEC-2 a code mail job carrying a forged address goes to the user's real address, never to the forged one", async () => {
    const user = await devices.addUser();
    const attacker = `attacker-${randomUUID().slice(0, 8)}@evil.test`;
    const job = await queue.add(EmailJob.verificationCode, { ...verificationJob(user, '318274'), to: attacker }, { jobId: randomUUID() });

    expect(await mail.codeFor(user.email)).toBe('318274');
    expect(await settled(job.id!)).toBe('completed');
    expect(mail.messages.filter((m) => m.to.includes(attacker))).toHaveLength(0);
  });

  it('SEC-2 a waiting code mail re-addressed by editing its data (as a writable dashboard could) still reaches only its user', async () => {
    const user = await devices.addUser();
    const other = await devices.addUser();
    const attacker = `attacker-${randomUUID().slice(0, 8)}@evil.test`;
    await queue.pause();
    let forged: string;
    let moved: string;
    try {
      const first = await queue.add(EmailJob.verificationCode, verificationJob(user, '604153'), { jobId: randomUUID() });
      await first.updateData({ ...first.data, to: attacker });
      forged = first.id!;
      // Pointing the job at another user (whose address device-service would give) does not work either: the seal is bound to its user.
      const second = await queue.add(EmailJob.verificationCode, verificationJob(user, '927310'), { jobId: randomUUID(), attempts: 5 });
      await second.updateData({ ...second.data, workspaceId: other.workspaceId, userId: other.userId, to: attacker });
      moved = second.id!;
    } finally {
      await queue.resume();
    }

    expect(await mail.codeFor(user.email)).toBe('604153');
    expect(await settled(forged)).toBe('completed');
    expect(await settled(moved)).toBe('failed');
    // For good at the first try (UnrecoverableError): retrying cannot open it.
    expect((await queue.getJob(moved))?.attemptsMade).toBe(1);
    for (const address of [attacker, other.email]) expect(mail.messages.filter((m) => m.to.includes(address))).toHaveLength(0);
    expect(mail.messages.filter((m) => m.text.includes('927310'))).toHaveLength(0);
  });

  it('SEC-2 while device-service is down the address cannot be looked up: the job is retried, then the mail goes once it is back', async () => {
    const user = await devices.addUser();
    await devices.stop();
    let jobId: string;
    try {
      const job = await queue.add(EmailJob.verificationCode, verificationJob(user, '150846'), {
        jobId: randomUUID(),
        attempts: 20,
        backoff: { type: 'exponential', delay: 100 },
      });
      jobId = job.id!;
      await waitUntil(async () => ((await queue.getJob(jobId))?.attemptsMade ?? 0) >= 2, 15_000);
      expect(await queue.getJobState(jobId)).not.toBe('failed');
      expect(mail.messages.filter((m) => m.to.includes(user.email))).toHaveLength(0);
    } finally {
      await devices.restart();
    }
    expect(await mail.codeFor(user.email, 20_000)).toBe('150846');
    expect(await settled(jobId)).toBe('completed');
    expect(mail.messages.filter((m) => m.to.includes(user.email))).toHaveLength(1);
  });

  it('SEC-2 a deprovisioned user gets no code, but still the notice that a device was added', async () => {
    const user = await devices.addUser();
    await devices.deprovision(user);
    const code = await queue.add(EmailJob.verificationCode, verificationJob(user, '772019'), { jobId: randomUUID() });
    const notice: DeviceApprovedEmailJob = {
      workspaceId: user.workspaceId,
      userId: user.userId,
      device: { name: 'Laptop', clientType: 'web', os: 'Linux', browser: 'Firefox' },
      approvedVia: 'email_code',
      approvedAt: new Date().toISOString(),
      ip: null,
    };
    await queue.add(EmailJob.deviceApproved, notice, { jobId: randomUUID() });

    const message = await mail.waitFor((m) => m.to.includes(user.email));
    expect(message.subject).toBe('A new device was added to your account');
    expect(await settled(code.id!)).toBe('completed');
    expect(mail.messages.filter((m) => m.to.includes(user.email))).toHaveLength(1);
  });

  it('SEC-2 a job naming a user device-service does not know (or one of another workspace) fails for good, and no mail goes', async () => {
    const user = await devices.addUser();
    const unknown = { ...user, userId: randomUUID() };
    const elsewhere = { ...user, workspaceId: `${user.workspaceId}-other` };
    const ids: string[] = [];
    for (const recipient of [unknown, elsewhere]) {
      const job = await queue.add(
        EmailJob.verificationCode,
        { ...verificationJob(recipient, '530681'), to: user.email },
        { jobId: randomUUID(), attempts: 5 },
      );
      ids.push(job.id!);
    }
    for (const id of ids) {
      expect(await settled(id)).toBe('failed');
      expect((await queue.getJob(id))?.attemptsMade).toBe(1);
    }
    expect(mail.messages.filter((m) => m.text.includes('530681'))).toHaveLength(0);
  });

  it('SEC-2 a job queued before the upgrade (an address, no user) is dropped, not sent to that address', async () => {
    const user = await devices.addUser();
    const { workspaceId: _w, userId: _u, deviceId: _d, ...legacy } = verificationJob(user, '481526');
    const job = await queue.add(EmailJob.verificationCode, { ...legacy, to: user.email }, { jobId: randomUUID() });
    expect(await settled(job.id!)).toBe('completed');
    // A later mail to the same address proves the worker went past the dropped one.
    await queue.add(EmailJob.verificationCode, verificationJob(user, '209377'), { jobId: randomUUID() });
    expect(await mail.codeFor(user.email)).toBe('209377');
    expect(mail.messages.filter((m) => m.to.includes(user.email))).toHaveLength(1);
  });

  it('CODE-2 a job held by a worker that died is taken over by a live worker and its mail delivered', async () => {
    const user = await devices.addUser();
    const to = user.email;
    // A worker that takes the job and then dies: it never renews its lock nor finishes the job.
    const deadConnection = createBullConnection(config.redis, 'test-dead-worker');
    const dead = new Worker(QueueName.email, null, {
      connection: deadConnection,
      prefix: bullPrefix(config.redis),
      lockDuration: 1000,
      autorun: false,
    });
    try {
      await Promise.all(h.apps.splice(0).map((app) => app.close()));
      const job = await queue.add(EmailJob.verificationCode, verificationJob(user, '662901'), { jobId: randomUUID() });
      const taken = await dead.getNextJob('dead-worker-token');
      expect(taken?.id).toBe(job.id);
    } finally {
      await dead.close(true);
      await deadConnection.quit();
      h.apps.push(await startNotificationService(config));
    }
    expect(await mail.codeFor(to, 20_000)).toBe('662901');
  });
});

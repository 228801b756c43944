import { randomUUID } from 'node:crypto';
import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { BullWorker, runWithRequestId } from '@td/common';
import { Queue, Service } from '@td/contracts';
import type { Job } from 'bullmq';
import { NotificationServiceConfig } from '../config';
import { EmailRenderer } from './email.renderer';
import { MailRecipients } from './mail-recipients';
import { MailSender } from './mail-sender';
import { SentEmails } from './sent-emails';

const CONCURRENCY = 10;
/**
 * Pauses before asking again for a code mail's device that is not committed yet: the commit is usually
 * a few milliseconds behind the job, so the first looks come quickly (a fixed 250 ms made every such
 * mail a quarter of a second late); about a second in all, as before, then the job's own backoff.
 */
const UNCOMMITTED_DEVICE_RECHECKS_MS = [5, 20, 50, 125, 250, 500];

/**
 * Consumes the `email` queue: renders each job, asks device-service for the address of
 * the user it names (SEC-2: job data never chooses the recipient) and sends it over SMTP.
 * A failed send or look-up throws, so BullMQ retries it with the backoff the producer
 * chose (CODE-2): a mail server or device-service that is down delays mail, it does not
 * lose it. Logs name the job, never its code, body or address.
 *
 * Exactly once: the job id is the mail's idempotency key (the code's id, the event's id);
 * a job is marked sent right after the SMTP server accepts it and a job already marked is
 * not sent again. While a worker sends, it holds a short 'sending' lease on the job
 * (EMAIL_LOCK_MS, renewed): a worker that took the job over meanwhile (a lapsed BullMQ lock
 * on a loaded machine) does not send it too, but retries after the lease — by then the
 * mail is marked sent, or its sender is dead. The one window left is a crash between the
 * server's acceptance and the mark (a millisecond): the job then runs again and the mail
 * goes twice, with the same Message-ID (`<job id@sender's domain>`), so mail servers and
 * clients that drop duplicates by Message-ID show it once. At-least-once with a stable
 * Message-ID is chosen over marking before the send, whose window would lose the mail
 * instead (a user waiting for a code that never comes is worse than a second copy).
 */
@Injectable()
export class EmailWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(EmailWorker.name);
  private readonly renderer: EmailRenderer;
  private readonly sender: MailSender;
  private worker: BullWorker<unknown, void> | null = null;

  constructor(
    private readonly config: NotificationServiceConfig,
    private readonly sent: SentEmails,
    private readonly recipients: MailRecipients,
  ) {
    this.renderer = new EmailRenderer({ codeSecret: config.email.codeHmacSecret, webAppUrl: config.email.webAppUrl });
    this.sender = new MailSender({ smtpUrl: config.email.smtpUrl, from: config.email.from, maxConnections: CONCURRENCY });
  }

  onApplicationBootstrap(): void {
    this.worker = new BullWorker(this.config.redis, Queue.email, (job) => this.process(job), {
      connectionName: `${Service.notification}-email-worker`,
      concurrency: CONCURRENCY,
      // A dead worker's job is taken over within ~2 × EMAIL_LOCK_MS (BullMQ's 30 s defaults made mails
      // a minute late); the lock is renewed every EMAIL_LOCK_MS / 2 while a long SMTP send runs.
      lockDuration: this.config.email.lockMs,
      stalledInterval: this.config.email.lockMs,
      // A job taken over is not failed for it: re-running one is safe (see the class comment).
      maxStalledCount: 10,
    });
    this.worker.worker.on('failed', (job, error) => {
      if (!job) return;
      const final = job.attemptsMade >= (job.opts.attempts ?? 1) || error.name === 'UnrecoverableError';
      const fields = { jobId: job.id, job: job.name, attempt: job.attemptsMade, reason: error.message };
      if (final) this.logger.error({ ...fields, msg: 'Email not sent; giving up' });
      else this.logger.warn({ ...fields, msg: 'Email not sent; will retry' });
    });
    // Redis trouble surfaces here; BullMQ reconnects by itself.
    this.worker.worker.on('error', (error) => this.logger.error({ msg: 'Email worker error', reason: error.message }));
  }

  async onModuleDestroy(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    // Stops taking jobs and waits for the mails in flight, up to SHUTDOWN_DRAIN_MS; a send cut short
    // leaves its job to be taken over by another worker (and not sent twice if it went out).
    if (worker && !(await worker.close(this.config.process.shutdownDrainMs))) {
      this.logger.warn({ msg: 'Emails still sending after the drain time; leaving them to another worker' });
    }
    this.sender.close();
  }

  /** The same for every send of a job: its id at the sender's domain (MAIL_FROM). */
  private messageId(jobId: string): string {
    const domain = /@([^>\s]+)>?\s*$/.exec(this.config.email.from)?.[1] ?? 'localhost';
    return `<${jobId.replace(/[^A-Za-z0-9._:-]/g, '-')}@${domain}>`;
  }

  private process(job: Job): Promise<void> {
    const requestId = (job.data as { requestId?: unknown } | undefined)?.requestId;
    return runWithRequestId(requestId, async () => {
      const jobId = job.id!;
      const claim = await this.sent.claim(jobId, randomUUID(), this.config.email.lockMs);
      if ('sent' in claim) {
        this.logger.log({ msg: 'Email already sent; not sending it again', jobId, job: job.name });
        return;
      }
      if ('sending' in claim) throw new Error('Another worker is sending this email; retrying after it');
      const { lease } = claim;
      let sent = false;
      try {
        sent = await this.send(job, jobId);
      } finally {
        // Not sent: the lease goes. Sent: it becomes the sent mark; one that cannot be written is only logged,
        // since failing the job now would send the mail again on the retry.
        if (!sent) await lease.settle(null);
        else if (!(await this.sent.markSent(lease))) {
          this.logger.warn({ msg: 'Email sent but not marked sent; a re-run would send it again', jobId });
        }
      }
      if (sent) this.logger.log({ msg: 'Email sent', jobId, job: job.name, attempt: job.attemptsMade + 1 });
    });
  }

  /** Under the job's lease: renders the mail and sends it; false when it is not to be sent. Throws to retry. */
  private async send(job: Job, jobId: string): Promise<boolean> {
    const draft = this.renderer.render(job.name, job.data, new Date());
    if ('skipped' in draft) {
      this.logger.warn({ msg: 'Email skipped', jobId, job: job.name, reason: draft.skipped });
      return false;
    }
    // SEC-2: the address is the user's as device-service holds it now, whatever the job data says.
    let recipient = await this.recipients.resolve(draft.recipient, draft.forDevice);
    // The job usually runs within milliseconds of the commit that made the device wait for a code (its
    // setup's, or the switch from pending_approval of "I don't have access to my trusted device"), often
    // a moment before it: ask again soon, then less often, before retrying with the job's backoff.
    const notCommittedYet = () => recipient.deviceStatus === null || recipient.deviceStatus === 'pending_approval';
    for (let i = 0; draft.forDevice && notCommittedYet() && i < UNCOMMITTED_DEVICE_RECHECKS_MS.length; i++) {
      await new Promise((resolve) => setTimeout(resolve, UNCOMMITTED_DEVICE_RECHECKS_MS[i]));
      recipient = await this.recipients.resolve(draft.recipient, draft.forDevice);
    }
    if (recipient.deprovisioned && draft.onlyToActiveUsers) {
      this.logger.warn({ msg: 'Email skipped', jobId, job: job.name, reason: 'the user is deprovisioned' });
      return false;
    }
    if (draft.forDevice && notCommittedYet()) {
      // Not committed yet (the job can run a moment before its setup or switch commits), or never: a
      // setup that died before its commit leaves a mail for a device that does not exist, and its retry
      // made another. Retried with the job's backoff; a device that never waits for a code gets no mail (issue 10).
      throw new Error('The code mail names a device that does not wait for a code (yet); retrying');
    }
    if (draft.forDevice && recipient.deviceStatus !== 'pending_verification') {
      this.logger.warn({
        msg: 'Email skipped',
        jobId,
        job: job.name,
        reason: `the device no longer waits for a code (${recipient.deviceStatus})`,
      });
      return false;
    }
    await this.sender.send(recipient.email, draft.message, this.messageId(jobId));
    return true;
  }
}

import { createTransport, type Transporter } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { EmailMessage } from '../templates';

export interface MailSenderSettings {
  smtpUrl: string;
  from: string;
  /** Bound on each SMTP step, so a hung server fails the attempt (and BullMQ retries) instead of hanging. */
  timeoutMs?: number;
  /** Connections kept open to the SMTP server; no more mails than this are in flight at once. */
  maxConnections?: number;
}

/** Sends rendered emails over SMTP (SMTP_URL). A refusal or timeout rejects; the caller decides to retry. */
export class MailSender {
  private readonly transport: Transporter;
  private readonly from: string;

  constructor(settings: MailSenderSettings) {
    this.from = settings.from;
    const timeoutMs = settings.timeoutMs ?? 10_000;
    this.transport = createTransport({
      url: settings.smtpUrl,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      // Reuse SMTP connections: a new connection (and greeting) per mail cost more CPU than the mail itself.
      pool: true,
      maxConnections: settings.maxConnections ?? 5,
      maxMessages: 100,
    });
  }

  /**
   * `to` is what device-service holds for the user, looked up for this send (SEC-2). `messageId` is
   * the mail's own (RFC 5322 Message-ID), the same on every send of one job: the rare second copy
   * (see EmailWorker) is then the same message to mail servers and clients, which drop duplicates by it.
   */
  async send(to: string, message: EmailMessage, messageId: string): Promise<void> {
    // The whole message is built first and handed over in one piece: streamed as nodemailer composes it, each of
    // its dozens of header lines and MIME parts was a socket write of its own, the largest CPU cost of a mail (issue 12).
    const raw = await new MailComposer({ from: this.from, to, subject: message.subject, text: message.text, html: message.html, messageId })
      .compile()
      .build();
    await this.transport.sendMail({ envelope: { from: this.from, to }, raw });
  }

  close(): void {
    this.transport.close();
  }
}

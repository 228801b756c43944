import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface CaughtMail {
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  /** Its Message-ID header ('' when none). */
  messageId: string;
  /** When the catcher accepted it. */
  receivedAt: number;
}

/** A real SMTP server for tests: collects every message, and waits for the one a test expects. */
export class MailCatcher {
  readonly messages: CaughtMail[] = [];
  private waiters: Array<() => void> = [];
  private server?: SMTPServer;
  private port = 0;
  /** Errors of senders' connections (a sender killed mid-mail resets its connection); a real server logs them and goes on. */
  readonly connectionErrors: Error[] = [];
  /** While true, the server refuses mail with a temporary failure (delivery retries). */
  refuse = false;

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, _session, callback) => {
        if (this.refuse) {
          stream.resume();
          stream.on('end', () => callback(Object.assign(new Error('try again later'), { responseCode: 451 })));
          return;
        }
        simpleParser(stream)
          .then((parsed) => {
            const to = [parsed.to ?? []].flat().flatMap((a) => a.value.map((v) => v.address ?? ''));
            this.messages.push({
              to,
              from: parsed.from?.text ?? '',
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
              messageId: parsed.messageId ?? '',
              receivedAt: Date.now(),
            });
            this.waiters.splice(0).forEach((wake) => wake());
            callback();
          })
          .catch(callback);
      },
    });
    this.server.on('error', (err) => this.connectionErrors.push(err));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  /** Resolves with the first message (after `skip` earlier matches) that satisfies the predicate. */
  async waitFor(predicate: (mail: CaughtMail) => boolean, timeoutMs = 10000, skip = 0): Promise<CaughtMail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.filter(predicate)[skip];
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching mail within ${timeoutMs} ms (${this.messages.length} received)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The newest 6-digit code sent to this address (read from the mail, as a user would). */
  async codeFor(address: string, timeoutMs = 10000, skip = 0): Promise<string> {
    const mail = await this.waitFor((m) => m.to.includes(address) && /\b\d{6}\b/.test(m.text), timeoutMs, skip);
    return /\b(\d{6})\b/.exec(mail.text)![1];
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

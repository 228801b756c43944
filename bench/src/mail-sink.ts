import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface SunkMail {
  to: string[];
  raw: string;
  at: number;
}

/** A cheap SMTP sink for the benchmark: keeps each message's recipients, raw text and arrival time; parses nothing. */
export class MailSink {
  readonly messages: SunkMail[] = [];
  private readonly arrivals = new EventEmitter().setMaxListeners(0);
  private server?: SMTPServer;
  url = '';

  async start(): Promise<this> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const mail = { to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
          this.messages.push(mail);
          callback();
          for (const to of mail.to) this.arrivals.emit(to, mail);
        });
      },
    });
    // A sender that dies mid-mail resets its connection: count nothing, keep serving (unhandled, it would end the bench).
    this.server.on('error', () => undefined);
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `smtp://127.0.0.1:${(this.server.server.address() as AddressInfo).port}`;
    return this;
  }

  /** The code mailed to `to` for the device named `deviceName`, as soon as it arrives (or null after `timeoutMs`). */
  waitForCode(to: string, deviceName: string, timeoutMs = 30_000): Promise<string | null> {
    const found = this.codeFor(to, deviceName);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => {
      const onMail = (mail: SunkMail) => {
        const code = codeIn(mail, deviceName);
        if (!code) return;
        clearTimeout(timer);
        this.arrivals.off(to, onMail);
        resolve(code);
      };
      const timer = setTimeout(() => {
        this.arrivals.off(to, onMail);
        resolve(null);
      }, timeoutMs);
      this.arrivals.on(to, onMail);
    });
  }

  codeFor(to: string, deviceName: string): string | undefined {
    for (let i = this.messages.length - 1; i >= 0; i--) {
      if (!this.messages[i].to.includes(to)) continue;
      const code = codeIn(this.messages[i], deviceName);
      if (code) return code;
    }
    return undefined;
  }

  /** Mails that arrived at or after `since` (ms epoch). */
  countSince(since: number): number {
    return this.messages.filter((mail) => mail.at >= since).length;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

function codeIn(mail: SunkMail, deviceName: string): string | undefined {
  if (!mail.raw.includes(deviceName)) return undefined;
  return /\b(\d{6})\b/.exec(
    mail.raw
      .split(/\r?\n\r?\n/)
      .slice(1)
      .join('\n'),
  )?.[1];
}

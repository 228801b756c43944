import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** A cheap SMTP sink for the benchmark: keeps each message's recipients and raw text, parses nothing. */
export class MailSink {
  readonly messages: Array<{ to: string[]; raw: string }> = [];
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
          this.messages.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `smtp://127.0.0.1:${(this.server.server.address() as AddressInfo).port}`;
    return this;
  }

  /** The latest code mailed to `to` for the device named `deviceName`. */
  codeFor(to: string, deviceName: string): string | undefined {
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const { to: recipients, raw } = this.messages[i];
      if (!recipients.includes(to) || !raw.includes(deviceName)) continue;
      const code = /\b(\d{6})\b/.exec(raw.split(/\r?\n\r?\n/).slice(1).join('\n'));
      if (code) return code[1];
    }
    return undefined;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

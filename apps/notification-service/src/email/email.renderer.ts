import { unsealCode } from '@td/common';
import { EmailJob } from '@td/contracts';
import { UnrecoverableError } from 'bullmq';
import { deviceApprovedEmail, verificationCodeEmail, type EmailMessage } from '../templates';
import { isDeviceApprovedJob, isVerificationCodeJob } from './email-jobs';

export interface EmailRendererSettings {
  /** CODE_HMAC_SECRET: opens the sealed code of a verification job. */
  codeSecret: string;
  /** PUBLIC_URL: where the web app lives, for "My trusted devices". */
  webAppUrl: string;
}

/** Why a job produced no mail, for the log. */
export type Skipped = { skipped: string };

/**
 * Turns an email job into the message to send. Bad jobs throw `UnrecoverableError`:
 * retrying cannot fix them, so they fail at once instead of using up retries.
 */
export class EmailRenderer {
  constructor(private readonly settings: EmailRendererSettings) {}

  render(name: string, data: unknown, now: Date): EmailMessage | Skipped {
    switch (name) {
      case EmailJob.verificationCode:
        return this.verificationCode(data, now);
      case EmailJob.deviceApproved:
        return this.deviceApproved(data);
      default:
        throw new UnrecoverableError(`Unknown email job "${name}".`);
    }
  }

  private verificationCode(data: unknown, now: Date): EmailMessage | Skipped {
    if (!isVerificationCodeJob(data)) throw new UnrecoverableError('Malformed verification-code job data.');
    const expiresAt = new Date(data.expiresAt);
    // A code that expired while the mail server was down is useless; a mail with it would only confuse.
    if (expiresAt.getTime() <= now.getTime()) return { skipped: 'the code expired before the mail could be sent' };
    let code: string;
    try {
      code = unsealCode(this.settings.codeSecret, data.sealedCode);
    } catch {
      throw new UnrecoverableError('The sealed code cannot be opened with this CODE_HMAC_SECRET.');
    }
    return verificationCodeEmail({ to: data.to, code, expiresAt, device: data.device, now });
  }

  private deviceApproved(data: unknown): EmailMessage {
    if (!isDeviceApprovedJob(data)) throw new UnrecoverableError('Malformed device-approved job data.');
    return deviceApprovedEmail({
      to: data.to,
      device: data.device,
      approvedVia: data.approvedVia,
      approvedAt: new Date(data.approvedAt),
      ip: data.ip,
      webAppUrl: this.settings.webAppUrl,
    });
  }
}

import { unsealCode } from '@td/common';
import { codeSealBinding, EmailJob, type MailRecipient } from '@td/contracts';
import { UnrecoverableError } from 'bullmq';
import { deviceApprovedEmail, verificationCodeEmail, type EmailMessage } from '../templates';
import { isDeviceApprovedJob, isJobWithoutRecipient, isVerificationCodeJob } from './email-jobs';

export interface EmailRendererSettings {
  /** CODE_HMAC_SECRET: opens the sealed code of a verification job. */
  codeSecret: string;
  /** PUBLIC_URL: where the web app lives, for "My trusted devices". */
  webAppUrl: string;
}

/** Why a job produced no mail, for the log. */
export type Skipped = { skipped: string };

/**
 * A mail ready but for its address: the worker asks device-service for the user's (SEC-2).
 * `onlyToActiveUsers`: a code is of no use to a deprovisioned user (nor safe to give one);
 * a notice of what happened to their devices still goes.
 */
export interface EmailDraft {
  recipient: MailRecipient;
  message: EmailMessage;
  onlyToActiveUsers: boolean;
  /** A code mail's device: the mail goes only while that device waits for its code (see EmailWorker). */
  forDevice?: string;
}

/**
 * Turns an email job into the mail to send and whom it is for. Bad jobs throw
 * `UnrecoverableError`: retrying cannot fix them, so they fail at once instead of using up retries.
 */
export class EmailRenderer {
  constructor(private readonly settings: EmailRendererSettings) {}

  render(name: string, data: unknown, now: Date): EmailDraft | Skipped {
    // Queued by a version before SEC-2 (a rolling upgrade): only an address, which is not trusted.
    if (isJobWithoutRecipient(data)) return { skipped: 'the job names no user (queued before SEC-2); an address in a job is not trusted' };
    switch (name) {
      case EmailJob.verificationCode:
        return this.verificationCode(data, now);
      case EmailJob.deviceApproved:
        return this.deviceApproved(data);
      default:
        throw new UnrecoverableError(`Unknown email job "${name}".`);
    }
  }

  private verificationCode(data: unknown, now: Date): EmailDraft | Skipped {
    if (!isVerificationCodeJob(data)) throw new UnrecoverableError('Malformed verification-code job data.');
    const expiresAt = new Date(data.expiresAt);
    // A code that expired while the mail server was down is useless; a mail with it would only confuse.
    if (expiresAt.getTime() <= now.getTime()) return { skipped: 'the code expired before the mail could be sent' };
    const recipient = { workspaceId: data.workspaceId, userId: data.userId };
    let code: string;
    try {
      // The seal is bound to the recipient: a job re-addressed to another user does not open.
      code = unsealCode(this.settings.codeSecret, data.sealedCode, codeSealBinding(recipient));
    } catch {
      throw new UnrecoverableError('The sealed code cannot be opened for this recipient with this CODE_HMAC_SECRET.');
    }
    return {
      recipient,
      message: verificationCodeEmail({ code, expiresAt, device: data.device, now }),
      onlyToActiveUsers: true,
      forDevice: data.deviceId,
    };
  }

  private deviceApproved(data: unknown): EmailDraft {
    if (!isDeviceApprovedJob(data)) throw new UnrecoverableError('Malformed device-approved job data.');
    const message = deviceApprovedEmail({
      device: data.device,
      approvedVia: data.approvedVia,
      approvedAt: new Date(data.approvedAt),
      ip: data.ip,
      webAppUrl: this.settings.webAppUrl,
    });
    return { recipient: { workspaceId: data.workspaceId, userId: data.userId }, message, onlyToActiveUsers: false };
  }
}

import type { ClientType } from './words';

/**
 * BullMQ queue and job names. Jobs in flight carry these names: never change a
 * value without a migration plan (drain the queue first).
 */
export const Queue = {
  email: 'email',
  deprovision: 'deprovision',
} as const;
export type Queue = (typeof Queue)[keyof typeof Queue];

export const EmailJob = {
  verificationCode: 'verification-code',
  deviceApproved: 'device-approved',
} as const;
export type EmailJob = (typeof EmailJob)[keyof typeof EmailJob];

/**
 * Redis key (under REDIS_PREFIX) of an email job's mail: the lease of the worker sending it, then the
 * mark that the SMTP server accepted it (notification-service's SentEmails). `jobId` is the job's
 * idempotency key.
 */
export function sentEmailKey(jobId: string): string {
  return `email:sent:${jobId}`;
}

export interface DeviceDescription {
  name: string;
  clientType: ClientType;
  os: string;
  browser: string;
}

/**
 * Who a mail is for (SEC-2): the user, never an address. notification-service asks device-service for
 * the address when it sends, so nothing written into a job (the ops dashboard, anyone with Redis)
 * can choose where a mail goes. `userId` is the internal `users.id`.
 */
export interface MailRecipient {
  workspaceId: string;
  userId: string;
}

/**
 * Queued with the code's id as job id: one code, one job, one mail. Jobs queued before SEC-2 carried
 * `to` instead of the recipient; the worker never sends those (it does not trust an address in a job).
 */
export interface VerificationCodeEmailJob extends MailRecipient {
  deviceId: string;
  /**
   * The code, sealed (AES-256-GCM) so it never rests in Redis in the clear, and bound to the recipient
   * (`sealBinding`): a job re-addressed to another user cannot be opened.
   */
  sealedCode: string;
  expiresAt: string;
  device: DeviceDescription;
  requestId?: string;
}

/** What a verification code's seal is bound to: its recipient, so changing who gets the mail breaks the seal. */
export function codeSealBinding(recipient: MailRecipient): string {
  return `code-mail\u0000${recipient.workspaceId}\u0000${recipient.userId}`;
}

/** Queued with the event's id as job id. A notice of what happened, so it goes to deprovisioned users too. */
export interface DeviceApprovedEmailJob extends MailRecipient {
  device: DeviceDescription;
  approvedVia: 'email_code' | 'device';
  approvedAt: string;
  ip: string | null;
  requestId?: string;
}

export const DeprovisionJob = {
  disableDevices: 'disable-devices',
} as const;

/** Data of a `disable-devices` job: one user's deprovisioning cascade (DEPROV-1). */
export interface DeprovisionJobData {
  /** Internal `users.id`. */
  userId: string;
  workspaceId: string;
  /** Who deprovisioned the user (internal ids; nulls for SCIM or the self-healing sweep), for the audit log. */
  actor: { userId: string | null; deviceId: string | null };
  ip: string | null;
  userAgent: string | null;
  /** Set when a finished cascade is started again (devices found enabled later): progress then counts from the rows. */
  rerun?: boolean;
  requestId?: string;
}

/** What a `disable-devices` job reports as it goes (`GET /v1/workspace/jobs/{id}`). */
export interface DeprovisionJobProgress {
  disabled: number;
  total: number;
}

import { EmailJob, type DeviceApprovedEmailJob, type MailRecipient, type VerificationCodeEmailJob } from '@td/contracts';
import type { JobsOptions } from 'bullmq';

/** What each email job name carries (libs/contracts/src/queues.ts). */
export interface EmailJobData {
  [EmailJob.verificationCode]: VerificationCodeEmailJob;
  [EmailJob.deviceApproved]: DeviceApprovedEmailJob;
}

/**
 * Delivery policy for emails this service queues itself: retried with exponential
 * backoff for about an hour while the mail server is down (CODE-2, APPROVE-4), kept a
 * day after completion so a redelivered event with the same job id is not sent twice.
 */
export const EMAIL_JOB_OPTIONS: JobsOptions = {
  attempts: 10,
  backoff: { type: 'exponential', delay: 5000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/**
 * Job data comes from Redis: check its shape before trusting it (STYLE.md 5). An address in the
 * data (`to`, as jobs queued before SEC-2 carried) is ignored: the recipient is the user named.
 */
export function isVerificationCodeJob(data: unknown): data is VerificationCodeEmailJob {
  const job = data as VerificationCodeEmailJob;
  return (
    isObject(job) && isRecipient(job) && isString(job.deviceId) && isString(job.sealedCode) && isTime(job.expiresAt) && isDevice(job.device)
  );
}

export function isDeviceApprovedJob(data: unknown): data is DeviceApprovedEmailJob {
  const job = data as DeviceApprovedEmailJob;
  return (
    isObject(job) &&
    isRecipient(job) &&
    isDevice(job.device) &&
    (job.approvedVia === 'email_code' || job.approvedVia === 'device') &&
    isTime(job.approvedAt) &&
    (job.ip === null || isString(job.ip))
  );
}

/**
 * A job queued before SEC-2: it names no user, only an address. There is no safe way to tell whom it
 * was for (the address is what anyone with Redis could have changed), so it is not sent.
 */
export function isJobWithoutRecipient(data: unknown): boolean {
  return isObject(data) && !('userId' in data) && !('workspaceId' in data);
}

/** An address the mail server may be given: what device-service holds for the user, checked all the same. */
export function isAddress(value: unknown): value is string {
  return isString(value) && /^[^\s@]+@[^\s@]+$/.test(value);
}

function isRecipient(value: unknown): value is MailRecipient {
  const { workspaceId, userId } = value as MailRecipient;
  return isString(workspaceId) && workspaceId.length > 0 && isString(userId) && UUID.test(userId);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
function isString(value: unknown): value is string {
  return typeof value === 'string';
}
function isTime(value: unknown): boolean {
  return isString(value) && !Number.isNaN(Date.parse(value));
}
function isDevice(value: unknown): boolean {
  if (!isObject(value)) return false;
  return (
    isString(value.name) &&
    (value.clientType === 'web' || value.clientType === 'extension' || value.clientType === 'mobile') &&
    isString(value.os) &&
    isString(value.browser)
  );
}

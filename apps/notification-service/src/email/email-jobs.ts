import { EmailJob, type DeviceApprovedEmailJob, type VerificationCodeEmailJob } from '@td/contracts';
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

/** Job data comes from Redis: check its shape before trusting it (STYLE.md 5). */
export function isVerificationCodeJob(data: unknown): data is VerificationCodeEmailJob {
  const job = data as VerificationCodeEmailJob;
  return isObject(job) && isAddress(job.to) && isString(job.sealedCode) && isTime(job.expiresAt) && isDevice(job.device);
}

export function isDeviceApprovedJob(data: unknown): data is DeviceApprovedEmailJob {
  const job = data as DeviceApprovedEmailJob;
  return (
    isObject(job) &&
    isAddress(job.to) &&
    isDevice(job.device) &&
    (job.approvedVia === 'email_code' || job.approvedVia === 'device') &&
    isTime(job.approvedAt) &&
    (job.ip === null || isString(job.ip))
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
function isString(value: unknown): value is string {
  return typeof value === 'string';
}
function isAddress(value: unknown): boolean {
  return isString(value) && /^[^\s@]+@[^\s@]+$/.test(value);
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

import type { ClientType } from './words';

/**
 * Why a code is being sent: a setup's own code, an explicit request (CODE-4 limits differ), or the
 * lost-code sweep replacing a code that vanished with its mail (counts like a setup's own code).
 */
export type CodeReason = 'setup' | 'resend' | 'lost';

/**
 * `userId` is the internal `users.id` (uuid), `deviceId` the device's id (uuid).
 * Errors: `rate_limited` + `retryAfter` (CODE-4), `validation_failed`, `service_unavailable`.
 * The reply comes only after the mail job is queued (CODE-2).
 */
export interface IssueCodeRequest {
  reason: CodeReason;
  /** With `userId`, who the email goes to: notification-service looks the address up when it sends (SEC-2). */
  workspaceId: string;
  userId: string;
  deviceId: string;
  /**
   * Ignored. Sent only for verification-services from before SEC-2, which still require it, during a
   * rolling upgrade (device-service first); the mail job never carries it. Remove in the next release.
   */
  email?: string;
  /** What the email describes (CODE-2). */
  device: { name: string; clientType: ClientType; os: string; browser: string };
}
export interface IssueCodeReply {
  expiresAt: string;
}

/**
 * Errors: `code_invalid` + `extensions.attemptsRemaining` (what is left of the code's 5 tries and
 * of the user's hourly 15, whichever is less), `code_expired` (none, expired, voided or already used),
 * `too_many_attempts` (the code is spent; or, with `retryAfter`, the user's hourly limit, CODE-6).
 */
export interface CheckCodeRequest {
  userId: string;
  deviceId: string;
  code: string;
  /**
   * Check only, leaving a right code in place: the caller uses it up by its own state change (device-service
   * approving the device, which a code of a device no longer pending cannot repeat) and voids it after. So a
   * check whose caller failed before committing — or whose reply was lost — does not use the code up.
   */
  keep?: boolean;
}
export interface CheckCodeReply {
  valid: true;
}

/**
 * Which of these devices have no code in store (for the lost-code sweep: Redis lost its data, so a code
 * and its mail job vanished). A code used up, expired or voided is missing too: the caller asks only
 * about devices still waiting for a live code.
 */
export interface MissingCodesRequest {
  deviceIds: string[];
}
export interface MissingCodesReply {
  missing: string[];
}

/** Deletes the devices' codes (e.g. when a device is approved by another device, denied, disabled or cancelled). */
export interface VoidCodesRequest {
  deviceIds: string[];
}
export interface VoidCodesReply {
  voided: number;
}

/**
 * Stable machine codes of every error (PRODUCT.md, API.md). Services raise them,
 * the gateway maps them to HTTP statuses. Never rename a value: clients match on it.
 */
export const ErrorCode = {
  validationFailed: 'validation_failed',
  unauthenticated: 'unauthenticated',
  notFound: 'not_found',
  userDeprovisioned: 'user_deprovisioned',
  deviceProofRequired: 'device_proof_required',
  invalidDeviceProof: 'invalid_device_proof',
  trustedSessionRequired: 'trusted_session_required',
  approverNotAllowed: 'approver_not_allowed',
  webAppRequired: 'web_app_required',
  adminRequired: 'admin_required',
  deviceNameTaken: 'device_name_taken',
  deviceLimitReached: 'device_limit_reached',
  deviceKeyRegistered: 'device_key_registered',
  invalidDeviceState: 'invalid_device_state',
  codeInvalid: 'code_invalid',
  codeExpired: 'code_expired',
  tooManyAttempts: 'too_many_attempts',
  rateLimited: 'rate_limited',
  /** An `Idempotency-Key` used before with another request (method, path, device key or body). */
  idempotencyKeyReused: 'idempotency_key_reused',
  /** The first request with this `Idempotency-Key` is still being answered. */
  idempotencyKeyInUse: 'idempotency_key_in_use',
  payloadTooLarge: 'payload_too_large',
  methodNotAllowed: 'method_not_allowed',
  serviceUnavailable: 'service_unavailable',
  internal: 'internal_error',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** What crosses the bus when a command fails with a domain error. */
export interface DomainErrorBody {
  code: ErrorCode;
  detail: string;
  /** Extra members for the problem document, e.g. `attemptsRemaining`. */
  extensions?: Record<string, unknown>;
  /** Seconds, for 429 and 503 answers (`Retry-After`). */
  retryAfter?: number;
}

export function isDomainErrorBody(value: unknown): value is DomainErrorBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as DomainErrorBody).code === 'string' &&
    typeof (value as DomainErrorBody).detail === 'string'
  );
}

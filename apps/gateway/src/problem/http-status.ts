import { ErrorCode } from '@td/contracts';

/** HTTP status of each domain error code (API.md). */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  [ErrorCode.validationFailed]: 400,
  [ErrorCode.codeInvalid]: 400,
  [ErrorCode.unauthenticated]: 401,
  [ErrorCode.deviceProofRequired]: 401,
  [ErrorCode.invalidDeviceProof]: 401,
  [ErrorCode.userDeprovisioned]: 403,
  [ErrorCode.trustedSessionRequired]: 403,
  [ErrorCode.approverNotAllowed]: 403,
  [ErrorCode.webAppRequired]: 403,
  [ErrorCode.adminRequired]: 403,
  [ErrorCode.notFound]: 404,
  [ErrorCode.methodNotAllowed]: 405,
  [ErrorCode.deviceNameTaken]: 409,
  [ErrorCode.deviceLimitReached]: 409,
  [ErrorCode.deviceKeyRegistered]: 409,
  [ErrorCode.invalidDeviceState]: 409,
  [ErrorCode.codeExpired]: 410,
  [ErrorCode.payloadTooLarge]: 413,
  [ErrorCode.tooManyAttempts]: 429,
  [ErrorCode.rateLimited]: 429,
  [ErrorCode.internal]: 500,
  [ErrorCode.serviceUnavailable]: 503,
};

export const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

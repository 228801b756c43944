import type { ClientType } from './words';

/** Why a code is being sent: a setup's own code, or an explicit request (CODE-4 limits differ). */
export type CodeReason = 'setup' | 'resend';

export interface IssueCodeRequest {
  reason: CodeReason;
  userId: string;
  deviceId: string;
  /** Where the email goes and what it describes (CODE-2). */
  email: string;
  device: { name: string; clientType: ClientType; os: string; browser: string };
}
export interface IssueCodeReply {
  expiresAt: string;
}

export interface CheckCodeRequest {
  userId: string;
  deviceId: string;
  code: string;
}
export interface CheckCodeReply {
  valid: true;
}

export interface VoidCodesRequest {
  deviceIds: string[];
}
export interface VoidCodesReply {
  voided: number;
}

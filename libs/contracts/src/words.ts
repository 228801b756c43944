/** The vocabulary of PRODUCT.md ("Words"), shared by every service and client. */

export const CLIENT_TYPES = ['web', 'extension', 'mobile'] as const;
export type ClientType = (typeof CLIENT_TYPES)[number];

export const DEVICE_STATUSES = ['pending_verification', 'pending_approval', 'approved', 'denied', 'disabled', 'expired'] as const;
export type DeviceStatus = (typeof DEVICE_STATUSES)[number];

/** Statuses that count as "registered": they hold a slot and a name (SETUP-2, SETUP-3). */
export const REGISTERED_STATUSES: readonly DeviceStatus[] = ['pending_verification', 'pending_approval', 'approved'];
export const PENDING_STATUSES: readonly DeviceStatus[] = ['pending_verification', 'pending_approval'];

/** Only these client apps can approve other devices (SETUP-4, APPROVE-2). */
export const APPROVER_CLIENT_TYPES: readonly ClientType[] = ['web', 'mobile'];

export const ROLES = ['owner', 'admin', 'member'] as const;
export type Role = (typeof ROLES)[number];

/** Audit log actions (API.md); stored values, never change one. */
export const AUDIT_ACTIONS = [
  'device.setup',
  'device.code_sent',
  'device.verified',
  'device.approved',
  'device.denied',
  'device.renamed',
  'device.disabled',
  'device.expired',
  'user.deprovisioned',
  // SEC-8: target.scimTokenId names the token.
  'scim_token.created',
  'scim_token.revoked',
  'scim_token.use_failed',
] as const;
export type AuditActionName = (typeof AUDIT_ACTIONS)[number];

export type ApprovalMethod = 'email_code' | 'device';
export type VerificationMethod = 'email_code' | 'approval';

/**
 * Who disabled a device (issue 13 item 7): one of the user's devices (its name when it did), an
 * admin of the workspace, or deprovisioning (DEPROV-1). An addition to API.md's Device object.
 */
export type DisabledBy = { kind: 'device'; deviceId: string; deviceName: string } | { kind: 'admin' } | { kind: 'deprovisioning' };

/** The API's Device object (API.md "Objects"). Times are ISO-8601 UTC strings. */
export interface DeviceView {
  id: string;
  name: string;
  clientType: ClientType;
  os: string;
  browser: string;
  fingerprint: string;
  lastIp: string | null;
  status: DeviceStatus;
  createdAt: string;
  approvedAt: string | null;
  disabledAt: string | null;
  /** Null unless disabled (and for devices disabled before it was recorded). */
  disabledBy: DisabledBy | null;
  lastSeenAt: string | null;
  approvedVia: ApprovalMethod | null;
  approvedBy: string | null;
  expiresAt: string | null;
  current: boolean;
}

export interface UserView {
  id: string;
  email: string;
  username: string;
  role: Role;
  workspaceId: string;
}

export type Verification = { method: 'email_code'; expiresAt: string } | { method: 'approval'; approvers: ClientType[] };

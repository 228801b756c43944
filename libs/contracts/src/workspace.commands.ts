import type { Caller } from './caller';
import type { ClientType, DeviceStatus, DeviceView } from './words';

/**
 * The workspace administration commands (ADMIN-1..4, DEPROV-1) and the SCIM
 * commands (DEPROV-1). Users are named by their token `sub` within the caller's
 * workspace; nothing of another workspace is visible (ADMIN-4: not_found).
 */

export interface WorkspaceUserRef {
  /** The user's token `sub` (API.md: a user's id). */
  id: string;
  email: string;
  username: string;
}

export type WorkspaceDeviceView = DeviceView & { user: WorkspaceUserRef };

export interface WorkspaceListDevicesRequest {
  caller: Caller;
  /** A user's token `sub`. */
  userId?: string;
  status?: DeviceStatus;
  clientType?: ClientType;
  /** Case-insensitive search over the device name and the user's email. */
  q?: string;
  /** 1–200, default 50. */
  limit?: number;
  /** Opaque, from a previous reply's `nextCursor`; stable under inserts. */
  cursor?: string;
}
export interface WorkspaceListDevicesReply {
  devices: WorkspaceDeviceView[];
  nextCursor: string | null;
  /** Per status, over the same filters except `status`. */
  counts: Record<DeviceStatus, number>;
}

export interface WorkspaceDeviceActionRequest {
  caller: Caller;
  deviceId: string;
}
export interface WorkspaceDeviceReply {
  device: DeviceView;
}

export interface DeprovisionUserRequest {
  caller: Caller;
  /** The user's token `sub`. */
  userId: string;
}
export interface DeprovisionUserReply {
  /** The cascade's job (one per user: a second request answers the same id). */
  jobId: string;
}

/** DEPROV-3: at most this many users in one bulk request (the admin endpoint and SCIM Bulk). */
export const MAX_BULK_DEPROVISIONS = 1000;

export interface DeprovisionUsersRequest {
  caller: Caller;
  /** Token `sub`s, 1–MAX_BULK_DEPROVISIONS; a repeated id counts once. */
  userIds: string[];
}
/** One user of a bulk request that could not be deprovisioned (each user succeeds or fails on its own). */
export interface BulkDeprovisionFailure {
  userId: string;
  code: 'not_found';
  detail: string;
}
export interface DeprovisionUsersReply {
  /** In request order, one per distinct user found: the same one job per user as DEPROV-1. */
  jobs: Array<{ userId: string; jobId: string }>;
  failures: BulkDeprovisionFailure[];
}

export type JobState = 'waiting' | 'active' | 'completed' | 'failed';

export interface GetJobRequest {
  caller: Caller;
  jobId: string;
}
export interface JobView {
  id: string;
  state: JobState;
  progress: { disabled: number; total: number };
}

export interface ListAuditRequest {
  caller: Caller;
  /** A user's token `sub`: events where the user is the actor or the target. */
  userId?: string;
  /** Events where the device is the actor or the target. */
  deviceId?: string;
  action?: string;
  limit?: number;
  cursor?: string;
}
export interface AuditEventView {
  id: string;
  at: string;
  action: string;
  /** User ids are token `sub`s; null for the system (expiry) or a SCIM client. */
  actor: { userId: string | null; deviceId: string | null };
  /** `scimTokenId` only on `scim_token.*` events (SEC-8). */
  target: { userId: string | null; deviceId: string | null; scimTokenId?: string };
  ip: string | null;
  userAgent: string | null;
}
export interface ListAuditReply {
  events: AuditEventView[];
  nextCursor: string | null;
}

export interface CreateScimTokenRequest {
  caller: Caller;
  /** SEC-8: how admins tell tokens apart; a default when absent. */
  name?: string;
  /** SEC-8: ISO-8601 time after which the token is refused; never, when absent. */
  expiresAt?: string;
}
/** SEC-8: a token as listed; the token itself is never shown again. */
export interface ScimTokenView {
  id: string;
  name: string;
  createdAt: string;
  /** The creator's token `sub`; null if that user no longer exists. */
  createdBy: { userId: string | null };
  lastUsedAt: string | null;
  expiresAt: string | null;
}
export interface ListScimTokensRequest {
  caller: Caller;
}
export interface ListScimTokensReply {
  tokens: ScimTokenView[];
}
export interface CreateScimTokenReply {
  id: string;
  /** Shown once; only its SHA-256 hash is stored. */
  token: string;
}
export interface RevokeScimTokenRequest {
  caller: Caller;
  tokenId: string;
}

/** SCIM (RFC 7643/7644), DEPROV-1. The gateway authenticates the bearer token first. */
export interface ScimAuthenticateRequest {
  token: string;
  /** Where the request came from: a refused token is audited with them (SEC-8). */
  ip?: string | null;
  userAgent?: string | null;
}
export interface ScimAuthenticateReply {
  workspaceId: string;
  tokenId: string;
}

/** The SCIM User resource's facts; the gateway adds `schemas` and `meta`. */
export interface ScimUserRecord {
  /** The user's token `sub`. */
  id: string;
  /** The user's email. */
  userName: string;
  displayName: string;
  active: boolean;
}

export interface ScimUserRequest {
  workspaceId: string;
  /** The user's token `sub`. */
  userId: string;
}
export interface ScimUserReply {
  user: ScimUserRecord;
}
export interface ScimFindUsersRequest {
  workspaceId: string;
  /** `filter=userName eq "…"`: exact, case-insensitive. */
  userName: string;
}
export interface ScimFindUsersReply {
  users: ScimUserRecord[];
}
export interface ScimDeactivateUserReply {
  user: ScimUserRecord;
  jobId: string;
}

/** SCIM Bulk (DEPROV-3): the users its PATCH active=false / DELETE operations name, deprovisioned together. */
export interface ScimDeactivateUsersRequest {
  workspaceId: string;
  userIds: string[];
}
export interface ScimDeactivateUsersReply {
  /** One per distinct user id asked for: the user (now inactive) and their job, or why not. */
  results: Array<{ userId: string; user: ScimUserRecord; jobId: string } | { userId: string; error: BulkDeprovisionFailure }>;
}

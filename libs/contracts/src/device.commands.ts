import type { Caller } from './caller';
import type { ClientType, DeviceStatus, DeviceView, UserView, Verification } from './words';

export interface GetSessionRequest {
  caller: Caller;
}
export interface GetSessionReply {
  user: UserView;
  trusted: boolean;
  setupRequired: boolean;
  device: DeviceView | null;
}

export interface SetupDeviceRequest {
  caller: Caller;
  clientType: ClientType;
  name?: string;
}
export interface SetupDeviceReply {
  device: DeviceView;
  verification: Verification;
  /**
   * Set on a retry of a setup that already created this device (same user, key and body, device still
   * pending): the gateway answers 200 instead of 201, with the same body and without this member.
   */
  retried?: true;
}

export interface DeviceActionRequest {
  caller: Caller;
  deviceId: string;
}
export interface DeviceReply {
  device: DeviceView;
}

export interface VerifyDeviceRequest extends DeviceActionRequest {
  code: string;
}
export interface SendEmailCodeReply {
  device: DeviceView;
  verification: Extract<Verification, { method: 'email_code' }>;
}
export interface ApproveDeviceRequest extends DeviceActionRequest {
  keyEnvelope?: string;
}
export interface RenameDeviceRequest extends DeviceActionRequest {
  name: string;
}

export interface ListDevicesRequest {
  caller: Caller;
}
export interface ListDevicesReply {
  devices: DeviceView[];
}

export interface GetKeyEnvelopeRequest {
  caller: Caller;
}
export interface GetKeyEnvelopeReply {
  keyEnvelope: string;
  approvedBy: string | null;
}

/** Opens `GET /v1/events`: a trusted web or mobile session (APPROVE-1). */
export interface AuthorizeEventsRequest {
  caller: Caller;
}
export interface AuthorizeEventsReply {
  userId: string;
  deviceId: string;
}

/**
 * Where a user's mail goes, asked by notification-service when it sends (SEC-2): mail jobs name
 * the user, never an address, so nothing written into a job can choose the recipient.
 * `userId` is the internal `users.id`. Errors: `not_found` (no such user in that workspace).
 */
export interface GetMailRecipientRequest {
  workspaceId: string;
  userId: string;
  /** A code mail names its device: the reply then says what became of it (`deviceStatus`). */
  deviceId?: string;
}
export interface GetMailRecipientReply {
  email: string;
  /** Deprovisioned users get no codes; notices of what happened to their devices still go. */
  deprovisioned: boolean;
  /**
   * With `deviceId`: that device's status, or null when the user has no such device — not yet (its
   * setup has not committed) or never (the setup died before its commit, and its retry made another).
   */
  deviceStatus?: DeviceStatus | null;
}

export interface EmptyReply {
  ok: true;
}

export type { DeviceStatus };

/** The objects of API.md, as the web app sees them. */
import type {
  AuditEventView,
  ClientType,
  DeviceStatus,
  DeviceView,
  GetSessionReply,
  JobView,
  SetupDeviceReply,
  UserView,
  Verification,
  WorkspaceDeviceView,
  WorkspaceListDevicesReply,
} from '../../../../libs/contracts/src';

// The API's objects come from the one place contracts live (libs/contracts); these are the web app's names for them.
export type { ClientType, DeviceStatus, Verification };
export type Device = DeviceView;
export type SessionUser = UserView;
export type Session = GetSessionReply;
export type SetupReply = SetupDeviceReply;
export type WorkspaceDevice = WorkspaceDeviceView;
export type WorkspaceDevicesPage = WorkspaceListDevicesReply;
export type Job = JobView;
export type AuditEvent = AuditEventView;

export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  code?: string;
  errors?: Array<{ field: string; message: string }>;
  attemptsRemaining?: number;
  [extension: string]: unknown;
}

export const PENDING: readonly DeviceStatus[] = ['pending_verification', 'pending_approval'];
/** A device in one of these states never comes back: the browser makes a new key (KEY-4). */
export const FINISHED: readonly DeviceStatus[] = ['denied', 'disabled', 'expired'];

/** Devices that hold their name (SETUP-2) and count towards the limit (SETUP-3). */
export { REGISTERED_STATUSES } from '../../../../libs/contracts/src/words';

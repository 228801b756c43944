/** The objects of API.md, as the web app sees them. */
export type ClientType = 'web' | 'extension' | 'mobile';
export type DeviceStatus = 'pending_verification' | 'pending_approval' | 'approved' | 'denied' | 'disabled' | 'expired';

export interface Device {
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
  lastSeenAt: string | null;
  approvedVia: 'email_code' | 'device' | null;
  approvedBy: string | null;
  expiresAt: string | null;
  current: boolean;
}

export interface SessionUser {
  id: string;
  email: string;
  username: string;
  role: 'owner' | 'admin' | 'member';
  workspaceId: string;
}

export interface Session {
  user: SessionUser;
  trusted: boolean;
  setupRequired: boolean;
  device: Device | null;
}

export type Verification = { method: 'email_code'; expiresAt: string } | { method: 'approval'; approvers: ClientType[] };

export interface SetupReply {
  device: Device;
  verification: Verification;
}

export interface WorkspaceDevice extends Device {
  user: { id: string; email: string; username: string };
}

export interface WorkspaceDevicesPage {
  devices: WorkspaceDevice[];
  nextCursor: string | null;
  counts: Partial<Record<DeviceStatus, number>>;
}

export interface Job {
  id: string;
  state: 'waiting' | 'active' | 'completed' | 'failed';
  progress: { disabled: number; total: number };
}

export interface AuditEvent {
  id: string;
  at: string;
  action: string;
  actor: { userId: string | null; deviceId: string | null };
  target: { userId: string | null; deviceId: string | null };
  ip: string | null;
  userAgent: string | null;
}

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

import type { ClientType, Device, Session } from '../api/types';

/** Where the "Strengthen your account security" dialog is (WEB-2). */
export type SetupStep =
  | { kind: 'intro' }
  /** Name your device; `device` set when it is shown again for a registered request (the article's "I don't have access…"). */
  | { kind: 'name'; device?: Device; approvers?: ClientType[] }
  | { kind: 'code'; device: Device; expiresAt: string | null }
  | { kind: 'identity'; device: Device; approvers: ClientType[] }
  | { kind: 'ended'; device: Device }
  | { kind: 'done'; device: Device };

/** What a pending setup showed that the device itself does not carry: the code's expiry, the approvers. */
interface SetupContext {
  expiresAt?: string | null;
  approvers?: ClientType[];
}

const contextKey = (deviceId: string) => `td.setup.${deviceId}`;

/** Kept for the tab (sessionStorage), so a reopened dialog or a reload shows what the first one showed. */
export function rememberSetup(deviceId: string, context: SetupContext): void {
  sessionStorage.setItem(contextKey(deviceId), JSON.stringify({ ...recallSetup(deviceId), ...context }));
}

export function recallSetup(deviceId: string): SetupContext {
  try {
    return (JSON.parse(sessionStorage.getItem(contextKey(deviceId)) ?? '{}') as SetupContext) ?? {};
  } catch {
    return {};
  }
}

/** A reopened dialog or a page reload mid-setup resumes where the device is (the key, and so the device, survives in IndexedDB). */
export function initialStep(session: Session): SetupStep {
  const device = session.device;
  if (!device) return { kind: 'intro' };
  const remembered = recallSetup(device.id);
  if (device.status === 'pending_approval') return { kind: 'identity', device, approvers: remembered.approvers ?? [] };
  if (device.status === 'pending_verification') return { kind: 'code', device, expiresAt: remembered.expiresAt ?? null };
  return { kind: 'intro' };
}

/** The step that follows a fresh look at the session while waiting for approval or a code. */
export function stepAfterPoll(step: SetupStep, session: Session): SetupStep {
  if (session.trusted && session.device) return { kind: 'done', device: session.device };
  const device = session.device;
  if (!device) return step;
  if (device.status === 'denied' || device.status === 'expired' || device.status === 'disabled') return { kind: 'ended', device };
  if (step.kind === 'identity' && device.status === 'pending_verification')
    return { kind: 'code', device, expiresAt: recallSetup(device.id).expiresAt ?? null };
  return step;
}

/** The user's apps that can approve: their approved web and mobile devices (APPROVE-1). */
export function approversAmong(devices: Device[]): ClientType[] {
  const types = new Set(devices.filter((device) => device.status === 'approved').map((device) => device.clientType));
  return (['web', 'mobile'] as const).filter((type) => types.has(type));
}

export function approverText(approvers: ClientType[]): string {
  const web = approvers.includes('web');
  const mobile = approvers.includes('mobile');
  if (web && !mobile) return 'your web app';
  if (mobile && !web) return 'your mobile app';
  return 'your web app or your mobile app';
}

import type { ClientType, Device, Session } from '../api/types';

/** Where the "Strengthen your account security" dialog is (WEB-2). */
export type SetupStep =
  | { kind: 'intro' }
  | { kind: 'name' }
  | { kind: 'code'; device: Device; expiresAt: string | null }
  | { kind: 'identity'; device: Device; approvers: ClientType[] }
  | { kind: 'ended'; device: Device }
  | { kind: 'done'; device: Device };

/** A page reload mid-setup resumes where the device is (the key, and so the device, survives in IndexedDB). */
export function initialStep(session: Session): SetupStep {
  const device = session.device;
  if (device?.status === 'pending_approval') return { kind: 'identity', device, approvers: [] };
  if (device?.status === 'pending_verification') return { kind: 'code', device, expiresAt: null };
  return { kind: 'intro' };
}

/** The step that follows a fresh look at the session while waiting for approval or a code. */
export function stepAfterPoll(step: SetupStep, session: Session): SetupStep {
  if (session.trusted && session.device) return { kind: 'done', device: session.device };
  const device = session.device;
  if (!device) return step;
  if (device.status === 'denied' || device.status === 'expired' || device.status === 'disabled') return { kind: 'ended', device };
  if (step.kind === 'identity' && device.status === 'pending_verification') return { kind: 'code', device, expiresAt: null };
  return step;
}

export function approverText(approvers: ClientType[]): string {
  const web = approvers.includes('web');
  const mobile = approvers.includes('mobile');
  if (web && !mobile) return 'your web app';
  if (mobile && !web) return 'your mobile app';
  return 'your web app or your mobile app';
}

import { DomainError } from '@td/common';
import { ErrorCode, type Caller, type ProofKey } from '@td/contracts';
import type { Device } from '../devices/device.entity';
import type { User } from './user.entity';

/**
 * Who is calling, resolved against our own rows: the user (created or refreshed from the
 * token, AUTH-2) and the device whose key signed the proof, if it is one of this user's.
 * Built afresh for every command: trust is never cached (KEY-5).
 */
export interface CallerContext {
  caller: Caller;
  user: User;
  /** The user's device with the proof's key, whatever its status; null without a proof or for an unknown key. */
  device: Device | null;
}

/** What a command needs of the calling device (API.md "needs"). */
export type TrustRequirement = 'approved' | 'approver' | 'web';

/** KEY-3: the command needs a proof of possession of a device key. */
export function requireProof(context: CallerContext): ProofKey {
  if (!context.caller.proof) throw DomainError.of(ErrorCode.deviceProofRequired, 'This request needs a DPoP proof of the device key.');
  return context.caller.proof;
}

/**
 * KEY-5 / APPROVE-2 / MANAGE-3: a trusted session is a proof from an `approved` device of
 * the token's own user. Approving needs a web or mobile device; managing needs the web app.
 */
export function requireTrustedDevice(context: CallerContext, requirement: TrustRequirement): Device {
  requireProof(context);
  const device = context.device;
  if (!device || device.status !== 'approved') {
    throw DomainError.of(
      ErrorCode.trustedSessionRequired,
      'This request needs a trusted session: a proof from an approved device of yours.',
    );
  }
  if (requirement === 'approver' && device.clientType === 'extension') {
    throw DomainError.of(ErrorCode.approverNotAllowed, 'Only the web app or the mobile app can do this, not the browser extension.');
  }
  if (requirement === 'web' && device.clientType !== 'web') {
    throw DomainError.of(ErrorCode.webAppRequired, 'Devices are managed from a trusted session of the web app.');
  }
  return device;
}

/** The calling device, trusted or not, is an approved one: its requests update last-seen (MANAGE-1). */
export function isTrusted(context: CallerContext): boolean {
  return context.caller.proof !== null && context.device?.status === 'approved';
}

import { APPROVER_CLIENT_TYPES, type ClientType } from '@td/contracts';

export type SetupVerification = { method: 'email_code' } | { method: 'approval'; approvers: ClientType[] };

/**
 * SETUP-4: a new device waits for approval only when the user already has an approved
 * device that can approve (web or mobile) and the new device is not an extension;
 * otherwise the user confirms by email code. `approvers` lists those client apps once
 * each, web first, so the client can say where to approve.
 */
export function chooseVerificationMethod(clientType: ClientType, approvedClientTypes: readonly ClientType[]): SetupVerification {
  const approvers = APPROVER_CLIENT_TYPES.filter((type) => approvedClientTypes.includes(type));
  if (clientType === 'extension' || approvers.length === 0) return { method: 'email_code' };
  return { method: 'approval', approvers };
}

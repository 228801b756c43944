import type * as D from './device.commands';
import type { PingReply, PingRequest } from './health';
import type * as V from './verification.commands';
import type * as W from './workspace.commands';

/**
 * Every request/reply subject on the bus. Commands read `<service>.<verb>`.
 * Values are part of the wire contract: never change one without a migration plan.
 */
export const Command = {
  devicePing: 'device.ping',
  deviceGetSession: 'device.get-session',
  deviceSetup: 'device.setup',
  deviceVerify: 'device.verify',
  deviceSendEmailCode: 'device.send-email-code',
  deviceApprove: 'device.approve',
  deviceDeny: 'device.deny',
  deviceCancel: 'device.cancel',
  deviceGetKeyEnvelope: 'device.get-key-envelope',
  deviceList: 'device.list',
  deviceRename: 'device.rename',
  deviceDisable: 'device.disable',
  deviceAuthorizeEvents: 'device.authorize-events',
  deviceGetMailRecipient: 'device.get-mail-recipient',

  verificationPing: 'verification.ping',
  verificationIssueCode: 'verification.issue-code',
  verificationCheckCode: 'verification.check-code',
  verificationVoidCodes: 'verification.void-codes',
  verificationMissingCodes: 'verification.missing-codes',

  notificationPing: 'notification.ping',

  workspaceListDevices: 'device.workspace.list-devices',
  workspaceDisableDevice: 'device.workspace.disable-device',
  workspaceDeprovisionUser: 'device.workspace.deprovision-user',
  workspaceDeprovisionUsers: 'device.workspace.deprovision-users',
  workspaceGetJob: 'device.workspace.get-job',
  workspaceListAudit: 'device.workspace.list-audit',
  workspaceCreateScimToken: 'device.workspace.create-scim-token',
  workspaceRevokeScimToken: 'device.workspace.revoke-scim-token',
  workspaceListScimTokens: 'device.workspace.list-scim-tokens',

  scimAuthenticate: 'device.scim.authenticate',
  scimGetUser: 'device.scim.get-user',
  scimFindUsers: 'device.scim.find-users',
  scimDeactivateUser: 'device.scim.deactivate-user',
  scimDeactivateUsers: 'device.scim.deactivate-users',
} as const;
export type Command = (typeof Command)[keyof typeof Command];

/** Request and reply types of each command, so `bus.request()` is typed end to end. */
export interface CommandTypes {
  'device.ping': { request: PingRequest; reply: PingReply };
  'device.get-session': { request: D.GetSessionRequest; reply: D.GetSessionReply };
  'device.setup': { request: D.SetupDeviceRequest; reply: D.SetupDeviceReply };
  'device.verify': { request: D.VerifyDeviceRequest; reply: D.DeviceReply };
  'device.send-email-code': { request: D.DeviceActionRequest; reply: D.SendEmailCodeReply };
  'device.approve': { request: D.ApproveDeviceRequest; reply: D.DeviceReply };
  'device.deny': { request: D.DeviceActionRequest; reply: D.DeviceReply };
  'device.cancel': { request: D.DeviceActionRequest; reply: D.EmptyReply };
  'device.get-key-envelope': { request: D.GetKeyEnvelopeRequest; reply: D.GetKeyEnvelopeReply };
  'device.list': { request: D.ListDevicesRequest; reply: D.ListDevicesReply };
  'device.rename': { request: D.RenameDeviceRequest; reply: D.DeviceReply };
  'device.disable': { request: D.DeviceActionRequest; reply: D.DeviceReply };
  'device.authorize-events': { request: D.AuthorizeEventsRequest; reply: D.AuthorizeEventsReply };
  'device.get-mail-recipient': { request: D.GetMailRecipientRequest; reply: D.GetMailRecipientReply };

  'verification.ping': { request: PingRequest; reply: PingReply };
  'verification.issue-code': { request: V.IssueCodeRequest; reply: V.IssueCodeReply };
  'verification.check-code': { request: V.CheckCodeRequest; reply: V.CheckCodeReply };
  'verification.void-codes': { request: V.VoidCodesRequest; reply: V.VoidCodesReply };
  'verification.missing-codes': { request: V.MissingCodesRequest; reply: V.MissingCodesReply };

  'notification.ping': { request: PingRequest; reply: PingReply };

  'device.workspace.list-devices': { request: W.WorkspaceListDevicesRequest; reply: W.WorkspaceListDevicesReply };
  'device.workspace.disable-device': { request: W.WorkspaceDeviceActionRequest; reply: W.WorkspaceDeviceReply };
  'device.workspace.deprovision-user': { request: W.DeprovisionUserRequest; reply: W.DeprovisionUserReply };
  'device.workspace.deprovision-users': { request: W.DeprovisionUsersRequest; reply: W.DeprovisionUsersReply };
  'device.workspace.get-job': { request: W.GetJobRequest; reply: W.JobView };
  'device.workspace.list-audit': { request: W.ListAuditRequest; reply: W.ListAuditReply };
  'device.workspace.create-scim-token': { request: W.CreateScimTokenRequest; reply: W.CreateScimTokenReply };
  'device.workspace.revoke-scim-token': { request: W.RevokeScimTokenRequest; reply: D.EmptyReply };
  'device.workspace.list-scim-tokens': { request: W.ListScimTokensRequest; reply: W.ListScimTokensReply };

  'device.scim.authenticate': { request: W.ScimAuthenticateRequest; reply: W.ScimAuthenticateReply };
  'device.scim.get-user': { request: W.ScimUserRequest; reply: W.ScimUserReply };
  'device.scim.find-users': { request: W.ScimFindUsersRequest; reply: W.ScimFindUsersReply };
  'device.scim.deactivate-user': { request: W.ScimUserRequest; reply: W.ScimDeactivateUserReply };
  'device.scim.deactivate-users': { request: W.ScimDeactivateUsersRequest; reply: W.ScimDeactivateUsersReply };
}

export type RequestOf<C extends Command> = CommandTypes[C]['request'];
export type ReplyOf<C extends Command> = CommandTypes[C]['reply'];

/** The services on the bus: each is a NATS queue group of this name (OPS-5). */
export const Service = {
  gateway: 'gateway',
  device: 'device-service',
  verification: 'verification-service',
  notification: 'notification-service',
} as const;
export type Service = (typeof Service)[keyof typeof Service];

/** The ping command of each service that `/health/ready` asks. */
export const PING_COMMANDS = {
  [Service.device]: Command.devicePing,
  [Service.verification]: Command.verificationPing,
  [Service.notification]: Command.notificationPing,
} as const;

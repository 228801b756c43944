import { Injectable, Logger } from '@nestjs/common';
import { BusClient, DomainError } from '@td/common';
import {
  Command,
  ErrorCode,
  type CodeReason,
  type DeviceReply,
  type EmptyReply,
  type GetKeyEnvelopeReply,
  type SendEmailCodeReply,
} from '@td/contracts';
import { requireProof, requireTrustedDevice, type CallerContext } from '../users/caller-context';
import { CallerResolver } from '../users/caller-resolver';
import { byCaller, type HistoryActor } from './device-history';
import { assertMayTransition, DeviceLifecycle, mayTransition } from './device-lifecycle';
import type { Device } from './device.entity';
import { toDeviceView } from './device.view';
import { DevicesRepository } from './devices.repository';
import type { ApproveDeviceDto, CallerCommandDto, DeviceActionDto, VerifyDeviceDto } from './dto/device-commands.dto';
import { KEY_ENVELOPE_MAX_BYTES } from './dto/device-commands.dto';
import { LockedDeviceChange, type LockedDevice } from './locked-device-change';

/** How a pending device becomes approved, denied or cancelled: CODE-3/4, APPROVE-2/3/6. */
@Injectable()
export class DeviceConfirmationService {
  private readonly logger = new Logger(DeviceConfirmationService.name);

  constructor(
    private readonly callers: CallerResolver,
    private readonly devices: DevicesRepository,
    private readonly change: LockedDeviceChange,
    private readonly lifecycle: DeviceLifecycle,
    private readonly bus: BusClient,
  ) {}

  /**
   * CODE-3: a right code from the pending device itself approves it. The code is used up by the
   * approval's commit (a device no longer pending takes no code), not by the check: a verify whose
   * approval did not commit — the database failed, this process died, a reply was lost — leaves the
   * code working for the retry. After the commit the code is left to expire (CODE-1: minutes): it can
   * approve nothing, its device being pending no more, and voiding it cost every verify another
   * round trip through verification-service and Redis (issue 12).
   *
   * A code works once (CODE-3): a verify repeated after the approval committed is 409 like any
   * other, whatever code it carries. A client that lost the answer retries with the same
   * Idempotency-Key (the stored answer) or reads the device to see whether it took effect.
   */
  async verify(request: VerifyDeviceDto): Promise<DeviceReply> {
    const context = await this.callers.resolve(request.caller);
    const device = callingDeviceItself(context, request.deviceId);
    assertMayTransition('verify', device);
    // Errors (code_invalid + attemptsRemaining, code_expired, too_many_attempts) pass through as they are.
    await this.bus.request(Command.verificationCheckCode, { userId: context.user.id, deviceId: device.id, code: request.code, keep: true });
    return this.change.run(context.user.id, device.id, async ({ tx, user, device: locked }) => {
      await this.lifecycle.change(tx, 'verify', { device: locked, owner: user }, byCaller(user, locked.id, request.caller), {
        approvedVia: 'email_code',
        approvedBy: null,
      });
      return { device: toDeviceView(locked, locked.id) };
    });
  }

  /** CODE-4: a fresh code; also the way out of waiting for an approver ("I don't have access to my trusted device"). */
  async sendEmailCode(request: DeviceActionDto): Promise<SendEmailCodeReply> {
    const context = await this.callers.resolve(request.caller);
    const device = callingDeviceItself(context, request.deviceId);
    assertMayTransition('sendEmailCode', device);
    return this.change.run(context.user.id, device.id, async (locked) => {
      const expiresAt = await this.mailCode(locked, 'resend', byCaller(locked.user, locked.device.id, request.caller));
      return { device: toDeviceView(locked.device, locked.device.id), verification: { method: 'email_code', expiresAt } };
    });
  }

  /**
   * Issue 10: a device waiting for a code that vanished (Redis lost its data, and the queued mail with
   * it) gets a fresh one mailed, as its user would otherwise wait for a mail that never comes. Under
   * the device's lock, and only if its code is still missing then: instances sweeping together send one.
   * Answers whether it sent one.
   */
  async resendLostCode(userId: string, deviceId: string): Promise<boolean> {
    return this.change.run(userId, deviceId, async (locked) => {
      const { device } = locked;
      if (
        device.status !== 'pending_verification' ||
        !mayTransition('sendEmailCode', device) ||
        !device.codeExpiresAt ||
        device.codeExpiresAt <= new Date()
      )
        return false;
      const { missing } = await this.bus.request(Command.verificationMissingCodes, { deviceIds: [device.id] });
      if (missing.length === 0) return false;
      await this.mailCode(locked, 'lost', { actor: { userId: null, deviceId: null }, origin: { ip: null, userAgent: null } });
      return true;
    });
  }

  /** A fresh code for the locked pending device, mailed; answers when it expires. */
  private async mailCode({ tx, user, device }: LockedDevice, reason: CodeReason, by: HistoryActor): Promise<string> {
    // From pending_approval, every open list of the user's devices hears of the switch (their Approve no longer applies).
    await this.lifecycle.change(tx, 'sendEmailCode', { device, owner: user }, by);
    // Inside the transaction: a refused code (rate_limited, 503) leaves the device as it was.
    const { expiresAt } = await this.bus.request(Command.verificationIssueCode, {
      reason,
      workspaceId: user.workspaceId,
      userId: user.id,
      deviceId: device.id,
      email: user.email,
      device: { name: device.name, clientType: device.clientType, os: device.os, browser: device.browser },
    });
    await this.devices.update(tx, device, { codeExpiresAt: new Date(expiresAt) });
    return expiresAt;
  }

  /** APPROVE-2/3: a trusted web or mobile device of the same user approves, optionally sealing the vault key for it. */
  async approve(request: ApproveDeviceDto): Promise<DeviceReply> {
    if (typeof request.keyEnvelope === 'string' && Buffer.byteLength(request.keyEnvelope, 'utf8') > KEY_ENVELOPE_MAX_BYTES) {
      throw DomainError.of(ErrorCode.validationFailed, 'The key envelope is larger than 8 KiB.', {
        extensions: { errors: [{ field: 'keyEnvelope', message: 'keyEnvelope must be at most 8 KiB' }] },
      });
    }
    return this.decide(request, 'approved', request.keyEnvelope ?? null);
  }

  /** APPROVE-2: as approve, the request ends denied. */
  deny(request: DeviceActionDto): Promise<DeviceReply> {
    return this.decide(request, 'denied', null);
  }

  /** APPROVE-6: only the device that asked can withdraw its own pending request. */
  async cancel(request: DeviceActionDto): Promise<EmptyReply> {
    const context = await this.callers.resolve(request.caller);
    callingDeviceItself(context, request.deviceId);
    await this.change.run(context.user.id, request.deviceId, async ({ tx, user, device }) => {
      await this.lifecycle.change(tx, 'cancel', { device, owner: user }, byCaller(user, device.id, request.caller));
    });
    return { ok: true };
  }

  /** APPROVE-3: the envelope goes to the approved device it was sealed for, and to no other. */
  async keyEnvelope(request: CallerCommandDto): Promise<GetKeyEnvelopeReply> {
    const context = await this.callers.resolve(request.caller);
    const device = requireTrustedDevice(context, 'approved');
    if (device.keyEnvelope === null) throw DomainError.notFound('A key envelope for this device');
    return { keyEnvelope: device.keyEnvelope, approvedBy: device.approvedBy };
  }

  private async decide(request: DeviceActionDto, outcome: 'approved' | 'denied', keyEnvelope: string | null): Promise<DeviceReply> {
    const context = await this.callers.resolve(request.caller);
    const approver = requireTrustedDevice(context, 'approver');
    return this.change.run(
      context.user.id,
      request.deviceId,
      async ({ tx, user, device, alsoLocked: stillTrusted }) => {
        // Re-read under the user's lock (locked with it): an approver disabled a moment ago no longer approves (KEY-5).
        if (stillTrusted?.status !== 'approved')
          throw DomainError.of(ErrorCode.trustedSessionRequired, 'This device is no longer trusted.');
        // APPROVE-2: a device no longer pending (approved already, by this approver too) is 409 invalid_device_state.
        const by = byCaller(user, approver.id, request.caller);
        if (outcome === 'approved') {
          await this.lifecycle.change(tx, 'approve', { device, owner: user }, by, {
            approvedVia: 'device',
            approvedBy: approver.id,
            keyEnvelope,
          });
        } else {
          await this.lifecycle.change(tx, 'deny', { device, owner: user }, by);
        }
        return { device: toDeviceView(device, approver.id) };
      },
      approver.id,
    );
  }
}

/**
 * Verify, email-code and cancel act on the calling device's own request, proven by its
 * key. A device id that is not the proof's own device — another user's, or another of
 * the user's devices — is 404: this key has no such request, and API.md lists 404 (not
 * 403) for these endpoints. Nothing reveals whether the id exists.
 */
function callingDeviceItself(context: CallerContext, deviceId: string): Device {
  requireProof(context);
  if (!context.device || context.device.id !== deviceId) throw DomainError.notFound('The device');
  return context.device;
}

import { Injectable } from '@nestjs/common';
import { BusClient, DomainError } from '@td/common';
import { Command, DomainEvent, ErrorCode, type SetupDeviceReply, type Verification } from '@td/contracts';
import { createHash, randomUUID } from 'node:crypto';
import { AuditAction } from '../audit/audit.log';
import { DeviceServiceConfig } from '../config';
import { Transactions } from '../database/transactions';
import { requireProof } from '../users/caller-context';
import { assertNotDeprovisioned, CallerResolver } from '../users/caller-resolver';
import type { CallerContext } from '../users/caller-context';
import type { User } from '../users/user.entity';
import { UsersRepository } from '../users/users.repository';
import { byCaller, DeviceHistory } from './device-history';
import { Device } from './device.entity';
import { toDeviceView } from './device.view';
import { DevicesRepository } from './devices.repository';
import { isOpenRequest } from './locked-device-change';
import type { SetupDeviceDto } from './dto/device-commands.dto';
import { defaultDeviceName, describeUserAgent, nameCandidate, normaliseDeviceName } from './rules/device-name';
import { fingerprintOf } from './rules/fingerprint';
import { chooseVerificationMethod } from './rules/verification-method';

/** SETUP-1…4, SETUP-6: registers the calling client app's key as a new, pending device. */
@Injectable()
export class DeviceSetupService {
  constructor(
    private readonly config: DeviceServiceConfig,
    private readonly callers: CallerResolver,
    private readonly users: UsersRepository,
    private readonly devices: DevicesRepository,
    private readonly transactions: Transactions,
    private readonly history: DeviceHistory,
    private readonly bus: BusClient,
  ) {}

  async setup(request: SetupDeviceDto): Promise<SetupDeviceReply> {
    const context = await this.callers.resolve(request.caller);
    const proof = requireProof(context);
    const requestedName = typeof request.name === 'string' ? normaliseDeviceName(request.name) : null;
    const setupRequest = setupRequestDigest(request.clientType, requestedName);
    if (context.device) return this.retried(context, context.device, setupRequest);
    const { os, browser } = describeUserAgent(request.caller.userAgent);

    return this.transactions.run(async (tx) => {
      // The user's row lock makes count-then-insert atomic per user (SETUP-3) and orders
      // this setup against a deprovisioning (DEPROV-2).
      const user = await this.users.lockForUpdate(tx, context.user.id);
      assertNotDeprovisioned(user);
      const candidates = this.nameCandidates(user, requestedName, request.clientType, os, browser);
      const since = new Date(Date.now() - SETUP_WINDOW_MS);
      const checks = await this.devices.setupChecks(tx, user.id, proof.jkt, candidates, {
        since,
        maxPerWindow: this.config.devices.setupMaxPerHour,
      });
      if (checks.keyRegistered) throw keyRegistered();
      if (checks.limitingSetupAt !== null) throw tooManySetups(checks.limitingSetupAt);
      if (checks.registeredCount >= this.config.devices.maxPerUser) {
        throw DomainError.of(
          ErrorCode.deviceLimitReached,
          `You already have ${this.config.devices.maxPerUser} devices, the most allowed. Disable a device you no longer use first, then set up this one.`,
        );
      }
      // SETUP-2: the requested name if free, else device_name_taken; or the first free default name.
      if (checks.freeName === null) throw nameTaken();
      const name = checks.freeName;
      const decision = chooseVerificationMethod(request.clientType, checks.approvedClientTypes);
      const id = randomUUID();
      let verification: Verification;
      if (decision.method === 'approval') {
        verification = decision;
      } else {
        // Before the insert, so the device is written once, with its code's expiry. If no code can be sent
        // (503, rate_limited) the setup rolls back; a code whose device then fails to commit is never mailed
        // (the mail waits for a device that waits for a code).
        const { expiresAt } = await this.bus.request(Command.verificationIssueCode, {
          reason: 'setup',
          workspaceId: user.workspaceId,
          userId: user.id,
          deviceId: id,
          email: user.email,
          device: { name, clientType: request.clientType, os, browser },
        });
        verification = { method: 'email_code', expiresAt };
      }
      const now = new Date();
      const device = Object.assign(new Device(), {
        id,
        userId: user.id,
        workspaceId: user.workspaceId,
        name,
        clientType: request.clientType,
        os,
        browser,
        keyThumbprint: proof.jkt,
        publicJwk: { kty: proof.jwk.kty, crv: proof.jwk.crv, x: proof.jwk.x, y: proof.jwk.y },
        fingerprint: fingerprintOf(proof.jkt),
        status: decision.method === 'email_code' ? 'pending_verification' : 'pending_approval',
        createdAt: now,
        expiresAt: new Date(now.getTime() + this.config.devices.pendingTtlSeconds * 1000),
        approvedAt: null,
        approvedVia: null,
        approvedBy: null,
        deniedAt: null,
        disabledAt: null,
        disabledBy: null,
        lastSeenAt: null,
        // The approver sees where the request comes from (APPROVE-5); trusted requests update it later (MANAGE-1).
        lastIp: request.caller.ip?.slice(0, 64) ?? null,
        createdIp: request.caller.ip?.slice(0, 64) ?? null,
        keyEnvelope: null,
        setupRequest,
        codeExpiresAt: verification.method === 'email_code' ? new Date(verification.expiresAt) : null,
      } satisfies Device);
      // The device, its audit entries and its event in one statement.
      const base = { device, owner: user, ...byCaller(user, device.id, request.caller) };
      const history =
        decision.method === 'approval'
          ? { ...base, actions: [AuditAction.deviceSetup], event: DomainEvent.deviceApprovalRequested }
          : { ...base, actions: [AuditAction.deviceSetup, AuditAction.deviceCodeSent], event: null };
      await this.devices.insert(tx, device, this.history.statements([history]));
      return { device: toDeviceView(device, device.id), verification };
    });
  }

  /**
   * A setup whose key is registered already. It is a retry — the same user, the same body, the device
   * it created still pending — when the first answer was lost (a reset, a gateway killed after the
   * commit): it gets that answer again, marked `retried`, and changes nothing. Any other reuse of the
   * key is refused (KEY-4, SETUP-6).
   */
  private async retried(context: CallerContext, device: Device, setupRequest: string): Promise<SetupDeviceReply> {
    const now = new Date();
    const pending = isOpenRequest(device, 'pending_verification', now) || isOpenRequest(device, 'pending_approval', now);
    if (!pending || device.userId !== context.user.id || device.setupRequest !== setupRequest) throw keyRegistered();
    let verification: Verification;
    if (device.status === 'pending_approval') {
      const decision = chooseVerificationMethod(device.clientType, await this.devices.approvedClientTypes(device.userId));
      verification = decision.method === 'approval' ? decision : { method: 'approval', approvers: [] };
    } else {
      // Without a code on record (none sent yet), there is no first answer to repeat.
      if (!device.codeExpiresAt) throw keyRegistered();
      verification = { method: 'email_code', expiresAt: device.codeExpiresAt.toISOString() };
    }
    return { device: toDeviceView(device, device.id), verification, retried: true };
  }

  /** SETUP-2: the requested name alone, or the default name and its suffixed forms, in order of preference. */
  private nameCandidates(
    user: User,
    requestedName: string | null,
    clientType: Device['clientType'],
    os: string,
    browser: string,
  ): string[] {
    if (requestedName !== null) return [requestedName];
    const base = defaultDeviceName(user.username, clientType, os, browser);
    // At most MAX registered devices hold names, so one of MAX + 1 candidates is free.
    return Array.from({ length: this.config.devices.maxPerUser + 1 }, (_, i) => nameCandidate(base, i + 1));
  }
}

/** SEC-5: setups are counted over a rolling hour. */
const SETUP_WINDOW_MS = 3600_000;

function tooManySetups(limitingSetupAt: Date): DomainError {
  const retryAfter = Math.max(1, Math.ceil((limitingSetupAt.getTime() + SETUP_WINDOW_MS - Date.now()) / 1000));
  return DomainError.of(ErrorCode.rateLimited, 'Too many devices were set up in the last hour; try again later.', { retryAfter });
}

/** What makes two setups "the same body": the client app and the requested name (normalised), if any. */
function setupRequestDigest(clientType: Device['clientType'], requestedName: string | null): string {
  return createHash('sha256')
    .update(JSON.stringify([clientType, requestedName]))
    .digest('hex');
}

export function keyRegistered(): DomainError {
  return DomainError.of(ErrorCode.deviceKeyRegistered, 'This key was registered before; make a new key for this device.');
}

export function nameTaken(): DomainError {
  return DomainError.of(ErrorCode.deviceNameTaken, 'You already have a device with this name.');
}

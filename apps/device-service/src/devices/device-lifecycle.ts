import { Injectable } from '@nestjs/common';
import { DomainEvent, PENDING_STATUSES, REGISTERED_STATUSES, type DeviceStatus, type DisabledBy } from '@td/contracts';
import type { EntityManager } from 'typeorm';
import { AuditAction } from '../audit/audit.log';
import type { User } from '../users/user.entity';
import { DeviceHistory, type HistoryActor } from './device-history';
import type { Device } from './device.entity';
import { DevicesRepository } from './devices.repository';
import { invalidState } from './locked-device-change';

/**
 * The device state machine (PRODUCT.md "Device status"): every status a device may move
 * to from each status. Nothing else changes a device's status.
 */
export const ALLOWED_TRANSITIONS: Readonly<Record<DeviceStatus, readonly DeviceStatus[]>> = {
  pending_verification: ['approved', 'expired', 'disabled'],
  pending_approval: ['pending_verification', 'approved', 'denied', 'expired', 'disabled'],
  approved: ['disabled'],
  denied: ['disabled'],
  expired: ['disabled'],
  disabled: [],
};

/** Whether a pending request's deadline (SETUP-5) matters: it must not have passed, it must have, or either. */
type Deadline = 'open' | 'lapsed' | 'any';

export interface TransitionRule {
  from: readonly DeviceStatus[];
  to: DeviceStatus;
  deadline: Deadline;
  /** The audit entry it leaves (ADMIN-3). */
  audit: AuditAction;
  /** The durable event other services hear of it by, if any: written when the status actually changes. */
  event: DomainEvent | null;
  /** Says, in an invalid_device_state error, what the device would have to be. */
  expects: string;
}

/**
 * Every path that changes a device's status, by name. A target equal to the device's
 * status changes no status (a fresh code for a device already waiting for one): it
 * still leaves its audit entry, but no event.
 */
export const DEVICE_TRANSITIONS = {
  /** CODE-3: the right code from the pending device itself. */
  verify: {
    from: ['pending_verification'],
    to: 'approved',
    deadline: 'open',
    audit: AuditAction.deviceVerified,
    event: DomainEvent.deviceApproved,
    expects: 'waiting for its email code',
  },
  /** CODE-4: a fresh code; also the way out of waiting for an approver (the switch is announced, a resend is not). */
  sendEmailCode: {
    from: PENDING_STATUSES,
    to: 'pending_verification',
    deadline: 'open',
    audit: AuditAction.deviceCodeSent,
    event: DomainEvent.deviceVerificationRequested,
    expects: 'pending',
  },
  /** APPROVE-2: a trusted device of the same user approves. */
  approve: {
    from: ['pending_approval'],
    to: 'approved',
    deadline: 'open',
    audit: AuditAction.deviceApproved,
    event: DomainEvent.deviceApproved,
    expects: 'pending approval',
  },
  /** APPROVE-2: or denies. */
  deny: {
    from: ['pending_approval'],
    to: 'denied',
    deadline: 'open',
    audit: AuditAction.deviceDenied,
    event: DomainEvent.deviceDenied,
    expects: 'pending approval',
  },
  /** APPROVE-6: the asking device withdraws its own request. */
  cancel: {
    from: PENDING_STATUSES,
    to: 'expired',
    deadline: 'any',
    audit: AuditAction.deviceExpired,
    event: DomainEvent.deviceExpired,
    expects: 'pending',
  },
  /** SETUP-5: the sweep, once the deadline has passed. */
  expire: {
    from: PENDING_STATUSES,
    to: 'expired',
    deadline: 'lapsed',
    audit: AuditAction.deviceExpired,
    event: DomainEvent.deviceExpired,
    expects: 'pending',
  },
  /** MANAGE-3 (the user's web app), ADMIN-2 (an admin): for good. */
  disable: {
    from: ['pending_verification', 'pending_approval', 'approved', 'denied', 'expired'],
    to: 'disabled',
    deadline: 'any',
    audit: AuditAction.deviceDisabled,
    event: DomainEvent.deviceDisabled,
    expects: 'not disabled yet',
  },
  /** DEPROV-1: the cascade disables every registered device of a deprovisioned user (one event per user and batch). */
  deprovision: {
    from: REGISTERED_STATUSES,
    to: 'disabled',
    deadline: 'any',
    audit: AuditAction.deviceDisabled,
    event: DomainEvent.devicesDeprovisioned,
    expects: 'registered',
  },
} as const satisfies Record<string, TransitionRule>;

export type TransitionName = keyof typeof DEVICE_TRANSITIONS;

/** Whether `name` may move this device now. */
export function mayTransition(name: TransitionName, device: Pick<Device, 'status' | 'expiresAt'>, now = new Date()): boolean {
  const rule: TransitionRule = DEVICE_TRANSITIONS[name];
  if (!rule.from.includes(device.status)) return false;
  if (rule.deadline === 'any' || !PENDING_STATUSES.includes(device.status) || device.expiresAt === null) return rule.deadline !== 'lapsed';
  const lapsed = device.expiresAt <= now;
  return rule.deadline === 'lapsed' ? lapsed : !lapsed;
}

/** Throws invalid_device_state unless `name` may move this device now. */
export function assertMayTransition(name: TransitionName, device: Device): void {
  if (!mayTransition(name, device)) throw invalidState(device, DEVICE_TRANSITIONS[name].expects);
}

/** The timestamp a status records when a device reaches it. */
function stamps(to: DeviceStatus, now: Date): Partial<Device> {
  switch (to) {
    case 'approved':
      return { approvedAt: now };
    case 'denied':
      return { deniedAt: now };
    case 'disabled':
      return { disabledAt: now };
    default:
      return {};
  }
}

export type DeviceOwner = Pick<User, 'id' | 'email' | 'username'>;

/** `disable`'s `disabledBy` when one of the owner's own devices does it (its name as it is now): the disabled device can tell why. */
export const disabledFrom = (device: Pick<Device, 'id' | 'name'>): DisabledBy => ({
  kind: 'device',
  deviceId: device.id,
  deviceName: device.name,
});

/**
 * The one way a device's status changes: the new status (checked against the table), its
 * audit entry and its outbox event, all in the caller's transaction.
 */
@Injectable()
export class DeviceLifecycle {
  constructor(
    private readonly devices: DevicesRepository,
    private readonly history: DeviceHistory,
  ) {}

  /**
   * One locked device. `fields` are what the path adds to the new status (who approved,
   * the key envelope…, who disabled it). Answers the device as it now is.
   */
  async change(
    tx: EntityManager,
    name: TransitionName,
    target: { device: Device; owner: DeviceOwner },
    by: HistoryActor,
    fields: Partial<Device> = {},
  ): Promise<Device> {
    const { device, owner } = target;
    assertMayTransition(name, device);
    const rule: TransitionRule = DEVICE_TRANSITIONS[name];
    const moves = device.status !== rule.to;
    if (!moves) {
      await this.history.write(tx, [{ device, owner, actions: [rule.audit], event: null, ...by }]);
      return device;
    }
    // The new status, its audit entry and its event in one statement.
    return this.devices.update(tx, device, { status: rule.to, ...stamps(rule.to, new Date()), ...fields }, (moved) =>
      this.history.statements([{ device: moved, owner, actions: [rule.audit], event: rule.event, ...by }]),
    );
  }

  /**
   * Many devices at once (the sweep, the cascade): `move` changes their status in one
   * statement, from and to the statuses the table gives it, and answers the moved
   * devices; their audit entries and events follow in the same transaction.
   */
  async changeMany<T extends { device: Device; owner: DeviceOwner }>(
    tx: EntityManager,
    name: TransitionName,
    move: (from: readonly DeviceStatus[], to: DeviceStatus) => Promise<T[]>,
    by: (moved: T) => HistoryActor,
  ): Promise<T[]> {
    const rule: TransitionRule = DEVICE_TRANSITIONS[name];
    const moved = await move(rule.from, rule.to);
    await this.history.write(
      tx,
      moved.map((entry) => ({ device: entry.device, owner: entry.owner, actions: [rule.audit], event: rule.event, ...by(entry) })),
    );
    return moved;
  }
}

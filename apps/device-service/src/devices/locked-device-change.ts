import { Injectable } from '@nestjs/common';
import { DomainError } from '@td/common';
import { ErrorCode, type DeviceStatus } from '@td/contracts';
import type { EntityManager } from 'typeorm';
import { Transactions } from '../database/transactions';
import { assertNotDeprovisioned } from '../users/caller-resolver';
import type { User } from '../users/user.entity';
import { UsersRepository } from '../users/users.repository';
import type { Device } from './device.entity';

export interface LockedDevice {
  tx: EntityManager;
  user: User;
  device: Device;
  /** The device `run` was asked to lock as well (an approver), null when the user has no such device. */
  alsoLocked: Device | null;
}

/**
 * The one way a command changes a device: in a transaction that locks the owner's row
 * (then the device's), re-checks that the owner is not deprovisioned and re-reads the
 * device, so a decision made before the lock cannot act on a stale state (DEPROV-2, KEY-5).
 */
@Injectable()
export class LockedDeviceChange {
  constructor(
    private readonly users: UsersRepository,
    private readonly transactions: Transactions,
  ) {}

  /** `alsoLock`: another of the user's devices to lock and re-read with it (the approver deciding on `deviceId`). */
  run<T>(userId: string, deviceId: string, work: (locked: LockedDevice) => Promise<T>, alsoLock?: string): Promise<T> {
    return this.transactions.run(async (tx) => {
      // The user's row, then the devices', in one round trip.
      const { user, devices } = await this.users.lockWithDevices(tx, userId, alsoLock === undefined ? [deviceId] : [deviceId, alsoLock]);
      assertNotDeprovisioned(user);
      const device = devices.find((locked) => locked.id === deviceId);
      if (!device) throw DomainError.notFound('The device');
      return work({
        tx,
        user,
        device,
        alsoLocked: alsoLock === undefined ? null : (devices.find((locked) => locked.id === alsoLock) ?? null),
      });
    });
  }
}

/** A pending request that has not lapsed yet (SETUP-5: the sweeper may not have marked it expired). */
export function isOpenRequest(device: Device, status: DeviceStatus, now = new Date()): boolean {
  return device.status === status && (device.expiresAt === null || device.expiresAt > now);
}

export function invalidState(device: Device, expected: string): DomainError {
  const lapsed =
    (device.status === 'pending_verification' || device.status === 'pending_approval') &&
    device.expiresAt &&
    device.expiresAt <= new Date();
  const now = lapsed ? 'expired' : device.status;
  return DomainError.of(ErrorCode.invalidDeviceState, `The device is ${now.replace('_', ' ')}; this needs a device that is ${expected}.`, {
    extensions: { status: now },
  });
}

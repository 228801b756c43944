import { randomBytes, randomUUID } from 'node:crypto';
import type { DeviceStatus } from '@td/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import { Device } from '../../src/devices/device.entity';
import { User } from '../../src/users/user.entity';

/**
 * Rows written straight into device-service's tables, for integration tests of
 * the parts that read them (outbox, expiry, workspace, deprovisioning). Fresh
 * users and workspaces each time (STYLE.md 8).
 */
export async function insertUser(db: DataSource | EntityManager, overrides: Partial<User> = {}): Promise<User> {
  const id = randomUUID().slice(0, 8);
  const user = Object.assign(new User(), {
    id: randomUUID(),
    workspaceId: `ws-${id}`,
    subject: `user-${id}`,
    email: `user-${id}@example.test`,
    username: `user${id}`,
    role: 'member',
    deprovisionedAt: null,
    ...overrides,
  });
  await db.getRepository(User).insert(user);
  return user;
}

export function deviceRow(user: User, overrides: Partial<Device> = {}): Device {
  const status: DeviceStatus = overrides.status ?? 'approved';
  const pending = status === 'pending_verification' || status === 'pending_approval';
  const now = new Date();
  return Object.assign(new Device(), {
    id: randomUUID(),
    userId: user.id,
    workspaceId: user.workspaceId,
    name: `device ${randomBytes(4).toString('hex')}`,
    clientType: 'web',
    os: 'macOS',
    browser: 'Chrome',
    keyThumbprint: randomBytes(32).toString('base64url'),
    publicJwk: { kty: 'EC', crv: 'P-256', x: randomBytes(32).toString('base64url'), y: randomBytes(32).toString('base64url') },
    fingerprint: 'maple orbit crane velvet tundra',
    status,
    createdAt: now,
    expiresAt: pending ? new Date(now.getTime() + 1800_000) : null,
    approvedAt: status === 'approved' ? now : null,
    approvedVia: status === 'approved' ? 'email_code' : null,
    approvedBy: null,
    deniedAt: null,
    disabledAt: null,
    disabledBy: null,
    lastSeenAt: null,
    lastIp: null,
    createdIp: '203.0.113.7',
    keyEnvelope: null,
    ...overrides,
  });
}

export async function insertDevice(db: DataSource | EntityManager, user: User, overrides: Partial<Device> = {}): Promise<Device> {
  const device = deviceRow(user, overrides);
  await db.getRepository(Device).insert(device);
  return device;
}

export async function insertDevices(
  db: DataSource | EntityManager,
  user: User,
  count: number,
  overrides: Partial<Device> = {},
): Promise<Device[]> {
  const devices = Array.from({ length: count }, () => deviceRow(user, overrides));
  if (devices.length) await db.getRepository(Device).insert(devices);
  return devices;
}

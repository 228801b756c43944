import type { DeviceView } from '@td/contracts';
import type { Device } from './device.entity';

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

/** The API's Device object (API.md) of a row; `current` marks the device that signed the request. */
export function toDeviceView(device: Device, currentDeviceId: string | null = null): DeviceView {
  return {
    id: device.id,
    name: device.name,
    clientType: device.clientType,
    os: device.os,
    browser: device.browser,
    fingerprint: device.fingerprint,
    lastIp: device.lastIp,
    status: device.status,
    createdAt: device.createdAt.toISOString(),
    approvedAt: iso(device.approvedAt),
    disabledAt: iso(device.disabledAt),
    disabledBy: device.disabledBy ?? null,
    lastSeenAt: iso(device.lastSeenAt),
    approvedVia: device.approvedVia,
    approvedBy: device.approvedBy,
    expiresAt: device.status === 'pending_verification' || device.status === 'pending_approval' ? iso(device.expiresAt) : null,
    current: currentDeviceId !== null && device.id === currentDeviceId,
  };
}

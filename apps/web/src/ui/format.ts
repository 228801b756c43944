import { defaultDeviceName, describeUserAgent, firstFreeName } from '../../../../libs/contracts/src/device-names';
import type { ClientType, Device, DeviceStatus } from '../api/types';

export const STATUS_LABEL: Record<DeviceStatus, string> = {
  pending_verification: 'Pending verification',
  pending_approval: 'Pending approval',
  approved: 'Approved',
  denied: 'Denied',
  disabled: 'Disabled',
  expired: 'Expired',
};

export const APP_LABEL: Record<ClientType, string> = { web: 'Web app', extension: 'Browser extension', mobile: 'Mobile app' };

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return 'Never';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** "in 4:59" style for countdowns; "0:00" once passed. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return `${minutes}:${String(seconds).padStart(2, '0')}`;
}

/** The name the service will register when the field is left as it is (SETUP-2): one rule, from libs/contracts. */
export function suggestedDeviceName(username: string, takenNames: readonly string[]): string {
  const { os, browser } = describeUserAgent(navigator.userAgent);
  return firstFreeName(defaultDeviceName(username, 'web', os, browser), takenNames);
}

/**
 * Who disabled a device and when (issue 13 item 7), in the help article's words: "from <device>",
 * "by an admin of your workspace", "automatically when … was deprovisioned". Empty unless disabled.
 */
export function disabledHow(
  device: Pick<Device, 'status' | 'disabledAt' | 'disabledBy'>,
  whose: 'your account' | 'the user' = 'your account',
): string {
  if (device.status !== 'disabled') return '';
  const when = device.disabledAt ? ` on ${formatTime(device.disabledAt)}` : '';
  switch (device.disabledBy?.kind) {
    case 'device':
      return `from ${device.disabledBy.deviceName}${when}`;
    case 'admin':
      return `by an admin of your workspace${when}`;
    case 'deprovisioning':
      return `automatically when ${whose} was deprovisioned${when ? `,${when}` : ''}`;
    default:
      return when.trim();
  }
}

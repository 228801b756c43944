import type { ClientType, DeviceStatus } from '../api/types';

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

/** Like the server's default name (SETUP-2): `{username} Web app - {OS}/{browser}`, from this browser's User-Agent. */
export function suggestedDeviceName(username: string): string {
  return `${username} Web app - ${osName(navigator.userAgent)}/${browserName(navigator.userAgent)}`;
}

function osName(ua: string): string {
  if (/Windows/.test(ua)) return 'Windows';
  if (/iPhone|iPad|iPod/.test(ua)) return 'iOS';
  if (/Mac OS X|Macintosh/.test(ua)) return 'macOS';
  if (/Android/.test(ua)) return 'Android';
  if (/CrOS/.test(ua)) return 'Chrome OS';
  if (/Ubuntu/.test(ua)) return 'Ubuntu';
  if (/Linux/.test(ua)) return 'Linux';
  return 'Unknown';
}

function browserName(ua: string): string {
  if (/Edg\//.test(ua)) return 'Edge';
  if (/OPR\//.test(ua)) return 'Opera';
  if (/HeadlessChrome\//.test(ua)) return 'Chrome Headless';
  if (/Chromium\//.test(ua)) return 'Chromium';
  if (/Chrome\//.test(ua)) return 'Chrome';
  if (/Firefox\//.test(ua)) return 'Firefox';
  if (/Safari\//.test(ua)) return 'Safari';
  return 'Unknown';
}

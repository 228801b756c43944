import type { ApprovalMethod, ClientType } from '@td/contracts';

/** The app names the help article uses (SETUP-2). */
export const CLIENT_APP_LABELS: Record<ClientType, string> = {
  web: 'Web app',
  extension: 'Browser extension',
  mobile: 'Mobile app',
};

/** How a device was approved, in the words of APPROVE-4's security email. */
export const APPROVAL_METHOD_LABELS: Record<ApprovalMethod, string> = {
  email_code: 'with a code sent to your email',
  device: 'from one of your trusted devices',
};

const UTC_TIME = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
  timeZone: 'UTC',
});

/** "28 Nov 2026, 14:05 UTC": we do not know the reader's time zone, so say which one it is. */
export function formatUtcTime(at: Date): string {
  return `${UTC_TIME.format(at)} UTC`;
}

/** "in 5 minutes", counted from when the mail is rendered (a retried mail says what is left). */
export function timeUntil(at: Date, now: Date): string {
  const minutes = Math.round((at.getTime() - now.getTime()) / 60_000);
  if (minutes < 1) return 'in less than a minute';
  return minutes === 1 ? 'in 1 minute' : `in ${minutes} minutes`;
}

/** "macOS/Chrome", as the setup dialog names devices. */
export function osAndBrowser(os: string, browser: string): string {
  return `${os || 'Unknown'}/${browser || 'Unknown'}`;
}

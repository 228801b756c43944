import type { ApprovalMethod, DeviceDescription } from '@td/contracts';
import type { EmailMessage } from './email-message';
import { emailDocument, factsTable, factsText, html } from './html';
import { APPROVAL_METHOD_LABELS, CLIENT_APP_LABELS, formatUtcTime, osAndBrowser } from './words';

export interface DeviceApprovedEmailInput {
  device: DeviceDescription;
  approvedVia: ApprovalMethod;
  approvedAt: Date;
  ip: string | null;
  /** Where the web app lives (PUBLIC_URL): devices are managed only there. */
  webAppUrl: string;
}

export const DEVICE_APPROVED_SUBJECT = 'A new device was added to your account';

/** Where "My trusted devices" lives in the web app. */
export function trustedDevicesUrl(webAppUrl: string): string {
  return `${webAppUrl.replace(/\/+$/, '')}/profile`;
}

/**
 * The security email sent whenever a device becomes approved (APPROVE-4): what
 * was added, from where, when, how it was approved, and how to disable it.
 */
export function deviceApprovedEmail(input: DeviceApprovedEmailInput): EmailMessage {
  const { device } = input;
  const manageUrl = trustedDevicesUrl(input.webAppUrl);
  const facts = [
    ['Device name', device.name],
    ['App', CLIENT_APP_LABELS[device.clientType]],
    ['Operating system/browser', osAndBrowser(device.os, device.browser)],
    ['IP address', input.ip ?? 'Unknown'],
    ['Time', formatUtcTime(input.approvedAt)],
    ['How it was approved', APPROVAL_METHOD_LABELS[input.approvedVia]],
  ] as const;
  const intro = 'A new trusted device was added to your account. It can now access your workspace as a trusted session.';
  const ifYou = 'If this was you, there is nothing more to do.';
  const notYouTitle = 'Was this not you?';
  const disableSteps =
    'Disable the device at once: in the web app, select My profile from the user profile menu, activate the My trusted devices tab, and disable the device.';
  const afterwards = 'Then consider changing your password and contact your workspace administrator.';

  const text = [
    DEVICE_APPROVED_SUBJECT,
    '',
    intro,
    '',
    factsText(facts),
    '',
    ifYou,
    '',
    notYouTitle,
    disableSteps,
    `My trusted devices: ${manageUrl}`,
    afterwards,
    '',
  ].join('\n');

  const body = html`<p>${intro}</p>
    ${factsTable(facts)}
    <p>${ifYou}</p>
    <h2 style="font-size:16px;margin:16px 0 8px">${notYouTitle}</h2>
    <p>${disableSteps}</p>
    <p>
      <a
        href="${manageUrl}"
        style="display:inline-block;background:#0b57d0;color:#ffffff;text-decoration:none;padding:10px 16px;border-radius:6px"
        >Open My trusted devices</a
      >
    </p>
    <p>${afterwards}</p>`;

  return { subject: DEVICE_APPROVED_SUBJECT, text, html: emailDocument(DEVICE_APPROVED_SUBJECT, body) };
}

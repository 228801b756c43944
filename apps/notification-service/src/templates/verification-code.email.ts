import type { DeviceDescription } from '@td/contracts';
import type { EmailMessage } from './email-message';
import { emailDocument, factsTable, factsText, html } from './html';
import { CLIENT_APP_LABELS, formatUtcTime, timeUntil } from './words';

export interface VerificationCodeEmailInput {
  code: string;
  expiresAt: Date;
  device: DeviceDescription;
  /** When the mail is rendered, for "expires in 5 minutes". */
  now: Date;
}

export const VERIFICATION_CODE_SUBJECT = 'Verify your device';

/**
 * The verification code email (CODE-2): the code, when it expires, which device
 * asked for it, and what to do if the reader did not.
 */
export function verificationCodeEmail(input: VerificationCodeEmailInput): EmailMessage {
  const { code, device } = input;
  const expiresIn = timeUntil(input.expiresAt, input.now);
  const expiresAt = formatUtcTime(input.expiresAt);
  const facts = [
    ['Device name', device.name],
    ['App', CLIENT_APP_LABELS[device.clientType]],
    ['Operating system', device.os || 'Unknown'],
    ['Browser', device.browser || 'Unknown'],
  ] as const;
  const intro =
    'You are setting up a trusted session on a new device. Enter this verification code in the Verification code field of the Verify your device dialog, then click Verify code.';
  const expiry = `The verification code expires ${expiresIn}, at ${expiresAt}.`;
  const notYouTitle = 'Did not ask for this code?';
  const notYou = [
    'Do not share this code with anyone. Trusted Devices will never ask you for it.',
    'If you did not ask for it, ignore this email: without the code, the device cannot be set up. Consider changing your password and contact your workspace administrator.',
  ];

  const text = [
    VERIFICATION_CODE_SUBJECT,
    '',
    intro,
    '',
    `Verification code: ${code}`,
    '',
    expiry,
    '',
    'The code was requested for this device:',
    factsText(facts),
    '',
    notYouTitle,
    ...notYou,
    '',
  ].join('\n');

  const body = html`<p>${intro}</p>
    <p style="margin:16px 0 4px">Verification code:</p>
    <p style="font-size:32px;font-weight:700;letter-spacing:6px;margin:0 0 16px;font-family:Menlo,Consolas,monospace">${code}</p>
    <p><strong>${expiry}</strong></p>
    <p>The code was requested for this device:</p>
    ${factsTable(facts)}
    <h2 style="font-size:16px;margin:16px 0 8px">${notYouTitle}</h2>
    ${notYou.map((line) => html`<p>${line}</p>`)}`;

  return { subject: VERIFICATION_CODE_SUBJECT, text, html: emailDocument(VERIFICATION_CODE_SUBJECT, body) };
}

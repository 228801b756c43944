import type { DeviceDescription } from '@td/contracts';
import { deviceApprovedEmail } from './device-approved.email';
import { escapeHtml, html } from './html';
import { verificationCodeEmail } from './verification-code.email';

const device: DeviceDescription = { name: 'alice Web app - macOS/Chrome', clientType: 'web', os: 'macOS', browser: 'Chrome' };
const hostileName = `<script>alert("x")</script> & 'Bob's' <b>phone</b>`;

/** Strips tags and decodes the entities we emit, so assertions read the HTML as a mail client shows it. */
function visibleText(markup: string): string {
  return markup
    .replace(/<[^>]*>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

describe('verification code email', () => {
  const now = new Date('2026-11-28T14:00:00Z');
  const render = (overrides: Partial<Parameters<typeof verificationCodeEmail>[0]> = {}) =>
    verificationCodeEmail({ code: '042817', expiresAt: new Date('2026-11-28T14:05:00Z'), device, now, ...overrides });

  it('CODE-2 says the code, when it expires, the device name, app, OS and browser, and what to do if not asked — in text and HTML', () => {
    const mail = render();
    expect(mail.subject).toBe('Verify your device');
    for (const body of [mail.text, visibleText(mail.html)]) {
      expect(body).toContain('042817');
      expect(body).toContain('expires in 5 minutes');
      expect(body).toContain('28 Nov 2026, 14:05 UTC');
      expect(body).toContain('alice Web app - macOS/Chrome');
      expect(body).toMatch(/App:? Web app/);
      expect(body).toContain('macOS');
      expect(body).toContain('Chrome');
      expect(body).toContain('Do not share this code');
      expect(body).toContain('If you did not ask for it, ignore this email');
      expect(body).toContain('changing your password');
      expect(body).toContain('administrator');
    }
  });

  it("CODE-2 names each client app in the help article's words", () => {
    expect(render({ device: { ...device, clientType: 'extension' } }).text).toContain('App: Browser extension');
    expect(render({ device: { ...device, clientType: 'mobile' } }).text).toContain('App: Mobile app');
    expect(render().text).toContain('App: Web app');
  });

  it('CODE-2 counts the expiry from when the mail is rendered (a retried mail says what is left)', () => {
    expect(render({ now: new Date('2026-11-28T14:02:00Z') }).text).toContain('expires in 3 minutes');
    expect(render({ now: new Date('2026-11-28T14:04:00Z') }).text).toContain('expires in 1 minute,');
    expect(render({ now: new Date('2026-11-28T14:04:45Z') }).text).toContain('expires in less than a minute');
  });

  it('CODE-2 the code is the first six-digit number of the text, as a reader finds it', () => {
    expect(/\b(\d{6})\b/.exec(render().text)?.[1]).toBe('042817');
  });

  it('CODE-2 escapes the device name (user input) in the HTML and keeps it verbatim in the text', () => {
    const mail = render({ device: { ...device, name: hostileName } });
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).not.toContain('<b>phone</b>');
    expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Bob&#39;s&#39; &lt;b&gt;phone&lt;/b&gt;');
    expect(visibleText(mail.html)).toContain(hostileName);
    expect(mail.text).toContain(`Device name: ${hostileName}`);
  });
});

describe('device approved security email', () => {
  const render = (overrides: Partial<Parameters<typeof deviceApprovedEmail>[0]> = {}) =>
    deviceApprovedEmail({
      device: { ...device, name: 'Work laptop', clientType: 'extension', os: 'Windows', browser: 'Edge' },
      approvedVia: 'device',
      approvedAt: new Date('2026-11-28T09:30:00Z'),
      ip: '203.0.113.7',
      webAppUrl: 'https://devices.example.test/',
      ...overrides,
    });

  it('APPROVE-4 says name, app, OS/browser, IP, time, how it was approved and how to disable it — in text and HTML', () => {
    const mail = render();
    expect(mail.subject).toBe('A new device was added to your account');
    for (const body of [mail.text, visibleText(mail.html)]) {
      expect(body).toContain('A new device was added to your account');
      expect(body).toContain('Work laptop');
      expect(body).toContain('Browser extension');
      expect(body).toContain('Windows/Edge');
      expect(body).toContain('203.0.113.7');
      expect(body).toContain('28 Nov 2026, 09:30 UTC');
      expect(body).toContain('from one of your trusted devices');
      expect(body).toContain('My profile');
      expect(body).toContain('My trusted devices');
      expect(body).toContain('disable the device');
    }
    expect(mail.text).toContain('https://devices.example.test/profile');
    expect(mail.html).toContain('href="https://devices.example.test/profile"');
  });

  it('APPROVE-4 says when the device was approved with the email code, and an unknown IP plainly', () => {
    const mail = render({ approvedVia: 'email_code', ip: null });
    expect(mail.text).toContain('How it was approved: with a code sent to your email');
    expect(mail.text).toContain('IP address: Unknown');
  });

  it('APPROVE-4 escapes the device name (user input) in the HTML', () => {
    const mail = render({ device: { ...device, name: hostileName } });
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&lt;script&gt;');
    expect(visibleText(mail.html)).toContain(hostileName);
    expect(mail.text).toContain(hostileName);
  });
});

describe('html tag', () => {
  it('escapes every interpolated string and keeps fragments built by the tag', () => {
    const inner = html`<em>${'a<b'}</em>`;
    expect(html`<p title="${'"q"'}">${inner}${[html`<i>${'&'}</i>`]}</p>`.value).toBe(
      '<p title="&quot;q&quot;"><em>a&lt;b</em><i>&amp;</i></p>',
    );
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });
});

import { randomUUID } from 'node:crypto';
import { waitUntil } from '@td/testing';
import {
  codeMailsFor,
  deviceRow,
  dialogTitle,
  expectFocus,
  openMyTrustedDevices,
  setUpFirstDevice,
  startSetup,
  successMessage,
  switchToEmailCode,
  verifyWithEmailedCode,
} from './flows';
import { browserSuite, newDevice, screenshot, signIn } from './support';

jest.setTimeout(120_000);

/** WEB-1..4, WEB-6, WEB-7: the setup dialog and My trusted devices, two browser profiles as two devices. */
describe('web app: setting up trusted sessions (browser)', () => {
  const suite = browserSuite();
  const email = () => `web-${randomUUID().slice(0, 8)}@example.test`;

  it('WEB-1 the gateway serves the app at / and index.html for app paths, while API paths keep their JSON 404', async () => {
    const page = await fetch(`${suite.system.url}/profile/devices`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<meta name="td-auth-mode" content="dev" />');
    const script = /<script type="module" crossorigin src="([^"]+)"/.exec(html)![1];
    const js = await fetch(`${suite.system.url}${script}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('javascript');
    const api = await fetch(`${suite.system.url}/v1/nope`, { headers: { accept: 'text/html' } });
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toContain('application/problem+json');
    const asset = await fetch(`${suite.system.url}/assets/missing.js`);
    expect(asset.status).toBe(404);
  });

  it('WEB-2 WEB-6 first device: sign in, Start, name, Next, the emailed code, success — the session is trusted with a non-extractable key in IndexedDB', async () => {
    const { context, page } = await newDevice(suite.browser, suite.system.url);
    const proofs: string[] = [];
    page.on('request', (request) => {
      const proof = request.headers()['dpop'];
      if (request.url().includes('/v1/session') && proof) proofs.push(proof);
    });
    const address = email();
    await signIn(page, { email: address, username: 'alice' });
    await dialogTitle(page, 'Strengthen your account security').waitFor();
    await startSetup(page, 'Alice laptop');
    await dialogTitle(page, 'Verify your device').waitFor();
    await page.getByText(address).waitFor();
    await page
      .getByRole('timer')
      .getByText(/The code expires in [45]:\d\d/)
      .waitFor();
    // A wrong code first: the message says how many tries remain (CODE-3).
    await page.getByLabel('Verification code').fill('000000');
    await page.getByRole('button', { name: 'Verify code' }).click();
    await page
      .getByRole('alert')
      .getByText(/tries remain/)
      .waitFor();
    await verifyWithEmailedCode(page, suite.system, address, 0);
    await successMessage(page).getByText('Alice laptop').waitFor();
    await page.getByText('This session is trusted').waitFor();

    // Runs in the page (the test's own TypeScript has no DOM types, so the page code is a string).
    const key = await page.evaluate(`(async () => {
      const db = await new Promise((resolve, reject) => {
        const request = indexedDB.open('trusted-devices');
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const pair = await new Promise((resolve) => {
        const request = db.transaction('keys').objectStore('keys').get('device');
        request.onsuccess = () => resolve(request.result);
      });
      return { extractable: pair.privateKey.extractable, name: pair.privateKey.algorithm.name, curve: pair.privateKey.algorithm.namedCurve };
    })()`);
    expect(key).toEqual({ extractable: false, name: 'ECDSA', curve: 'P-256' });
    const [header, claims] = proofs[proofs.length - 1]
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
    expect(header).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256' } });
    expect(claims).toMatchObject({ htm: 'GET', htu: `${suite.system.url}/v1/session` });
    expect(typeof claims.ath).toBe('string');
    await screenshot(page, 'WEB-2-first-device-trusted');
    await context.close();
  });

  it('WEB-2 WEB-4 second device: Verify your identity shows the words the first device lists; approved there (keyboard-revealed Approve), it moves on by itself', async () => {
    const address = email();
    const first = await newDevice(suite.browser, suite.system.url);
    await signIn(first.page, { email: address, username: 'bob' });
    await setUpFirstDevice(first.page, suite.system, address);
    await openMyTrustedDevices(first.page);

    const second = await newDevice(suite.browser, suite.system.url);
    await signIn(second.page, { email: address, username: 'bob' });
    await startSetup(second.page, 'Bob second browser');
    await dialogTitle(second.page, 'Verify your identity').waitFor();
    await second.page.getByText('your web app').first().waitFor();
    const words = (await second.page.getByTestId('fingerprint').textContent())!.trim();
    expect(words.split(/\s+/).length).toBeGreaterThanOrEqual(5);
    await screenshot(second.page, 'WEB-2-verify-your-identity');

    // The first device's list updates live (SSE) with the pending request and the same words.
    const row = deviceRow(first.page, 'Bob second browser');
    await row.getByText('Pending approval').waitFor();
    expect((await row.getByTestId('fingerprint').textContent())!.trim()).toBe(words);
    // Approve/Deny appear on keyboard focus, not only on hover (WEB-4, WEB-7).
    await first.page.mouse.move(0, 0);
    const approve = row.getByRole('button', { name: 'Approve' });
    const rowId = await row.getAttribute('data-device-id');
    const opacity = () =>
      first.page.evaluate(`getComputedStyle(document.querySelector('[data-device-id="${rowId}"] .row-actions.reveal')).opacity`);
    expect(await opacity()).toBe('0');
    await row.focus();
    expect(await waitUntil(async () => (await opacity()) === '1', 2000)).toBe(true);
    await row.getByRole('button', { name: 'Deny' }).waitFor();
    await screenshot(first.page, 'WEB-4-pending-approval-focused');
    await approve.click();
    await row.getByText('Approved').waitFor();

    await successMessage(second.page).waitFor({ timeout: 10_000 });
    await screenshot(second.page, 'WEB-2-second-device-approved');
    await second.page.getByText('This session is trusted').waitFor();
    await screenshot(first.page, 'WEB-4-approver-list');
    await first.context.close();
    await second.context.close();
  });

  it('WEB-2 I don’t have access to my trusted device switches to the email code', async () => {
    const address = email();
    const first = await newDevice(suite.browser, suite.system.url);
    await signIn(first.page, { email: address });
    await setUpFirstDevice(first.page, suite.system, address);

    const second = await newDevice(suite.browser, suite.system.url);
    await signIn(second.page, { email: address });
    await startSetup(second.page);
    await dialogTitle(second.page, 'Verify your identity').waitFor();
    const before = codeMailsFor(suite.system, address);
    await switchToEmailCode(second.page);
    await verifyWithEmailedCode(second.page, suite.system, address, before);
    await screenshot(second.page, 'WEB-2-no-access-email-code');
    await first.context.close();
    await second.context.close();
  });

  it('WEB-3 Remind me later shows "Your current session is not secure" on every page until the device is set up', async () => {
    const address = email();
    const { context, page } = await newDevice(suite.browser, suite.system.url);
    await signIn(page, { email: address });
    await dialogTitle(page, 'Strengthen your account security').waitFor();
    await page.getByRole('button', { name: 'Remind me later' }).click();
    const banner = page.getByRole('region', { name: 'Session security' });
    await banner.getByText('Your current session is not secure').waitFor();
    await openMyTrustedDevices(page);
    await banner.getByText('Your current session is not secure').waitFor();
    await page.reload();
    await banner.getByText('Your current session is not secure').waitFor();
    expect(await dialogTitle(page, 'Strengthen your account security').count()).toBe(0);

    await banner.getByRole('button', { name: 'Set up this device' }).click();
    const before = codeMailsFor(suite.system, address);
    await startSetup(page);
    await verifyWithEmailedCode(page, suite.system, address, before);
    await page.getByRole('heading', { name: 'My trusted devices' }).waitFor();
    await page.getByText('This device').waitFor();
    expect(await banner.count()).toBe(0);
    await screenshot(page, 'WEB-3-after-set-up');
    await context.close();
  });

  it('WEB-7 the dialog works from the keyboard: focus moves in, Tab stays inside, Enter goes on, Escape is Remind me later, and status changes are announced', async () => {
    const { context, page } = await newDevice(suite.browser, suite.system.url);
    const focused = () =>
      page.evaluate('document.activeElement && (document.activeElement.labels?.[0]?.textContent || document.activeElement.textContent)');
    await signIn(page, { email: email() });
    const dialog = dialogTitle(page, 'Strengthen your account security');
    await dialog.waitFor();
    expect(await dialog.getAttribute('aria-modal')).toBe('true');
    // Focus moves in after the dialog renders: wait for it (the focus itself is the signal), then Tab.
    await expectFocus(page, { dialog: 'Strengthen your account security', label: 'Start' });
    for (let i = 0; i < 4; i += 1) {
      await page.keyboard.press('Tab');
      expect(['Start', 'Remind me later']).toContain(await focused());
    }
    while ((await focused()) !== 'Start') await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await dialogTitle(page, 'Name your device').waitFor();
    await expectFocus(page, { dialog: 'Name your device', label: 'Device name' });
    await page.keyboard.press('Escape');
    const banner = page.getByRole('region', { name: 'Session security' });
    await banner.getByText('Your current session is not secure').waitFor();
    expect(await page.locator('[aria-live="polite"]').count()).toBeGreaterThan(0);
    await banner.getByRole('button', { name: 'Set up this device' }).focus();
    await page.keyboard.press('Enter');
    await dialogTitle(page, 'Strengthen your account security').waitFor();
    await screenshot(page, 'WEB-7-keyboard-dialog');
    await context.close();
  });

  it('WEB-4 WEB-6 rename, then disable with confirmation from the list: that browser loses its trusted session at once and sets up again with a new key', async () => {
    const address = email();
    const first = await newDevice(suite.browser, suite.system.url);
    await signIn(first.page, { email: address, username: 'carol' });
    await setUpFirstDevice(first.page, suite.system, address);
    await openMyTrustedDevices(first.page);

    const second = await newDevice(suite.browser, suite.system.url);
    await signIn(second.page, { email: address, username: 'carol' });
    await startSetup(second.page, 'Carol old laptop');
    await dialogTitle(second.page, 'Verify your identity').waitFor();
    const disabledWords = (await second.page.getByTestId('fingerprint').textContent())!.trim();
    // The article: hover the device with the Pending approval status, then Approve.
    await deviceRow(first.page, 'Carol old laptop').hover();
    await deviceRow(first.page, 'Carol old laptop').getByRole('button', { name: 'Approve' }).click();
    await successMessage(second.page).waitFor();

    const row = deviceRow(first.page, 'Carol old laptop');
    await row.getByRole('button', { name: 'Rename Carol old laptop' }).click();
    await row.getByLabel('New name').fill('Carol spare laptop');
    await row.getByRole('button', { name: 'Save' }).click();
    const renamed = deviceRow(first.page, 'Carol spare laptop');
    await renamed.getByText('Approved').waitFor();

    await renamed.getByRole('button', { name: 'Disable Carol spare laptop' }).click();
    const confirm = dialogTitle(first.page, 'Disable this device?');
    await confirm.waitFor();
    await confirm.getByRole('button', { name: 'Disable device' }).click();
    await renamed.locator('.status').getByText('Disabled').waitFor();
    await renamed.getByText(/^from .+ on .+\d/).waitFor();

    await second.page.getByText('Your current session is not secure').waitFor({ timeout: 10_000 });
    await screenshot(first.page, 'WEB-4-disabled-in-list');
    await screenshot(second.page, 'WEB-4-disabled-device-lost-trust');

    // WEB-6, KEY-4: the disabled browser sets up again with a new key (new words), never the old one.
    await second.page.getByRole('button', { name: 'Set up this device' }).first().click();
    await startSetup(second.page, 'Carol laptop again');
    await dialogTitle(second.page, 'Verify your identity').waitFor();
    const newWords = (await second.page.getByTestId('fingerprint').textContent())!.trim();
    const again = deviceRow(first.page, 'Carol laptop again');
    expect((await again.getByTestId('fingerprint').textContent())!.trim()).toBe(newWords);
    expect(newWords).not.toBe(disabledWords);
    await first.context.close();
    await second.context.close();
  });
});

import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { waitUntil } from '@td/testing';
import { deviceRow, dialogTitle, openMyTrustedDevices, setUpFirstDevice } from './flows';
import { ApiUser } from './seed';
import { browserSuite, newDevice, PHONE, screenshot, signIn } from './support';

jest.setTimeout(150_000);

/** The page's width beyond the viewport: 0 when nothing scrolls sideways. */
const overflow = (page: Page) =>
  page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth') as Promise<number>;

/** Admin pages in people's words, at a phone's width, deprovisioning that reads right (issue 13, items 8–10, 12). */
describe('web app: admin pages as people use them (browser)', () => {
  const suite = browserSuite();

  it('WEB-5 users picked by email or name, names and plain-word actions in the audit log, deprovisioning shown as such (not for oneself), and every page fits 390 px', async () => {
    const workspaceId = `ws-${randomUUID().slice(0, 8)}`;
    const tag = randomUUID().slice(0, 6);
    const adminEmail = `boss-${tag}@example.test`;
    const { context, page } = await newDevice(suite.browser, suite.system.url, PHONE);
    await signIn(page, { email: adminEmail, username: 'boss', workspaceId, role: 'admin' });
    await setUpFirstDevice(page, suite.system, adminEmail);
    const kim = await ApiUser.signIn(suite.system, `kim-${tag}@example.test`, workspaceId, 'member', 'Kim');
    await kim.approvedDevice('Kim laptop');
    await kim.pendingDevice('Kim phone', 'mobile');
    const lee = await ApiUser.signIn(suite.system, `lee-${tag}@example.test`, workspaceId, 'member', 'Lee');
    await lee.approvedDevice('Lee desktop');

    await page.goto('/admin/devices');
    const table = page.getByRole('table');
    await table.getByText('Kim laptop').waitFor();
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, 'WEB-5-admin-390px');

    // The User filter takes an email or a name, never an internal id.
    const userField = page.getByLabel('User', { exact: true });
    await userField.fill('kim-');
    await waitUntil(async () => (await page.locator('datalist option').count()) > 0, 10_000, 100);
    const option = await page.locator('datalist option').first().getAttribute('value');
    expect(option).toBe(`Kim (${kim.email})`);
    await userField.fill(option!);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await waitUntil(async () => (await page.locator('table tbody tr').count()) === 2, 10_000, 100);
    // Clicking a person in the table fills the field with their name and email.
    await page.getByRole('button', { name: 'Clear' }).click();
    await table.getByRole('button', { name: `Show only devices of ${lee.email}` }).click();
    expect(await userField.inputValue()).toBe(`Lee (${lee.email})`);
    expect(await userField.inputValue()).not.toMatch(/dev-/);
    await page.getByRole('button', { name: 'Clear' }).click();

    // No Deprovision for oneself.
    expect(await table.getByRole('button', { name: `Deprovision ${adminEmail}` }).count()).toBe(0);

    // Deprovision Kim: no "0 of 0", and at the end her rows say Deprovisioned and offer it no more; chips agree with rows.
    const texts: string[] = [];
    await table
      .getByRole('button', { name: `Deprovision ${kim.email}` })
      .first()
      .click();
    await dialogTitle(page, 'Deprovision this user?').getByRole('button', { name: 'Deprovision user' }).click();
    const status = page.getByTestId('deprovision-progress').getByRole('status');
    await waitUntil(
      async () => {
        texts.push((await status.textContent()) ?? '');
        return texts[texts.length - 1].startsWith('Done:');
      },
      30_000,
      50,
    );
    expect(texts.filter((text) => /\b0 of 0\b/.test(text))).toEqual([]);
    for (const name of ['Kim laptop', 'Kim phone']) await table.getByRole('row').filter({ hasText: name }).getByText('Disabled').waitFor();
    expect(await table.getByRole('button', { name: `Deprovision ${kim.email}` }).count()).toBe(0);
    expect(await table.getByRole('row').filter({ hasText: 'Kim laptop' }).getByText('Deprovisioned', { exact: true }).count()).toBe(1);
    const counts = page.getByRole('list', { name: 'Devices per status' });
    await counts.getByText('Disabled: 2').waitFor();
    await counts.getByText('Approved: 2').waitFor();
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, 'WEB-5-deprovisioned-390px');

    // The audit log: people and devices by name, actions in plain words with the code as a tooltip.
    await page.getByRole('link', { name: 'Audit log' }).click();
    const audit = page.getByRole('table');
    await audit.getByText('User deprovisioned').first().waitFor();
    expect(await audit.locator('[data-action="user.deprovisioned"]').first().getAttribute('title')).toBe('user.deprovisioned');
    await audit.getByText(`Kim (${kim.email})`).first().waitFor();
    await audit.getByText('Kim laptop').first().waitFor();
    expect(await audit.getByText(/dev-[0-9a-f]{6}/).count()).toBe(0);
    expect(await audit.getByText('device.code_sent', { exact: true }).count()).toBe(0);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, 'WEB-5-audit-390px');

    // My trusted devices and Home fit too.
    await openMyTrustedDevices(page);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, 'WEB-4-my-devices-390px');
    await context.close();
  });

  it('WEB-7 polish: one voice for validation, distinct link names, an unknown address says Page not found', async () => {
    const address = `polish-${randomUUID().slice(0, 8)}@example.test`;
    const { context, page } = await newDevice(suite.browser, suite.system.url);
    await signIn(page, { email: address, username: 'polly', role: 'admin' });
    await setUpFirstDevice(page, suite.system, address);
    const brand = await page.locator('.brand').getAttribute('aria-label');
    const adminLink = await page.getByRole('navigation', { name: 'Main' }).locator('a[href="/admin/devices"]').getAttribute('aria-label');
    expect(brand?.toLowerCase()).not.toBe(adminLink?.toLowerCase());
    expect(brand).toBeTruthy();

    await openMyTrustedDevices(page);
    const row = deviceRow(page, /polly Web app/);
    await row.getByRole('button', { name: /^Rename/ }).click();
    await row.getByLabel('New name').fill('   ');
    await row.getByRole('button', { name: 'Save' }).click();
    await row.getByRole('alert').getByText('Enter a name for your device.').waitFor();
    expect(await page.getByText('name must not be empty').count()).toBe(0);

    await page.goto('/no/such/page');
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await page.getByRole('link', { name: 'Go to the home page' }).click();
    await page.getByRole('heading', { name: /Welcome/ }).waitFor();
    await screenshot(page, 'WEB-7-home-after-not-found');
    await context.close();
  });
});

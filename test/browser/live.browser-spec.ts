import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { deviceRow, dialogTitle, openMyTrustedDevices, setUpFirstDevice, startSetup, successMessage, switchToEmailCode } from './flows';
import { ApiUser } from './seed';
import { browserSuite, newDevice, screenshot, signIn } from './support';

jest.setTimeout(150_000);

/** Requests the page sends to `path` while `during` runs. */
async function countRequests(page: Page, path: string, during: () => Promise<void>): Promise<number> {
  let count = 0;
  const listener = (request: { url(): string }) => {
    if (new URL(request.url()).pathname === path) count += 1;
  };
  page.on('request', listener);
  try {
    await during();
  } finally {
    page.off('request', listener);
  }
  return count;
}

const watch = (page: Page) => () => page.waitForTimeout(5000);
const banner = (page: Page) => page.getByRole('region', { name: 'Session security' });

/** Screens that stay honest while the page is left open: AUTH-3, APPROVE-1, KEY-5 (issue 13, items 1, 2, 7). */
describe('web app: live and honest screens (browser)', () => {
  const suite = browserSuite();

  it('AUTH-3 a deprovisioned user’s open tab checks once and stops: no request flood, also after a reload and a fresh sign-in', async () => {
    const workspaceId = `ws-${randomUUID().slice(0, 8)}`;
    const tag = randomUUID().slice(0, 6);
    const admin = await ApiUser.signIn(suite.system, `admin-${tag}@example.test`, workspaceId, 'admin');
    const adminDevice = await admin.approvedDevice('Admin laptop');
    const email = `gone-${tag}@example.test`;
    const victim = await ApiUser.signIn(suite.system, email, workspaceId);

    const { context, page } = await newDevice(suite.browser, suite.system.url);
    await signIn(page, { email, workspaceId });
    // The tab waits for an emailed code: it looks at its session now and then.
    await startSetup(page);
    await dialogTitle(page, 'Verify your device').waitFor();
    await admin.deprovision(adminDevice.key, await victim.id());

    const message = page.getByText('This account has been deprovisioned.');
    await message.waitFor({ timeout: 20_000 });
    expect(await countRequests(page, '/v1/session', watch(page))).toBeLessThanOrEqual(2);
    await screenshot(page, 'AUTH-3-deprovisioned-open-tab');

    await page.reload();
    await message.waitFor();
    expect(await countRequests(page, '/v1/session', watch(page))).toBeLessThanOrEqual(2);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page, { email, workspaceId });
    await message.waitFor();
    expect(await countRequests(page, '/v1/session', watch(page))).toBeLessThanOrEqual(2);
    await context.close();
  });

  it('APPROVE-1 a request switched to an email code reaches the approver’s open list live: no Approve left on it, and a stale Approve is explained in the user’s words', async () => {
    const address = `switch-${randomUUID().slice(0, 8)}@example.test`;
    const first = await newDevice(suite.browser, suite.system.url);
    await signIn(first.page, { email: address, username: 'gina' });
    await setUpFirstDevice(first.page, suite.system, address);
    await openMyTrustedDevices(first.page);

    const second = await newDevice(suite.browser, suite.system.url);
    await signIn(second.page, { email: address, username: 'gina' });
    await startSetup(second.page, 'Gina tablet');
    await dialogTitle(second.page, 'Verify your identity').waitFor();
    const row = deviceRow(first.page, 'Gina tablet');
    await row.getByText('Pending approval').waitFor();

    await switchToEmailCode(second.page);
    await row.getByText('Pending verification').waitFor({ timeout: 10_000 });
    expect(await row.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    await screenshot(first.page, 'APPROVE-1-switched-to-email-code-live');

    // A list that missed the change (its event stream cut): Approve says what happened, in the user's terms, and the row catches up.
    const third = await newDevice(suite.browser, suite.system.url);
    await signIn(third.page, { email: address, username: 'gina' });
    await startSetup(third.page, 'Gina phone');
    await dialogTitle(third.page, 'Verify your identity').waitFor();
    await first.context.route('**/v1/events', (route) => route.abort());
    await first.page.reload();
    const stale = deviceRow(first.page, 'Gina phone');
    await stale.getByText('Pending approval').waitFor();
    await switchToEmailCode(third.page);
    await stale.hover();
    await stale.getByRole('button', { name: 'Approve' }).click();
    await stale.getByRole('alert').getByText('This request was switched to an email code; there is nothing to approve.').waitFor();
    await stale.getByText('Pending verification').waitFor();
    await screenshot(first.page, 'APPROVE-1-stale-approve-explained');
    for (const device of [first, second, third]) await device.context.close();
  });

  it('KEY-5 a device disabled from another one says so on its page: from which device and when, not only in a hidden live region', async () => {
    const address = `told-${randomUUID().slice(0, 8)}@example.test`;
    const first = await newDevice(suite.browser, suite.system.url);
    await signIn(first.page, { email: address, username: 'jo' });
    await setUpFirstDevice(first.page, suite.system, address, 'Jo desk laptop');
    await openMyTrustedDevices(first.page);
    const second = await newDevice(suite.browser, suite.system.url);
    await signIn(second.page, { email: address, username: 'jo' });
    await startSetup(second.page, 'Jo spare laptop');
    await dialogTitle(second.page, 'Verify your identity').waitFor();
    const row = deviceRow(first.page, 'Jo spare laptop');
    await row.hover();
    await row.getByRole('button', { name: 'Approve' }).click();
    await second.page.getByText('This session is trusted').waitFor({ timeout: 10_000 });

    await row.getByRole('button', { name: 'Disable Jo spare laptop' }).click();
    await dialogTitle(first.page, 'Disable this device?').getByRole('button', { name: 'Disable device' }).click();
    const told = banner(second.page).getByText(/This device was disabled from Jo desk laptop on .+\d/);
    await told.waitFor({ timeout: 10_000 });
    expect(await told.isVisible()).toBe(true);
    expect(await successMessage(second.page).count()).toBe(0);
    await screenshot(second.page, 'KEY-5-disabled-device-told-why');
    // The list of the device it was disabled from says the same of the row.
    await row.getByText(/^from Jo desk laptop on .+\d/).waitFor();
    await screenshot(first.page, 'KEY-5-disabled-row-says-from-where');
    await first.context.close();
    await second.context.close();
  });

  it('KEY-5 ADMIN-2 a device an admin disabled says it was an admin, with the date', async () => {
    const { admin, member } = await adminAndMember('told-admin');
    await admin.page.goto('/admin/devices');
    await admin.page.getByRole('button', { name: 'Disable Mo laptop' }).click();
    await dialogTitle(admin.page, 'Disable this device?').getByRole('button', { name: 'Disable device' }).click();
    const told = banner(member.page).getByText(/This device was disabled by an admin of your workspace on .+\d/);
    await told.waitFor({ timeout: 10_000 });
    expect(await told.isVisible()).toBe(true);
    await screenshot(member.page, 'KEY-5-disabled-by-admin-told-why');
    await admin.context.close();
    await member.context.close();
  });

  it('KEY-5 DEPROV-1 a deprovisioned user’s device says its devices were disabled automatically, and the admin’s rows say so after a reload', async () => {
    const { admin, member, memberEmail } = await adminAndMember('told-deprov');
    await admin.page.goto('/admin/devices');
    await admin.page.getByRole('button', { name: `Deprovision ${memberEmail}` }).click();
    await dialogTitle(admin.page, 'Deprovision this user?').getByRole('button', { name: 'Deprovision user' }).click();
    const told = member.page.getByText(
      'This account has been deprovisioned. All of its trusted sessions and devices, this one too, were disabled automatically.',
    );
    await told.waitFor({ timeout: 20_000 });
    expect(await told.isVisible()).toBe(true);
    await screenshot(member.page, 'KEY-5-deprovisioned-told-why');

    await admin.page
      .getByTestId('deprovision-progress')
      .getByText(/^Done:/)
      .waitFor({ timeout: 20_000 });
    await admin.page.reload();
    const row = admin.page.getByRole('table').getByRole('row').filter({ hasText: 'Mo laptop' });
    await row.getByText(/^automatically when the user was deprovisioned, on .+\d/).waitFor();
    await row.getByText('Deprovisioned', { exact: true }).waitFor();
    expect(await row.getByRole('button', { name: `Deprovision ${memberEmail}` }).count()).toBe(0);
    await screenshot(admin.page, 'KEY-5-deprovisioned-rows-after-reload');
    await admin.context.close();
    await member.context.close();
  });

  /** An admin on the Trusted devices page and a member whose only device, "Mo laptop", is trusted: two browsers. */
  async function adminAndMember(prefix: string) {
    const workspaceId = `ws-${randomUUID().slice(0, 8)}`;
    const tag = randomUUID().slice(0, 6);
    const adminEmail = `${prefix}-boss-${tag}@example.test`;
    const memberEmail = `${prefix}-mo-${tag}@example.test`;
    const admin = await newDevice(suite.browser, suite.system.url);
    await signIn(admin.page, { email: adminEmail, username: 'boss', workspaceId, role: 'admin' });
    await setUpFirstDevice(admin.page, suite.system, adminEmail);
    const member = await newDevice(suite.browser, suite.system.url);
    await signIn(member.page, { email: memberEmail, username: 'mo', workspaceId });
    await setUpFirstDevice(member.page, suite.system, memberEmail, 'Mo laptop');
    return { admin, member, memberEmail };
  }
});

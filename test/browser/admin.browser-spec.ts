import { randomUUID } from 'node:crypto';
import { waitUntil } from '@td/testing';
import { dialogTitle, setUpFirstDevice } from './flows';
import { ApiUser } from './seed';
import { browserSuite, newDevice, screenshot, signIn } from './support';

jest.setTimeout(150_000);

/** WEB-5: the workspace Trusted devices page of an admin, against the admin API (ADMIN-1..3, DEPROV-1). */
describe('web app: the admin Trusted devices page (browser)', () => {
  const suite = browserSuite();

  it('WEB-5 filters, counts and pages the workspace devices, disables one with confirmation, deprovisions a user with progress, and shows the audit log', async () => {
    const workspaceId = `ws-${randomUUID().slice(0, 8)}`;
    const tag = randomUUID().slice(0, 6);
    const adminEmail = `admin-${tag}@example.test`;
    const { context, page } = await newDevice(suite.browser, suite.system.url);
    await signIn(page, { email: adminEmail, username: 'admin', workspaceId, role: 'admin' });
    await setUpFirstDevice(page, suite.system, adminEmail);

    const dana = await ApiUser.signIn(suite.system, `dana-${tag}@example.test`, workspaceId);
    await dana.approvedDevice('Dana laptop');
    await dana.pendingDevice('Dana phone', 'mobile');
    const eli = await ApiUser.signIn(suite.system, `eli-${tag}@example.test`, workspaceId);
    await eli.approvedDevice('Eli desktop');
    const finn = await ApiUser.signIn(suite.system, `finn-${tag}@example.test`, workspaceId);
    for (const name of ['Finn one', 'Finn two']) await finn.pendingDevice(name);
    // Another workspace's device never shows (ADMIN-4).
    const outsider = await ApiUser.signIn(suite.system, `out-${tag}@example.test`, `other-${tag}`);
    await outsider.pendingDevice('Outsider laptop');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Trusted devices' }).click();
    const table = page.getByRole('table');
    const counts = page.getByRole('list', { name: 'Devices per status' });
    await counts.getByText('Approved: 3').waitFor();
    await counts.getByText('Pending approval: 1').waitFor();
    await counts.getByText('Pending verification: 2').waitFor();
    expect(await table.getByText('Outsider laptop').count()).toBe(0);

    // Paging: 6 devices at 5 a page.
    await page.getByLabel('Rows per page').selectOption('5');
    await page.getByText('Page 1').waitFor();
    await waitForRows(5);
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByText('Page 2').waitFor();
    await waitForRows(1);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await waitForRows(5);
    await page.getByLabel('Rows per page').selectOption('20');

    // Filters: search, then status, then app.
    await page.getByLabel('Search', { exact: true }).fill(dana.email);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await waitForRows(2);
    expect(await table.getByRole('row').filter({ hasText: dana.email }).count()).toBe(2);
    await page.getByLabel('Status', { exact: true }).selectOption('approved');
    await waitForRows(1);
    await table.getByText('Dana laptop').waitFor();
    await page.getByLabel('Status', { exact: true }).selectOption('');
    await page.getByLabel('App', { exact: true }).selectOption('mobile');
    await waitForRows(1);
    await table.getByText('Dana phone').waitFor();
    await page.getByRole('button', { name: 'Clear' }).click();
    await waitForRows(6);

    // Disable Eli's device, after a confirmation.
    await table.getByRole('button', { name: 'Disable Eli desktop' }).click();
    const confirm = dialogTitle(page, 'Disable this device?');
    await confirm.getByRole('button', { name: 'Disable device' }).click();
    await table.getByRole('row').filter({ hasText: 'Eli desktop' }).getByText('Disabled').waitFor();

    // Deprovision Dana: the progress bar runs to the end and her devices read Disabled.
    await table
      .getByRole('button', { name: `Deprovision ${dana.email}` })
      .first()
      .click();
    await dialogTitle(page, 'Deprovision this user?').getByRole('button', { name: 'Deprovision user' }).click();
    const progress = page.getByTestId('deprovision-progress');
    await progress.getByRole('progressbar').waitFor();
    await progress.getByText(/^Done: .+ is deprovisioned; 2 of 2 devices disabled\.$/).waitFor({ timeout: 30_000 });
    for (const name of ['Dana laptop', 'Dana phone'])
      await table.getByRole('row').filter({ hasText: name }).getByText('Disabled').waitFor();
    await screenshot(page, 'WEB-5-admin-devices');

    await page.getByRole('link', { name: 'Audit log' }).click();
    const audit = page.getByRole('table');
    await audit.getByText('User deprovisioned').first().waitFor();
    await audit.getByText('Device disabled').first().waitFor();
    await screenshot(page, 'WEB-5-audit-log');
    await context.close();

    async function waitForRows(count: number): Promise<void> {
      const rows = page.locator('table tbody tr');
      await waitUntil(async () => (await rows.count()) === count, 10_000, 100).catch(async () => {
        throw new Error(`expected ${count} rows, the table has ${await rows.count()}`);
      });
    }
  });
});

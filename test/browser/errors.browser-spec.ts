import { randomUUID } from 'node:crypto';
import { dialogTitle, startSetup } from './flows';
import { ApiUser } from './seed';
import { browserSuite, newDevice, screenshot, signIn } from './support';

jest.setTimeout(120_000);

/** WEB-2: every API error shows as a clear message beside what caused it (ERR-1, SETUP-2, SETUP-3). */
describe('web app: errors beside their cause (browser)', () => {
  const suite = browserSuite({ MAX_DEVICES_PER_USER: '2' });

  it('WEB-2 a taken name is marked on the Device name field; device_limit_reached says to disable a device first and links to the list', async () => {
    const workspaceId = `ws-${randomUUID().slice(0, 8)}`;
    const address = `limit-${randomUUID().slice(0, 8)}@example.test`;
    const api = await ApiUser.signIn(suite.system, address, workspaceId);
    await api.pendingDevice('Desk one');

    const { context, page } = await newDevice(suite.browser, suite.system.url);
    await signIn(page, { email: address, workspaceId });
    await startSetup(page, 'desk ONE');
    const field = page.getByLabel('Device name');
    await page.locator('#device-name-error').waitFor();
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect(await field.getAttribute('aria-describedby')).toBe('device-name-error');
    expect(await page.locator('#device-name-error').getAttribute('data-code')).toBe('device_name_taken');

    await api.pendingDevice('Desk two');
    await field.fill('Laptop');
    await page.getByRole('button', { name: 'Next' }).click();
    const limit = page.locator('[data-code="device_limit_reached"]');
    await limit.waitFor();
    expect(await limit.textContent()).toMatch(/disable/i);
    await screenshot(page, 'WEB-2-device-limit-reached');

    await limit.getByRole('link', { name: 'Go to My trusted devices' }).click();
    expect(await dialogTitle(page, 'Name your device').count()).toBe(0);
    await page.getByRole('heading', { name: 'My trusted devices' }).waitFor();
    await page.getByRole('heading', { name: 'Desk two' }).waitFor();
    await page.getByText('Your current session is not secure').waitFor();
    await screenshot(page, 'WEB-2-device-limit-list');
    await context.close();
  });
});

import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { waitUntil } from '@td/testing';
import { codeMailsFor, deviceRow, dialogTitle, focusInfo, successMessage } from './flows';
import { ApiUser } from './seed';
import { browserSuite, newDevice, PHONE, screenshot } from './support';

jest.setTimeout(240_000);

type Role = 'button' | 'link' | 'menuitem';

/** How a person works the page: taps on a 390 px phone, or the keyboard alone (Tab to a control, Enter, type). */
interface Driver {
  tag: string;
  device: Parameters<typeof newDevice>[2];
  press(page: Page, role: Role, name: string): Promise<void>;
  type(page: Page, label: string, text: string): Promise<void>;
  choose(page: Page, label: string, option: string): Promise<void>;
}

/** Tab until the focused control is `name` (its aria-label, label or text): it can be reached by keyboard. */
async function tabTo(page: Page, name: string): Promise<void> {
  for (let i = 0; i < 60; i += 1) {
    if ((await focusInfo(page)).label === name) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached “${name}”; the focus is at ${JSON.stringify(await focusInfo(page))}`);
}

const KEYBOARD: Driver = {
  tag: 'keyboard',
  device: {},
  async press(page, _role, name) {
    await tabTo(page, name);
    await page.keyboard.press('Enter');
  },
  async type(page, label, text) {
    await tabTo(page, label);
    await page.keyboard.press('Control+A');
    await page.keyboard.type(text);
  },
  async choose(page, label, option) {
    await tabTo(page, label);
    await page.keyboard.type(option); // a focused select picks the option its typed text starts
  },
};

const PHONE_390: Driver = {
  tag: 'phone-390',
  device: PHONE,
  press: (page, role, name) => page.getByRole(role, { name, exact: true }).first().tap(),
  type: (page, label, text) => page.getByLabel(label, { exact: true }).fill(text),
  choose: async (page, label, option) => {
    await page.getByLabel(label, { exact: true }).selectOption({ label: option });
  },
};

/** The page's width beyond the viewport: 0 when nothing scrolls sideways. */
const overflow = (page: Page) =>
  page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth') as Promise<number>;

/**
 * The main flows of the help article, start to end, on a phone (390 px, touch) and with the keyboard
 * alone: first device by emailed code, second by approval, "I don’t have access to my trusted device",
 * and the admin's disable and deprovision. Every step is a screenshot under test-output/browser/ (WEB-7).
 */
describe.each([PHONE_390, KEYBOARD])('web app: the main flows, $tag (browser)', (driver) => {
  const suite = browserSuite();
  let step = 0;
  const shot = async (page: Page, name: string) => {
    step += 1;
    if (driver === PHONE_390) expect(await overflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, `MAIN-${driver.tag}-${String(step).padStart(2, '0')}-${name.replace(/\s+/g, '-')}`);
  };

  async function signIn(page: Page, user: { email: string; username: string; workspaceId: string; role?: string }) {
    await page.goto('/');
    await page.getByLabel('Email').waitFor();
    await driver.type(page, 'Email', user.email);
    await driver.type(page, 'Username (optional)', user.username);
    await driver.type(page, 'Workspace (optional)', user.workspaceId);
    if (user.role) await driver.choose(page, 'Role (optional)', user.role);
    await shot(page, `sign-in-${user.username}`);
    await driver.press(page, 'button', 'Sign in');
  }

  /** Start → Name your device (the suggested name) → Next. */
  async function startAndName(page: Page, name: string) {
    await dialogTitle(page, 'Strengthen your account security').waitFor();
    await shot(page, `${name}-strengthen`);
    await driver.press(page, 'button', 'Start');
    await dialogTitle(page, 'Name your device').waitFor();
    // The suggested name first (it comes from GET /v1/devices): typed over before it lands, it would replace the typing.
    await waitUntil(async () => / Web app - .+\/.+$/.test(await page.getByLabel('Device name').inputValue()), 10_000, 50);
    await driver.type(page, 'Device name', name);
    await shot(page, `${name}-name-your-device`);
    await driver.press(page, 'button', 'Next');
  }

  async function enterEmailedCode(page: Page, email: string, earlier: number, name: string) {
    await dialogTitle(page, 'Verify your device').waitFor();
    await shot(page, `${name}-verify-your-device`);
    await driver.type(page, 'Verification code', await suite.system.mail.codeFor(email, 15_000, earlier));
    await driver.press(page, 'button', 'Verify code');
    await successMessage(page).getByText(name).waitFor();
    expect(await page.getByRole('dialog').count()).toBe(0);
    await shot(page, `${name}-success`);
  }

  it('WEB-2 WEB-4 WEB-5 WEB-7 first device by code, second by approval, I don’t have access, then the admin disables a device and deprovisions a user', async () => {
    const workspaceId = `ws-${randomUUID().slice(0, 8)}`;
    const email = `${driver.tag}-${randomUUID().slice(0, 6)}@example.test`;
    const user = { email, username: 'ana', workspaceId, role: 'Admin' };
    const dana = await ApiUser.signIn(suite.system, `dana-${randomUUID().slice(0, 6)}@example.test`, workspaceId, 'member', 'Dana');
    await dana.approvedDevice('Dana laptop');

    // 1. The first device, with the emailed code.
    const first = await newDevice(suite.browser, suite.system.url, driver.device);
    await signIn(first.page, user);
    let earlier = codeMailsFor(suite.system, email);
    await startAndName(first.page, 'Ana laptop');
    await enterEmailedCode(first.page, email, earlier, 'Ana laptop');
    await driver.press(first.page, 'button', 'ana ▾');
    await driver.press(first.page, 'menuitem', 'My profile');
    await first.page.getByRole('heading', { name: 'My trusted devices' }).waitFor();
    await shot(first.page, 'my-trusted-devices');

    // 2. A second device, approved from the first.
    const second = await newDevice(suite.browser, suite.system.url, driver.device);
    await signIn(second.page, user);
    await startAndName(second.page, 'Ana phone');
    await dialogTitle(second.page, 'Verify your identity').waitFor();
    await shot(second.page, 'Ana phone-verify-your-identity');
    const row = deviceRow(first.page, 'Ana phone');
    await row.getByText('Pending approval').waitFor();
    if (driver === PHONE_390) await row.getByRole('heading').tap(); // a touch on the request reveals Approve/Deny, as hover does
    await shot(first.page, 'Ana phone-pending-approval');
    await driver.press(first.page, 'button', 'Approve');
    await row.getByText('Approved').waitFor();
    await shot(first.page, 'Ana phone-approved');
    await successMessage(second.page).getByText('Ana phone').waitFor({ timeout: 10_000 });
    await shot(second.page, 'Ana phone-success');

    // 3. A third: I don't have access to my trusted device → Name your device again → Next → the emailed code.
    const third = await newDevice(suite.browser, suite.system.url, driver.device);
    await signIn(third.page, user);
    await startAndName(third.page, 'Ana tablet');
    await dialogTitle(third.page, 'Verify your identity').waitFor();
    await driver.press(third.page, 'button', 'I don’t have access to my trusted device');
    await dialogTitle(third.page, 'Name your device').waitFor();
    await shot(third.page, 'Ana tablet-name-your-device-again');
    earlier = codeMailsFor(suite.system, email);
    await driver.press(third.page, 'button', 'Next');
    await enterEmailedCode(third.page, email, earlier, 'Ana tablet');

    // 4. The admin: disable Dana's laptop, then deprovision Dana.
    await driver.press(first.page, 'link', 'Workspace trusted devices');
    const table = first.page.getByRole('table');
    await table.getByText('Dana laptop').waitFor();
    await shot(first.page, 'admin-devices');
    await driver.press(first.page, 'button', 'Disable Dana laptop');
    await dialogTitle(first.page, 'Disable this device?').waitFor();
    await shot(first.page, 'admin-disable-confirm');
    await driver.press(first.page, 'button', 'Disable device');
    const danaRow = table.getByRole('row').filter({ hasText: 'Dana laptop' });
    await danaRow.locator('.status').getByText('Disabled').waitFor();
    await shot(first.page, 'admin-disabled');
    await driver.press(first.page, 'button', `Deprovision ${dana.email}`);
    await dialogTitle(first.page, 'Deprovision this user?').waitFor();
    await shot(first.page, 'admin-deprovision-confirm');
    await driver.press(first.page, 'button', 'Deprovision user');
    await first.page
      .getByTestId('deprovision-progress')
      .getByText(/^Done:/)
      .waitFor({ timeout: 20_000 });
    await danaRow.getByText('Deprovisioned', { exact: true }).waitFor();
    await shot(first.page, 'admin-deprovisioned');
    for (const device of [first, second, third]) await device.context.close();
  });
});

import { expect } from '@jest/globals';
import type { Page } from 'playwright-core';
import type { TestSystem } from '../support/system';

/** How many code mails this address has had: the next code is the one after them. */
export function codeMailsFor(system: TestSystem, email: string): number {
  return system.mail.messages.filter((mail) => mail.to.includes(email) && /\b\d{6}\b/.test(mail.text)).length;
}

export function dialogTitle(page: Page, title: string) {
  return page.getByRole('dialog', { name: title });
}

/** Start → Name your device → Next, from the open "Strengthen your account security" dialog. */
export async function startSetup(page: Page, name?: string): Promise<void> {
  await dialogTitle(page, 'Strengthen your account security').waitFor();
  await page.getByRole('button', { name: 'Start' }).click();
  const field = page.getByLabel('Device name');
  await field.waitFor();
  expect(await field.inputValue()).toMatch(/ Web app - .+\/.+$/);
  if (name) await field.fill(name);
  await page.getByRole('button', { name: 'Next' }).click();
}

/** Verify your device: reads the code from the mail as the person would, enters it, and waits for the success message. */
export async function verifyWithEmailedCode(page: Page, system: TestSystem, email: string, earlierCodeMails: number): Promise<void> {
  const dialog = dialogTitle(page, 'Verify your device');
  await dialog.waitFor();
  const code = await system.mail.codeFor(email, 15_000, earlierCodeMails);
  await page.getByLabel('Verification code').fill(code);
  await page.getByRole('button', { name: 'Verify code' }).click();
  await dialogTitle(page, 'Your device is trusted').waitFor();
}

/** A brand-new user's first device, set up with the email code (the first-device path of SETUP-4). */
export async function setUpFirstDevice(page: Page, system: TestSystem, email: string): Promise<void> {
  const before = codeMailsFor(system, email);
  await startSetup(page);
  await verifyWithEmailedCode(page, system, email, before);
  await page.getByRole('button', { name: 'Done' }).click();
  await page.getByText('This session is trusted').waitFor();
}

export async function openMyTrustedDevices(page: Page): Promise<void> {
  await page.getByRole('button', { name: /▾/ }).click();
  await page.getByRole('menuitem', { name: 'My profile' }).click();
  await page.getByRole('heading', { name: 'My trusted devices' }).waitFor();
}

export function deviceRow(page: Page, name: string | RegExp) {
  return page.getByRole('listitem').filter({ has: page.getByRole('heading', { name }) });
}

import { expect } from '@jest/globals';
import type { Page } from 'playwright-core';
import { waitUntil } from '@td/testing';
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
  // The name the service will register is filled in (SETUP-2), once the app knows which names are taken.
  await waitUntil(async () => / Web app - .+\/.+$/.test(await field.inputValue()), 10_000, 50);
  if (name) await field.fill(name);
  await page.getByRole('button', { name: 'Next' }).click();
}

/** The success message box the page shows once the dialog has closed (the article's order). */
export function successMessage(page: Page) {
  return page.locator('.success-box').filter({ hasText: 'is now a trusted device' });
}

/** Verify your device: reads the code from the mail as the person would, enters it; the dialog closes and the success message shows. */
export async function verifyWithEmailedCode(page: Page, system: TestSystem, email: string, earlierCodeMails: number): Promise<void> {
  const dialog = dialogTitle(page, 'Verify your device');
  await dialog.waitFor();
  const code = await system.mail.codeFor(email, 15_000, earlierCodeMails);
  await page.getByLabel('Verification code').fill(code);
  await page.getByRole('button', { name: 'Verify code' }).click();
  await successMessage(page).waitFor();
  expect(await page.getByRole('dialog').count()).toBe(0);
}

/** A brand-new user's first device, set up with the email code (the first-device path of SETUP-4); `name` replaces the suggested one. */
export async function setUpFirstDevice(page: Page, system: TestSystem, email: string, name?: string): Promise<void> {
  const before = codeMailsFor(system, email);
  await startSetup(page, name);
  await verifyWithEmailedCode(page, system, email, before);
  await page.getByText('This session is trusted').waitFor();
}

/** "I don’t have access to my trusted device": Name your device again, then Next sends the code (the article's order). */
export async function switchToEmailCode(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'I don’t have access to my trusted device' }).click();
  await dialogTitle(page, 'Name your device').waitFor();
  await page.getByRole('button', { name: 'Next' }).click();
  await dialogTitle(page, 'Verify your device').waitFor();
}

/** Where the keyboard focus is: in which dialog or device row, and on what. */
export function focusInfo(page: Page): Promise<{ body: boolean; dialog: string | null; row: string | null; label: string | null }> {
  return page.evaluate(`(() => {
    const el = document.activeElement;
    const dialog = el && el.closest('[role="dialog"]');
    const row = el && el.closest('[data-device-id]');
    return {
      body: !el || el === document.body,
      dialog: dialog ? (document.getElementById(dialog.getAttribute('aria-labelledby')) || {}).textContent || null : null,
      row: row ? row.getAttribute('data-device-id') : null,
      label: el ? (el.getAttribute('aria-label') || (el.labels && el.labels[0] && el.labels[0].textContent) || el.textContent || '').trim().slice(0, 80) : null,
    };
  })()`);
}

export interface FocusExpectation {
  dialog?: string;
  label?: string;
  row?: string;
}

/**
 * Waits until the keyboard focus is where expected (not on the page body), then checks it. The
 * signal is the focus itself, asked every 20 ms — no fixed sleeps — so a focus moved after the
 * render that follows an answer is seen as soon as it lands. The page is asked with
 * `page.evaluate`, not `waitForFunction`: the latter evaluates its predicate with `eval` inside the
 * page, which the app's Content-Security-Policy refuses (the wait then failed at once, and WEB-7
 * failed whenever the focus had not landed yet).
 */
export async function expectFocus(page: Page, expected: FocusExpectation, timeout = 5000): Promise<void> {
  const wanted = { body: false, ...expected };
  const matches = (info: Awaited<ReturnType<typeof focusInfo>>): boolean =>
    Object.entries(wanted).every(([key, value]) => info[key as keyof typeof info] === value);
  const info = await waitUntil(
    async () => {
      const now = await focusInfo(page);
      return matches(now) ? now : false;
    },
    timeout,
    20,
  ).catch(() => focusInfo(page));
  try {
    expect(info).toMatchObject(wanted);
  } catch (failure) {
    // A miss says where the focus is instead, and how it got there (it may have landed and moved on).
    const journal = (await page.evaluate('(window.__focusJournal || []).slice(-20)')) as string[];
    throw new Error(`${(failure as Error).message}\nThe focus's last moves:\n${journal.join('\n')}`);
  }
}

export async function openMyTrustedDevices(page: Page): Promise<void> {
  await page.getByRole('button', { name: /▾/ }).click();
  await page.getByRole('menuitem', { name: 'My profile' }).click();
  await page.getByRole('heading', { name: 'My trusted devices' }).waitFor();
}

export function deviceRow(page: Page, name: string | RegExp) {
  return page.getByRole('listitem').filter({ has: page.getByRole('heading', { name }) });
}

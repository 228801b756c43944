import { execSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { TestSystem } from '../support/system';

const ROOT = resolve(__dirname, '../..');
const WEB = join(ROOT, 'apps/web');
export const SCREENSHOTS = join(ROOT, 'test-output/browser');

/** The gateway serves apps/web/dist: build it when it is missing or older than its sources (no jest globalSetup needed). */
export function ensureWebAppBuilt(): void {
  const built = mtime(join(WEB, 'dist/index.html'));
  const sources = Math.max(newest(join(WEB, 'src')), mtime(join(WEB, 'index.html')), mtime(join(WEB, 'vite.config.ts')));
  if (built >= sources) return;
  execSync('npm run build:web --silent', { cwd: ROOT, stdio: 'pipe', timeout: 120_000 });
}

function mtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function newest(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((latest, entry) => {
    const path = join(dir, entry.name);
    return Math.max(latest, entry.isDirectory() ? newest(path) : mtime(path));
  }, 0);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A spec file's whole running system (optionally with `env` overrides) and one headless Chromium:
 * started before its tests (the web app built first if needed), stopped after them. Read
 * `suite.system` / `suite.browser` inside tests.
 */
export function browserSuite(env?: Record<string, string>): { readonly system: TestSystem; readonly browser: Browser } {
  let system: TestSystem | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    ensureWebAppBuilt();
    system = await TestSystem.start(env);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });
  return {
    get system() {
      if (!system) throw new Error('the test system is not started (use suite.system inside tests)');
      return system;
    },
    get browser() {
      if (!browser) throw new Error('Chromium is not started (use suite.browser inside tests)');
      return browser;
    },
  };
}

/**
 * Every move of the keyboard focus, kept in the page (`window.__focusJournal`): where it went, what
 * it left, and an element removed while it had the focus. A missed focus expectation prints the
 * last entries, so a failure says how the focus got where it is.
 */
const FOCUS_JOURNAL = `(() => {
  const journal = (window.__focusJournal = []);
  const name = (el) => !el ? 'nothing' : el === document.body ? 'body' :
    el.tagName.toLowerCase() + '[' + (el.getAttribute('aria-label') || el.getAttribute('data-device-id') || (el.textContent || '').trim().slice(0, 40)) + ']';
  const note = (what) => journal.push(Math.round(performance.now()) + ' ms ' + what + ' (' + location.pathname + ')');
  let focused = null;
  document.addEventListener('focusin', (event) => { focused = event.target; note('focus on ' + name(event.target)); }, true);
  document.addEventListener('focusout', (event) => note('focus left ' + name(event.target) + ' for ' + name(event.relatedTarget)), true);
  new MutationObserver((changes) => {
    for (const change of changes)
      for (const node of change.removedNodes)
        if (focused && (node === focused || (node.contains && node.contains(focused)))) note('removed ' + name(node) + ' holding the focus; now on ' + name(document.activeElement));
  }).observe(document, { childList: true, subtree: true });
})()`;

/** One browser profile = one device (WEB-6): each context has its own IndexedDB and so its own key. */
export async function newDevice(
  browser: Browser,
  baseURL: string,
  options: { viewport?: { width: number; height: number }; userAgent?: string; isMobile?: boolean; hasTouch?: boolean } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1200, height: 860 }, ...options });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  await page.addInitScript(FOCUS_JOURNAL);
  // The page's own errors show up in the test output, so a failure says why.
  page.on('pageerror', (error) => console.error(`[browser] ${error.message}`));
  page.on('console', (message) => message.type() === 'error' && console.error(`[browser console] ${message.text()}`));
  page.on(
    'response',
    (response) =>
      response.status() >= 500 && console.error(`[browser] ${response.status()} ${response.request().method()} ${response.url()}`),
  );
  return { context, page };
}

export interface DevUser {
  email: string;
  username?: string;
  workspaceId?: string;
  role?: 'owner' | 'admin' | 'member';
}

/** Local mode sign-in (AUTH-4, WEB-1) through the page's own form. */
export async function signIn(page: Page, user: DevUser): Promise<void> {
  await page.goto('/');
  await page.getByLabel('Email').fill(user.email);
  if (user.username) await page.getByLabel('Username (optional)').fill(user.username);
  if (user.workspaceId) await page.getByLabel('Workspace (optional)').fill(user.workspaceId);
  if (user.role) await page.getByLabel('Role (optional)').selectOption(user.role);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** A phone: 390 px wide, touch, an iPhone's User-Agent (the server names the device from it). */
export const PHONE = {
  viewport: { width: 390, height: 844 },
  userAgent:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  isMobile: true,
  hasTouch: true,
};

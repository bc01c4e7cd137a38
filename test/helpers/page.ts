// What the page tests (test/web/*.browser.test.ts) do again and again: open a watched page (console
// errors, exceptions, CSP violations, popups too), sign in with the keyboard, read a medium's QR
// code or a badge as a USB reader does, sign in a signer row, and open a printable page in a new tab.
import { expect } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { screenshot } from './browser.js';

export interface Watched {
  context: BrowserContext;
  page: Page;
  /** console errors and uncaught exceptions */
  errors: string[];
  /** Content-Security-Policy violations reported by the page (or by a popup of it) */
  cspViolations: (p?: Page) => Promise<string[]>;
}

export interface OpenOptions {
  locale?: string;
  viewport?: { width: number; height: number };
  /** Also run in every page before its own scripts (e.g. to record what it plays). */
  init?: () => void;
  /** Console errors to leave out, e.g. the browser's note about an expected 400 answer. */
  ignore?: RegExp;
}

/** A fresh browser context (no storage shared with other tests) with a watched page, opened at `url`. */
export async function openWatchedPage(browser: Browser, url: string, opts: OpenOptions = {}): Promise<Watched> {
  const context = await browser.newContext({ locale: opts.locale ?? 'ja-JP', viewport: opts.viewport ?? { width: 1280, height: 900 } });
  // Injected by the test harness (not subject to the page's CSP): records every violation.
  await context.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      w.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  if (opts.init) await context.addInitScript(opts.init);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !opts.ignore?.test(m.text())) errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  await page.goto(url);
  await page.waitForSelector('html:not(.i18n-pending)');
  return { context, page, errors, cspViolations: (p = page) => p.evaluate(() => (window as unknown as { __csp: string[] }).__csp) };
}

export const activeTestId = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null);
export const text = (page: Page, testId: string) => page.getByTestId(testId).innerText();

/** Signs in with the keyboard only: user name (autofocused), Tab, password, [Tab, badge], Enter; waits for the door screens. */
export async function signIn(page: Page, user: { username: string; password: string }, badge?: string, pin?: string) {
  await expect.poll(() => activeTestId(page)).toBe('username');
  await page.keyboard.type(user.username);
  await page.keyboard.press('Tab');
  await page.keyboard.type(user.password);
  if (badge) {
    await page.keyboard.press('Tab');
    await page.keyboard.type(badge, { delay: 2 });
    // The reader's Enter moves on to the badge's PIN (administrators: badge and PIN, E2.17).
    await page.keyboard.press('Enter');
    await expect.poll(() => activeTestId(page)).toBe('signin-pin');
    if (pin) await page.keyboard.type(pin);
  }
  const answer = page.waitForResponse((r) => r.url().endsWith('/api/auth/login'));
  await page.keyboard.press('Enter');
  expect((await answer).status()).toBe(200);
  await page.getByTestId('door-desk').waitFor();
}

/** Signs in with the keyboard, without a badge, as a person whose screens open on the shell (not the door desk); waits for it. */
export async function signInAs(page: Page, user: { username: string; password: string }) {
  await expect.poll(() => activeTestId(page)).toBe('username');
  await page.keyboard.type(user.username);
  await page.keyboard.press('Tab');
  await page.keyboard.type(user.password);
  const answer = page.waitForResponse((r) => r.url().endsWith('/api/auth/login'));
  await page.keyboard.press('Enter');
  expect((await answer).status()).toBe(200);
  await page.getByTestId('shell').waitFor();
}

/** What a USB reader does with a medium's QR code (or a person typing a label): keys, then Enter; the page looks the medium up. */
export async function scanMedium(page: Page, code: string) {
  const answer = page.waitForResponse((r) => r.url().includes('/api/media') && r.request().method() === 'GET' && !r.url().includes('/custody'));
  await page.keyboard.type(code, { delay: 1 });
  await page.keyboard.press('Enter');
  expect((await answer).status()).toBe(200);
}

/**
 * One signer row, scan first (issue 14, item 3): the signer's badge read into the row's name field
 * as a USB reader types it (keys, then Enter); their name appears and the PIN field takes the focus.
 * The PIN is typed by the caller.
 */
export async function sign(page: Page, row: Locator, p: { id: string; badge: string; name?: string }) {
  await row.getByTestId('signer-person').focus();
  await page.keyboard.type(p.badge, { delay: 1 });
  await page.keyboard.press('Enter');
  await expect.poll(() => activeTestId(page)).toBe('signer-pin');
  if (p.name) expect(await row.getByTestId('signer-person').inputValue()).toBe(p.name);
}

/**
 * A person field searched by typing (a part of the name, reading or organisation): the option of
 * person `id` is chosen with the arrow keys and Enter; answers the option texts that were offered.
 */
export async function pick(page: Page, field: Locator, query: string, id: string): Promise<string[]> {
  await field.click();
  await field.fill(query);
  const list = field.locator('xpath=following-sibling::ul');
  // The list answers this query (data-query), not one still coming back from before (e.g. the
  // search a change of place set off with the previous text).
  await expect.poll(() => list.evaluate((ul) => [(ul as HTMLElement).dataset.query, (ul as HTMLElement).dataset.state])).toEqual([query.trim(), 'done']);
  const option = list.locator(`[data-testid="picker-option"][data-person-id="${id}"]`);
  await option.waitFor();
  const offered = await list.getByTestId('picker-option').allInnerTexts();
  await option.click();
  await expect.poll(() => field.getAttribute('aria-expanded')).toBe('false');
  return offered;
}

/** The printable page a click opens in a new tab (a blob: page, fetched with the bearer token), loaded. */
export async function popupOf(page: Page, click: () => Promise<unknown>): Promise<Page> {
  const popupPromise = page.waitForEvent('popup');
  await click();
  const popup = await popupPromise;
  await popup.waitForURL(/^blob:/);
  await popup.waitForLoadState('load');
  return popup;
}

/**
 * Opens a watched page, runs the test's steps on it, then checks that the page (popups included,
 * when the steps checked them) broke no CSP rule and logged no error; the page is always closed.
 */
export async function withPage(open: () => Promise<Watched>, steps: (w: Watched) => Promise<void>) {
  const w = await open();
  try {
    await steps(w);
    expect(await w.cspViolations()).toEqual([]);
    expect(w.errors).toEqual([]);
  } finally {
    await w.context.close();
  }
}

/**
 * The text of the printable page a click opens (optionally saved as screenshot `shot`): it is
 * checked for CSP violations and closed, and the desk page is in front again.
 */
export async function popupText(w: Watched, click: () => Promise<unknown>, shot?: string): Promise<string> {
  const popup = await popupOf(w.page, click);
  const body = await popup.locator('body').innerText();
  if (shot) await screenshot(popup, shot);
  expect(await w.cspViolations(popup)).toEqual([]);
  await popup.close();
  await w.page.bringToFront();
  return body;
}

/** The answer to the request whose address ends with `pathEnd` that `action` (a key, a click) makes the page send. */
export async function answerTo(page: Page, pathEnd: string, action: () => Promise<unknown>, method = 'POST') {
  const answer = page.waitForResponse((r) => r.url().endsWith(pathEnd) && r.request().method() === method);
  await action();
  return answer;
}

/** What a USB badge reader does: types the token quickly, then Enter; the scan's answer (201). */
export async function readBadge(page: Page, badge: string) {
  const answer = page.waitForResponse((r) => r.url().endsWith('/api/scans') && r.request().method() === 'POST');
  await page.keyboard.type(badge, { delay: 1 });
  await page.keyboard.press('Enter');
  const res = await answer;
  expect(res.status()).toBe(201);
  return res.json();
}

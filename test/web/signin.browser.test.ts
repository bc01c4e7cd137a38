// The front-desk page in a real browser (Debian's Chromium via playwright-core), against a real
// server: sign-in with password and badge (E2.17), the previous sign-in/sign-out notice (E3.2),
// explicit sign-out that ends the session server-side (E3.4), the idle lock (E3.6), the
// password change when it has expired (E3.11), Japanese/English, and the strict CSP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, screenshot } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { legacyPin } from '../helpers/pins.js';
import { issueBadge } from '../../server/badges/service.js';

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

interface Watched {
  context: BrowserContext;
  page: Page;
  /** console errors and uncaught exceptions */
  errors: string[];
  /** Content-Security-Policy violations reported by the page */
  cspViolations: () => Promise<string[]>;
}

/** A fresh browser context (no storage shared with other tests) with a watched page. */
async function openPage(
  locale: string,
  path = '/',
  viewport = { width: 1280, height: 800 },
  prepare?: (context: BrowserContext) => Promise<void>,
): Promise<Watched> {
  const context = await browser.newContext({ locale, viewport });
  await prepare?.(context);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  // Injected by the test harness (not subject to the page's CSP): records every violation.
  await page.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      w.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  await page.goto(server.url + path);
  await page.waitForSelector('html:not(.i18n-pending)');
  return {
    context,
    page,
    errors,
    cspViolations: () => page.evaluate(() => (window as unknown as { __csp: string[] }).__csp),
  };
}

/** Console errors other than the browser's own note about an expected 4xx answer. */
function unexpected(errors: string[], allowedStatuses: number[] = []): string[] {
  return errors.filter((e) => {
    const m = /Failed to load resource: the server responded with a status of (\d+)/.exec(e);
    return !(m && allowedStatuses.includes(Number(m[1])));
  });
}

const loginResponse = (page: Page) =>
  page.waitForResponse((r) => r.url().endsWith('/api/auth/login') && r.request().method() === 'POST');

/** Signs in with the keyboard only: user name (autofocused), Tab, password, Tab, badge, Enter. */
async function signInByKeyboard(page: Page, user: { username: string; password: string }, badge?: string, pin?: string) {
  await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('username');
  await page.keyboard.type(user.username);
  await page.keyboard.press('Tab');
  await page.keyboard.type(user.password);
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('badge');
  const answer = loginResponse(page);
  // A USB badge reader "types" the token and finishes with Enter, which moves on to the PIN.
  if (badge) {
    await page.keyboard.type(badge, { delay: 5 });
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('signin-pin');
  }
  if (pin) await page.keyboard.type(pin);
  await page.keyboard.press('Enter');
  return answer;
}

/** The one way of writing a time (issue 14): 2026/12/06 01:39:14 on the site's clock. */
function formatInPage(page: Page, iso: string, _lang: string) {
  return page.evaluate(
    ([iso, timeZone]) => {
      const p = Object.fromEntries(
        new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
          .formatToParts(new Date(iso!))
          .map((x) => [x.type, x.value]),
      );
      return `${p.year}/${p.month}/${p.day} ${p.hour}:${p.minute}:${p.second}`;
    },
    [iso, server.ctx.config.displayTimeZone],
  );
}

const text = (page: Page, testId: string) => page.getByTestId(testId).innerText();

describe('front-desk page: loading', () => {
  it('loads in Japanese for a ja-JP browser, with no console errors, no CSP violations, under 150 KB', async () => {
    const w = await openPage('ja-JP');
    try {
      const { page } = w;
      expect(await page.getAttribute('html', 'lang')).toBe('ja');
      expect(await page.title()).toBe('Tachiai 立会い');
      await expect.poll(() => page.getByTestId('signin-submit').innerText()).toBe('サインイン');
      expect(await page.locator('label[for="username"]').innerText()).toBe('ユーザー名');
      expect(await page.locator('label[for="password"]').innerText()).toBe('パスワード');
      expect(await page.getByTestId('lang-switch').innerText()).toBe('English');
      expect(await page.getByTestId('shell').isVisible()).toBe(false);
      expect(await page.getByTestId('signin-error').isVisible()).toBe(false);
      // Keyboard-first: the user name has the focus; the autocomplete hints are right.
      await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('username');
      expect(await page.getAttribute('[data-testid="username"]', 'autocomplete')).toBe('username');
      expect(await page.getAttribute('[data-testid="password"]', 'autocomplete')).toBe('current-password');
      // The version and the time zone come from GET /api/config.
      await expect.poll(() => page.locator('footer').innerText()).toContain('Asia/Tokyo');

      // Page weight: document + assets, as transferred and as decoded.
      await page.waitForLoadState('networkidle');
      const weight = await page.evaluate(() => {
        const entries = [
          ...performance.getEntriesByType('navigation'),
          ...performance.getEntriesByType('resource'),
        ] as PerformanceResourceTiming[];
        const own = entries.filter((e) => !new URL(e.name).pathname.startsWith('/api/'));
        return {
          files: own.map((e) => new URL(e.name).pathname),
          transferred: own.reduce((n, e) => n + e.transferSize, 0),
          decoded: own.reduce((n, e) => n + e.decodedBodySize, 0),
        };
      });
      expect(weight.files).toEqual(expect.arrayContaining(['/', '/assets/app.js', '/assets/i18n.js', '/assets/style.css']));
      expect(weight.transferred).toBeGreaterThan(0);
      expect(weight.transferred).toBeLessThan(150 * 1024);
      expect(weight.decoded).toBeLessThan(150 * 1024);

      await screenshot(page, 'signin-ja');
      expect(await w.cspViolations()).toEqual([]);
      expect(w.errors).toEqual([]);
    } finally {
      await w.context.close();
    }
  });

  it('loads in English for an en-US browser; the language switch changes it and is remembered', async () => {
    const w = await openPage('en-US');
    try {
      const { page } = w;
      expect(await page.getAttribute('html', 'lang')).toBe('en');
      expect(await page.getByTestId('signin-submit').innerText()).toBe('Sign in');
      expect(await page.locator('label[for="username"]').innerText()).toBe('User name');
      await screenshot(page, 'signin-en');

      await page.getByTestId('lang-switch').click();
      expect(await page.getAttribute('html', 'lang')).toBe('ja');
      expect(await page.getByTestId('signin-submit').innerText()).toBe('サインイン');
      expect(await page.evaluate(() => localStorage.getItem('tachiai.lang'))).toBe('ja');
      await page.reload();
      await page.waitForSelector('html:not(.i18n-pending)');
      expect(await page.getAttribute('html', 'lang')).toBe('ja');
      expect(await page.getByTestId('signin-submit').innerText()).toBe('サインイン');

      expect(await w.cspViolations()).toEqual([]);
      expect(w.errors).toEqual([]);
    } finally {
      await w.context.close();
    }
  });
});

describe('front-desk page: signing in and out', () => {
  it('an administrator signs in with password and badge, sees the previous sign-in, signs out, and signs in again', async () => {
    const w = await openPage('ja-JP');
    try {
      const { page } = w;
      const first = await signInByKeyboard(page, server.admin, server.admin.badgeToken, server.admin.badgePin);
      expect(first.status()).toBe(200);
      const firstBody = await first.json();
      // The badge was sent, and the token is kept in memory only.
      expect(first.request().postDataJSON()).toEqual({
        username: server.admin.username,
        password: server.admin.password,
        badge: server.admin.badgeToken,
        pin: server.admin.badgePin,
      });
      // The PIN never stays in the form.
      expect(await page.getByTestId('signin-pin').inputValue()).toBe('');

      await page.getByTestId('shell').waitFor();
      expect(await text(page, 'current-user')).toBe(server.admin.name);
      expect(await page.getByTestId('current-roles').innerText()).toContain('管理者');
      expect(await page.getByTestId('signin-screen').isVisible()).toBe(false);
      const notice = await text(page, 'previous-login');
      expect(notice).toContain('前回のサインイン');
      expect(notice).toContain('前回のサインアウト');
      if (firstBody.previousLoginAt === null) {
        expect(await text(page, 'previous-login-at')).toBe('なし（初回のサインイン）');
      }
      // The four sections, each with an empty state.
      for (const [id, label] of [['door', '入退室'], ['media', '媒体管理'], ['destruction', '廃棄'], ['audit', '監査']]) {
        expect(await page.getByTestId(`nav-${id}`).innerText()).toBe(label);
      }
      await page.getByTestId('nav-media').click();
      expect(await page.getByTestId('panel-media').isVisible()).toBe(true);
      expect(await page.getByTestId('panel-door').isVisible()).toBe(false);
      await page.keyboard.press('ArrowRight'); // tabs follow the arrow keys
      expect(await page.getByTestId('panel-destruction').isVisible()).toBe(true);
      await page.getByTestId('nav-door').click();
      expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k !== 'tachiai.lang'))).toEqual([]);
      expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual([]);
      expect(await page.evaluate(() => document.cookie)).toBe('');
      await screenshot(page, 'signin-shell-ja');

      // Sign out: 204, the sign-in screen again, the token no longer works.
      const logout = page.waitForResponse((r) => r.url().endsWith('/api/auth/logout'));
      await page.getByTestId('signout').click();
      expect((await logout).status()).toBe(204);
      await page.getByTestId('signin-screen').waitFor();
      expect(await page.getByTestId('shell').isVisible()).toBe(false);
      expect(await text(page, 'signin-notice')).toBe('サインアウトしました。');
      expect(await page.getByTestId('current-user').textContent()).toBe('');
      const me = await page.evaluate(async (token) => (await fetch('/api/auth/me', { headers: { Authorization: `Bearer ${token}` } })).status, firstBody.token);
      expect(me).toBe(401);

      // Second sign-in: the notice shows the first session's real times.
      const second = await signInByKeyboard(page, server.admin, server.admin.badgeToken, server.admin.badgePin);
      expect(second.status()).toBe(200);
      const secondBody = await second.json();
      expect(secondBody.previousLoginAt).not.toBeNull();
      expect(secondBody.previousLogoutAt).not.toBeNull();
      expect(Math.abs(Date.parse(secondBody.previousLoginAt) - Date.now())).toBeLessThan(60_000);
      await page.getByTestId('shell').waitFor();
      expect(await text(page, 'previous-login-at')).toBe(await formatInPage(page, secondBody.previousLoginAt, 'ja'));
      expect(await text(page, 'previous-logout-at')).toBe(await formatInPage(page, secondBody.previousLogoutAt, 'ja'));
      expect(await text(page, 'previous-login')).not.toContain('なし');
      await screenshot(page, 'signin-shell-previous-ja');
      await page.setViewportSize({ width: 390, height: 844 });
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await screenshot(page, 'signin-shell-ja-narrow');
      await page.setViewportSize({ width: 1280, height: 800 });

      // Switching language while signed in re-renders names, roles and times.
      await page.getByTestId('lang-switch').click();
      expect(await page.getByTestId('current-roles').innerText()).toContain('Administrator');
      expect(await text(page, 'previous-login-at')).toBe(await formatInPage(page, secondBody.previousLoginAt, 'en'));
      expect(await page.getByTestId('signout').innerText()).toBe('Sign out');

      await page.getByTestId('signout').click();
      await page.getByTestId('signin-screen').waitFor();
      expect(await w.cspViolations()).toEqual([]);
      expect(unexpected(w.errors, [401])).toEqual([]); // 401: the dead token checked above
    } finally {
      await w.context.close();
    }
  });

  it('a first sign-in says so, and a wrong password shows the translated message', async () => {
    const user = await server.createUser({ roles: ['guard'], name: '受付 花子' });
    const w = await openPage('en-US');
    try {
      const { page } = w;
      const failed = await signInByKeyboard(page, { username: user.username, password: 'not-the-password-9' });
      expect(failed.status()).toBe(401);
      const error = page.getByTestId('signin-error');
      await error.waitFor();
      expect(await error.innerText()).toBe('The user name, password or badge is not correct.');
      expect(await error.getAttribute('role')).toBe('alert');
      // The password is cleared and focused for another try; the user name is kept.
      expect(await page.getByTestId('password').inputValue()).toBe('');
      expect(await page.getByTestId('username').inputValue()).toBe(user.username);
      await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('password');
      await screenshot(page, 'signin-error-en');

      // Now the right password, without a badge (not an administrator): the shell.
      await page.keyboard.type(user.password);
      const ok = loginResponse(page);
      await page.keyboard.press('Enter');
      const okRes = await ok;
      expect(okRes.status()).toBe(200);
      expect(okRes.request().postDataJSON()).toEqual({ username: user.username, password: user.password });
      await page.getByTestId('shell').waitFor();
      expect(await text(page, 'current-user')).toBe('受付 花子');
      expect(await page.getByTestId('current-roles').innerText()).toBe('Front desk / guard');
      expect(await text(page, 'previous-login-at')).toBe('none (first sign-in)');
      expect(await page.getByTestId('signin-error').isVisible()).toBe(false);
      await screenshot(page, 'signin-shell-en');
      await page.getByTestId('signout').click();
      await page.getByTestId('signin-screen').waitFor();

      expect(await w.cspViolations()).toEqual([]);
      expect(unexpected(w.errors, [401])).toEqual([]);
    } finally {
      await w.context.close();
    }
  });

  it('Enter in the user name moves on to the password; Enter with no password asks for it', async () => {
    const w = await openPage('en-US');
    try {
      const { page } = w;
      await page.keyboard.type('someone');
      await page.keyboard.press('Enter');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('password');
      expect(await page.getByTestId('signin-error').isVisible()).toBe(false);
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter'); // from the badge field, password still empty: no request
      await page.getByTestId('signin-error').waitFor();
      expect(await text(page, 'signin-error')).toBe('Enter your password.');
      await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('password');
      expect(w.errors).toEqual([]);
    } finally {
      await w.context.close();
    }
  });

  it('an administrator without the badge is asked for it, with the focus on the badge field', async () => {
    for (const [locale, message] of [
      ['en-US', 'scan your badge or IC card and type its PIN'],
      ['ja-JP', 'バッジまたはICカードを読み取り、その暗証番号を入力してください'],
    ] as const) {
      const w = await openPage(locale);
      try {
        const { page } = w;
        const res = await signInByKeyboard(page, server.admin);
        expect(res.status()).toBe(401);
        expect((await res.json()).error.code).toBe('second_factor_required');
        await page.getByTestId('signin-error').waitFor();
        expect(await text(page, 'signin-error')).toContain(message);
        await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('badge');
        expect(await page.getByTestId('password').inputValue()).toBe(server.admin.password);
        if (locale === 'ja-JP') await screenshot(page, 'signin-badge-required-ja');

        // Scanning the badge moves on to its PIN; typing it finishes the sign-in.
        const answer = loginResponse(page);
        await page.keyboard.type(server.admin.badgeToken, { delay: 5 });
        await page.keyboard.press('Enter');
        await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('signin-pin');
        await page.keyboard.type(server.admin.badgePin);
        await page.keyboard.press('Enter');
        expect((await answer).status()).toBe(200);
        await page.getByTestId('shell').waitFor();
        await page.getByTestId('signout').click();
        await page.getByTestId('signin-screen').waitFor();

        expect(await w.cspViolations()).toEqual([]);
        expect(unexpected(w.errors, [401])).toEqual([]);
      } finally {
        await w.context.close();
      }
    }
  });
});

describe('front-desk page: idle lock (E3.6)', () => {
  it('with ?idle=2, clears the screen, ends the session on the server and says why', async () => {
    const w = await openPage('en-US', '/?idle=2');
    try {
      const { page } = w;
      const res = await signInByKeyboard(page, server.admin, server.admin.badgeToken, server.admin.badgePin);
      const { token } = await res.json();
      const logout = page.waitForResponse((r) => r.url().endsWith('/api/auth/logout'), { timeout: 10_000 });
      await page.getByTestId('shell').waitFor();
      expect(await text(page, 'current-user')).toBe(server.admin.name);

      // No keyboard or pointer activity from here on.
      const started = Date.now();
      await page.getByTestId('signin-notice').waitFor({ timeout: 10_000 });
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThan(500); // not at once…
      expect(elapsed).toBeLessThan(8000); // …but soon after the 2 s
      expect(await text(page, 'signin-notice')).toBe('Signed out after 2 seconds without activity.');
      expect(await page.getByTestId('shell').isVisible()).toBe(false);
      expect(await page.getByTestId('signin-screen').isVisible()).toBe(true);
      // Nothing of the session is left on the page.
      const body = await page.locator('body').innerText();
      expect(body).not.toContain(server.admin.name);
      expect(await page.getByTestId('current-user').textContent()).toBe('');
      expect(await page.getByTestId('previous-login-at').textContent()).toBe('');
      expect(await page.getByTestId('password').inputValue()).toBe('');
      expect(await page.getByTestId('badge').inputValue()).toBe('');
      await screenshot(page, 'idle-locked-en');

      expect((await logout).status()).toBe(204);
      const status = await page.evaluate(
        async (t) => (await fetch('/api/auth/me', { headers: { Authorization: `Bearer ${t}` } })).status,
        token,
      );
      expect(status).toBe(401);

      expect(await w.cspViolations()).toEqual([]);
      expect(unexpected(w.errors, [401])).toEqual([]);
    } finally {
      await w.context.close();
    }
  });

  it('in Japanese, the idle message reads naturally', async () => {
    const w = await openPage('ja-JP', '/?idle=2');
    try {
      const { page } = w;
      await signInByKeyboard(page, server.admin, server.admin.badgeToken, server.admin.badgePin);
      await page.getByTestId('shell').waitFor();
      await page.getByTestId('signin-notice').waitFor({ timeout: 10_000 });
      expect(await text(page, 'signin-notice')).toBe('2秒間操作がなかったため、サインアウトしました。');
      await screenshot(page, 'idle-locked-ja');
    } finally {
      await w.context.close();
    }
  });

  it('activity keeps the page signed in', async () => {
    const w = await openPage('en-US', '/?idle=3');
    try {
      const { page } = w;
      await signInByKeyboard(page, server.admin, server.admin.badgeToken, server.admin.badgePin);
      await page.getByTestId('shell').waitFor();
      for (let i = 0; i < 5; i++) {
        await page.waitForTimeout(1000);
        await page.keyboard.press('Shift');
      }
      expect(await page.getByTestId('shell').isVisible()).toBe(true);
      await page.getByTestId('signout').click();
      await page.getByTestId('signin-screen').waitFor();
    } finally {
      await w.context.close();
    }
  });

  it('while the user is active, the token is refreshed and the lock does not fire', async () => {
    const w = await openPage('en-US', '/', undefined, (context) => context.clock.install());
    try {
      const { page } = w;
      const refreshes: number[] = [];
      page.on('response', (r) => {
        if (r.url().endsWith('/api/auth/refresh')) refreshes.push(r.status());
      });
      await signInByKeyboard(page, server.admin, server.admin.badgeToken, server.admin.badgePin);
      await page.getByTestId('shell').waitFor();
      // Six minutes of page time with a key pressed every minute, and no other API call.
      for (let i = 0; i < 6; i++) {
        await page.clock.runFor(60_000);
        await page.keyboard.press('Shift');
      }
      await page.clock.runFor(2_000);
      await expect.poll(() => refreshes.length).toBeGreaterThan(0);
      expect(refreshes.every((s) => s === 200)).toBe(true);
      expect(await page.getByTestId('shell').isVisible()).toBe(true);
      expect(await page.getByTestId('idle-warning').isVisible()).toBe(false);
      const logout = page.waitForResponse((r) => r.url().endsWith('/api/auth/logout'));
      await page.getByTestId('signout').click();
      expect((await logout).status()).toBe(204); // the refreshed token is the live one
    } finally {
      await w.context.close();
    }
  });

  it('?idle= never lengthens the server timeout: 5 minutes still lock the page', async () => {
    const w = await openPage('en-US', '/?idle=99999', undefined, (context) => context.clock.install());
    try {
      const { page } = w;
      await signInByKeyboard(page, server.admin, server.admin.badgeToken, server.admin.badgePin);
      await page.getByTestId('shell').waitFor();
      await page.clock.runFor(4 * 60_000 + 40_000);
      expect(await page.getByTestId('shell').isVisible()).toBe(true);
      // The last 30 seconds: a warning that any key keeps the session.
      expect(await text(page, 'idle-warning')).toContain('signed out soon');
      await page.clock.runFor(25_000);
      await page.getByTestId('signin-notice').waitFor();
      expect(await text(page, 'signin-notice')).toBe('Signed out after 5 minutes without activity.');
      expect(await page.getByTestId('shell').isVisible()).toBe(false);
    } finally {
      await w.context.close();
    }
  });
});

describe('front-desk page: expired password (E3.11)', () => {
  it('asks for a new password, lists every broken rule in the page language, then opens the shell', async () => {
    const user = await server.createUser({ roles: ['staff'], name: '担当 次郎' });
    await server.ctx.db
      .knex('accounts')
      .where({ username: user.username })
      .update({ password_changed_at: new Date(Date.now() - 400 * 24 * 3600 * 1000) });
    const w = await openPage('en-US', '/', { width: 390, height: 844 });
    try {
      const { page } = w;
      const res = await signInByKeyboard(page, user);
      expect((await res.json()).passwordExpired).toBe(true);
      await page.getByTestId('password-screen').waitFor();
      expect(await page.getByTestId('shell').isVisible()).toBe(false);
      await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('current-password');

      // Too short, letters only: both rules are named.
      await page.keyboard.type(user.password);
      await page.keyboard.press('Tab');
      await page.keyboard.type('abcd');
      await page.keyboard.press('Tab');
      await page.keyboard.type('abcd');
      const refused = page.waitForResponse((r) => r.url().endsWith('/api/auth/password'));
      await page.keyboard.press('Enter');
      const refusedRes = await refused;
      expect(refusedRes.status()).toBe(400);
      const codes = ((await refusedRes.json()).error.details as Array<{ code: string }>).map((d) => d.code);
      expect(codes).toEqual(expect.arrayContaining(['too_short', 'sequential_characters', 'letters_only']));
      await page.getByTestId('password-error').waitFor();
      const error = await text(page, 'password-error');
      expect(error).toContain('The new password does not meet these rules');
      expect(error).toContain('Use at least 8 characters.');
      expect(error).toContain('Do not use letters only: add digits or symbols.');
      expect(error).toContain('Do not include sequences of digits or letters');
      expect(await page.getByTestId('password-error').locator('li').count()).toBe(codes.length);
      await screenshot(page, 'password-policy-en-narrow');

      // A good one: the shell opens.
      await page.getByTestId('new-password').fill('Tz4#pW9!mK');
      await page.getByTestId('confirm-password').fill('Tz4#pW9!mK');
      const accepted = page.waitForResponse((r) => r.url().endsWith('/api/auth/password'));
      await page.getByTestId('password-submit').click();
      expect((await accepted).status()).toBe(204);
      await page.getByTestId('shell').waitFor();
      expect(await text(page, 'current-user')).toBe('担当 次郎');
      await page.getByTestId('signout').click();
      await page.getByTestId('signin-screen').waitFor();

      expect(await w.cspViolations()).toEqual([]);
      expect(unexpected(w.errors, [400])).toEqual([]);
    } finally {
      await w.context.close();
    }
  });
});

describe('badge PINs in the browser (security review, finding 1)', () => {
  it('a badge issued to someone is shown to them at their next sign-in, with who issued it', async () => {
    const user = await server.createUser({ roles: ['staff'], name: '通知 花子' });
    const token = await server.adminToken();
    const issued = await fetch(`${server.url}/api/badges`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ personId: user.personId }) });
    expect(issued.status).toBe(201);
    const w = await openPage('ja-JP');
    try {
      const { page } = w;
      expect((await signInByKeyboard(page, user)).status()).toBe(200);
      await page.getByTestId('credential-notices').waitFor();
      const notices = await text(page, 'credential-notices');
      expect(notices).toContain('入館証が発行されました（発行者: 管理 太郎）');
      expect(notices).toContain('心当たりのないものがあれば、すぐに責任者に連絡してください。');
      await screenshot(page, 'signin-credential-notice-ja');
      expect(unexpected(w.errors)).toEqual([]);
    } finally {
      await w.context.close();
    }
  });

  it('an administrator whose PIN is from before the review is sent to change it, changes it on the PIN page, and signs in', async () => {
    const admin = await server.createUser({ roles: ['admin'], name: '旧式 管理者' });
    const badge = await server.ctx.db.knex.transaction((trx) => issueBadge(server.ctx, trx, { personId: admin.personId, actor: 'test', actorPersonId: null }));
    await legacyPin(server.ctx, badge.id, '4826');
    const w = await openPage('ja-JP');
    try {
      const { page } = w;
      const refused = await signInByKeyboard(page, admin, badge.token, '4826');
      expect(refused.status()).toBe(403);
      await page.getByTestId('signin-error').waitFor();
      expect(await text(page, 'signin-error')).toContain('バッジの暗証番号が6桁未満です');
      await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('pin-change-link');
      await screenshot(page, 'signin-pin-change-required-ja');
      await page.keyboard.press('Enter');
      await page.getByTestId('pin-form').waitFor();
      await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('pin-badge');
      // The reader types the badge and Enter (on to the current PIN); then the PINs by keyboard.
      await page.keyboard.type(badge.token, { delay: 2 });
      await page.keyboard.press('Enter');
      await page.keyboard.type('4826');
      await page.keyboard.press('Tab');
      await page.keyboard.type('123456');
      await page.keyboard.press('Tab');
      await page.keyboard.type('123456');
      await page.keyboard.press('Enter');
      await page.getByTestId('pin-error').waitFor();
      expect(await text(page, 'pin-error')).toContain('推測されやすい番号です');
      for (const id of ['pin-badge', 'pin-current', 'pin-new', 'pin-again']) expect(await page.getByTestId(id).inputValue(), id).toBe('');
      await page.getByTestId('pin-badge').fill(badge.token);
      await page.getByTestId('pin-current').fill('4826');
      await page.getByTestId('pin-new').fill('583920');
      await page.getByTestId('pin-again').fill('583920');
      const changed = page.waitForResponse((r) => r.url().endsWith('/api/badges/pin/change'));
      await page.getByTestId('pin-submit').click();
      expect((await changed).status()).toBe(200);
      await expect.poll(() => text(page, 'pin-result')).toBe('暗証番号を変更しました。次の署名から新しい暗証番号を使ってください。');
      await screenshot(page, 'pin-change-ja');
      await page.getByTestId('lang-switch').click();
      expect(await text(page, 'pin-result')).toBe('Your PIN is changed. Use the new one from your next signature.');
      await screenshot(page, 'pin-change-en');
      expect(await w.cspViolations()).toEqual([]);

      await page.goto(server.url + '/');
      await page.waitForSelector('html:not(.i18n-pending)');
      expect((await signInByKeyboard(page, admin, badge.token, '583920')).status()).toBe(200);
      await page.getByTestId('shell').waitFor();
    } finally {
      await w.context.close();
    }
  });
});

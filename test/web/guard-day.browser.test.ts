// A guard's day (issue 14, items 1, 2, 4 and 5): the guard signs in at the front desk, scans a few
// badges, and walks away; the desk signs itself out (E3.6) with the focus in ユーザー名. The next
// person's badge, read by the USB reader into that field, is refused and cleared at once with a
// message that the desk is signed out and nothing was recorded: never sent as a user name or a
// password, nowhere on the page. Meanwhile the door station's kiosk in another page keeps logging
// through all of it. Also: a card reader's UID is refused the same way while a person typing a
// user name is not; the password-change screen refuses a badge too; the previous sign-in notice
// (E3.2) folds to one line once acknowledged, for that sign-in only; the door log at 800 px keeps
// its reason column on screen.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page, Request } from 'playwright-core';
import { launchBrowser, screenshot } from '../helpers/browser.js';
import { activeTestId, openWatchedPage, signIn, text, type Watched } from '../helpers/page.js';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.js';
import { custodySite, type CustodySite, type SitePerson } from '../helpers/custody.js';

let server: TestServer;
let browser: Browser;
let site: CustodySite;
let guard: TestUser;
let people: SitePerson[];
let station: { credential: string; enrolUrl: string };

const SIGNED_OUT = 'この端末はサインアウトしています。入館証の読み取りは記録されていません。係員がサインインしてから読み取ってください。';

/** What a USB reader does: the characters fast, then Enter. */
async function read(page: Page, value: string) {
  await page.keyboard.type(value, { delay: 1 });
  await page.keyboard.press('Enter');
}

async function readAt(page: Page, badge: string) {
  const answer = page.waitForResponse((r) => r.url().endsWith('/api/scans') && r.request().method() === 'POST');
  await read(page, badge);
  const res = await answer;
  expect(res.status()).toBe(201);
  return res.json();
}

const entryIds = async () => ((await site.ok('get', `/api/entries?roomId=${site.roomId}&limit=200`, undefined, 200)).items as Array<{ id: string }>).map((e) => e.id);

/** Every field value on the page, and the page's markup. */
const pageHolds = (page: Page) =>
  page.evaluate(() => [document.documentElement.outerHTML, ...Array.from(document.querySelectorAll('input, textarea'), (i) => (i as HTMLInputElement).value)].join('\n'));

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer({ scryptCost: 1024 }), launchBrowser()]);
  site = await custodySite(server);
  people = [];
  for (const name of ['山田 花子', '佐藤 次郎', '鈴木 三郎', '高橋 四郎', '田中 五郎']) people.push(await site.person(name, ['staff']));
  guard = await server.createUser({ roles: ['guard'], name: '受付 花子', password: 'Gk7#vQ2$mX9p' });
  station = await site.ok('post', '/api/door-stations', { roomId: site.roomId, name: '第1処理室 入口' }, 201);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('a guard\'s day at the front desk, with a door station beside it', () => {
  it('the desk signs itself out; the next badge read into ユーザー名 is refused, sent nowhere, kept nowhere; the kiosk logs on', async () => {
    const kiosk = await openWatchedPage(browser, `${server.url}${station.enrolUrl}`, { locale: 'ja-JP', viewport: { width: 1366, height: 768 } });
    const desk = await openWatchedPage(browser, `${server.url}/?idle=4`, { locale: 'ja-JP', viewport: { width: 1366, height: 900 } });
    try {
      const [a, b, c, d, e] = people as [SitePerson, SitePerson, SitePerson, SitePerson, SitePerson];
      const kioskEntries: string[] = [];
      await expect.poll(() => text(kiosk.page, 'station-room')).toBe('第1処理室');
      kioskEntries.push((await readAt(kiosk.page, d.badge)).entryId);

      // The guard signs in at the desk and scans a few badges.
      const { page } = desk;
      await signIn(page, guard);
      await expect.poll(() => activeTestId(page)).toBe('scan-input');
      await page.getByTestId('scan-room').selectOption(site.roomId);
      await expect.poll(() => activeTestId(page)).toBe('scan-input');
      const deskScans = [await readAt(page, a.badge), await readAt(page, b.badge)];
      expect(deskScans.map((s) => s.decision)).toEqual(['granted', 'granted']);

      // The guard walks away: the desk signs itself out, the focus in ユーザー名.
      const requests: Request[] = [];
      page.on('request', (r) => requests.push(r));
      await page.getByTestId('signin-notice').waitFor({ timeout: 15_000 });
      expect(await text(page, 'signin-notice')).toBe('4秒間操作がなかったため、サインアウトしました。');
      await expect.poll(() => activeTestId(page)).toBe('username');
      // Meanwhile the kiosk keeps recording (it has no session to lose).
      kioskEntries.push((await readAt(kiosk.page, e.badge)).entryId);

      // The next person's badge, read into ユーザー名: refused and cleared at once, with the message.
      const before = await entryIds();
      const seen = requests.length;
      await read(page, c.badge);
      await expect.poll(() => text(page, 'signin-error')).toBe(SIGNED_OUT);
      expect(await page.getByTestId('signin-error').getAttribute('role')).toBe('alert');
      expect(await page.getByTestId('username').inputValue()).toBe('');
      expect(await activeTestId(page)).toBe('username');
      await screenshot(page, 'guard-day-desk-refused-ja');
      await page.setViewportSize({ width: 800, height: 900 });
      await screenshot(page, 'guard-day-desk-refused-ja-800');
      await page.setViewportSize({ width: 1366, height: 900 });
      // Into the password field too.
      await page.keyboard.press('Tab');
      expect(await activeTestId(page)).toBe('password');
      await read(page, c.badge);
      expect(await page.getByTestId('password').inputValue()).toBe('');
      expect(await text(page, 'signin-error')).toBe(SIGNED_OUT);
      // An IC card's UID, typed by its reader in a burst: refused the same way.
      await page.getByTestId('username').focus();
      await read(page, '04A1B2C3D4E5F6');
      expect(await page.getByTestId('username').inputValue()).toBe('');
      expect(await text(page, 'signin-error')).toBe(SIGNED_OUT);

      // Nothing was sent: no sign-in, no scan, and no request carried the badge.
      await page.waitForTimeout(300);
      const after = requests.slice(seen);
      expect(after.filter((r) => r.url().includes('/api/auth/login') || r.url().includes('/api/scans'))).toEqual([]);
      for (const r of requests) {
        expect(r.url()).not.toContain(c.badge);
        expect(r.postData() ?? '').not.toContain(c.badge);
        expect(r.postData() ?? '').not.toContain('04A1B2C3D4E5F6');
      }
      // Nowhere in the page or its fields.
      expect(await pageHolds(page)).not.toContain(c.badge);
      expect(await pageHolds(page)).not.toContain('04A1B2C3D4E5F6');
      // Nothing recorded at the door by the desk since; the kiosk's scans all are.
      const now = await entryIds();
      expect(now.filter((id) => !before.includes(id))).toEqual([]);
      expect(now).toEqual(expect.arrayContaining([...kioskEntries, ...deskScans.map((s) => s.entryId)]));

      // A person typing a user name at a person's pace (even one of hex letters) is not refused.
      await page.getByTestId('username').fill('');
      await page.keyboard.type('abc123', { delay: 80 });
      await page.keyboard.press('Enter');
      expect(await page.getByTestId('username').inputValue()).toBe('abc123');
      expect(await activeTestId(page)).toBe('password');
      await page.getByTestId('username').fill('');

      // The guard comes back and signs in: the kiosk's scans made meanwhile are in the desk's log.
      await signIn(page, guard);
      for (const id of kioskEntries) await page.locator(`[data-testid="log-row"][data-entry-id="${id}"]`).waitFor();

      expect(await desk.cspViolations()).toEqual([]);
      expect(desk.errors).toEqual([]);
      expect(await kiosk.cspViolations()).toEqual([]);
      expect(kiosk.errors).toEqual([]);
    } finally {
      await desk.context.close();
      await kiosk.context.close();
    }
  });

  it('the sign-in form\'s own badge field (administrators\' second factor) still takes a badge', async () => {
    // The sign-in form's own badge field is legitimate: the administrator signs in with it.
    const w = await openWatchedPage(browser, server.url, { locale: 'ja-JP' });
    try {
      await signIn(w.page, server.admin, server.admin.badgeToken, server.admin.badgePin);
      await w.page.getByTestId('shell').waitFor();
      expect(w.errors).toEqual([]);
    } finally {
      await w.context.close();
    }
  });

  it('the password-change screen refuses a badge read into its fields', async () => {
    const user = await server.createUser({ roles: ['guard'], name: '期限 切子' });
    await server.ctx.db.knex('accounts').where({ username: user.username }).update({ password_changed_at: new Date(Date.now() - 400 * 24 * 3600 * 1000) });
    const w = await openWatchedPage(browser, server.url, { locale: 'ja-JP' });
    try {
      const { page } = w;
      await expect.poll(() => activeTestId(page)).toBe('username');
      await page.keyboard.type(user.username);
      await page.keyboard.press('Tab');
      await page.keyboard.type(user.password);
      await page.keyboard.press('Enter');
      await page.getByTestId('password-screen').waitFor();
      await expect.poll(() => activeTestId(page)).toBe('current-password');
      const requests: Request[] = [];
      page.on('request', (r) => requests.push(r));
      await read(page, people[0]!.badge);
      await expect.poll(() => text(page, 'password-error')).toBe('パスワードの変更中のため、入館証の読み取りは記録されていません。パスワードを変更してから読み取ってください。');
      expect(await page.getByTestId('current-password').inputValue()).toBe('');
      expect(requests.filter((r) => r.url().includes('/api/auth/password'))).toEqual([]);
      expect(w.errors).toEqual([]);
    } finally {
      await w.context.close();
    }
  });

  it('the previous sign-in notice (E3.2) folds to one line once acknowledged, for this sign-in only; the log at 800 px shows the reason', async () => {
    const w = await openWatchedPage(browser, server.url, { locale: 'ja-JP', viewport: { width: 800, height: 900 } });
    try {
      const { page } = w;
      await signIn(page, guard);
      const notice = page.getByTestId('previous-login');
      expect(await notice.innerText()).toContain('前回のサインアウト');
      await page.getByTestId('previous-ack').click();
      const folded = page.getByTestId('previous-folded');
      await folded.waitFor();
      expect(await folded.innerText()).toMatch(/^前回のサインイン \d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}\s*詳細 ▸$/);
      expect(await page.getByTestId('previous-login-at').isVisible()).toBe(false);
      expect(await page.getByTestId('previous-ack').isVisible()).toBe(false);
      const height = (await notice.boundingBox())!.height;
      expect(height).toBeLessThan(60); // one line
      // Back to the scan input, for the reader.
      await expect.poll(() => activeTestId(page)).toBe('scan-input');
      // Details: the whole notice again.
      await page.getByTestId('previous-expand').click();
      expect(await page.getByTestId('previous-login-at').isVisible()).toBe(true);
      expect(await activeTestId(page)).toBe('previous-ack');
      await page.getByTestId('previous-ack').click();
      await folded.waitFor();

      // The door log at 800 px: a denied scan's reason is on screen, the table does not scroll sideways.
      await page.getByTestId('scan-room').selectOption(site.roomId);
      const denied = await readAt(page, 'tb1_not-a-real-badge');
      const row = page.locator(`[data-testid="log-row"][data-entry-id="${denied.entryId}"]`);
      await row.waitFor();
      const reason = row.locator('.log-reason');
      expect(await reason.innerText()).toBe('登録されていない入館証です');
      const box = (await reason.boundingBox())!;
      const wrap = (await page.locator('#live-log .table-wrap').boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(wrap.x + wrap.width + 1);
      expect(await page.locator('#live-log .table-wrap').evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
      // The time column shows the date and the time.
      expect(await row.locator('.log-time').innerText()).toMatch(/^\d{4}\/\d{2}\/\d{2}\s\d{2}:\d{2}:\d{2}$/);
      await row.scrollIntoViewIfNeeded();
      await screenshot(page, 'guard-day-desk-log-ja-800');

      // A new sign-in shows the whole notice again.
      await page.getByTestId('signout').click();
      await page.getByTestId('signin-screen').waitFor();
      await signIn(page, guard);
      expect(await page.getByTestId('previous-login-at').isVisible()).toBe(true);
      expect(await folded.isVisible()).toBe(false);
      expect(w.errors).toEqual([]);
      expect(await w.cspViolations()).toEqual([]);
    } finally {
      await w.context.close();
    }
  });
});

// The audit screens (監査) in a real browser (Debian's Chromium via playwright-core), against a real
// server, used as an auditor would: the entry log (入退室記録) narrowed by person (a search picker),
// room, period, decision and reason, paged beyond 50 with "more", and saved as CSV in the page's
// language; the access log (アクセスログ) with its filters, paging and CSV; the journal (記録簿) browsed
// with its content opened, checked with a progress bar to an OK verdict (and deeply), the verdicts
// of a bad journal in words, a check cancelled by leaving the screen; the signed checkpoint and the
// public key saved as files (and checked offline); the media list (媒体一覧) searched and sorted by
// label. Auditors change nothing. Tabs follow the roles: a guard and a staff member see no audit
// tab, a guard no media or destruction tab. Data is set up through the API as the administrator;
// people go through the door (POST /api/scans).
import crypto from 'node:crypto';
import { readFile } from 'node:fs/promises';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Download, Page, Request as PwRequest } from 'playwright-core';
import { launchBrowser, screenshot } from '../helpers/browser.js';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.js';
import { custodySite, type CustodySite, type SitePerson } from '../helpers/custody.js';
import { activeTestId, openWatchedPage, signIn, text, withPage, signInAs } from '../helpers/page.js';
import { verifyCheckpointSignature } from '../../server/journal/checkpoints.js';
import { hasValidSignature, parseCheckpoint, parseNote, parseVkey } from '../../server/journal/note.js';

let server: TestServer;
let browser: Browser;
let site: CustodySite;
let auditor: TestUser;
let yamada: SitePerson;
let sato: SitePerson;
let suzuki: SitePerson;
const ROUNDS = 28; // 山田 goes in and out 28 times: 56 entries of his alone, more than a page

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer({ scryptCost: 1024 }), launchBrowser()]);
  site = await custodySite(server);
  auditor = await server.createUser({ roles: ['auditor'], name: '監査 一郎', password: 'Gk7#vQ2$mX9a' });
  yamada = await site.person('山田 太郎', ['staff']);
  expect((await site.call('patch', `/api/people/${yamada.id}`, { reading: 'ヤマダ タロウ' })).status).toBe(200);
  sato = await site.person('佐藤 花子', ['staff'], { rooms: [site.roomId, site.otherRoomId] });
  suzuki = await site.person('鈴木 次郎', ['staff']);
  for (let i = 0; i < ROUNDS; i++) {
    await site.enter(yamada);
    await site.leave(yamada);
  }
  // 佐藤 in and out of the second room; refused: 鈴木 there (not on its list), 佐藤 leaving the
  // first room she is not in, and a badge nobody has.
  await site.enter(sato, site.otherRoomId);
  await site.leave(sato, site.otherRoomId);
  const scan = (roomId: string, badge: string, direction: 'in' | 'out') => site.ok('post', '/api/scans', { roomId, badge, direction }, 201);
  expect((await scan(site.otherRoomId, suzuki.badge, 'in')).reason).toBe('not_on_access_list');
  expect((await scan(site.roomId, sato.badge, 'out')).reason).toBe('not_inside');
  expect((await scan(site.roomId, 'tb1_nobody-has-this-badge', 'in')).reason).toBe('unknown_badge');
  // Media, registered in this order (newest first is the reverse; by label A→Z another).
  for (const label of ['USB-C003', 'HDD-A001', 'PAPER-B002', 'USB-A010']) await site.medium(label, { kind: label.startsWith('HDD') ? 'hdd' : label.startsWith('PAPER') ? 'paper' : 'usb' });
  // A request that fails, for the access log.
  expect((await site.call('get', '/api/media/00000000-0000-4000-8000-000000000000')).status).toBe(404);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const DESKTOP = { width: 1366, height: 900 };
const NARROW = { width: 800, height: 900 };
// A refused filter (400) and the 404 of the tests' own requests are logged by the browser.
const openPage = (locale = 'ja-JP', viewport = DESKTOP) => openWatchedPage(browser, server.url, { locale, viewport, ignore: /status of (400|404)/ });

/** The site's date (Asia/Tokyo), `days` from today: "2026-12-06". */
const siteDay = (days = 0) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(Date.now() + days * 86_400_000));

/** The tabs the page shows, in order. */
const visibleTabs = (page: Page) =>
  page.evaluate(() => Array.from(document.querySelectorAll<HTMLElement>('[role="tab"][data-section]')).filter((t) => !t.hidden).map((t) => t.dataset.section));

async function openAudit(page: Page, view = 'entries') {
  await page.getByTestId('nav-audit').click();
  await page.getByTestId('audit-tab-entries').waitFor();
  if (view !== 'entries') await page.getByTestId(`audit-tab-${view}`).click();
  await page.getByTestId(`audit-${view}`).waitFor();
}

/** The list request (GET path?…) that `action` makes the page send, once answered: its query. */
async function listRequest(page: Page, path: string, action: () => Promise<unknown>) {
  const answer = page.waitForResponse((r) => new URL(r.url()).pathname === path && r.request().method() === 'GET' && !r.url().includes('format=csv'));
  await action();
  const res = await answer;
  expect(res.status()).toBe(200);
  return new URL(res.url()).searchParams;
}

/** The saved file a click makes the page download: its name and text. */
async function downloaded(page: Page, click: () => Promise<unknown>) {
  const pending = page.waitForEvent('download');
  await click();
  const d: Download = await pending;
  return { name: d.suggestedFilename(), text: await readFile((await d.path())!, 'utf8') };
}

const isVerify = (url: URL) => url.pathname === '/api/journal/verify';
const rowsIn = (page: Page, testId: string) => page.getByTestId('panel-audit').getByTestId(testId);
const cells = (page: Page, testId: string, column: number) =>
  rowsIn(page, testId).evaluateAll((rows, c) => rows.map((r) => (r as HTMLTableRowElement).cells[c]?.innerText ?? ''), column);

/** Every request the page sends that could change something (auditors change nothing). */
function writesOf(page: Page) {
  const writes: string[] = [];
  page.on('request', (r: PwRequest) => {
    const path = new URL(r.url()).pathname;
    if (r.method() !== 'GET' && !['/api/auth/login', '/api/auth/logout', '/api/auth/refresh'].includes(path)) writes.push(`${r.method()} ${path}`);
  });
  return writes;
}

describe('tabs follow the roles', () => {
  it('each role sees the tabs its permissions (GET /api/auth/me) allow; a guard and a staff member see no audit tab; the arrow keys go over the tabs shown', async () => {
    // The rule of the page, written from the permissions: door to those who scan, read entries or
    // administer; media to media:read; destruction to destructions:read; audit to entries:read +
    // accesslog:read + journal:read.
    const expected = (p: string[]) =>
      [
        ['door', p.includes('scans:write') || p.includes('entries:read') || p.includes('stations:write')],
        ['media', p.includes('media:read')],
        ['destruction', p.includes('destructions:read')],
        ['audit', ['entries:read', 'accesslog:read', 'journal:read'].every((x) => p.includes(x))],
        ['notices', p.includes('notices:read')],
        ['review', p.includes('reviews:read')],
        ['compliance', p.includes('compliance:read')],
      ]
        .filter(([, shown]) => shown)
        .map(([name]) => name);
    const seen: Record<string, unknown> = {};
    for (const roles of [['guard'], ['staff'], ['auditor'], ['responsible'], ['authorized'], ['guard', 'staff']]) {
      const user = await server.createUser({ roles, name: `役割 ${roles.join('+')}` });
      const me = await request(server.url).get('/api/auth/me').set('authorization', `Bearer ${await server.login(user)}`);
      await withPage(() => openPage(), async ({ page }) => {
        await signInAs(page, user);
        const tabs = await visibleTabs(page);
        expect(tabs, roles.join('+')).toEqual(expected(me.body.permissions));
        seen[roles.join('+')] = tabs;
        // The first tab shown is open; no panel of a hidden tab is.
        expect(await page.getByTestId(`panel-${tabs[0]}`).isVisible()).toBe(true);
        for (const hidden of ['door', 'media', 'destruction', 'audit'].filter((x) => !tabs.includes(x))) {
          expect(await page.getByTestId(`panel-${hidden}`).isVisible(), `${roles} ${hidden}`).toBe(false);
        }
        if (roles.join('+') === 'guard+staff') {
          // Door and media only: from media, → goes round to the door, not to the hidden
          // destruction tab; from the door, ← goes round to media, not to the hidden audit tab.
          await page.getByTestId('nav-media').click();
          await page.getByTestId('nav-media').press('ArrowRight');
          await expect.poll(() => page.getByTestId('panel-door').isVisible()).toBe(true);
          await page.getByTestId('nav-door').press('ArrowLeft');
          await expect.poll(() => page.getByTestId('panel-media').isVisible()).toBe(true);
          expect(await activeTestId(page)).toBe('nav-media');
          await page.getByTestId('nav-media').press('Home');
          await expect.poll(() => page.getByTestId('panel-door').isVisible()).toBe(true);
          await page.getByTestId('nav-door').press('End');
          await expect.poll(() => page.getByTestId('panel-media').isVisible()).toBe(true);
        }
        if (roles.join('+') === 'staff') {
          // A staff member's first tab is media, and its screens load at once.
          await page.getByTestId('media-desk').waitFor();
          // No door tab, so the door screens are not even loaded.
          const loaded = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname));
          expect(loaded).toContain('/assets/media.js');
          expect(loaded).not.toContain('/assets/door.js');
          await screenshot(page, 'audit-tabs-staff-ja');
        }
      });
    }
    expect(seen).toEqual({
      guard: ['door'],
      staff: ['media'],
      auditor: ['door', 'media', 'destruction', 'audit', 'notices', 'review', 'compliance'],
      responsible: ['door', 'media', 'destruction', 'audit', 'notices', 'review', 'compliance'],
      authorized: ['door', 'media', 'destruction', 'audit', 'notices', 'review', 'compliance'],
      'guard+staff': ['door', 'media'],
    });
  });
});

describe('the entry log (入退室記録)', () => {
  it('pages beyond 50, narrows by person (picker), room, period, decision and reason, and saves the matching rows as CSV in Japanese', async () => {
    await withPage(() => openPage(), async ({ page }) => {
      const writes = writesOf(page);
      await signIn(page, auditor);
      const loadedBefore = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname));
      expect(loadedBefore).not.toContain('/assets/audit.js'); // loaded when the tab is opened
      const first = await listRequest(page, '/api/entries', () => openAudit(page));
      expect(first.get('limit')).toBe('50');
      const rows = () => rowsIn(page, 'entry-row').count();
      await expect.poll(rows).toBe(50);
      expect(await text(page, 'entries-count')).toBe('50件を表示しています（続きがあります）。');
      // Newest first: the last scan (the unknown badge) on top, in words.
      const top = rowsIn(page, 'entry-row').first();
      expect(await top.innerText()).toContain('不明な入館証');
      expect(await top.innerText()).toContain('提示: ');
      expect(await top.innerText()).toContain('未登録の入館証');
      expect(await top.getAttribute('data-decision')).toBe('denied');
      expect(await cells(page, 'entry-row', 0)).toEqual(expect.arrayContaining([expect.stringMatching(/^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}$/)]));
      await screenshot(page, 'audit-entries-ja');

      // "More" with the keyboard: the next page is appended; the focus stays, then goes to the count.
      await rowsIn(page, 'entries-more').focus();
      const next = await listRequest(page, '/api/entries', () => page.keyboard.press('Enter'));
      expect(next.get('cursor')).toBeTruthy();
      await expect.poll(rows).toBe(ROUNDS * 2 + 5);
      expect(await text(page, 'entries-count')).toBe(`${ROUNDS * 2 + 5}件を表示しています。`);
      expect(await page.getByTestId('entries-more').isVisible()).toBe(false);
      expect(await activeTestId(page)).toBe('entries-count');

      // The person picker: the reading typed in hiragana finds 山田; ↓ and Enter choose him.
      await page.getByTestId('person-picker').click();
      const found = page.waitForResponse((r) => r.url().includes('/api/people?') && r.url().includes('q='));
      await page.keyboard.type('やまだ');
      expect(new URL((await found).url()).searchParams.get('q')).toBe('やまだ');
      await page.getByTestId('person-option').first().waitFor();
      expect(await page.getByTestId('person-option').count()).toBe(1);
      expect(await page.getByTestId('person-option').innerText()).toContain('ヤマダ タロウ');
      expect(await page.getByTestId('person-picker').getAttribute('aria-expanded')).toBe('true');
      await screenshot(page, 'audit-entries-picker-ja');
      const byPerson = await listRequest(page, '/api/entries', async () => {
        await page.keyboard.press('ArrowDown'); // round to the only match
        await page.keyboard.press('Enter');
      });
      expect(byPerson.get('personId')).toBe(yamada.id);
      expect(await page.getByTestId('person-picker').inputValue()).toBe('山田 太郎');
      await expect.poll(rows).toBe(50);
      expect(new Set(await cells(page, 'entry-row', 1))).toEqual(new Set(['山田 太郎\n株式会社テスト受託']));
      await listRequest(page, '/api/entries', () => rowsIn(page, 'entries-more').click());
      await expect.poll(rows).toBe(ROUNDS * 2);
      // Nobody matches: said so.
      await page.getByTestId('person-clear').click();
      await page.keyboard.type('該当なし');
      await page.getByTestId('person-none').waitFor();
      expect(await text(page, 'person-none')).toBe('「該当なし」に当てはまる人はいません。');
      await page.keyboard.press('Escape'); // closes the list
      const cleared = await listRequest(page, '/api/entries', () => page.keyboard.press('Escape')); // and then clears the field
      expect(cleared.get('personId')).toBeNull();

      // The room: the second room's three scans (佐藤 in and out, 鈴木 refused).
      const byRoom = await listRequest(page, '/api/entries', () => page.getByTestId('entries-room').selectOption(site.otherRoomId));
      expect(byRoom.get('roomId')).toBe(site.otherRoomId);
      await expect.poll(rows).toBe(3);
      expect(new Set(await cells(page, 'entry-row', 2))).toEqual(new Set(['第2処理室']));
      // Refused only, and for one reason.
      await listRequest(page, '/api/entries', () => page.getByTestId('entries-decision').selectOption('denied'));
      await expect.poll(rows).toBe(1);
      expect(await cells(page, 'entry-row', 5)).toEqual(['入室許可者ではありません']);
      await listRequest(page, '/api/entries', () => page.getByTestId('entries-room').selectOption(''));
      await expect.poll(rows).toBe(3);
      const byReason = await listRequest(page, '/api/entries', () => page.getByTestId('entries-reason').selectOption('not_inside'));
      expect(byReason.get('reason')).toBe('not_inside');
      await expect.poll(rows).toBe(1);
      expect(await cells(page, 'entry-row', 1)).toEqual(['佐藤 花子\n株式会社テスト受託']);
      expect(await cells(page, 'entry-row', 3)).toEqual(['退室']);
      // "Granted" has no reason: the reason is cleared and cannot be chosen.
      const granted = await listRequest(page, '/api/entries', () => page.getByTestId('entries-decision').selectOption('granted'));
      expect(granted.get('reason')).toBeNull();
      expect(await page.getByTestId('entries-reason').isDisabled()).toBe(true);
      await expect.poll(rows).toBe(50);
      await listRequest(page, '/api/entries', () => page.getByTestId('entries-decision').selectOption('denied'));
      await expect.poll(rows).toBe(3);

      // The period, in site dates: the API gets the start of the first day and of the day after
      // the last, with the site's offset (Asia/Tokyo, +09:00).
      const today = siteDay();
      const byDay = await listRequest(page, '/api/entries', () => page.getByTestId('entries-from').fill(today));
      expect(byDay.get('from')).toBe(`${today}T00:00:00+09:00`);
      const toDay = await listRequest(page, '/api/entries', () => page.getByTestId('entries-to').fill(today));
      expect(toDay.get('to')).toBe(`${siteDay(1)}T00:00:00+09:00`);
      await expect.poll(rows).toBe(3);
      await screenshot(page, 'audit-entries-filtered-ja');
      // Yesterday only: nothing, said so.
      await listRequest(page, '/api/entries', () => page.getByTestId('entries-from').fill(siteDay(-1)));
      await listRequest(page, '/api/entries', () => page.getByTestId('entries-to').fill(siteDay(-1)));
      await page.getByTestId('entries-empty').waitFor();
      expect(await text(page, 'entries-empty')).toBe('条件に合う記録はありません。条件を変えるか、「条件をクリア」を押してください。');
      // An end before the start is refused in words, and nothing is asked of the API.
      let asked = 0;
      const count = (r: PwRequest) => (r.url().includes('/api/entries?') ? asked++ : 0);
      page.on('request', count);
      await page.getByTestId('entries-from').fill(today);
      await expect.poll(() => text(page, 'entries-period-error')).toBe('期間の終了日が開始日より前です。');
      expect(asked).toBe(0);
      page.off('request', count);
      await listRequest(page, '/api/entries', () => page.getByTestId('entries-to').fill(today));
      await expect.poll(rows).toBe(3);
      expect(await page.getByTestId('entries-period-error').isVisible()).toBe(false);

      // CSV of what matches (the three refusals today), in Japanese: a file named by the site's date.
      const csv = await downloaded(page, () => page.getByTestId('entries-csv').click());
      expect(csv.name).toBe(`入退室記録_${today}.csv`);
      const lines = csv.text.replace(/^\uFEFF/, '').trim().split('\r\n');
      expect(lines[0]).toBe('日時,日時（UTC）,部屋,氏名,所属,入退,判定,理由,提示された入館証,記録ID');
      expect(lines).toHaveLength(4);
      expect(lines.slice(1).every((l) => l.includes(',拒否,'))).toBe(true);
      expect(csv.text).toContain('入室許可者ではありません');
      expect(csv.text).toContain('入室の記録がありません');
      expect(csv.text).toContain('未登録の入館証');

      // Clearing the filters shows everything again.
      const all = await listRequest(page, '/api/entries', () => page.getByTestId('entries-clear').click());
      expect([...all.keys()].sort()).toEqual(['limit']);
      await expect.poll(rows).toBe(50);
      await page.setViewportSize(NARROW);
      await screenshot(page, 'audit-entries-ja-800');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(NARROW.width);
      expect(writes).toEqual([]);
    });
  });

  it('in English: the words of the list and the CSV (English headers and words)', async () => {
    await withPage(() => openPage('en-US'), async ({ page }) => {
      await signIn(page, auditor);
      await openAudit(page);
      await expect.poll(() => rowsIn(page, 'entry-row').count()).toBe(50);
      expect(await text(page, 'audit-tab-entries')).toBe('Entry log');
      expect(await text(page, 'entries-count')).toBe('Showing 50 (there are more).');
      expect(await rowsIn(page, 'entry-row').first().innerText()).toContain('Unknown badge');
      await listRequest(page, '/api/entries', () => page.getByTestId('entries-decision').selectOption('denied'));
      await expect.poll(() => rowsIn(page, 'entry-row').count()).toBe(3);
      await screenshot(page, 'audit-entries-en');
      const csv = await downloaded(page, () => page.getByTestId('entries-csv').click());
      expect(csv.name).toBe(`entries-${siteDay()}.csv`);
      const lines = csv.text.replace(/^\uFEFF/, '').trim().split('\r\n');
      expect(lines[0]).toBe('Time,Time (UTC),Room,Person,Organisation,Direction,Decision,Reason,Badge presented,Entry ID');
      expect(lines).toHaveLength(4);
      expect(csv.text).toContain(',denied,not on the access list,');
      // The language switch rewords the screen at once.
      await page.getByTestId('lang-switch').click();
      expect(await text(page, 'audit-tab-entries')).toBe('入退室記録');
      expect(await rowsIn(page, 'entry-row').first().innerText()).toContain('拒否');
    });
  });
});

describe('the access log (アクセスログ)', () => {
  it('narrows by outcome, method, status and user; pages; saves as CSV', async () => {
    await withPage(() => openPage(), async ({ page }) => {
      const writes = writesOf(page);
      await signIn(page, auditor);
      await openAudit(page);
      const first = await listRequest(page, '/api/access-log', () => page.getByTestId('audit-tab-access').click());
      expect(first.get('limit')).toBe('50');
      const rows = () => rowsIn(page, 'access-row').count();
      await expect.poll(rows).toBe(50);
      await screenshot(page, 'audit-access-ja');
      const more = await listRequest(page, '/api/access-log', () => rowsIn(page, 'access-more').click());
      expect(more.get('cursor')).toBeTruthy();
      await expect.poll(rows).toBeGreaterThan(50);
      expect(await text(page, 'access-count')).toMatch(new RegExp(`^${await rows()}件を表示しています`));

      // Failures only; then only 404s (typed, Enter).
      const failed = await listRequest(page, '/api/access-log', () => page.getByTestId('access-outcome').selectOption('failure'));
      expect(failed.get('outcome')).toBe('failure');
      await expect.poll(async () => (await rowsIn(page, 'access-row').evaluateAll((r) => r.map((x) => x.getAttribute('data-outcome')))).every((o) => o === 'failure')).toBe(true);
      expect(await rows()).toBeGreaterThan(0);
      await page.getByTestId('access-status').fill('404');
      const byStatus = await listRequest(page, '/api/access-log', () => page.getByTestId('access-status').press('Enter'));
      expect(byStatus.get('status')).toBe('404');
      await expect.poll(async () => new Set(await cells(page, 'access-row', 4))).toEqual(new Set(['404']));
      expect(await cells(page, 'access-row', 3)).toContain('/api/media/00000000-0000-4000-8000-000000000000');
      // A status that is none is refused in words.
      await page.getByTestId('access-status').fill('99');
      await page.getByTestId('access-status').press('Enter');
      await expect.poll(() => text(page, 'access-filter-error')).toBe('ステータスは 100〜599 の数字で入力してください。');
      await page.getByTestId('access-status').fill('');
      await listRequest(page, '/api/access-log', () => page.getByTestId('access-status').press('Enter'));
      await listRequest(page, '/api/access-log', () => page.getByTestId('access-outcome').selectOption(''));

      // POST only (the sign-ins), then one user: a user name in the list narrows to that account.
      const posts = await listRequest(page, '/api/access-log', () => page.getByTestId('access-method').selectOption('POST'));
      expect(posts.get('method')).toBe('POST');
      await expect.poll(async () => new Set(await cells(page, 'access-row', 2))).toEqual(new Set(['POST']));
      const auditorRow = rowsIn(page, 'access-row').filter({ hasText: auditor.username }).first();
      const byUser = await listRequest(page, '/api/access-log', () => auditorRow.getByTestId('access-user-filter').click());
      expect(byUser.get('accountId')).toBeTruthy();
      expect(await text(page, 'access-user')).toBe(auditor.username);
      await expect.poll(async () => new Set(await cells(page, 'access-row', 1))).toEqual(new Set([auditor.username]));
      expect(await cells(page, 'access-row', 3)).toContain('/api/auth/login');
      await screenshot(page, 'audit-access-filtered-ja');

      // CSV of what matches (this user's successful POSTs; a page closed while signing out leaves a 499), in Japanese.
      await listRequest(page, '/api/access-log', () => page.getByTestId('access-outcome').selectOption('success'));
      const csvAsked = page.waitForRequest((r) => r.url().includes('/api/access-log?') && r.url().includes('format=csv'));
      const csv = await downloaded(page, () => page.getByTestId('access-csv').click());
      const csvQuery = new URL((await csvAsked).url()).searchParams;
      expect(Object.fromEntries(csvQuery)).toMatchObject({ format: 'csv', lang: 'ja', method: 'POST', outcome: 'success', accountId: byUser.get('accountId') });
      expect(csvQuery.get('limit')).toBeNull();
      expect(csv.name).toBe(`アクセスログ_${siteDay()}.csv`);
      const lines = csv.text.replace(/^\uFEFF/, '').trim().split('\r\n');
      expect(lines[0]).toBe('日時,日時（UTC）,ユーザーID,ユーザー名,メソッド,パス,ステータス,結果,アクセス元,処理時間(ms)');
      expect(lines.length).toBeGreaterThan(1);
      expect(lines.slice(1).every((l) => l.includes(`,${auditor.username},POST,`))).toBe(true);
      expect(lines.slice(1).every((l) => l.includes(',成功,'))).toBe(true);

      // The user is cleared with its button.
      const noUser = await listRequest(page, '/api/access-log', () => page.getByTestId('access-user-clear').click());
      expect(noUser.get('accountId')).toBeNull();
      expect(await text(page, 'access-user')).toBe('すべてのユーザー');
      await page.setViewportSize(NARROW);
      await screenshot(page, 'audit-access-ja-800');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(NARROW.width);
      expect(writes).toEqual([]);
    });
  });
});

describe('the journal (記録簿)', () => {
  it('browses newest first with the content on demand, checks to 100 % and says OK (deep too), saves the signed checkpoint and the key', async () => {
    await withPage(() => openPage(), async ({ page }) => {
      const writes = writesOf(page);
      await signIn(page, auditor);
      await openAudit(page);
      await listRequest(page, '/api/journal', () => page.getByTestId('audit-tab-journal').click());
      const rows = rowsIn(page, 'journal-row');
      await expect.poll(() => rows.count()).toBe(50);
      const seqs = (await rows.evaluateAll((r) => r.map((x) => Number(x.getAttribute('data-seq')))));
      expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
      // No checkpoint yet: said so, nothing to save, and no button to sign one for an auditor.
      await expect.poll(() => text(page, 'checkpoint-latest')).toBe('まだチェックポイントがありません。');
      expect(await text(page, 'checkpoint-hint')).toBe('サーバーが定期的に（通常1時間ごとに）署名します。');
      expect(await page.getByTestId('checkpoint-download').isDisabled()).toBe(true);
      expect(await page.getByTestId('checkpoint-sign').count()).toBe(0);
      expect(await text(page, 'checkpoint-command')).toBe('npx tachiai verify --checkpoint ファイル --key 公開鍵.pem');
      // Nor a transparency log checkpoint (issue 19): its download waits for one.
      await expect.poll(() => text(page, 'tlog-latest')).toBe('まだ透明性ログのチェックポイントがありません。');
      expect(await page.getByTestId('tlog-download').isDisabled()).toBe(true);
      expect(await text(page, 'tlog-command')).toBe('npx tachiai verify --checkpoint ファイル --key 検証鍵.vkey');

      // By action (exact, Enter).
      await page.getByTestId('journal-action').fill('media.registered');
      const byAction = await listRequest(page, '/api/journal', () => page.getByTestId('journal-action').press('Enter'));
      expect(byAction.get('action')).toBe('media.registered');
      await expect.poll(() => rows.count()).toBe(4);

      // The content of an entry, opened with the keyboard.
      const media = rowsIn(page, 'journal-row').filter({ hasText: 'media.registered' }).first();
      await media.getByTestId('journal-open').focus();
      await page.keyboard.press('Enter');
      const detail = rowsIn(page, 'journal-detail');
      await detail.waitFor();
      expect(await media.getByTestId('journal-open').getAttribute('aria-expanded')).toBe('true');
      expect(await detail.getByTestId('journal-payload').innerText()).toContain('"label": "USB-A010"');
      expect(await activeTestId(page)).toBe('journal-open');
      await screenshot(page, 'audit-journal-open-ja');
      await page.keyboard.press('Enter');
      await expect.poll(() => rowsIn(page, 'journal-detail').count()).toBe(0);

      // The check, with its progress bar: 100 %, then the verdict in words, with the head.
      const check = page.waitForResponse((r) => r.url().includes('/api/journal/verify'));
      await page.getByTestId('verify-run').click();
      expect(new URL((await check).url()).search).toBe('?format=ndjson');
      const verdict = page.getByTestId('verify-verdict');
      await expect.poll(() => verdict.innerText()).toContain('改ざんは見つかりませんでした。');
      const bar = page.getByTestId('verify-progress');
      const [value, max] = await bar.evaluate((p) => [(p as HTMLProgressElement).value, (p as HTMLProgressElement).max]);
      expect(value).toBe(max);
      expect(max).toBeGreaterThan(100);
      expect(await text(page, 'verify-progress-text')).toBe(`確認しました: ${max.toLocaleString('en-US')} / ${max.toLocaleString('en-US')}件（100%）`);
      expect(await text(page, 'verify-head')).toMatch(/^[0-9a-f]{64}$/);
      expect(await verdict.innerText()).toMatch(new RegExp(`確認した記録\\s+${max.toLocaleString('en-US')}件`));
      expect(await activeTestId(page)).toBe('verify-verdict');
      await screenshot(page, 'audit-journal-ok-ja');

      // Deep: the tables agree with the journal too.
      await page.getByTestId('verify-deep').check();
      const deep = page.waitForResponse((r) => r.url().includes('/api/journal/verify'));
      await page.getByTestId('verify-run').click();
      expect(new URL((await deep).url()).search).toBe('?format=ndjson&deep=true');
      await expect.poll(() => verdict.innerText()).toContain('署名記録と廃棄記録も記録簿と一致しています。');
      expect(await verdict.innerText()).toContain('記録簿と一致した署名記録');

      // A checkpoint signed meanwhile (the server does so every hour): shown, saved, checked offline.
      await site.ok('post', '/api/journal/checkpoints', {}, 201);
      await page.getByTestId('audit-tab-media').click();
      await page.getByTestId('audit-tab-journal').click();
      await expect.poll(() => text(page, 'checkpoint-latest')).toMatch(/^最新のチェックポイント: 番号 \d+（\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}）$/);
      const cp = await downloaded(page, () => page.getByTestId('checkpoint-download').click());
      const file = JSON.parse(cp.text);
      expect(Object.keys(file).sort()).toEqual(['at', 'chain', 'headHash', 'keyId', 'publicKeyPem', 'seq', 'signature', 'site']);
      expect(cp.name).toBe(`tachiai-checkpoint-${file.site}-${file.seq}.json`);
      expect(await text(page, 'checkpoint-note')).toBe(`${cp.name} を保存しました。`);
      const key = await downloaded(page, () => page.getByTestId('checkpoint-key').click());
      const signingKey = (await request(server.url).get('/api/signing-key')).body;
      expect(key.name).toBe(`tachiai-signing-key-${signingKey.keyId}.pem`);
      expect(key.text).toBe(signingKey.publicKeyPem);
      expect(verifyCheckpointSignature(file, crypto.createPublicKey(key.text))).toBe(true);
      // The C2SP checkpoint of the journal's Merkle tree (issue 19) and the log's verifier key.
      const tlogCp = await site.ok('post', '/api/journal/tlog/checkpoints', {}, 201);
      await page.getByTestId('audit-tab-media').click();
      await page.getByTestId('audit-tab-journal').click();
      await expect.poll(() => text(page, 'tlog-latest')).toBe(`最新のチェックポイント: 記録 ${tlogCp.treeSize} 件まで`);
      const note = await downloaded(page, () => page.getByTestId('tlog-download').click());
      expect(note.name).toBe(`tachiai-checkpoint-${tlogCp.origin.replace(/[^A-Za-z0-9_-]/g, '_')}-${tlogCp.treeSize}.txt`);
      expect(note.text).toBe(tlogCp.note);
      const vkey = await downloaded(page, () => page.getByTestId('tlog-vkey').click());
      expect(vkey.name).toBe(`tachiai-log-${tlogCp.origin.replace(/[^A-Za-z0-9_-]/g, '_')}.vkey`);
      const parsedNote = parseNote(note.text);
      expect(hasValidSignature(parsedNote, parseVkey(vkey.text.trim()))).toBe(true);
      expect(parseCheckpoint(parsedNote.text).size).toBe(tlogCp.treeSize);
      await screenshot(page, 'audit-journal-checkpoint-ja');
      await page.setViewportSize(NARROW);
      await screenshot(page, 'audit-journal-ja-800');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(NARROW.width);
      expect(writes).toEqual([]);
    });
  });

  it('says in words what a bad journal looks like: the first bad entry, or the first table that differs', async () => {
    await withPage(() => openPage(), async ({ page }) => {
      await signIn(page, auditor);
      await openAudit(page, 'journal');
      const answer = (lines: unknown[]) => (route: { fulfill: (r: { status: number; contentType: string; body: string }) => Promise<void> }) =>
        route.fulfill({ status: 200, contentType: 'application/x-ndjson', body: lines.map((l) => JSON.stringify(l)).join('\n') + '\n' });
      const verdict = page.getByTestId('verify-verdict');
      await page.route(isVerify, answer([
        { type: 'progress', phase: 'journal', checked: 0, total: 12 },
        { type: 'result', ok: false, entries: 6, firstBadEntry: { chain: 'main', seq: 7, reason: 'hash_mismatch', message: 'Entry 7 does not hash to its stored hash.' } },
      ]));
      await page.getByTestId('verify-run').click();
      await expect.poll(() => verdict.innerText()).toContain('改ざんの疑いがあります。');
      const bad = await verdict.innerText();
      expect(bad).toContain('最初の問題: 記録 番号 7（系列 main）');
      expect(bad).toContain('記録の内容がハッシュと一致しません（書き換えられた可能性があります）。');
      expect(bad).toContain('詳細: Entry 7 does not hash to its stored hash.');
      expect(bad).toContain('すぐに責任者に連絡し');
      // The bar stops where the check stopped.
      expect(await text(page, 'verify-progress-text')).toBe('6 / 12件を確認したところで、問題が見つかりました。');
      expect(await page.getByTestId('verify-progress').evaluate((p) => [(p as HTMLProgressElement).value, (p as HTMLProgressElement).max])).toEqual([6, 12]);
      expect(await page.getByTestId('verify-card').getAttribute('data-state')).toBe('bad');
      await screenshot(page, 'audit-journal-bad-ja');
      await page.unroute(isVerify);
      await page.route(isVerify, answer([
        { type: 'progress', phase: 'journal', checked: 12, total: 12 },
        { type: 'progress', phase: 'signed_records', checked: 3, total: null },
        { type: 'result', ok: false, entries: 12, firstDifference: { check: 'destructions', message: 'Destruction rows differ from the signed record.', recordId: 'rec-42' } },
      ]));
      await page.getByTestId('verify-deep').check();
      await page.getByTestId('verify-run').click();
      await expect.poll(() => verdict.innerText()).toContain('記録簿と表が一致しません。');
      expect(await verdict.innerText()).toContain('一致しない記録: 廃棄記録');
      expect(await verdict.innerText()).toContain('記録ID: rec-42');
      expect(await text(page, 'verify-progress-text')).toBe('確認しました: 12 / 12件（100%）');
      await page.unroute(isVerify);
      // A monthly report's row differs (issue 18): its phase and its table in words.
      await page.route(isVerify, answer([
        { type: 'progress', phase: 'journal', checked: 12, total: 12 },
        { type: 'progress', phase: 'monthly_reports', checked: 1, total: null },
        { type: 'result', ok: false, entries: 12, firstDifference: { check: 'monthly_reports', message: 'Report MR-2026-09999: its row no longer says what was signed.' } },
      ]));
      await page.getByTestId('verify-run').click();
      await expect.poll(() => verdict.innerText()).toContain('一致しない記録: 月次報告書');
      expect(await verdict.innerText()).toContain('詳細: Report MR-2026-09999: its row no longer says what was signed.');
      await page.unroute(isVerify);
    });
  });

  it('a check under way is cancelled when the auditor leaves the screen', async () => {
    await withPage(() => openPage(), async ({ page }) => {
      await signIn(page, auditor);
      await openAudit(page, 'journal');
      // A check that never answers (a very long journal).
      let held: (() => void) | null = null;
      await page.route(isVerify, (route) => new Promise<void>((resolve) => (held = () => void route.abort().catch(() => {}).then(resolve))));
      const failed = page.waitForEvent('requestfailed', (r) => r.url().includes('/api/journal/verify'));
      await page.getByTestId('verify-run').click();
      await expect.poll(() => text(page, 'verify-progress-text')).toBe('検証を始めています…');
      expect(await page.getByTestId('verify-progress').evaluate((p) => p.hasAttribute('value'))).toBe(false); // indeterminate
      expect(await activeTestId(page)).toBe('verify-cancel');
      await screenshot(page, 'audit-journal-running-ja');
      // Another tab: the request is aborted.
      await page.getByTestId('nav-door').click();
      await failed;
      await page.getByTestId('nav-audit').click();
      await expect.poll(() => text(page, 'verify-verdict')).toBe('検証を中止しました。');
      expect(await page.getByTestId('verify-run').isVisible()).toBe(true);
      (held as (() => void) | null)?.();
      await page.unrouteAll({ behavior: 'ignoreErrors' });
    });
  });

  it('a responsible person may sign a checkpoint now', async () => {
    const responsible = await server.createUser({ roles: ['responsible'], name: '田中 責任' });
    await withPage(() => openPage(), async ({ page }) => {
      await signIn(page, responsible);
      await openAudit(page, 'journal');
      const sign = page.getByTestId('checkpoint-sign');
      await sign.waitFor();
      const signed = page.waitForResponse((r) => r.url().endsWith('/api/journal/checkpoints') && r.request().method() === 'POST');
      await sign.click();
      const res = await signed;
      expect([200, 201]).toContain(res.status());
      const body = await res.json();
      await expect.poll(() => text(page, 'checkpoint-note')).toBe(res.status() === 201 ? `チェックポイントに署名しました（番号 ${body.seq}）。` : '最新のチェックポイントが、すでに最新の記録まで含んでいます。');
      await expect.poll(() => text(page, 'checkpoint-latest')).toContain('最新のチェックポイント: 番号');
    });
  });
});

describe('the media list (媒体一覧)', () => {
  it('searches by label and sorts by label or newest', async () => {
    await withPage(() => openPage(), async ({ page }) => {
      await signIn(page, auditor);
      await openAudit(page);
      await listRequest(page, '/api/media', () => page.getByTestId('audit-tab-media').click());
      const labels = () => cells(page, 'audit-media-row', 0);
      await expect.poll(labels).toEqual(['USB-A010', 'PAPER-B002', 'HDD-A001', 'USB-C003']);
      const row = rowsIn(page, 'audit-media-row').first();
      expect(await row.innerText()).toContain('USBメモリ');
      expect(await row.innerText()).toContain('保管中');
      expect(await row.innerText()).toContain('株式会社預託元');
      expect(await row.innerText()).toContain('第1処理室 / キャビネットA');
      await screenshot(page, 'audit-media-ja');
      const sorted = await listRequest(page, '/api/media', () => page.getByTestId('audit-media-sort').selectOption('label'));
      expect(sorted.get('sort')).toBe('label');
      await expect.poll(labels).toEqual(['HDD-A001', 'PAPER-B002', 'USB-A010', 'USB-C003']);
      await page.getByTestId('audit-media-search').focus();
      const searched = await listRequest(page, '/api/media', () => page.keyboard.type('a0', { delay: 20 }));
      await expect.poll(labels).toEqual(['HDD-A001', 'USB-A010']);
      expect(searched.get('sort')).toBe('label');
      await listRequest(page, '/api/media', () => page.getByTestId('audit-media-sort').selectOption(''));
      await expect.poll(labels).toEqual(['USB-A010', 'HDD-A001']);
      await page.getByTestId('audit-media-search').fill('zzz');
      await listRequest(page, '/api/media', () => page.getByTestId('audit-media-search').press('Enter'));
      await page.getByTestId('audit-media-empty').waitFor();
      expect(await text(page, 'audit-media-empty')).toBe('条件に合う記録はありません。条件を変えるか、「条件をクリア」を押してください。');
      await page.getByTestId('audit-media-search').fill('');
      await listRequest(page, '/api/media', () => page.getByTestId('audit-media-search').press('Enter'));
      await expect.poll(labels).toHaveLength(4);
      const destroyed = await listRequest(page, '/api/media', () => page.getByTestId('audit-media-status').selectOption('destroyed'));
      expect(destroyed.get('status')).toBe('destroyed');
      await page.getByTestId('audit-media-empty').waitFor();
      await listRequest(page, '/api/media', () => page.getByTestId('audit-media-clear').click());
      await expect.poll(labels).toEqual(['USB-A010', 'PAPER-B002', 'HDD-A001', 'USB-C003']);
      await page.setViewportSize(NARROW);
      await screenshot(page, 'audit-media-ja-800');
    });
  });
});

// The depositor's monthly report on the compliance screen (月次報告書, issue 18 part 3) in a real
// browser (Debian's Chromium via playwright-core) against a real server: the responsible person
// opens the report's view, chooses a depositor and last month with the keyboard, reads the draft
// as a preview (the media held at the month's end, the month's receipts and destruction with its
// certificate number, counts — not raw JSON), is told a month still to come cannot be chosen and
// the current month cannot be signed yet, signs scan first with badge + PIN (a wrong PIN refused
// in words first, the badge and PIN gone from the form), finds the report issued in the list, and
// prints it with an authorised person present (E2.14): the print is recorded and the A4 page opens
// in a new tab through a print link (?print=1). The server's refusals (the month not over by its
// clock, signed already meanwhile) are said in words. An administrator prints but does not sign;
// an auditor (in English) reads, views and neither signs nor prints; the views' tabs go with the
// arrow keys. Screenshots at 1280 and 800 px.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, screenshot } from '../helpers/browser.js';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.js';
import { custodySite, PIN, type CustodySite, type SitePerson } from '../helpers/custody.js';
import { holderSetsPin } from '../helpers/pins.js';
import { activeTestId, answerTo, openWatchedPage, sign, signIn, text, withPage, type Watched, signInAs } from '../helpers/page.js';

const TZ = 'Asia/Tokyo';
const WIDE = { width: 1280, height: 900 };
const NARROW = { width: 800, height: 900 };

let server: TestServer;
let browser: Browser;
let site: CustodySite;
let responsible: TestUser & SitePerson;
let authorized: SitePerson;
let auditor: TestUser;
let otherDepositor = '';
let certificateNo = '';
let lastMonth = '';
let thisMonth = '';
let nextMonth = '';

const monthOf = (d: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit' }).format(d).slice(0, 7);
const shift = (month: string, by: number) => {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const i = y * 12 + (m - 1) + by;
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
};

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer({ scryptCost: 1024 }), launchBrowser()]);
  server.ctx.config.publicUrl = server.url;
  site = await custodySite(server);
  thisMonth = monthOf(new Date());
  lastMonth = shift(thisMonth, -1);
  nextMonth = shift(thisMonth, 1);
  const u = await server.createUser({ roles: ['responsible'], name: '月報 責任者', password: 'Hv8#tQ3$nW7e' });
  const b = await site.ok('post', '/api/badges', { personId: u.personId }, 201);
  await holderSetsPin(server.ctx, b.id, PIN);
  await site.ok('post', `/api/rooms/${site.roomId}/access`, { personId: u.personId }, 201);
  responsible = { ...u, id: u.personId, name: '月報 責任者', badge: b.token, badgeId: b.id, pin: PIN };
  authorized = await site.person('立会 権限者', ['authorized']);
  auditor = await server.createUser({ roles: ['auditor'], name: '監査 花子', password: 'Gk7#vQ2$mX9a' });
  const performer = await site.person('廃棄 実施者', ['staff']);
  for (const p of [responsible, authorized, performer]) await site.enter(p);
  otherDepositor = (await site.ok('post', '/api/orgs', { name: '株式会社べつの預託元', kind: 'depositor' }, 201)).id;
  // Last month of the depositor: three media received, one of them destroyed (its certificate).
  const media = [];
  for (const label of ['月報-001', '月報-002', '月報-003']) media.push(await site.medium(label));
  const d = await site.ok('post', '/api/destructions', { mediaIds: [media[2].id], method: 'shred', securityLevel: 'E-4', performedById: performer.id, witnesses: [site.signer(responsible), site.signer(authorized)], roomId: site.roomId, mediaDetails: [{ mediumId: media[2].id, backedUp: false }] }, 201);
  certificateNo = d.certificateNo;
  await server.ctx.db.knex.raw("UPDATE custody_steps SET at = at - interval '1 month'");
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

// A refused signature (400) is logged by the browser.
const openPage = (locale = 'ja-JP', viewport = WIDE) => openWatchedPage(browser, server.url, { locale, viewport, ignore: /status of (400|403|409)/ });

/** Opens the compliance tab, then its monthly report view; waits for the first draft. */
async function openReports(page: Page) {
  await page.getByTestId('nav-compliance').click();
  await page.getByTestId('compliance-tab-report').waitFor();
  const first = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/monthly-reports/draft');
  await page.getByTestId('compliance-tab-report').click();
  expect((await first).status()).toBe(200);
  await page.getByTestId('report-preview').waitFor();
}

/**
 * Chooses the depositor and the month, then Enter in the month field: answers what the preview
 * read — the draft, or the report as signed (GET /api/monthly-reports/:id).
 */
async function choose(page: Page, depositorId: string, month: string) {
  await page.getByTestId('report-depositor').selectOption(depositorId);
  await page.getByTestId('report-month').fill(month);
  await page.getByTestId('report-month').focus();
  const answer = page.waitForResponse((r) => r.request().method() === 'GET' && /^\/api\/monthly-reports\/(draft|[0-9a-f-]{36})$/.test(new URL(r.url()).pathname));
  await page.keyboard.press('Enter');
  return answer;
}

/** The same, for a month the page refuses itself (nothing is sent). */
async function chooseRefused(page: Page, depositorId: string, month: string) {
  await page.getByTestId('report-depositor').selectOption(depositorId);
  await page.getByTestId('report-month').fill(month);
  await page.getByTestId('report-month').focus();
  await page.keyboard.press('Enter');
}

const fact = (page: Page, key: string) => page.locator(`[data-testid="report-summary"] [data-fact="${key}"] dd`).innerText();

/**
 * The report a recorded print opens in a new tab, straight from the server through a print link:
 * its address and text, checked for CSP violations; the desk page in front again.
 */
async function printedReport(w: Watched, action: () => Promise<unknown>, shot?: string): Promise<{ text: string; url: string }> {
  const link = w.page.waitForResponse((r) => r.url().endsWith('/api/print-links') && r.request().method() === 'POST');
  const popupPromise = w.page.waitForEvent('popup');
  await action();
  expect((await link).status()).toBe(201);
  const popup = await popupPromise;
  await popup.waitForURL(/\/api\/monthly-reports\/[^/]+\/page\?/);
  await popup.waitForLoadState('load');
  const body = await popup.locator('body').innerText();
  if (shot) await screenshot(popup, shot);
  expect(await w.cspViolations(popup)).toEqual([]);
  const url = popup.url();
  await popup.close();
  await w.page.bringToFront();
  return { text: body, url };
}

describe('the monthly report on the compliance screen', () => {
  it('the responsible person: the draft of last month as a preview, a future month refused, signed with badge + PIN (a wrong PIN first), printed with an authorised person present', async () => {
    await withPage(() => openPage(), async (w) => {
      const { page } = w;
      await signInAs(page, responsible);
      await openReports(page);
      expect(await page.getByTestId('compliance-tab-report').innerText()).toBe('月次報告書');
      // The month offered first is last month; the month field stops at this month.
      expect(await page.getByTestId('report-month').inputValue()).toBe(lastMonth);
      expect(await page.getByTestId('report-month').getAttribute('max')).toBe(thisMonth);
      expect(await page.getByTestId('report-depositor').locator('option').allInnerTexts()).toEqual(['株式会社べつの預託元', '株式会社預託元']);
      // Keyboard first: the view opened, the focus is on the depositor.
      await expect.poll(() => activeTestId(page)).toBe('report-depositor');

      // The other depositor: an empty month, said in words; no report issued yet.
      expect(await text(page, 'report-sections')).toContain('当月の記録はありません。');
      expect(await text(page, 'report-list-empty')).toContain('株式会社べつの預託元 の報告書はまだありません');

      // A month still to come: refused before anything is sent.
      let drafts = 0;
      page.on('request', (r) => {
        if (new URL(r.url()).pathname === '/api/monthly-reports/draft') drafts++;
      });
      await chooseRefused(page, site.depositorOrgId, nextMonth);
      await expect.poll(() => page.getByTestId('report-error').isVisible()).toBe(true);
      expect(await text(page, 'report-error')).toBe(`${nextMonth} はまだ来ていない月です。今月までの月を選んでください。`);
      expect(await activeTestId(page)).toBe('report-month');
      expect(drafts).toBe(0);

      // This month: its draft, not yet to be signed.
      expect((await choose(page, site.depositorOrgId, thisMonth)).status()).toBe(200);
      await expect.poll(() => text(page, 'report-sign-closed')).toBe(`${thisMonth} はまだ終わっていません。月が終わると責任者が署名できます（下書きはいつでも確認できます）。`);
      expect(await page.getByTestId('report-sign-form').isHidden()).toBe(true);

      // Last month: the preview, in words and numbers.
      const draft = await choose(page, site.depositorOrgId, lastMonth);
      expect(draft.status()).toBe(200);
      await expect.poll(() => text(page, 'report-head')).toMatch(new RegExp(`^株式会社預託元 御中・${lastMonth}・\\d{4}/\\d{2}/01（.）〜\\d{4}/\\d{2}/\\d{2}（.）$`));
      expect(await activeTestId(page)).toBe('report-head');
      expect(await text(page, 'report-state')).toBe('下書き（未署名）— 表示時点の記録から作成しています。');
      expect(await fact(page, 'held')).toBe('2 件');
      expect(await fact(page, 'gone')).toBe('1 件');
      expect(await fact(page, 'events')).toBe('受領 3・廃棄 1');
      const sections = await text(page, 'report-sections');
      expect(sections).toContain('保管中');
      expect(sections).toContain('第1処理室 キャビネットA');
      expect(sections).toContain(certificateNo);
      expect(sections).toMatch(/受入登録\t月報-001/);
      expect(sections).toMatch(new RegExp(`廃棄\\t月報-003\\t${certificateNo}`));
      expect(sections).not.toContain('{');
      expect(await text(page, 'report-list-empty')).toContain('株式会社預託元 の報告書はまだありません');
      await screenshot(page, 'monthly-report-draft-ja-1280');

      // Sign, scan first: a wrong PIN is refused in words; the badge and PIN are gone from the form.
      const form = page.getByTestId('report-sign-form');
      expect(await form.locator('.signer-title').innerText()).toBe('署名する責任者');
      expect(await text(page, 'report-sign-intro')).toContain(`株式会社預託元 の ${lastMonth} の報告書に署名します`);
      await sign(page, form, { id: responsible.id, badge: responsible.badge, name: '月報 責任者' });
      await page.keyboard.type('000000');
      const wrong = await answerTo(page, '/api/monthly-reports', () => page.keyboard.press('Enter'));
      expect(wrong.status()).toBe(400);
      await expect.poll(() => form.getByTestId('signer-error').innerText()).toBe('PIN が違います');
      await expect.poll(() => form.getByTestId('signer-badge').inputValue()).toBe('');
      expect(await form.getByTestId('signer-pin').inputValue()).toBe('');
      expect(await text(page, 'report-sign-error')).toContain('署名を確認できませんでした。何も記録されていません。');
      await screenshot(page, 'monthly-report-wrong-pin-ja-1280');
      await sign(page, form, { id: responsible.id, badge: responsible.badge });
      await page.keyboard.type(PIN);
      const signed = await answerTo(page, '/api/monthly-reports', () => page.keyboard.press('Enter'));
      expect(signed.status()).toBe(201);
      expect(signed.request().postDataJSON()).toEqual({ depositorOrgId: site.depositorOrgId, month: lastMonth, signer: { personId: responsible.id, badge: responsible.badge, pin: PIN } });
      const report = await signed.json();
      expect(report.reportNo).toMatch(/^MR-\d{4}-00001$/);
      await expect.poll(() => text(page, 'report-said')).toBe(`月次報告書 ${report.reportNo} に署名しました。印刷は権限者の立会いのもとで行います（E2.14）。`);
      expect(await text(page, 'report-state')).toMatch(new RegExp(`^署名済み ${report.reportNo}（\\d{4}/\\d{2}/\\d{2} \\d{2}:\\d{2}:\\d{2} 署名）`));
      expect(await page.getByTestId('report-sign').isHidden()).toBe(true);
      // The preview now shows the content as signed: its compliance summary as of the signing.
      const signedAsOf = new Intl.DateTimeFormat('ja-JP', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(new Date(report.content.compliance.asOf));
      expect(await page.getByTestId('report-compliance').locator('summary').innerText()).toContain(`（${signedAsOf} 時点）`);
      expect(await page.getByTestId('report-row').count()).toBe(1);
      expect(await page.getByTestId('report-row').innerText()).toContain(lastMonth);
      // The focus is on the new report's print button: Enter opens its print panel.
      expect(await activeTestId(page)).toBe('report-print');
      await page.keyboard.press('Enter');
      const print = page.getByTestId('report-print-form');
      await print.waitFor();
      expect(await text(page, 'report-print-card')).toContain(`月次報告書 ${report.reportNo} の印刷`);
      expect(await activeTestId(page)).toBe('signer-person');
      expect(await print.locator('.signer-title').innerText()).toBe('立ち会う責任者・権限者');
      await screenshot(page, 'monthly-report-signed-ja-1280');

      // E2.14: the authorised person present scans their badge, types the PIN, Enter: the print
      // is recorded, and the report opens through a print link as print No. 1.
      await sign(page, print, { id: authorized.id, badge: authorized.badge, name: '立会 権限者' });
      await page.keyboard.type(authorized.pin);
      const recorded = page.waitForResponse((r) => r.url().endsWith(`/api/monthly-reports/${report.id}/prints`));
      const opened = await printedReport(w, () => page.keyboard.press('Enter'), 'monthly-report-printed-page');
      expect((await recorded).status()).toBe(201);
      expect(opened.url).toMatch(/\/page\?lang=ja&print=1&pl=/);
      expect(opened.text).toContain(report.reportNo);
      expect(opened.text).toContain('株式会社預託元');
      expect(opened.text).toContain(certificateNo);
      expect(opened.text).toContain('立会 権限者');
      expect(opened.text).not.toContain('プレビュー（未発行）');
      await expect.poll(() => text(page, 'report-print-done')).toBe('印刷を記録しました（第1刷）。報告書を新しいタブで開きました。');
      expect(await print.getByTestId('signer-badge').inputValue()).toBe('');
      expect(await print.getByTestId('signer-pin').inputValue()).toBe('');
      expect(await server.ctx.db.knex('monthly_report_prints').where({ report_id: report.id }).count({ n: '*' })).toEqual([{ n: '1' }]);
      // Escape closes the panel, the focus back on the print button.
      await print.getByTestId('signer-person').focus();
      await page.keyboard.press('Escape');
      await expect.poll(() => page.getByTestId('report-print-card').isHidden()).toBe(true);
      expect(await activeTestId(page)).toBe('report-print');
      await screenshot(page, 'monthly-report-ja-1280');

      // At 800 px: the same view, the summary in cards, the list with its buttons.
      await page.setViewportSize(NARROW);
      await screenshot(page, 'monthly-report-ja-800');
    });
  });

  it('the server\'s refusals in words: the month not over by its clock, signed already by someone else meanwhile', async () => {
    await withPage(() => openPage(), async ({ page }) => {
      await signInAs(page, responsible);
      await openReports(page);
      expect((await choose(page, otherDepositor, lastMonth)).status()).toBe(200);
      const form = page.getByTestId('report-sign-form');
      const refuse = (code: string, status: number, message: string) =>
        page.route(
          (u) => u.pathname === '/api/monthly-reports',
          (route) => (route.request().method() === 'POST' ? route.fulfill({ status, contentType: 'application/json', body: JSON.stringify({ error: { code, message } }) }) : route.continue()),
        );
      await refuse('month_not_over', 409, 'A month is signed once it is over.');
      await sign(page, form, { id: responsible.id, badge: responsible.badge });
      await page.keyboard.type(PIN);
      expect((await answerTo(page, '/api/monthly-reports', () => page.keyboard.press('Enter'))).status()).toBe(409);
      await expect.poll(() => text(page, 'report-sign-note')).toBe('この月はまだ終わっていないため署名できません。何も記録されていません。');
      expect(await activeTestId(page)).toBe('report-sign-note');
      expect(await form.getByTestId('signer-badge').inputValue()).toBe('');
      expect(await form.getByTestId('signer-pin').inputValue()).toBe('');
      await page.unroute((u) => u.pathname === '/api/monthly-reports');
      await refuse('already_signed', 409, 'Signed already.');
      await sign(page, form, { id: responsible.id, badge: responsible.badge });
      await page.keyboard.type(PIN);
      const lists = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/monthly-reports' && r.request().method() === 'GET');
      await answerTo(page, '/api/monthly-reports', () => page.keyboard.press('Enter'));
      expect((await lists).status()).toBe(200);
      await expect.poll(() => text(page, 'report-sign-note')).toBe('この預託元・対象月の報告書はすでに署名されています。一覧を読み込み直しました。');
      await page.unroute((u) => u.pathname === '/api/monthly-reports');
      expect(await server.ctx.db.knex('monthly_reports').where({ depositor_org_id: otherDepositor }).count({ n: '*' })).toEqual([{ n: '0' }]);
    });
  });

  it('an administrator prints but does not sign; an auditor (in English) reads and views, no form', async () => {
    await withPage(() => openPage(), async ({ page }) => {
      await signIn(page, server.admin, server.admin.badgeToken, server.admin.badgePin);
      await openReports(page);
      expect((await choose(page, otherDepositor, lastMonth)).status()).toBe(200);
      await expect.poll(() => text(page, 'report-sign-closed')).toBe('署名は責任者が行います。下書きの確認と印刷（権限者の立会い）はできます。');
      expect(await page.getByTestId('report-sign-form').isHidden()).toBe(true);
      expect((await choose(page, site.depositorOrgId, lastMonth)).status()).toBe(200);
      await expect.poll(() => page.getByTestId('report-row').count()).toBe(1);
      expect(await page.getByTestId('report-print').count()).toBe(1);
    });
    await withPage(() => openPage('en-US', NARROW), async ({ page }) => {
      const writes: string[] = [];
      page.on('request', (r) => {
        if (r.method() !== 'GET' && !/\/api\/(auth\/(login|logout)|print-links)$/.test(r.url())) writes.push(`${r.method()} ${r.url()}`);
      });
      await signInAs(page, auditor);
      await openReports(page);
      expect(await page.getByTestId('compliance-tab-report').innerText()).toBe('Monthly report');
      expect((await choose(page, site.depositorOrgId, lastMonth)).status()).toBe(200);
      await expect.poll(() => text(page, 'report-state')).toMatch(/^Signed MR-\d{4}-00001 \(at /);
      expect(await fact(page, 'held')).toBe('2');
      expect(await fact(page, 'events')).toBe('receipts 3 · destructions 1');
      expect(await page.getByTestId('report-print').count()).toBe(0);
      expect(await page.getByTestId('report-view-page').count()).toBe(1);
      expect(await page.getByTestId('report-sign').isHidden()).toBe(true);
      await screenshot(page, 'monthly-report-auditor-en-800');
      expect((await choose(page, otherDepositor, lastMonth)).status()).toBe(200);
      await expect.poll(() => text(page, 'report-sign-closed')).toBe('Read only (auditors neither sign nor print).');
      // The views' tabs with the arrow keys: the focus stays on the tabs.
      await page.getByTestId('compliance-tab-report').focus();
      await page.keyboard.press('ArrowLeft');
      await expect.poll(() => activeTestId(page)).toBe('compliance-tab-clauses');
      await expect.poll(() => page.getByTestId('compliance-clauses').isVisible()).toBe(true);
      expect(await page.getByTestId('compliance-report').isHidden()).toBe(true);
      await page.keyboard.press('ArrowRight');
      await expect.poll(() => page.getByTestId('compliance-report').isVisible()).toBe(true);
      expect(await activeTestId(page)).toBe('compliance-tab-report');
      expect(writes).toEqual([]);
    });
  });
});

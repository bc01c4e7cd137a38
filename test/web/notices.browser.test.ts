// The notices page (通知, issue 15 item 5) in a real browser (Debian's Chromium via playwright-core),
// against a real server and a real SMTP server in the test process (smtp-server): a responsible
// person adds a depositor's contact person (an invalid address refused in words next to the field,
// then a valid one), changes and removes one, and sets their own address for the notices they
// receive by role; a person's leave writes a notice, which waits in the outbox while no mail
// server is configured (the page says so) and whose text opens (subject, body, Message-ID); with
// the SMTP server refusing (5xx) the notice is retried, then marked failed with its last error, and
// tried again from the page — sent with the same Message-ID. An auditor sees the outbox, the
// contacts and the people but no button that changes anything and sends no write; a guard and a
// staff member see no notices tab. The page in English at 800 px. Screenshots at 1366 and 800 px.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page, Request as PwRequest } from 'playwright-core';
import { launchBrowser, screenshot } from '../helpers/browser.js';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.js';
import { custodySite, type CustodySite } from '../helpers/custody.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';
import { activeTestId, answerTo, openWatchedPage, signIn, text, withPage, signInAs } from '../helpers/page.js';
import { deliverDueNotices } from '../../server/notices/delivery.js';

let server: TestServer;
let browser: Browser;
let smtp: TestSmtp;
let site: CustodySite;
let responsible: TestUser;
let auditor: TestUser;
let carrierOrgId: string;

const FROM = 'Tachiai 東京DC <tachiai@example.co.jp>';
const DESKTOP = { width: 1366, height: 900 };
const NARROW = { width: 800, height: 900 };

beforeAll(async () => {
  // No mail server at first (SMTP_URL unset): notices wait in the outbox. Short retries: a refused
  // notice is tried again after 1 s, and the second attempt is the last.
  [server, browser, smtp] = await Promise.all([
    startTestServer({ scryptCost: 1024, mailFrom: FROM, noticeRetrySeconds: 1, noticeMaxAttempts: 2, smtpTimeoutSeconds: 2, siteNameJa: '東京データセンター', siteNameEn: 'Tokyo Data Centre' }),
    launchBrowser(),
    startTestSmtp(),
  ]);
  site = await custodySite(server);
  // Registered before the depositor's contacts are looked at: the depositor still comes first.
  carrierOrgId = (await site.ok('post', '/api/orgs', { name: '安全運輸株式会社', kind: 'carrier' }, 201)).id;
  responsible = await server.createUser({ roles: ['responsible'], name: '責任 一郎', password: 'Hv8#tQ3$nW7e' });
  auditor = await server.createUser({ roles: ['auditor'], name: '監査 二郎', password: 'Gk7#vQ2$mX9a' });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await smtp?.close();
});

// A refused address (400), a notice no longer failed (409) are logged by the browser.
const openPage = (locale = 'ja-JP', viewport = DESKTOP) => openWatchedPage(browser, server.url, { locale, viewport, ignore: /status of (400|404|409)/ });
const deliver = () => deliverDueNotices(server.ctx, 'browser-test');
const knex = () => server.ctx.db.knex;
const noticeRow = (page: Page, id: string) => page.locator(`[data-testid="notice-row"][data-notice-id="${id}"]`);

/** A staff member who held one of the depositor's media, so that their leave concerns the depositor (E1.1). */
async function staffWhoHandled(name: string) {
  const p = await site.person(name, ['staff']);
  await site.enter(p);
  const m = await site.ok('post', '/api/media', { label: `N-${name}`, kind: 'usb', depositorOrgId: site.depositorOrgId, locationId: site.cabinetId }, 201);
  await site.ok('post', `/api/media/${m.id}/checkout`, { personId: p.id, badge: p.badge, pin: p.pin }, 201);
  await site.ok('post', `/api/media/${m.id}/checkin`, { locationId: site.cabinetId, badge: p.badge, pin: p.pin }, 201);
  return p;
}

/** A leave that writes one notice, to the depositor's contact: its id. */
async function leaveNotice(name: string): Promise<string> {
  const p = await staffWhoHandled(name);
  const left = await site.ok('post', `/api/people/${p.id}/leave`, { reason: 'resigned' }, 200);
  expect(left.noticeIds).toHaveLength(1);
  return left.noticeIds[0];
}

/** Opens the notices tab at the outbox, once its first page is read. */
async function openNotices(page: Page) {
  const listed = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/notices' && r.request().method() === 'GET');
  await page.getByTestId('nav-notices').click();
  expect((await listed).status()).toBe(200);
  await page.getByTestId('outbox-view').waitFor();
}

/** Goes to a view of the notices screen with the arrow keys from the outbox's tab. */
async function view(page: Page, name: 'outbox' | 'contacts' | 'people') {
  await page.getByTestId(`notices-tab-${name}`).click();
  await page.getByTestId(`${name}-view`).waitFor();
}

/** Every request the page sends that could change something. */
function writesOf(page: Page) {
  const writes: string[] = [];
  page.on('request', (r: PwRequest) => {
    const path = new URL(r.url()).pathname;
    if (r.method() !== 'GET' && !['/api/auth/login', '/api/auth/logout', '/api/auth/refresh'].includes(path)) writes.push(`${r.method()} ${path}`);
  });
  return writes;
}

describe('the notices page (通知)', () => {
  it('a responsible person adds the depositor’s contact (an invalid address refused in words), changes and removes one, sets their own address; a notice waits in the outbox without SMTP and its text opens', async () => {
    await withPage(() => openPage(), async ({ page }) => {
      await signIn(page, responsible);
      expect(await text(page, 'nav-notices')).toBe('通知');
      const before = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname));
      expect(before).not.toContain('/assets/notices.js'); // loaded when the tab is first opened
      await openNotices(page);
      expect(await text(page, 'panel-notices')).toContain('通知メールと連絡先');
      // No mail server: said plainly; nothing in the outbox yet.
      await page.getByTestId('outbox-empty').waitFor();
      expect(await text(page, 'outbox-smtp')).toContain('メールサーバー（SMTP）が設定されていないため');
      expect(await text(page, 'outbox-empty')).toContain('まだ通知はありません');
      await screenshot(page, 'notices-outbox-empty-ja-1366');

      // The contacts, with the arrow keys over the views: the depositor comes first.
      await page.getByTestId('notices-tab-outbox').focus();
      await page.keyboard.press('ArrowRight');
      await page.getByTestId('contacts-view').waitFor();
      expect(await activeTestId(page)).toBe('notices-tab-contacts');
      await page.getByTestId('contacts-empty').waitFor();
      expect(await page.getByTestId('contacts-org').inputValue()).toBe(site.depositorOrgId);
      const groups = await page.getByTestId('contacts-org').locator('optgroup').evaluateAll((gs) => gs.map((g) => (g as HTMLOptGroupElement).label));
      expect(groups[0]).toBe('預託元');
      expect(groups).toContain('運送業者');
      expect(await text(page, 'contacts-empty')).toBe('まだ連絡先がありません。預託元の担当者を追加すると、担当者の退職・異動などの通知が届くようになります。');
      expect(await page.getByTestId('contact-kind-personnel_change').isChecked()).toBe(true);
      expect(await page.getByTestId('contact-kind-alarm').isChecked()).toBe(false);

      // An invalid address: refused by the server (400 body.email), said next to the field.
      await page.getByTestId('contact-name').focus();
      await page.keyboard.type('預託 窓口');
      await page.keyboard.press('Tab');
      expect(await activeTestId(page)).toBe('contact-email');
      await page.keyboard.type('madoguchi@@a.example.jp');
      const refused = await answerTo(page, `/api/orgs/${site.depositorOrgId}/contacts`, () => page.keyboard.press('Enter'));
      expect(refused.status()).toBe(400);
      expect((await refused.json()).error.details.map((d: { field: string }) => d.field)).toContain('body.email');
      await expect.poll(() => text(page, 'contact-email-error')).toBe('メールアドレスの形式が正しくありません（例: tanaka@example.co.jp）。');
      expect(await activeTestId(page)).toBe('contact-email');
      expect(await page.getByTestId('contact-email').getAttribute('aria-invalid')).toBe('true');
      expect(await page.getByTestId('contact-email').getAttribute('aria-describedby')).toBe('nt-c-email-error');
      expect(await text(page, 'contact-form-note')).toBe('入力内容を確かめてください。');
      expect(await page.getByTestId('contact-name').inputValue()).toBe('預託 窓口'); // what was typed stays
      await screenshot(page, 'notices-contact-invalid-ja-1366');

      // Corrected: added, listed with its language and kinds.
      await page.getByTestId('contact-email').fill('madoguchi@a.example.jp');
      const added = await answerTo(page, `/api/orgs/${site.depositorOrgId}/contacts`, () => page.keyboard.press('Enter'));
      expect(added.status()).toBe(201);
      await expect.poll(() => page.getByTestId('contact-row').count()).toBe(1);
      const row = page.getByTestId('contact-row').first();
      expect(await row.innerText()).toContain('madoguchi@a.example.jp');
      expect(await row.innerText()).toContain('日本語');
      expect(await row.locator('.nt-kind').allInnerTexts()).toEqual(['担当者の退職・異動', '週次点検の報告']);
      expect(await text(page, 'contact-form-note')).toBe('預託 窓口 を連絡先に追加しました。');
      expect(await page.getByTestId('contact-email-error').isVisible()).toBe(false);
      expect(await activeTestId(page)).toBe('contact-name'); // ready for the next one
      expect(await page.getByTestId('contact-email').inputValue()).toBe('');

      // A second one, in English, for alarms only; changed, then removed.
      await page.keyboard.type('Alice Smith');
      await page.getByTestId('contact-email').fill('alice@a.example.com');
      await page.getByTestId('contact-lang').selectOption('en');
      await page.getByTestId('contact-kind-personnel_change').uncheck();
      await page.getByTestId('contact-kind-weekly_review').uncheck();
      await page.getByTestId('contact-kind-alarm').check();
      expect((await answerTo(page, `/api/orgs/${site.depositorOrgId}/contacts`, () => page.getByTestId('contact-submit').click())).status()).toBe(201);
      await expect.poll(() => page.getByTestId('contact-row').count()).toBe(2);
      const alice = page.getByTestId('contact-row').nth(1);
      expect(await alice.innerText()).toContain('英語');
      await alice.getByTestId('contact-edit').click();
      expect(await text(page, 'contact-form-title')).toBe('連絡先を変更: Alice Smith');
      expect(await activeTestId(page)).toBe('contact-name');
      expect(await page.getByTestId('contact-kind-alarm').isChecked()).toBe(true);
      await page.getByTestId('contact-email').fill('alice.smith@a.example.com');
      const aliceId = (await alice.getAttribute('data-contact-id'))!;
      const changed = await answerTo(page, `/api/contacts/${aliceId}`, () => page.getByTestId('contact-email').press('Enter'), 'PATCH');
      expect(changed.status()).toBe(200);
      await expect.poll(() => text(page, 'contact-form-note')).toBe('Alice Smith の連絡先を変更しました。');
      expect(await page.getByTestId('contact-row').nth(1).innerText()).toContain('alice.smith@a.example.com');
      expect(await activeTestId(page)).toBe('contact-edit'); // back on the row's button
      expect(await text(page, 'contact-form-title')).toBe('連絡先を追加');
      await screenshot(page, 'notices-contacts-ja-1366');
      await page.getByTestId('contact-row').nth(1).getByTestId('contact-remove').click();
      expect(await text(page, 'contact-remove-confirm')).toContain('Alice Smith（alice.smith@a.example.com）を連絡先から削除しますか？');
      expect(await activeTestId(page)).toBe('contact-remove-yes');
      await page.keyboard.press('Escape'); // kept
      await expect.poll(() => page.getByTestId('contact-remove-confirm').count()).toBe(0);
      expect(await activeTestId(page)).toBe('contact-remove');
      await page.keyboard.press('Enter');
      const removed = await answerTo(page, `/api/contacts/${aliceId}`, () => page.keyboard.press('Enter'), 'DELETE');
      expect(removed.status()).toBe(204);
      await expect.poll(() => page.getByTestId('contact-row').count()).toBe(1);
      expect(await text(page, 'contacts-note')).toBe('Alice Smith を連絡先から削除しました。');
      const onFile = (await site.ok('get', `/api/orgs/${site.depositorOrgId}/contacts`, undefined, 200)).items;
      expect(onFile.map((c: { email: string; lang: string; kinds: string[] }) => [c.email, c.lang, c.kinds])).toEqual([['madoguchi@a.example.jp', 'ja', ['personnel_change', 'weekly_review']]]);
      // The carrier has none yet: its own empty state.
      await page.getByTestId('contacts-org').selectOption(carrierOrgId);
      expect(await text(page, 'contacts-empty')).toBe('まだ連絡先がありません。通知を届けたい担当者を追加してください。');
      await page.getByTestId('contacts-org').selectOption(site.depositorOrgId);
      await expect.poll(() => page.getByTestId('contact-row').count()).toBe(1);

      // Our people: the responsible person has no address yet, and is told so; sets one.
      await view(page, 'people');
      const me = page.locator(`[data-testid="person-row"][data-person-id="${responsible.personId}"]`);
      await me.waitFor();
      expect(await me.getByTestId('person-email').innerText()).toMatch(/^未登録\s+通知は届きません$/);
      expect(await me.innerText()).toContain('時間外の持出し');
      expect(await text(page, 'people-missing')).toContain('メールアドレスのない責任者が1人います');
      const admin = page.locator(`[data-testid="person-row"][data-person-id="${server.admin.personId}"]`);
      expect(await admin.innerText()).toContain('バックアップの失敗');
      await me.getByTestId('person-edit').click();
      expect(await activeTestId(page)).toBe('person-email-input');
      await page.keyboard.type('sekinin@');
      const bad = await answerTo(page, `/api/people/${responsible.personId}`, () => page.keyboard.press('Enter'), 'PATCH');
      expect(bad.status()).toBe(400);
      await expect.poll(() => me.getByTestId('person-email-error').innerText()).toBe('メールアドレスの形式が正しくありません（例: tanaka@example.co.jp）。');
      expect(await activeTestId(page)).toBe('person-email-input');
      await page.keyboard.type('example.co.jp');
      await me.getByTestId('person-lang-input').selectOption('en');
      const saved = await answerTo(page, `/api/people/${responsible.personId}`, () => me.getByTestId('person-save').click(), 'PATCH');
      expect(saved.status(), `${saved.request().postData()} → ${await saved.text()}`).toBe(200);
      expect(saved.request().postDataJSON()).toEqual({ email: 'sekinin@example.co.jp', noticeLang: 'en' });
      await expect.poll(() => me.getByTestId('person-email').innerText()).toBe('sekinin@example.co.jp');
      expect(await me.getByTestId('person-lang').innerText()).toBe('英語');
      expect(await page.getByTestId('people-missing').isVisible()).toBe(false);
      expect(await text(page, 'people-note')).toBe('責任 一郎 の通知先を保存しました。');
      expect(await activeTestId(page)).toBe('person-edit');
      await screenshot(page, 'notices-people-ja-1366');

      // A person who handled the depositor's media leaves: a notice to the contact, waiting.
      const id = await leaveNotice('退職 花子');
      const n = await knex()('notices').where({ id }).first();
      await view(page, 'outbox');
      await noticeRow(page, id).waitFor(); // read again when the outbox comes back on screen
      expect(await noticeRow(page, id).getByTestId('notice-status').innerText()).toBe('送信待ち');
      const cells = await noticeRow(page, id).innerText();
      expect(cells).toContain('【立会い】担当者の退職のお知らせ（退職 花子）');
      expect(cells).toContain('担当者の退職・異動');
      expect(cells).toContain('預託 窓口');
      expect(cells).toContain('madoguchi@a.example.jp');
      expect(cells).toContain('株式会社預託元');
      expect(cells).toContain('未送信');
      expect(await page.getByTestId('outbox-smtp').isVisible()).toBe(true);

      // Its text, as it will be sent: Enter opens it, Esc closes it.
      await noticeRow(page, id).getByTestId('notice-open').focus();
      await page.keyboard.press('Enter');
      const detail = page.getByTestId('notice-detail');
      await detail.waitFor();
      expect(await noticeRow(page, id).getByTestId('notice-open').getAttribute('aria-expanded')).toBe('true');
      expect(await text(page, 'notice-message-id')).toBe(n.message_id);
      expect((await text(page, 'notice-text')).trim()).toBe(n.body_text.trim());
      expect(await text(page, 'notice-text')).toContain('貴社の預託情報を取り扱った次の者が退職しました');
      expect(await detail.innerText()).toContain('メールサーバーが設定されると送信されます。');
      expect(await detail.getByTestId('notice-retry').count()).toBe(0); // waiting, not failed
      await screenshot(page, 'notices-outbox-open-ja-1366');
      await page.keyboard.press('Escape');
      await expect.poll(() => page.getByTestId('notice-detail').count()).toBe(0);
      expect(await activeTestId(page)).toBe('notice-open');
      // The status filter asks the server.
      const filtered = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/notices' && new URL(r.url()).searchParams.get('status') === 'sent');
      await page.getByTestId('outbox-status').selectOption('sent');
      expect((await filtered).status()).toBe(200);
      await expect.poll(() => text(page, 'outbox-empty')).toBe('この条件に合う通知はありません。');
      await page.getByTestId('outbox-status').selectOption('');
      await noticeRow(page, id).waitFor();
    });
  });

  it('with the SMTP server refusing, a notice is retried, then failed with its last error; tried again from the page, it is sent with the same Message-ID', async () => {
    server.ctx.config.smtpUrl = smtp.url;
    smtp.mode = 'refuse-5xx';
    const id = await leaveNotice('再送 三郎');
    const n = await knex()('notices').where({ id }).first();
    await withPage(() => openPage(), async ({ page }) => {
      await signIn(page, responsible);
      await openNotices(page);
      await noticeRow(page, id).waitFor();
      expect(await page.getByTestId('outbox-smtp').isVisible()).toBe(false); // configured now
      expect(await noticeRow(page, id).getByTestId('notice-status').innerText()).toBe('送信待ち');

      // The first attempt is refused: the page, which reads the outbox again while notices wait, shows it.
      await deliver();
      expect(smtp.refused).toContain(n.message_id);
      await expect.poll(() => noticeRow(page, id).getByTestId('notice-status').innerText(), { timeout: 15_000 }).toBe('再送待ち');
      expect(await noticeRow(page, id).getByTestId('notice-error').innerText()).toMatch(/^SMTP 550: .*Mailbox unavailable \(test\)$/);
      expect(await noticeRow(page, id).innerText()).toMatch(/試行 1回\s+次回 \d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}/);

      // The last attempt, after the wait: failed.
      await new Promise((r) => setTimeout(r, 1100));
      await deliver();
      expect((await knex()('notices').where({ id }).first()).status).toBe('failed');
      await page.getByTestId('outbox-refresh').click();
      await expect.poll(() => noticeRow(page, id).getByTestId('notice-status').innerText()).toBe('送信失敗');
      expect(await noticeRow(page, id).innerText()).toMatch(/失敗 \d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}\s+試行 2回/);
      expect(await noticeRow(page, id).getByTestId('notice-error').innerText()).toMatch(/^SMTP 550: .*Mailbox unavailable \(test\)$/);
      await noticeRow(page, id).getByTestId('notice-open').click();
      const detail = page.getByTestId('notice-detail');
      await detail.waitFor();
      expect(await detail.innerText()).toContain('再送をすべて試しても送信できませんでした。');
      expect(await detail.innerText()).toContain('Mailbox unavailable (test)');
      await screenshot(page, 'notices-outbox-failed-ja-1366');

      // Tried again, the SMTP server healthy: queued from the start, then sent, same Message-ID.
      smtp.mode = 'accept';
      const retried = await answerTo(page, `/api/notices/${id}/retry`, () => detail.getByTestId('notice-retry').click());
      expect(retried.status()).toBe(200);
      await expect.poll(() => text(page, 'notice-note')).toBe('再送を予約しました。まもなく送信されます。');
      expect(await activeTestId(page)).toBe('notice-note');
      expect(await noticeRow(page, id).getByTestId('notice-status').innerText()).toBe('送信待ち');
      expect(await detail.getByTestId('notice-retry').count()).toBe(0);
      const received = smtp.received.length;
      await deliver();
      await smtp.waitFor(received + 1);
      const mail = smtp.received.find((m) => m.mail.messageId === n.message_id);
      expect(mail?.mail.subject).toBe('【立会い】担当者の退職のお知らせ（再送 三郎）');
      await expect.poll(() => noticeRow(page, id).getByTestId('notice-status').innerText(), { timeout: 15_000 }).toBe('送信済み');
      expect(await noticeRow(page, id).getByTestId('notice-error').innerText()).toBe('');
      expect(await noticeRow(page, id).innerText()).toMatch(/送信 \d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}\s+試行 1回/);
      // The other waiting notice (the first test's) went out on the same call, or failed likewise.
      await screenshot(page, 'notices-outbox-sent-ja-1366');
    });
  });

  it('an auditor sees the outbox, the contacts and the people, with no button that changes anything (ja, 800 px)', async () => {
    // A notice that failed, for the auditor to see.
    smtp.mode = 'refuse-5xx';
    const id = await leaveNotice('監査 確認');
    await deliver();
    await new Promise((r) => setTimeout(r, 1100));
    await deliver();
    smtp.mode = 'accept';
    expect((await knex()('notices').where({ id }).first()).status).toBe('failed');
    await withPage(() => openPage('ja-JP', NARROW), async ({ page }) => {
      const writes = writesOf(page);
      await signIn(page, auditor);
      await openNotices(page);
      await noticeRow(page, id).getByTestId('notice-open').click();
      const detail = page.getByTestId('notice-detail');
      await detail.waitFor();
      expect(await detail.innerText()).toContain('再送をすべて試しても送信できませんでした。責任者に連絡してください。');
      expect(await detail.getByTestId('notice-retry').count()).toBe(0);
      await screenshot(page, 'notices-outbox-auditor-ja-800');

      await view(page, 'contacts');
      await expect.poll(() => page.getByTestId('contact-row').count()).toBe(1);
      expect(await page.getByTestId('contact-form').isVisible()).toBe(false);
      expect(await page.getByTestId('contact-edit').count()).toBe(0);
      expect(await page.getByTestId('contact-remove').count()).toBe(0);
      expect(await text(page, 'contacts-readonly')).toBe('連絡先の追加・変更・削除は、責任者と管理者が行います。');
      await screenshot(page, 'notices-contacts-auditor-ja-800');
      await page.getByTestId('contacts-org').selectOption(carrierOrgId);
      expect(await text(page, 'contacts-empty')).toBe('まだ連絡先がありません。責任者が追加すると、ここに表示されます。');

      await view(page, 'people');
      await page.locator(`[data-testid="person-row"][data-person-id="${responsible.personId}"]`).waitFor();
      expect(await page.getByTestId('person-edit').count()).toBe(0);
      expect(await text(page, 'people-readonly')).toBe('メールアドレスの登録・変更は、責任者と管理者が行います。');
      await screenshot(page, 'notices-people-auditor-ja-800');
      expect(writes).toEqual([]);
    });
  });

  it('a guard and a staff member see no notices tab', async () => {
    for (const roles of [['guard'], ['staff']]) {
      const user = await server.createUser({ roles, name: `役割 ${roles[0]}` });
      await withPage(() => openPage(), async ({ page }) => {
        await signInAs(page, user);
        expect(await page.getByTestId('nav-notices').isVisible(), roles[0]).toBe(false);
        expect(await page.getByTestId('panel-notices').isVisible()).toBe(false);
        const loaded = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname));
        expect(loaded).not.toContain('/assets/notices.js');
      });
    }
  });

  it('in English at 800 px: the outbox, a notice’s text, a refused address in words, our people', async () => {
    await withPage(() => openPage('en-US', NARROW), async ({ page }) => {
      await signIn(page, responsible);
      expect(await text(page, 'nav-notices')).toBe('Notices');
      await openNotices(page);
      expect(await text(page, 'panel-notices')).toContain('E-mail notices and contacts');
      const failed = page.locator('[data-testid="notice-row"][data-status="failed"]').first();
      await failed.waitFor();
      expect(await failed.getByTestId('notice-status').innerText()).toBe('Failed');
      expect(await page.locator('[data-testid="notice-row"][data-status="sent"]').first().getByTestId('notice-status').innerText()).toBe('Sent');
      await failed.getByTestId('notice-open').click();
      const detail = page.getByTestId('notice-detail');
      await detail.waitFor();
      expect(await detail.innerText()).toContain('Text (as sent)');
      expect(await detail.innerText()).toContain('Every attempt failed.');
      expect(await detail.getByTestId('notice-retry').innerText()).toBe('Try again');
      await screenshot(page, 'notices-outbox-en-800');

      await view(page, 'contacts');
      await expect.poll(() => page.getByTestId('contact-row').count()).toBe(1);
      expect(await page.getByTestId('contact-row').first().locator('.nt-kind').allInnerTexts()).toEqual(['Personnel change', 'Weekly review']);
      expect(await text(page, 'contact-form-title')).toBe('Add a contact');
      await page.getByTestId('contact-name').fill('Bob Jones');
      await page.getByTestId('contact-email').fill('bob@');
      expect((await answerTo(page, `/api/orgs/${site.depositorOrgId}/contacts`, () => page.getByTestId('contact-email').press('Enter'))).status()).toBe(400);
      await expect.poll(() => text(page, 'contact-email-error')).toBe('This is not a valid e-mail address (e.g. tanaka@example.com).');
      await screenshot(page, 'notices-contacts-en-800');
      await page.getByTestId('contact-email').fill('');
      await page.getByTestId('contact-name').fill('');

      await view(page, 'people');
      const me = page.locator(`[data-testid="person-row"][data-person-id="${responsible.personId}"]`);
      await me.waitFor();
      expect(await me.getByTestId('person-lang').innerText()).toBe('English');
      expect(await me.innerText()).toContain('After-hours media');
      await screenshot(page, 'notices-people-en-800');
      await page.getByTestId('lang-switch').click(); // and back to Japanese, the words follow
      await expect.poll(() => me.getByTestId('person-lang').innerText()).toBe('英語');
      expect(await text(page, 'notices-tab-people')).toBe('社内の受信者');
    });
  });
});

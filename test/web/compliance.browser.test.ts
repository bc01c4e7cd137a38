// The compliance screen (遵守状況, issue 18 parts 1–2) in a real browser (Debian's Chromium via
// playwright-core) against a real server: on a site where some clauses hold and others do not (a
// medium held after hours with an alert, no drill, OUT clauses not attested), the responsible
// person sees every clause, those needing attention first, with status badges, reasons and
// evidence; saves the view as CSV; attests an OUT clause (E1.9) scan first with badge + PIN (the
// form empty afterwards, the row ok); records a fire drill (E9.1 no longer missing a drill);
// acknowledges the after-hours alert with a note. An auditor reads the same rows with no form and
// sends no write; a staff member and a guard have no tab. Screenshots at 1366 and 800 px.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, screenshot } from '../helpers/browser.js';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.js';
import { custodySite, PIN, type CustodySite, type SitePerson } from '../helpers/custody.js';
import { holderSetsPin } from '../helpers/pins.js';
import { activeTestId, answerTo, openWatchedPage, pick, sign, signIn, text, withPage, signInAs } from '../helpers/page.js';
import { raiseAfterHoursAlerts } from '../../server/custody/service.js';

let server: TestServer;
let browser: Browser;
let site: CustodySite;
let responsible: TestUser & { id: string; badge: string };
let auditor: TestUser;
let leader: SitePerson;
let member: SitePerson;

const DESKTOP = { width: 1366, height: 900 };
const NARROW = { width: 800, height: 900 };
const STATUS_ORDER = ['attention', 'missing', 'unknown', 'manual', 'ok'];

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer({ scryptCost: 1024 }), launchBrowser()]);
  site = await custodySite(server);
  const u = await server.createUser({ roles: ['responsible'], name: '遵守 責任者', password: 'Hv8#tQ3$nW7e' });
  const b = await site.ok('post', '/api/badges', { personId: u.personId }, 201);
  await holderSetsPin(server.ctx, b.id, PIN);
  responsible = { ...u, id: u.personId, badge: b.token };
  auditor = await server.createUser({ roles: ['auditor'], name: '監査 二郎', password: 'Gk7#vQ2$mX9a' });
  leader = await site.person('訓練 指揮', ['staff']);
  member = await site.person('訓練 参加', ['staff']);
  // A medium held after hours, with its alert (E1.2: attention), as the custody test does.
  const holder = await site.person('持出 太郎', ['staff']);
  const medium = await site.medium('USB-夜間');
  await site.enter(holder);
  await site.ok('post', `/api/media/${medium.id}/checkout`, { personId: holder.id, badge: holder.badge, pin: holder.pin }, 201);
  await server.ctx.db.knex('rooms').where({ id: site.roomId }).update({ hours_days: [1, 2, 3, 4, 5, 6, 7], hours_from: '00:00', hours_to: '00:01' });
  expect(await raiseAfterHoursAlerts(server.ctx)).toBe(1);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

// A refused signature (400) is logged by the browser.
const openPage = (locale = 'ja-JP', viewport = DESKTOP) => openWatchedPage(browser, server.url, { locale, viewport, ignore: /status of (400|403)/ });
const row = (page: Page, id: string) => page.locator(`[data-testid="compliance-row"][data-clause="${id}"]`);

/** Opens the compliance tab once the view is read. */
async function openCompliance(page: Page) {
  const read = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/compliance' && r.request().method() === 'GET');
  await page.getByTestId('nav-compliance').click();
  expect((await read).status()).toBe(200);
  await row(page, 'E1.1').waitFor();
}

const statuses = (page: Page) => page.locator('[data-testid="compliance-row"]').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-clause'), r.getAttribute('data-status')]));

describe('the compliance screen', () => {
  it('the responsible person: attention first, badges and reasons, CSV; attests E1.9 with badge + PIN', async () => {
    await withPage(() => openPage(), async ({ page }) => {
      await signInAs(page, responsible);
      expect(await page.getByTestId('nav-compliance').innerText()).toBe('遵守状況');
      await openCompliance(page);
      const rows = await statuses(page);
      expect(rows.length).toBeGreaterThan(20);
      const ranks = rows.map(([, st]) => STATUS_ORDER.indexOf(st ?? ''));
      expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
      expect(rows[0]![1]).toBe('attention');
      expect(rows.some(([, st]) => st === 'ok')).toBe(true);
      expect(await row(page, 'E1.2').getAttribute('data-status')).toBe('attention');
      expect(await row(page, 'E1.2').innerText()).toContain('USB-夜間');
      expect(await row(page, 'E1.2').getByTestId('compliance-status').innerText()).toBe('要対応');
      // Its evidence (the medium held, the alert) and how fresh it is: today, on the site's clock.
      expect(await row(page, 'E1.2').getByTestId('compliance-fresh').innerText()).toMatch(/^本日 \d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}$/);
      expect(await row(page, 'E1.2').locator('a[data-evidence]').allInnerTexts()).toEqual(expect.arrayContaining([expect.stringMatching(/^媒体 [0-9a-f]{8}$/)]));
      expect(await row(page, 'E1.9').getAttribute('data-status')).toBe('manual');
      expect(await row(page, 'E1.9').getByTestId('compliance-status').innerText()).toBe('要表明');
      expect(await page.getByTestId('compliance-summary').innerText()).toMatch(/^要対応 \d+・記録なし \d+・要表明 \d+・適合 \d+$/);
      expect(await page.getByTestId('compliance-read-only').isVisible()).toBe(false);
      await screenshot(page, 'compliance-ja-1366');

      // CSV of the whole view, in the page's language.
      const saved = page.waitForEvent('download');
      const csvAnswer = page.waitForResponse((r) => r.url().includes('/api/compliance?format=csv&lang=ja'));
      await page.getByTestId('compliance-csv').click();
      expect((await csvAnswer).status()).toBe(200);
      const file = await saved;
      expect(file.suggestedFilename()).toMatch(/^遵守状況_\d{4}-\d{2}-\d{2}\.csv$/);
      const csv = fs.readFileSync((await file.path())!, 'utf8');
      expect(csv).toContain('E1.9');

      // Attest E1.9: the note, then the badge scanned into the name field, the PIN, Enter.
      await row(page, 'E1.9').getByTestId('compliance-attest').click();
      const form = page.getByTestId('compliance-attest-form');
      await form.waitFor();
      await expect.poll(() => activeTestId(page)).toBe('f-note');
      // A wrong PIN first: refused in words, the badge and PIN gone from the form.
      await page.keyboard.type('複写機は20時に');
      // The view read again meanwhile (a refresh elsewhere): the form keeps its focus and its text.
      const reread = await answerTo(page, '/api/compliance', () => page.getByTestId('compliance-refresh').evaluate((b) => (b as HTMLButtonElement).click()), 'GET');
      expect(reread.status()).toBe(200);
      await expect.poll(() => page.getByTestId('compliance-refresh').isEnabled()).toBe(true);
      expect(await activeTestId(page)).toBe('f-note');
      await page.keyboard.type('電源を切ることを確認した');
      expect(await form.getByTestId('f-note').inputValue()).toBe('複写機は20時に電源を切ることを確認した');
      await sign(page, form, { id: responsible.id, badge: responsible.badge, name: '遵守 責任者' });
      await page.keyboard.type('000000');
      const wrong = await answerTo(page, '/api/compliance/attestations', () => page.keyboard.press('Enter'));
      expect(wrong.status()).toBe(400);
      // (The page empties them once it has read the answer, a moment after the test sees it.)
      await expect.poll(() => form.getByTestId('signer-badge').inputValue()).toBe('');
      await expect.poll(() => form.getByTestId('signer-pin').inputValue()).toBe('');
      await expect.poll(() => form.getByTestId('signer-error').isVisible()).toBe(true);
      await screenshot(page, 'compliance-attest-wrong-pin-ja-1366');
      await sign(page, form, { id: responsible.id, badge: responsible.badge });
      await page.keyboard.type(PIN);
      const ok = await answerTo(page, '/api/compliance/attestations', () => page.keyboard.press('Enter'));
      expect(ok.status()).toBe(201);
      expect(ok.request().postDataJSON()).toMatchObject({ clauseId: 'E1.9', note: '複写機は20時に電源を切ることを確認した', signer: { personId: responsible.id } });
      await expect.poll(() => row(page, 'E1.9').getAttribute('data-status')).toBe('ok');
      expect(await page.getByTestId('compliance-attest-section').isHidden()).toBe(true);
      expect(await page.getByTestId('compliance-said').innerText()).toContain('E1.9 の表明を記録しました');
      expect(await page.getByTestId('compliance-attest-form').count()).toBe(0);
      expect(await row(page, 'E1.9').innerText()).toContain('遵守 責任者');
      // The form of the next clause starts empty: nothing of the last answer stays; Escape closes it.
      await row(page, 'E1.10').getByTestId('compliance-attest').click();
      await expect.poll(() => activeTestId(page)).toBe('f-note');
      expect(await form.getByTestId('f-note').inputValue()).toBe('');
      expect(await form.getByTestId('signer-person').inputValue()).toBe('');
      expect(await form.getByTestId('signer-badge').inputValue()).toBe('');
      expect(await form.getByTestId('signer-pin').inputValue()).toBe('');
      await page.keyboard.press('Escape');
      expect(await page.getByTestId('compliance-attest-form').count()).toBe(0);
      await expect.poll(() => page.evaluate(() => document.activeElement?.closest('tr')?.getAttribute('data-clause'))).toBe('E1.10');
    });
  });

  it('records a fire drill and acknowledges the after-hours alert with a note (800 px)', async () => {
    await withPage(() => openPage('ja-JP', NARROW), async ({ page }) => {
      await signInAs(page, responsible);
      await openCompliance(page);
      const drill = page.getByTestId('drill-form');
      await drill.scrollIntoViewIfNeeded();
      expect(await page.getByTestId('drill-recent').innerText()).toContain('まだ訓練の記録はありません');
      await pick(page, drill.getByTestId('f-leader'), '訓練 指揮', leader.id);
      await pick(page, page.getByTestId('drill-participant'), '訓練 参加', member.id);
      expect(await page.getByTestId('drill-participants').innerText()).toContain('訓練 参加');
      await drill.getByTestId('f-findings').fill('避難経路は確保されていた。非常口の表示灯1か所が切れていたため交換を依頼。');
      await screenshot(page, 'compliance-drill-ja-800');
      const recorded = await answerTo(page, '/api/drills', () => page.getByTestId('drill-submit').click());
      expect(recorded.status()).toBe(201);
      expect(recorded.request().postDataJSON()).toMatchObject({ kind: 'fire', leaderPersonId: leader.id, participantIds: [member.id] });
      await expect.poll(() => page.getByTestId('drill-done').innerText()).toContain('火災訓練');
      await expect.poll(() => page.getByTestId('drill-recent').innerText()).toContain('訓練 指揮');
      expect(await drill.getByTestId('f-findings').inputValue()).toBe('');
      await expect.poll(() => row(page, 'E9.1').innerText()).not.toContain('火災訓練の記録がありません');

      // The alert: a note is asked for, then it is acknowledged.
      const item = page.getByTestId('alert-item');
      await expect(item.count()).resolves.toBe(1);
      await item.getByTestId('alert-ack').click();
      await expect.poll(() => item.locator('.field-error').innerText()).toBe('確認メモを書いてください。');
      await item.getByTestId('alert-note').fill('残業のため。21時に返却を確認');
      const ack = await answerTo(page, '/acknowledge', () => item.getByTestId('alert-ack').click());
      expect(ack.status()).toBe(200);
      await page.getByTestId('alert-none').waitFor();
      await expect.poll(() => row(page, 'E1.2').innerText()).not.toContain('未確認の時間外アラート');
      await screenshot(page, 'compliance-records-ja-800');
      await page.evaluate(() => window.scrollTo(0, 0));
      await screenshot(page, 'compliance-ja-800');
    });
  });

  it('an auditor reads the rows, in English too, with no form and no write', async () => {
    await withPage(() => openPage('en-US', DESKTOP), async ({ page }) => {
      const writes: string[] = [];
      page.on('request', (r) => {
        if (r.method() !== 'GET' && !r.url().endsWith('/api/auth/login') && !r.url().endsWith('/api/auth/logout')) writes.push(`${r.method()} ${r.url()}`);
      });
      await signInAs(page, auditor);
      expect(await page.getByTestId('nav-compliance').innerText()).toBe('Compliance');
      await openCompliance(page);
      expect(await page.getByTestId('compliance-read-only').isVisible()).toBe(true);
      expect(await page.getByTestId('compliance-attest').count()).toBe(0);
      expect(await page.getByTestId('drill-section').count()).toBe(0);
      expect(await page.getByTestId('alert-section').count()).toBe(0);
      expect(await row(page, 'E1.9').getByTestId('compliance-status').innerText()).toBe('OK');
      expect(await page.getByTestId('compliance-summary').innerText()).toMatch(/^Needs attention \d+/);
      await screenshot(page, 'compliance-auditor-en-1366');
      await page.setViewportSize(NARROW);
      await screenshot(page, 'compliance-auditor-en-800');
      expect(writes).toEqual([]);
    });
  });

  it('a witness that refused the journal (a fork or a rollback, issue 19) is an alarm line above the rows, in the reader\'s language', async () => {
    // The row the witness client keeps for a witness's 422 (server/journal/witness-client.ts).
    const knex = server.ctx.db.knex;
    const vkey = 'witness.example+1a2b3c4d+AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    await knex('journal_witnesses').insert({ vkey, origin: 'tachiai/site/journal', size: 120, status: 'alarm', message: 'HTTP 422: inconsistent tree', checked_at: knex.fn.now(), alarm_at: knex.fn.now() });
    try {
      await withPage(() => openPage('en-US', DESKTOP), async ({ page }) => {
        await signInAs(page, auditor);
        await openCompliance(page);
        const line = page.getByTestId('compliance-alarm');
        await expect.poll(() => line.count()).toBe(1);
        expect(await line.innerText()).toContain('HTTP 422: inconsistent tree');
        expect(await page.getByTestId('compliance-alarms').getAttribute('role')).toBe('alert');
        await screenshot(page, 'compliance-witness-alarm-en-1366', { viewportOnly: true });
      });
    } finally {
      await knex('journal_witnesses').where({ vkey }).delete();
    }
  });

  it('the registration forms: an appointment per depositor and its interview, the fire-prevention manager, a training with topics a–f', async () => {
    await withPage(() => openPage(), async ({ page }) => {
      await signIn(page, server.admin, server.admin.badgeToken, server.admin.badgePin);
      await page.getByTestId('door-tab-admin').click();
      await page.getByTestId('admin-panel-person').waitFor();

      await page.getByTestId('admin-tab-appointment').click();
      await page.getByTestId('admin-appointment-depositorOrgId').selectOption(site.depositorOrgId);
      await page.getByTestId('admin-appointment-role').selectOption('responsible');
      await page.getByTestId('admin-appointment-personId').selectOption(responsible.id);
      await page.getByTestId('admin-appointment-submit').click();
      await expect.poll(() => text(page, 'admin-appointment-status')).toBe('株式会社預託元 の責任者に 遵守 責任者 さんを選任しました。続けて面談を記録してください。');

      await page.getByTestId('admin-tab-interview').click();
      const appointment = page.getByTestId('admin-interview-appointmentId');
      await expect.poll(() => appointment.locator('option').allInnerTexts()).toContain('株式会社預託元 責任者 遵守 責任者（面談 0 回）');
      await appointment.selectOption({ label: '株式会社預託元 責任者 遵守 責任者（面談 0 回）' });
      await page.getByTestId('admin-interview-depositorParticipants').fill('山田 花子、佐藤 一郎');
      await page.getByTestId('admin-interview-participantIds').getByText('遵守 責任者').click();
      const interviewed = await answerTo(page, '/interviews', () => page.getByTestId('admin-interview-submit').click());
      expect(interviewed.status()).toBe(201);
      expect(interviewed.request().postDataJSON()).toMatchObject({ depositorParticipants: ['山田 花子', '佐藤 一郎'], participantIds: [responsible.id] });
      await expect.poll(() => text(page, 'admin-interview-status')).toBe('株式会社預託元 と 遵守 責任者 さんの面談を記録しました。');

      await page.getByTestId('admin-tab-fireManager').click();
      await page.getByTestId('admin-fireManager-personId').selectOption(leader.id);
      await page.getByTestId('admin-fireManager-certificateRef').fill('防火-2026-118');
      await page.getByTestId('admin-fireManager-submit').click();
      await expect.poll(() => text(page, 'admin-fireManager-status')).toBe('訓練 指揮 さんを防火管理者に選任しました。');

      await page.getByTestId('admin-tab-training').click();
      await page.getByTestId('admin-training-title').fill('預託情報保護研修');
      await page.getByTestId('admin-training-instructor').fill('管理 太郎');
      await page.getByTestId('admin-training-method').fill('集合研修');
      await page.getByTestId('admin-training-content').fill('要領、監視、プライバシー、ウイルス、ソフトウェア、懲戒');
      for (const topic of ['a', 'b', 'd', 'e', 'f']) await page.getByTestId('admin-training-topics').locator(`input[value="${topic}"]`).check();
      await page.getByTestId('admin-training-participantIds').getByText('訓練 参加').click();
      const trained = await answerTo(page, '/api/trainings', () => page.getByTestId('admin-training-submit').click());
      expect(trained.status()).toBe(201);
      expect(trained.request().postDataJSON().topics).toEqual(['a', 'b', 'd', 'e', 'f']);
      await screenshot(page, 'compliance-admin-training-ja-1366');

      // The compliance view reads them: the responsible person is appointed and interviewed, the
      // staff member not yet; a fire-prevention manager is appointed.
      await openCompliance(page);
      const e11 = await row(page, 'E1.1').innerText();
      expect(e11).not.toContain('責任者が選任されていません');
      expect(e11).toContain('担当者が選任されていません');
      expect(await row(page, 'E9.1').innerText()).not.toContain('防火管理者が選任されていません');
    });
  });

  it('ending an appointment (E1.1): chosen from the current ones, a reason asked for, a future day refused at the field; ended, it is offered no more and the depositor was notified with it (no notice asked for)', async () => {
    const moved = await site.person('異動 花子', ['staff']);
    const appointed = await site.ok('post', '/api/depositor-appointments', { depositorOrgId: site.depositorOrgId, personId: moved.id, role: 'staff' }, 201);
    await withPage(() => openPage(), async ({ page }) => {
      await signIn(page, server.admin, server.admin.badgeToken, server.admin.badgePin);
      await page.getByTestId('door-tab-admin').click();
      await page.getByTestId('admin-panel-person').waitFor();
      await page.getByTestId('admin-tab-appointmentEnd').click();
      expect(await page.getByTestId('admin-panel-appointmentEnd').locator('h3').innerText()).toBe('選任の終了');
      const choice = page.getByTestId('admin-appointmentEnd-appointmentId');
      const label = '株式会社預託元 担当者 異動 花子（面談 0 回）';
      await expect.poll(() => choice.locator('option').allInnerTexts()).toContain(label);
      await choice.selectOption({ label });
      // No reason: said at the field, nothing sent.
      let sent = 0;
      page.on('request', (r) => {
        if (r.url().endsWith(`/api/depositor-appointments/${appointed.id}/end`)) sent++;
      });
      await page.getByTestId('admin-appointmentEnd-submit').click();
      await expect.poll(() => text(page, 'admin-appointmentEnd-reason-error')).toBe('選択してください。');
      expect(await activeTestId(page)).toBe('admin-appointmentEnd-reason');
      expect(sent).toBe(0);
      // A day in the future: the server's refusal at the date.
      await page.getByTestId('admin-appointmentEnd-reason').selectOption('transferred');
      await page.getByTestId('admin-appointmentEnd-endedAt').fill('2099-01-01');
      const future = await answerTo(page, `/api/depositor-appointments/${appointed.id}/end`, () => page.getByTestId('admin-appointmentEnd-submit').click());
      expect(future.status()).toBe(400);
      await expect.poll(() => text(page, 'admin-appointmentEnd-endedAt-error')).toBe('未来の日時は指定できません。');
      await screenshot(page, 'compliance-admin-appointment-end-refused-ja-1366');
      // Today: ended as a transfer, with a note.
      await page.getByTestId('admin-appointmentEnd-endedAt').fill(new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo' }).format(new Date()));
      await page.getByTestId('admin-appointmentEnd-note').fill('営業部へ異動');
      const ended = await answerTo(page, `/api/depositor-appointments/${appointed.id}/end`, () => page.getByTestId('admin-appointmentEnd-submit').click());
      expect(ended.status()).toBe(200);
      expect(ended.request().postDataJSON()).toEqual({ reason: 'transferred', note: '営業部へ異動' }); // today: ended now, on the server's clock
      await expect.poll(() => text(page, 'admin-appointmentEnd-status')).toBe('株式会社預託元 の 異動 花子 さんの選任を終了しました（人事異動）。株式会社預託元 へ直ちに通知しました（画面の通知と連絡担当者へのメール、E1.1）。続けて後任を選任してください。');
      await expect.poll(() => choice.locator('option').allInnerTexts()).not.toContain(label);
      expect(await page.getByTestId('admin-interview-appointmentId').locator('option').allInnerTexts()).not.toContain(label);
      await screenshot(page, 'compliance-admin-appointment-end-ja-1366');
      // Ending it again (another desk's stale list) is refused in words.
      const again = await site.call('post', `/api/depositor-appointments/${appointed.id}/end`, { reason: 'other' });
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('already_ended');
      // The compliance view: the staff member is no longer appointed; the transfer was reported
      // to the depositor with the ending itself (E1.1), so no notice is asked for.
      await openCompliance(page);
      const e11 = await row(page, 'E1.1').innerText();
      expect(e11).toContain('担当者が選任されていません');
      expect(e11).not.toContain('異動 花子 の退職・異動が連絡されていません');
      const notified = await server.ctx.db.knex('notifications').where({ kind: 'personnel_change', person_id: moved.id }).select('depositor_org_id');
      expect(notified).toHaveLength(1);
      expect((await server.ctx.db.knex('journal_entries').where({ action: 'people.depositor_appointment_ended', subject: `appointment:${appointed.id}` }).count({ n: '*' }))[0]!.n).toBe('1');
    });
  });

  it('a staff member and a guard have no compliance tab', async () => {
    for (const roles of [['staff'], ['guard']]) {
      const user = await server.createUser({ roles, password: 'Qw3#rT5$yU7i' });
      await withPage(() => openPage(), async ({ page }) => {
        await signInAs(page, user);
        expect(await page.getByTestId('nav-compliance').isVisible(), roles[0]).toBe(false);
        const loaded = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname));
        expect(loaded).not.toContain('/assets/compliance.js');
      });
    }
  });
});

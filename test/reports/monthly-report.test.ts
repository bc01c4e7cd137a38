// The depositor's monthly report (issue 18, part 3) on a site with two depositors: last month's
// custody of depositor A (media rebuilt as they stood at the month's end, not today's), its
// destruction with the certificate number, an inspection with discrepancies, an appointee who left
// with the notice sent — and nothing of depositor B anywhere in A's report. Signed by the
// responsible person with badge + PIN; printed with the authorised person present (E2.14) through
// `chromium --headless --print-to-pdf` (numbered A4 pages, table headings repeated, Japanese fonts,
// PNGs by pdftoppm to look at); its QR code (zbarimg) opens the public check, which says only that
// the report was issued, when, and that it is intact.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { Browser } from 'playwright-core';
import { launchBrowser, screenshot, SCREENSHOT_DIR } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { custodySite, PIN, type CustodySite, type SitePerson } from '../helpers/custody.js';
import { holderSetsPin } from '../helpers/pins.js';
import { reportCheckCode } from '../../server/reports/service.js';

const run = promisify(execFile);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TZ = 'Asia/Tokyo';

let s: TestServer;
let site: CustodySite;
let browser: Browser;
let depositorB = '';
let responsible: SitePerson & { token: string };
let authorized: SitePerson;
let holder: SitePerson;
let lastMonth = '';
let thisMonth = '';
let certificateA = '';
let certificateB = '';
const A_LABELS: string[] = [];
const B_LABELS = ['B-SECRET-001', 'B-SECRET-002', 'B-SECRET-003'];
const B_NAME = '株式会社ベータ預託';
const B_PERSON = 'ベータ 担当者';

const monthOf = (d: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit' }).format(d).slice(0, 7);

/** A person with a sign-in account, a badge with its PIN, and access to the secure room. */
async function accountWithBadge(roles: string[], name: string) {
  const u = await s.createUser({ roles, name });
  const b = await site.ok('post', '/api/badges', { personId: u.personId }, 201);
  await holderSetsPin(s.ctx, b.id, PIN);
  await site.ok('post', `/api/rooms/${site.roomId}/access`, { personId: u.personId }, 201);
  return { id: u.personId, name, badge: b.token as string, badgeId: b.id as string, pin: PIN, token: await s.login(u) };
}

async function destroy(mediaIds: string[], witnesses: SitePerson[]) {
  return site.ok('post', '/api/destructions', { mediaIds, method: 'shred', securityLevel: 'E-4', performedById: holder.id, witnesses: witnesses.map((w) => site.signer(w)), roomId: site.roomId, mediaDetails: mediaIds.map((mediumId) => ({ mediumId, backedUp: false })) }, 201);
}

/** Everything recorded so far moves one month back: it becomes last month's. */
async function intoLastMonth() {
  const k = s.ctx.db.knex;
  await k.raw("UPDATE custody_steps SET at = at - interval '1 month'");
  await k.raw("UPDATE inspections SET at = at - interval '1 month'");
  await k.raw("UPDATE notices SET created_at = created_at - interval '1 month'");
  await k.raw("UPDATE depositor_appointments SET appointed_at = appointed_at - interval '1 month', ended_at = ended_at - interval '1 month'");
  await k.raw("UPDATE people SET left_at = left_at - interval '1 month' WHERE left_at IS NOT NULL");
}

beforeAll(async () => {
  [s, browser] = await Promise.all([startTestServer({ scryptCost: 1024 }), launchBrowser()]);
  s.ctx.config.publicUrl = s.url;
  site = await custodySite(s);
  const now = new Date();
  thisMonth = monthOf(now);
  const [y, m] = thisMonth.split('-').map(Number) as [number, number];
  lastMonth = m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;

  depositorB = (await site.ok('post', '/api/orgs', { name: B_NAME, kind: 'depositor' }, 201)).id;
  responsible = await accountWithBadge(['responsible'], '責任 一郎');
  authorized = await site.person('権限 二郎', ['authorized']);
  holder = await site.person('保管 三郎', ['staff']);
  for (const p of [responsible, authorized, holder]) await site.enter(p);

  // Depositor A: 45 media in the cabinet (enough for more than one page); B: three, in the same cabinet.
  const a: Array<{ id: string; label: string }> = [];
  for (let i = 1; i <= 45; i++) {
    const label = `A-DOC-${String(i).padStart(3, '0')}`;
    A_LABELS.push(label);
    a.push(await site.medium(label));
  }
  const b: Array<{ id: string; label: string }> = [];
  for (const label of B_LABELS) b.push(await site.ok('post', '/api/media', { label, kind: 'usb', depositorOrgId: depositorB, locationId: site.cabinetId }, 201));

  // A-DOC-001 and B-SECRET-001 checked out (and still out at the month's end); A-DOC-002 and B-SECRET-002 destroyed.
  await site.ok('post', '/api/custody/checkouts', { mediaIds: [a[0]!.id, b[0]!.id], personId: holder.id, badge: holder.badge, pin: holder.pin }, 201);
  certificateA = (await destroy([a[1]!.id], [responsible, authorized])).certificateNo;
  certificateB = (await destroy([b[1]!.id], [responsible, authorized])).certificateNo;
  // The cabinet's inspection: A-DOC-003 and B-SECRET-003 not found (discrepancies of both depositors).
  const found = a.slice(3).map((x) => x.id);
  await site.ok('post', '/api/inspections', { locationId: site.cabinetId, foundMediaIds: found, inspector: site.signer(authorized) }, 201);

  // Appointees of each depositor who leave: each depositor's contact is told (a notice each).
  await site.ok('post', `/api/orgs/${site.depositorOrgId}/contacts`, { name: 'アルファ 窓口', email: 'alpha@example.jp', kinds: ['personnel_change'] }, 201);
  await site.ok('post', `/api/orgs/${depositorB}/contacts`, { name: 'ベータ 窓口', email: 'beta@example.jp', kinds: ['personnel_change'] }, 201);
  const staffA = await site.person('アルファ 担当者', ['staff']);
  const staffB = await site.person(B_PERSON, ['staff']);
  await site.ok('post', '/api/depositor-appointments', { depositorOrgId: site.depositorOrgId, personId: staffA.id, role: 'staff' }, 201);
  await site.ok('post', '/api/depositor-appointments', { depositorOrgId: depositorB, personId: staffB.id, role: 'staff' }, 201);
  await site.ok('post', `/api/people/${staffA.id}/leave`, { reason: 'resigned' }, 200);
  await site.ok('post', `/api/people/${staffB.id}/leave`, { reason: 'resigned' }, 200);

  await intoLastMonth();
  // Last month: a training, a fire drill, and a signed weekly review (written straight into its
  // table) with findings about A's medium, B's medium, a room holding none of A's media, and the
  // whole site.
  const inLastMonth = async () => new Date(((await s.ctx.db.knex('custody_steps').min({ at: 'at' }))[0] as { at: Date }).at.getTime() + 60_000);
  const held = await inLastMonth();
  await site.ok('post', '/api/trainings', { title: '預託情報保護研修', heldAt: held.toISOString(), instructor: '講師 四郎', method: '集合研修', content: '要領の説明', participantIds: [holder.id, authorized.id] }, 201);
  await site.ok('post', '/api/drills', { kind: 'fire', heldAt: held.toISOString(), leaderPersonId: authorized.id, participantIds: [holder.id], findings: '避難完了まで4分' }, 201);
  const anyRecord = (await s.ctx.db.knex('signed_records').first('id')).id as string;
  const finding = (key: string, mediumIds: string[], roomIds: string[], disposition: string) => ({ key, kind: 'exit_holding_media', severity: 'warning', at: held.toISOString(), personIds: [], roomIds, badgeIds: [], mediumIds, facts: {}, evidence: { entries: [], accessLog: [], journal: [] }, evidenceCount: 1, disposition, comment: `コメント ${B_NAME}`, dispositionBy: authorized.id });
  await s.ctx.db.knex('reviews').insert({
    id: '0a4b1c52-0000-4000-8000-000000000001',
    week: '2000-W01',
    period_from: new Date(held.getTime() - 3_600_000),
    period_to: new Date(held.getTime() + 3_600_000),
    rules_version: 1,
    settings: '{}',
    counts: '{}',
    findings: JSON.stringify([finding('a', [a[4]!.id], [], 'reported'), finding('b', [b[2]!.id], [], 'incident'), finding('c', [], [site.otherRoomId], 'explained'), finding('d', [], [], 'explained')]),
    digest: '{}',
    digest_hash: 'x',
    record_id: anyRecord,
    signed_by: responsible.id,
    signed_at: held,
  });
  // This month: A-DOC-001 comes back, A-DOC-004 goes out — last month's report must not see either.
  await site.ok('post', '/api/custody/checkins', { mediaIds: [a[0]!.id], locationId: site.cabinetId, badge: holder.badge, pin: holder.pin }, 201);
  await site.ok('post', '/api/custody/checkouts', { mediaIds: [a[3]!.id], personId: holder.id, badge: holder.badge, pin: holder.pin }, 201);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await s?.close();
});

const draft = (depositorOrgId: string, month: string, token?: string) => site.call('get', `/api/monthly-reports/draft?depositorOrgId=${depositorOrgId}&month=${month}`, undefined, token);

describe('the content of a depositor\'s month', () => {
  it('media at the month\'s end as the custody steps left them, not today\'s status', async () => {
    const res = await draft(site.depositorOrgId, lastMonth);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const c = res.body;
    const byLabel = new Map(c.holdings.media.map((m: { label: string }) => [m.label, m]));
    expect(byLabel.get('A-DOC-001')).toMatchObject({ status: 'checked_out', place: '保管 三郎' }); // back in the cabinet today
    expect(byLabel.get('A-DOC-004')).toMatchObject({ status: 'stored', place: '第1処理室 キャビネットA' }); // out today
    expect(byLabel.has('A-DOC-002')).toBe(false); // destroyed
    expect(c.holdings.media).toHaveLength(44);
    expect(c.holdings.gone).toEqual({ destroyed: 1 });
    expect(c.holdings.groups).toEqual([
      { status: 'stored', place: '第1処理室 キャビネットA', count: 43 },
      { status: 'checked_out', place: '', count: 1 },
    ]);
  });

  it('the month\'s receipts, handovers and destructions with their numbers; inspections cut to this depositor; who left and the notice', async () => {
    const c = (await draft(site.depositorOrgId, lastMonth)).body;
    const destruction = c.events.find((e: { kind: string }) => e.kind === 'destruction');
    expect(destruction).toMatchObject({ certificateNo: certificateA, labels: ['A-DOC-002'] });
    expect(destruction.recordId).toMatch(/^[0-9a-f-]{36}$/);
    expect(c.events.filter((e: { kind: string }) => e.kind === 'receipt').flatMap((e: { labels: string[] }) => e.labels)).toHaveLength(45);
    expect(c.counts).toEqual({ steps: 90, registered: 45, checkout: 1, destroy: 1, inspection_seen: 42, inspection_missing: 1 });
    expect(c.inspections).toHaveLength(1);
    expect(c.inspections[0]).toMatchObject({ missing: ['A-DOC-003'], unexpected: [], expected: 43 });
    expect(c.people).toEqual([expect.objectContaining({ role: 'staff', name: 'アルファ 担当者', leftAt: expect.any(String) })]);
    expect(c.notices.map((n: { recipient: string }) => n.recipient)).toEqual(['アルファ 窓口']);
    expect(c.compliance.summary).toBeDefined();
    expect(c.trainings).toEqual([{ title: '預託情報保護研修', heldAt: expect.any(String), method: '集合研修', participants: 2 }]);
    expect(c.drills).toEqual([expect.objectContaining({ kind: 'fire', findings: '避難完了まで4分' })]);
    // The review's findings about A's medium and the whole site; not B's, not a room without A's media; no comments.
    expect(c.reviews).toHaveLength(1);
    expect(c.reviews[0].findings.map((f: { disposition: string; labels: string[]; siteWide: boolean }) => [f.disposition, f.labels, f.siteWide])).toEqual([
      ['reported', ['A-DOC-005'], false],
      ['explained', [], true],
    ]);
  });

  it('nothing of the other depositor appears in it: labels, certificate, people, contacts, name', async () => {
    const text = JSON.stringify((await draft(site.depositorOrgId, lastMonth)).body);
    const page = (await site.call('get', `/api/monthly-reports/draft?depositorOrgId=${site.depositorOrgId}&month=${lastMonth}&format=html`)).text;
    for (const t of [text, page]) {
      for (const x of [...B_LABELS, certificateB, B_NAME, B_PERSON, 'ベータ 窓口', depositorB]) expect(t).not.toContain(x);
    }
    // And B's own report has B's, and none of A's.
    const b = JSON.stringify((await draft(depositorB, lastMonth)).body);
    expect(b).toContain('B-SECRET-001');
    expect(b).toContain(certificateB);
    for (const x of ['A-DOC-0', certificateA, 'アルファ', site.depositorOrgId]) expect(b).not.toContain(x);
  });

  it('a month in the future is 400, an unknown depositor or another kind of organisation 404, in the contract\'s shape', async () => {
    const [y] = thisMonth.split('-').map(Number) as [number];
    const future = await draft(site.depositorOrgId, `${y + 1}-01`);
    expect(future.status).toBe(400);
    expect(future.body.error).toMatchObject({ code: 'invalid_request', details: [expect.objectContaining({ field: 'query.month', code: 'in_future' })] });
    expect((await draft(site.depositorOrgId, '2026-13')).status).toBe(400);
    for (const id of ['4f1d0c52-0000-4000-8000-000000000000', site.contractorOrgId]) {
      const res = await draft(id, lastMonth);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
  });
});

describe('who may read and sign', () => {
  it('auditors read the draft but do not sign; staff and guards read nothing; without a token 401', async () => {
    const auditor = await s.login(await s.createUser({ roles: ['auditor'] }));
    expect((await draft(site.depositorOrgId, lastMonth, auditor)).status).toBe(200);
    expect((await site.call('post', '/api/monthly-reports', { depositorOrgId: site.depositorOrgId, month: lastMonth, signer: site.signer(responsible) }, auditor)).status).toBe(403);
    for (const roles of [['staff'], ['guard']]) expect((await draft(site.depositorOrgId, lastMonth, await s.login(await s.createUser({ roles })))).status).toBe(403);
    expect((await request(s.url).get(`/api/monthly-reports/draft?depositorOrgId=${site.depositorOrgId}&month=${lastMonth}`)).status).toBe(401);
  });
});

describe('signing, printing and the public check', () => {
  let report: { id: string; reportNo: string; pageUrl: string };
  const sign = (body: Record<string, unknown>, token = responsible.token) => site.call('post', '/api/monthly-reports', { depositorOrgId: site.depositorOrgId, month: lastMonth, signer: site.signer(responsible), ...body }, token);
  const count = async () => Number((await s.ctx.db.knex('monthly_reports').count({ n: '*' }))[0]!.n);

  it('refuses, storing nothing: a wrong PIN, someone not responsible, the month not over, a future month, an unknown depositor', async () => {
    expect((await sign({ signer: { ...site.signer(responsible), pin: '000000' } })).status).toBe(400);
    expect((await sign({}, await s.adminToken())).status).toBe(403);
    expect((await sign({ month: thisMonth })).body.error.code).toBe('month_not_over');
    expect((await sign({ month: '2999-01' })).status).toBe(400);
    expect((await sign({ depositorOrgId: '4f1d0c52-0000-4000-8000-000000000000' })).status).toBe(404);
    expect(await count()).toBe(0);
  });

  it('the responsible person signs with badge + PIN: numbered, journaled, once per depositor and month', async () => {
    const res = await sign({});
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    report = res.body;
    expect(report.reportNo).toMatch(/^MR-\d{4}-00001$/);
    expect(res.body.record.signatures[0]).toMatchObject({ signerName: '責任 一郎', meaning: 'approved monthly report' });
    expect((await sign({})).body.error.code).toBe('already_signed');
    const journal = await s.ctx.db.knex('journal_entries').where({ action: 'reports.signed' }).select('payload');
    expect(journal).toHaveLength(1);
    const got = (await site.call('get', `/api/monthly-reports/${report.id}`)).body;
    expect(got.content.holdings.media).toHaveLength(44);
    expect((await site.call('get', `/api/monthly-reports?depositorOrgId=${depositorB}`)).body.items).toEqual([]);
  });

  it('prints through chromium --print-to-pdf: numbered A4 pages, the headings repeated with the number, Japanese fonts; PNGs to look at (ja and en)', async () => {
    expect((await site.call('post', `/api/monthly-reports/${report.id}/prints`, { present: site.signer(holder) })).status).toBe(400); // staff may not be the authorised person present
    const print = await site.ok('post', `/api/monthly-reports/${report.id}/prints`, { present: site.signer(authorized) }, 201);
    expect(print).toMatchObject({ printNo: 1, reprint: false });
    expect(await s.ctx.db.knex('journal_entries').where({ action: 'reports.printed' }).count({ n: '*' })).toEqual([{ n: '1' }]);
    for (const lang of ['ja', 'en'] as const) {
      const link = await site.call('post', '/api/print-links', { path: `${print.pageUrl}&lang=${lang}` });
      expect(link.status, JSON.stringify(link.body)).toBe(201);
      const dir = await mkdtemp(path.join(os.tmpdir(), 'tachiai-report-'));
      try {
        const pdf = path.join(dir, 'report.pdf');
        await run(CHROMIUM, ['--headless', '--no-sandbox', '--disable-gpu', '--no-pdf-header-footer', `--print-to-pdf=${pdf}`, `${s.url}${link.body.url}`], { timeout: 60_000 });
        const info = (await run('/usr/bin/pdfinfo', [pdf])).stdout;
        const pages = Number(/^Pages:\s+(\d+)$/m.exec(info)![1]);
        expect(pages).toBeGreaterThanOrEqual(2);
        const size = /^Page size:\s+([\d.]+) x ([\d.]+) pts/m.exec(info)!;
        expect(Math.abs(Number(size[1]) - 595.28)).toBeLessThan(2);
        const text: string[] = [];
        for (let n = 1; n <= pages; n++) text.push((await run('/usr/bin/pdftotext', ['-layout', '-f', String(n), '-l', String(n), pdf, '-'])).stdout);
        text.forEach((p, i) => expect(p).toMatch(new RegExp(`月次報告書 Monthly report\\s+${i + 1}\\s*/\\s*${pages}\\s*$`)));
        // The media table's heading, with the report's number, on every page the table reaches.
        const tablePages = text.filter((p) => /A-DOC-0\d\d/.test(p));
        expect(tablePages.length).toBeGreaterThanOrEqual(2);
        for (const p of tablePages) expect(p).toContain(report.reportNo);
        const all = text.join('\n');
        expect(all).toContain(certificateA);
        expect(all).toContain(lang === 'ja' ? '月末の保管状況' : 'Media held at the end of the month');
        for (const x of [...B_LABELS, certificateB, B_NAME, B_PERSON]) expect(all).not.toContain(x);
        // Japanese text is drawn as text (its glyphs extract back to the same characters) in either language.
        expect(all).toContain('株式会社預託元');
        const out = path.join(SCREENSHOT_DIR, `monthly-report-${lang}`);
        await run('/usr/bin/pdftoppm', ['-png', '-r', '60', pdf, out]);
        expect((await readFile(`${out}-1.png`)).length).toBeGreaterThan(10_000);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
  });

  it('its QR code (zbarimg) opens the public check: issued, when, intact — never the contents; without the code every number is "not found"', async () => {
    const page = await browser.newPage({ viewport: { width: 900, height: 1300 } });
    let decoded = '';
    try {
      await page.setExtraHTTPHeaders({ authorization: `Bearer ${responsible.token}` });
      expect((await page.goto(`${s.url}${report.pageUrl}`))?.status()).toBe(200);
      await page.evaluate(() => document.fonts.ready);
      expect(await page.evaluate(() => document.fonts.check('12pt "Noto Sans CJK JP"', '月次報告書'))).toBe(true);
      await screenshot(page, 'monthly-report-page');
      const qr = path.join(SCREENSHOT_DIR, 'monthly-report-qr.png');
      await page.locator('.report-qr svg').screenshot({ path: qr });
      decoded = (await run('/usr/bin/zbarimg', ['--raw', '-q', qr])).stdout.trim();
    } finally {
      await page.close();
    }
    expect(decoded).toMatch(new RegExp(`^${s.url}/verify/report/${report.reportNo}\\?c=[A-Za-z0-9_-]{22}$`));
    const check = await request(decoded).get('');
    expect(check.status).toBe(200);
    expect(check.text).toContain('data-status="valid"');
    expect(check.text).toContain(report.reportNo);
    for (const x of ['株式会社預託元', 'A-DOC-0', certificateA, '責任 一郎', lastMonth]) expect(check.text).not.toContain(x);
    const publicPage = await browser.newPage();
    await publicPage.goto(decoded);
    await screenshot(publicPage, 'monthly-report-verify');
    await publicPage.close();
    const json = (await request(`${decoded}&format=json`).get('')).body;
    expect(json).toMatchObject({ reportNo: report.reportNo, status: 'valid', issuedOn: expect.any(String) });
    // Not enumerable: no code, a wrong code, and a number never issued answer alike.
    const code = new URL(decoded).searchParams.get('c')!;
    const answers = await Promise.all([
      request(s.url).get(`/verify/report/${report.reportNo}?format=json`),
      request(s.url).get(`/verify/report/${report.reportNo}?c=${code.slice(1)}A&format=json`),
      request(s.url).get(`/verify/report/${report.reportNo.replace(/\d{5}$/, '00002')}?c=${code}&format=json`),
    ]);
    for (const a of answers) expect(a.body).toMatchObject({ status: 'not_found', issuedOn: null });
    const plain = await request(s.url).get(`/verify/report/${report.reportNo}`);
    expect(plain.text).toContain('data-status="not_found"');
  });

  it('a reprint is numbered and says so; a print opens only for who recorded it; two signatures at once of one month: one report', async () => {
    const again = await site.ok('post', `/api/monthly-reports/${report.id}/prints`, { present: site.signer(authorized) }, 201);
    expect(again).toMatchObject({ printNo: 2, reprint: true });
    expect((await site.call('get', again.pageUrl)).text).toMatch(/再発行 2/);
    const other = await site.call('get', again.pageUrl, undefined, responsible.token);
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('print_closed');
    expect((await site.call('get', `/api/monthly-reports/${report.id}/page?print=99`)).status).toBe(404);
    const body = { depositorOrgId: depositorB, month: lastMonth, signer: site.signer(responsible) };
    const both = await Promise.all([site.call('post', '/api/monthly-reports', body, responsible.token), site.call('post', '/api/monthly-reports', body, responsible.token)]);
    expect(both.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(both.find((r) => r.status === 201)!.body.reportNo).toMatch(/^MR-\d{4}-00002$/);
    expect(await s.ctx.db.knex('monthly_reports').where({ depositor_org_id: depositorB }).count({ n: '*' })).toEqual([{ n: '1' }]);
  });

  it('a report changed after signing: its page and its public check say it does not match', async () => {
    const k = s.ctx.db.knex;
    const row = await k('monthly_reports').where({ id: report.id }).first();
    const code = reportCheckCode(report.id, s.ctx.secrets.badgeKey);
    const record = await k('signed_records').where({ id: row.record_id }).first();
    await k('signed_records').where({ id: row.record_id }).update({ content: record.content.replace('A-DOC-005', 'A-DOC-XXX') });
    try {
      expect((await site.call('get', `/api/monthly-reports/${report.id}/page`)).text).toContain('data-status="mismatch"');
      expect((await request(s.url).get(`/verify/report/${report.reportNo}?c=${code}&format=json`)).body.status).toBe('mismatch');
    } finally {
      await k('signed_records').where({ id: row.record_id }).update({ content: record.content });
    }
    expect((await request(s.url).get(`/verify/report/${report.reportNo}?c=${code}&format=json`)).body.status).toBe('valid');
  });
});

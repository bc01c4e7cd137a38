// `verify --deep` and the monthly reports (issue 18): every signed report's row is compared with its
// signed record and with the journal's entry of its signing, and every print's row (E2.14) with
// the print's signed record. A plain UPDATE of a report's number, month, depositor, signer or
// record, or of a print's person present, as anyone with the database's password could run it,
// is named as the first difference — by the report's number; a report's content rewritten (hash
// and all) is the signed record's difference, named by the report's number too. The rules
// themselves (server/reports/rules.ts) are plain functions, each outcome tested here.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyDeep } from '../../server/integrity/deep-verify.js';
import { printProblem, reportProblemDeep, reportRowVersusContent, type RecordFacts, type ReportRowFacts } from '../../server/reports/rules.js';
import { recordHash } from '../../server/signatures/manifest.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { custodySite, PIN, type CustodySite, type SitePerson } from '../helpers/custody.js';
import { holderSetsPin } from '../helpers/pins.js';

const TZ = 'Asia/Tokyo';
let s: TestServer;
let site: CustodySite;
let responsible: SitePerson & { token: string };
let authorized: SitePerson;
let otherDepositor = '';
let report: { id: string; reportNo: string; recordId: string };
let printRecordId = '';

const knex = () => s.ctx.db.knex;
const deep = () => verifyDeep(knex(), s.ctx.secrets.signing);

beforeAll(async () => {
  s = await startTestServer({ scryptCost: 1024 });
  site = await custodySite(s);
  const u = await s.createUser({ roles: ['responsible'], name: '照合 責任者' });
  const b = await site.ok('post', '/api/badges', { personId: u.personId }, 201);
  await holderSetsPin(s.ctx, b.id, PIN);
  responsible = { id: u.personId, name: '照合 責任者', badge: b.token, pin: PIN, token: await s.login(u) } as SitePerson & { token: string };
  authorized = await site.person('照合 権限者', ['authorized']);
  otherDepositor = (await site.ok('post', '/api/orgs', { name: '株式会社別預託', kind: 'depositor' }, 201)).id;
  // Last month (on the site's clock) is over: its report can be signed.
  const now = new Date();
  const [y, m] = new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit' }).format(now).slice(0, 7).split('-').map(Number) as [number, number];
  const month = m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
  const signed = await site.call('post', '/api/monthly-reports', { depositorOrgId: site.depositorOrgId, month, signer: site.signer(responsible) }, responsible.token);
  expect(signed.status, JSON.stringify(signed.body)).toBe(201);
  report = { id: signed.body.id, reportNo: signed.body.reportNo, recordId: signed.body.recordId };
  await site.ok('post', `/api/monthly-reports/${report.id}/prints`, { present: site.signer(authorized) }, 201);
  printRecordId = (await knex()('monthly_report_prints').where({ report_id: report.id, print_no: 1 }).first('record_id')).record_id;
}, 120_000);

afterAll(async () => {
  await s?.close();
});

/** Runs `change` on the row, expects verify --deep to name the report, then puts the row back. */
async function tampered(table: 'monthly_reports' | 'monthly_report_prints', where: Record<string, unknown>, change: Record<string, unknown>, expected: { check: string; message: RegExp }) {
  const before = await knex()(table).where(where).first();
  await knex()(table).where(where).update(change);
  try {
    const result = await deep();
    expect(result).toMatchObject({ ok: false, firstDifference: { check: expected.check } });
    expect((result as { firstDifference: { message: string } }).firstDifference.message).toMatch(expected.message);
  } finally {
    await knex()(table).where({ ...where, ...Object.fromEntries(Object.keys(where).map((k) => [k, change[k] ?? where[k]])) }).update(Object.fromEntries(Object.keys(change).map((k) => [k, before[k]])));
  }
  expect(await deep()).toMatchObject({ ok: true });
}

describe('verify --deep compares every signed monthly report with the journal', () => {
  it('an intact site: the report and its print agree; the count is in the answer, the CLI\'s and the API\'s', async () => {
    expect(await deep()).toMatchObject({ ok: true, monthlyReports: 1 });
    const api = await site.ok('get', '/api/journal/verify?deep=true', undefined, 200);
    expect(api).toMatchObject({ ok: true, monthlyReports: 1 });
    // The progress stream has a phase for the reports.
    const stream = await site.call('get', '/api/journal/verify?deep=true&format=ndjson');
    const lines = stream.text.trim().split('\n').map((l: string) => JSON.parse(l));
    expect(lines).toContainEqual({ type: 'progress', phase: 'monthly_reports', checked: 1, total: null });
    expect(lines.at(-1)).toMatchObject({ type: 'result', ok: true, monthlyReports: 1 });
  });

  it('a report\'s number changed by a plain UPDATE is named as the first difference (the journal itself is intact)', async () => {
    const forged = report.reportNo.replace(/\d{5}$/, '09999');
    await tampered('monthly_reports', { id: report.id }, { report_no: forged }, { check: 'monthly_reports', message: new RegExp(`^Report ${forged}: its row no longer says what was signed`) });
    expect((await site.ok('get', '/api/journal/verify', undefined, 200)).ok).toBe(true);
  });

  it('its month, its depositor, its signer, its record: each named', async () => {
    await tampered('monthly_reports', { id: report.id }, { month: '2001-01' }, { check: 'monthly_reports', message: new RegExp(`^Report ${report.reportNo}: its row no longer says`) });
    await tampered('monthly_reports', { id: report.id }, { depositor_org_id: otherDepositor }, { check: 'monthly_reports', message: new RegExp(`^Report ${report.reportNo}:`) });
    await tampered('monthly_reports', { id: report.id }, { signed_by: authorized.id }, { check: 'monthly_reports', message: /names another signer or time/ });
    await tampered('monthly_reports', { id: report.id }, { signed_at: new Date('2001-01-01T00:00:00Z') }, { check: 'monthly_reports', message: /names another signer or time/ });
    await tampered('monthly_reports', { id: report.id }, { record_id: printRecordId }, { check: 'monthly_reports', message: /record of another kind/ });
  });

  it('a print\'s person present (E2.14) or number changed is named with the report and the print', async () => {
    await tampered('monthly_report_prints', { report_id: report.id, print_no: 1 }, { present_person_id: responsible.id }, { check: 'monthly_reports', message: new RegExp(`^Report ${report.reportNo}, print 1: its row no longer says`) });
    await tampered('monthly_report_prints', { report_id: report.id, print_no: 1 }, { print_no: 7 }, { check: 'monthly_reports', message: new RegExp(`^Report ${report.reportNo}, print 7:`) });
  });

  it('its content rewritten with a matching hash differs from the journal: the signed record, named by the report\'s number', async () => {
    const row = await knex()('signed_records').where({ id: report.recordId }).first();
    const forged = row.content.replace('"month":"', '"month":"1');
    expect(forged).not.toBe(row.content);
    await knex()('signed_records').where({ id: report.recordId }).update({ content: forged, content_hash: crypto.createHash('sha256').update(forged).digest('hex') });
    try {
      const result = await deep();
      expect(result).toMatchObject({ ok: false, firstDifference: { check: 'signed_records', recordId: report.recordId } });
      expect((result as { firstDifference: { message: string } }).firstDifference.message).toMatch(new RegExp(`^Monthly report ${report.reportNo}: Record ${report.recordId}`));
    } finally {
      await knex()('signed_records').where({ id: report.recordId }).update({ content: row.content, content_hash: row.content_hash });
    }
    expect(await deep()).toMatchObject({ ok: true, monthlyReports: 1 });
  });
});

describe('the rules (server/reports/rules.ts)', () => {
  const row: ReportRowFacts = { id: 'r1', report_no: 'MR-2026-00001', depositor_org_id: 'd1', month: '2026-11', record_id: 'rec1', signed_by: 'p1', signed_at: new Date('2026-12-01T01:00:00Z') };
  const content = JSON.stringify({ reportId: 'r1', reportNo: 'MR-2026-00001', depositorOrgId: 'd1', month: '2026-11' });
  const record: RecordFacts = { id: 'rec1', kind: 'monthly_report', at: new Date('2026-12-01T01:00:00Z'), content, contentHash: recordHash(content), signatures: [{ manifest: { signerPersonId: 'p1' } }] };
  const journal = { reportNo: 'MR-2026-00001', depositorOrgId: 'd1', month: '2026-11', recordId: 'rec1', contentHash: recordHash(content) };

  it('agree: null', () => {
    expect(reportProblemDeep(row, record, journal)).toBeNull();
    expect(reportRowVersusContent(row, record)).toBeNull();
  });

  it('each difference in words', () => {
    expect(reportProblemDeep(row, null, journal)).toMatch(/signed record is missing/);
    expect(reportProblemDeep(row, { ...record, kind: 'monthly_report_print' }, journal)).toMatch(/another kind/);
    expect(reportProblemDeep(row, { ...record, contentHash: 'x' }, journal)).toMatch(/no longer hashes/);
    expect(reportProblemDeep({ ...row, month: '2026-10' }, record, journal)).toMatch(/row no longer says what was signed/);
    expect(reportProblemDeep({ ...row, signed_by: 'p2' }, record, journal)).toMatch(/another signer or time/);
    expect(reportProblemDeep(row, record, null)).toMatch(/journal has no entry/);
    expect(reportProblemDeep(row, record, { ...journal, recordId: 'rec2' })).toMatch(/differs from what the journal recorded/);
    expect(reportProblemDeep(row, record, { ...journal, contentHash: 'y' })).toMatch(/differs from what the journal recorded/);
  });

  it('a print against its record', () => {
    const printContent = JSON.stringify({ reportId: 'r1', reportNo: 'MR-2026-00001', printNo: 1, printedBy: 'acc1', present: { personId: 'p3', name: '立会 三郎' } });
    const printRecord: RecordFacts = { id: 'rec9', kind: 'monthly_report_print', at: new Date('2026-12-02T00:00:00Z'), content: printContent, contentHash: recordHash(printContent), signatures: [] };
    const print = { report_id: 'r1', print_no: 1, printed_by: 'acc1', present_person_id: 'p3', record_id: 'rec9', printed_at: new Date('2026-12-02T00:00:00Z') };
    expect(printProblem('MR-2026-00001', print, printRecord)).toBeNull();
    expect(printProblem('MR-2026-00001', print, null)).toMatch(/print 1: its signed record is missing/);
    expect(printProblem('MR-2026-00001', { ...print, present_person_id: 'p4' }, printRecord)).toMatch(/print 1: its row no longer says/);
    expect(printProblem('MR-2026-00001', { ...print, printed_at: new Date() }, printRecord)).toMatch(/no longer says/);
  });
});

// The depositor's monthly report (issue 18, part 3): the month of one depositor rebuilt from the
// records, signed by the responsible person with badge + PIN (the signature machinery every record
// shares), numbered without gaps per year, printed with an authorised person present (E2.14), and
// checked publicly behind the check code printed in its QR code.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { AppContext } from '../context.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import { appendJournal } from '../journal/journal.js';
import { getPerson } from '../people/service.js';
import { getSignedRecord, newRecordId, recordSigned, verifySigners, type SignerInput, type StoredRecord } from '../signatures/service.js';
import { checkRecord } from '../signatures/integrity.js';
import { computeCompliance } from '../compliance/service.js';
import { depositorOf, monthFacts, reportPrint } from './facts.read-model.js';
import { monthPeriod, reportContent, type ReportContent } from './content.js';
import { reportRowVersusContent } from './rules.js';

/**
 * A recorded print of a report, the person present named as the print's signed record names them
 * (E2.14): like everything on the report, as it was when it was signed, not as they are called today.
 */
export async function reportPrintAsSigned(db: Knex, reportId: string, printNo: number) {
  const row = await reportPrint(db, reportId, printNo);
  if (!row) return undefined;
  const record = await getSignedRecord(db, row.record_id);
  let present: unknown;
  try {
    present = record ? (JSON.parse(record.content) as { present?: { name?: unknown } }).present?.name : undefined;
  } catch {
    present = undefined;
  }
  return { ...row, present_name: typeof present === 'string' ? present : row.present_name };
}

async function dbNow(db: Knex): Promise<Date> {
  const { rows } = await db.raw('SELECT now() AS now');
  return (rows[0] as { now: Date }).now;
}

/** The month (400 when malformed or in the future) and the depositor (404 when unknown or not a depositor). */
async function resolve(app: AppContext, db: Knex, depositorOrgId: string, month: string, field: string) {
  const period = monthPeriod(month, await dbNow(db), app.config.displayTimeZone, field);
  const depositor = await depositorOf(db, depositorOrgId);
  if (!depositor) throw new NotFoundError('depositor', 'No depositor has this id.');
  return { period, depositor };
}

/** The compliance view's summary for this depositor: counts and the rows not ok (ids, titles, statuses — no reasons, which may name others). */
async function complianceSummary(app: AppContext, depositorOrgId: string): Promise<ReportContent['compliance']> {
  const view = await computeCompliance(app, { depositorOrgId });
  return {
    asOf: view.asOf.toISOString(),
    summary: { ...view.summary },
    rows: view.rows.filter((r) => r.status !== 'ok').map((r) => ({ id: r.clause.id, status: r.status, ja: r.clause.ja, en: r.clause.en })),
  };
}

/** The report as it would be signed now (nothing stored). */
export async function draftReport(app: AppContext, depositorOrgId: string, month: string, field = 'query.month'): Promise<ReportContent> {
  const db = app.db.knex;
  const { period, depositor } = await resolve(app, db, depositorOrgId, month, field);
  const compliance = await complianceSummary(app, depositor.id);
  return reportContent(month, period, await monthFacts(db, depositor, period.from, period.to), compliance);
}

export interface ReportRow {
  id: string;
  report_no: string;
  depositor_org_id: string;
  month: string;
  record_id: string;
  check_code_hash: string;
  signed_by: string;
  signed_at: Date;
  created_by: string;
}

// ---- Check codes ---------------------------------------------------------------------------

export function reportCheckCode(reportId: string, key: Buffer): string {
  return crypto.createHmac('sha256', key).update(`tachiai:monthly-report-check:${reportId}`).digest().subarray(0, 16).toString('base64url');
}
const codeHash = (code: string) => crypto.createHash('sha256').update(code, 'utf8').digest('hex');

function codeMatches(presented: string | undefined, storedHash: string): boolean {
  if (!presented || !/^[A-Za-z0-9_-]{22}$/.test(presented)) return false;
  const expected = Buffer.from(storedHash, 'hex');
  const actual = Buffer.from(codeHash(presented), 'hex');
  return expected.length === actual.length && crypto.timingSafeEqual(expected, actual);
}

export const REPORT_NO = /^MR-\d{4}-\d{5}$/;

async function nextReportNo(trx: Knex, year: number): Promise<string> {
  await trx('monthly_report_counters').insert({ year, last: 0 }).onConflict('year').ignore();
  const [row] = (await trx('monthly_report_counters').where({ year }).increment('last', 1).returning(['last'])) as Array<{ last: number }>;
  return `MR-${year}-${String(row!.last).padStart(5, '0')}`;
}

// ---- Signing -------------------------------------------------------------------------------

/**
 * Signs the report of a depositor's month: the responsible person, with their own badge and PIN
 * (checked first: a wrong PIN counts toward the lockout and nothing is stored). One report per
 * depositor and month (409 when signed already).
 */
export async function signReport(
  app: AppContext,
  input: { depositorOrgId: string; month: string; signer: SignerInput },
  actor: { accountId: string; personId: string; roles: string[] },
): Promise<{ row: ReportRow; record: StoredRecord; content: ReportContent }> {
  const db = app.db.knex;
  const { period, depositor } = await resolve(app, db, input.depositorOrgId, input.month, 'body.month');
  if (!actor.roles.includes('responsible')) throw new ForbiddenError('forbidden', 'The monthly report is signed by the responsible person (責任者).');
  if (input.signer.personId !== actor.personId) throw new ForbiddenError('signer_not_you', 'You sign the report with your own badge and PIN.');
  if ((await dbNow(db)).getTime() < period.to.getTime()) throw new ConflictError('month_not_over', 'A month is signed once it is over; look at its draft meanwhile.');
  const signers = await verifySigners(app, [{ ...input.signer, meaning: 'approved monthly report', field: 'body.signer' }]);
  const compliance = await complianceSummary(app, depositor.id);
  try {
    return await db.transaction(async (trx) => {
      if (await trx('monthly_reports').where({ depositor_org_id: depositor.id, month: input.month }).first('id')) {
        throw new ConflictError('already_signed', 'The report of this depositor and month has been signed already.');
      }
      const content = reportContent(input.month, period, await monthFacts(trx, depositor, period.from, period.to), compliance);
      const id = crypto.randomUUID();
      const reportNo = await nextReportNo(trx, Number(input.month.slice(0, 4)));
      const record = await recordSigned(app, trx, {
        kind: 'monthly_report',
        id: newRecordId(),
        content: { reportId: id, reportNo, ...content },
        roomId: null,
        place: '月次報告 / monthly report',
        createdBy: actor.accountId,
        signers,
      });
      const [row] = (await trx('monthly_reports')
        .insert({
          id,
          report_no: reportNo,
          depositor_org_id: depositor.id,
          month: input.month,
          record_id: record.id,
          check_code_hash: codeHash(reportCheckCode(id, app.secrets.badgeKey)),
          signed_by: actor.personId,
          signed_at: record.at,
          created_by: actor.accountId,
        })
        .returning('*')) as ReportRow[];
      await appendJournal(trx, {
        actor: actor.accountId,
        action: 'reports.signed',
        subject: `monthly_report:${id}`,
        payload: { reportNo, depositorOrgId: depositor.id, month: input.month, recordId: record.id, contentHash: record.contentHash },
      });
      return { row: row!, record, content };
    });
  } catch (err) {
    const e = err as { code?: string; constraint?: string; message?: string };
    if (e.code === '23505' && /monthly_reports/.test(`${e.constraint ?? ''} ${e.message ?? ''}`)) throw new ConflictError('already_signed', 'The report of this depositor and month has just been signed by someone else.');
    throw err;
  }
}

export async function listReports(db: Knex, depositorOrgId?: string): Promise<ReportRow[]> {
  const q = db('monthly_reports').orderBy([{ column: 'month', order: 'desc' }, { column: 'report_no', order: 'desc' }]).limit(500);
  if (depositorOrgId) q.where({ depositor_org_id: depositorOrgId });
  return (await q) as ReportRow[];
}

/**
 * A signed report: its row, its record, the content as signed, and whether it is still intact.
 * The names in it — the depositor's, the rooms' and locations', the holders', inspectors' and
 * appointees', the signer's — are part of the signed content (issue 18, item 4): a signed report
 * shows and prints them as they were when it was signed, whatever they are called today (only the
 * draft reads today's names; the issuing site's name on the page is today's, as on the destruction
 * certificate). Tested in test/reports/names-as-signed.test.ts.
 */
export async function signedReport(app: AppContext, db: Knex, id: string): Promise<{ row: ReportRow; record: StoredRecord; content: ReportContent & { reportId: string; reportNo: string }; problem: string | null }> {
  const row = (await db('monthly_reports').where({ id }).first()) as ReportRow | undefined;
  if (!row) throw new NotFoundError('monthly report');
  const record = await getSignedRecord(db, row.record_id);
  if (!record) throw new NotFoundError('monthly report');
  return { row, record, content: JSON.parse(record.content) as ReportContent & { reportId: string; reportNo: string }, problem: await reportProblem(app, db, row, record) };
}

/** The record against the journal, and the row against the record. null when they agree. */
async function reportProblem(app: AppContext, db: Knex, row: ReportRow, record: StoredRecord): Promise<string | null> {
  const recordProblem = await checkRecord(db, record, app.secrets.signing);
  if (recordProblem) return recordProblem.message;
  return reportRowVersusContent(row, record);
}

// ---- Printing (E2.14) ----------------------------------------------------------------------

export async function recordReportPrint(app: AppContext, input: { reportId: string; present: SignerInput; actor: string; actorPersonId: string }): Promise<{ printNo: number }> {
  const db = app.db.knex;
  const report = (await db('monthly_reports').where({ id: input.reportId }).first()) as ReportRow | undefined;
  if (!report) throw new NotFoundError('monthly report');
  const present = await getPerson(db, input.present.personId);
  if (!present.roles.some((r) => r === 'responsible' || r === 'authorized')) {
    throw new ValidationError('Printing needs an authorised person present (E2.14).', [{ field: 'body.present.personId', code: 'not_authorized', message: `${present.name} is neither a responsible nor an authorised person.` }]);
  }
  const signers = await verifySigners(app, [{ ...input.present, meaning: 'present at printing', field: 'body.present' }]);
  return db.transaction(async (trx) => {
    await trx('monthly_reports').where({ id: report.id }).forUpdate().first('id');
    const { rows } = await trx.raw('SELECT coalesce(max(print_no), 0) + 1 AS next FROM monthly_report_prints WHERE report_id = ?', [report.id]);
    const printNo = Number((rows[0] as { next: string | number }).next);
    const record = await recordSigned(app, trx, {
      kind: 'monthly_report_print',
      id: newRecordId(),
      content: { reportId: report.id, reportNo: report.report_no, printNo, printedBy: input.actor, present: { personId: present.id, name: present.name } },
      roomId: null,
      place: null,
      createdBy: input.actor,
      signers,
    });
    await trx('monthly_report_prints').insert({ report_id: report.id, print_no: printNo, printed_by: input.actor, printed_by_person_id: input.actorPersonId, present_person_id: present.id, record_id: record.id, printed_at: record.at });
    await appendJournal(trx, { actor: input.actor, action: 'reports.printed', subject: `monthly_report:${report.id}`, payload: { reportNo: report.report_no, printNo, presentPersonId: present.id, recordId: record.id } });
    return { printNo };
  });
}

// ---- The public check ----------------------------------------------------------------------

export type ReportCheck = { status: 'not_found' } | { status: 'valid' | 'mismatch'; issuedAt: Date };

/**
 * GET /verify/report/:reportNo?c=…: only with the check code printed on the report does the answer
 * differ from "no such report" — numbers cannot be enumerated — and then it says only that the
 * report was issued, when, and whether it is intact; never its contents.
 */
export async function checkReport(app: AppContext, db: Knex, reportNo: string, code: string | undefined): Promise<ReportCheck> {
  if (!REPORT_NO.test(reportNo)) return { status: 'not_found' };
  const row = (await db('monthly_reports').where({ report_no: reportNo }).first()) as ReportRow | undefined;
  if (!row || !codeMatches(code, row.check_code_hash)) return { status: 'not_found' };
  const record = await getSignedRecord(db, row.record_id);
  if (!record) return { status: 'mismatch', issuedAt: row.signed_at };
  const problem = await reportProblem(app, db, row, record);
  return { status: problem ? 'mismatch' : 'valid', issuedAt: problem ? row.signed_at : record.at };
}


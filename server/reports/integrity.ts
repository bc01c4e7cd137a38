// verify --deep for the monthly reports (issue 18): every signed report's row against its signed
// record and the journal's entry of its signing, and every print's row against the print's signed
// record. Kept apart from service.ts so that the integrity check (integrity/deep-verify.ts, run
// by `tachiai verify --deep`, the audit tab and a backup's restore) loads only what it compares.
import type { Knex } from 'knex';
import { payloadsOf } from '../journal/journal.js';
import { getSignedRecords } from '../signatures/service.js';
import { printProblem, reportProblemDeep, type PrintRowFacts, type ReportRowFacts } from './rules.js';

/**
 * Every signed monthly report against its signed record and the journal's entry of its signing,
 * and every print of it against the print's signed record, in batches (constant memory): the
 * first difference in words (naming the report's number), and how many reports were checked.
 * `tachiai verify --deep` runs it after the signed records themselves (integrity/deep-verify.ts).
 */
export async function checkAllReports(db: Knex, onProgress?: (checked: number) => void): Promise<{ checked: number; problem: string | null }> {
  let checked = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = (await db('monthly_reports').where('id', '>', after).orderBy('id').limit(200)) as ReportRowFacts[];
    if (rows.length === 0) return { checked, problem: null };
    const prints = (await db('monthly_report_prints').whereIn('report_id', rows.map((r) => r.id)).orderBy([{ column: 'report_id' }, { column: 'print_no' }])) as PrintRowFacts[];
    const records = await getSignedRecords(db, [...rows.map((r) => r.record_id), ...prints.map((p) => p.record_id)]);
    const journal = await payloadsOf(db, 'reports.signed', rows.map((r) => `monthly_report:${r.id}`));
    for (const row of rows) {
      const problem =
        reportProblemDeep(row, records.get(row.record_id) ?? null, journal.get(`monthly_report:${row.id}`) ?? null) ??
        prints.filter((p) => p.report_id === row.id).map((p) => printProblem(row.report_no, p, records.get(p.record_id) ?? null)).find((x) => x !== null) ??
        null;
      if (problem) return { checked, problem };
      checked++;
    }
    onProgress?.(checked);
    after = rows[rows.length - 1]!.id;
  }
}

/** The number of the report whose signed record (or a print's) this is, to name it in a difference; null when none. */
export async function reportNoOfRecord(db: Knex, recordId: string): Promise<string | null> {
  const row = (await db('monthly_reports as r')
    .leftJoin('monthly_report_prints as p', 'p.report_id', 'r.id')
    .where('r.record_id', recordId)
    .orWhere('p.record_id', recordId)
    .first('r.report_no')) as { report_no: string } | undefined;
  return row?.report_no ?? null;
}

// `tachiai verify --deep` and GET /api/journal/verify?deep=true (security review, finding 3): the
// journal's chain and checkpoints first, then whether the domain tables still agree with it —
// every signed record recomputed from its rows and compared with what the journal recorded at
// signing, then every destruction's rows compared with its signed record, then every signed
// monthly report (issue 18) and its prints compared with their signed records and the journal's
// entry of its signing. The first difference is named (a monthly report's record by the report's
// number too). This module owns no table: it composes the checks the modules own.
import type { Knex } from 'knex';
import type { SigningKeys } from '../journal/checkpoints.js';
import { verifyJournal, type VerifyOptions, type VerifyResult } from '../journal/verify.js';
import { checkAllRecords } from '../signatures/integrity.js';
import { checkAllDestructions } from '../destructions/service.js';
import { checkAllReports, reportNoOfRecord } from '../reports/integrity.js';

export interface Difference {
  /** Which check found it. */
  check: 'signed_records' | 'destructions' | 'monthly_reports';
  message: string;
  recordId?: string;
}

export type DeepResult =
  | (Extract<VerifyResult, { ok: true }> & { records: number; destructions: number; monthlyReports: number })
  | Extract<VerifyResult, { ok: false }>
  | { ok: false; entries: number; firstDifference: Difference };

export interface DeepOptions extends VerifyOptions {
  /** Progress of the table checks, after the journal's. */
  onTableProgress?: (check: Difference['check'], checked: number) => void;
}

export async function verifyDeep(db: Knex, keys: SigningKeys | null, options: DeepOptions = {}): Promise<DeepResult> {
  const journal = await verifyJournal(db, keys, options);
  if (!journal.ok) return journal;
  const records = await checkAllRecords(db, keys, (n) => options.onTableProgress?.('signed_records', n));
  if (records.problem) {
    const { recordId, kind } = records.problem;
    // A monthly report's record (or a print's) is named by the report's number as well.
    const reportNo = kind === 'monthly_report' || kind === 'monthly_report_print' ? await reportNoOfRecord(db, recordId) : null;
    const message = reportNo ? `Monthly report ${reportNo}: ${records.problem.message}` : records.problem.message;
    return { ok: false, entries: journal.entries, firstDifference: { check: 'signed_records', message, recordId } };
  }
  const destructions = await checkAllDestructions(db, (n) => options.onTableProgress?.('destructions', n));
  if (destructions.problem) return { ok: false, entries: journal.entries, firstDifference: { check: 'destructions', message: destructions.problem } };
  const reports = await checkAllReports(db, (n) => options.onTableProgress?.('monthly_reports', n));
  if (reports.problem) return { ok: false, entries: journal.entries, firstDifference: { check: 'monthly_reports', message: reports.problem } };
  return { ...journal, records: records.checked, destructions: destructions.checked, monthlyReports: reports.checked };
}

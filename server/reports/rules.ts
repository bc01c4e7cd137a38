// Is a signed monthly report's row still what was signed? Plain comparisons of its row, its signed
// record and the journal's `reports.signed` entry (and of each print's row with its own signed
// record), for the report's page, its public check and `tachiai verify --deep`. Each answers the
// first difference in words, or null when they agree. Unit-tested through test/reports/deep-verify.test.ts.
import { recordHash } from '../signatures/manifest.js';

/** The columns of monthly_reports that the comparison reads. */
export interface ReportRowFacts {
  id: string;
  report_no: string;
  depositor_org_id: string;
  month: string;
  record_id: string;
  signed_by: string;
  signed_at: Date;
}

/** The columns of monthly_report_prints that the comparison reads. */
export interface PrintRowFacts {
  report_id: string;
  print_no: number;
  printed_by: string;
  present_person_id: string;
  record_id: string;
  printed_at: Date;
}

/** The parts of a signed record the comparison reads (signatures.service StoredRecord has them). */
export interface RecordFacts {
  id: string;
  kind: string;
  at: Date;
  content: string;
  contentHash: string;
  signatures: Array<{ manifest: { signerPersonId: string } }>;
}

function parse(content: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(content) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * The report's row against the content it was signed with: its id, number, depositor and month.
 * (The record itself — its hash, its signature — against the journal is signatures/integrity's.)
 */
export function reportRowVersusContent(row: ReportRowFacts, record: RecordFacts): string | null {
  const c = parse(record.content);
  if (!c || c.reportId !== row.id || c.reportNo !== row.report_no || c.depositorOrgId !== row.depositor_org_id || c.month !== row.month) {
    return `Report ${row.report_no}: its row no longer says what was signed.`;
  }
  return null;
}

/**
 * Everything `verify --deep` compares for one report: the row against its signed record (kind,
 * content, hash, signer, time) and against the journal's `reports.signed` entry (number,
 * depositor, month, record, content hash). `record` null: the record is gone.
 */
export function reportProblemDeep(row: ReportRowFacts, record: RecordFacts | null, journal: Record<string, unknown> | null): string | null {
  if (!record) return `Report ${row.report_no}: its signed record is missing.`;
  if (record.kind !== 'monthly_report') return `Report ${row.report_no}: its row points at a record of another kind (${record.kind}).`;
  if (recordHash(record.content) !== record.contentHash) return `Report ${row.report_no}: its content no longer hashes to the hash that was signed.`;
  const versus = reportRowVersusContent(row, record);
  if (versus) return versus;
  if (record.signatures[0]?.manifest.signerPersonId !== row.signed_by || record.at.getTime() !== new Date(row.signed_at).getTime()) {
    return `Report ${row.report_no}: its row names another signer or time than its signature.`;
  }
  if (!journal) return `Report ${row.report_no}: the journal has no entry of its signing.`;
  if (
    journal.reportNo !== row.report_no ||
    journal.depositorOrgId !== row.depositor_org_id ||
    journal.month !== row.month ||
    journal.recordId !== row.record_id ||
    journal.contentHash !== record.contentHash
  ) {
    return `Report ${row.report_no}: its row or content differs from what the journal recorded when it was signed.`;
  }
  return null;
}

/** A print's row (E2.14) against its own signed record: which report, which print, who printed, who was present, when. */
export function printProblem(reportNo: string, row: PrintRowFacts, record: RecordFacts | null): string | null {
  const name = `Report ${reportNo}, print ${row.print_no}`;
  if (!record) return `${name}: its signed record is missing.`;
  const c = parse(record.content);
  const present = c?.present as { personId?: unknown } | undefined;
  if (
    record.kind !== 'monthly_report_print' ||
    !c ||
    c.reportId !== row.report_id ||
    c.reportNo !== reportNo ||
    c.printNo !== row.print_no ||
    c.printedBy !== row.printed_by ||
    present?.personId !== row.present_person_id ||
    record.at.getTime() !== new Date(row.printed_at).getTime()
  ) {
    return `${name}: its row no longer says what was signed when it was printed.`;
  }
  return null;
}

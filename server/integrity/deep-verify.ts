// `tachiai verify --deep` and GET /api/journal/verify?deep=true (security review, finding 3): the
// journal's chain and checkpoints first, then whether the domain tables still agree with it —
// every signed record recomputed from its rows and compared with what the journal recorded at
// signing, then every destruction's rows compared with its signed record. The first difference
// is named. This module owns no table: it composes the checks the modules own.
import type { Knex } from 'knex';
import type { SigningKeys } from '../journal/checkpoints.js';
import { verifyJournal, type VerifyOptions, type VerifyResult } from '../journal/verify.js';
import { checkAllRecords } from '../signatures/integrity.js';
import { checkAllDestructions } from '../destructions/service.js';

export interface Difference {
  /** Which check found it. */
  check: 'signed_records' | 'destructions';
  message: string;
  recordId?: string;
}

export type DeepResult =
  | (Extract<VerifyResult, { ok: true }> & { records: number; destructions: number })
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
  if (records.problem) return { ok: false, entries: journal.entries, firstDifference: { check: 'signed_records', message: records.problem.message, recordId: records.problem.recordId } };
  const destructions = await checkAllDestructions(db, (n) => options.onTableProgress?.('destructions', n));
  if (destructions.problem) return { ok: false, entries: journal.entries, firstDifference: { check: 'destructions', message: destructions.problem } };
  return { ...journal, records: records.checked, destructions: destructions.checked };
}

// Is a signed record still exactly what was signed? (security review, finding 3)
//
// A plain UPDATE of a row used to leave the public check saying "valid" while showing the changed
// values. Now every view of a signed record is rendered from its canonical content, and that
// content is checked against what the journal recorded when it was signed:
//   - the content hashes to the stored hash, and that hash is the one the journal's
//     `records.signed` entry names (the journal itself is hash-chained and checkpointed);
//   - every signature row is the one the journal recorded (position, signer, meaning, value), its
//     manifest names the signer the content names, and its Ed25519 signature verifies under the
//     server's key (when the row's key id is the server's current key).
// The first difference is named, for people (the check page) and for `tachiai verify --deep`.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { SigningKeys } from '../journal/checkpoints.js';
import { signingKeyById } from '../secrets.js';
import { findJournalEntry, MAIN_CHAIN, payloadsOf } from '../journal/journal.js';
import { proofFileFor } from '../journal/proofs.js';
import { ConflictError } from '../errors.js';
import type { AppContext } from '../context.js';
import { recordHash, signatureMessage } from './manifest.js';
import { getSignedRecords, type StoredRecord } from './service.js';

export interface RecordProblem {
  recordId: string;
  kind: string;
  reason: 'content_changed' | 'journal_missing' | 'journal_mismatch' | 'signature_changed' | 'signature_invalid';
  message: string;
}

/** What the journal recorded when the record was signed (payload of `records.signed`). */
export interface SignedEntryPayload {
  kind?: unknown;
  contentHash?: unknown;
  signatures?: Array<{ personId?: unknown; meaning?: unknown; signature?: unknown }>;
}

interface ContentSigner {
  position?: number;
  personId?: string;
  name?: string;
  meaning?: string;
}

/** A plain comparison of a record, its signatures and the journal's payload. null when they agree. */
export function recordProblem(record: StoredRecord, journal: SignedEntryPayload | null, keys: SigningKeys | null): RecordProblem | null {
  const problem = (reason: RecordProblem['reason'], message: string): RecordProblem => ({ recordId: record.id, kind: record.kind, reason, message });
  if (recordHash(record.content) !== record.contentHash) return problem('content_changed', `Record ${record.id}: its content no longer hashes to the hash that was signed.`);
  let content: { id?: unknown; kind?: unknown; at?: unknown; signers?: ContentSigner[] };
  try {
    content = JSON.parse(record.content) as typeof content;
  } catch {
    return problem('content_changed', `Record ${record.id}: its content is not JSON.`);
  }
  if (content.id !== record.id || content.kind !== record.kind || content.at !== record.at.toISOString()) {
    return problem('content_changed', `Record ${record.id}: its id, kind or time differ from what was signed.`);
  }
  if (!journal) return problem('journal_missing', `Record ${record.id}: the journal has no entry for its signing.`);
  if (journal.contentHash !== record.contentHash || journal.kind !== record.kind) {
    return problem('journal_mismatch', `Record ${record.id}: the journal recorded another content hash or kind when it was signed.`);
  }
  const recorded = journal.signatures ?? [];
  const signers = content.signers ?? [];
  if (recorded.length !== record.signatures.length || signers.length !== record.signatures.length) {
    return problem('signature_changed', `Record ${record.id}: it has ${record.signatures.length} signature(s); ${recorded.length} were recorded when it was signed.`);
  }
  for (const [i, s] of record.signatures.entries()) {
    const j = recorded[i]!;
    const c = signers[i]!;
    const m = s.manifest;
    if (
      m.position !== i + 1 ||
      j.signature !== s.signature ||
      j.personId !== m.signerPersonId ||
      j.meaning !== m.meaning ||
      c.personId !== m.signerPersonId ||
      c.name !== m.signerName ||
      c.meaning !== m.meaning ||
      m.recordHash !== record.contentHash ||
      m.signedAt !== record.at.toISOString()
    ) {
      return problem('signature_changed', `Record ${record.id}: signature ${i + 1} differs from the one recorded when it was signed.`);
    }
    // By key id: the current key or one of the site's earlier keys (issue 19, item 6b: a rotation).
    const key = signingKeyById(keys, String(m.keyId));
    if (key) {
      let valid = false;
      try {
        valid = crypto.verify(null, Buffer.from(signatureMessage(m), 'utf8'), key.publicKey, Buffer.from(s.signature, 'base64'));
      } catch {
        valid = false;
      }
      if (!valid) return problem('signature_invalid', `Record ${record.id}: signature ${i + 1} does not verify under the server's key.`);
    }
  }
  return null;
}

/** Checks one record against its journal entry (the entry's own hash and links checked too). */
export async function checkRecord(db: Knex, record: StoredRecord, keys: SigningKeys | null): Promise<RecordProblem | null> {
  const entry = await findJournalEntry(db, 'records.signed', `record:${record.id}`);
  if (entry && !entry.intact) return { recordId: record.id, kind: record.kind, reason: 'journal_mismatch', message: `Record ${record.id}: the journal entry of its signing was changed.` };
  return recordProblem(record, entry ? (entry.payload as SignedEntryPayload) : null, keys);
}

/**
 * Every signed record against the journal, in batches (constant memory). Returns the first
 * problem found, or null, and how many records were checked.
 */
export async function checkAllRecords(db: Knex, keys: SigningKeys | null, onProgress?: (checked: number) => void): Promise<{ checked: number; problem: RecordProblem | null }> {
  let after = '00000000-0000-0000-0000-000000000000';
  let checked = 0;
  for (;;) {
    const ids = (await db('signed_records').where('id', '>', after).orderBy('id').limit(500).pluck('id')) as string[];
    if (ids.length === 0) return { checked, problem: null };
    const records = await getSignedRecords(db, ids);
    const journal = await payloadsOf(db, 'records.signed', ids.map((id) => `record:${id}`));
    for (const id of ids) {
      const problem = recordProblem(records.get(id)!, (journal.get(`record:${id}`) as SignedEntryPayload | undefined) ?? null, keys);
      if (problem) return { checked, problem };
      checked++;
    }
    onProgress?.(checked);
    after = ids[ids.length - 1]!;
  }
}

/**
 * A signed record's proof file (issue 19, item 3): its `records.signed` journal entry's inclusion
 * proof in the journal's newest signed checkpoint, with that entry and the record as extra data.
 * Refused (409) when the record no longer matches what the journal recorded at signing.
 */
export async function signedRecordProofFile(app: AppContext, db: Knex, origin: string, record: StoredRecord): Promise<string> {
  if (await checkRecord(db, record, app.secrets.signing)) throw new ConflictError('record_mismatch', 'This record does not match the journal: no proof file is given.');
  const journal = await findJournalEntry(db, 'records.signed', `record:${record.id}`);
  if (!journal || !journal.intact || journal.entry.chain !== MAIN_CHAIN) throw new ConflictError('record_mismatch', 'The journal entry of this record is missing or changed: no proof file is given.');
  const proofRecord = { id: record.id, kind: record.kind, at: record.at.toISOString(), content: record.content, contentHash: record.contentHash, signatures: record.signatures.map((sig) => ({ manifest: { ...sig.manifest }, signature: sig.signature })) };
  return proofFileFor(app, app.db.knex, origin, journal.entry, `signed-record:${record.kind}`, proofRecord);
}

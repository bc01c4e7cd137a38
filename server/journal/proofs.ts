// Proof files for journal entries (issue 19, item 3): the entry's inclusion proof in the tree of
// the newest C2SP checkpoint, with the entry and the signed record it commits to as extra data
// (the format and the offline check: proof-file.ts), with the witnesses' cosignatures. A checkpoint that does not reach the entry
// yet is made on demand (the tree catches up, then is signed).
import type { Knex } from 'knex';
import type { AppContext } from '../context.js';
import { ConflictError } from '../errors.js';
import type { JournalEntry } from './journal.js';
import { EXTRA_TYPE, formatProofFile, type ProofRecord } from './proof-file.js';
import { leafHashOfEntry, verifyInclusion } from './tlog.js';
import { checkpointNow, latestTlogCheckpoint } from './tlog-checkpoints.js';
import { cosignedNote, newestCosigned } from './witness-client.js';
import { proveInclusion } from './tree.js';

export function proofEntry(e: JournalEntry) {
  return { chain: e.chain, seq: e.seq, at: e.at.toISOString(), actor: e.actor, action: e.action, subject: e.subject, payload: e.payload, prevHash: e.prevHash, hash: e.hash };
}

/** The proof file of `entry` (of the main chain), with `record` and a subject word in its extra data. */
export async function proofFileFor(app: Pick<AppContext, 'db' | 'secrets' | 'config'>, db: Knex, origin: string, entry: JournalEntry, subject: string, record: ProofRecord | null): Promise<string> {
  // The newest checkpoint the witnesses cosigned, when one covers the entry; else the newest.
  const cosigned = await newestCosigned(db, origin);
  let checkpoint = cosigned && cosigned.size >= entry.seq ? cosigned : await latestTlogCheckpoint(db, origin);
  if (!checkpoint || checkpoint.size < entry.seq) {
    await checkpointNow(app, origin);
    const fresh = await newestCosigned(db, origin);
    checkpoint = fresh && fresh.size >= entry.seq ? fresh : await latestTlogCheckpoint(db, origin);
  }
  if (!checkpoint || checkpoint.size < entry.seq) {
    throw new ConflictError('not_yet_logged', 'This record is not in a signed checkpoint of the journal yet. Try again in a minute.');
  }
  const inclusion = await proveInclusion(db, entry.seq - 1, checkpoint.size);
  // The stored tree must prove what the journal holds: never hand out a proof that does not verify.
  if (!inclusion.leaf.equals(leafHashOfEntry(entry.hash)) || !verifyInclusion(entry.seq - 1, checkpoint.size, inclusion.leaf, inclusion.proof, checkpoint.root)) {
    throw new ConflictError('tree_mismatch', 'The journal\'s tree does not match this entry: no proof can be given. The issuer must check the journal (tachiai verify).');
  }
  return formatProofFile({ index: entry.seq - 1, proof: inclusion.proof, note: await cosignedNote(db, checkpoint), extra: { type: EXTRA_TYPE, subject, entry: proofEntry(entry), record } });
}

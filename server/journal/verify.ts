// Verification recomputes every chain from the first entry, in `seq` order (never by time),
// and checks the signed checkpoints against it. It streams: memory stays constant however
// long the journal is. The first problem found is named precisely.
import type { Knex } from 'knex';
import { canonicalJson } from './canonical.js';
import { entryHash, GENESIS_HASH, MAIN_CHAIN, walkChain } from './journal.js';
import type { KeyObject } from 'node:crypto';
import { keyIdOf, verifyCheckpointSignature, type CheckpointRecord, type SigningKeys } from './checkpoints.js';

export type BadEntryReason =
  | 'missing_entry' // a sequence number is absent (an entry was deleted)
  | 'broken_link' // prev_hash does not match the previous entry's hash
  | 'hash_mismatch' // the entry's content does not hash to its stored hash (it was changed)
  | 'not_canonical' // the stored payload is not canonical JSON (it was rewritten)
  | 'checkpoint_mismatch' // a signed checkpoint names a different hash for this entry
  | 'checkpoint_beyond_head' // a signed checkpoint proves entries that are no longer there
  | 'checkpoint_signature_invalid';

export interface BadEntry {
  chain: string;
  seq: number;
  reason: BadEntryReason;
  message: string;
}

export type VerifyResult =
  | { ok: true; entries: number; head: string; headSeq: number; checkpoints: number }
  | { ok: false; entries: number; firstBadEntry: BadEntry };

export interface VerifyOptions {
  onProgress?: (checked: number, total: number) => void;
  /**
   * Checkpoints kept off the server (an exported file) to check against, with the public key to
   * check their signatures with — given separately, never taken from the file itself (security
   * review, finding 6: a checkpoint signed with an attacker's key was accepted).
   */
  external?: { checkpoints: CheckpointRecord[]; publicKey: KeyObject };
}

function bad(chain: string, seq: number, reason: BadEntryReason, message: string): BadEntry {
  return { chain, seq, reason, message };
}

export async function verifyJournal(db: Knex, keys: SigningKeys | null, options: VerifyOptions = {}): Promise<VerifyResult> {
  const chainRows = (await db('journal_entries').distinct('chain').orderBy('chain')) as Array<{ chain: string }>;
  const chains = chainRows.map((r) => r.chain);
  if (!chains.includes(MAIN_CHAIN)) chains.unshift(MAIN_CHAIN);
  // Fix the extent of the walk now: entries appended while we verify are left for next time.
  const totals = (await db('journal_entries').select('chain').max('seq as max').count('* as count').groupBy('chain')) as Array<{
    chain: string;
    max: string;
    count: string;
  }>;
  const limit = new Map(totals.map((t) => [t.chain, Number(t.max)]));
  const total = totals.reduce((sum, t) => sum + Number(t.count), 0);
  options.onProgress?.(0, total);

  const storedCheckpoints = (await db('journal_checkpoints').orderBy('id')) as Array<Record<string, unknown>>;
  // Each checkpoint with the key that must have signed it: the server's for its own, the given one for external ones.
  const checkpoints: Array<CheckpointRecord & { verifyWith: KeyObject | null }> = [
    ...storedCheckpoints.map((c) => ({
      chain: String(c.chain),
      seq: Number(c.seq),
      headHash: String(c.head_hash),
      at: (c.at as Date).toISOString(),
      keyId: String(c.key_id),
      signature: String(c.signature),
      verifyWith: keys?.publicKey ?? null,
    })),
    ...(options.external?.checkpoints ?? []).map(({ publicKeyPem: _ignored, ...cp }) => ({ ...cp, verifyWith: options.external!.publicKey })),
  ];

  let checked = 0;
  let mainHead = { seq: 0, hash: GENESIS_HASH };
  for (const chain of chains) {
    const expectedBySeq = new Map<number, CheckpointRecord[]>();
    for (const cp of checkpoints.filter((c) => c.chain === chain)) {
      if (!cp.verifyWith || cp.keyId !== keyIdOf(cp.verifyWith) || !verifyCheckpointSignature(cp, cp.verifyWith)) {
        return { ok: false, entries: checked, firstBadEntry: bad(chain, cp.seq, 'checkpoint_signature_invalid', `The checkpoint at entry ${cp.seq} does not carry a valid signature.`) };
      }
      const list = expectedBySeq.get(cp.seq) ?? [];
      list.push(cp);
      expectedBySeq.set(cp.seq, list);
    }

    let prev = { seq: 0, hash: GENESIS_HASH };
    for await (const entry of walkChain(db, chain, 2000, limit.get(chain) ?? 0)) {
      const expectedSeq = prev.seq + 1;
      if (entry.seq !== expectedSeq) {
        return { ok: false, entries: checked, firstBadEntry: bad(chain, expectedSeq, 'missing_entry', `Entry ${expectedSeq} is missing (the next entry found is ${entry.seq}).`) };
      }
      let payloadValue: unknown;
      try {
        payloadValue = JSON.parse(entry.payload);
      } catch {
        return { ok: false, entries: checked, firstBadEntry: bad(chain, entry.seq, 'not_canonical', `Entry ${entry.seq} has a payload that is not JSON.`) };
      }
      if (canonicalJson(payloadValue) !== entry.payload) {
        return { ok: false, entries: checked, firstBadEntry: bad(chain, entry.seq, 'not_canonical', `Entry ${entry.seq} has a payload that is not in canonical form; it was rewritten.`) };
      }
      if (entry.prevHash !== prev.hash) {
        return { ok: false, entries: checked, firstBadEntry: bad(chain, entry.seq, 'broken_link', `Entry ${entry.seq} does not link to entry ${prev.seq}.`) };
      }
      if (entryHash({ ...entry, payloadValue }) !== entry.hash) {
        return { ok: false, entries: checked, firstBadEntry: bad(chain, entry.seq, 'hash_mismatch', `Entry ${entry.seq} was changed after it was written.`) };
      }
      for (const cp of expectedBySeq.get(entry.seq) ?? []) {
        if (cp.headHash !== entry.hash) {
          return { ok: false, entries: checked, firstBadEntry: bad(chain, entry.seq, 'checkpoint_mismatch', `The signed checkpoint of ${cp.at} names another hash for entry ${entry.seq}: the journal up to it was rewritten.`) };
        }
      }
      prev = { seq: entry.seq, hash: entry.hash };
      checked++;
      if (options.onProgress && checked % 1000 === 0) options.onProgress(checked, total);
    }
    const beyond = [...expectedBySeq.keys()].filter((seq) => seq > prev.seq).sort((a, b) => a - b)[0];
    if (beyond !== undefined) {
      return { ok: false, entries: checked, firstBadEntry: bad(chain, prev.seq + 1, 'checkpoint_beyond_head', `A signed checkpoint proves entries up to ${beyond}, but the journal ends at ${prev.seq}: entries were removed.`) };
    }
    if (chain === MAIN_CHAIN) mainHead = prev;
  }
  options.onProgress?.(checked, total);
  return { ok: true, entries: checked, head: mainHead.hash, headSeq: mainHead.seq, checkpoints: checkpoints.length };
}

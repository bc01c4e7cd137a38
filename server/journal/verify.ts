// Verification recomputes every chain from the first entry, in `seq` order (never by time),
// and checks the signed checkpoints against it. It streams: memory stays constant however
// long the journal is. The first problem found is named precisely.
import type { Knex } from 'knex';
import { canonicalJson } from './canonical.js';
import { entryHash, GENESIS_HASH, MAIN_CHAIN, walkChain } from './journal.js';
import type { KeyObject } from 'node:crypto';
import { keyIdOf, verifyCheckpointSignature, type CheckpointRecord, type SigningKeys } from './checkpoints.js';
import { knownSigningKeys, signingKeyById } from '../secrets.js';
import { hasValidSignature, parseCheckpoint, parseNote, verifierFor } from './note.js';
import { CompactRange, leafHashOfEntry } from './tlog.js';

export type BadEntryReason =
  | 'missing_entry' // a sequence number is absent (an entry was deleted)
  | 'broken_link' // prev_hash does not match the previous entry's hash
  | 'hash_mismatch' // the entry's content does not hash to its stored hash (it was changed)
  | 'not_canonical' // the stored payload is not canonical JSON (it was rewritten)
  | 'checkpoint_mismatch' // a signed checkpoint names a different hash for this entry
  | 'checkpoint_beyond_head' // a signed checkpoint proves entries that are no longer there
  | 'checkpoint_signature_invalid'
  | 'tree_mismatch'; // the Merkle tree (issue 19) or a C2SP checkpoint names another root for the journal up to this entry

export interface BadEntry {
  chain: string;
  seq: number;
  reason: BadEntryReason;
  message: string;
}

export type VerifyResult =
  | { ok: true; entries: number; head: string; headSeq: number; checkpoints: number; /** Tree heads (the stored tree, C2SP checkpoints) the recomputed Merkle tree matched (issue 19). */ treeHeads?: number }
  | { ok: false; entries: number; firstBadEntry: BadEntry };

export interface VerifyOptions {
  onProgress?: (checked: number, total: number) => void;
  /**
   * Checkpoints kept off the server (an exported file) to check against, with the public key to
   * check their signatures with — given separately, never taken from the file itself (security
   * review, finding 6: a checkpoint signed with an attacker's key was accepted).
   */
  external?: { checkpoints: CheckpointRecord[]; publicKey: KeyObject; trees?: TreeCheckpoint[] };
}

/** A tree head to check the journal against (issue 19): the stored tree, a C2SP checkpoint (stored or kept off the server). */
export interface TreeCheckpoint {
  size: number;
  root: Buffer;
  what: string;
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
      // By its key id: the current key, or one of the site's earlier keys (a rotation, issue 19 item 6b).
      verifyWith: signingKeyById(keys, String(c.key_id))?.publicKey ?? null,
    })),
    ...(options.external?.checkpoints ?? []).map(({ publicKeyPem: _ignored, ...cp }) => ({ ...cp, verifyWith: options.external!.publicKey })),
  ];

  // The Merkle tree over the main chain (issue 19): its root is recomputed while walking, in
  // O(log n) memory, and compared with the stored tree's root and every C2SP checkpoint's — each
  // stored one first checked for the server's signature.
  const trees: TreeCheckpoint[] = [...(options.external?.trees ?? [])];
  if (await db.schema.hasTable('journal_tree')) {
    const tree = (await db('journal_tree').where({ id: 1 }).first('size', 'root_hash')) as { size: string; root_hash: Buffer } | undefined;
    if (tree && Number(tree.size) > 0) trees.push({ size: Number(tree.size), root: Buffer.from(tree.root_hash), what: 'The stored Merkle tree' });
    const notes = (await db('journal_tlog_checkpoints').orderBy('id').select('tree_size', 'note')) as Array<{ tree_size: string; note: string }>;
    for (const n of notes) {
      let valid = false;
      try {
        const note = parseNote(n.note);
        const cp = parseCheckpoint(note.text);
        valid = !!keys && cp.size === Number(n.tree_size) && knownSigningKeys(keys).some((k) => hasValidSignature(note, verifierFor(cp.origin, k.publicKey)));
        if (valid) trees.push({ size: cp.size, root: cp.root, what: `The signed tree checkpoint of ${cp.size} entries` });
      } catch {
        valid = false;
      }
      if (!valid) return { ok: false, entries: 0, firstBadEntry: bad(MAIN_CHAIN, Number(n.tree_size), 'checkpoint_signature_invalid', `The tree checkpoint of ${n.tree_size} entries does not carry a valid signature.`) };
    }
  }
  const treesBySize = new Map<number, TreeCheckpoint[]>();
  for (const t of trees) treesBySize.set(t.size, [...(treesBySize.get(t.size) ?? []), t]);
  const range = new CompactRange();

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
      if (chain === MAIN_CHAIN) {
        range.append(leafHashOfEntry(entry.hash));
        const heads = treesBySize.get(entry.seq);
        if (heads) {
          const root = range.root();
          const wrong = heads.find((t) => !t.root.equals(root));
          if (wrong) return { ok: false, entries: checked, firstBadEntry: bad(chain, entry.seq, 'tree_mismatch', `${wrong.what} names another root for the journal up to entry ${entry.seq}: the journal up to it was rewritten.`) };
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
    if (chain === MAIN_CHAIN) {
      mainHead = prev;
      const past = trees.filter((t) => t.size > prev.seq).sort((a, b) => a.size - b.size)[0];
      if (past) return { ok: false, entries: checked, firstBadEntry: bad(chain, prev.seq + 1, 'checkpoint_beyond_head', `${past.what} covers ${past.size} entries, but the journal ends at ${prev.seq}: entries were removed.`) };
    }
  }
  options.onProgress?.(checked, total);
  return { ok: true, entries: checked, head: mainHead.hash, headSeq: mainHead.seq, checkpoints: checkpoints.length, treeHeads: trees.length };
}

// Verification recomputes every chain from the first entry, in `seq` order (never by time),
// and checks the signed checkpoints against it. It streams: memory stays constant however
// long the journal is. The first problem found is named precisely.
import type { Knex } from 'knex';
import { GENESIS_HASH, MAIN_CHAIN } from './journal.js';
import type { KeyObject } from 'node:crypto';
import { keyIdOf, verifyCheckpointSignature, type CheckpointRecord, type SigningKeys } from './checkpoints.js';
import { knownSigningKeys, signingKeyById } from '../secrets.js';
import { hasValidSignature, parseCheckpoint, parseNote, verifierFor } from './note.js';
import { appendNodes, rootOfNodes, RangeChecker, RANGE_COLUMNS_SQL, type RangeNode, type RangeResult, type RangeTask } from './verify-range.js';
import { VerifyThreadPool } from './verify-thread.js';

/** Entries per range: a power of two, so that a range's leaves are whole subtrees of the Merkle tree. */
export const VERIFY_RANGE = 2 ** 16;
/** Below this many entries the threads are not worth starting. */
export const THREADED_MIN_ENTRIES = 200_000;
/** Rows per read when a range is checked on this thread. */
const ROWS_PER_READ = 4096;

export type { BadEntry, BadEntryReason } from './verify-range.js';
import type { BadEntry, BadEntryReason } from './verify-range.js';

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
  /**
   * PostgreSQL: check ranges of the journal on this many threads, each with a connection of its own
   * (count: one a CPU, at most 4). Without it, or on the embedded database, one thread walks.
   */
  threads?: { connectionString: string; count?: number; /** Start them from this many entries (THREADED_MIN_ENTRIES). */ minEntries?: number };
  /** Entries per range (a power of two; VERIFY_RANGE): smaller in tests, to cross many range boundaries. */
  rangeSize?: number;
}

/** The sorted values of `sorted` within [from, to]. */
function within(sorted: number[], from: number, to: number): number[] {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < from) lo = mid + 1;
    else hi = mid;
  }
  const out: number[] = [];
  for (let i = lo; i < sorted.length && sorted[i]! <= to; i++) out.push(sorted[i]!);
  return out;
}

/** A range checked on this thread, read in batches of rows (both databases). */
async function checkRangeHere(db: Knex, task: RangeTask): Promise<RangeResult> {
  const checker = new RangeChecker(task);
  for (let from = task.from; from <= task.to && checker.open; from += ROWS_PER_READ) {
    const to = Math.min(task.to, from + ROWS_PER_READ - 1);
    const { rows } = (await db.raw(`SELECT ${RANGE_COLUMNS_SQL('at')} FROM journal_entries WHERE chain = ? AND seq BETWEEN ? AND ? ORDER BY journal_entries.seq`, [task.chain, from, to])) as {
      rows: Array<{ seq: string; at: string; actor: string; action: string; subject: string; payload: string; prev_hash: string; hash: string }>;
    };
    for (const r of rows) checker.entry(r.seq, r.at, r.actor, r.action, r.subject, r.payload, r.prev_hash, r.hash);
  }
  return checker.finish();
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
  const treeSizes = [...treesBySize.keys()].sort((a, b) => a - b);

  // The entries are read and checked range by range (verify-range.ts): on threads of their own
  // when a connection string is given and the journal is long (verify-thread.ts), else here.
  const rangeSize = options.rangeSize ?? VERIFY_RANGE;
  if (!Number.isSafeInteger(rangeSize) || rangeSize < 1 || 2 ** Math.round(Math.log2(rangeSize)) !== rangeSize) throw new Error('rangeSize must be a power of two');
  const threaded = options.threads && total >= (options.threads.minEntries ?? THREADED_MIN_ENTRIES) ? new VerifyThreadPool(options.threads.connectionString, options.threads.count) : null;
  const checkRange = threaded ? (task: RangeTask) => threaded.check(task) : (task: RangeTask) => checkRangeHere(db, task);
  const inFlight = threaded ? threaded.size * 2 : 1;

  let checked = 0;
  let mainHead = { seq: 0, hash: GENESIS_HASH };
  try {
    for (const chain of chains) {
      const expectedBySeq = new Map<number, Array<{ hash: string; at: string }>>();
      for (const cp of checkpoints.filter((c) => c.chain === chain)) {
        if (!cp.verifyWith || cp.keyId !== keyIdOf(cp.verifyWith) || !verifyCheckpointSignature(cp, cp.verifyWith)) {
          return { ok: false, entries: checked, firstBadEntry: bad(chain, cp.seq, 'checkpoint_signature_invalid', `The checkpoint at entry ${cp.seq} does not carry a valid signature.`) };
        }
        expectedBySeq.set(cp.seq, [...(expectedBySeq.get(cp.seq) ?? []), { hash: cp.headHash, at: cp.at }]);
      }
      const expectSeqs = [...expectedBySeq.keys()].sort((a, b) => a - b);
      const isMain = chain === MAIN_CHAIN;
      const last = limit.get(chain) ?? 0;
      const taskAt = (from: number): RangeTask => {
        const to = Math.min(last, from + rangeSize - 1);
        return {
          chain,
          from,
          to,
          tree: isMain,
          expect: within(expectSeqs, from, to).map((seq) => [seq, expectedBySeq.get(seq)!]),
          snapshotSizes: isMain ? within(treeSizes, from, to) : [],
        };
      };
      // Ranges in seq order, `inFlight` of them under way at a time; answers joined in order.
      const pending: Array<{ task: RangeTask; result: Promise<RangeResult> }> = [];
      let nextFrom = 1;
      const fill = () => {
        while (pending.length < inFlight && nextFrom <= last) {
          const task = taskAt(nextFrom);
          const result = checkRange(task);
          result.catch(() => undefined); // awaited in order below
          pending.push({ task, result });
          nextFrom = task.to + 1;
        }
      };
      const stack: RangeNode[] = [];
      let prev = { seq: 0, hash: GENESIS_HASH };
      fill();
      while (pending.length > 0) {
        const { task, result: promised } = pending.shift()!;
        const r = await promised;
        fill();
        if (r.firstSeq === null) continue; // an empty range: the next one found names what is missing
        const expectedSeq = prev.seq + 1;
        if (r.firstSeq !== expectedSeq) {
          return { ok: false, entries: checked, firstBadEntry: bad(chain, expectedSeq, 'missing_entry', `Entry ${expectedSeq} is missing (the next entry found is ${r.firstSeq}).`) };
        }
        // The range's first entry: a payload that is not JSON is found before its link is checked.
        if (r.bad && r.bad.seq === r.firstSeq && r.bad.reason === 'not_canonical') return { ok: false, entries: checked + r.checked, firstBadEntry: r.bad };
        if (r.firstPrevHash !== prev.hash) {
          return { ok: false, entries: checked, firstBadEntry: bad(chain, r.firstSeq, 'broken_link', `Entry ${r.firstSeq} does not link to entry ${prev.seq}.`) };
        }
        if (isMain) {
          // A tree head inside the range (before its first problem, if any): the root of the leaves up to it.
          for (const [size, nodes] of r.snapshots) {
            const upTo = stack.map((n) => ({ ...n }));
            appendNodes(upTo, nodes);
            const root = rootOfNodes(upTo);
            const wrong = treesBySize.get(size)!.find((t) => !t.root.equals(root));
            if (wrong) return { ok: false, entries: checked + (size - task.from), firstBadEntry: bad(chain, size, 'tree_mismatch', `${wrong.what} names another root for the journal up to entry ${size}: the journal up to it was rewritten.`) };
          }
          appendNodes(stack, r.nodes);
        }
        if (r.bad) return { ok: false, entries: checked + r.checked, firstBadEntry: r.bad };
        checked += r.checked;
        prev = { seq: r.lastSeq!, hash: r.lastHash! };
        options.onProgress?.(checked, total);
      }
      const beyond = expectSeqs.find((seq) => seq > prev.seq);
      if (beyond !== undefined) {
        return { ok: false, entries: checked, firstBadEntry: bad(chain, prev.seq + 1, 'checkpoint_beyond_head', `A signed checkpoint proves entries up to ${beyond}, but the journal ends at ${prev.seq}: entries were removed.`) };
      }
      if (isMain) {
        mainHead = prev;
        const past = trees.filter((t) => t.size > prev.seq).sort((a, b) => a.size - b.size)[0];
        if (past) return { ok: false, entries: checked, firstBadEntry: bad(chain, prev.seq + 1, 'checkpoint_beyond_head', `${past.what} covers ${past.size} entries, but the journal ends at ${prev.seq}: entries were removed.`) };
      }
    }
  } finally {
    await threaded?.close();
  }
  options.onProgress?.(checked, total);
  return { ok: true, entries: checked, head: mainHead.hash, headSeq: mainHead.seq, checkpoints: checkpoints.length, treeHeads: trees.length };
}

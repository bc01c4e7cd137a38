// The journal's Merkle tree in PostgreSQL (issue 19).
//
// Storage — tiles of height 8, as in c2sp.org/tlog-tiles: the row (level L, idx N) of
// journal_tree_tiles holds the hashes of the nodes [256·N, 256·N + w) at tree level 8·L, 32
// bytes each, concatenated (w ≤ 256). Level 0 holds the leaf hashes; the hash j of level L + 1
// is the root of the full tile (L, j). A partial tile (the right edge of each level) is rewritten
// as it fills. Any complete subtree — level k, index i — is read from ONE tile, (⌊k/8⌋, ⌊i·2^(k mod 8)/256⌋),
// and hashed up at most 7 levels; a root, an inclusion proof or a consistency proof needs
// O(log n) complete subtrees, i.e. O(log₂₅₆ n) tiles: 3 tiles per path for 10 million entries,
// read in ONE query. The storage is 32 bytes per entry and 1/255 more, in rows of 8 KB: much
// less than a row per node, and a batch of leaves rewrites a handful of rows.
//
// Building — the door stays as cheap as before: no tree work in any scan's or write's
// transaction. A tree worker on every server (and `tachiai tree build`) extends the tree in
// batches, from the stored size to the journal's head, in `seq` order, under an advisory lock of
// its own (not the chain's): several servers therefore build one tree, taking turns. Entries
// are committed in seq order (appendJournal and the intake chainer hold the chain's lock until
// they commit), so the tree never skips one; it stops at a gap rather than build past it.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { AppContext } from '../context.js';
import { periodic, type Worker } from '../workers.js';
import { MAIN_CHAIN } from './journal.js';
import { consistencyProof, EMPTY_ROOT, HASH_SIZE, inclusionProof, leafHashOfEntry, nodeHash, nodeKey, plan, treeRoot, type NodeId, type NodeReader } from './tlog.js';

export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 2 ** TILE_HEIGHT;
/** Leaves added per transaction by the worker (the command line's build uses larger batches). */
export const TREE_BATCH = 5000;
const TREE_LOCK = [0x7ac41a1, 0x7ee] as const;

export interface TreeState {
  size: number;
  root: Buffer;
}

export class TreeError extends Error {
  override name = 'TreeError';
}

export async function treeState(db: Knex): Promise<TreeState> {
  const row = (await db('journal_tree').where({ id: 1 }).first('size', 'root_hash')) as { size: string; root_hash: Buffer } | undefined;
  return row ? { size: Number(row.size), root: Buffer.from(row.root_hash) } : { size: 0, root: EMPTY_ROOT };
}

interface TileKey {
  level: number;
  idx: number;
}

/** Where a complete subtree's hash is: its tile, and the range of that tile's hashes it covers. */
function locate(level: number, index: number): { tile: TileKey; from: number; count: number; up: number } {
  const tileLevel = Math.floor(level / TILE_HEIGHT);
  const up = level - tileLevel * TILE_HEIGHT;
  const count = 2 ** up;
  const start = index * count;
  return { tile: { level: tileLevel, idx: Math.floor(start / TILE_WIDTH) }, from: start % TILE_WIDTH, count, up };
}

/** The root of `count` consecutive hashes (a power of two) — a complete subtree over them. */
// Hashing up inside a tile is most of a proof's work (about 800 node hashes at 10 million
// entries). Done in one scratch buffer, each hash taken as a 32-character string and written back
// in place: a Buffer per node hash made the garbage collector the tail of the proofs' times
// (issue 19: proofs in ≤ 5 ms p95). Proofs are computed one at a time on a thread: one scratch.
const tileScratch = Buffer.alloc(TILE_WIDTH * HASH_SIZE);
const pairInput = Buffer.alloc(1 + 2 * HASH_SIZE);
pairInput[0] = 0x01;

/** The root of the complete subtree over a tile's hashes [from, from + count) (count a power of two): RFC 9162's MTH. */
function subtreeRoot(data: Buffer, from: number, count: number): Buffer {
  if (data.length < (from + count) * HASH_SIZE) throw new TreeError('a tree tile is shorter than the tree it belongs to: the tree is damaged (tachiai tree build --rebuild)');
  const scratch = tileScratch;
  data.copy(scratch, 0, from * HASH_SIZE, (from + count) * HASH_SIZE);
  for (let width = count; width > 1; width >>= 1) {
    for (let i = 0; i < width; i += 2) {
      // SHA-256(0x01 ‖ left ‖ right): the two children sit side by side in the scratch.
      scratch.copy(pairInput, 1, i * HASH_SIZE, (i + 2) * HASH_SIZE);
      scratch.write(crypto.hash('sha256', pairInput, 'binary'), (i >> 1) * HASH_SIZE, HASH_SIZE, 'latin1');
    }
  }
  return Buffer.from(scratch.subarray(0, HASH_SIZE));
}

/** Reads the stored nodes `nodes` in one query; answers a reader over them. */
export async function readNodes(db: Knex, nodes: NodeId[]): Promise<NodeReader> {
  const located = nodes.map((n) => ({ n, at: locate(n.level, n.index) }));
  const keys = new Map(located.map(({ at }) => [`${at.tile.level}/${at.tile.idx}`, at.tile]));
  const tiles = new Map<string, Buffer>();
  if (keys.size > 0) {
    const rows = (await db('journal_tree_tiles')
      .whereIn(['level', 'idx'], [...keys.values()].map((k) => [k.level, k.idx]))
      .select('level', 'idx', 'hashes')) as Array<{ level: number; idx: string; hashes: Buffer }>;
    for (const r of rows) tiles.set(`${r.level}/${Number(r.idx)}`, Buffer.from(r.hashes));
  }
  const values = new Map<string, Buffer>();
  for (const { n, at } of located) {
    const data = tiles.get(`${at.tile.level}/${at.tile.idx}`);
    if (!data) throw new TreeError(`the tree tile ${at.tile.level}/${at.tile.idx} is missing: the tree is damaged (tachiai tree build --rebuild)`);
    values.set(nodeKey(n.level, n.index), subtreeRoot(data, at.from, at.count));
  }
  return (level, index) => {
    const v = values.get(nodeKey(level, index));
    if (!v) throw new TreeError(`node ${level}/${index} was not read`);
    return v;
  };
}

/** Runs a tree computation over the stored nodes it needs, read in one query. */
export async function computeOverTree<T>(db: Knex, compute: (read: NodeReader) => T): Promise<T> {
  return compute(await readNodes(db, plan(compute)));
}

/** The root of the stored tree at `size` (≤ the stored size), recomputed from its tiles. */
export function rootAt(db: Knex, size: number): Promise<Buffer> {
  return computeOverTree(db, (read) => treeRoot(size, read));
}

export interface InclusionAnswer {
  index: number;
  size: number;
  leaf: Buffer;
  root: Buffer;
  proof: Buffer[];
}

/** The inclusion proof of leaf `index` in the tree of `size` (checked by the caller: index < size ≤ the stored size). */
export function proveInclusion(db: Knex, index: number, size: number): Promise<InclusionAnswer> {
  return computeOverTree(db, (read) => ({ index, size, leaf: read(0, index), root: treeRoot(size, read), proof: inclusionProof(index, size, read) }));
}

export interface ConsistencyAnswer {
  from: number;
  to: number;
  fromRoot: Buffer;
  toRoot: Buffer;
  proof: Buffer[];
}

/** The consistency proof from `from` to `to` (checked by the caller: 1 ≤ from ≤ to ≤ the stored size). */
export function proveConsistency(db: Knex, from: number, to: number): Promise<ConsistencyAnswer> {
  return computeOverTree(db, (read) => ({ from, to, fromRoot: treeRoot(from, read), toRoot: treeRoot(to, read), proof: consistencyProof(from, to, read) }));
}

export interface ExtendResult {
  /** Leaves added by this call. */
  added: number;
  size: number;
  root: Buffer;
}

/**
 * Adds up to `limit` entries of the main chain to the tree, in one transaction under the tree's
 * lock: reads the entries after the stored size, the right-edge tile of each level, writes the
 * tiles that changed and the new size and root.
 */
export async function extendTree(knex: Knex, limit = TREE_BATCH): Promise<ExtendResult> {
  return knex.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(?, ?)', TREE_LOCK);
    const state = await treeState(trx);
    const rows = (await trx('journal_entries').where({ chain: MAIN_CHAIN }).andWhere('seq', '>', state.size).orderBy('seq').limit(limit).select('seq', 'hash')) as Array<{ seq: string; hash: string }>;
    const leaves: Buffer[] = [];
    for (const [i, row] of rows.entries()) {
      if (Number(row.seq) !== state.size + 1 + i) break; // a gap: never build past it
      leaves.push(leafHashOfEntry(row.hash));
    }
    if (leaves.length === 0) return { added: 0, size: state.size, root: state.root };

    // The partial tile of each level at the old size (the right edge), read in one query.
    const edges: TileKey[] = [];
    for (let level = 0, count = state.size; count > 0; level++, count = Math.floor(count / TILE_WIDTH)) {
      if (count % TILE_WIDTH !== 0) edges.push({ level, idx: Math.floor(count / TILE_WIDTH) });
    }
    const edgeData = new Map<number, Buffer>();
    if (edges.length > 0) {
      const found = (await trx('journal_tree_tiles').whereIn(['level', 'idx'], edges.map((e) => [e.level, e.idx])).select('level', 'hashes')) as Array<{ level: number; hashes: Buffer }>;
      for (const r of found) edgeData.set(Number(r.level), Buffer.from(r.hashes));
    }

    // Append level by level: a tile that fills gives the next level its hash.
    const writes: Array<{ level: number; idx: number; hashes: Buffer }> = [];
    let incoming = leaves;
    for (let level = 0; incoming.length > 0; level++) {
      const stored = Math.floor(state.size / TILE_WIDTH ** level);
      let idx = Math.floor(stored / TILE_WIDTH);
      const partial = stored % TILE_WIDTH;
      let current: Buffer[] = [];
      if (partial > 0) {
        const data = edgeData.get(level);
        if (!data || data.length !== partial * HASH_SIZE) throw new TreeError(`the tree tile ${level}/${idx} does not hold the ${partial} hashes the tree's size says: the tree is damaged (tachiai tree build --rebuild)`);
        current = Array.from({ length: partial }, (_, i) => data.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
      }
      const up: Buffer[] = [];
      for (const h of incoming) {
        current.push(h);
        if (current.length === TILE_WIDTH) {
          const full = Buffer.concat(current);
          writes.push({ level, idx, hashes: full });
          up.push(subtreeRoot(full, 0, TILE_WIDTH));
          idx += 1;
          current = [];
        }
      }
      if (current.length > 0) writes.push({ level, idx, hashes: Buffer.concat(current) });
      incoming = up;
    }
    await trx('journal_tree_tiles').insert(writes).onConflict(['level', 'idx']).merge(['hashes']);
    const size = state.size + leaves.length;
    const root = await rootAt(trx, size);
    await trx('journal_tree').insert({ id: 1, size, root_hash: root, updated_at: trx.fn.now() }).onConflict('id').merge(['size', 'root_hash', 'updated_at']);
    return { added: leaves.length, size, root };
  });
}

/**
 * Extends the tree to the journal's head (as it is when each batch starts), or by at most
 * `maxBatches` batches (the worker: a server catching up with a long journal keeps its CPU for
 * the door between rounds; `tachiai tree build` goes to the end).
 */
export async function buildTree(knex: Knex, options: { batch?: number; maxBatches?: number; onProgress?: (size: number, added: number) => void } = {}): Promise<TreeState & { added: number }> {
  let added = 0;
  for (let batches = 1; ; batches++) {
    const r = await extendTree(knex, options.batch ?? TREE_BATCH);
    added += r.added;
    if (r.added > 0) options.onProgress?.(r.size, added);
    if (r.added < (options.batch ?? TREE_BATCH) || batches === options.maxBatches) return { size: r.size, root: r.root, added };
  }
}

/** Batches the worker adds per round at most (50,000 entries): a long journal is caught up over several rounds. */
export const WORKER_MAX_BATCHES = 10;

/**
 * Forgets the stored tree (it is built again from the journal by the worker or `tachiai tree
 * build`): for a tree found damaged. A tree built again over a REWRITTEN journal has other roots,
 * which every checkpoint kept off the server then exposes (its consistency proof fails).
 */
export async function resetTree(knex: Knex): Promise<void> {
  await knex.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(?, ?)', TREE_LOCK);
    await trx('journal_tree_tiles').delete();
    await trx('journal_tree').delete();
  });
}

/** The number of entries of the main chain (the tree's target size). */
export async function journalSize(db: Knex): Promise<number> {
  const row = (await db('journal_entries').where({ chain: MAIN_CHAIN }).max('seq as max').first()) as { max: string | null } | undefined;
  return Number(row?.max ?? 0);
}

/** The `journal.tree` worker: every `seconds`, the tree catches up with the journal (and `then` runs after, e.g. signing a checkpoint). */
export function treeWorker(app: AppContext, seconds: number, then?: () => Promise<unknown>): Worker {
  return periodic(
    seconds * 1000,
    async () => {
      await buildTree(app.db.knex, { maxBatches: WORKER_MAX_BATCHES });
      await then?.();
    },
    app.logger,
    'journal tree',
  );
}

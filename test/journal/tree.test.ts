// The journal's Merkle tree in the database (issue 19, item 1): tiles of height 8 built in
// batches of any size give the root RFC 9162 defines (recomputed here leaf by leaf), across tile
// levels 0, 1 and 2 (more than 256² entries); inclusion and consistency proofs read from the
// tiles verify; the tree never builds past a gap; `verify` recomputes the tree and names a rewrite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { openTestContext, type TestContext } from '../helpers/db.js';
import { buildTree, extendTree, proveConsistency, proveInclusion, resetTree, rootAt, treeState, TILE_WIDTH } from '../../server/journal/tree.js';
import { CompactRange, leafHashOfEntry, verifyConsistency, verifyInclusion } from '../../server/journal/tlog.js';

let ctx: TestContext;
let knex: Knex;
/** Roots of the reference tree by size (recomputed leaf by leaf from the entries' hashes). */
const roots: Buffer[] = [];
const leaves: Buffer[] = [];
const TOTAL = TILE_WIDTH * TILE_WIDTH + 3 * TILE_WIDTH + 7; // 66,311: three tile levels

beforeAll(async () => {
  ctx = await openTestContext();
  knex = ctx.db.knex;
  // Entries made in bulk: the tree reads only seq and hash (their chain is not valid; this file
  // tests the tree alone, and the journal's own verification elsewhere).
  const { rows } = (await knex.raw("SELECT coalesce(max(seq), 0) AS head FROM journal_entries WHERE chain = 'main'")) as { rows: Array<{ head: string }> };
  const head = Number(rows[0]!.head);
  for (let from = head + 1; from <= TOTAL; from += 20_000) {
    const to = Math.min(TOTAL, from + 19_999);
    await knex.raw(
      `INSERT INTO journal_entries (chain, seq, at, actor, action, subject, payload, prev_hash, hash)
       SELECT 'main', g, now(), 'test', 'test.bulk', 'bulk:' || g, '{}', '', encode(sha256(('leaf ' || g)::bytea), 'hex')
         FROM generate_series(?::bigint, ?::bigint) AS g`,
      [from, to],
    );
  }
  const hashes = (await knex('journal_entries').where({ chain: 'main' }).orderBy('seq').select('hash')) as Array<{ hash: string }>;
  const range = new CompactRange();
  roots.push(range.root());
  for (const h of hashes) {
    const leaf = leafHashOfEntry(h.hash);
    leaves.push(leaf);
    range.append(leaf);
    roots.push(range.root());
  }
}, 120_000);
afterAll(async () => {
  await ctx?.dispose();
});

describe('the tree built in batches', () => {
  it('gives the RFC 9162 root after every batch, whatever the batch sizes, across three tile levels', async () => {
    expect(leaves.length).toBe(TOTAL);
    for (const batch of [1, 1, 254, 1, 255, 256, 257, 1000, 3]) {
      const r = await extendTree(knex, batch);
      expect(r.added).toBe(batch);
      expect(r.root.equals(roots[r.size]!), `size ${r.size}`).toBe(true);
    }
    // The worker's way: a bounded number of batches per round.
    const round = await buildTree(knex, { batch: 1000, maxBatches: 3 });
    expect(round.added).toBe(3000);
    expect(round.root.equals(roots[round.size]!)).toBe(true);
    const built = await buildTree(knex, { batch: 9_999 });
    expect(built.size).toBe(TOTAL);
    expect(built.root.equals(roots[TOTAL]!)).toBe(true);
    expect((await treeState(knex)).size).toBe(TOTAL);
    // Nothing more to add: the tree is at the head.
    expect((await extendTree(knex)).added).toBe(0);
    // The tiles: full level-0 tiles of 8 KB, and levels 1 and 2.
    const levels = (await knex('journal_tree_tiles').select('level').count('* as n').groupBy('level').orderBy('level')) as Array<{ level: number; n: string }>;
    expect(levels.map((l) => [Number(l.level), Number(l.n)])).toEqual([
      [0, Math.ceil(TOTAL / 256)],
      [1, Math.ceil(Math.floor(TOTAL / 256) / 256)],
      [2, 1],
    ]);
  }, 120_000);

  it('answers the root of any earlier size from the tiles', async () => {
    for (const size of [1, 2, 3, 255, 256, 257, 65_535, 65_536, 65_537, TOTAL]) {
      expect((await rootAt(knex, size)).equals(roots[size]!), `size ${size}`).toBe(true);
    }
  });

  it('inclusion proofs from the tiles verify, across tile boundaries and levels', async () => {
    const cases: Array<[number, number]> = [[0, 1], [0, TOTAL], [255, 256], [256, 257], [65_535, 65_536], [65_536, TOTAL], [TOTAL - 1, TOTAL], [12_345, 40_000], [40_000, 65_600]];
    for (const [index, size] of cases) {
      const p = await proveInclusion(knex, index, size);
      expect(p.leaf.equals(leaves[index]!)).toBe(true);
      expect(p.root.equals(roots[size]!)).toBe(true);
      expect(verifyInclusion(index, size, leaves[index]!, p.proof, roots[size]!), `${index} in ${size}`).toBe(true);
      expect(p.proof.length).toBeLessThanOrEqual(Math.ceil(Math.log2(size)));
    }
  });

  it('consistency proofs from the tiles verify', async () => {
    const cases: Array<[number, number]> = [[1, TOTAL], [7, 8], [255, 257], [256, 65_536], [65_535, 65_537], [1000, TOTAL], [TOTAL, TOTAL]];
    for (const [from, to] of cases) {
      const p = await proveConsistency(knex, from, to);
      expect(verifyConsistency(from, to, roots[from]!, roots[to]!, p.proof), `${from}→${to}`).toBe(true);
      if (from < to) expect(verifyConsistency(from, to, roots[from + 1]!, roots[to]!, p.proof)).toBe(false);
    }
  });

  it('a proof needs O(log n) tiles, read in one query', async () => {
    const queries: string[] = [];
    const onQuery = (q: { sql: string }) => queries.push(q.sql);
    knex.on('query', onQuery);
    try {
      await proveInclusion(knex, 31_337, TOTAL);
      await proveConsistency(knex, 31_337, TOTAL);
    } finally {
      knex.off('query', onQuery);
    }
    expect(queries.filter((q) => q.includes('journal_tree_tiles'))).toHaveLength(2);
  });

  it('never builds past a gap in the journal, and a rebuilt tree is the same tree', async () => {
    const extra = TOTAL + 1;
    await knex('journal_entries').insert({ chain: 'main', seq: extra + 1, at: new Date(), actor: 'test', action: 'test.gap', subject: 'gap', payload: '{}', prev_hash: '', hash: 'ab'.repeat(32) });
    expect((await extendTree(knex)).added).toBe(0);
    // As a superuser would (the append-only triggers bypassed): the stray entry goes again.
    await knex.transaction(async (trx) => {
      await trx.raw('SET LOCAL session_replication_role = replica');
      await trx('journal_entries').where({ chain: 'main', seq: extra + 1 }).delete();
    });
    await resetTree(knex);
    expect((await treeState(knex)).size).toBe(0);
    const again = await buildTree(knex, { batch: 20_000 });
    expect(again.root.equals(roots[TOTAL]!)).toBe(true);
  }, 120_000);
});

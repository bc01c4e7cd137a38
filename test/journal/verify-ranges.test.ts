// Verifying the journal range by range (issue 19, "verifying the whole journal at ≥ 200,000
// entries/s"): the entries are checked in ranges — on PostgreSQL on threads with connections of
// their own — and the answers joined in order. Whatever the tampering, and wherever it falls
// against the ranges' boundaries (the first entry of a range, a whole range missing), the answer
// must be the one a single walk gives: the same first problem, the same entry, the same words.
// Ranges of 16 entries here, so a journal of 100 entries crosses six boundaries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { appendJournal, entryHash, rowToEntry, type JournalRow } from '../../server/journal/journal.js';
import { verifyJournal, type VerifyOptions, type VerifyResult } from '../../server/journal/verify.js';
import { isoOfUtcText } from '../../server/journal/verify-range.js';
import { createCheckpoint } from '../../server/journal/checkpoints.js';
import { buildTree } from '../../server/journal/tree.js';
import { originFor, signTlogCheckpoint } from '../../server/journal/tlog-checkpoints.js';
import { siteOf } from '../../server/system/site.js';
import { openTestContext, usingPostgres, type TestContext } from '../helpers/db.js';

let ctx: TestContext;
let knex: Knex;

beforeAll(async () => {
  ctx = await openTestContext();
  knex = ctx.db.knex;
  for (let i = 1; i <= 100; i++) {
    await knex.transaction((trx) =>
      appendJournal(trx, {
        actor: i === 7 ? 'cli:tab\there' : 'test',
        action: 'test.event',
        // COPY's text format escapes tabs, line breaks and backslashes: they must come back as they were.
        subject: i % 10 === 3 ? `thing:${i}\twith\\slash\nand break` : `thing:${i}`,
        payload: { i, name: `項目${i}`, note: i % 5 === 0 ? 'a "quote", a \\ and a\nbreak\tand tab' : null, nested: { b: 2, a: 1 }, '10': 'integer-like key' },
      }),
    );
  }
  const head = Number(((await knex('journal_entries').where({ chain: 'main' }).max('seq as m').first()) as { m: string }).m);
  expect(head).toBeGreaterThanOrEqual(100);
}, 120_000);

afterAll(async () => {
  await ctx?.dispose();
});

/** Runs SQL with the append-only triggers bypassed, as a superuser attacker would, and puts everything back afterwards. */
async function tampered(change: (trx: Knex.Transaction) => Promise<void>, check: () => Promise<void>) {
  const before = (await knex('journal_entries').orderBy(['chain', 'seq'])) as JournalRow[];
  await knex.transaction(async (trx) => {
    await trx.raw('SET LOCAL session_replication_role = replica');
    await change(trx);
  });
  try {
    await check();
  } finally {
    await knex.transaction(async (trx) => {
      await trx.raw('SET LOCAL session_replication_role = replica');
      await trx('journal_entries').delete();
      for (let i = 0; i < before.length; i += 500) await trx('journal_entries').insert(before.slice(i, i + 500));
    });
  }
}

async function rehashFrom(trx: Knex.Transaction, seq: number, newPayload?: string) {
  const rows = ((await trx('journal_entries').where({ chain: 'main' }).andWhere('seq', '>=', seq).orderBy('seq')) as JournalRow[]).map(rowToEntry);
  let prevHash = ((await trx('journal_entries').where({ chain: 'main', seq: seq - 1 }).first('hash')) as { hash: string }).hash;
  for (const e of rows) {
    const payload = e.seq === seq && newPayload ? newPayload : e.payload;
    const hash = entryHash({ ...e, payload, prevHash });
    await trx('journal_entries').where({ chain: 'main', seq: e.seq }).update({ payload, prev_hash: prevHash, hash });
    prevHash = hash;
  }
}

/** The journal verified in one range, in ranges of 16 here, and (PostgreSQL) in ranges of 16 on two threads: one answer. */
async function verifiedEveryWay(): Promise<VerifyResult> {
  const whole = await verifyJournal(knex, ctx.secrets.signing);
  const ranges: VerifyOptions = { rangeSize: 16 };
  expect(await verifyJournal(knex, ctx.secrets.signing, ranges)).toEqual(whole);
  if (usingPostgres) {
    const threaded = await verifyJournal(knex, ctx.secrets.signing, { ...ranges, threads: { connectionString: ctx.config.databaseUrl!, count: 2, minEntries: 0 } });
    expect(threaded).toEqual(whole);
  }
  return whole;
}

const firstBad = (r: VerifyResult) => (r.ok ? null : { seq: r.firstBadEntry.seq, reason: r.firstBadEntry.reason, message: r.firstBadEntry.message });

describe('the time of an entry as COPY sends it (the threads read at::text, not to_char)', () => {
  it('becomes exactly the ISO form to_char gives, for every kind of fraction; any other form is refused', async () => {
    const times = ['2026-12-06 07:52:00+00', '2026-12-06 07:52:00.1+00', '2026-12-06 07:52:00.12+00', '2026-12-06 07:52:00.123+00', '2026-12-06 07:52:00.1234+00', '2026-12-06 23:59:59.999999+00', '1999-01-01 00:00:00.5+09', '0001-01-01 00:00:00+00', '2024-02-29 12:00:00.007-05:30'];
    const rows = await knex.transaction(async (trx) => {
      await trx.raw("SET LOCAL TimeZone = 'UTC'");
      await trx.raw("SET LOCAL DateStyle = 'ISO, YMD'");
      const { rows } = (await trx.raw(
        `SELECT t::timestamptz::text AS text, to_char(t::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS iso FROM unnest(?::text[]) AS t`,
        [times],
      )) as { rows: Array<{ text: string; iso: string }> };
      return rows;
    });
    expect(rows).toHaveLength(times.length);
    for (const r of rows) expect(isoOfUtcText(r.text), r.text).toBe(r.iso);
    for (const bad of ['2026-12-06T07:52:00Z', '2026-12-06 07:52:00+09', '2026-12-06 07:52:00.1234567+00', '12026-12-06 07:52:00+00', '2026-12-06 07:52:00,5+00', '']) expect(isoOfUtcText(bad), bad).toBeNull();
  });
});

describe('the journal verified in ranges (and on threads on PostgreSQL) gives the single walk\'s answer', () => {
  it('an intact journal, with tabs, line breaks, backslashes and integer-like keys in its entries', async () => {
    const r = await verifiedEveryWay();
    expect(r.ok).toBe(true);
    expect(r.ok && r.entries).toBeGreaterThanOrEqual(100);
  });

  it('a deleted entry in the middle of a range, at the start of one, and a whole range gone', async () => {
    await tampered(
      (trx) => trx('journal_entries').where({ chain: 'main', seq: 40 }).delete(),
      async () => expect(firstBad(await verifiedEveryWay())).toEqual({ seq: 40, reason: 'missing_entry', message: 'Entry 40 is missing (the next entry found is 41).' }),
    );
    await tampered(
      (trx) => trx('journal_entries').where({ chain: 'main', seq: 33 }).delete(),
      async () => expect(firstBad(await verifiedEveryWay())).toEqual({ seq: 33, reason: 'missing_entry', message: 'Entry 33 is missing (the next entry found is 34).' }),
    );
    await tampered(
      (trx) => trx('journal_entries').where({ chain: 'main' }).andWhereBetween('seq', [17, 48]).delete(),
      async () => expect(firstBad(await verifiedEveryWay())).toEqual({ seq: 17, reason: 'missing_entry', message: 'Entry 17 is missing (the next entry found is 49).' }),
    );
  });

  it('a payload rewritten out of canonical form, a changed payload, a broken link — at a range\'s first entry and inside one', async () => {
    await tampered(
      (trx) => trx('journal_entries').where({ chain: 'main', seq: 40 }).update({ payload: '{ "i": 40 }' }),
      async () => expect(firstBad(await verifiedEveryWay())?.reason).toBe('not_canonical'),
    );
    // At a range's first entry, a payload that is not JSON is named before its broken link.
    await tampered(
      (trx) => trx('journal_entries').where({ chain: 'main', seq: 49 }).update({ payload: 'not json', prev_hash: 'f'.repeat(64) }),
      async () => expect(firstBad(await verifiedEveryWay())).toEqual({ seq: 49, reason: 'not_canonical', message: 'Entry 49 has a payload that is not JSON.' }),
    );
    await tampered(
      (trx) => trx('journal_entries').where({ chain: 'main', seq: 49 }).update({ prev_hash: 'f'.repeat(64) }),
      async () => expect(firstBad(await verifiedEveryWay())).toEqual({ seq: 49, reason: 'broken_link', message: 'Entry 49 does not link to entry 48.' }),
    );
    await tampered(
      (trx) => trx('journal_entries').where({ chain: 'main', seq: 50 }).update({ payload: '{"i":51}' }),
      async () => expect(firstBad(await verifiedEveryWay())).toEqual({ seq: 50, reason: 'hash_mismatch', message: 'Entry 50 was changed after it was written.' }),
    );
  });

  it('a history rewritten and re-hashed is found by the signed checkpoints: the hash chain\'s and the tree\'s', async () => {
    // A signed hash-chain checkpoint at the head, the tree signed at 60.
    const origin = originFor((await siteOf(ctx)).id);
    const rows = (await knex('journal_entries').where({ chain: 'main' }).andWhere('seq', '<=', 60).orderBy('seq').select('seq')) as unknown[];
    expect(rows).toHaveLength(60);
    await knex.transaction(async (trx) => {
      await trx.raw('SET LOCAL session_replication_role = replica');
      // Only 60 entries in the tree: the later ones are moved aside while it is built and signed.
      await trx.raw('CREATE TEMP TABLE later ON COMMIT DROP AS SELECT * FROM journal_entries WHERE chain = ? AND seq > 60', ['main']);
      await trx('journal_entries').where({ chain: 'main' }).andWhere('seq', '>', 60).delete();
      await buildTree(trx);
      expect(await signTlogCheckpoint(trx, ctx.secrets.signing, origin)).not.toBeNull();
      await trx.raw('INSERT INTO journal_entries SELECT * FROM later');
    });
    await buildTree(knex);
    expect(await createCheckpoint(knex, ctx.secrets.signing)).not.toBeNull();
    expect((await verifiedEveryWay()).ok).toBe(true);

    await tampered(
      (trx) => rehashFrom(trx, 55, '{"rewritten":true}'),
      async () => expect(firstBad(await verifiedEveryWay())).toEqual({ seq: 60, reason: 'tree_mismatch', message: 'The signed tree checkpoint of 60 entries names another root for the journal up to entry 60: the journal up to it was rewritten.' }),
    );
    await tampered(
      (trx) => rehashFrom(trx, 80, '{"rewritten":true}'),
      async () => {
        const bad = firstBad(await verifiedEveryWay());
        // Both heads are at the journal's head: the entry's own check (the hash chain's checkpoint) comes first.
        const head = Number(((await knex('journal_entries').where({ chain: 'main' }).max('seq as m').first()) as { m: string }).m);
        expect(bad?.seq).toBe(head);
        expect(['tree_mismatch', 'checkpoint_mismatch']).toContain(bad?.reason);
      },
    );
  });
});

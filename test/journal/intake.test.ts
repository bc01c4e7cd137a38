// The journal's intake (server/journal/intake.ts): events written in their own transaction, then
// chained in batches under the chain's lock, with their live-log notification sent when chained.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendJournal } from '../../server/journal/journal.js';
import { chainIntake, drainIntake, intakeRow, kickIntake } from '../../server/journal/intake.js';
import { verifyJournal } from '../../server/journal/verify.js';
import { openSibling, openTestContext, usingPostgres, type TestContext } from '../helpers/db.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await openTestContext({ scryptCost: 1024 });
});
afterAll(async () => {
  await ctx?.dispose();
});

const event = (i: number) => ({ actor: 'test', action: 'test.intake', subject: `thing:${i}`, payload: { i, 名前: `項目${i}` } });

describe('journal intake', () => {
  it('chains intake rows in order after the entries appended directly, and the chain verifies', async () => {
    await ctx.db.knex.transaction((trx) => appendJournal(trx, event(0)));
    for (let i = 1; i <= 5; i++) await ctx.db.knex('journal_intake').insert(intakeRow(event(i), new Date()));
    expect(await chainIntake(ctx.db.knex)).toBe(5);
    expect(await ctx.db.knex('journal_intake').count({ n: '*' })).toEqual([{ n: '0' }]);
    const rows = (await ctx.db.knex('journal_entries').where({ action: 'test.intake' }).orderBy('seq')) as Array<{ subject: string; seq: string }>;
    expect(rows.map((r) => r.subject)).toEqual([0, 1, 2, 3, 4, 5].map((i) => `thing:${i}`));
    const v = await verifyJournal(ctx.db.knex, ctx.secrets.signing);
    expect(v.ok).toBe(true);
  });

  it('a rolled-back transaction leaves nothing in the intake', async () => {
    await expect(
      ctx.db.knex.transaction(async (trx) => {
        await trx('journal_intake').insert(intakeRow(event(99), new Date()));
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(await ctx.db.knex('journal_intake').count({ n: '*' })).toEqual([{ n: '0' }]);
  });

  it('sends the live-log notification of each event when it is chained', async () => {
    const got: string[] = [];
    const unlisten = await ctx.db.listen('tachiai_test_intake', (p) => got.push(p));
    try {
      await ctx.db.knex('journal_intake').insert(intakeRow(event(10), new Date(), { channel: 'tachiai_test_intake', payload: '{"n":10}' }));
      await ctx.db.knex('journal_intake').insert(intakeRow(event(11), new Date(), { channel: 'tachiai_test_intake', payload: '{"n":11}' }));
      expect(got).toEqual([]);
      kickIntake(ctx);
      for (let i = 0; i < 100 && got.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
      expect(got).toEqual(['{"n":10}', '{"n":11}']);
    } finally {
      await unlisten();
    }
  });

  it.runIf(usingPostgres)('two servers chaining while others append directly: every event once, the chain intact', async () => {
    const other = await openSibling(ctx);
    try {
      const writers = Array.from({ length: 40 }, (_, i) =>
        (i % 3 === 0 ? ctx : other).db.knex.transaction(async (trx) => {
          if (i % 2 === 0) await appendJournal(trx, event(1000 + i));
          else await trx('journal_intake').insert(intakeRow(event(1000 + i), new Date()));
        }),
      );
      const chainers = Array.from({ length: 6 }, (_, i) => chainIntake((i % 2 ? ctx : other).db.knex));
      await Promise.all([...writers, ...chainers]);
      await drainIntake(other.db.knex);
      const subjects = (await ctx.db.knex('journal_entries').where('subject', 'like', 'thing:1%').whereIn('subject', Array.from({ length: 40 }, (_, i) => `thing:${1000 + i}`)).pluck('subject')) as string[];
      expect(subjects.sort()).toEqual(Array.from({ length: 40 }, (_, i) => `thing:${1000 + i}`).sort());
      expect((await verifyJournal(ctx.db.knex, ctx.secrets.signing)).ok).toBe(true);
    } finally {
      await other.db.close();
    }
  });

  it.runIf(usingPostgres)('closing a server\'s database chains what its chainer has left first', async () => {
    const mine = await openTestContext({ scryptCost: 1024 });
    await mine.db.knex('journal_intake').insert([intakeRow(event(500), new Date()), intakeRow(event(501), new Date())]);
    kickIntake(mine);
    await mine.db.close(); // runs the chainer's stop: it drains the intake before the pool goes
    const again = await openTestContext({}, mine.testDatabase);
    try {
      expect(await again.db.knex('journal_intake').count({ n: '*' })).toEqual([{ n: '0' }]);
      expect(await again.db.knex('journal_entries').whereIn('subject', ['thing:500', 'thing:501']).count({ n: '*' })).toEqual([{ n: '2' }]);
    } finally {
      await again.dispose();
      await mine.testDatabase.drop();
    }
  });
});

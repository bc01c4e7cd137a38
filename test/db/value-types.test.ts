// The same code gets the same value types from PostgreSQL and PGlite (../shared/pglite-notes.md).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestContext, type TestContext } from '../helpers/db.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await openTestContext();
  await ctx.db.knex.raw('CREATE TABLE value_types (id bigserial PRIMARY KEY, n numeric, d date, t timestamptz, tags text[])');
});
afterAll(async () => {
  await ctx?.dispose();
});

describe(`value types (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('counts and bigints are strings, numeric is a string, dates are YYYY-MM-DD, timestamps are Dates', async () => {
    await ctx.db.knex('value_types').insert({ n: '12.50', d: '2026-04-01', t: new Date('2026-11-23T00:15:00.123Z'), tags: ['a', '立会い'] });
    const { rows } = await ctx.db.knex.raw('SELECT count(*) AS c, 9007199254740993::bigint AS big FROM value_types');
    expect(rows[0]).toEqual({ c: '1', big: '9007199254740993' });
    const row = await ctx.db.knex('value_types').first();
    expect(row).toEqual({ id: '1', n: '12.50', d: '2026-04-01', t: new Date('2026-11-23T00:15:00.123Z'), tags: ['a', '立会い'] });
    const counted = (await ctx.db.knex('value_types').count('* as count')) as Array<{ count: unknown }>;
    expect(counted[0]?.count).toBe('1');
  });

  it('update and delete return the number of rows on both', async () => {
    await ctx.db.knex('value_types').insert([{ n: 1 }, { n: 2 }]);
    expect(await ctx.db.knex('value_types').where('n', '<', 100).update({ d: '2026-01-01' })).toBe(3);
    expect(await ctx.db.knex('value_types').where('n', 2).delete()).toBe(1);
  });

  it('sessions run in UTC', async () => {
    const { rows } = await ctx.db.knex.raw("SELECT current_setting('TimeZone') AS tz");
    expect(rows[0].tz).toBe('UTC');
  });
});

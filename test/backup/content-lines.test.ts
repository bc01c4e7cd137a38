// A backup's content lines are built by the database (server/backup/backup.ts tableLineBatches;
// issue 17, item 5): every row's line must be byte for byte what JSON.stringify writes of the
// row's text values — the same escapes for quotes, backslashes and control characters, non-ASCII
// and astral characters as they are, NULL as null — in key order, batch after batch (the key to
// go on after is read back from the last line), with composite keys, on both databases.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableInfo } from '../../server/backup/catalog.js';
import { tableLineBatches } from '../../server/backup/backup.js';
import { openTestContext, type TestContext } from '../helpers/db.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await openTestContext();
  await ctx.db.knex.raw(`CREATE TABLE awkward (id uuid PRIMARY KEY, t text, j jsonb, at timestamptz, n numeric, tags text[], b bytea, ok boolean)`);
  await ctx.db.knex.raw(`CREATE TABLE pairs (a int, b text, v text, PRIMARY KEY (a, b))`);
  await ctx.db.knex.raw(`CREATE TABLE keyless (v text)`);
  await ctx.db.knex.raw(`CREATE TABLE tricky_keys (k text, at timestamptz, v text, PRIMARY KEY (k, at))`);
});
afterAll(async () => {
  await ctx?.dispose();
});

const control = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join('').replace('\0', '');
const texts = [`quote " and 'single'`, 'back\\slash \\n not a newline', `tab\tnew\nline\rcr`, control, '立会い 廃棄証明書', 'astral 𠮷 😀', '\u2028\u2029\u007f', '', ' '];

/** The lines as the old writer wrote them: JSON.stringify of each row's text values, from a plain query. */
async function expectedLines(table: TableInfo): Promise<string[]> {
  const select = table.columns.map((c) => `source."${c.name}"::text AS "${c.name}"`).join(', ');
  // Ordered by the columns themselves (qualified: the output's text aliases would order as text).
  const order = table.primaryKey.map((k) => `source."${k}"`).join(', ') || '1';
  const { rows } = (await ctx.db.knex.raw(`SELECT ${select} FROM "${table.name}" AS source ORDER BY ${order}`)) as { rows: Array<Record<string, string | null>> };
  return rows.map((row) => JSON.stringify({ table: table.name, values: table.columns.map((c) => row[c.name] ?? null) }));
}

async function linesOf(table: TableInfo): Promise<{ lines: string[]; batches: number }> {
  return ctx.db.knex.transaction(async (trx) => {
    await trx.raw("SET LOCAL TimeZone = 'UTC'");
    let text = '';
    let batches = 0;
    let rows = 0;
    for await (const batch of tableLineBatches(trx, table, ctx.db.kind)) {
      const batchText = batch.bytes.toString('utf8');
      expect(batchText.endsWith('\n')).toBe(true);
      expect(batchText.split('\n').length - 1).toBe(batch.rows);
      text += batchText;
      rows += batch.rows;
      batches++;
    }
    const lines = text.split('\n').slice(0, -1);
    expect(lines.length).toBe(rows);
    return { lines, batches };
  });
}

describe(`backup content lines built by the database (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('are exactly JSON.stringify of the text values, for every awkward value and type', async () => {
    let i = 0;
    for (const t of texts) {
      await ctx.db.knex('awkward').insert({
        id: `00000000-0000-4000-8000-${String(++i).padStart(12, '0')}`,
        t,
        j: JSON.stringify({ t, n: 1.5, list: [t, null] }),
        at: new Date(Date.UTC(2026, 11, 6, 7, 52, 0, 123)),
        n: '12.50',
        tags: [t, 'x,y', '{braces}', 'null'],
        b: Buffer.from(t, 'utf8'),
        ok: i % 2 === 0,
      });
    }
    await ctx.db.knex('awkward').insert({ id: '00000000-0000-4000-8000-ffffffffffff', t: null, j: null, at: null, n: null, tags: null, b: null, ok: null });
    const table: TableInfo = {
      name: 'awkward',
      primaryKey: ['id'],
      columns: ['id', 't', 'j', 'at', 'n', 'tags', 'b', 'ok'].map((name, k) => ({ name, type: ['uuid', 'text', 'jsonb', 'timestamp with time zone', 'numeric', 'text[]', 'bytea', 'boolean'][k]!, identity: '' as const })),
    };
    const { lines } = await linesOf(table);
    expect(lines).toEqual(await expectedLines(table));
    expect(lines.at(-1)).toBe('{"table":"awkward","values":["00000000-0000-4000-8000-ffffffffffff",null,null,null,null,null,null,null]}');
  });

  it('go on after the last key, batch after batch, in key order (composite keys, text and integer order differ)', async () => {
    // 25,000 rows: several batches; integer keys whose text order is not their order.
    await ctx.db.knex.raw(`INSERT INTO pairs (a, b, v) SELECT g % 97, 'k' || (g % 13) || '''"\\', 'v' || g FROM generate_series(1, 25000) AS g ON CONFLICT DO NOTHING`);
    const table: TableInfo = { name: 'pairs', primaryKey: ['a', 'b'], columns: [{ name: 'a', type: 'integer', identity: '' }, { name: 'b', type: 'text', identity: '' }, { name: 'v', type: 'text', identity: '' }] };
    const { n } = (await ctx.db.knex('pairs').count('* as n').first()) as { n: string };
    await ctx.db.knex.raw(`INSERT INTO pairs (a, b, v) SELECT 1000 + g, 'b', 'v' FROM generate_series(1, 25000 - ${Number(n)}) AS g`);
    const { lines, batches } = await linesOf(table);
    expect(lines.length).toBe(25000);
    expect(batches).toBeGreaterThan(2);
    expect(lines).toEqual(await expectedLines(table));
  });

  it('keys that look like SQL or placeholders go on exactly (the key after is a bound setting, never spliced)', async () => {
    // Text keys a hostile value could hold — quotes, backslashes, placeholders, a newline, non-ASCII
    // — across several batches, with a timestamp as the key's second column.
    const awkwardKeys = ["'; DROP TABLE pairs; --", '?', '$1', '\\', "\\'", 'a\nb', '立会い', '𠮷', '%', "E'\\n'"];
    await ctx.db.knex.raw(
      `INSERT INTO tricky_keys (k, at, v) SELECT k.k || (g % 7), timestamptz '2026-12-06 00:00:00.123456+00' + g * interval '1 second', 'v' || g FROM unnest(?::text[]) AS k(k), generate_series(1, 700) AS g`,
      [awkwardKeys],
    );
    const table: TableInfo = { name: 'tricky_keys', primaryKey: ['k', 'at'], columns: [{ name: 'k', type: 'text', identity: '' }, { name: 'at', type: 'timestamp with time zone', identity: '' }, { name: 'v', type: 'text', identity: '' }] };
    const { lines, batches } = await linesOf(table);
    expect(lines.length).toBe(7000);
    expect(batches).toBeGreaterThan(2);
    expect(lines).toEqual(await expectedLines(table));
  });

  it('a table without a key: every row, its lines written here the same way', async () => {
    await ctx.db.knex('keyless').insert([{ v: 'b "x"' }, { v: null }, { v: 'a\tb' }]);
    const table: TableInfo = { name: 'keyless', primaryKey: [], columns: [{ name: 'v', type: 'text', identity: '' }] };
    const { lines } = await linesOf(table);
    expect([...lines].sort()).toEqual([...(await expectedLines(table))].sort());
  });
});

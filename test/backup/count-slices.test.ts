// The row counts of the `backup.created` record are counted a slice of the primary key at a time
// (server/backup/backup.ts countRowsInSlices; issue 17, item 5: on the embedded database's one
// connection a single count(*) of the entries held the guard's scans for 0.4 s). Every slicing
// gives the count(*) of the table: keys whose text order is not their order, composite keys with
// hostile text, a count that is a whole number of slices, an empty table, a table without a key;
// and the event loop gets a turn between the slices. Also which tables hold rows (a restore goes
// only into an empty database): a table's files are looked at first, its rows only when they are
// not empty.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nonEmptyTables, ownedSequences, readTables, type TableInfo } from '../../server/backup/catalog.js';
import { countRowsInSlices } from '../../server/backup/backup.js';
import { openTestContext, type TestContext } from '../helpers/db.js';

let ctx: TestContext;
let tables: Map<string, TableInfo>;
beforeAll(async () => {
  ctx = await openTestContext();
  const knex = ctx.db.knex;
  // 1..25: as text, "10" sorts before "9" — a slice's last key must be taken in the key's own order.
  await knex.raw('CREATE TABLE numbered (id bigint PRIMARY KEY, v text)');
  await knex.raw("INSERT INTO numbered SELECT g, 'v' || g FROM generate_series(1, 25) AS g");
  // A key column named like the output columns the counting selects (k0): ordered by the column.
  await knex.raw('CREATE TABLE named_like_output (k0 int PRIMARY KEY)');
  await knex.raw('INSERT INTO named_like_output SELECT g FROM generate_series(1, 23) AS g');
  await knex.raw('CREATE TABLE pairs (k text, at timestamptz, PRIMARY KEY (k, at))');
  const hostile = [`'; DROP TABLE pairs; --`, '?', '$1', 'back\\slash', 'new\nline', '𠮷', ''];
  let i = 0;
  for (const k of hostile) {
    for (let j = 0; j < 3; j++) await knex('pairs').insert({ k, at: new Date(Date.UTC(2026, 11, 6, 9, 0, 0, ++i)) });
  }
  await knex.raw('CREATE TABLE empty_one (id int PRIMARY KEY)');
  await knex.raw('CREATE TABLE keyless (v text)');
  await knex.raw("INSERT INTO keyless SELECT 'x' FROM generate_series(1, 7)");
  // Files not empty, rows gone: not a table that holds rows.
  await knex.raw('CREATE TABLE emptied (id int PRIMARY KEY)');
  await knex.raw('INSERT INTO emptied SELECT g FROM generate_series(1, 100) AS g');
  await knex.raw('DELETE FROM emptied');
  // A partitioned table has no files of its own: its rows are in its partitions.
  await knex.raw('CREATE TABLE parted (id int, at date) PARTITION BY RANGE (at)');
  await knex.raw("CREATE TABLE parted_2026 PARTITION OF parted FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')");
  await knex.raw("INSERT INTO parted VALUES (1, '2026-12-06')");
  await knex.raw('CREATE TABLE parted_empty (id int, at date) PARTITION BY RANGE (at)');
  // Sequences: serial, identity, one owned by a column explicitly, one that belongs to no column.
  await knex.raw('CREATE TABLE "Numbered Too" (id serial PRIMARY KEY, "Other" bigint GENERATED ALWAYS AS IDENTITY, n bigint)');
  await knex.raw('CREATE SEQUENCE "Owned Seq" OWNED BY "Numbered Too".n');
  await knex.raw('CREATE SEQUENCE free_standing');
  tables = new Map((await readTables(knex)).map((t) => [t.name, t]));
});
afterAll(async () => {
  await ctx?.dispose();
});

async function countAll(name: string): Promise<number> {
  const { rows } = (await ctx.db.knex.raw(`SELECT count(*)::int AS n FROM "${name}"`)) as { rows: Array<{ n: number }> };
  return rows[0]!.n;
}

describe(`backup row counts in slices, and the tables that hold rows (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('give count(*) for every slice size, whatever the keys', async () => {
    for (const name of ['numbered', 'named_like_output', 'pairs', 'empty_one', 'keyless']) {
      const expected = await countAll(name);
      for (const slice of [1, 2, 3, 4, 5, 7, 21, 25, 1000]) {
        expect({ name, slice, n: await countRowsInSlices(ctx.db.knex, tables.get(name)!, slice) }).toEqual({ name, slice, n: expected });
      }
    }
    expect(await countAll('numbered')).toBe(25);
    expect(await countAll('pairs')).toBe(21);
  });

  it('give the event loop a turn between slices, so that the scans waiting meanwhile are read', async () => {
    // The embedded database answers within the turn that asked (synchronous WebAssembly): without
    // a turn given back, work waiting for the event loop runs only once the whole count is done.
    const reports: number[] = [];
    let ranAfterReports: number | null = null;
    const total = await countRowsInSlices(ctx.db.knex, tables.get('numbered')!, 5, (counted) => {
      reports.push(counted);
      if (reports.length === 1) setImmediate(() => (ranAfterReports = reports.length));
    });
    expect(total).toBe(25);
    expect(reports).toEqual([5, 10, 15, 20, 25, 25]);
    expect(ranAfterReports).toBe(1);
  });

  it('tell which tables hold rows, looking into a table only when its files are not empty', async () => {
    const ours = new Set(['numbered', 'named_like_output', 'pairs', 'empty_one', 'keyless', 'emptied', 'parted', 'parted_2026', 'parted_empty']);
    expect((await nonEmptyTables(ctx.db.knex)).filter((name) => ours.has(name))).toEqual(['keyless', 'named_like_output', 'numbered', 'pairs', 'parted']);
  });

  it('name the sequences that belong to columns exactly as pg_get_serial_sequence does, in one query', async () => {
    const expected: Array<{ table: string; column: string; sequence: string }> = [];
    for (const table of tables.values()) {
      for (const column of table.columns) {
        const { rows } = (await ctx.db.knex.raw('SELECT pg_get_serial_sequence(?, ?) AS seq', [`"${table.name.replaceAll('"', '""')}"`, column.name])) as { rows: Array<{ seq: string | null }> };
        if (rows[0]!.seq) expected.push({ table: table.name, column: column.name, sequence: rows[0]!.seq });
      }
    }
    const sort = (list: typeof expected) => [...list].sort((a, b) => `${a.table}.${a.column}`.localeCompare(`${b.table}.${b.column}`));
    const found = await ownedSequences(ctx.db.knex);
    expect(sort(found.filter((o) => tables.has(o.table)))).toEqual(sort(expected));
    expect(found.filter((o) => o.table === 'Numbered Too').map((o) => o.column).sort()).toEqual(['Other', 'id', 'n']);
    expect(found.some((o) => o.sequence.includes('free_standing'))).toBe(false);
  });

  it('refuses a slice that is not a positive whole number', async () => {
    for (const slice of [0, -1, 1.5, Number.NaN]) await expect(countRowsInSlices(ctx.db.knex, tables.get('numbered')!, slice)).rejects.toThrow(RangeError);
  });
});

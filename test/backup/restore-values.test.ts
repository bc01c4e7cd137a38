// Every restore loads its rows with COPY, encoded on the reader's thread (server/backup/
// restore-reader.ts; issue 17, item 5): binary where every column's type and value allow, text
// for a batch that holds a value binary is not written for (a timestamp 'infinity'). Into
// PostgreSQL (COPY FROM STDIN on the restore's transaction) as into the embedded database, every
// value comes back exactly — tabs, newlines, backslashes, quotes, arrays with awkward elements,
// non-ASCII and astral characters, NULLs. Into a new embedded directory, a table whose rows come
// in large batches is emptied in the restore's transaction first (its rows then skip the WAL),
// the journal's append-only table included; the tables with few rows are left as they are.
import { afterAll, describe, expect, it } from 'vitest';
import { openContext } from '../../server/runtime.js';
import { restoreBackup } from '../../server/backup/backup.js';
import { appendJournal } from '../../server/journal/journal.js';
import { createDatabase } from '../../db/connection.js';
import { createOrg, createPerson } from '../../server/people/service.js';
import { backupSites } from '../helpers/backup-site.js';
import { usingPostgres } from '../helpers/db.js';

const { tempDir, configOf, backedUpSite, targetFor, cleanUp } = backupSites('values');
afterAll(cleanUp);

const AWKWARD = ['tab\there', 'new\nline\r\n', 'back\\slash \\N \\t', `quote " and 'single'`, '立会い 𠮷 😀', '\\', ''];

/** The rows of the tables this test touches, every column as text, in key order. */
async function snapshot(config: ReturnType<typeof configOf>): Promise<unknown> {
  const ctx = await openContext(config, { migrate: false });
  try {
    const read = async (table: string) => ((await ctx.db.knex.raw(`SELECT t.id::text AS id, row_to_json(t)::text AS row FROM ${table} AS t ORDER BY t.id`)) as { rows: unknown[] }).rows;
    return { organisations: await read('organisations'), people: await read('people') };
  } finally {
    await ctx.db.close();
  }
}

describe(`restore by COPY (${usingPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('gives back every value exactly, from binary batches and from a batch that had to go as text', async () => {
    const { source, file } = await backedUpSite('source', async (ctx, trx) => {
      const org = await createOrg(trx, { name: '株式会社値検査', kind: 'contractor' }, 'test');
      for (const [i, text] of AWKWARD.entries()) {
        const person = await createPerson(ctx, trx, { name: `値 検査 ${i}`, orgId: org.id, roles: ['staff'] }, 'test');
        // Values no form of the service would write, straight into the row: the restore must not care.
        await trx('people').where({ id: person.id }).update({ left_reason: text, email: null, phone: text === '' ? '' : null, roles: trx.raw('?::text[]', [[text, 'NULL', 'a,b', '{x}']]) });
      }
      // A value COPY's binary form is not written for: this table's batch goes as text.
      await trx.raw("UPDATE people SET left_at = 'infinity' WHERE name = '値 検査 0'");
    });
    const sourceConfig = configOf(source);
    const target = await targetFor(source, 'target');
    const restored = await restoreBackup(configOf(target), file);
    expect(restored.counts.people).toBe(AWKWARD.length);
    const [before, after] = [await snapshot(sourceConfig), await snapshot(configOf(target))];
    expect(after).toEqual(before);
    expect(JSON.stringify(after)).toContain('infinity');
  }, 180_000);

  it.skipIf(usingPostgres)('into a new embedded directory: large tables emptied in its transaction first (new files), the journal too; small ones left', async () => {
    const { source, file } = await backedUpSite('large', async (ctx, trx) => {
      const org = await createOrg(trx, { name: '株式会社大量', kind: 'contractor' }, 'test');
      for (let i = 0; i < 3; i++) await createPerson(ctx, trx, { name: `少数 ${i}`, orgId: org.id, roles: ['staff'] }, 'test');
      for (let i = 0; i < 1100; i++) await appendJournal(trx, { actor: 'test', action: 'test.filler', subject: `filler:${i}`, payload: { i } });
      await trx.raw("INSERT INTO access_log (at, method, path, status, duration_ms) SELECT now(), 'GET', '/api/x/' || g, 200, 1 FROM generate_series(1, 1500) AS g");
    });
    const target = await targetFor(source, 'large-target');
    const restored = await restoreBackup(configOf(target), file);
    expect(restored.counts.journal_entries).toBeGreaterThan(1100);
    expect(restored.counts.access_log).toBeGreaterThanOrEqual(1500);
    expect(restored.verify.ok).toBe(true);
    // The sequences go on after the restored ids.
    const restoredSite = await openContext(configOf(target), { migrate: false });
    try {
      const { rows } = (await restoredSite.db.knex.raw("INSERT INTO access_log (at, method, path, status, duration_ms) VALUES (now(), 'GET', '/api/after', 200, 1) RETURNING id::bigint AS id, (SELECT max(id) FROM access_log)::bigint AS before")) as { rows: Array<{ id: string; before: string }> };
      expect(BigInt(rows[0]!.id)).toBeGreaterThan(BigInt(rows[0]!.before));
    } finally {
      await restoredSite.db.close();
    }
    // A table emptied by TRUNCATE has new files: its relfilenode is no longer that of a new database.
    const filesOf = async (dataDir: string) => {
      const db = await createDatabase({ embeddedDir: dataDir, embeddedStartMigrated: true });
      try {
        const { rows } = (await db.knex.raw("SELECT c.relname, c.relfilenode::text AS f FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'")) as { rows: Array<{ relname: string; f: string }> };
        return Object.fromEntries(rows.map((r) => [r.relname, r.f]));
      } finally {
        await db.close();
      }
    };
    const [fresh, after] = [await filesOf(tempDir('fresh')), await filesOf(target.dataDir)];
    const small = Object.keys(restored.counts).filter((t) => restored.counts[t]! > 0 && restored.counts[t]! < 1000);
    expect(small.length).toBeGreaterThan(2);
    const changed = (tables: string[]) => tables.filter((t) => after[t] !== fresh[t]);
    expect(changed(['journal_entries', 'access_log'])).toEqual(['journal_entries', 'access_log']);
    expect(changed(small)).toEqual([]);
  }, 180_000);
});

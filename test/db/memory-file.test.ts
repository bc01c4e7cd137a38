// The embedded database's in-memory files (db/connection.ts withMemoryFile; issue 17, item 5: a
// restore's batches go into COPY from memory instead of PGlite's '/dev/blob', which copies byte by
// byte): COPY reads the bytes given, nothing is written to the disk, and the file is gone after,
// also when the work with it fails.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../db/connection.js';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tachiai-memory-file-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** Every file under a directory with its size. */
const filesOf = (dir: string) =>
  Object.fromEntries(
    fs
      .readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => [path.relative(dir, path.join(e.parentPath, e.name)), fs.statSync(path.join(e.parentPath, e.name)).size]),
  );

describe.skipIf(Boolean(process.env.DATABASE_URL))('files in the embedded database\'s memory', () => {
  it('COPY reads exactly the bytes given, none reach the disk, and the file is removed after, also after a failure', async () => {
    const dir = path.join(scratch, 'site');
    const db: Database = await createDatabase({ embeddedDir: dir });
    try {
      await db.knex.raw('CREATE TABLE t (a text, b text)');
      await db.knex.raw('CHECKPOINT');
      const text = Buffer.from("立会い\t'quoted' \\\\ back\\tslash\nsecond\t\\N\n");
      const before = filesOf(dir);
      let seen = '';
      await db.withMemoryFile!(text, async (file) => {
        seen = file;
        // Not a file of the host, nor of the data directory.
        expect(fs.existsSync(file)).toBe(false);
        await db.knex.raw(`COPY t FROM '${file}'`);
      });
      expect((await db.knex.raw('SELECT a, b FROM t ORDER BY a DESC')).rows).toEqual([
        { a: "立会い", b: "'quoted' \\ back\tslash" },
        { a: 'second', b: null },
      ]);
      // Gone: COPY can no longer open it.
      await expect(db.knex.raw(`COPY t FROM '${seen}'`)).rejects.toThrow(/could not open file/);
      // Nothing of it under the data directory (only the table's own files may have changed).
      const after = filesOf(dir);
      expect(Object.keys(after).filter((f) => !(f in before) && !/^pgdata\/(base|global|pg_wal|pg_xact|pg_multixact|pg_subtrans|pg_stat|pg_logical)\//.test(f))).toEqual([]);
      expect(Object.values(after).some((size) => size === text.length)).toBe(false);

      // A failure inside: the file is removed all the same, and the failure is the caller's.
      let failed = '';
      await expect(
        db.withMemoryFile!(Buffer.from('not\ttwo\tcolumns\n'), async (file) => {
          failed = file;
          await db.knex.raw(`COPY t FROM '${file}'`);
        }),
      ).rejects.toThrow(/extra data after last expected column/);
      await expect(db.knex.raw(`COPY t FROM '${failed}'`)).rejects.toThrow(/could not open file/);
      expect(failed).not.toBe(seen);
    } finally {
      await db.close();
    }
  });
});

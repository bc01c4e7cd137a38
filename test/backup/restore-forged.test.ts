// A backup forged by someone holding the backup key (issue 17, item 2): its seal and its hash are
// right, but a row names an organisation that is not in it. The restore drops the foreign keys
// while the rows go in and adds them back over the whole table (as pg_restore does); adding them
// back checks every row, so the forged file is refused and the target is left as it was — on
// PostgreSQL (checked, then loaded) and on the embedded database (read once into a database built
// aside, which is removed). A row line whose values are not a row's is refused the same way (the
// check of the whole file only counts the lines; the loading reading parses them).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { openContext } from '../../server/runtime.js';
import { restoreBackup } from '../../server/backup/backup.js';
import { openSealedFile, sealBytes } from '../../server/backup/sealed.js';
import { createOrg, createPerson } from '../../server/people/service.js';
import { backupSites } from '../helpers/backup-site.js';
import { usingPostgres } from '../helpers/db.js';

const { tempDir, configOf, backedUpSite, targetFor, cleanUp } = backupSites('forged');
afterAll(cleanUp);

/** The lines with the trailer's hash and size made to match again (a forger with the key can do that: the seal and hash are not signatures). */
function withTrailerFixed(lines: string[]): string[] {
  const content = lines.slice(0, -1);
  const trailer = JSON.parse(lines.at(-1)!) as { sha256: string; contentBytes: number };
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  for (const l of content) {
    hash.update(l).update('\n');
    bytes += Buffer.byteLength(l) + 1;
  }
  trailer.sha256 = hash.digest('hex');
  trailer.contentBytes = bytes;
  return [...content, JSON.stringify(trailer)];
}

describe('a backup forged with the backup key', () => {
  it('whose row names a missing organisation is refused when the foreign keys are added back; nothing is left', async () => {
    const { source, file } = await backedUpSite('source', async (ctx, trx) => {
      const org = await createOrg(trx, { name: '株式会社偽造検査', kind: 'contractor' }, 'test');
      await createPerson(ctx, trx, { name: '偽造 検査', orgId: org.id, roles: ['staff'] }, 'test');
    });
    const key = Buffer.from(fs.readFileSync(path.join(source.dataDir, 'secrets', 'backup-key'), 'utf8').trim(), 'utf8');
    const lines = zlib.gunzipSync(await openSealedFile(file, key)).toString('utf8').trimEnd().split('\n');
    // The person's organisation replaced by one that does not exist; the trailer's hash made to
    // match again (a forger with the key can do that: the seal and hash are not signatures).
    const header = JSON.parse(lines[0]!) as { tables: Array<{ name: string; columns: Array<{ name: string }> }> };
    const orgColumn = header.tables.find((t) => t.name === 'people')!.columns.findIndex((c) => c.name === 'org_id');
    const at = lines.findIndex((l) => l.startsWith('{"table":"people"'));
    expect(at).toBeGreaterThan(0);
    const row = JSON.parse(lines[at]!) as { table: string; values: Array<string | null> };
    row.values[orgColumn] = '4f1d0c52-0000-4000-8000-00000000dead';
    lines[at] = JSON.stringify(row);
    const forged = path.join(tempDir('forged'), 'forged.tbk');
    fs.writeFileSync(forged, await sealBytes(zlib.gzipSync(withTrailerFixed(lines).join('\n') + '\n'), key));

    const target = await targetFor(source, 'target');
    await expect(restoreBackup(configOf(target), forged)).rejects.toThrow(/people_org_id_foreign|foreign key/);
    if (usingPostgres) {
      const check = await openContext(configOf(target), { migrate: false });
      try {
        expect(Number((await check.db.knex('people').count({ n: '*' }))[0]!.n)).toBe(0);
      } finally {
        await check.db.close();
      }
    } else {
      expect(fs.readdirSync(target.dataDir).filter((f) => f.startsWith('pgdata'))).toEqual([]);
    }
    // A row line in the writer's form whose values are not the row's: the whole-file check only
    // counts such lines (backup.ts), the loading reading parses them — refused there, inside the
    // load's transaction, and nothing is left either.
    const badValues = [...lines];
    badValues[at] = '{"table":"people","values":[1,{"x":2}]}';
    const bad = path.join(tempDir('forged'), 'bad-values.tbk');
    fs.writeFileSync(bad, await sealBytes(zlib.gzipSync(withTrailerFixed(badValues).join('\n') + '\n'), key));
    const target2 = await targetFor(source, 'target2');
    await expect(restoreBackup(configOf(target2), bad)).rejects.toThrow(/a row of people does not have its \d+ values/);
    if (usingPostgres) {
      const check = await openContext(configOf(target2), { migrate: false });
      try {
        expect(Number((await check.db.knex('organisations').count({ n: '*' }))[0]!.n)).toBe(0);
        expect(Number((await check.db.knex('people').count({ n: '*' }))[0]!.n)).toBe(0);
      } finally {
        await check.db.close();
      }
    } else {
      expect(fs.readdirSync(target2.dataDir).filter((f) => f.startsWith('pgdata'))).toEqual([]);
    }

    // The file as it was made restores (the refusal came from the forged row alone).
    const clean = await targetFor(source, 'clean');
    const restored = await restoreBackup(configOf(clean), file);
    expect(restored.verify.ok).toBe(true);
  }, 180_000);
});

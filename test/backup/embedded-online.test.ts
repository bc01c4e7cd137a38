// The embedded database's backup under load (issue 17, item 5): it has one connection, so the
// backup copies its files online (the connection held for milliseconds) and a process of its own
// reads the copy. Writes go on while the backup is read, the backup is one consistent moment of
// the journal, and it restores and verifies.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';
import { openContext } from '../../server/runtime.js';
import { createBackup, restoreBackup } from '../../server/backup/backup.js';
import { appendJournal } from '../../server/journal/journal.js';
import type { AppContext } from '../../server/context.js';
import { usingPostgres } from '../helpers/db.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});
function tempDir(label: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tachiai-online-${label}-`));
  dirs.push(dir);
  return dir;
}

const write = (ctx: AppContext, i: number) => ctx.db.knex.transaction((trx) => appendJournal(trx, { actor: 'test', action: 'test.write', subject: `write:${i}`, payload: { i } }));

describe.skipIf(usingPostgres)('the embedded backup under writes', () => {
  it('lets writes through while the backup is read, and is one consistent moment that restores and verifies', async () => {
    const dataDir = tempDir('site');
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', SCRYPT_COST: '1024' });
    const ctx = await openContext(config);
    let written = 0;
    let snapshotAt = 0;
    let backupDoneAt = 0;
    const completedAt: number[] = [];
    try {
      for (let i = 0; i < 50; i++) await write(ctx, written++);
      let writing = true;
      const writer = (async () => {
        while (writing) {
          await write(ctx, written++);
          completedAt.push(performance.now());
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();
      const file = path.join(tempDir('out'), 'site.tbk');
      const summary = await createBackup(ctx, file, { onSnapshot: () => void (snapshotAt = performance.now()) });
      backupDoneAt = performance.now();
      writing = false;
      await writer;

      // The copy held the connection briefly; the reading (another process) did not hold it at all.
      expect(summary.snapshot).not.toBeNull();
      const duringRead = completedAt.filter((t) => t > snapshotAt && t < backupDoneAt).length;
      expect(duringRead).toBeGreaterThan(0);
      // The copy is gone from the data directory.
      expect(fs.readdirSync(dataDir).filter((f) => f.startsWith('backup-snapshot-'))).toEqual([]);

      // Restored elsewhere with the same secrets: the journal verifies, and ends where the backup says.
      const target = tempDir('restored');
      fs.cpSync(path.join(dataDir, 'secrets'), path.join(target, 'secrets'), { recursive: true });
      // What an interrupted restore leaves (its database aside, never promoted) is no obstacle.
      fs.mkdirSync(path.join(target, 'pgdata.restoring'));
      fs.writeFileSync(path.join(target, 'pgdata.restoring', 'PG_VERSION'), 'not a database\n');
      const restored = await restoreBackup(loadConfig({ DATA_DIR: target, LOG_LEVEL: 'silent' }), file);
      expect(restored.verify.ok).toBe(true);
      expect(restored.totalRows).toBe(summary.totalRows);
      expect(fs.readdirSync(target).filter((f) => f.startsWith('pgdata'))).toEqual(['pgdata']);
      const check = await openContext(loadConfig({ DATA_DIR: target, LOG_LEVEL: 'silent' }), { migrate: false });
      try {
        const [head] = (await check.db.knex('journal_entries').orderBy('seq', 'desc').limit(1).select('seq', 'hash')) as Array<{ seq: string; hash: string }>;
        expect({ seq: Number(head!.seq), hash: head!.hash }).toEqual({ seq: Number(summary.journalHead!.seq), hash: summary.journalHead!.hash });
        // Every write before the backup began is in it; writes after its copy are not.
        const writes = Number(((await check.db.knex('journal_entries').where({ action: 'test.write' }).count({ n: '*' })) as Array<{ n: string }>)[0]!.n);
        expect(writes).toBeGreaterThanOrEqual(50);
        expect(writes).toBeLessThan(written);
      } finally {
        await check.db.close();
      }
    } finally {
      await ctx.db.close();
    }
  }, 240_000);

  it('a copy that fails: the backup fails with its reason, recorded, and the reader process started beside the copy is stopped', async () => {
    const dataDir = tempDir('failing');
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', SCRYPT_COST: '1024' });
    const ctx = await openContext(config);
    try {
      let readersDuringCopy: number[] = [];
      // The disk fills while the files are copied.
      let niceness: number[] = [];
      ctx.db.copyFiles = async () => {
        readersDuringCopy = snapshotReaders();
        // The door first: the reader runs below the server's priority (field 19 of /proc/PID/stat).
        niceness = readersDuringCopy.map((pid) => { const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8'); return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]); });
        throw new Error('ENOSPC: no space left on device');
      };
      const file = path.join(tempDir('out-failing'), 'site.tbk');
      await expect(createBackup(ctx, file)).rejects.toThrow(/ENOSPC/);
      // The reader was already starting (it loads while the files are copied) and is gone now.
      expect(readersDuringCopy.length).toBe(1);
      expect(niceness).toEqual([os.getPriority() + 10]);
      expect(snapshotReaders()).toEqual([]);
      expect(fs.readdirSync(path.dirname(file))).toEqual([]);
      expect(fs.readdirSync(dataDir).filter((f) => f.startsWith('backup-snapshot-'))).toEqual([]);
      const [failed] = (await ctx.db.knex('journal_entries').where({ action: 'backup.failed' }).select('payload')) as Array<{ payload: unknown }>;
      expect(JSON.stringify(failed!.payload)).toMatch(/ENOSPC/);
    } finally {
      await ctx.db.close();
    }
  }, 120_000);
});

/** Running children of this process that are a backup's reader of the embedded copy (scripts/backup-snapshot.mjs). */
function snapshotReaders(): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z' || Number(fields[1]) !== process.pid) continue;
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('backup-snapshot.mjs')) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

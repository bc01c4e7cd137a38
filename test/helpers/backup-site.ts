// Sites for the backup and restore tests: a data directory of their own and, when the suite runs
// on PostgreSQL, a fresh database; removed after the file's tests (call cleanUp in afterAll).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { loadConfig } from '../../server/config.js';
import type { AppContext } from '../../server/context.js';
import { openContext } from '../../server/runtime.js';
import { createBackup } from '../../server/backup/backup.js';
import { createTestDatabase, usingPostgres, type TestDatabase } from './db.js';

export interface BackupSite {
  dataDir: string;
  databaseUrl?: string;
}

export function backupSites(prefix: string) {
  const dirs: string[] = [];
  const databases: TestDatabase[] = [];
  const tempDir = (label: string): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tachiai-${prefix}-${label}-`));
    dirs.push(dir);
    return dir;
  };
  const site = async (label: string): Promise<BackupSite> => {
    const dataDir = tempDir(label);
    if (!usingPostgres) return { dataDir };
    const db = await createTestDatabase();
    databases.push(db);
    return { dataDir, databaseUrl: db.url };
  };
  const configOf = (s: BackupSite) => loadConfig({ DATA_DIR: s.dataDir, ...(s.databaseUrl ? { DATABASE_URL: s.databaseUrl } : {}), LOG_LEVEL: 'silent', SCRYPT_COST: '1024' });
  return {
    tempDir,
    site,
    configOf,
    /** A new site filled in one transaction, then backed up (closed again): the site and its backup file. */
    async backedUpSite(label: string, fill: (ctx: AppContext, trx: Knex.Transaction) => Promise<void>): Promise<{ source: BackupSite; file: string }> {
      const source = await site(label);
      const ctx = await openContext(configOf(source));
      const file = path.join(tempDir(`${label}-backup`), 'site.tbk');
      try {
        await ctx.db.knex.transaction((trx) => fill(ctx, trx));
        await createBackup(ctx, file);
      } finally {
        await ctx.db.close();
      }
      return { source, file };
    },
    /** A new, empty site to restore into, with the source's secrets (as after `secrets import`). */
    async targetFor(source: BackupSite, label: string): Promise<BackupSite> {
      const target = await site(label);
      fs.cpSync(path.join(source.dataDir, 'secrets'), path.join(target.dataDir, 'secrets'), { recursive: true });
      return target;
    },
    async cleanUp(): Promise<void> {
      for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
      for (const db of databases) await db.drop();
    },
  };
}

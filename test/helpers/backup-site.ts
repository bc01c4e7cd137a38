// Sites for the backup and restore tests: a data directory of their own and, when the suite runs
// on PostgreSQL, a fresh database; removed after the file's tests (call cleanUp in afterAll).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../server/config.js';
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
  return {
    tempDir,
    async site(label: string): Promise<BackupSite> {
      const dataDir = tempDir(label);
      if (!usingPostgres) return { dataDir };
      const db = await createTestDatabase();
      databases.push(db);
      return { dataDir, databaseUrl: db.url };
    },
    configOf: (s: BackupSite) => loadConfig({ DATA_DIR: s.dataDir, ...(s.databaseUrl ? { DATABASE_URL: s.databaseUrl } : {}), LOG_LEVEL: 'silent', SCRYPT_COST: '1024' }),
    async cleanUp(): Promise<void> {
      for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
      for (const db of databases) await db.drop();
    },
  };
}

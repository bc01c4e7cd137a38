// The restore drill (issue 17, item 4; E9.2 migration drills for the standby site): the latest
// successful backup (or a named file) is restored into a scratch database — a new PostgreSQL
// database beside the live one, or a temporary embedded one — with this site's secrets (the ones
// the escrow holds), the journal and every signed record are verified there, the drill is recorded
// with its figures, and the scratch database is dropped. A drill runs no server: it signs nothing,
// sends nothing and starts no background work.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { AppContext } from '../context.js';
import type { Config } from '../config.js';
import { appendJournal } from '../journal/journal.js';
import { BackupError, restoreBackup, type TableProgress } from './backup.js';
import { secretFilesOf } from '../system/escrow.js';
import { osUser } from '../shared/os-user.js';

export interface DrillSummary {
  id: string;
  file: string;
  sha256: string;
  target: string;
  rows: number;
  seconds: number;
  verified: boolean;
  error: string | null;
}

export interface DrillOptions {
  file?: string;
  onStep?: (message: string) => void;
  onProgress?: (p: TableProgress) => void;
}

/** The newest successful backup whose file this server can read. */
async function latestBackupFile(app: AppContext): Promise<string> {
  const rows = (await app.db.knex('backups').where({ status: 'ok' }).whereNotNull('file').orderBy('finished_at', 'desc').limit(20).pluck('file')) as string[];
  const found = rows.find((f) => fs.existsSync(f));
  if (!found) throw new BackupError('No backup recorded on this site is readable from this server: name one with --backup FILE.');
  return found;
}

function sha256Of(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = crypto.createHash('sha256');
    fs.createReadStream(file)
      .on('data', (b) => hash.update(b))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}

export async function runRestoreDrill(app: AppContext, options: DrillOptions = {}): Promise<DrillSummary> {
  const say = options.onStep ?? (() => undefined);
  const file = path.resolve(options.file ?? (await latestBackupFile(app)));
  if (!fs.existsSync(file)) throw new BackupError(`${file} does not exist.`);
  const sha256 = await sha256Of(file);
  const startedAt = new Date();
  const id = crypto.randomUUID();
  // This site's secrets, given to the restore as settings: nothing is generated or written for the scratch target.
  const files = secretFilesOf(app.secrets);
  const secretSettings: Partial<Config> = {
    jwtSecret: files['jwt-secret'],
    badgeSecret: files['badge-secret'],
    pinPepper: files['pin-pepper'],
    signingKey: files['signing-key.pem'],
    backupKey: files['backup-key'],
  };

  let target: string;
  let scratchConfig: Config;
  let drop: () => Promise<void>;
  if (app.config.databaseUrl) {
    const name = `tachiai_drill_${startedAt.toISOString().replace(/\D/g, '').slice(0, 14)}_${crypto.randomBytes(3).toString('hex')}`;
    const admin = new pg.Client({ connectionString: app.config.databaseUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    const url = new URL(app.config.databaseUrl);
    url.pathname = `/${name}`;
    target = `PostgreSQL database ${name}`;
    scratchConfig = { ...app.config, ...secretSettings, databaseUrl: url.toString() };
    drop = async () => {
      const c = new pg.Client({ connectionString: app.config.databaseUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    };
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tachiai-drill-'));
    target = `embedded database in ${dir}`;
    scratchConfig = { ...app.config, ...secretSettings, databaseUrl: undefined, dataDir: dir };
    drop = async () => fs.rmSync(dir, { recursive: true, force: true });
  }

  let rows = 0;
  let verified = false;
  let error: string | null = null;
  say(`Restoring ${file} into a scratch ${target}`);
  try {
    const summary = await restoreBackup(scratchConfig, file, {
      onChecked: (header, trailer) => say(`  intact: backup of ${header.createdAt}, ${Object.values(trailer.counts).reduce((a, b) => a + b, 0)} rows, content sha256 ${trailer.sha256}`),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      onStep: (message) => say(`  ${message}`),
    });
    rows = summary.totalRows;
    verified = summary.verify.ok;
    if (!summary.verify.ok) error = 'the restored journal does not verify';
    say(verified ? `  verified: the journal and every signed record (${summary.verify.entries} entries)` : `  NOT verified: ${JSON.stringify(summary.verify).slice(0, 300)}`);
  } catch (err) {
    error = String((err as Error).message ?? err).slice(0, 1000);
  } finally {
    say('Dropping the scratch database');
    await drop().catch((e: unknown) => say(`  could not drop it: ${(e as Error).message}`));
  }
  const finishedAt = new Date();
  await app.db.knex.transaction(async (trx) => {
    await trx('restore_drills').insert({ id, started_at: startedAt, finished_at: finishedAt, backup_file: file, backup_sha256: sha256, target, rows, verified, error, run_by: `cli:${osUser()}@${os.hostname()}` });
    await appendJournal(trx, { actor: 'cli:restore-drill', action: 'backup.drill', subject: `drill:${id}`, payload: { file: path.basename(file), sha256, target, rows, verified, seconds: (finishedAt.getTime() - startedAt.getTime()) / 1000, error } });
  });
  return { id, file, sha256, target, rows, seconds: (finishedAt.getTime() - startedAt.getTime()) / 1000, verified, error };
}

// The daily backup inside the server (issue 17, item 1; E2.12 daily, E2.13 by authorised persons,
// kept locked): every server with a BACKUP_DIR looks each minute whether today's backup (site day,
// after BACKUP_TIME) is due; the first to claim the day in the database (a unique row per day)
// takes it into its own BACKUP_DIR, the others see the claim and do nothing. Each backup — the
// scheduled one, or one an authorised person takes through the API with badge + PIN — is a row
// in `backups` (time, size, SHA-256 of the sealed file, server and directory, where the medium is
// kept, who took it), its start and its end journaled. A failure is recorded with its reason and
// the server keeps serving.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import type { AppContext } from '../context.js';
import { appendJournal } from '../journal/journal.js';
import { enqueueNotices, roleRecipients } from '../notices/service.js';
import { siteDay } from '../shared/time.js';
import { siteOf } from '../system/site.js';
import { periodic, type Worker } from '../workers.js';
import { createBackup, type BackupSummary } from './backup.js';

/** This process, as the backups table names the server that took one. */
export const SERVER_NAME = `${os.hostname()}:${process.pid}`;

/** A backup running longer than this was left by a server that died: recorded as failed. */
const STALE_RUNNING_HOURS = 12;

/** The site day whose scheduled backup is due at `now` (its time has come), or null before it. */
export function dueBackupDay(now: Date, timeZone: string, backupTime: string): string | null {
  const local = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(now);
  return local >= backupTime ? siteDay(now, timeZone) : null;
}

/** The scheduled files this site wrote, newest first by their day (only those it named itself). */
export function scheduledFiles(dir: string, siteId: string): string[] {
  const pattern = new RegExp(`^tachiai-${siteId.replace(/[^a-z0-9-]/gi, '')}-(\\d{4}-\\d{2}-\\d{2})\\.tbk$`);
  return fs
    .readdirSync(dir)
    .filter((f) => pattern.test(f))
    .sort()
    .reverse();
}

export interface BackupRow {
  id: string;
  kind: 'scheduled' | 'manual' | 'command';
  day: string | null;
  status: 'running' | 'ok' | 'failed';
  started_at: Date;
  finished_at: Date | null;
  server: string;
  dir: string;
  file: string | null;
  bytes: string | null;
  sha256: string | null;
  rows: string | null;
  taken_by: string;
  taken_by_person_id: string | null;
  medium_location: string | null;
  error: string | null;
}

interface Taker {
  actor: string;
  personId: string | null;
}

/** Claims a backup row (and journals it) in one transaction; null when the day is claimed already. */
async function claim(knex: Knex, row: { id: string; kind: BackupRow['kind']; day: string | null; dir: string; taker: Taker; mediumLocation: string | null }): Promise<boolean> {
  return knex.transaction(async (trx) => {
    const inserted = (await trx.raw(
      `INSERT INTO backups (id, kind, day, status, server, dir, taken_by, taken_by_person_id, medium_location)
       VALUES (?, ?, ?::date, 'running', ?, ?, ?, ?, ?)
       ON CONFLICT (day) WHERE kind = 'scheduled' DO NOTHING RETURNING id`,
      [row.id, row.kind, row.day, SERVER_NAME, row.dir, row.taker.actor, row.taker.personId, row.mediumLocation],
    )) as { rows: unknown[] };
    if (inserted.rows.length === 0) return false;
    await appendJournal(trx, {
      actor: row.taker.actor,
      action: 'backup.started',
      subject: `backup:${row.id}`,
      payload: { kind: row.kind, day: row.day, server: SERVER_NAME, dir: row.dir, mediumLocation: row.mediumLocation },
    });
    return true;
  });
}

async function finish(app: AppContext, id: string, actor: string, outcome: { ok: true; file: string; bytes: number; sha256: string; rows: number; snapshot: BackupSummary['snapshot'] } | { ok: false; error: string }): Promise<void> {
  const site = outcome.ok ? null : await siteOf(app);
  await app.db.knex.transaction(async (trx) => {
    await trx('backups')
      .where({ id })
      .update(
        outcome.ok
          ? { status: 'ok', finished_at: trx.fn.now(), file: outcome.file, bytes: outcome.bytes, sha256: outcome.sha256, rows: outcome.rows }
          : { status: 'failed', finished_at: trx.fn.now(), error: outcome.error },
      );
    await appendJournal(trx, {
      actor,
      action: outcome.ok ? 'backup.completed' : 'backup.failed',
      subject: `backup:${id}`,
      // (snapshot: how long the embedded database was held for its copy, issue 17 item 5)
      payload: outcome.ok
        ? { file: path.basename(outcome.file), bytes: outcome.bytes, sha256: outcome.sha256, rows: outcome.rows, ...(outcome.snapshot ? { snapshot: { heldMs: Math.round(outcome.snapshot.heldMs), bytes: outcome.snapshot.bytes } } : {}) }
        : { error: outcome.error },
    });
    if (!outcome.ok) {
      // A failed backup is told to the administrators and responsible persons (issue 15, item 4),
      // in the transaction that records it.
      const row = (await trx('backups').where({ id }).first('kind', 'day', 'server', 'dir')) as { kind: BackupRow['kind']; day: string | Date | null; server: string; dir: string };
      const day = row.day === null ? null : typeof row.day === 'string' ? row.day : row.day.toISOString().slice(0, 10);
      await enqueueNotices(app, trx, { kind: 'backup_failed', facts: { siteName: { ja: site!.nameJa, en: site!.nameEn }, kind: row.kind, day, server: row.server, dir: row.dir, error: outcome.error } }, await roleRecipients(trx, 'backup_failed'), { subject: `backup:${id}`, action: 'backup.failed' }, actor);
    }
  });
}

/** A reason for the record: what the operator can act on, never a stack. */
function reasonOf(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const map: Record<string, string> = {
    ENOENT: 'BACKUP_DIR does not exist',
    EACCES: 'BACKUP_DIR is not writable by the server',
    EROFS: 'BACKUP_DIR is on a read-only file system',
    ENOSPC: 'the disk of BACKUP_DIR is full',
    EDQUOT: 'the disk quota of BACKUP_DIR is exhausted',
    ENOTDIR: 'BACKUP_DIR is not a directory',
  };
  return (e?.code && map[e.code] ? `${map[e.code]} (${e.code})` : String(e?.message ?? err)).slice(0, 500);
}

/** Takes one backup into `dir` under a claimed row; records how it ended. Never throws. */
async function take(app: AppContext, id: string, dir: string, fileName: string, taker: Taker, signal?: AbortSignal): Promise<BackupRow> {
  const file = path.join(dir, fileName);
  try {
    if (signal?.aborted) throw new Error('interrupted: the server was shutting down');
    fs.accessSync(dir, fs.constants.W_OK);
    if (!fs.statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    const summary = await createBackup(app, file, { actor: taker.actor, ...(signal ? { signal } : {}) });
    await finish(app, id, taker.actor, { ok: true, file, bytes: summary.bytes, sha256: summary.fileSha256, rows: summary.totalRows, snapshot: summary.snapshot });
  } catch (err) {
    const error = signal?.aborted ? 'interrupted: the server was shutting down' : reasonOf(err);
    app.logger.warn({ backup: id, dir, error }, 'the backup failed; the server keeps serving');
    await finish(app, id, taker.actor, { ok: false, error }).catch((e: unknown) => app.logger.warn({ err: (e as Error).message }, 'the backup failure could not be recorded'));
  }
  return (await app.db.knex('backups').where({ id }).first()) as BackupRow;
}

async function dbNow(knex: Knex): Promise<Date> {
  const { rows } = (await knex.raw('SELECT now() AS now')) as { rows: Array<{ now: Date }> };
  return rows[0]!.now;
}

/** Backups left "running" by a server that died are recorded as failed (journaled). */
async function failStale(app: AppContext): Promise<void> {
  const stale = (await app.db.knex('backups')
    .where({ status: 'running' })
    .andWhere('started_at', '<', app.db.knex.raw('now() - make_interval(hours => ?)', [STALE_RUNNING_HOURS]))
    .select('id', 'server')) as Array<{ id: string; server: string }>;
  for (const s of stale) {
    await finish(app, s.id, 'system:backup', { ok: false, error: `left unfinished by ${s.server} (more than ${STALE_RUNNING_HOURS} hours)` });
  }
}

/** One look at the schedule: takes today's backup if it is due and no server has claimed it. */
export async function runScheduledBackup(app: AppContext, now?: Date, signal?: AbortSignal): Promise<BackupRow | null> {
  const dir = app.config.backupDir;
  if (!dir) return null;
  await failStale(app);
  const day = dueBackupDay(now ?? (await dbNow(app.db.knex)), app.config.displayTimeZone, app.config.backupTime);
  if (!day) return null;
  if (await app.db.knex('backups').where({ kind: 'scheduled', day }).first('id')) return null;
  const id = crypto.randomUUID();
  const taker = { actor: 'system:backup', personId: null };
  if (!(await claim(app.db.knex, { id, kind: 'scheduled', day, dir: path.resolve(dir), taker, mediumLocation: app.config.backupMediumLocation ?? null }))) return null;
  const site = await siteOf(app);
  const row = await take(app, id, path.resolve(dir), `tachiai-${site.id}-${day}.tbk`, taker, signal);
  if (row.status === 'ok') pruneScheduled(app, path.resolve(dir), site.id);
  return row;
}

/** Keeps the newest BACKUP_KEEP scheduled files of this site in `dir`; other files are never touched. */
function pruneScheduled(app: AppContext, dir: string, siteId: string): void {
  try {
    for (const old of scheduledFiles(dir, siteId).slice(app.config.backupKeep)) fs.rmSync(path.join(dir, old), { force: true });
  } catch (err) {
    app.logger.warn({ err: (err as Error).message, dir }, 'old backups could not be removed');
  }
}

/**
 * A backup an authorised person takes now (E2.13), after their badge and PIN were checked: into
 * this server's BACKUP_DIR, recorded with their name and where the medium will be kept.
 */
export async function takeManualBackup(app: AppContext, taker: { accountId: string; personId: string }, mediumLocation: string | null): Promise<BackupRow> {
  const dir = path.resolve(app.config.backupDir!);
  const id = crypto.randomUUID();
  const actor = taker.accountId;
  await claim(app.db.knex, { id, kind: 'manual', day: null, dir, taker: { actor, personId: taker.personId }, mediumLocation: mediumLocation ?? app.config.backupMediumLocation ?? null });
  const site = await siteOf(app);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  return take(app, id, dir, `tachiai-${site.id}-${stamp}-manual-${id.slice(0, 8)}.tbk`, { actor, personId: taker.personId });
}

export async function listBackups(knex: Knex, limit: number): Promise<BackupRow[]> {
  return (await knex('backups').orderBy('started_at', 'desc').orderBy('id').limit(limit)) as BackupRow[];
}

/** The newest successful backup (for readiness, metrics and the compliance view). */
export async function lastSuccessfulBackup(knex: Knex): Promise<BackupRow | null> {
  return ((await knex('backups').where({ status: 'ok' }).orderBy('finished_at', 'desc').first()) as BackupRow | undefined) ?? null;
}

/**
 * The schedule on every server with a BACKUP_DIR: one look a minute. When the server shuts down a
 * backup under way is ended (recorded as interrupted, its partial file removed) rather than holding
 * the shutdown; the next look of a server takes the day's backup again only if none succeeded —
 * the day is claimed, so an interrupted day waits for an authorised person's manual backup.
 */
export function dailyBackupWorker(app: AppContext): Worker {
  const shutdown = new AbortController();
  const worker = periodic(60_000, () => runScheduledBackup(app, undefined, shutdown.signal), app.logger, 'daily backup');
  return {
    drain: () => shutdown.abort(),
    stop: () => {
      shutdown.abort();
      return worker.stop();
    },
    ...(worker.health ? { health: worker.health } : {}),
  };
}

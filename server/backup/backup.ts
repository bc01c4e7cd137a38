// `tachiai backup --out FILE` / `tachiai restore --in FILE`: a full logical backup of the
// database, and its restore into an empty database (format: ./format.ts).
//
// Backup: the fact that a backup is taken is journaled first (`backup.created`: who, when,
// where, how much — E2.12/E2.13), in its own transaction, so the backup contains its own
// record. Then one REPEATABLE READ, READ ONLY transaction reads every table of the public
// schema (knex's bookkeeping excepted) in foreign-key order, each in primary-key order with
// keyset batches: one consistent snapshot, constant memory, PostgreSQL and PGlite alike.
// The file is written aside and moved into place when complete; it is never overwritten.
//
// Restore: the file is checked completely (hash, counts) before the database is touched;
// the target must be empty and at the same migration level as the backup; it is migrated,
// then every row is inserted in ONE transaction (the journal's append-only triggers allow
// INSERT), sequences are set, and the journal is verified.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Knex } from 'knex';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { AppContext } from '../context.js';
import type { Config } from '../config.js';
import { createDatabase, type Database } from '../../db/connection.js';
import { migrateToLatest, pendingMigrations } from '../../db/migrate.js';
import { loadSecrets, type Secrets } from '../secrets.js';
import { osUser } from '../shared/os-user.js';
import { appendJournal, journalHead } from '../journal/journal.js';
import { verifyDeep, type DeepResult } from '../integrity/deep-verify.js';
import { nonEmptyTables, ownedSequences, quoteIdent, readSequences, readTables, rows, type ColumnInfo, type TableInfo } from './catalog.js';
import { BACKUP_FORMAT, BACKUP_VERSION, readBackup, type BackupHeader, type Trailer } from './format.js';
import { sealStream } from './sealed.js';
import { readSingleBinaryCopyRow } from './copy-binary.js';
import { readBackupOnThread } from './restore-reader.js';
import { endorsedKeys, loadKeyHistory } from '../system/signing-keys.js';

export { BackupFileError } from './format.js';

/** A refusal with a message meant for the operator (exit code 1). */
export class BackupError extends Error {
  override name = 'BackupError';
}

export interface TableProgress {
  table: string;
  rows: number;
  /** True once the table is complete. */
  done: boolean;
}

const READ_BATCH = 1000;
/** Progress reports inside a long table, every this many rows. */
const PROGRESS_EVERY = 10_000;

/** Session settings that fix the text form of values, on both databases. One per raw(): PGlite. */
const TEXT_SETTINGS = ["SET LOCAL TimeZone = 'UTC'", "SET LOCAL DateStyle = 'ISO, YMD'", "SET LOCAL IntervalStyle = 'postgres'", 'SET LOCAL extra_float_digits = 3', "SET LOCAL bytea_output = 'hex'", 'SET LOCAL standard_conforming_strings = on'];

async function applyTextSettings(trx: Knex.Transaction): Promise<void> {
  for (const sql of TEXT_SETTINGS) await trx.raw(sql);
}

export function badgeKeyFingerprint(badgeKey: Buffer): string {
  return crypto.createHmac('sha256', badgeKey).update('tachiai:backup:badge-key-fingerprint').digest('hex').slice(0, 32);
}

/** Tells whether two secrets are equal without revealing either (the backup never holds a secret). */
export function keyFingerprint(secret: Buffer, what: string): string {
  return crypto.createHmac('sha256', secret).update(`tachiai:backup:${what}-fingerprint`).digest('hex').slice(0, 32);
}

async function appliedMigrations(db: Knex): Promise<string[]> {
  if (!(await db.schema.hasTable('knex_migrations'))) return [];
  return ((await db('knex_migrations').orderBy('id').select('name')) as Array<{ name: string }>).map((r) => r.name);
}

// ---------------------------------------------------------------- backup

export interface BackupOptions {
  onProgress?: (p: TableProgress) => void;
  /** Who runs it, for the journal (default `cli:backup`). */
  actor?: string;
  /** Ends the backup early (the server is shutting down): it fails, its partial file removed. */
  signal?: AbortSignal;
  /** Called once the snapshot is taken: on the embedded database, how long its connection was held for the copy. */
  onSnapshot?: (copy: { heldMs: number; bytes: number } | null) => void;
}

export interface BackupSummary {
  file: string;
  /** Size of the sealed file. */
  bytes: number;
  /** SHA-256 of the sealed file as written (what a copy on another medium must match). */
  fileSha256: string;
  contentBytes: number;
  sha256: string;
  counts: Record<string, number>;
  totalRows: number;
  journalHead: BackupHeader['journalHead'];
  /** The embedded database's copy the backup read (null on PostgreSQL, or in memory). */
  snapshot: { heldMs: number; bytes: number } | null;
}

export async function createBackup(ctx: AppContext, outFile: string, options: BackupOptions = {}): Promise<BackupSummary> {
  const knex = ctx.db.knex;
  const file = path.resolve(outFile);
  const actor = options.actor ?? 'cli:backup';
  if (fs.existsSync(file)) throw new BackupError(`${file} already exists; a backup never overwrites a file. Choose another name.`);
  const migrations = await appliedMigrations(knex);
  if (migrations.length === 0) throw new BackupError('The database has no Tachiai schema yet (run "tachiai migrate" first): there is nothing to back up.');

  // Open the file before journaling, so an unwritable destination fails before any record.
  const partial = `${file}.partial-${process.pid}`;
  const fd = fs.openSync(partial, 'wx', 0o600);
  let fdOpen = true;
  let keepPartial = false;
  let journaled = false;
  let snapshot: { heldMs: number; bytes: number; dispose(): Promise<void> } | null = null;
  const progress = { ...(options.onProgress ? { onProgress: options.onProgress } : {}), ...(options.signal ? { signal: options.signal } : {}) };
  // The embedded database's reader process starts now (node, its modules, the database's
  // WebAssembly) and loads while the backup is journaled and the files are copied (see below).
  let reader: SnapshotReader | null = null;
  try {
    reader = ctx.db.copyFiles ? startSnapshotReader({ fd, ...progress }) : null;
    // Who, when, where, how much: journaled in its own transaction before the snapshot starts.
    const tables = await readTables(knex);
    const sizes: Record<string, { rows: number; bytes: number }> = {};
    for (const t of tables) {
      const [r] = await rows<{ bytes: string }>(knex, `SELECT pg_total_relation_size(?::regclass)::text AS bytes`, [quoteIdent(t.name)]);
      sizes[t.name] = { rows: await countRowsInSlices(knex, t), bytes: Number(r!.bytes) };
    }
    const [dbInfo] = await rows<{ name: string; bytes: string }>(knex, 'SELECT current_database() AS name, pg_database_size(current_database())::text AS bytes');
    await knex.transaction(async (trx) => {
      await appendJournal(trx, {
        actor,
        action: 'backup.created',
        subject: `backup:${path.basename(file)}`,
        payload: {
          file,
          host: os.hostname(),
          osUser: osUser(),
          database: { kind: ctx.db.kind, name: dbInfo!.name, bytes: Number(dbInfo!.bytes) },
          tables: sizes,
          format: BACKUP_FORMAT,
          version: BACKUP_VERSION,
        },
      });
    });
    journaled = true;

    // The embedded database has one connection: a snapshot transaction there would stop every
    // scan for the whole backup. Its files are copied online instead (the connection held for
    // milliseconds) and the copy is read by a process of its own (./snapshot-writer.ts): the
    // server's thread and memory stay with the door (issue 17, item 5).
    let written: WrittenContent;
    if (reader) {
      const copy = await embeddedSnapshot(ctx);
      snapshot = copy;
      options.onSnapshot?.({ heldMs: copy.heldMs, bytes: copy.bytes });
      written = await reader.read({ snapshotDir: copy.dir, file, actor, dbName: dbInfo!.name, keys: keyFacts(ctx.secrets), backupKey: ctx.secrets.backupKey });
    } else {
      options.onSnapshot?.(null);
      written = await writeContent(knex, fd, { kind: ctx.db.kind, dbName: dbInfo!.name, actor, file, keys: keyFacts(ctx.secrets), backupKey: ctx.secrets.backupKey, ...progress });
    }
    const { summary, fileSha256 } = written;
    // On the threadpool: a synchronous fsync of the whole file stopped the server for 0.3 s.
    await promisify(fs.fsync)(fd);
    fdOpen = false;
    fs.closeSync(fd);
    // Into place without ever replacing a file that appeared meanwhile.
    try {
      fs.linkSync(partial, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
        keepPartial = true;
        throw new BackupError(`${file} appeared while the backup ran; the complete backup is left in ${partial}.`);
      }
      throw err;
    }
    fs.rmSync(partial, { force: true });
    return { ...summary, bytes: fs.statSync(file).size, fileSha256, snapshot: snapshot ? { heldMs: snapshot.heldMs, bytes: snapshot.bytes } : null };
  } catch (err) {
    if (fdOpen) fs.closeSync(fd);
    if (!keepPartial) fs.rmSync(partial, { force: true });
    // The journal says a backup was started: say that it did not complete.
    if (journaled) {
      await knex
        .transaction((trx) => appendJournal(trx, { actor, action: 'backup.failed', subject: `backup:${path.basename(file)}`, payload: { file, error: String((err as Error).message ?? err).slice(0, 500) } }))
        .catch(() => undefined);
    }
    throw err;
  } finally {
    // A reader that never got its copy (a failure before) is stopped; one that ran has exited.
    await reader?.stop();
    await snapshot?.dispose();
  }
}

/**
 * A turn of the event loop given back. The embedded database answers a query within the turn that
 * asked it (its work is synchronous WebAssembly), so a chain of awaited queries never lets the
 * server read the scans that arrived meanwhile: they waited for the whole chain (0.25 s measured
 * for the 70 tables' sizes and counts). setImmediate runs after the pending I/O has been read.
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Rows counted per statement by countRowsInSlices: about 20 ms of the embedded database's connection. */
export const COUNT_SLICE = 50_000;

/**
 * A table's row count for the `backup.created` record, counted a slice of the primary key at a
 * time, each slice its own statement. The embedded database has one connection: one count(*) of
 * the million-entry table held it for 0.4 s, and the guard's scans waited behind it (issue 17,
 * item 5: scan p99 ≤ 1 s during a backup). Between slices the scans go first. Keyset slices count
 * each key once even while rows are added; a table without a key is counted in one statement.
 */
export async function countRowsInSlices(knex: Knex, table: TableInfo, slice = COUNT_SLICE, onSlice?: (counted: number) => void): Promise<number> {
  const from = quoteIdent(table.name);
  await nextTurn();
  if (table.primaryKey.length === 0) {
    const [r] = await rows<{ n: string }>(knex, `SELECT count(*)::text AS n FROM ${from}`);
    return Number(r!.n);
  }
  if (!Number.isSafeInteger(slice) || slice < 1) throw new RangeError('a count slice is a positive whole number of rows');
  const keyTypes = table.primaryKey.map((name) => table.columns.find((c) => c.name === name)!.type);
  // Qualified: an output column of the same name would otherwise be what ORDER BY sorts by.
  const keyList = table.primaryKey.map((name) => `source.${quoteIdent(name)}`).join(', ');
  const keysAsText = table.primaryKey.map((name, k) => `source.${quoteIdent(name)}::text AS k${k}`).join(', ');
  const where = (after: string[] | null) => (after ? `WHERE (${keyList}) > (${keyTypes.map((t) => `?::${t}`).join(', ')})` : '');
  let after: string[] | null = null;
  let total = 0;
  for (;;) {
    // The slice's last key, if the slice is full: `slice` keys lie after the previous one up to it.
    const [last]: Array<Record<string, string>> = await rows<Record<string, string>>(knex, `SELECT ${keysAsText} FROM ${from} AS source ${where(after)} ORDER BY ${keyList} OFFSET ${slice - 1} LIMIT 1`, after ?? []);
    if (!last) {
      const [rest] = await rows<{ n: string }>(knex, `SELECT count(*)::text AS n FROM ${from} AS source ${where(after)}`, after ?? []);
      total += Number(rest!.n);
      onSlice?.(total);
      return total;
    }
    total += slice;
    onSlice?.(total);
    after = table.primaryKey.map((_, k) => last[`k${k}`]!);
    await nextTurn();
  }
}

export interface ContentInput {
  kind: Database['kind'];
  dbName: string;
  actor: string;
  file: string;
  /** What the header says of the keys (never a key itself). */
  keys: KeyFacts;
  /** The key that seals the file. */
  backupKey: Buffer;
  onProgress?: (p: TableProgress) => void;
  signal?: AbortSignal;
}

export interface KeyFacts {
  signingKeyId: string;
  signingPublicKeyPem: string;
  badgeKeyFingerprint: string;
  pinPepperFingerprint: string;
}

export function keyFacts(secrets: Secrets): KeyFacts {
  return {
    signingKeyId: secrets.signing.keyId,
    signingPublicKeyPem: secrets.signing.publicKeyPem,
    badgeKeyFingerprint: badgeKeyFingerprint(secrets.badgeKey),
    pinPepperFingerprint: keyFingerprint(secrets.pinPepper, 'pin-pepper'),
  };
}

export interface WrittenContent {
  summary: Omit<BackupSummary, 'bytes' | 'fileSha256' | 'snapshot'>;
  fileSha256: string;
}

/**
 * The backup's content — header, every row of every table, trailer — read in one REPEATABLE READ,
 * READ ONLY transaction of `source`, compressed, sealed and written to `fd`.
 */
export async function writeContent(source: Knex, fd: number, input: ContentInput): Promise<WrittenContent> {
  let summary: WrittenContent['summary'] | null = null;
  let fileSha256 = '';
  await source.transaction(
    async (trx) => {
      await applyTextSettings(trx);
      const snapshotTables = await readTables(trx);
      const [now] = await rows<{ now: Date; version: string }>(trx, "SELECT transaction_timestamp() AS now, current_setting('server_version') AS version");
      const head = await journalHead(trx);
      const checkpointKeys = ((await trx('journal_checkpoints').distinct('key_id').orderBy('key_id')) as Array<{ key_id: string }>).map((r) => r.key_id);
      const keyHistory = (await trx.schema.hasTable('signing_keys'))
        ? ((await trx('signing_keys').orderBy('added_at').select('key_id', 'public_key_pem', 'endorsed_by', 'endorsement')) as Array<{ key_id: string; public_key_pem: string; endorsed_by: string | null; endorsement: string | null }>).map((r) => ({
            keyId: r.key_id,
            publicKeyPem: r.public_key_pem,
            endorsedBy: r.endorsed_by,
            endorsement: r.endorsement,
          }))
        : [];
      const [badges] = await rows<{ n: string }>(trx, 'SELECT count(*)::text AS n FROM badges');
      const header: BackupHeader = {
        format: BACKUP_FORMAT,
        version: BACKUP_VERSION,
        createdAt: now!.now.toISOString(),
        migrations: await appliedMigrations(trx),
        tables: snapshotTables,
        sequences: await readSequences(trx),
        database: { kind: input.kind, name: input.dbName, serverVersion: now!.version },
        journalHead: head ? { seq: head.seq, hash: head.hash } : null,
        keys: {
          signingKeyId: input.keys.signingKeyId,
          signingPublicKeyPem: input.keys.signingPublicKeyPem,
          checkpointKeyIds: checkpointKeys,
          ...(keyHistory.length ? { history: keyHistory } : {}),
          badgeKeyFingerprint: input.keys.badgeKeyFingerprint,
          pinPepperFingerprint: input.keys.pinPepperFingerprint,
          badges: Number(badges!.n),
        },
        createdBy: { actor: input.actor, host: os.hostname(), osUser: osUser() },
      };

      const hash = crypto.createHash('sha256');
      const counts: Record<string, number> = {};
      let contentLines = 0;
      let contentBytes = 0;
      const encode = (value: unknown): Buffer => {
        const buf = Buffer.from(JSON.stringify(value) + '\n', 'utf8');
        hash.update(buf);
        contentLines++;
        contentBytes += buf.length;
        return buf;
      };

      async function* content(): AsyncGenerator<Buffer> {
        yield encode(header);
        for (const table of snapshotTables) {
          let n = 0;
          for await (const batch of tableLineBatches(trx, table, input.kind)) {
            const buf = batch.bytes;
            hash.update(buf);
            contentLines += batch.rows;
            contentBytes += buf.length;
            yield buf;
            const before = n;
            n += batch.rows;
            if (Math.floor(n / PROGRESS_EVERY) > Math.floor(before / PROGRESS_EVERY)) input.onProgress?.({ table: table.name, rows: n, done: false });
          }
          counts[table.name] = n;
          input.onProgress?.({ table: table.name, rows: n, done: true });
        }
        const sha256 = hash.digest('hex');
        const trailer: Trailer = { trailer: true, counts, contentLines, contentBytes, sha256 };
        summary = { file: input.file, contentBytes, sha256, counts, totalRows: Object.values(counts).reduce((a, b) => a + b, 0), journalHead: header.journalHead };
        yield Buffer.from(JSON.stringify(trailer) + '\n', 'utf8');
      }

      const fileHash = crypto.createHash('sha256');
      const hashing = new Transform({
        transform(chunk: Buffer, _enc, done) {
          fileHash.update(chunk);
          done(null, chunk);
        },
      });
      // Level 1: a tenth larger than level 6 and twice as fast, which the 50,000 rows/s needs.
      await pipeline(Readable.from(content()), zlib.createGzip({ level: 1, chunkSize: GZIP_CHUNK }), sealStream(input.backupKey), hashing, fs.createWriteStream('', { fd, autoClose: false }), ...(input.signal ? [{ signal: input.signal }] : []));
      fileSha256 = fileHash.digest('hex');
    },
    { isolationLevel: 'repeatable read', readOnly: true },
  );
  return { summary: summary!, fileSha256 };
}

/** A copy of the embedded database's files beside them (online, ../../db/connection.ts); dispose() removes it. */
async function embeddedSnapshot(ctx: AppContext): Promise<{ dir: string; heldMs: number; bytes: number; dispose(): Promise<void> }> {
  const dir = path.join(ctx.config.dataDir, `backup-snapshot-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  fs.mkdirSync(dir, { mode: 0o700 });
  const dispose = () => fs.promises.rm(dir, { recursive: true, force: true });
  try {
    const copied = await ctx.db.copyFiles!(path.join(dir, 'pgdata'));
    return { dir, ...copied, dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}

/** A line of ./snapshot-writer.ts's standard output. */
type ChildMessage = { progress?: TableProgress; done?: WrittenContent } | null;

/** The reader's scheduling priority (nice): below the server's, so a scan never waits for it. */
const READER_NICENESS = 10;

/** What the reader of the embedded copy is told once the copy is made (its standard input). */
interface SnapshotReaderInput {
  snapshotDir: string;
  file: string;
  actor: string;
  dbName: string;
  keys: KeyFacts;
  backupKey: Buffer;
}

/** The reader of the embedded copy, started before the copy exists (startSnapshotReader). */
interface SnapshotReader {
  read(input: SnapshotReaderInput): Promise<WrittenContent>;
  stop(): Promise<void>;
}

/**
 * Starts ./snapshot-writer.ts in a process of its own, to read the embedded copy once it exists:
 * read() hands it the copy (through its standard input: the backup key never goes on its command
 * line or in its environment) and resolves when it has written the sealed content into `fd` (its
 * descriptor 3); it reports progress and the summary as JSON lines on its standard output.
 * stop() ends a reader that was never given its input (the copy failed) or is still running.
 */
function startSnapshotReader(options: { fd: number; onProgress?: (p: TableProgress) => void; signal?: AbortSignal }): SnapshotReader {
  const launcher = fileURLToPath(new URL('../../scripts/backup-snapshot.mjs', import.meta.url));
  // The V8 flags of `npm start`: a small young generation keeps the reader's memory down.
  const child = spawn(process.execPath, ['--max-semi-space-size=4', '--heap-growing-percent=50', launcher], {
    stdio: ['pipe', 'pipe', 'pipe', options.fd],
    ...(options.signal ? { signal: options.signal, killSignal: 'SIGKILL' as const } : {}),
  });
  // The door before the backup: when both want the CPU, the reader yields (a lower priority).
  if (child.pid !== undefined) {
    try {
      os.setPriority(child.pid, READER_NICENESS);
    } catch {
      // not allowed here: the reader runs at the server's priority
    }
  }
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(null));
    child.once('close', resolve);
  });
  child.stdin!.on('error', () => undefined); // a child that died early: its exit says why
  let done: WrittenContent | null = null;
  let stderr = '';
  let buffered = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => {
    buffered += text;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      // Only this protocol's lines count: anything else a library prints there must not throw here
      // (in an event handler it would end the server).
      let message: ChildMessage;
      try {
        message = JSON.parse(line) as ChildMessage;
      } catch {
        continue;
      }
      if (message?.progress) options.onProgress?.(message.progress);
      if (message?.done) done = message.done;
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (text: string) => void (stderr = (stderr + text).slice(-4000)));
  return {
    async read(input) {
      child.stdin!.end(JSON.stringify({ ...input, backupKey: input.backupKey.toString('base64') }));
      const code = await exited;
      if (options.signal?.aborted) throw new BackupError('interrupted: the server was shutting down');
      if (code !== 0 || !done) throw new BackupError(`the backup's reader of the embedded copy failed (exit ${String(code)}): ${stderr.trim().split('\n').at(-1) ?? ''}`);
      return done;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * Output a gzip step writes before it hands back to the main thread (zlib's default is 16 KB): the
 * compression runs on a worker thread, but each step needs the main thread to start the next, which
 * is busy with the database's reads; a larger step lets the two overlap (about a tenth faster).
 */
const GZIP_CHUNK = 256 * 1024;

/** Rows a batch of content lines holds: about 0.6 MB of text for the door's entries (10,000 were no faster and held 50 MB more in the reading process). */
const LINE_BATCH = 2_000;

/** A batch of a table's content lines, as the file holds them (each line ends in a newline). */
interface LineBatch {
  bytes: Buffer;
  rows: number;
}

/**
 * A table with a primary key as its content lines, built by the database: each row's line is
 * `{"table":…,"values":[…]}` with the columns' text values — array_to_json writes exactly the
 * bytes JSON.stringify would (the same escapes: \" \\ \b \f \n \r \t and \u00xx below 0x20,
 * no spaces; test/backup/content-lines.test.ts holds it to that) — a batch at a time, in key
 * order. On the embedded database parsing rows into values and writing them out again as JSON
 * was most of the backup's time and garbage (issue 17, item 5: ≥ 50,000 rows/s); here a batch is
 * one value, hashed and compressed as it comes. The embedded database hands it over as bytes
 * (COPY … TO '/dev/blob' in binary: no escapes to undo): decoding it to a string and encoding it
 * back was a quarter of the embedded backup's reading.
 *
 * The key to go on after is read back from the batch's last line and handed to the next batch's
 * statement through transaction-local settings (set_config with bound values): COPY takes no
 * parameters, and no value is ever spliced into SQL.
 */
async function* contentLineBatches(trx: Knex.Transaction, table: TableInfo, kind: Database['kind']): AsyncGenerator<LineBatch> {
  const pkIndex = table.primaryKey.map((name) => table.columns.findIndex((c) => c.name === name));
  // Qualified: an output column of the same name would otherwise be what ORDER BY sorts by.
  const pkList = table.primaryKey.map((name) => `source.${quoteIdent(name)}`).join(', ');
  const keyAliases = pkIndex.map((_, k) => `k${k}`);
  const setting = (k: number) => `tachiai.backup_after_${k}`;
  const afterKey = pkIndex.map((i, k) => `current_setting('${setting(k)}')::${table.columns[i]!.type}`).join(', ');
  const prefix = `{"table":${JSON.stringify(table.name)},"values":`.replaceAll("'", "''");
  const values = `array_to_json(ARRAY[${table.columns.map((c) => `source.${quoteIdent(c.name)}::text`).join(', ')}]::text[])::text`;
  const keys = table.primaryKey.map((name, k) => `source.${quoteIdent(name)} AS ${keyAliases[k]}`).join(', ');
  // The aggregate's own ORDER BY keeps the lines in key order (its input is already sorted).
  const batchSql = (where: string) =>
    `SELECT string_agg(line, E'\\n' ORDER BY ${keyAliases.join(', ')}) || E'\\n' AS text, count(*)::text AS n
       FROM (SELECT '${prefix}' || ${values} || '}' AS line, ${keys} FROM ${quoteIdent(table.name)} AS source ${where} ORDER BY ${pkList} LIMIT ${LINE_BATCH}) AS batch`;
  const first = batchSql('');
  const next = batchSql(`WHERE (${pkList}) > (${afterKey})`);
  let after: string[] | null = null;
  for (;;) {
    if (after) await trx.raw(`SELECT ${after.map((_, k) => `set_config('${setting(k)}', ?, true)`).join(', ')}`, after);
    const batch = kind === 'pglite' ? await lineBatchAsBytes(trx, after ? next : first) : await lineBatchAsText(trx, after ? next : first);
    if (!batch) return;
    yield batch;
    if (batch.rows < LINE_BATCH) return;
    const lastLine = batch.bytes.subarray(batch.bytes.lastIndexOf(0x0a, batch.bytes.length - 2) + 1, batch.bytes.length - 1);
    const { values: last } = JSON.parse(lastLine.toString('utf8')) as { values: Array<string | null> };
    after = pkIndex.map((i) => {
      const value = last[i];
      if (typeof value !== 'string') throw new BackupError(`${table.name}: a batch's last line has no key to go on after`);
      return value;
    });
  }
}

/** A batch's statement run on PostgreSQL: its one row as text, encoded. */
async function lineBatchAsText(trx: Knex.Transaction, sql: string): Promise<LineBatch | null> {
  const [batch] = await rows<{ text: string | null; n: string }>(trx, sql);
  if (!batch || batch.text === null) return null;
  return { bytes: Buffer.from(batch.text, 'utf8'), rows: Number(batch.n) };
}

/** A batch's statement run on the embedded database: its one row written by COPY as bytes. */
async function lineBatchAsBytes(trx: Knex.Transaction, sql: string): Promise<LineBatch | null> {
  const result = (await trx.raw(`COPY (${sql}) TO '/dev/blob' WITH (FORMAT binary)`)) as { blob?: Blob };
  if (!result.blob) throw new BackupError('the embedded database wrote no COPY output for a batch of content lines');
  const data = new Uint8Array(await result.blob.arrayBuffer());
  const [text, n] = readSingleBinaryCopyRow(data, 2) ?? [];
  if (!text || !n) return null;
  return { bytes: Buffer.from(text.buffer, text.byteOffset, text.byteLength), rows: Number(Buffer.from(n).toString('latin1')) };
}

/** A table's content lines a batch at a time: built by the database, or rows turned into lines here for a table without a key. */
export async function* tableLineBatches(trx: Knex.Transaction, table: TableInfo, kind: Database['kind']): AsyncGenerator<LineBatch> {
  if (table.primaryKey.length > 0) {
    yield* contentLineBatches(trx, table, kind);
    return;
  }
  for await (const batch of readTableBatches(trx, table)) yield { bytes: Buffer.from(batch.map((values) => `${JSON.stringify({ table: table.name, values })}\n`).join(''), 'utf8'), rows: batch.length };
}

/** A table's rows as text values, in primary-key order, a batch at a time. */
async function* readTableBatches(trx: Knex.Transaction, table: TableInfo): AsyncGenerator<Array<Array<string | null>>> {
  const select = table.columns.map((c, i) => `${quoteIdent(c.name)}::text AS c${i}`).join(', ');
  const toValues = (row: Record<string, string | null>) => table.columns.map((_, i) => row[`c${i}`] ?? null);
  const from = quoteIdent(table.name);
  if (table.primaryKey.length > 0) {
    const pkIndex = table.primaryKey.map((name) => table.columns.findIndex((c) => c.name === name));
    const pkList = table.primaryKey.map(quoteIdent).join(', ');
    const pkCasts = pkIndex.map((i) => `?::${table.columns[i]!.type}`).join(', ');
    let after: Array<string | null> | null = null;
    for (;;) {
      const where: string = after ? `WHERE (${pkList}) > (${pkCasts})` : '';
      const batch: Array<Record<string, string | null>> = await rows<Record<string, string | null>>(trx, `SELECT ${select} FROM ${from} ${where} ORDER BY ${pkList} LIMIT ${READ_BATCH}`, after ?? []);
      if (batch.length === 0) return;
      const values = batch.map(toValues);
      yield values;
      if (batch.length < READ_BATCH) return;
      const last: Array<string | null> = values[values.length - 1]!;
      after = pkIndex.map((i) => last[i]!);
    }
  }
  // No primary key: a cursor over all columns in text order (still one row set, constant memory).
  const cursor = `tachiai_backup_${crypto.randomBytes(4).toString('hex')}`;
  await trx.raw(`DECLARE ${cursor} NO SCROLL CURSOR FOR SELECT ${select} FROM ${from} ORDER BY ${table.columns.map((_, i) => i + 1).join(', ')}`);
  try {
    for (;;) {
      const batch = await rows<Record<string, string | null>>(trx, `FETCH ${READ_BATCH} FROM ${cursor}`);
      if (batch.length === 0) return;
      yield batch.map(toValues);
    }
  } finally {
    await trx.raw(`CLOSE ${cursor}`);
  }
}

// ---------------------------------------------------------------- restore

export interface RestoreOptions {
  onProgress?: (p: TableProgress) => void;
  /** Called once the file has been checked completely. */
  onChecked?: (header: BackupHeader, trailer: Trailer) => void;
  /** Called when the target has passed its checks and been migrated, before rows go in. */
  onTargetReady?: (kind: Database['kind']) => void;
  /**
   * Restore although the target's signing / badge keys differ from the backup's: checkpoints
   * signed with the old key then fail `verify`, and card UIDs must be registered again.
   */
  acceptNewKeys?: boolean;
  /** The key that sealed the backup; by default this server's (BACKUP_KEY or DATA_DIR/secrets/backup-key). */
  backupKey?: Buffer;
  /** Steps of the restore after the rows (building indexes, checking keys), for the command line. */
  onStep?: (message: string) => void;
}

export interface RestoreSummary {
  header: BackupHeader;
  counts: Record<string, number>;
  totalRows: number;
  database: Database['kind'];
  verify: DeepResult;
}

export async function restoreBackup(config: Config, inFile: string, options: RestoreOptions = {}): Promise<RestoreSummary> {
  const file = path.resolve(inFile);
  if (!fs.existsSync(file)) throw new BackupError(`${file} does not exist.`);
  const backupKey = options.backupKey ?? peekBackupKey(config);
  // An embedded directory without a database (a new DATA_DIR, the drill's scratch directory): the
  // file is read once, on a thread of its own, into a database built aside that becomes the
  // directory's only when everything is in and checked (issue 17, item 5: the embedded database
  // restores on one thread, so reading the file twice cost a third of the time).
  if (!config.databaseUrl && !fs.existsSync(path.join(config.dataDir, 'pgdata'))) return restoreAside(config, file, backupKey, options);

  // 1. The whole file, before the database is touched: every chunk authenticated (sealed), the
  //    hash and the counts checked (the values are parsed and checked by the loading reading).
  options.onStep?.('Checking the whole file first');
  let header: BackupHeader | null = null;
  for await (const item of readBackup(file, backupKey, { rows: 'count' })) {
    if (item.kind === 'header') header = item.header;
    else if (item.kind === 'trailer') options.onChecked?.(header!, item.trailer);
  }
  if (!header) throw new BackupError(`${file} has no header.`);
  // 2. Keys, before the target is opened.
  const problems = refuseWrongKeys(config, header, options);

  // 3. The target: the same database the other commands open (lock included, for PGlite).
  const db = await createDatabase({ databaseUrl: config.databaseUrl, embeddedDir: config.databaseUrl ? undefined : config.dataDir, embeddedSharedBuffers: config.embeddedSharedBuffers, embeddedWasm: config.embeddedWasm ?? RESTORE_WASM });
  try {
    const target = await prepareTarget(db, header);
    const secrets = loadSecrets(config);
    options.onTargetReady?.(db.kind);
    // 4. Every row in one transaction; the file read a second time, on a thread of its own
    //    (restore-reader.ts: decrypting and encoding the rows for COPY while the database loads
    //    the batch before), checked again as it goes.
    const firstHeader = JSON.stringify(header);
    const counts = await db.knex.transaction(async (trx) => {
      const load = new TableLoader(trx, db, header!, target, options);
      await load.begin();
      for await (const item of readBackupOnThread(file, backupKey)) {
        if (item.kind === 'header' && JSON.stringify(item.header) !== firstHeader) throw new BackupError(`${file} changed while it was being restored. Nothing was restored.`);
        if (item.kind === 'batch') await load.copy(item.table.name, item.text, item.rows, item.format);
      }
      return load.finish(problems.length > 0);
    });
    // 5. The proof: the journal verifies with this server's key, and the tables agree with it
    // (security review, finding 3: a backup whose rows were edited fails here).
    // The site's earlier signing keys, endorsed through the restored key history (a rotation, issue 19 item 6b).
    await loadKeyHistory(db.knex, secrets.signing);
    const verify = await verifyDeep(db.knex, secrets.signing);
    return { header, counts, totalRows: Object.values(counts).reduce((a, b) => a + b, 0), database: db.kind, verify };
  } finally {
    await db.close();
  }
}

/**
 * How a restore compiles the embedded database's WebAssembly unless EMBEDDED_WASM says otherwise:
 * optimised. The restore is one thread of WebAssembly work; optimised code takes a quarter less
 * CPU for it, for about 45 MB more (docs/performance.md). The server's default stays 'baseline'.
 */
const RESTORE_WASM = 'optimising';

/**
 * The one-reading restore into an embedded directory without a database. A refusal or any failure
 * before the end removes the database built aside: the directory is left as it was. Every byte
 * written comes from a chunk already authenticated; the whole file's hash and counts are checked
 * at its end, before the rows are committed.
 */
async function restoreAside(config: Config, file: string, backupKey: Buffer | null, options: RestoreOptions): Promise<RestoreSummary> {
  options.onStep?.(`Reading the file once, each chunk authenticated as it is read, into a database built aside (${path.join(config.dataDir, 'pgdata.restoring')})`);
  const items = readBackupOnThread(file, backupKey);
  // The database is made aside while the reader thread starts and reads the header: a refusal
  // then removes it (close() without promote()).
  const opening = createDatabase({ embeddedDir: config.dataDir, embeddedRestore: true, embeddedStartMigrated: true, embeddedSharedBuffers: config.embeddedSharedBuffers, embeddedWasm: config.embeddedWasm ?? RESTORE_WASM });
  opening.catch(() => undefined); // awaited below, or closed in finally
  let db: Database | null = null;
  try {
    const first = await items.next();
    if (first.done || first.value.kind !== 'header') throw new BackupError(`${file} has no header.`);
    const header = first.value.header;
    const problems = refuseWrongKeys(config, header, options);
    const opened = await opening;
    db = opened;
    const target = await prepareTarget(opened, header);
    const secrets = loadSecrets(config);
    options.onTargetReady?.(opened.kind);
    const counts = await opened.knex.transaction(async (trx) => {
      const load = new TableLoader(trx, opened, header, target, options);
      await load.begin({ truncate: true });
      for (;;) {
        const next = await items.next();
        if (next.done) throw new BackupError(`${file} ended before its trailer. Nothing was restored.`);
        const item = next.value;
        if (item.kind === 'batch') await load.copy(item.table.name, item.text, item.rows, item.format);
        else if (item.kind === 'trailer') {
          options.onChecked?.(header, item.trailer);
          break;
        } else throw new BackupError(`${file} has a second header. Nothing was restored.`);
      }
      return load.finish(problems.length > 0);
    });
    // The site's earlier signing keys, endorsed through the restored key history (a rotation, issue 19 item 6b).
    await loadKeyHistory(db.knex, secrets.signing);
    const verify = await verifyDeep(db.knex, secrets.signing);
    await db.promote!();
    return { header, counts, totalRows: Object.values(counts).reduce((a, b) => a + b, 0), database: db.kind, verify };
  } finally {
    await items.return(undefined);
    await (db ?? (await opening.catch(() => null)))?.close();
  }
}

/**
 * Keys (before the target is opened, so a refusal leaves it untouched): checkpoints are checked
 * with the signing key, card UIDs matched with the badge key. Returns the differences accepted
 * with --accept-new-keys.
 */
function refuseWrongKeys(config: Config, header: BackupHeader, options: RestoreOptions): string[] {
  const problems = keyProblems(header, peekSecrets(config));
  if (problems.length > 0 && !options.acceptNewKeys) {
    throw new BackupError(
      `The target's keys are not the ones the backup needs:\n${problems.map((p) => `  - ${p}`).join('\n')}\n` +
        `Copy the "secrets" directory of the original data directory into ${path.join(config.dataDir, 'secrets')} ` +
        `(or set SIGNING_KEY / BADGE_SECRET / PIN_PEPPER to the original values) and run restore again. ` +
        `To restore with new keys anyway, add --accept-new-keys (then "verify" fails on the old checkpoints). Nothing was restored.`,
    );
  }
  return problems;
}

/** The target empty, at the backup's migration level, migrated, and with the backup's schema: its tables. */
async function prepareTarget(db: Database, header: BackupHeader): Promise<TableInfo[]> {
  const knex = db.knex;
  const occupied = await nonEmptyTables(knex);
  if (occupied.length > 0) {
    throw new BackupError(
      `The target database is not empty (rows in ${occupied.join(', ')}). A restore only goes into an empty database: ` +
        `use a new DATA_DIR, or a newly created PostgreSQL database in DATABASE_URL. Nothing was restored.`,
    );
  }
  const known = [...(await appliedMigrations(knex)), ...(await pendingMigrations(knex))];
  if (known.join('\n') !== header.migrations.join('\n')) {
    // Rows are restored into the schema they were read from: data migrations written since
    // would not run on them. An older backup goes through the version that made it.
    const older = header.migrations.length < known.length && header.migrations.every((m, i) => known[i] === m);
    throw new BackupError(
      older
        ? `The backup was made at migration ${header.migrations.at(-1) ?? '(none)'}, this Tachiai is at ${known.at(-1)}. ` +
            `Restore it with the Tachiai version that made it, then upgrade (which migrates). Nothing was restored.`
        : `The backup was made by another Tachiai version (migrations ${header.migrations.join(', ')}; this version has ${known.join(', ')}). ` +
            `Restore it with that version. Nothing was restored.`,
    );
  }
  await migrateToLatest(knex);
  const target = await readTables(knex);
  const mismatch = schemaMismatch(header.tables, target);
  if (mismatch) throw new BackupError(`The target's schema differs from the backup's: ${mismatch}. Nothing was restored.`);
  return target;
}

/** A table whose first batch has this many rows is emptied in the restore's transaction, so that its rows skip the WAL. */
const FREEZE_FROM_ROWS = 1000;

/**
 * The rows of a restore going into their tables, inside its one transaction: tables in the
 * header's order (a table without rows is reported, with 0, when a later table's first row or the
 * end arrives), column names and types from the target's catalog (checked equal to the header's),
 * never from the file into the SQL text. Rows first, then the secondary indexes and foreign keys,
 * as pg_restore does: built and checked once over the whole table instead of row by row.
 */
class TableLoader {
  private next = 0;
  private table: TableInfo | null = null;
  private n = 0;
  private readonly counts: Record<string, number> = {};
  private deferred: Deferrable | null = null;
  /** Large tables are emptied in this transaction before their rows go in frozen (COPY FREEZE). */
  private freezeLarge = false;
  /** The tables emptied in this transaction: their rows go in frozen. */
  private readonly truncated = new Set<string>();
  private readonly targetByName: Map<string, TableInfo>;

  constructor(
    private readonly trx: Knex.Transaction,
    private readonly db: Pick<Database, 'kind' | 'withMemoryFile'>,
    private readonly header: BackupHeader,
    target: TableInfo[],
    private readonly options: RestoreOptions,
  ) {
    this.targetByName = new Map(target.map((t) => [t.name, t]));
  }

  /**
   * `truncate`: a table whose first batch is large is emptied (it is) in this transaction before
   * its rows go in, so that with the restore's wal_level=minimal they skip the WAL. Only those:
   * emptying all 70 tables (new files for each and its indexes) took 0.4–0.7 s, for tables whose
   * few rows cost the WAL next to nothing.
   */
  async begin(opts: { truncate?: boolean } = {}): Promise<void> {
    await applyTextSettings(this.trx);
    this.deferred = await dropDeferrable(this.trx);
    this.freezeLarge = opts.truncate ?? false;
  }

  /** A batch already in COPY's binary or text format (restore-reader.ts), in the file's column order. */
  async copy(tableName: string, text: Uint8Array<ArrayBuffer>, rows: number, format: 'binary' | 'text' = 'text'): Promise<void> {
    const table = await this.enter(tableName);
    if (this.freezeLarge && this.n === 0 && rows >= FREEZE_FROM_ROWS) {
      // The journal's append-only triggers refuse TRUNCATE; the table was checked empty
      // (prepareTarget), so the triggers are held off for this one statement only.
      await this.trx.raw('SET LOCAL session_replication_role = replica');
      await this.trx.raw(`TRUNCATE ${quoteIdent(table.name)}`);
      await this.trx.raw('SET LOCAL session_replication_role = origin');
      this.truncated.add(table.name);
    }
    await copyInto(this.trx, this.db, table, text, this.truncated.has(table.name), format);
    const before = this.n;
    this.n += rows;
    if (Math.floor(this.n / PROGRESS_EVERY) > Math.floor(before / PROGRESS_EVERY)) this.options.onProgress?.({ table: table.name, rows: this.n, done: false });
  }


  /** The last rows in, indexes and keys back, sequences set; the row counts. */
  async finish(newKeys: boolean): Promise<Record<string, number>> {
    await this.finishTablesBefore(this.header.tables.length);
    const deferred = this.deferred!;
    this.options.onStep?.(`Building ${deferred.indexes.length} indexes and checking ${deferred.foreignKeys.length} foreign keys`);
    await recreateDeferrable(this.trx, deferred, this.options.onStep);
    await restoreSequences(this.trx, this.header, [...this.targetByName.values()]);
    if (newKeys) {
      // Restored with new keys (--accept-new-keys): the old fingerprint and its escrow no longer
      // describe this server's secrets; its first start records the new ones.
      await this.trx.raw('UPDATE site_settings SET secrets_fingerprint = NULL, secrets_escrowed_at = NULL');
    }
    return this.counts;
  }

  private async enter(tableName: string): Promise<TableInfo> {
    if (this.table?.name === tableName) return this.table;
    await this.finishTablesBefore(this.header.tables.findIndex((t) => t.name === tableName));
    const fileTable = this.header.tables[this.next]!;
    const there = this.targetByName.get(tableName)!;
    const columns: ColumnInfo[] = fileTable.columns.map((c): ColumnInfo => there.columns.find((tc) => tc.name === c.name)!);
    this.table = { name: there.name, primaryKey: there.primaryKey, columns };
    this.next++;
    this.n = 0;
    return this.table;
  }

  private async finishTablesBefore(index: number): Promise<void> {
    if (this.table) {
      this.counts[this.table.name] = this.n;
      this.options.onProgress?.({ table: this.table.name, rows: this.n, done: true });
      this.table = null;
    }
    for (; this.next < index; this.next++) {
      const empty = this.header.tables[this.next]!.name;
      this.counts[empty] = 0;
      this.options.onProgress?.({ table: empty, rows: 0, done: true });
    }
  }
}

/** The backup key this server would use, without creating one (null: none yet). */
function peekBackupKey(config: Config): Buffer | null {
  if (config.backupKey) return Buffer.from(config.backupKey.trim(), 'utf8');
  const file = path.join(config.dataDir, 'secrets', 'backup-key');
  return fs.existsSync(file) ? Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'utf8') : null;
}

/**
 * The keys the target would use, without creating any file (loadSecrets with persist would
 * generate missing ones, and loadSecrets without persist ignores existing ones). The file
 * names are those of ../secrets.ts.
 */
function peekSecrets(config: Config): { secrets: Secrets; missing: Set<'signing' | 'badge' | 'pepper'> } {
  const dir = path.join(config.dataDir, 'secrets');
  const missing = new Set<'signing' | 'badge' | 'pepper'>();
  const pepperFile = path.join(dir, 'pin-pepper');
  let pinPepper = config.pinPepper;
  if (!pinPepper) {
    if (fs.existsSync(pepperFile)) pinPepper = fs.readFileSync(pepperFile, 'utf8');
    else missing.add('pepper');
  }
  const signingFile = path.join(dir, 'signing-key.pem');
  const badgeFile = path.join(dir, 'badge-secret');
  let signingKey = config.signingKey;
  if (!signingKey) {
    if (fs.existsSync(signingFile)) signingKey = signingFile;
    else missing.add('signing');
  }
  let badgeSecret = config.badgeSecret;
  if (!badgeSecret) {
    if (fs.existsSync(badgeFile)) badgeSecret = fs.readFileSync(badgeFile, 'utf8');
    else missing.add('badge');
  }
  // The JWT secret plays no part in the check; a placeholder keeps loadSecrets from inventing one.
  const secrets = loadSecrets({ ...config, signingKey, badgeSecret, pinPepper, jwtSecret: config.jwtSecret ?? 'placeholder-for-the-key-check-only' }, { persist: false });
  return { secrets, missing };
}

function keyProblems(header: BackupHeader, present: { secrets: Secrets; missing: Set<'signing' | 'badge' | 'pepper'> }): string[] {
  const problems: string[] = [];
  // The target's key, and the earlier keys it endorses through the backup's key history (a rotation, issue 19 item 6b).
  const known = new Set([present.secrets.signing.keyId, ...(present.secrets.signing.next ? [present.secrets.signing.next.keyId] : [])]);
  if (!present.missing.has('signing')) for (const k of endorsedKeys(header.keys.history ?? [], present.secrets.signing)) known.add(k.keyId);
  const foreign = header.keys.checkpointKeyIds.filter((id) => !known.has(id));
  if (foreign.length > 0) {
    problems.push(
      `the journal's signed checkpoints need signing key ${foreign.join(', ')}; ` +
        (present.missing.has('signing') ? 'the target has no signing key yet' : `the target has ${present.secrets.signing.keyId}`),
    );
  }
  if (header.keys.badges > 0 && header.keys.badgeKeyFingerprint !== badgeKeyFingerprint(present.secrets.badgeKey)) {
    problems.push(`the ${header.keys.badges} badge(s) need the original badge key; the target ${present.missing.has('badge') ? 'has none yet' : 'has another one'}`);
  }
  // PINs are keyed with the pepper, which no backup holds (review finding 7): without the
  // original one no PIN would verify after the restore.
  if (header.keys.badges > 0 && header.keys.pinPepperFingerprint && header.keys.pinPepperFingerprint !== keyFingerprint(present.secrets.pinPepper, 'pin-pepper')) {
    problems.push(`the badges' PINs need the original PIN pepper; the target ${present.missing.has('pepper') ? 'has none yet' : 'has another one'}`);
  }
  return problems;
}

function schemaMismatch(backup: TableInfo[], target: TableInfo[]): string | null {
  const byName = new Map(target.map((t) => [t.name, t]));
  for (const t of backup) {
    const there = byName.get(t.name);
    if (!there) return `table ${t.name} does not exist`;
    const columns = new Map(there.columns.map((c) => [c.name, c.type]));
    for (const c of t.columns) {
      if (!columns.has(c.name)) return `column ${t.name}.${c.name} does not exist`;
      if (columns.get(c.name) !== c.type) return `column ${t.name}.${c.name} is ${columns.get(c.name)}, the backup has ${c.type}`;
    }
    const extra = there.columns.filter((c) => !t.columns.some((b) => b.name === c.name));
    if (extra.length) return `table ${t.name} has columns the backup lacks (${extra.map((c) => c.name).join(', ')})`;
  }
  const missing = target.filter((t) => !backup.some((b) => b.name === t.name));
  if (missing.length) return `tables ${missing.map((t) => t.name).join(', ')} are not in the backup`;
  return null;
}

/**
 * Rows in COPY's binary format (copy-binary.ts) or text into a table: PGlite's COPY FROM a file of
 * its in-memory file system (db.withMemoryFile), PostgreSQL's COPY FROM STDIN on the transaction's own connection — on PostgreSQL
 * three times as fast as the INSERT … unnest it replaces (issue 17, item 5: ≥ 50,000 rows/s).
 */
async function copyInto(trx: Knex.Transaction, db: Pick<Database, 'kind' | 'withMemoryFile'>, table: TableInfo, data: Uint8Array<ArrayBuffer>, freeze = false, format: 'binary' | 'text' = 'text'): Promise<void> {
  const columns = table.columns.map((c) => quoteIdent(c.name)).join(', ');
  const options = [...(format === 'binary' ? ['FORMAT binary'] : []), ...(freeze ? ['FREEZE'] : [])];
  const withOptions = options.length ? ` WITH (${options.join(', ')})` : '';
  if (db.kind === 'pglite') {
    // The batch as a file of PGlite's in-memory file system (a name it made, never from the backup).
    await db.withMemoryFile!(data, (file) => trx.raw(`COPY ${quoteIdent(table.name)} (${columns}) FROM '${file.replace(/'/g, "''")}'${withOptions}`));
    return;
  }
  // The transaction's connection (knex hands the same one to every query of the transaction).
  const connection = (await (trx.client as { acquireConnection(): Promise<pg.Client> }).acquireConnection()) as pg.Client;
  const copy = connection.query(copyFrom(`COPY ${quoteIdent(table.name)} (${columns}) FROM STDIN${withOptions}`));
  await pipeline(Readable.from([Buffer.from(data.buffer, data.byteOffset, data.byteLength)]), copy);
}

interface Deferrable {
  indexes: Array<{ name: string; definition: string }>;
  foreignKeys: Array<{ table: string; name: string; definition: string }>;
}

/** Drops the foreign keys and the indexes that back no constraint, returning their definitions. */
async function dropDeferrable(trx: Knex.Transaction): Promise<Deferrable> {
  const foreignKeys = await rows<{ table: string; name: string; definition: string }>(
    trx,
    `SELECT c.conrelid::regclass::text AS table, c.conname AS name, pg_get_constraintdef(c.oid) AS definition
       FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE c.contype = 'f' AND n.nspname = current_schema() ORDER BY 1, 2`,
  );
  const indexes = await rows<{ name: string; definition: string }>(
    trx,
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
       FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = current_schema() AND t.relkind = 'r' AND t.relname NOT LIKE 'knex\\_%'
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1`,
  );
  // A statement per table and one for all the indexes: one per key and per index (176) took 0.6 s
  // of an embedded restore, against 0.2 s.
  const byTable = new Map<string, string[]>();
  for (const fk of foreignKeys) byTable.set(fk.table, [...(byTable.get(fk.table) ?? []), fk.name]);
  for (const [table, names] of byTable) await trx.raw(`ALTER TABLE ${table} ${names.map((name) => `DROP CONSTRAINT ${quoteIdent(name)}`).join(', ')}`);
  if (indexes.length) await trx.raw(`DROP INDEX ${indexes.map((ix) => ix.name).join(', ')}`);
  return { indexes, foreignKeys };
}

/** The indexes built again and the foreign keys added again (checked over every row) from their own definitions. */
async function recreateDeferrable(trx: Knex.Transaction, deferred: Deferrable, onStep?: (message: string) => void): Promise<void> {
  await trx.raw("SET LOCAL maintenance_work_mem = '64MB'");
  // Each one that takes a while said with its time, as it ends: on a large site these are the
  // restore's longest silent seconds. The many quick ones (a small table's) are summed at the end
  // rather than listed, a line each, among them.
  let quick = 0;
  let quickSeconds = 0;
  const timed = async (what: string, sql: string) => {
    const started = performance.now();
    await trx.raw(sql);
    const seconds = (performance.now() - started) / 1000;
    if (seconds >= 0.1) onStep?.(`  ${what} (${seconds.toFixed(1)} s)`);
    else {
      quick++;
      quickSeconds += seconds;
    }
  };
  for (const ix of deferred.indexes) await timed(`index ${ix.name}`, ix.definition);
  for (const fk of deferred.foreignKeys) await timed(`foreign key ${fk.table}.${fk.name}`, `ALTER TABLE ${fk.table} ADD CONSTRAINT ${quoteIdent(fk.name)} ${fk.definition}`);
  if (quick > 0) onStep?.(`  and ${quick} more, each under 0.1 s (${quickSeconds.toFixed(1)} s in all)`);
}

/** Sequences as they were, and never behind the ids restored into their columns. */
async function restoreSequences(trx: Knex.Transaction, header: BackupHeader, target: TableInfo[]): Promise<void> {
  const existing = new Set((await readSequences(trx)).map((s) => s.name));
  for (const s of header.sequences) {
    if (s.lastValue !== null && existing.has(s.name)) await trx.raw('SELECT setval(?::regclass, ?::bigint, true)', [quoteIdent(s.name), s.lastValue]);
  }
  const columns = new Set(target.flatMap((t) => t.columns.map((c) => `${t.name}\u0000${c.name}`)));
  for (const owned of await ownedSequences(trx)) {
    if (!columns.has(`${owned.table}\u0000${owned.column}`)) continue;
    await trx.raw(
      `SELECT setval(?::regclass, m) FROM (SELECT max(${quoteIdent(owned.column)})::bigint AS m FROM ${quoteIdent(owned.table)}) AS restored
        WHERE m IS NOT NULL AND m > (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM ${owned.sequence})`,
      [owned.sequence],
    );
  }
}

// The connection factory: PostgreSQL through `pg`, or the embedded PGlite (real PostgreSQL in
// WASM) through `knex-pglite`. Everything above this file sees one API and one set of value
// types (see ../shared/pglite-notes.md):
//   bigint / count(*) -> string   numeric -> string   date -> 'YYYY-MM-DD'   timestamptz -> Date
// Sessions run in UTC so that any text conversion in SQL is the same on both.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import v8 from 'node:v8';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import type { PGlite } from '@electric-sql/pglite';
import { acquireDataDirLock, type DataDirLock } from './embedded-lock.js';
import { treeCopierThread } from './copy-tree.js';
import { copyEmbeddedTemplate, embeddedTemplatePath, hasEmbeddedTemplate, keepAsEmbeddedTemplate, migratedTemplatePath } from './embedded-template.js';
import { migrationsFingerprint } from './migrate.js';

export type DatabaseKind = 'postgres' | 'pglite';

export interface Database {
  readonly knex: Knex;
  readonly kind: DatabaseKind;
  /** Subscribe to a NOTIFY channel. Resolves to an unsubscribe function. */
  listen(channel: string, handler: (payload: string) => void): Promise<() => Promise<void>>;
  /** Work to finish (and timers to stop) before the pool closes, e.g. the journal intake. */
  onClose(stop: () => Promise<void>): void;
  close(): Promise<void>;
  /**
   * The embedded database kept in files only: a consistent copy of its files into `pgdata` (a new
   * directory), taken while its one connection is held — only for the copy, a fraction of a second
   * for a million entries — so a backup can then read the copy at leisure (issue 17, item 5).
   */
  copyFiles?(pgdata: string): Promise<{ heldMs: number; bytes: number }>;
  /**
   * A restore's embedded database (option `embeddedRestore`): closes it and puts its files in
   * place as the directory's database, under the directory's lock. Until then the files are
   * aside, and close() without it removes them — the directory never holds half a restore.
   */
  promote?(): Promise<void>;
  /**
   * The embedded database only: runs `use` with `data` as a file of the embedded database's own
   * in-memory file system (never the disk), removed afterwards. COPY … FROM that file reads it with
   * a memory copy, where PGlite's '/dev/blob' copies byte by byte in JavaScript (0.5 s of a
   * million-row restore, on the thread the restore waits on).
   */
  withMemoryFile?<T>(data: Uint8Array, use: (file: string) => Promise<T>): Promise<T>;
}

/** The close hooks of a database, run once, before its pool is destroyed. */
function closeHooks() {
  const hooks: Array<() => Promise<void>> = [];
  return {
    add: (stop: () => Promise<void>) => void hooks.push(stop),
    run: async () => {
      for (const stop of hooks.splice(0)) await stop().catch(() => undefined);
    },
  };
}

export interface DatabaseOptions {
  /** postgres://… ; when absent the embedded database is used. */
  databaseUrl?: string | undefined;
  /** Directory of the embedded database; undefined = in memory (tests only). */
  embeddedDir?: string | undefined;
  /** Max connections in the PostgreSQL pool. */
  poolMax?: number;
  /** Where knex's own warnings go (instead of the console). */
  log?: { warn(message: string): void; error(message: string): void } | undefined;
  /** How long one statement may take on PostgreSQL before the client gives up (30 s; bulk tools set more). */
  queryTimeoutMs?: number;
  /** The embedded database's shared_buffers (default EMBEDDED_SHARED_BUFFERS): most of its memory. */
  embeddedSharedBuffers?: string | undefined;
  /**
   * How V8 compiles the embedded database's WebAssembly: 'baseline' (Liftoff only) or 'optimising'
   * (hot functions recompiled by TurboFan: about 15 % less CPU a scan, 80 MB more memory).
   */
  embeddedWasm?: 'baseline' | 'optimising' | undefined;
  /**
   * A restore into an embedded directory that has no database yet: the new database is made
   * aside (`pgdata.restoring`, emptied first), with wal_level=minimal so that rows loaded into the
   * tables truncated in the loading transaction skip the WAL (issue 17, item 5), and becomes the
   * directory's database only by promote().
   */
  embeddedRestore?: boolean;
  /**
   * A new embedded directory starts with this version's migrations applied: a copy of the kept
   * migrated template (./embedded-template.ts), made by a process of its own the first time. For
   * a restore, which migrates its new database before anything else.
   */
  embeddedStartMigrated?: boolean;
}

const OID = { INT8: 20, NUMERIC: 1700, DATE: 1082 } as const;
const identity = (value: string) => value;

export async function createDatabase(options: DatabaseOptions): Promise<Database> {
  return options.databaseUrl
    ? createPostgres(options.databaseUrl, options.poolMax ?? 10, options.log, options.queryTimeoutMs ?? 30_000)
    : createEmbedded(options.embeddedDir, options.embeddedSharedBuffers ?? EMBEDDED_SHARED_BUFFERS, options.embeddedWasm ?? 'baseline', options.embeddedRestore ?? false, options.embeddedStartMigrated ?? false);
}

// ---------------------------------------------------------------- PostgreSQL
function createPostgres(databaseUrl: string, poolMax: number, log: DatabaseOptions['log'], queryTimeoutMs: number): Database {
  const typeOverrides = new pg.TypeOverrides();
  typeOverrides.setTypeParser(OID.INT8, identity);
  typeOverrides.setTypeParser(OID.NUMERIC, identity);
  typeOverrides.setTypeParser(OID.DATE, identity);

  const knex = knexFactory({
    client: 'pg',
    connection: {
      connectionString: databaseUrl,
      types: typeOverrides,
      // Fail fast when the server is down, so requests get a 503 instead of hanging; a server
      // that stops answering on an open connection (partition, freeze) is caught by the query
      // timeout and TCP keepalive.
      connectionTimeoutMillis: 3000,
      query_timeout: queryTimeoutMs,
      keepAlive: true,
      application_name: 'tachiai',
    } as Knex.PgConnectionConfig,
    pool: {
      min: 0,
      max: poolMax,
      afterCreate: (conn: pg.Client, done: (err: Error | null, conn: pg.Client) => void) => {
        // A connection that dies while idle in the pool must not crash the process.
        conn.on('error', () => undefined);
        conn.query("SET TIME ZONE 'UTC'", (err) => done(err ?? null, conn));
      },
    },
    acquireConnectionTimeout: 5000,
    ...(log
      ? { log: { warn: (m: unknown) => log.warn(String(m)), error: (m: unknown) => log.error(String(m)), deprecate: () => undefined, debug: () => undefined } }
      : {}),
  });

  const listener = new PostgresListener(databaseUrl);
  const hooks = closeHooks();
  return {
    knex,
    kind: 'postgres',
    listen: (channel, handler) => listener.listen(channel, handler),
    onClose: hooks.add,
    async close() {
      await hooks.run();
      await listener.close();
      await knex.destroy();
    },
  };
}

/** One dedicated connection for LISTEN, re-established (and re-subscribed) after a failure. */
class PostgresListener {
  private client: pg.Client | null = null;
  private connecting: Promise<pg.Client> | null = null;
  private readonly handlers = new Map<string, Set<(payload: string) => void>>();
  private closed = false;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(private readonly databaseUrl: string) {}

  async listen(channel: string, handler: (payload: string) => void) {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      const client = await this.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    }
    set.add(handler);
    return async () => {
      const current = this.handlers.get(channel);
      current?.delete(handler);
      if (current && current.size === 0) {
        this.handlers.delete(channel);
        await this.client?.query(`UNLISTEN ${pg.escapeIdentifier(channel)}`).catch(() => undefined);
      }
    };
  }

  private connect(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    if (this.connecting) return this.connecting;
    this.connecting = (async () => {
      const client = new pg.Client({ connectionString: this.databaseUrl, connectionTimeoutMillis: 3000 });
      client.on('notification', (msg) => {
        for (const handler of this.handlers.get(msg.channel) ?? []) handler(msg.payload ?? '');
      });
      client.on('error', () => this.reset(client));
      client.on('end', () => this.reset(client));
      try {
        await client.connect();
      } catch (err) {
        this.connecting = null;
        throw err;
      }
      this.client = client;
      this.connecting = null;
      return client;
    })();
    return this.connecting;
  }

  private reset(client: pg.Client) {
    if (this.client !== client) return;
    this.client = null;
    client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect() {
    if (this.closed || this.retryTimer || this.handlers.size === 0) return;
    this.retryTimer = setTimeout(async () => {
      this.retryTimer = null;
      try {
        const client = await this.connect();
        for (const channel of this.handlers.keys()) {
          await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
        }
      } catch {
        this.scheduleReconnect();
      }
    }, 1000);
    this.retryTimer.unref();
  }

  async close() {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }
}

// ---------------------------------------------------------------- PGlite
/**
 * PGlite's own default is 128MB, allocated and touched at start: 260 MB of RSS before the first
 * query. 32MB keeps the door's throughput (docs/performance.md, "The embedded database").
 */
export const EMBEDDED_SHARED_BUFFERS = '32MB';

/** Where a restore builds the embedded database before promote() moves it to `pgdata`. */
const RESTORING_DIR = 'pgdata.restoring';

/** The embedded database's modules, loaded once: a process that will open one soon can start loading them early. */
let embeddedModules: Promise<[typeof import('@electric-sql/pglite'), { default: unknown }]> | null = null;
export function loadEmbeddedModules(): Promise<[typeof import('@electric-sql/pglite'), { default: unknown }]> {
  embeddedModules ??= Promise.all([import('@electric-sql/pglite'), import('knex-pglite') as Promise<{ default: unknown }>]);
  return embeddedModules;
}

async function createEmbedded(embeddedDir: string | undefined, sharedBuffers: string, wasm: 'baseline' | 'optimising', restore: boolean, startMigrated: boolean): Promise<Database> {
  if (restore && !embeddedDir) throw new Error('a restore needs an embedded directory');
  // Read by V8 when PGlite compiles its module, below; the process holds one embedded database.
  // (docs/performance.md, "The embedded database": what each setting gave.)
  if (wasm === 'baseline') v8.setFlagsFromString('--liftoff-only');
  // Loaded only when the embedded database is used: a server on PostgreSQL never pays its
  // memory (about 45 MB measured).
  const [{ PGlite, types: pgliteTypes }, { default: ClientPGLite }] = await loadEmbeddedModules();
  /**
   * knex-pglite 0.14 derives the command from knex's method name, so `.delete()` comes back as
   * 'DEL' and knex returns the raw result instead of the row count PostgreSQL gives. Same answer
   * on both databases: map it to DELETE.
   */
  class ClientPGLiteFixed extends (ClientPGLite as unknown as new (config: unknown) => { processResponse(obj: { method?: string }, runner: unknown): unknown }) {
    override processResponse(obj: { method?: string }, runner: unknown): unknown {
      return super.processResponse(obj.method === 'del' ? { ...obj, method: 'delete' } : obj, runner);
    }
  }

  let lock: DataDirLock | null = null;
  if (embeddedDir) {
    fs.mkdirSync(embeddedDir, { recursive: true, mode: 0o700 });
    // The embedded files belong to one process: a second writer would corrupt them.
    lock = acquireDataDirLock(embeddedDir);
  }
  let pglite: PGlite;
  const pgdata = embeddedDir ? path.join(embeddedDir, restore ? RESTORING_DIR : 'pgdata') : null;
  try {
    if (restore) {
      // Under the lock: nobody else is using these files. A restore that was interrupted left them.
      if (fs.existsSync(path.join(embeddedDir!, 'pgdata'))) throw new Error(`${embeddedDir} already holds a database: a restore only goes into a directory without one`);
      fs.rmSync(pgdata!, { recursive: true, force: true });
    }
    const madeMigrated = pgdata && !fs.existsSync(path.join(pgdata, 'PG_VERSION')) ? await makeEmbeddedDirectory(pgdata, sharedBuffers, startMigrated) : false;
    // One options object: PGlite ignores the second argument when the first is not a string.
    if (!/^\d{1,6}(kB|MB|GB)$/.test(sharedBuffers)) throw new Error(`shared_buffers "${sharedBuffers}" is not a size such as 32MB`);
    pglite = new PGlite({
      ...(pgdata ? { dataDir: pgdata } : {}),
      startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${sharedBuffers}`, ...(restore ? ['-c', 'wal_level=minimal', '-c', 'max_wal_senders=0'] : [])],
      parsers: {
        [pgliteTypes.INT8]: identity,
        [pgliteTypes.NUMERIC]: identity,
        [pgliteTypes.DATE]: identity,
      },
    });
    await pglite.waitReady;
    await pglite.exec("SET TIME ZONE 'UTC'");
    // The kept copy's migrations were applied when it was made; this database is made now.
    if (madeMigrated) await pglite.exec('UPDATE knex_migrations SET migration_time = now()');
  } catch (err) {
    if (restore) fs.rmSync(pgdata!, { recursive: true, force: true });
    lock?.release();
    throw err;
  }
  const knex = knexFactory({
    client: ClientPGLiteFixed as unknown as typeof knexFactory.Client,
    connection: { pglite } as unknown as Knex.StaticConnectionConfig,
    acquireConnectionTimeout: 60_000,
  });
  const hooks = closeHooks();
  let copying: Promise<{ heldMs: number; bytes: number }> | null = null;
  let promoted = false;
  let memoryFiles = 0;
  return {
    knex,
    kind: 'pglite',
    async withMemoryFile(data, use) {
      // /tmp of PGlite's file system is in memory; its data directory is elsewhere (/pglite/data).
      const file = `/tmp/tachiai-${++memoryFiles}`;
      pglite.Module.FS.writeFile(file, data);
      try {
        return await use(file);
      } finally {
        pglite.Module.FS.unlink(file);
      }
    },
    onClose: hooks.add,
    async listen(channel, handler) {
      const unlisten = await pglite.listen(channel, handler);
      return async () => {
        await unlisten().catch(() => undefined);
      };
    },
    async close() {
      await hooks.run();
      await knex.destroy();
      if (!pglite.closed) await pglite.close().catch(() => undefined);
      if (restore && !promoted) fs.rmSync(pgdata!, { recursive: true, force: true });
      lock?.release();
    },
    ...(restore
      ? {
          async promote() {
            await knex.destroy(); // (closes PGlite too)
            if (!pglite.closed) await pglite.close();
            fs.renameSync(pgdata!, path.join(embeddedDir!, 'pgdata'));
            promoted = true;
          },
        }
      : {}),
    ...(embeddedDir && !restore ? { copyFiles: (target: string) => (copying = (copying ?? Promise.resolve()).catch(() => undefined).then(() => copyEmbeddedFiles(knex, pglite, path.join(embeddedDir, 'pgdata'), target))) } : {}),
  };
}

const execFileP = promisify(execFile);

/**
 * A new embedded directory: a copy of the kept empty one (./embedded-template.ts), or else made by
 * initdb — which then becomes the kept one. With `migrated`, a copy of the kept migrated one, or
 * else made and migrated by a process of its own — which then becomes the kept migrated one; where
 * that cannot be done, the empty one (the caller migrates). Built aside and renamed into place, so
 * an interrupted start never leaves a directory that looks like a database and is half of one.
 * Returns whether the directory is migrated.
 */
async function makeEmbeddedDirectory(pgdata: string, sharedBuffers: string, migrated: boolean): Promise<boolean> {
  if (fs.existsSync(pgdata)) {
    if (fs.readdirSync(pgdata).length > 0) throw new Error(`${pgdata} holds files but no database (no PG_VERSION): move them away and start again`);
    fs.rmdirSync(pgdata);
  }
  const building = `${pgdata}.new`;
  fs.rmSync(building, { recursive: true, force: true });
  const fingerprint = migrated ? migrationsFingerprint() : null;
  try {
    if (fingerprint && (await makeMigratedDirectory(building, sharedBuffers, migratedTemplatePath(fingerprint)))) {
      fs.renameSync(building, pgdata);
      return true;
    }
    const template = embeddedTemplatePath();
    if (hasEmbeddedTemplate(template)) copyEmbeddedTemplate(template, building);
    else {
      await initdbInChild(building, sharedBuffers);
      keepAsEmbeddedTemplate(building, template);
    }
    fs.renameSync(building, pgdata);
    return false;
  } finally {
    fs.rmSync(building, { recursive: true, force: true });
  }
}

/** A migrated new directory in `building`, from the kept one or made in a child (then kept); false if it could not be made. */
async function makeMigratedDirectory(building: string, sharedBuffers: string, template: string): Promise<boolean> {
  if (hasEmbeddedTemplate(template)) {
    copyEmbeddedTemplate(template, building);
    return true;
  }
  const work = `${building}-migrating`;
  fs.rmSync(work, { recursive: true, force: true });
  try {
    const script = fileURLToPath(new URL('./embedded-migrated.ts', import.meta.url));
    // tsx by its path: `--import tsx` would be looked for from the working directory.
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    await execFileP(process.execPath, ['--liftoff-only', '--import', tsx, script, work, sharedBuffers], { timeout: 120_000 });
    keepAsEmbeddedTemplate(path.join(work, 'pgdata'), template);
    fs.renameSync(path.join(work, 'pgdata'), building);
    return true;
  } catch {
    // Only speed is lost: the empty directory is made instead, and migrated by the caller.
    fs.rmSync(building, { recursive: true, force: true });
    return false;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** A new embedded directory is made by a short-lived process (./embedded-initdb.mjs says why). */
async function initdbInChild(pgdata: string, sharedBuffers: string): Promise<void> {
  const script = fileURLToPath(new URL('./embedded-initdb.mjs', import.meta.url));
  try {
    // Liftoff only: initdb runs once, so optimising its hot functions costs more CPU than it saves
    // (1.8 instead of 3.1 s of CPU measured, and 100 MB less; docs/performance.md).
    await execFileP(process.execPath, ['--liftoff-only', script, pgdata, sharedBuffers], { timeout: 120_000 });
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? '').trim();
    throw new Error(`could not create the embedded database in ${pgdata}: ${stderr.split('\n').at(-1) || (err as Error).message}`);
  }
}

/**
 * An online copy of the embedded database's files, as pg_basebackup takes one: pg_backup_start
 * (an immediate checkpoint), the files copied while scans go on writing, pg_backup_stop, then the
 * WAL from the start to the stop and the backup label beside them. Opening the copy replays that
 * WAL, which makes every page consistent as of the stop (full-page writes cover pages torn by the
 * copy). The one connection is held only for the two statements — milliseconds, whatever the
 * size (issue 17, item 5). One copy at a time: a session holds one backup.
 */
async function copyEmbeddedFiles(knex: Knex, pglite: PGlite, source: string, target: string): Promise<{ heldMs: number; bytes: number }> {
  if (fs.existsSync(target)) throw new Error(`${target} exists already`);
  const client = knex.client as { acquireConnection(): Promise<unknown>; releaseConnection(connection: unknown): Promise<unknown> };
  let heldMs = 0;
  const holding = async <T>(work: () => Promise<T>): Promise<T> => {
    const connection = await client.acquireConnection();
    const started = performance.now();
    try {
      return await work();
    } finally {
      heldMs += performance.now() - started;
      await client.releaseConnection(connection);
    }
  };
  const walDir = path.join(source, 'pg_wal');
  // The files are copied on a thread of their own (./copy-tree.ts), which loads meanwhile.
  const copier = treeCopierThread();
  let bytes = 0;
  let stopped = false;
  let started = false;
  try {
    const start = await holding(async () => (await pglite.query<{ file: string }>("SELECT pg_walfile_name(pg_backup_start('tachiai backup', true)) AS file")).rows[0]!.file);
    started = true;
    // WAL comes after the stop; a label left by an earlier copy is not this one's.
    bytes += await copier.copy({ source, target, exclude: ['^pg_wal/[0-9A-F]{24}$', '(^|/)backup_label$'] });
    const stop = await holding(async () => {
      const [row] = (await pglite.query<{ file: string; labelfile: string; spcmapfile: string }>('SELECT pg_walfile_name(lsn) AS file, labelfile, spcmapfile FROM pg_backup_stop(false)')).rows;
      stopped = true;
      return row!;
    });
    // Every segment from the start to the stop; one recycled meanwhile (a checkpoint during the
    // copy) makes the copy unusable, which must fail here rather than when it is opened.
    const wanted = segmentsBetween(start, stop.file, fs.statSync(path.join(walDir, start), { throwIfNoEntry: false })?.size ?? 0);
    if (wanted.some((name) => !fs.existsSync(path.join(walDir, name)))) {
      throw new Error(`the write-ahead log from ${start} to ${stop.file} is no longer complete (a checkpoint ran during the copy); try again`);
    }
    for (const name of wanted) {
      await fs.promises.copyFile(path.join(walDir, name), path.join(target, 'pg_wal', name));
      bytes += (await fs.promises.stat(path.join(target, 'pg_wal', name))).size;
    }
    for (const [name, text] of [['backup_label', stop.labelfile], ['tablespace_map', stop.spcmapfile]] as const) {
      if (!text) continue;
      fs.writeFileSync(path.join(target, name), text, { mode: 0o600 });
      bytes += Buffer.byteLength(text);
    }
  } catch (err) {
    if (started && !stopped) await holding(() => pglite.query('SELECT pg_backup_stop(false)')).catch(() => undefined);
    await fs.promises.rm(target, { recursive: true, force: true });
    throw err;
  } finally {
    await copier.close();
  }
  return { heldMs, bytes };
}

/**
 * The WAL segment names from `first` to `last`: timeline, then the position in two halves of 8 hex
 * digits, the low half counting segments of `segmentBytes` within 4 GB (`first` alone when its
 * size is unknown — it is gone, which the caller then finds).
 */
export function segmentsBetween(first: string, last: string, segmentBytes: number): string[] {
  if (segmentBytes <= 0) return [first];
  const perHigh = 0x100000000n / BigInt(segmentBytes);
  const position = (name: string) => BigInt(`0x${name.slice(8, 16)}`) * perHigh + BigInt(`0x${name.slice(16)}`);
  const hex = (n: bigint) => n.toString(16).toUpperCase().padStart(8, '0');
  const names: string[] = [];
  for (let p = position(first); p <= position(last); p++) names.push(`${first.slice(0, 8)}${hex(p / perHigh)}${hex(p % perHigh)}`);
  return names;
}

// The connection factory: PostgreSQL through `pg`, or the embedded PGlite (real PostgreSQL in
// WASM) through `knex-pglite`. Everything above this file sees one API and one set of value
// types (see ../shared/pglite-notes.md):
//   bigint / count(*) -> string   numeric -> string   date -> 'YYYY-MM-DD'   timestamptz -> Date
// Sessions run in UTC so that any text conversion in SQL is the same on both.
import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import type { PGlite } from '@electric-sql/pglite';
import { acquireDataDirLock, type DataDirLock } from './embedded-lock.js';

export type DatabaseKind = 'postgres' | 'pglite';

export interface Database {
  readonly knex: Knex;
  readonly kind: DatabaseKind;
  /** Subscribe to a NOTIFY channel. Resolves to an unsubscribe function. */
  listen(channel: string, handler: (payload: string) => void): Promise<() => Promise<void>>;
  /** Work to finish (and timers to stop) before the pool closes, e.g. the journal intake. */
  onClose(stop: () => Promise<void>): void;
  close(): Promise<void>;
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
}

const OID = { INT8: 20, NUMERIC: 1700, DATE: 1082 } as const;
const identity = (value: string) => value;

export async function createDatabase(options: DatabaseOptions): Promise<Database> {
  return options.databaseUrl
    ? createPostgres(options.databaseUrl, options.poolMax ?? 10, options.log, options.queryTimeoutMs ?? 30_000)
    : createEmbedded(options.embeddedDir);
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
async function createEmbedded(embeddedDir: string | undefined): Promise<Database> {
  // Loaded only when the embedded database is used: a server on PostgreSQL never pays its
  // memory (about 45 MB measured).
  const [{ PGlite, types: pgliteTypes }, { default: ClientPGLite }] = await Promise.all([import('@electric-sql/pglite'), import('knex-pglite')]);
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
  try {
    // One options object: PGlite ignores the second argument when the first is not a string.
    pglite = new PGlite({
      ...(embeddedDir ? { dataDir: path.join(embeddedDir, 'pgdata') } : {}),
      parsers: {
        [pgliteTypes.INT8]: identity,
        [pgliteTypes.NUMERIC]: identity,
        [pgliteTypes.DATE]: identity,
      },
    });
    await pglite.waitReady;
    await pglite.exec("SET TIME ZONE 'UTC'");
  } catch (err) {
    lock?.release();
    throw err;
  }
  const knex = knexFactory({
    client: ClientPGLiteFixed as unknown as typeof knexFactory.Client,
    connection: { pglite } as unknown as Knex.StaticConnectionConfig,
    acquireConnectionTimeout: 60_000,
  });
  const hooks = closeHooks();
  return {
    knex,
    kind: 'pglite',
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
      lock?.release();
    },
  };
}

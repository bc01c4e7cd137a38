// Each test file gets its own database: a fresh PostgreSQL database on the server named by
// DATABASE_URL (created and dropped here), or a fresh in-memory PGlite when it is unset.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { loadConfig, type Config } from '../../server/config.js';
import { siteOf } from '../../server/system/site.js';
import { createContext, type AppContext } from '../../server/context.js';
import { createDatabase, type Database } from '../../db/connection.js';
import { migrateToLatest } from '../../db/migrate.js';
import { loadSecrets } from '../../server/secrets.js';

export const usingPostgres = Boolean(process.env.DATABASE_URL);

export interface TestDatabase {
  /** postgres://… of the fresh database, or undefined for PGlite. */
  url: string | undefined;
  drop(): Promise<void>;
}

/** Creates an empty database for one test file (PostgreSQL only; PGlite is created by openTestContext). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const base = process.env.DATABASE_URL;
  if (!base) return { url: undefined, drop: async () => undefined };
  const name = `tachiai_test_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

export interface TestContext extends AppContext {
  /** Drops the database and removes the data directory. */
  dispose(): Promise<void>;
  testDatabase: TestDatabase;
}

export async function openTestContext(overrides: Partial<Config> = {}, existing?: TestDatabase): Promise<TestContext> {
  const testDatabase = existing ?? (await createTestDatabase());
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tachiai-test-'));
  const config = loadConfig(
    { ...process.env, DATABASE_URL: '', DATA_DIR: dataDir, LOG_LEVEL: 'silent', CHECKPOINT_INTERVAL_MINUTES: '0' },
    { databaseUrl: testDatabase.url, ...overrides },
  );
  const db: Database = await createDatabase({ databaseUrl: config.databaseUrl, embeddedDir: undefined });
  await migrateToLatest(db.knex);
  const ctx: AppContext = createContext({ config, db, secrets: loadSecrets(config, { persist: false }), logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }) });
  // As openContext does (server/runtime.ts): the site exists before any request, so that no
  // request's transaction (holding the journal's lock) is the one that makes it.
  await siteOf(ctx);
  return {
    ...ctx,
    testDatabase,
    async dispose() {
      await ctx.workers.stopAll();
      await db.close();
      if (!existing) await testDatabase.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A second "server" on the same database: its own pool, same secrets. */
export async function openSibling(ctx: TestContext): Promise<AppContext> {
  if (!ctx.testDatabase.url) throw new Error('siblings need PostgreSQL');
  const db = await createDatabase({ databaseUrl: ctx.testDatabase.url });
  return createContext({ config: ctx.config, secrets: ctx.secrets, logger: ctx.logger, db });
}

// New embedded directories are copies of the kept empty one (db/embedded-template.ts; issue 17,
// item 5: initdb was 4 s of a restore's 24). A copy is a working database; the kept one is never
// opened (its files stay exactly as initdb left them); a directory half made by an interrupted
// start is never taken for a database. A restore's new directory starts from a second kept copy,
// already migrated, kept per fingerprint of the migrations (never taken for another schema).
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../db/connection.js';
import { embeddedTemplatePath, hasEmbeddedTemplate, keepAsEmbeddedTemplate, migratedTemplatePath } from '../../db/embedded-template.js';
import { fingerprintOf, knownMigrations, migrationsFingerprint, pendingMigrations } from '../../db/migrate.js';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tachiai-template-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** The first 8 bytes of pg_control: the system identifier initdb chose. */
const systemIdOf = (pgdata: string) => fs.readFileSync(path.join(pgdata, 'global', 'pg_control')).subarray(0, 8).toString('hex');

/** Every file under a directory with its SHA-256, to show the template is left as it was. */
function digestOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, file)] = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  }
  return out;
}

describe.skipIf(Boolean(process.env.DATABASE_URL))('embedded directories from the kept empty one', () => {
  it('the second new directory is a copy of the template, works, and leaves the template untouched', async () => {
    // The first creates the template if this installation has none yet (initdb), the second copies it.
    const first = await createDatabase({ embeddedDir: path.join(scratch, 'one') });
    await first.close();
    const template = embeddedTemplatePath();
    expect(hasEmbeddedTemplate(template)).toBe(true);
    const before = digestOf(template);

    const second = await createDatabase({ embeddedDir: path.join(scratch, 'two') });
    try {
      await second.knex.raw('CREATE TABLE t (n int)');
      await second.knex('t').insert({ n: 7 });
      expect(await second.knex('t').sum('n as s').first()).toEqual({ s: '7' });
    } finally {
      await second.close();
    }
    // Made from the template: initdb would have chosen a new system identifier.
    expect(systemIdOf(path.join(scratch, 'two', 'pgdata'))).toBe(systemIdOf(template));
    expect(digestOf(template)).toEqual(before);
    expect(fs.readdirSync(path.join(scratch, 'two')).sort()).toEqual(['pgdata']);
  });

  it("a restore's new directory starts migrated, from the kept migrated copy, and records its migrations as applied now", async () => {
    const fingerprint = migrationsFingerprint();
    expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
    const template = migratedTemplatePath(fingerprint!);
    const startedAt = Date.now() - 1000;
    const migratedNow = async (name: string) => {
      const db = await createDatabase({ embeddedDir: path.join(scratch, name), embeddedStartMigrated: true });
      try {
        // No migrateToLatest here: the directory came migrated.
        const applied = (await db.knex('knex_migrations').orderBy('id').select('name', 'migration_time')) as Array<{ name: string; migration_time: Date }>;
        expect(applied.map((m) => m.name)).toEqual(knownMigrations());
        expect(await pendingMigrations(db.knex)).toEqual([]);
        for (const m of applied) expect(m.migration_time.getTime()).toBeGreaterThanOrEqual(startedAt);
        const { rows } = (await db.knex.raw("SELECT count(*)::int AS n FROM people")) as { rows: Array<{ n: number }> };
        expect(rows[0]!.n).toBe(0);
      } finally {
        await db.close();
      }
    };
    // The first makes the kept copy if this installation has none for these migrations yet.
    await migratedNow('migrated-one');
    expect(hasEmbeddedTemplate(template)).toBe(true);
    const before = digestOf(template);
    await migratedNow('migrated-two');
    expect(systemIdOf(path.join(scratch, 'migrated-two', 'pgdata'))).toBe(systemIdOf(template));
    expect(digestOf(template)).toEqual(before);
    // Without the option a new directory is the empty one, as before.
    const plain = await createDatabase({ embeddedDir: path.join(scratch, 'not-migrated') });
    try {
      expect(await plain.knex.schema.hasTable('knex_migrations')).toBe(false);
    } finally {
      await plain.close();
    }
  }, 120_000);

  it("the migrations' fingerprint changes with any migration's name, text or place, and with knex's version", () => {
    const sources: Array<[string, string]> = [
      ['0001_a', 'export async function up() {}'],
      ['0002_b', 'export async function up() { /* b */ }'],
    ];
    const base = fingerprintOf('3.3.0', sources);
    expect(fingerprintOf('3.3.0', sources.map(([n, t]) => [n, t]))).toBe(base);
    const variants = [
      fingerprintOf('3.3.1', sources),
      fingerprintOf('3.3.0', [sources[0]!, ['0002_b', 'export async function up() { /* c */ }']]),
      fingerprintOf('3.3.0', [sources[0]!, ['0002_c', sources[1]![1]]]),
      fingerprintOf('3.3.0', [sources[1]!, sources[0]!]),
      fingerprintOf('3.3.0', [sources[0]!]),
      // The same characters split otherwise between name and text.
      fingerprintOf('3.3.0', [['0001_', `a${sources[0]![1]}`], sources[1]!]),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
    expect(migratedTemplatePath(base)).not.toBe(migratedTemplatePath(variants[1]!));
    expect(() => migratedTemplatePath('../../elsewhere')).toThrow(/64 hexadecimal/);
  });

  it('a half-made directory from an interrupted start is thrown away, and files that are not a database are refused', async () => {
    const dir = path.join(scratch, 'interrupted');
    fs.mkdirSync(path.join(dir, 'pgdata.new', 'base'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'pgdata.new', 'PG_VERSION'), '17\n');
    const db = await createDatabase({ embeddedDir: dir });
    await db.knex.raw('SELECT 1');
    await db.close();
    expect(fs.existsSync(path.join(dir, 'pgdata.new'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'pgdata', 'global', 'pg_control'))).toBe(true);

    const odd = path.join(scratch, 'odd');
    fs.mkdirSync(path.join(odd, 'pgdata'), { recursive: true });
    fs.writeFileSync(path.join(odd, 'pgdata', 'notes.txt'), 'not a database');
    await expect(createDatabase({ embeddedDir: odd })).rejects.toThrow(/holds files but no database/);
    expect(fs.readdirSync(path.join(odd, 'pgdata'))).toEqual(['notes.txt']);
  });

  it('keeping a template: one rename, never over an existing one, silent where it cannot write', () => {
    const source = path.join(scratch, 'source');
    fs.mkdirSync(path.join(source, 'global'), { recursive: true });
    fs.writeFileSync(path.join(source, 'PG_VERSION'), '17\n');
    const kept = embeddedTemplatePath(path.join(scratch, 'cache'));
    keepAsEmbeddedTemplate(source, kept);
    expect(hasEmbeddedTemplate(kept)).toBe(true);
    fs.writeFileSync(path.join(source, 'PG_VERSION'), 'changed\n');
    keepAsEmbeddedTemplate(source, kept); // already there: left as it is
    expect(fs.readFileSync(path.join(kept, 'PG_VERSION'), 'utf8')).toBe('17\n');
    expect(fs.readdirSync(path.dirname(kept))).toEqual(['pgdata']); // no copy left aside

    // A cache that cannot be written: under a file (refused even to root), and a read-only directory.
    const aFile = path.join(scratch, 'a-file');
    fs.writeFileSync(aFile, '');
    expect(() => keepAsEmbeddedTemplate(source, embeddedTemplatePath(path.join(aFile, 'cache')))).not.toThrow();
    expect(fs.statSync(aFile).isFile()).toBe(true);
    const readOnly = path.join(scratch, 'read-only');
    fs.mkdirSync(readOnly, { mode: 0o500 });
    if (process.getuid?.() !== 0) {
      expect(() => keepAsEmbeddedTemplate(source, embeddedTemplatePath(readOnly))).not.toThrow();
      expect(fs.readdirSync(readOnly)).toEqual([]);
    }
  });

  it('processes keeping the template at the same moment: one whole template, nothing left aside', async () => {
    // A source of a few hundred files, so that the copies overlap in time.
    const source = path.join(scratch, 'race-source');
    for (let d = 0; d < 20; d++) {
      fs.mkdirSync(path.join(source, 'base', String(d)), { recursive: true });
      for (let f = 0; f < 20; f++) fs.writeFileSync(path.join(source, 'base', String(d), String(f)), crypto.randomBytes(8192));
    }
    fs.writeFileSync(path.join(source, 'PG_VERSION'), '17\n');
    const cacheRoot = path.join(scratch, 'race-cache');
    const kept = embeddedTemplatePath(cacheRoot);
    const moduleUrl = new URL('../../db/embedded-template.ts', import.meta.url).href;
    const startAt = Date.now() + 1500;
    const racer = `const { keepAsEmbeddedTemplate } = await import(${JSON.stringify(moduleUrl)});
      while (Date.now() < ${startAt}) {}
      keepAsEmbeddedTemplate(${JSON.stringify(source)}, ${JSON.stringify(kept)});`;
    const exits = await Promise.all(
      Array.from({ length: 6 }, () => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', racer], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
        return new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stderr })));
      }),
    );
    expect(exits).toEqual(Array.from({ length: 6 }, () => ({ code: 0, stderr: '' })));
    expect(digestOf(kept)).toEqual(digestOf(source));
    expect(fs.readdirSync(path.dirname(kept))).toEqual(['pgdata']);
  }, 60_000);
});

// Migrations are listed in code (not discovered on disk), so the same list runs under tsx,
// vitest and any bundler, on PostgreSQL and on PGlite alike.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Knex } from 'knex';
import * as m0001 from './migrations/0001_foundation.js';
import * as m0002 from './migrations/0002_door.js';
import * as m0003 from './migrations/0003_custody.js';
import * as m0004 from './migrations/0004_destruction.js';
import * as m0005 from './migrations/0005_journal_intake.js';
import * as m0006 from './migrations/0006_door_throughput.js';
import * as m0007 from './migrations/0007_security_review.js';
import * as m0008 from './migrations/0008_site.js';
import * as m0009 from './migrations/0009_door_stations.js';
import * as m0010 from './migrations/0010_print_links.js';
import * as m0011 from './migrations/0011_destruction_levels.js';
import * as m0012 from './migrations/0012_find_people_and_media.js';
import * as m0013 from './migrations/0013_notices.js';
import * as m0014 from './migrations/0014_reviews.js';
import * as m0015 from './migrations/0015_operations.js';
import * as m0016 from './migrations/0016_review_speed.js';
// (There is no 0017: the number was set aside while 0018 was written and never used.)
import * as m0018 from './migrations/0018_compliance.js';
import * as m0019 from './migrations/0019_monthly_reports.js';
// (There is no 0020 either: set aside for a branch that needed no migration.)
import * as m0021 from './migrations/0021_journal_tree.js';
import * as m0022 from './migrations/0022_doors.js';
import * as m0023 from './migrations/0023_door_alarms.js';
import * as m0024 from './migrations/0024_room_rules.js';
import * as m0025 from './migrations/0025_journal_epochs.js';

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

const migrations: Array<[string, Migration]> = [
  ['0001_foundation', m0001],
  ['0002_door', m0002],
  ['0003_custody', m0003],
  ['0004_destruction', m0004],
  ['0005_journal_intake', m0005],
  ['0006_door_throughput', m0006],
  ['0007_security_review', m0007],
  ['0008_site', m0008],
  ['0009_door_stations', m0009],
  ['0010_print_links', m0010],
  ['0011_destruction_levels', m0011],
  ['0012_find_people_and_media', m0012],
  ['0013_notices', m0013],
  ['0014_reviews', m0014],
  ['0015_operations', m0015],
  ['0016_review_speed', m0016],
  ['0018_compliance', m0018],
  ['0019_monthly_reports', m0019],
  ['0021_journal_tree', m0021],
  ['0022_doors', m0022],
  ['0023_door_alarms', m0023],
  ['0024_room_rules', m0024],
  ['0025_journal_epochs', m0025],
];

const source: Knex.MigrationSource<string> = {
  getMigrations: async () => migrations.map(([name]) => name),
  getMigrationName: (name) => name,
  getMigration: async (name) => {
    const found = migrations.find(([n]) => n === name);
    if (!found) throw new Error(`Unknown migration ${name}`);
    return found[1];
  },
};

/** Applies pending migrations; returns the names applied. */
export async function migrateToLatest(knex: Knex): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest({ migrationSource: source })) as [number, string[]];
  return applied;
}

export async function pendingMigrations(knex: Knex): Promise<string[]> {
  const [, pending] = (await knex.migrate.list({ migrationSource: source })) as [unknown, Array<{ file: string } | string>];
  return pending.map((p) => (typeof p === 'string' ? p : p.file));
}

/** The names of every migration this version knows, in order (readiness compares them with those applied). */
export function knownMigrations(): string[] {
  return migrations.map(([name]) => name);
}

/**
 * What makes this version's schema: knex's version (it turns the migrations into SQL) and every
 * migration's name and source text (they import nothing but knex's types). Null where a source
 * cannot be read: nothing is then assumed about the schema (db/embedded-template.ts).
 */
export function migrationsFingerprint(): string | null {
  try {
    const knexVersion = (createRequire(import.meta.url)('knex/package.json') as { version: string }).version;
    return fingerprintOf(knexVersion, migrations.map(([name]) => [name, fs.readFileSync(new URL(`./migrations/${name}.ts`, import.meta.url), 'utf8')]));
  } catch {
    return null;
  }
}

export function fingerprintOf(knexVersion: string, sources: Array<[name: string, text: string]>): string {
  const hash = crypto.createHash('sha256').update(`knex ${knexVersion}\n`);
  // Lengths first: no two different lists hash the same text.
  for (const [name, text] of sources) hash.update(`${Buffer.byteLength(name)}:${name}${Buffer.byteLength(text)}:`).update(text);
  return hash.digest('hex');
}

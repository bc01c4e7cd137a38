// New embedded database directories start from a kept copy of an empty one instead of PGlite's
// initdb (issue 17, item 5: a restore at ≥ 50,000 rows/s; initdb was 4 of its 24 s, a copy of
// the 39 MB it writes takes 0.05 s). The first initdb of a PGlite version on this installation
// leaves its empty directory in node_modules/.cache/tachiai (the place tools keep derived files
// of an installation); every later new directory — a server's first start, a restore, a restore
// drill's scratch database — copies it. initdb of one PGlite version writes the same files each
// time (apart from the system identifier, which nothing in Tachiai reads), so a copy is an
// initdb. Best effort: where the cache cannot be written (a read-only installation) every new
// directory is made by initdb, as before. A restore's new directory starts from a second kept
// copy, of the same empty database with this version's migrations applied (migratedTemplatePath).
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** The kept empty directory of the installed PGlite version (it may not exist yet). */
export function embeddedTemplatePath(cacheRoot = defaultCacheRoot()): string {
  return path.join(cacheRoot, `pglite-${pgliteVersion()}`, 'pgdata');
}

/**
 * The kept empty directory of the installed PGlite version migrated to the schema whose migrations
 * have this fingerprint (db/migrate.ts migrationsFingerprint): a restore starts from it instead of
 * running the migrations (1.0–2.0 s of a million-row restore's 17 s, issue 17 item 5). Another
 * version's migrations have another fingerprint, hence another directory: a kept copy is never
 * taken for a schema it is not.
 */
export function migratedTemplatePath(fingerprint: string, cacheRoot = defaultCacheRoot()): string {
  if (!/^[0-9a-f]{64}$/.test(fingerprint)) throw new Error('a migrations fingerprint is 64 hexadecimal digits');
  return path.join(cacheRoot, `pglite-${pgliteVersion()}`, `migrated-${fingerprint.slice(0, 32)}`, 'pgdata');
}

/** The installed PGlite's version (its package.json is not among its exports: found above its entry file). */
function pgliteVersion(): string {
  let dir = path.dirname(require.resolve('@electric-sql/pglite'));
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@electric-sql/pglite' && pkg.version) return pkg.version;
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error('the installed PGlite has no package.json');
    dir = up;
  }
}

function defaultCacheRoot(): string {
  return fileURLToPath(new URL('../node_modules/.cache/tachiai/', import.meta.url));
}

/** Whether a complete template is there: it is put in place by one rename, so PG_VERSION means whole. */
export function hasEmbeddedTemplate(template: string): boolean {
  return fs.existsSync(path.join(template, 'PG_VERSION'));
}

/** Copies the template into `target` (a path that does not exist yet). */
export function copyEmbeddedTemplate(template: string, target: string): void {
  fs.cpSync(template, target, { recursive: true, errorOnExist: true, force: false });
}

/**
 * Keeps a freshly made (initdb'd, or migrated), closed directory as the template, if there is none yet. Copied aside
 * and renamed into place, so a process that copies the template never sees half of one; when two
 * processes race, one rename wins and the other's copy is removed. Failure only costs speed.
 */
export function keepAsEmbeddedTemplate(initdbDir: string, template: string): void {
  if (hasEmbeddedTemplate(template)) return;
  const aside = `${template}.${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  try {
    fs.mkdirSync(path.dirname(template), { recursive: true, mode: 0o700 });
    fs.cpSync(initdbDir, aside, { recursive: true });
    fs.renameSync(aside, template);
  } catch {
    // Read-only installation, full disk, or another process kept one first: initdb stays the way.
  } finally {
    try {
      fs.rmSync(aside, { recursive: true, force: true });
    } catch {
      // Nothing was made there (its folder could not be made either): nothing to remove.
    }
  }
}

// The rules of the house (server/modules.ts), read from the code itself: route files never import
// route files and write nothing themselves; no import cycle between files, nor between the modules
// below the routes; a module's SQL names only its own tables, except in its named read models
// (`*.read-model.ts`, which write nothing) and the short list of exceptions below. Each rule is
// also shown to catch a violation planted in a copy of the code.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MODULES, TABLE_OWNER } from '../../server/modules.js';
import { checkArchitecture, moduleOf, readServerFiles, type SourceFile } from '../helpers/architecture.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The allowed exceptions: files that may touch other modules' tables, and why. */
const EXCEPTIONS = {
  'server/backup/*': 'a logical backup reads (and a restore writes) every table, by the catalog',
};

const rules = { tableOwner: TABLE_OWNER, exceptions: EXCEPTIONS };
const files = readServerFiles(ROOT);

describe('the structure of server/', () => {
  it('keeps every rule', () => {
    const violations = checkArchitecture(files, rules);
    expect(violations.map((v) => `${v.rule}: ${v.file} — ${v.detail}`)).toEqual([]);
  });

  it('every module folder is declared in server/modules.ts, and every table has one owner', () => {
    const folders = [...new Set(files.map((f) => moduleOf(f.path)).filter((m): m is string => m !== null))].sort();
    expect(folders.filter((m) => !MODULES[m])).toEqual([]);
    const owned = Object.values(MODULES).flatMap((m) => m.owns);
    expect(new Set(owned).size).toBe(owned.length);
  });
});

describe('the check catches planted violations', () => {
  const plant = (extra: SourceFile[], replace: Record<string, (s: string) => string> = {}) =>
    checkArchitecture(
      [...files.map((f) => (replace[f.path] ? { ...f, source: replace[f.path]!(f.source) } : f)), ...extra],
      rules,
    ).map((v) => v.rule);

  it('a route file importing another route file', () => {
    expect(plant([], { 'server/approvals/routes.ts': (s) => `import { mediaRoutes } from '../media/routes.js';\n${s}` })).toContain('route-imports-route');
  });

  it('a route file that writes', () => {
    expect(plant([], { 'server/approvals/routes.ts': (s) => `${s}\nexport const w = (db: any) => db('copy_approvals').insert({});\n` })).toContain('route-writes');
  });

  it('an import cycle between two files', () => {
    expect(plant([], { 'server/rooms/service.ts': (s) => `import { getPerson as _g } from '../people/service.js';\nimport { listPeople as _l } from '../people/people.read-model.js';\n${s}`, 'server/people/people.read-model.ts': (s) => `import { getRoom as _r } from '../rooms/service.js';\n${s}` })).toContain('import-cycle');
  });

  it('a cycle between modules below the routes', () => {
    expect(plant([{ path: 'server/journal/planted.ts', source: "import { getPerson } from '../people/service.js';\nexport const x = getPerson;\n" }])).toContain('module-cycle');
  });

  it("a module's SQL naming another module's table outside a read model", () => {
    expect(plant([{ path: 'server/door/planted.ts', source: "export const q = (db: any) => db('people').where({});\n" }])).toContain('foreign-table');
    expect(plant([{ path: 'server/door/planted.ts', source: 'export const SQL = `SELECT 1 FROM badges b WHERE b.id = ?`;\n' }])).toContain('foreign-table');
  });

  it('a read model that writes', () => {
    expect(plant([{ path: 'server/door/planted.read-model.ts', source: "export const q = (db: any) => db('people').update({ name: 'x' });\n" }])).toContain('read-model-writes');
  });

  it('a table named in a comment or an unrelated string is no use of it', () => {
    expect(plant([{ path: 'server/door/planted.ts', source: "// reads people FROM people\nexport const label = { check: 'people' };\n" }])).toEqual([]);
  });
});

// Reads the server's structure from its source: the imports of every file and the tables its SQL
// names. Used by test/unit/architecture.test.ts, which checks the rules of server/modules.ts.
import fs from 'node:fs';
import path from 'node:path';

export interface SourceFile {
  /** Path from the repository root, e.g. server/door/scan.ts. */
  path: string;
  source: string;
}

export interface Rules {
  tableOwner: ReadonlyMap<string, string>;
  /** Files allowed to touch other modules' tables, with why (kept short). */
  exceptions: Readonly<Record<string, string>>;
}

export interface Violation {
  rule: 'route-imports-route' | 'route-writes' | 'import-cycle' | 'module-cycle' | 'foreign-table' | 'read-model-writes';
  file: string;
  detail: string;
}

export function readServerFiles(root: string): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = path.posix.join(dir, e.name);
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith('.ts')) out.push({ path: rel, source: fs.readFileSync(path.join(root, rel), 'utf8') });
    }
  };
  walk('server');
  return out;
}

/** The module a file belongs to: its folder under server/, or null for server/*.ts itself. */
export function moduleOf(file: string): string | null {
  const parts = file.split('/');
  return parts.length > 2 ? parts[1]! : null;
}

/** Source without comments (a table named in a comment is no use of it). */
function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** The relative imports of a file, resolved to repository paths (.js → .ts). */
export function importsOf(file: SourceFile): string[] {
  const out = new Set<string>();
  for (const m of withoutComments(file.source).matchAll(/(?:from\s+|import\s*\(\s*)'(\.{1,2}\/[^']+)'/g)) {
    out.add(path.posix.normalize(path.posix.join(path.posix.dirname(file.path), m[1]!)).replace(/\.js$/, '.ts'));
  }
  return [...out];
}

/** Tables named by the file's queries: knex calls with the table as first argument, and SQL text. */
export function tablesOf(file: SourceFile, known: ReadonlySet<string>): string[] {
  const code = withoutComments(file.source);
  const out = new Set<string>();
  for (const m of code.matchAll(/\b[A-Za-z_$][\w$]*\s*\(\s*['"`]([a-z_]+)(?:\s+as\s+\w+)?['"`]/g)) if (known.has(m[1]!)) out.add(m[1]!);
  for (const m of code.matchAll(/\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+([a-z_]+)\b/g)) if (known.has(m[1]!)) out.add(m[1]!);
  return [...out];
}

/** Does the file write anything (SQL or knex)? */
export function writesAnything(file: SourceFile): boolean {
  const code = withoutComments(file.source);
  return /\b(?:INSERT\s+INTO|UPDATE\s+[a-z_]+\s+SET|DELETE\s+FROM|TRUNCATE)\b/.test(code) || /\.(?:insert|update|del|delete|increment|decrement|truncate|batchInsert)\s*\(/.test(code);
}

const isRoutes = (file: string) => /\/routes\.ts$/.test(file);
const isReadModel = (file: string) => /\.read-model\.ts$/.test(file);
/** The top of the application: route files and the files that assemble them. */
const isTop = (file: string) => isRoutes(file) || /^server\/(app|runtime)\.ts$/.test(file);

/** Strongly connected components with more than one member (Tarjan). */
function cycles(nodes: string[], edges: Map<string, Set<string>>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    on.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1) out.push(c.sort());
    }
  };
  for (const v of nodes) if (!idx.has(v)) visit(v);
  return out;
}

export function checkArchitecture(files: SourceFile[], rules: Rules): Violation[] {
  const violations: Violation[] = [];
  const paths = new Set(files.map((f) => f.path));
  const known = new Set(rules.tableOwner.keys());
  const fileEdges = new Map<string, Set<string>>();
  const moduleEdges = new Map<string, Set<string>>();
  for (const file of files) {
    const targets = importsOf(file).filter((t) => paths.has(t));
    fileEdges.set(file.path, new Set(targets));
    for (const target of targets) {
      if (isRoutes(file.path) && isRoutes(target)) violations.push({ rule: 'route-imports-route', file: file.path, detail: `imports ${target}: views go in views.ts, schemas in schemas.ts, writes in services` });
      const from = moduleOf(file.path);
      const to = moduleOf(target);
      if (!isTop(file.path) && from && to && from !== to) {
        if (!moduleEdges.has(from)) moduleEdges.set(from, new Set());
        moduleEdges.get(from)!.add(to);
      }
    }
    // Route files validate, call services and answer; the writes (and their journal entries) are in services.
    if (isRoutes(file.path) && (writesAnything(file) || /\bappendJournal\s*\(/.test(withoutComments(file.source)))) {
      violations.push({ rule: 'route-writes', file: file.path, detail: 'writes or journals inside a route: move it into a service' });
    }
    // Tables: only the owner's, except in read models (which write nothing) and the exceptions.
    const module = moduleOf(file.path);
    if (!module || rules.exceptions[file.path] || rules.exceptions[`server/${module}/*`]) continue;
    const foreign = tablesOf(file, known).filter((t) => rules.tableOwner.get(t) !== module);
    if (foreign.length === 0) continue;
    if (!isReadModel(file.path)) violations.push({ rule: 'foreign-table', file: file.path, detail: `uses ${foreign.map((t) => `${t} (${rules.tableOwner.get(t)})`).join(', ')} outside a read model` });
    else if (writesAnything(file)) violations.push({ rule: 'read-model-writes', file: file.path, detail: 'a read model reads other modules\' tables and writes nothing' });
  }
  for (const c of cycles([...fileEdges.keys()], fileEdges)) violations.push({ rule: 'import-cycle', file: c[0]!, detail: c.join(' ↔ ') });
  for (const c of cycles([...moduleEdges.keys()], moduleEdges)) violations.push({ rule: 'module-cycle', file: `server/${c[0]}/`, detail: c.join(' ↔ ') });
  return violations;
}

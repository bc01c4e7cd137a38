// What a logical backup needs to know about the schema, read from the PostgreSQL catalog (the
// same SQL on PostgreSQL and PGlite): the tables of the public schema with their columns, types
// and primary keys, in foreign-key dependency order, and the sequences. Tables added by later
// migrations are therefore backed up without any change here.
import type { Knex } from 'knex';

/** knex's own bookkeeping: recreated by `migrate`, never backed up. */
export const EXCLUDED_TABLES = ['knex_migrations', 'knex_migrations_lock'];

export interface ColumnInfo {
  name: string;
  /** format_type(): e.g. `timestamp with time zone`, `text[]`, `character varying(40)`. */
  type: string;
  /** `a` = GENERATED ALWAYS AS IDENTITY: inserting a value needs OVERRIDING SYSTEM VALUE. */
  identity: '' | 'a' | 'd';
}

export interface TableInfo {
  name: string;
  columns: ColumnInfo[];
  /** Primary-key columns in key order; empty when the table has none. */
  primaryKey: string[];
}

export interface SequenceInfo {
  name: string;
  /** null: nextval() was never called. */
  lastValue: string | null;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export class SchemaOrderError extends Error {}

/** All tables of the public schema but knex's, parents before the tables that reference them. */
export async function readTables(db: Knex): Promise<TableInfo[]> {
  const tableRows = await rows<{ name: string }>(
    db,
    `SELECT c.relname AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      ORDER BY c.relname`,
  );
  const names = tableRows.map((r) => r.name).filter((n) => !EXCLUDED_TABLES.includes(n));

  // Generated (computed) columns are neither dumped nor inserted: the target computes them.
  const columnRows = await rows<{ table: string; name: string; type: string; identity: string }>(
    db,
    `SELECT c.relname AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attidentity::text AS identity
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
      ORDER BY c.relname, a.attnum`,
  );
  const pkRows = await rows<{ table: string; name: string }>(
    db,
    `SELECT c.relname AS table, a.attname AS name
       FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.conrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       CROSS JOIN LATERAL unnest(k.conkey) WITH ORDINALITY AS key(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = key.attnum
      WHERE n.nspname = 'public' AND k.contype = 'p'
      ORDER BY c.relname, key.ord`,
  );
  const fkRows = await rows<{ child: string; parent: string }>(
    db,
    `SELECT DISTINCT child.relname AS child, parent.relname AS parent
       FROM pg_constraint k
       JOIN pg_class child ON child.oid = k.conrelid
       JOIN pg_namespace cn ON cn.oid = child.relnamespace
       JOIN pg_class parent ON parent.oid = k.confrelid
       JOIN pg_namespace pn ON pn.oid = parent.relnamespace
      WHERE k.contype = 'f' AND cn.nspname = 'public' AND pn.nspname = 'public'
      ORDER BY 1, 2`,
  );

  const tables = new Map<string, TableInfo>(names.map((name) => [name, { name, columns: [], primaryKey: [] }]));
  for (const c of columnRows) {
    tables.get(c.table)?.columns.push({ name: c.name, type: c.type, identity: (c.identity || '') as ColumnInfo['identity'] });
  }
  for (const k of pkRows) tables.get(k.table)?.primaryKey.push(k.name);

  // Kahn's algorithm, alphabetical among the ready ones so the order is stable. A table that
  // references itself is no obstacle to the order (its rows go in primary-key order).
  const parents = new Map<string, Set<string>>(names.map((n) => [n, new Set<string>()]));
  for (const fk of fkRows) {
    if (fk.child !== fk.parent && tables.has(fk.child) && tables.has(fk.parent)) parents.get(fk.child)!.add(fk.parent);
  }
  const ordered: TableInfo[] = [];
  const done = new Set<string>();
  while (ordered.length < names.length) {
    const ready = names.filter((n) => !done.has(n) && [...parents.get(n)!].every((p) => done.has(p)));
    if (ready.length === 0) {
      const rest = names.filter((n) => !done.has(n));
      throw new SchemaOrderError(`The foreign keys between ${rest.join(', ')} form a cycle: no insertion order exists.`);
    }
    const next = ready[0]!;
    done.add(next);
    ordered.push(tables.get(next)!);
  }
  return ordered;
}

/** Sequences of the public schema (serial / identity columns and free-standing ones). */
export async function readSequences(db: Knex): Promise<SequenceInfo[]> {
  const list = await rows<{ name: string }>(
    db,
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'S' ORDER BY c.relname`,
  );
  const result: SequenceInfo[] = [];
  for (const { name } of list) {
    // Reading the sequence itself, not pg_sequences: works for any owner with SELECT on it.
    const [state] = await rows<{ last_value: string; is_called: boolean }>(db, `SELECT last_value::text AS last_value, is_called FROM ${quoteIdent(name)}`);
    result.push({ name, lastValue: state && state.is_called ? state.last_value : null });
  }
  return result;
}

/**
 * The sequences that belong to a column of a public table (serial and identity columns), as
 * pg_get_serial_sequence names them (schema-qualified, quoted where needed), in one catalog query:
 * pg_get_serial_sequence asked column by column took 0.3–0.5 s of an embedded restore (610 columns).
 */
export async function ownedSequences(db: Knex): Promise<Array<{ table: string; column: string; sequence: string }>> {
  return rows<{ table: string; column: string; sequence: string }>(
    db,
    `SELECT t.relname AS table, a.attname AS column, quote_ident(sn.nspname) || '.' || quote_ident(s.relname) AS sequence
       FROM pg_depend d
       JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
       JOIN pg_namespace sn ON sn.oid = s.relnamespace
       JOIN pg_class t ON t.oid = d.refobjid
       JOIN pg_namespace tn ON tn.oid = t.relnamespace
       JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
      WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
        AND tn.nspname = 'public'
      ORDER BY 1, 2`,
  );
}

/** Names of the public tables (knex's excluded) that hold at least one row. */
export async function nonEmptyTables(db: Knex): Promise<string[]> {
  // A table whose files are empty holds no row: only the others are looked into. (One EXISTS per
  // table took 0.4 s of an embedded restore into a new database, where every file is empty.) A
  // partitioned table has no files of its own: it is always looked into.
  const list = await rows<{ name: string }>(
    db,
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND (c.relkind = 'p' OR pg_relation_size(c.oid) > 0) ORDER BY c.relname`,
  );
  const found: string[] = [];
  for (const { name } of list) {
    if (EXCLUDED_TABLES.includes(name)) continue;
    const [r] = await rows<{ any: boolean }>(db, `SELECT EXISTS (SELECT 1 FROM ${quoteIdent(name)}) AS any`);
    if (r?.any) found.push(name);
  }
  return found;
}

export async function rows<T>(db: Knex, sql: string, bindings: readonly Knex.RawBinding[] = []): Promise<T[]> {
  const result = (await db.raw(sql, bindings as Knex.RawBinding[])) as { rows: T[] };
  return result.rows;
}

// Statements on the hot paths (the door, sign-in checks, the journal's intake, the access log).
import type { Knex } from 'knex';
import type { Database } from '../../db/connection.js';

/**
 * On PostgreSQL, a named statement: node-postgres parses it once per pooled connection and the
 * server can then reuse its plan, which for these statements costs more than running them. The
 * name must always carry the same SQL text. PGlite (one connection, in process) runs it as is.
 */
export function preparedStatement(db: Database, raw: Knex.Raw, name: string): Knex.Raw {
  return db.kind === 'postgres' ? raw.options({ name: `tachiai_${name}` }) : raw;
}

// Read model: people with their organisation and, from the auth module's accounts, their user
// name. Writes nothing.
import type { Knex } from 'knex';
import { NotFoundError } from '../errors.js';
import type { OrgKind } from './rules.js';

export interface PersonRow {
  id: string;
  name: string;
  org_id: string;
  org_name: string;
  org_kind: OrgKind;
  roles: string[];
  email: string | null;
  phone: string | null;
  birthday: string | null;
  left_at: Date | null;
  left_reason: string | null;
  created_at: Date;
  username: string | null;
}

export function peopleQuery(db: Knex) {
  return db('people as p')
    .join('organisations as o', 'o.id', 'p.org_id')
    .leftJoin('accounts as a', 'a.person_id', 'p.id')
    .select('p.*', 'o.name as org_name', 'o.kind as org_kind', 'a.username');
}

export async function getPerson(db: Knex, id: string): Promise<PersonRow> {
  const row = (await peopleQuery(db).where('p.id', id).first()) as PersonRow | undefined;
  if (!row) throw new NotFoundError('person');
  return row;
}

export async function listPeople(db: Knex, limit: number, after: string | null, orgId?: string): Promise<PersonRow[]> {
  const q = peopleQuery(db).orderBy([{ column: 'p.created_at', order: 'desc' }, { column: 'p.id', order: 'desc' }]).limit(limit + 1);
  if (orgId) q.where('p.org_id', orgId);
  if (after) q.whereRaw('(p.created_at, p.id) < (SELECT created_at, id FROM people WHERE id = ?)', [after]);
  return (await q) as PersonRow[];
}


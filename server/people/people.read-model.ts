// Read model: people with their organisation and, from the auth module's accounts, their user
// name; for pickers, whether they are inside a room now (the door module's presence). Writes nothing.
import type { Knex } from 'knex';
import { NotFoundError } from '../errors.js';
import { foldedContains } from '../shared/search.js';
import type { OrgKind } from './rules.js';

export interface PersonRow {
  id: string;
  name: string;
  reading: string | null;
  org_id: string;
  org_name: string;
  org_kind: OrgKind;
  roles: string[];
  email: string | null;
  notice_lang: 'ja' | 'en';
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

export interface PeopleFilter {
  orgId?: string | undefined;
  /** Name, reading (furigana) or organisation contains this (folded: case, width, kana, spaces). */
  q?: string | undefined;
  /** Holds this role. */
  role?: string | undefined;
  /** Inside this room now (the door log's presence). */
  insideRoomId?: string | undefined;
  /** Has not left. */
  active?: boolean | undefined;
}

export async function listPeople(db: Knex, limit: number, after: string | null, filter: PeopleFilter = {}): Promise<PersonRow[]> {
  const q = peopleQuery(db).orderBy([{ column: 'p.created_at', order: 'desc' }, { column: 'p.id', order: 'desc' }]).limit(limit + 1);
  if (filter.orgId) q.where('p.org_id', filter.orgId);
  if (filter.role) q.whereRaw('? = ANY(p.roles)', [filter.role]);
  if (filter.active) q.whereNull('p.left_at');
  if (filter.insideRoomId) q.whereExists(db('presence as pr').whereRaw('pr.person_id = p.id').where('pr.room_id', filter.insideRoomId));
  if (filter.q) {
    const search = filter.q;
    q.where((w) => w.where(foldedContains(db, 'p.name', search)).orWhere(foldedContains(db, "coalesce(p.reading, '')", search)).orWhere(foldedContains(db, 'o.name', search)));
  }
  if (after) q.whereRaw('(p.created_at, p.id) < (SELECT created_at, id FROM people WHERE id = ?)', [after]);
  return (await q) as PersonRow[];
}

/** How many administrators can sign in: people with the admin role and an account, who have not left. */
export async function countAdministrators(db: Knex): Promise<number> {
  const row = (await db('people as p')
    .join('accounts as a', 'a.person_id', 'p.id')
    .whereRaw("'admin' = ANY(p.roles)")
    .whereNull('p.left_at')
    .count({ n: '*' })
    .first()) as { n: string | number } | undefined;
  return Number(row?.n ?? 0);
}

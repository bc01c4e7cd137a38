// People and the organisations they belong to (E1.1, M6.1: external parties are first-class).
import type { Knex } from 'knex';
import type { AppContext } from '../context.js';
import { NotFoundError } from '../errors.js';
import { appendJournal } from '../journal/journal.js';
import { createAccount } from '../auth/accounts.js';
import { toRfc3339, toRfc3339OrNull } from '../shared/time.js';

export const ORG_KINDS = ['depositor', 'contractor', 'subcontractor', 'carrier', 'disposal_vendor', 'visitor_company'] as const;
export type OrgKind = (typeof ORG_KINDS)[number];

interface OrgRow {
  id: string;
  name: string;
  kind: OrgKind;
  created_at: Date;
}

export function orgJson(row: OrgRow, tz: string) {
  return { id: row.id, name: row.name, kind: row.kind, createdAt: toRfc3339(row.created_at, tz) };
}

export async function createOrg(trx: Knex, input: { name: string; kind: OrgKind }, actor: string): Promise<OrgRow> {
  const [row] = (await trx('organisations').insert({ name: input.name, kind: input.kind }).returning('*')) as OrgRow[];
  await appendJournal(trx, { actor, action: 'orgs.created', subject: `org:${row!.id}`, payload: { name: row!.name, kind: row!.kind } });
  return row!;
}

export async function getOrg(db: Knex, id: string): Promise<OrgRow> {
  const row = (await db('organisations').where({ id }).first()) as OrgRow | undefined;
  if (!row) throw new NotFoundError('organisation');
  return row;
}

export async function listOrgs(db: Knex, limit: number, after: string | null, kind?: OrgKind): Promise<OrgRow[]> {
  const q = db('organisations').orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(limit + 1);
  if (kind) q.where({ kind });
  if (after) q.whereRaw('(created_at, id) < (SELECT created_at, id FROM organisations WHERE id = ?)', [after]);
  return (await q) as OrgRow[];
}

interface PersonRow {
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

export function personJson(row: PersonRow, tz: string) {
  return {
    id: row.id,
    name: row.name,
    orgId: row.org_id,
    orgName: row.org_name,
    orgKind: row.org_kind,
    roles: row.roles,
    email: row.email,
    phone: row.phone,
    birthday: row.birthday,
    username: row.username,
    leftAt: toRfc3339OrNull(row.left_at, tz),
    leftReason: row.left_reason,
    createdAt: toRfc3339(row.created_at, tz),
  };
}

function peopleQuery(db: Knex) {
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

export interface CreatePersonInput {
  name: string;
  orgId: string;
  roles: string[];
  email?: string | undefined;
  phone?: string | undefined;
  birthday?: string | undefined;
  account?: { username: string; password: string } | undefined;
}

export async function createPerson(app: AppContext, trx: Knex, input: CreatePersonInput, actor: string): Promise<PersonRow> {
  await getOrg(trx, input.orgId);
  const [row] = (await trx('people')
    .insert({
      name: input.name,
      org_id: input.orgId,
      roles: input.roles,
      email: input.email ?? null,
      phone: input.phone ?? null,
      birthday: input.birthday ?? null,
    })
    .returning(['id'])) as Array<{ id: string }>;
  await appendJournal(trx, {
    actor,
    action: 'people.created',
    subject: `person:${row!.id}`,
    payload: { name: input.name, orgId: input.orgId, roles: input.roles },
  });
  if (input.account) {
    await createAccount(app, trx, { personId: row!.id, username: input.account.username, password: input.account.password, actor });
  }
  return getPerson(trx, row!.id);
}

// People and the organisations they belong to (E1.1, M6.1: external parties are first-class).
import type { Knex } from 'knex';
import type { AppContext } from '../context.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import { appendJournal } from '../journal/journal.js';
import { createAccount } from '../auth/accounts.js';
import { toRfc3339, toRfc3339OrNull } from '../shared/time.js';

import { normaliseReading, type OrgKind } from './rules.js';
import { endDutiesOfPerson } from './duties.js';

export { ORG_KINDS, type OrgKind } from './rules.js';

export interface OrgRow {
  id: string;
  name: string;
  kind: OrgKind;
  created_at: Date;
  /** E1.3: on the approved list (carriers, disposal vendors) since, by whom, why. */
  approved_at: Date | null;
  approved_by: string | null;
  approval_note: string | null;
}

export function orgJson(row: OrgRow, tz: string) {
  return { id: row.id, name: row.name, kind: row.kind, approvedAt: toRfc3339OrNull(row.approved_at, tz), approvalNote: row.approval_note, createdAt: toRfc3339(row.created_at, tz) };
}

/** E1.3: puts an organisation on the approved list (a trustworthy carrier / vendor), or takes it off. */
export async function setOrgApproval(trx: Knex, id: string, approved: boolean, note: string | null, actor: string): Promise<OrgRow> {
  const org = await getOrg(trx, id);
  if (approved === (org.approved_at !== null)) {
    throw new ConflictError(approved ? 'already_approved' : 'not_approved', approved ? `${org.name} is already approved.` : `${org.name} is not on the approved list.`);
  }
  const [row] = (await trx('organisations')
    .where({ id })
    .update(approved ? { approved_at: trx.fn.now(), approved_by: actor, approval_note: note } : { approved_at: null, approved_by: null, approval_note: note })
    .returning('*')) as OrgRow[];
  await appendJournal(trx, { actor, action: approved ? 'orgs.approved' : 'orgs.approval_withdrawn', subject: `org:${id}`, payload: { note } });
  return row!;
}

export async function createOrg(trx: Knex, input: { name: string; kind: OrgKind }, actor: string): Promise<OrgRow> {
  const [row] = (await trx('organisations').insert({ name: input.name, kind: input.kind }).returning('*')) as OrgRow[];
  await appendJournal(trx, { actor, action: 'orgs.created', subject: `org:${row!.id}`, payload: { name: row!.name, kind: row!.kind } });
  return row!;
}

/** The organisation of this kind with exactly this name, if there is one. */
export async function findOrgByName(db: Knex, name: string, kind: OrgKind): Promise<OrgRow | undefined> {
  return (await db('organisations').where({ name, kind }).first()) as OrgRow | undefined;
}

/** Is there any organisation whose name starts with `prefix`? */
export async function orgNameStartsWith(db: Knex, prefix: string): Promise<boolean> {
  return (await db('organisations').where('name', 'like', `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`).first('id')) !== undefined;
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


/**
 * A person as the API shows them. `personal` fields (e-mail, phone, birthday, user name) only for
 * readers with people:personal: the front desk sees who someone is, not how to reach them
 * (security review, finding 14).
 */
export function personJson(row: PersonRow, tz: string, personal = true) {
  return {
    id: row.id,
    name: row.name,
    reading: row.reading,
    orgId: row.org_id,
    orgName: row.org_name,
    orgKind: row.org_kind,
    roles: row.roles,
    ...(personal ? { email: row.email, noticeLang: row.notice_lang, phone: row.phone, birthday: row.birthday, username: row.username } : {}),
    leftAt: toRfc3339OrNull(row.left_at, tz),
    leftReason: row.left_reason,
    createdAt: toRfc3339(row.created_at, tz),
  };
}

import { getPerson, type PersonRow } from './people.read-model.js';

export { getPerson, listPeople, type PersonRow } from './people.read-model.js';

export interface CreatePersonInput {
  name: string;
  reading?: string | undefined;
  orgId: string;
  roles: string[];
  email?: string | undefined;
  phone?: string | undefined;
  birthday?: string | undefined;
  account?: { username: string; password: string } | undefined;
}

/** Only administrators may make or unmake administrators (no privilege escalation). */
export function assertMayGrantRoles(actorRoles: readonly string[] | null, roles: readonly string[]): void {
  if (actorRoles && roles.includes('admin') && !actorRoles.includes('admin')) {
    throw new ForbiddenError('forbidden', 'Only an administrator can appoint or dismiss administrators.');
  }
}

async function recordAppointments(trx: Knex, personId: string, roles: string[], change: 'appointed' | 'dismissed', actor: string, actorPersonId: string | null, note: string | null) {
  if (roles.length === 0) return;
  await trx('appointments').insert(roles.map((role) => ({ person_id: personId, role, change, by_actor: actor, by_person_id: actorPersonId, note })));
}

export async function createPerson(app: AppContext, trx: Knex, input: CreatePersonInput, actor: string, actorPersonId: string | null = null): Promise<PersonRow> {
  await getOrg(trx, input.orgId);
  // Visitors do not sign in (api.md "Roles"): they have a badge, never an account.
  if (input.account && input.roles.every((r) => r === 'visitor')) {
    throw new ValidationError('Visitors do not sign in: register them without an account.', [
      { field: 'body.account', code: 'visitor_no_account', message: 'visitors cannot have an account' },
    ]);
  }
  const [row] = (await trx('people')
    .insert({
      name: input.name,
      reading: input.reading === undefined ? null : normaliseReading(input.reading),
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
    payload: { name: input.name, orgId: input.orgId, roles: input.roles, ...(input.reading !== undefined ? { reading: normaliseReading(input.reading) } : {}) },
  });
  // E1.1: the appointment history starts with the roles given at registration.
  await recordAppointments(trx, row!.id, input.roles, 'appointed', actor, actorPersonId, null);
  if (input.account) {
    await createAccount(app, trx, { personId: row!.id, username: input.account.username, password: input.account.password, actor });
  }
  return getPerson(trx, row!.id);
}

export async function setRoles(trx: Knex, personId: string, roles: string[], note: string | null, actor: { accountId: string; personId: string; roles: string[] }): Promise<PersonRow> {
  const person = await getPerson(trx, personId);
  if (person.left_at) throw new ConflictError('person_left', 'This person has left; their roles can no longer change.');
  const added = roles.filter((r) => !person.roles.includes(r));
  const removed = person.roles.filter((r) => !roles.includes(r));
  assertMayGrantRoles(actor.roles, [...added, ...removed]);
  if (added.length === 0 && removed.length === 0) return person;
  await trx('people').where({ id: personId }).update({ roles });
  await recordAppointments(trx, personId, added, 'appointed', actor.accountId, actor.personId, note);
  await recordAppointments(trx, personId, removed, 'dismissed', actor.accountId, actor.personId, note);
  await appendJournal(trx, { actor: actor.accountId, action: 'people.roles_changed', subject: `person:${personId}`, payload: { added, removed, roles, note } });
  return getPerson(trx, personId);
}

/**
 * A person's reading (furigana), e-mail address or notice language set or corrected; journaled,
 * the previous address too (issue 15: address changes are journaled).
 */
export async function updatePersonDetails(
  trx: Knex,
  personId: string,
  input: { reading?: string | null | undefined; email?: string | null | undefined; noticeLang?: 'ja' | 'en' | undefined },
  actor: string,
): Promise<PersonRow> {
  const person = await getPerson(trx, personId);
  const changes: Record<string, unknown> = {};
  if (input.reading !== undefined) {
    const next = input.reading === null ? null : normaliseReading(input.reading);
    if (next !== person.reading) changes.reading = next;
  }
  if (input.email !== undefined && input.email !== person.email) changes.email = input.email;
  if (input.noticeLang !== undefined && input.noticeLang !== person.notice_lang) changes.notice_lang = input.noticeLang;
  if (Object.keys(changes).length === 0) return person;
  await trx('people').where({ id: personId }).update(changes);
  if ('reading' in changes) await appendJournal(trx, { actor, action: 'people.reading_changed', subject: `person:${personId}`, payload: { reading: changes.reading } });
  if ('email' in changes || 'notice_lang' in changes) {
    await appendJournal(trx, {
      actor,
      action: 'people.contact_changed',
      subject: `person:${personId}`,
      payload: { ...('email' in changes ? { email: changes.email, previousEmail: person.email } : {}), ...('notice_lang' in changes ? { noticeLang: changes.notice_lang } : {}) },
    });
  }
  return getPerson(trx, personId);
}

export async function listAppointments(db: Knex, personId: string) {
  await getPerson(db, personId);
  return db('appointments as a')
    .leftJoin('people as p', 'p.id', 'a.by_person_id')
    .where('a.person_id', personId)
    .orderBy('a.id', 'asc')
    .select('a.id', 'a.role', 'a.change', 'a.at', 'a.note', 'a.by_person_id', 'p.name as by_name', 'a.by_actor');
}

/**
 * E1.1: marks the person as having left (the leave itself — badges, room access, sign-in, the
 * notice to the depositor — is driven by server/leave/service.ts, above the modules it touches).
 * Their roles are recorded as dismissed in the appointment history.
 */
export async function markPersonLeft(trx: Knex, person: PersonRow, input: { reason: 'resigned' | 'transferred'; effectiveAt: Date }, actor: { accountId: string; personId: string | null }): Promise<void> {
  await trx('people').where({ id: person.id }).update({ left_at: input.effectiveAt, left_reason: input.reason });
  await recordAppointments(trx, person.id, person.roles, 'dismissed', actor.accountId, actor.personId, input.reason);
  // E1.1 / E9.1: their appointments for depositors and as fire-prevention manager end with them.
  await endDutiesOfPerson(trx, person.id, input.reason, input.effectiveAt, actor.accountId);
}

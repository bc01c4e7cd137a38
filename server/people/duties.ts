// Appointments to duties the depositor's guidelines name (issue 18, part 2):
//   - E1.1: per depositor, one responsible person (責任者) and one staff member (担当者), chosen from
//     the contractor's people, each with the interview (面談) with the depositor's contact: when,
//     who of the depositor, who of ours. Appointing a new one ends the previous one (replaced); a
//     person who leaves ends theirs (markPersonLeft).
//   - E9.1: the fire-prevention manager (防火管理者), one at a time.
// The role history of a person (E1.1, `appointments`) stays as it is: these say *for whom*.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { appendJournal } from '../journal/journal.js';
import { toRfc3339, toRfc3339OrNull } from '../shared/time.js';
import { getPerson, type PersonRow } from './people.read-model.js';

export const DEPOSITOR_ROLES = ['responsible', 'staff'] as const;
export type DepositorRole = (typeof DEPOSITOR_ROLES)[number];
export const END_REASONS = ['resigned', 'transferred', 'replaced', 'other'] as const;
export type EndReason = (typeof END_REASONS)[number];

/** A moment a person records must have happened already (a minute's grace for clocks). */
async function notInFuture(db: Knex, at: Date, field: string): Promise<Date> {
  const { rows } = await db.raw('SELECT now() AS now');
  const now = (rows[0] as { now: Date }).now;
  if (at.getTime() > now.getTime() + 60_000) throw new ValidationError('This is recorded when it has happened; the time cannot be in the future.', [{ field, code: 'in_future', message: 'must not be in the future' }]);
  return now;
}

async function knownPeople(db: Knex, ids: string[], field: string): Promise<void> {
  if (new Set(ids).size !== ids.length) throw new ValidationError('A person is listed twice.', [{ field, code: 'duplicate', message: 'people must not repeat' }]);
  const found = new Set((await db('people').whereIn('id', ids).pluck('id')) as string[]);
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length > 0) throw new NotFoundError('person', `Unknown person(s): ${missing.join(', ')}`);
}

// ---- E1.1: appointments per depositor ------------------------------------------------------

async function getOrg(db: Knex, id: string): Promise<{ id: string; name: string; kind: string }> {
  const row = (await db('organisations').where({ id }).first('id', 'name', 'kind')) as { id: string; name: string; kind: string } | undefined;
  if (!row) throw new NotFoundError('organisation');
  return row;
}

export interface DepositorAppointmentRow {
  id: string;
  depositor_org_id: string;
  person_id: string;
  role: DepositorRole;
  appointed_at: Date;
  ended_at: Date | null;
  ended_reason: EndReason | null;
  note: string | null;
  created_by: string;
  created_at: Date;
}

export interface InterviewRow {
  id: string;
  appointment_id: string;
  held_at: Date;
  depositor_participants: string[];
  participant_person_ids: string[];
  note: string | null;
  created_by: string;
  created_at: Date;
}

export type AppointmentWithInterviews = DepositorAppointmentRow & { person_name: string; depositor_name: string; interviews: InterviewRow[] };

/** The role a person must hold to be appointed: the responsible person holds `responsible`; the staff member `staff` (or a higher one). */
const QUALIFYING_ROLES: Record<DepositorRole, string[]> = { responsible: ['responsible'], staff: ['staff', 'authorized', 'responsible'] };

function assertQualifies(person: PersonRow, role: DepositorRole): void {
  if (person.left_at) throw new ConflictError('person_left', `${person.name} has left.`);
  if (!person.roles.some((r) => QUALIFYING_ROLES[role].includes(r))) {
    throw new ConflictError('role_not_held', `${person.name} does not hold the ${role === 'responsible' ? '責任者 (responsible)' : '担当者 (staff)'} role; appoint the role first (PUT /api/people/:id/roles).`, [
      { field: 'body.personId', code: 'role_not_held', message: `needs one of: ${QUALIFYING_ROLES[role].join(', ')}` },
    ]);
  }
  if (person.org_kind !== 'contractor') {
    throw new ConflictError('not_contractor', `${person.name} is not one of the contractor's own people (E1.1: chosen from its employees).`, [{ field: 'body.personId', code: 'not_contractor', message: person.org_name }]);
  }
}

/** E1.1: appoints the responsible person or staff member for a depositor; the current one, if any, is ended as replaced. Journaled. */
export async function appointForDepositor(
  trx: Knex,
  input: { depositorOrgId: string; personId: string; role: DepositorRole; appointedAt?: Date | undefined; note?: string | undefined },
  actor: string,
): Promise<DepositorAppointmentRow> {
  const depositor = await getOrg(trx, input.depositorOrgId);
  if (depositor.kind !== 'depositor') throw new ValidationError('depositorOrgId must be a depositor.', [{ field: 'body.depositorOrgId', code: 'not_depositor', message: 'must be an organisation of kind depositor' }]);
  const person = await getPerson(trx, input.personId);
  assertQualifies(person, input.role);
  const now = await notInFuture(trx, input.appointedAt ?? new Date(0), 'body.appointedAt');
  const appointedAt = input.appointedAt ?? now;
  // One current appointment per depositor and role: the row lock orders two appointments at once.
  const current = (await trx('depositor_appointments').where({ depositor_org_id: depositor.id, role: input.role }).whereNull('ended_at').forUpdate().first()) as DepositorAppointmentRow | undefined;
  if (current?.person_id === person.id) throw new ConflictError('already_appointed', `${person.name} is already appointed for ${depositor.name}.`);
  if (current) {
    if (appointedAt.getTime() < current.appointed_at.getTime()) throw new ValidationError('appointedAt is before the current appointment began.', [{ field: 'body.appointedAt', code: 'before_current', message: 'must not be before the current appointment' }]);
    await trx('depositor_appointments').where({ id: current.id }).update({ ended_at: appointedAt, ended_reason: 'replaced' });
    await appendJournal(trx, { actor, action: 'people.depositor_appointment_ended', subject: `appointment:${current.id}`, payload: { depositorOrgId: depositor.id, personId: current.person_id, role: current.role, endedAt: appointedAt.toISOString(), reason: 'replaced' } });
  }
  const [row] = (await trx('depositor_appointments')
    .insert({ id: crypto.randomUUID(), depositor_org_id: depositor.id, person_id: person.id, role: input.role, appointed_at: appointedAt, note: input.note ?? null, created_by: actor })
    .returning('*')) as DepositorAppointmentRow[];
  await appendJournal(trx, {
    actor,
    action: 'people.depositor_appointed',
    subject: `appointment:${row!.id}`,
    payload: { depositorOrgId: depositor.id, personId: person.id, personName: person.name, role: input.role, appointedAt: appointedAt.toISOString(), note: input.note ?? null, replaced: current?.id ?? null },
  });
  return row!;
}

async function getAppointment(db: Knex, id: string): Promise<DepositorAppointmentRow> {
  const row = (await db('depositor_appointments').where({ id }).first()) as DepositorAppointmentRow | undefined;
  if (!row) throw new NotFoundError('appointment');
  return row;
}

/** Ends an appointment (resigned, transferred, other); journaled. */
export async function endDepositorAppointment(trx: Knex, id: string, input: { reason: EndReason; endedAt?: Date | undefined; note?: string | undefined }, actor: string): Promise<DepositorAppointmentRow> {
  const row = (await trx('depositor_appointments').where({ id }).forUpdate().first()) as DepositorAppointmentRow | undefined;
  if (!row) throw new NotFoundError('appointment');
  if (row.ended_at) throw new ConflictError('already_ended', 'This appointment has already ended.');
  const now = await notInFuture(trx, input.endedAt ?? new Date(0), 'body.endedAt');
  const endedAt = input.endedAt ?? now;
  if (endedAt.getTime() < row.appointed_at.getTime()) throw new ValidationError('endedAt is before the appointment began.', [{ field: 'body.endedAt', code: 'before_appointed', message: 'must not be before appointedAt' }]);
  const [updated] = (await trx('depositor_appointments').where({ id }).update({ ended_at: endedAt, ended_reason: input.reason }).returning('*')) as DepositorAppointmentRow[];
  await appendJournal(trx, { actor, action: 'people.depositor_appointment_ended', subject: `appointment:${id}`, payload: { depositorOrgId: row.depositor_org_id, personId: row.person_id, role: row.role, endedAt: endedAt.toISOString(), reason: input.reason, note: input.note ?? null } });
  return updated!;
}

/** E1.1: a person leaving ends their appointments for depositors and as fire-prevention manager (in the leave's transaction). */
export async function endDutiesOfPerson(trx: Knex, personId: string, reason: 'resigned' | 'transferred', endedAt: Date, actor: string): Promise<void> {
  const ended = (await trx('depositor_appointments').where({ person_id: personId }).whereNull('ended_at').update({ ended_at: endedAt, ended_reason: reason }).returning('*')) as DepositorAppointmentRow[];
  for (const a of ended) {
    await appendJournal(trx, { actor, action: 'people.depositor_appointment_ended', subject: `appointment:${a.id}`, payload: { depositorOrgId: a.depositor_org_id, personId, role: a.role, endedAt: endedAt.toISOString(), reason } });
  }
  const managers = (await trx('fire_prevention_managers').where({ person_id: personId }).whereNull('ended_at').update({ ended_at: endedAt }).returning(['id'])) as Array<{ id: string }>;
  for (const m of managers) {
    await appendJournal(trx, { actor, action: 'people.fire_prevention_manager_ended', subject: `fire-manager:${m.id}`, payload: { personId, endedAt: endedAt.toISOString(), reason } });
  }
}

/** E1.1: records the interview (面談) of an appointee with the depositor's contact; journaled. */
export async function recordInterview(
  trx: Knex,
  appointmentId: string,
  input: { heldAt: Date; depositorParticipants: string[]; participantIds: string[]; note?: string | undefined },
  actor: string,
): Promise<InterviewRow> {
  const appointment = await getAppointment(trx, appointmentId);
  await notInFuture(trx, input.heldAt, 'body.heldAt');
  await knownPeople(trx, input.participantIds, 'body.participantIds');
  if (!input.participantIds.includes(appointment.person_id)) {
    throw new ValidationError('The appointee takes part in their own interview.', [{ field: 'body.participantIds', code: 'appointee_missing', message: 'must include the appointed person' }]);
  }
  const [row] = (await trx('appointment_interviews')
    .insert({ id: crypto.randomUUID(), appointment_id: appointment.id, held_at: input.heldAt, depositor_participants: input.depositorParticipants, participant_person_ids: input.participantIds, note: input.note ?? null, created_by: actor })
    .returning('*')) as InterviewRow[];
  await appendJournal(trx, {
    actor,
    action: 'people.interview_recorded',
    subject: `appointment:${appointment.id}`,
    payload: { interviewId: row!.id, heldAt: input.heldAt.toISOString(), depositorParticipants: input.depositorParticipants, participantIds: input.participantIds, note: input.note ?? null },
  });
  return row!;
}

export async function listDepositorAppointments(db: Knex, filter: { depositorOrgId?: string | undefined; current?: boolean | undefined }): Promise<AppointmentWithInterviews[]> {
  const q = db('depositor_appointments as d')
    .join('people as p', 'p.id', 'd.person_id')
    .join('organisations as o', 'o.id', 'd.depositor_org_id')
    .select('d.*', 'p.name as person_name', 'o.name as depositor_name')
    .orderBy([{ column: 'd.appointed_at', order: 'desc' }, { column: 'd.id', order: 'desc' }])
    .limit(500);
  if (filter.depositorOrgId) q.where('d.depositor_org_id', filter.depositorOrgId);
  if (filter.current) q.whereNull('d.ended_at');
  const rows = (await q) as Array<DepositorAppointmentRow & { person_name: string; depositor_name: string }>;
  const interviews = rows.length ? ((await db('appointment_interviews').whereIn('appointment_id', rows.map((r) => r.id)).orderBy('held_at', 'asc')) as InterviewRow[]) : [];
  return rows.map((r) => ({ ...r, interviews: interviews.filter((i) => i.appointment_id === r.id) }));
}

export function interviewJson(i: InterviewRow, tz: string) {
  return { id: i.id, heldAt: toRfc3339(i.held_at, tz), depositorParticipants: i.depositor_participants, participantIds: i.participant_person_ids, note: i.note, createdAt: toRfc3339(i.created_at, tz) };
}

export function appointmentJson(r: DepositorAppointmentRow & { person_name?: string; depositor_name?: string; interviews?: InterviewRow[] }, tz: string) {
  return {
    id: r.id,
    depositorOrgId: r.depositor_org_id,
    depositorName: r.depositor_name ?? null,
    personId: r.person_id,
    personName: r.person_name ?? null,
    role: r.role,
    appointedAt: toRfc3339(r.appointed_at, tz),
    endedAt: toRfc3339OrNull(r.ended_at, tz),
    endedReason: r.ended_reason,
    note: r.note,
    interviews: (r.interviews ?? []).map((i) => interviewJson(i, tz)),
  };
}

export async function appointmentWithInterviews(db: Knex, id: string): Promise<AppointmentWithInterviews> {
  const row = (await db('depositor_appointments as d')
    .join('people as p', 'p.id', 'd.person_id')
    .join('organisations as o', 'o.id', 'd.depositor_org_id')
    .where('d.id', id)
    .first('d.*', 'p.name as person_name', 'o.name as depositor_name')) as (DepositorAppointmentRow & { person_name: string; depositor_name: string }) | undefined;
  if (!row) throw new NotFoundError('appointment');
  const interviews = (await db('appointment_interviews').where({ appointment_id: id }).orderBy('held_at', 'asc')) as InterviewRow[];
  return { ...row, interviews };
}

// ---- E9.1: the fire-prevention manager (防火管理者) ------------------------------------------

export interface FireManagerRow {
  id: string;
  person_id: string;
  appointed_at: Date;
  ended_at: Date | null;
  certificate_ref: string | null;
  note: string | null;
  created_by: string;
  created_at: Date;
}

/** E9.1: appoints the fire-prevention manager; the current one, if any, is ended. Journaled. */
export async function appointFireManager(trx: Knex, input: { personId: string; appointedAt?: Date | undefined; certificateRef?: string | undefined; note?: string | undefined }, actor: string): Promise<FireManagerRow> {
  const person = await getPerson(trx, input.personId);
  if (person.left_at) throw new ConflictError('person_left', `${person.name} has left.`);
  const now = await notInFuture(trx, input.appointedAt ?? new Date(0), 'body.appointedAt');
  const appointedAt = input.appointedAt ?? now;
  const current = (await trx('fire_prevention_managers').whereNull('ended_at').forUpdate().first()) as FireManagerRow | undefined;
  if (current?.person_id === person.id) throw new ConflictError('already_appointed', `${person.name} is already the fire-prevention manager.`);
  if (current) {
    if (appointedAt.getTime() < current.appointed_at.getTime()) throw new ValidationError('appointedAt is before the current appointment began.', [{ field: 'body.appointedAt', code: 'before_current', message: 'must not be before the current appointment' }]);
    await trx('fire_prevention_managers').where({ id: current.id }).update({ ended_at: appointedAt });
    await appendJournal(trx, { actor, action: 'people.fire_prevention_manager_ended', subject: `fire-manager:${current.id}`, payload: { personId: current.person_id, endedAt: appointedAt.toISOString(), reason: 'replaced' } });
  }
  const [row] = (await trx('fire_prevention_managers')
    .insert({ id: crypto.randomUUID(), person_id: person.id, appointed_at: appointedAt, certificate_ref: input.certificateRef ?? null, note: input.note ?? null, created_by: actor })
    .returning('*')) as FireManagerRow[];
  await appendJournal(trx, {
    actor,
    action: 'people.fire_prevention_manager_appointed',
    subject: `fire-manager:${row!.id}`,
    payload: { personId: person.id, personName: person.name, appointedAt: appointedAt.toISOString(), certificateRef: input.certificateRef ?? null, note: input.note ?? null, replaced: current?.id ?? null },
  });
  return row!;
}

export async function listFireManagers(db: Knex): Promise<Array<FireManagerRow & { person_name: string }>> {
  return (await db('fire_prevention_managers as f').join('people as p', 'p.id', 'f.person_id').select('f.*', 'p.name as person_name').orderBy('f.appointed_at', 'desc').limit(200)) as Array<FireManagerRow & { person_name: string }>;
}

export function fireManagerJson(r: FireManagerRow & { person_name?: string }, tz: string) {
  return { id: r.id, personId: r.person_id, personName: r.person_name ?? null, appointedAt: toRfc3339(r.appointed_at, tz), endedAt: toRfc3339OrNull(r.ended_at, tz), certificateRef: r.certificate_ref, note: r.note };
}

// Records people fill in and the door relies on: NDAs (M6.3), trainings (E5), and the
// depositor's written consent for subcontractors (E8).
import type { Knex } from 'knex';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { appendJournal } from '../journal/journal.js';
import { toRfc3339, toRfc3339OrNull } from '../shared/time.js';
import { getOrg, getPerson } from './service.js';

export async function recordNda(trx: Knex, input: { personId: string; signedAt: Date; expiresAt?: Date | undefined; documentRef: string }, actor: string) {
  const person = await getPerson(trx, input.personId);
  if (input.expiresAt && input.expiresAt <= input.signedAt) {
    throw new ValidationError('expiresAt must be after signedAt.', [{ field: 'body.expiresAt', code: 'before_signed', message: 'must be after signedAt' }]);
  }
  const [row] = (await trx('ndas')
    .insert({ person_id: person.id, signed_at: input.signedAt, expires_at: input.expiresAt ?? null, document_ref: input.documentRef })
    .returning('*')) as NdaRow[];
  await appendJournal(trx, {
    actor,
    action: 'ndas.recorded',
    subject: `person:${person.id}`,
    payload: { ndaId: row!.id, signedAt: input.signedAt.toISOString(), expiresAt: input.expiresAt?.toISOString() ?? null, documentRef: input.documentRef },
  });
  return row!;
}

export interface NdaRow {
  id: string;
  person_id: string;
  signed_at: Date;
  expires_at: Date | null;
  document_ref: string;
  created_at: Date;
}

export function ndaJson(row: NdaRow, tz: string) {
  return {
    id: row.id,
    personId: row.person_id,
    signedAt: toRfc3339(row.signed_at, tz),
    expiresAt: toRfc3339OrNull(row.expires_at, tz),
    documentRef: row.document_ref,
    createdAt: toRfc3339(row.created_at, tz),
  };
}

export async function listNdas(db: Knex, personId?: string): Promise<NdaRow[]> {
  const q = db('ndas').orderBy('signed_at', 'desc').limit(500);
  if (personId) q.where({ person_id: personId });
  return (await q) as NdaRow[];
}

export interface TrainingInput {
  title: string;
  heldAt: Date;
  instructor: string;
  method: string;
  content: string;
  participantIds: string[];
  /** E5.2: the topics a–f the training covered. */
  topics?: string[] | undefined;
}

export async function recordTraining(trx: Knex, input: TrainingInput, actor: string) {
  const unique = [...new Set(input.participantIds)];
  if (unique.length !== input.participantIds.length) {
    throw new ValidationError('A participant is listed twice.', [{ field: 'body.participantIds', code: 'duplicate', message: 'participants must not repeat' }]);
  }
  const topics = [...new Set(input.topics ?? [])].sort();
  if (topics.length !== (input.topics ?? []).length) {
    throw new ValidationError('A topic is listed twice.', [{ field: 'body.topics', code: 'duplicate', message: 'topics must not repeat' }]);
  }
  const found = (await trx('people').whereIn('id', unique).pluck('id')) as string[];
  const missing = unique.filter((id) => !found.includes(id));
  if (missing.length > 0) throw new NotFoundError('person', `Unknown participant(s): ${missing.join(', ')}`);
  const [row] = (await trx('trainings')
    .insert({ title: input.title, held_at: input.heldAt, instructor: input.instructor, method: input.method, content: input.content, topics })
    .returning('*')) as TrainingRow[];
  await trx('training_participants').insert(unique.map((person_id) => ({ training_id: row!.id, person_id })));
  await appendJournal(trx, {
    actor,
    action: 'trainings.recorded',
    subject: `training:${row!.id}`,
    payload: { title: input.title, heldAt: input.heldAt.toISOString(), instructor: input.instructor, method: input.method, content: input.content, participantIds: unique, topics },
  });
  return { ...row!, participant_ids: unique };
}

export interface TrainingRow {
  id: string;
  title: string;
  held_at: Date;
  instructor: string;
  method: string;
  content: string;
  topics: string[];
  created_at: Date;
  participant_ids: string[];
}

export function trainingJson(row: TrainingRow, tz: string) {
  return {
    id: row.id,
    title: row.title,
    heldAt: toRfc3339(row.held_at, tz),
    instructor: row.instructor,
    method: row.method,
    content: row.content,
    topics: row.topics ?? [],
    participantIds: row.participant_ids,
    createdAt: toRfc3339(row.created_at, tz),
  };
}

export async function listTrainings(db: Knex, personId?: string): Promise<TrainingRow[]> {
  const q = db('trainings as t')
    .select('t.*', db.raw('ARRAY(SELECT tp.person_id FROM training_participants tp WHERE tp.training_id = t.id ORDER BY tp.person_id) AS participant_ids'))
    .orderBy('t.held_at', 'desc')
    .limit(500);
  if (personId) q.whereExists(db('training_participants as x').whereRaw('x.training_id = t.id').andWhere('x.person_id', personId));
  return (await q) as TrainingRow[];
}

export async function recordConsent(trx: Knex, orgId: string, input: { depositorOrgId?: string | undefined; grantedAt: Date; expiresAt?: Date | undefined; documentRef: string }, actor: string) {
  const org = await getOrg(trx, orgId);
  if (org.kind !== 'subcontractor' && org.kind !== 'disposal_vendor') {
    throw new ConflictError('consent_not_applicable', 'Consent records are kept for subcontractors and disposal vendors (E8).');
  }
  if (input.expiresAt && input.expiresAt <= input.grantedAt) {
    throw new ValidationError('expiresAt must be after grantedAt.', [{ field: 'body.expiresAt', code: 'before_granted', message: 'must be after grantedAt' }]);
  }
  if (input.depositorOrgId) {
    const depositor = await getOrg(trx, input.depositorOrgId);
    if (depositor.kind !== 'depositor') throw new ValidationError('depositorOrgId must be a depositor.', [{ field: 'body.depositorOrgId', code: 'not_depositor', message: 'must be an organisation of kind depositor' }]);
  }
  const [row] = (await trx('org_consents')
    .insert({ org_id: orgId, depositor_org_id: input.depositorOrgId ?? null, granted_at: input.grantedAt, expires_at: input.expiresAt ?? null, document_ref: input.documentRef })
    .returning('*')) as Array<{ id: string; org_id: string; depositor_org_id: string | null; granted_at: Date; expires_at: Date | null; document_ref: string; created_at: Date }>;
  await appendJournal(trx, {
    actor,
    action: 'orgs.consent_recorded',
    subject: `org:${orgId}`,
    payload: { consentId: row!.id, depositorOrgId: row!.depositor_org_id, grantedAt: input.grantedAt.toISOString(), expiresAt: input.expiresAt?.toISOString() ?? null, documentRef: input.documentRef },
  });
  return row!;
}

export async function hasValidConsent(db: Knex, orgId: string): Promise<boolean> {
  const row = await db('org_consents')
    .where({ org_id: orgId })
    .andWhere('granted_at', '<=', db.fn.now())
    .andWhere((q) => q.whereNull('expires_at').orWhere('expires_at', '>', db.fn.now()))
    .first('id');
  return Boolean(row);
}

// Approvals kept as records (REC):
// - E1.7: no copies without the depositor's permission — a copy approval names the source
//   medium, how many copies, who approved (a person of the depositor) and the written document;
//   the copies are registered against it, linked to their source, never more than approved.
// - E1.4–E1.5: electronic transmission only with the responsible person's approval, to a
//   pre-agreed destination, encrypted by the agreed method.
import type { Knex } from 'knex';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { appendJournal } from '../journal/journal.js';
import { getPerson } from '../people/service.js';
import { copyApprovalsQuery, transmissionQuery } from './approvals.read-model.js';
import { getMedium, lockMedia, noteCustodyStep, registerMedium, type MediumRow, type NewMedium } from '../media/service.js';
import { assertMayDo, type MediaKind } from '../media/rules.js';

export interface CopyApprovalRow {
  id: string;
  source_medium_id: string;
  copies: number;
  used: number;
  approved_by_person_id: string;
  approved_by_name: string;
  document_ref: string;
  purpose: string;
  approved_at: Date;
  created_by: string;
  created_at: Date;
}


export async function createCopyApproval(
  trx: Knex,
  input: { sourceMediumId: string; copies: number; approvedByPersonId: string; documentRef: string; purpose: string; approvedAt: Date | null },
  actor: string,
): Promise<CopyApprovalRow> {
  const source = await getMedium(trx, input.sourceMediumId);
  const approver = await getPerson(trx, input.approvedByPersonId);
  // E1.7: the permission is the depositor's.
  if (approver.org_id !== source.depositor_org_id) {
    throw new ValidationError('A copy is approved by the depositor of the medium.', [
      { field: 'body.approvedByPersonId', code: 'approver_not_depositor', message: `${approver.name} does not belong to ${source.depositor_name}.` },
    ]);
  }
  const [row] = (await trx('copy_approvals')
    .insert({
      source_medium_id: source.id,
      copies: input.copies,
      approved_by_person_id: approver.id,
      document_ref: input.documentRef,
      purpose: input.purpose,
      approved_at: input.approvedAt ?? trx.fn.now(),
      created_by: actor,
    })
    .returning(['id'])) as Array<{ id: string }>;
  await appendJournal(trx, {
    actor,
    action: 'approvals.copy_approved',
    subject: `copy_approval:${row!.id}`,
    payload: { sourceMediumId: source.id, copies: input.copies, approvedByPersonId: approver.id, documentRef: input.documentRef, purpose: input.purpose },
  });
  return (await copyApprovalsQuery(trx).where('c.id', row!.id).first()) as CopyApprovalRow;
}

export async function listCopyApprovals(db: Knex, sourceMediumId?: string): Promise<CopyApprovalRow[]> {
  const q = copyApprovalsQuery(db).orderBy('c.created_at', 'desc').limit(500);
  if (sourceMediumId) q.where('c.source_medium_id', sourceMediumId);
  return (await q) as CopyApprovalRow[];
}

export interface CopyInput {
  label: string;
  kind?: MediaKind | undefined;
  locationId: string;
  description?: string | undefined;
}

/** Registers copies of a medium under an approval; refused without one, or beyond its count. */
export async function makeCopies(trx: Knex, sourceId: string, approvalId: string, copies: CopyInput[], actor: string): Promise<MediumRow[]> {
  const [source] = await lockMedia(trx, [sourceId], 'params.id');
  const approval = (await trx('copy_approvals').where({ id: approvalId }).forUpdate().first()) as CopyApprovalRow | undefined;
  if (!approval) throw new NotFoundError('copy approval');
  if (approval.source_medium_id !== source!.id) {
    throw new ConflictError('approval_other_medium', 'This approval is for another medium.', [{ field: 'body.approvalId', code: 'approval_other_medium', message: approvalId }]);
  }
  if (approval.used + copies.length > approval.copies) {
    throw new ConflictError('approval_exhausted', `The approval allows ${approval.copies} cop${approval.copies === 1 ? 'y' : 'ies'}; ${approval.used} already made.`, [
      { field: 'body.copies', code: 'approval_exhausted', message: `${approval.copies - approval.used} left` },
    ]);
  }
  assertMayDo('copy', source!, 'params.id');
  const { rows } = await trx.raw("SELECT date_trunc('milliseconds', clock_timestamp()) AS now");
  const at = (rows[0] as { now: Date }).now;
  const made: MediumRow[] = [];
  for (const [i, copy] of copies.entries()) {
    const input: NewMedium = {
      label: copy.label,
      kind: copy.kind ?? source!.kind,
      depositorOrgId: source!.depositor_org_id,
      locationId: copy.locationId,
      description: copy.description ?? source!.description ?? undefined,
      classification: source!.classification,
      sourceMediumId: source!.id,
      copyApprovalId: approval.id,
    };
    made.push(await registerMedium(trx, input, { action: 'copied', recordId: null, actor, at, details: { sourceMediumId: source!.id, copyApprovalId: approval.id }, field: `body.copies.${i}.label` }));
  }
  await trx('copy_approvals').where({ id: approval.id }).increment('used', copies.length);
  await noteCustodyStep(trx, source!, { action: 'copy_made', actor, at, details: { copyApprovalId: approval.id, copies: made.map((m) => ({ id: m.id, label: m.label })) } });
  await appendJournal(trx, {
    actor,
    action: 'approvals.copies_made',
    subject: `copy_approval:${approval.id}`,
    payload: { sourceMediumId: source!.id, copies: made.map((m) => m.id) },
  });
  return made;
}

export interface TransmissionApprovalRow {
  id: string;
  medium_id: string | null;
  destination: string;
  encryption_method: string;
  approver_person_id: string;
  approver_name: string;
  purpose: string;
  approved_at: Date;
  created_by: string;
  created_at: Date;
}


export async function createTransmissionApproval(
  trx: Knex,
  input: { mediumId?: string | undefined; destination: string; encryptionMethod: string; approverPersonId: string; purpose: string; approvedAt: Date | null },
  actor: string,
): Promise<TransmissionApprovalRow> {
  if (input.mediumId) await getMedium(trx, input.mediumId);
  const approver = await getPerson(trx, input.approverPersonId);
  // E1.5: the responsible person approves.
  if (!approver.roles.includes('responsible') || approver.left_at) {
    throw new ValidationError('Electronic transmission is approved by the responsible person (E1.5).', [
      { field: 'body.approverPersonId', code: 'approver_not_responsible', message: `${approver.name} is not a responsible person.` },
    ]);
  }
  const [row] = (await trx('transmission_approvals')
    .insert({
      medium_id: input.mediumId ?? null,
      destination: input.destination,
      encryption_method: input.encryptionMethod,
      approver_person_id: approver.id,
      purpose: input.purpose,
      approved_at: input.approvedAt ?? trx.fn.now(),
      created_by: actor,
    })
    .returning(['id'])) as Array<{ id: string }>;
  await appendJournal(trx, {
    actor,
    action: 'approvals.transmission_approved',
    subject: `transmission_approval:${row!.id}`,
    payload: { mediumId: input.mediumId ?? null, destination: input.destination, encryptionMethod: input.encryptionMethod, approverPersonId: approver.id, purpose: input.purpose },
  });
  return (await transmissionQuery(trx).where('t.id', row!.id).first()) as TransmissionApprovalRow;
}

export async function listTransmissionApprovals(db: Knex, mediumId?: string): Promise<TransmissionApprovalRow[]> {
  const q = transmissionQuery(db).orderBy('t.created_at', 'desc').limit(500);
  if (mediumId) q.where('t.medium_id', mediumId);
  return (await q) as TransmissionApprovalRow[];
}

// Handovers (E1.3): media pass from one person to another in the presence (立会い) of witnesses,
// at least one of them the responsible person. Three directions, told by the parties'
// organisations: from the depositor (creates the media records in the same step), to the
// depositor (the media are returned), or internal (a held medium changes hands).
// All-or-nothing: one transaction for every medium.
import type { AppContext } from '../context.js';
import { ConflictError, ValidationError, type ErrorDetail } from '../errors.js';
import { appendJournal } from '../journal/journal.js';
import { getPerson } from '../people/service.js';
import { placeViolations, witnessViolations } from '../signatures/rules.js';
import { assertPresent, newRecordId, recordSigned, verifySigners, type SignerInput, type StoredRecord } from '../signatures/service.js';
import { lockMedia, moveMedium, registerMedium, type MediumRow, type NewMedium } from '../media/service.js';
import { statusWords, type MediaKind } from '../media/rules.js';

export type HandoverDirection = 'from_depositor' | 'to_depositor' | 'internal';

export interface HandoverInput {
  mediaIds: string[];
  newMedia: Array<Omit<NewMedium, 'depositorOrgId'> & { kind: MediaKind }>;
  fromPersonId: string;
  toPersonId: string;
  witnesses: Array<SignerInput & { drawnSignature?: string | undefined }>;
  roomId?: string | undefined;
  place?: string | undefined;
  note?: string | undefined;
  actor: string;
}

export interface HandoverResult {
  id: string;
  direction: HandoverDirection;
  record: StoredRecord;
  mediaIds: string[];
}

/** E1.3: the responsible person is among the witnesses. */
export const HANDOVER_WITNESS_ROLES = ['responsible'] as const;

export async function recordHandover(app: AppContext, input: HandoverInput): Promise<HandoverResult> {
  const db = app.db.knex;
  // 1. The request's shape and the people in it (400 / 404 before any PIN is tried).
  const from = await getPerson(db, input.fromPersonId);
  const to = await getPerson(db, input.toPersonId);
  const details: ErrorDetail[] = [...placeViolations(input, true)];
  if (from.id === to.id) details.push({ field: 'body.toPersonId', code: 'same_person', message: 'The giver and the receiver must be different people.' });
  const fromDepositor = from.org_kind === 'depositor';
  const toDepositor = to.org_kind === 'depositor';
  if (fromDepositor && toDepositor) details.push({ field: 'body.toPersonId', code: 'both_depositor', message: 'One side of a handover must be the contractor.' });
  const direction: HandoverDirection = fromDepositor ? 'from_depositor' : toDepositor ? 'to_depositor' : 'internal';
  if (input.mediaIds.length === 0 && input.newMedia.length === 0) {
    details.push({ field: 'body.mediaIds', code: 'no_media', message: 'Name at least one medium.' });
  }
  if (input.newMedia.length > 0 && direction !== 'from_depositor') {
    details.push({ field: 'body.newMedia', code: 'new_media_only_from_depositor', message: 'New media records are created only when receiving from the depositor.' });
  }
  const witnesses = [];
  for (const [i, w] of input.witnesses.entries()) {
    const person = await getPerson(db, w.personId);
    witnesses.push({ personId: person.id, roles: person.roles, field: `body.witnesses.${i}` });
  }
  details.push(
    ...witnessViolations(
      witnesses,
      [
        { personId: from.id, role: 'giver (fromPersonId)' },
        { personId: to.id, role: 'receiver (toPersonId)' },
      ],
      HANDOVER_WITNESS_ROLES,
    ),
  );
  for (const [field, person] of [['body.fromPersonId', from], ['body.toPersonId', to]] as const) {
    if (person.left_at) details.push({ field, code: 'person_left', message: `${person.name} has left.` });
  }
  if (details.length > 0) throw new ValidationError('The handover is not valid.', details);

  // 2. Every witness signs now: badge + PIN (a wrong one counts toward its lockout).
  const signers = await verifySigners(
    app,
    input.witnesses.map((w, i) => ({ ...w, drawnImage: w.drawnSignature, meaning: 'witnessed handover' as const, field: `body.witnesses.${i}` })),
  );

  // 3. One transaction: media, presence, the signed record, the moves.
  return db.transaction(async (trx) => {
    const media = input.mediaIds.length > 0 ? await lockMedia(trx, input.mediaIds) : [];
    for (const [i, m] of media.entries()) assertHandoverMedium(direction, m, from, to, i);
    if (input.roomId) {
      await assertPresent(trx, input.roomId, [
        { personId: from.id, role: 'giver', field: 'body.fromPersonId' },
        { personId: to.id, role: 'receiver', field: 'body.toPersonId' },
        ...input.witnesses.map((w, i) => ({ personId: w.personId, role: 'witness', field: `body.witnesses.${i}` })),
      ]);
    }
    const id = newRecordId();
    const record = await recordSigned(app, trx, {
      kind: 'handover',
      id,
      content: {
        direction,
        from: { personId: from.id, name: from.name, org: from.org_name },
        to: { personId: to.id, name: to.name, org: to.org_name },
        media: media.map((m) => ({ id: m.id, label: m.label, kind: m.kind })),
        newMedia: input.newMedia.map((m) => ({ label: m.label, kind: m.kind, locationId: m.locationId })),
        note: input.note ?? null,
      },
      roomId: input.roomId ?? null,
      place: input.place ?? null,
      createdBy: input.actor,
      signers,
    });
    await trx('handovers').insert({
      id,
      record_id: record.id,
      direction,
      from_person_id: from.id,
      to_person_id: to.id,
      room_id: input.roomId ?? null,
      place: input.place ?? null,
      note: input.note ?? null,
      created_by: input.actor,
      at: record.at,
    });
    const mediaIds: string[] = [];
    const stepDetails = { handoverId: id, fromPersonId: from.id, toPersonId: to.id };
    for (const [i, medium] of media.entries()) {
      const field = `body.mediaIds.${i}`;
      if (direction === 'internal') {
        await moveMedium(trx, medium, { action: 'handover', to: 'checked_out', holderPersonId: to.id, recordId: record.id, actor: input.actor, at: record.at, details: stepDetails, field });
      } else if (direction === 'to_depositor') {
        await moveMedium(trx, medium, { action: 'return_to_depositor', to: 'returned_to_depositor', recordId: record.id, actor: input.actor, at: record.at, details: stepDetails, field });
      } else {
        await moveMedium(trx, medium, { action: 'redeposit', to: 'stored', locationId: medium.home_location_id, recordId: record.id, actor: input.actor, at: record.at, details: stepDetails, field });
      }
      mediaIds.push(medium.id);
    }
    for (const [i, m] of input.newMedia.entries()) {
      const created = await registerMedium(trx, { ...m, depositorOrgId: from.org_id }, { action: 'received_from_depositor', recordId: record.id, actor: input.actor, at: record.at, details: stepDetails, field: `body.newMedia.${i}.label` });
      mediaIds.push(created.id);
    }
    if (mediaIds.length > 0) await trx('handover_media').insert(mediaIds.map((medium_id, i) => ({ handover_id: id, medium_id, position: i + 1 })));
    await appendJournal(trx, {
      actor: input.actor,
      action: 'handovers.recorded',
      subject: `handover:${id}`,
      payload: { direction, fromPersonId: from.id, toPersonId: to.id, mediaIds, recordId: record.id, roomId: input.roomId ?? null, place: input.place ?? null },
    });
    return { id, direction, record, mediaIds };
  });
}

function assertHandoverMedium(direction: HandoverDirection, m: MediumRow, from: { id: string; org_id: string; name: string }, to: { org_id: string; name: string }, i: number): void {
  const field = `body.mediaIds.${i}`;
  const fromId = from.id;
  if (direction === 'from_depositor') {
    if (m.status !== 'returned_to_depositor') {
      throw new ConflictError(`medium_${m.status}`, `Medium ${m.label} is ${statusWords(m.status)}; only media the depositor holds can be received from it.`, [{ field, code: `medium_${m.status}`, message: m.label }]);
    }
    if (m.depositor_org_id !== from.org_id) {
      throw new ConflictError('other_depositor', `Medium ${m.label} belongs to ${m.depositor_name}, not to ${from.name}'s organisation.`, [{ field, code: 'other_depositor', message: m.label }]);
    }
    return;
  }
  if (m.status !== 'checked_out') {
    throw new ConflictError(`medium_${m.status}`, `Medium ${m.label} is ${statusWords(m.status)}; check it out to the giver before handing it over.`, [{ field, code: `medium_${m.status}`, message: m.label }]);
  }
  if (m.holder_person_id !== fromId) {
    throw new ConflictError('not_holder', `Medium ${m.label} is held by ${m.holder_name}, not by the giver.`, [{ field, code: 'not_holder', message: m.label }]);
  }
  if (direction === 'to_depositor' && m.depositor_org_id !== to.org_id) {
    throw new ConflictError('other_depositor', `Medium ${m.label} belongs to ${m.depositor_name}, not to ${to.name}'s organisation.`, [{ field, code: 'other_depositor', message: m.label }]);
  }
}

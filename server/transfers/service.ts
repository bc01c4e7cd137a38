// Transfers (E1.3, E1.8): media leaving the site, witnessed, and closed by a receipt at the
// destination. `carrier` needs a carrier organisation on the approved list with a tracking
// number (E1.3: a trustworthy carrier); `post` needs an escort holding the responsible role
// (E1.8: the responsible person accompanies media to the post office); `hand_carry` names who
// carries them. While in transit a medium cannot be checked out, handed over or destroyed.
import type { AppContext } from '../context.js';
import { ConflictError, NotFoundError, ValidationError, type ErrorDetail } from '../errors.js';
import { appendJournal } from '../journal/journal.js';
import { getOrg, getPerson } from '../people/service.js';
import { placeViolations, witnessViolations } from '../signatures/rules.js';
import { assertPresent, newRecordId, recordSigned, verifySigners, type SignerInput, type StoredRecord, type VerifiedSigner } from '../signatures/service.js';
import { getLocation, lockMedia, moveMedium } from '../media/service.js';
import { assertMayDo } from '../media/rules.js';

export const TRANSFER_METHODS = ['hand_carry', 'carrier', 'post'] as const;
export type TransferMethod = (typeof TRANSFER_METHODS)[number];

export interface TransferInput {
  mediaIds: string[];
  destination: string;
  method: TransferMethod;
  carrierOrgId?: string | undefined;
  trackingNo?: string | undefined;
  escortPersonId?: string | undefined;
  witnesses: Array<SignerInput & { drawnSignature?: string | undefined }>;
  roomId?: string | undefined;
  place?: string | undefined;
  note?: string | undefined;
  actor: string;
}

/** Plain rules of a transfer's method (unit-tested). */
export function transferMethodViolations(input: { method: TransferMethod; carrierOrgId?: string | undefined; trackingNo?: string | undefined; escortPersonId?: string | undefined }, escortRoles: readonly string[] | null): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  if (input.method === 'carrier') {
    if (!input.carrierOrgId) details.push({ field: 'body.carrierOrgId', code: 'carrier_required', message: 'A carrier transfer names the carrier organisation.' });
    if (!input.trackingNo) details.push({ field: 'body.trackingNo', code: 'tracking_required', message: 'A carrier transfer needs the tracking number.' });
  } else if (input.carrierOrgId || input.trackingNo) {
    details.push({ field: 'body.carrierOrgId', code: 'carrier_not_used', message: 'carrierOrgId and trackingNo belong to carrier transfers only.' });
  }
  if (input.method === 'post') {
    if (!input.escortPersonId) details.push({ field: 'body.escortPersonId', code: 'escort_required', message: 'Media taken to the post office are accompanied by the responsible person (E1.8).' });
    else if (escortRoles && !escortRoles.includes('responsible')) {
      details.push({ field: 'body.escortPersonId', code: 'escort_not_responsible', message: 'The escort to the post office must hold the responsible role (E1.8).' });
    }
  }
  if (input.method === 'hand_carry' && !input.escortPersonId) {
    details.push({ field: 'body.escortPersonId', code: 'escort_required', message: 'A hand-carried transfer names who carries the media.' });
  }
  return details;
}

export async function sendTransfer(app: AppContext, input: TransferInput): Promise<{ id: string; record: StoredRecord; mediaIds: string[] }> {
  const db = app.db.knex;
  const escort = input.escortPersonId ? await getPerson(db, input.escortPersonId) : null;
  const details: ErrorDetail[] = [...placeViolations(input, false), ...transferMethodViolations(input, escort?.roles ?? null)];
  if (escort?.left_at) details.push({ field: 'body.escortPersonId', code: 'person_left', message: `${escort.name} has left.` });
  let notApproved: ConflictError | null = null;
  if (input.carrierOrgId) {
    const carrier = await getOrg(db, input.carrierOrgId);
    if (carrier.kind !== 'carrier') details.push({ field: 'body.carrierOrgId', code: 'not_a_carrier', message: `${carrier.name} is not a carrier.` });
    else if (!carrier.approved_at) {
      // E1.3: only a carrier on the approved list.
      notApproved = new ConflictError('carrier_not_approved', `${carrier.name} is not on the approved carrier list (E1.3).`, [{ field: 'body.carrierOrgId', code: 'carrier_not_approved', message: carrier.name }]);
    }
  }
  const witnesses = [];
  for (const [i, w] of input.witnesses.entries()) {
    const person = await getPerson(db, w.personId);
    witnesses.push({ personId: person.id, roles: person.roles, field: `body.witnesses.${i}` });
  }
  details.push(...witnessViolations(witnesses, escort ? [{ personId: escort.id, role: 'escort' }] : [], ['responsible']));
  if (details.length > 0) throw new ValidationError('The transfer is not valid.', details);
  if (notApproved) throw notApproved;

  const signers = await verifySigners(app, input.witnesses.map((w, i) => ({ ...w, drawnImage: w.drawnSignature, meaning: 'witnessed transfer' as const, field: `body.witnesses.${i}` })));
  return db.transaction(async (trx) => {
    const media = await lockMedia(trx, input.mediaIds);
    media.forEach((m, i) => assertMayDo('transfer_send', m, `body.mediaIds.${i}`));
    if (input.roomId) {
      await assertPresent(trx, input.roomId, [
        ...(escort ? [{ personId: escort.id, role: 'escort', field: 'body.escortPersonId' }] : []),
        ...input.witnesses.map((w, i) => ({ personId: w.personId, role: 'witness', field: `body.witnesses.${i}` })),
      ]);
    }
    const id = newRecordId();
    const record = await recordSigned(app, trx, {
      kind: 'transfer',
      id,
      content: {
        destination: input.destination,
        method: input.method,
        carrierOrgId: input.carrierOrgId ?? null,
        trackingNo: input.trackingNo ?? null,
        escort: escort ? { personId: escort.id, name: escort.name } : null,
        media: media.map((m) => ({ id: m.id, label: m.label, kind: m.kind, from: m.status })),
        note: input.note ?? null,
      },
      roomId: input.roomId ?? null,
      place: input.place ?? null,
      createdBy: input.actor,
      signers,
    });
    await trx('transfers').insert({
      id,
      record_id: record.id,
      destination: input.destination,
      method: input.method,
      carrier_org_id: input.carrierOrgId ?? null,
      tracking_no: input.trackingNo ?? null,
      escort_person_id: escort?.id ?? null,
      status: 'in_transit',
      note: input.note ?? null,
      created_by: input.actor,
      sent_at: record.at,
    });
    await trx('transfer_media').insert(media.map((m, i) => ({ transfer_id: id, medium_id: m.id, position: i + 1 })));
    for (const [i, medium] of media.entries()) {
      await moveMedium(trx, medium, { action: 'transfer_send', to: 'in_transit', transferId: id, recordId: record.id, actor: input.actor, at: record.at, details: { transferId: id, destination: input.destination, method: input.method }, field: `body.mediaIds.${i}` });
    }
    await appendJournal(trx, {
      actor: input.actor,
      action: 'transfers.sent',
      subject: `transfer:${id}`,
      payload: { destination: input.destination, method: input.method, carrierOrgId: input.carrierOrgId ?? null, trackingNo: input.trackingNo ?? null, escortPersonId: escort?.id ?? null, mediaIds: media.map((m) => m.id), recordId: record.id },
    });
    return { id, record, mediaIds: media.map((m) => m.id) };
  });
}

export const RECEIPT_OUTCOMES = ['returned_to_depositor', 'stored', 'held'] as const;
export type ReceiptOutcome = (typeof RECEIPT_OUTCOMES)[number];

export interface ReceiptInput {
  transferId: string;
  outcome: ReceiptOutcome;
  receivedByName: string;
  locationId?: string | undefined;
  holderPersonId?: string | undefined;
  signer?: (SignerInput & { drawnSignature?: string | undefined }) | undefined;
  note?: string | undefined;
  actor: string;
}

/**
 * Arrival at the destination closes the transfer. `returned_to_depositor`: the depositor has the
 * media back; `stored`: put into one of our locations (our person signs `received transfer`,
 * inside that room); `held`: a named person at the destination holds them (e.g. a disposal
 * vendor before destruction), who may sign too.
 */
export async function receiveTransfer(app: AppContext, input: ReceiptInput): Promise<{ record: StoredRecord; mediaIds: string[] }> {
  const db = app.db.knex;
  // An unknown transfer is a 404 whatever the body says.
  if (!(await db('transfers').where({ id: input.transferId }).first('id'))) throw new NotFoundError('transfer');
  const details: ErrorDetail[] = [];
  if (input.outcome === 'stored' && !input.locationId) details.push({ field: 'body.locationId', code: 'location_required', message: 'Say where the media are stored.' });
  if (input.outcome === 'stored' && !input.signer) details.push({ field: 'body.signer', code: 'signer_required', message: 'Storing media on site is signed by the receiver (badge + PIN).' });
  if (input.outcome === 'held' && !input.holderPersonId) details.push({ field: 'body.holderPersonId', code: 'holder_required', message: 'Say who holds the media at the destination.' });
  if (input.outcome !== 'stored' && input.locationId) details.push({ field: 'body.locationId', code: 'location_not_used', message: 'locationId is for outcome stored.' });
  if (input.outcome !== 'held' && input.holderPersonId) details.push({ field: 'body.holderPersonId', code: 'holder_not_used', message: 'holderPersonId is for outcome held.' });
  if (input.outcome === 'held' && input.signer && input.signer.personId !== input.holderPersonId) {
    details.push({ field: 'body.signer.personId', code: 'signer_not_holder', message: 'The signer of a held receipt is the holder.' });
  }
  if (details.length > 0) throw new ValidationError('The receipt is not valid.', details);
  const holder = input.holderPersonId ? await getPerson(db, input.holderPersonId) : null;
  const location = input.locationId ? await getLocation(db, input.locationId) : null;
  const signers: VerifiedSigner[] = input.signer
    ? await verifySigners(app, [{ ...input.signer, drawnImage: input.signer.drawnSignature, meaning: 'received transfer', field: 'body.signer' }])
    : [];
  return db.transaction(async (trx) => {
    const transfer = (await trx('transfers').where({ id: input.transferId }).forUpdate().first()) as { id: string; status: string; destination: string } | undefined;
    if (!transfer) throw new NotFoundError('transfer');
    if (transfer.status !== 'in_transit') throw new ConflictError('transfer_received', 'This transfer was already received.');
    const ids = (await trx('transfer_media').where({ transfer_id: transfer.id }).orderBy('position').pluck('medium_id')) as string[];
    const media = await lockMedia(trx, ids);
    if (location) {
      for (const m of media) {
        if (m.room_id !== location.room_id) {
          throw new ConflictError('wrong_room', `Medium ${m.label} belongs in ${m.room_name}, not in ${location.room_name}.`, [{ field: 'body.locationId', code: 'wrong_room', message: m.room_name }]);
        }
      }
      await assertPresent(trx, location.room_id, [{ personId: input.signer!.personId, role: 'receiver', field: 'body.signer' }]);
    }
    const recordId = newRecordId();
    const record = await recordSigned(app, trx, {
      kind: 'transfer_receipt',
      id: recordId,
      content: {
        transferId: transfer.id,
        destination: transfer.destination,
        outcome: input.outcome,
        receivedByName: input.receivedByName,
        holder: holder ? { personId: holder.id, name: holder.name } : null,
        location: location ? { id: location.id, name: location.name } : null,
        media: media.map((m) => ({ id: m.id, label: m.label })),
        note: input.note ?? null,
      },
      roomId: location?.room_id ?? null,
      place: location ? null : transfer.destination,
      createdBy: input.actor,
      signers,
    });
    for (const medium of media) {
      await moveMedium(trx, medium, {
        action: 'transfer_receive',
        to: input.outcome === 'held' ? 'checked_out' : input.outcome,
        locationId: location?.id ?? null,
        holderPersonId: holder?.id ?? null,
        recordId: record.id,
        actor: input.actor,
        at: record.at,
        details: { transferId: transfer.id, receivedByName: input.receivedByName },
      });
    }
    await trx('transfers').where({ id: transfer.id }).update({
      status: 'received',
      receipt_record_id: record.id,
      receipt_outcome: input.outcome,
      received_by_name: input.receivedByName,
      received_at: record.at,
    });
    await appendJournal(trx, {
      actor: input.actor,
      action: 'transfers.received',
      subject: `transfer:${transfer.id}`,
      payload: { outcome: input.outcome, receivedByName: input.receivedByName, locationId: location?.id ?? null, holderPersonId: holder?.id ?? null, recordId: record.id },
    });
    return { record, mediaIds: media.map((m) => m.id) };
  });
}

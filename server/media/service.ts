// Storage locations, media and the chain of custody. Every change of a medium's status goes
// through moveMedium(): it checks the move (rules.ts), writes the custody step and the journal
// entry in the caller's transaction.
import type { Knex } from 'knex';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { appendJournal } from '../journal/journal.js';
import { getOrg } from '../people/service.js';
import { getRoom } from '../rooms/service.js';
import { toRfc3339 } from '../shared/time.js';
import { assertLeadsTo, assertMayDo, mediumCode, type CustodyAction, type MediaKind, type MediaStatus } from './rules.js';
import { getLocation, getMedium, mediaQuery, type LocationRow, type MediumRow } from './media.read-model.js';

export { custodySteps, getLocation, getMedium, knownMediumIds, listLocations, listMedia, mediaQuery, type CustodyStepRow, type LocationRow, type MediaFilter, type MediumRow } from './media.read-model.js';

/**
 * E6.5 clean desk, for the door's scan statement: how many media the person whose id is the SQL
 * expression `personId` holds. A fragment owned here, so the door's facts statement need not know
 * the media table's shape.
 */
export const heldMediaCountSql = (personId: string) => `(SELECT count(*) FROM media hm WHERE hm.holder_person_id = ${personId} AND hm.status = 'checked_out')`;

// ---- Locations ---------------------------------------------------------------------------

export function locationJson(row: LocationRow & { media_count?: string }, tz: string) {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    roomId: row.room_id,
    roomName: row.room_name,
    ...(row.media_count !== undefined ? { storedCount: Number(row.media_count) } : {}),
    createdAt: toRfc3339(row.created_at, tz),
  };
}

export async function createLocation(trx: Knex, input: { name: string; kind: LocationRow['kind']; roomId: string }, actor: string): Promise<LocationRow> {
  await getRoom(trx, input.roomId);
  const [row] = (await trx('locations').insert({ name: input.name, kind: input.kind, room_id: input.roomId }).returning(['id'])) as Array<{ id: string }>;
  await appendJournal(trx, { actor, action: 'locations.created', subject: `location:${row!.id}`, payload: { name: input.name, kind: input.kind, roomId: input.roomId } });
  return getLocation(trx, row!.id);
}

// ---- Media -------------------------------------------------------------------------------

export function mediumJson(row: MediumRow, tz: string) {
  return {
    id: row.id,
    label: row.label,
    kind: row.kind,
    code: mediumCode(row.id),
    depositorOrgId: row.depositor_org_id,
    depositorName: row.depositor_name,
    description: row.description,
    classification: row.classification,
    manufacturer: row.manufacturer,
    model: row.model,
    serialNo: row.serial_no,
    homeLocationId: row.home_location_id,
    homeLocationName: row.home_location_name,
    roomId: row.room_id,
    roomName: row.room_name,
    status: row.status,
    locationId: row.location_id,
    locationName: row.location_name,
    holder: row.holder_person_id ? { id: row.holder_person_id, name: row.holder_name ?? '' } : null,
    transferId: row.transfer_id,
    sourceMediumId: row.source_medium_id,
    copyApprovalId: row.copy_approval_id,
    statusChangedAt: toRfc3339(row.status_changed_at, tz),
    createdAt: toRfc3339(row.created_at, tz),
  };
}

/**
 * Locks the media rows for this transaction (in id order, so two requests over overlapping sets
 * cannot deadlock) and returns them in the order asked. Unknown ids: 404 naming them.
 */
export async function lockMedia(trx: Knex, ids: string[], field = 'body.mediaIds'): Promise<MediumRow[]> {
  const unique = [...new Set(ids)];
  if (unique.length !== ids.length) {
    throw new ValidationError('A medium is listed twice.', [{ field, code: 'duplicate', message: 'each medium once' }]);
  }
  const locked = (await trx('media').whereIn('id', unique).orderBy('id').forUpdate().pluck('id')) as string[];
  const missing = unique.filter((id) => !locked.includes(id));
  if (missing.length > 0) {
    throw new NotFoundError('medium', `No such medium: ${missing.join(', ')}.`);
  }
  const rows = (await mediaQuery(trx).whereIn('m.id', unique)) as MediumRow[];
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => byId.get(id)!);
}

export interface NewMedium {
  label: string;
  kind: MediaKind;
  depositorOrgId: string;
  locationId: string;
  description?: string | undefined;
  classification: string;
  manufacturer?: string | undefined;
  model?: string | undefined;
  serialNo?: string | undefined;
  sourceMediumId?: string | undefined;
  copyApprovalId?: string | undefined;
}

/** Registers a medium, stored in its location; the first step of its chain of custody. */
export async function registerMedium(
  trx: Knex,
  input: NewMedium,
  step: { action: 'registered' | 'received_from_depositor' | 'copied'; recordId: string | null; actor: string; at: Date; details?: Record<string, unknown>; field?: string },
): Promise<MediumRow> {
  const org = await getOrg(trx, input.depositorOrgId);
  if (org.kind !== 'depositor') {
    throw new ValidationError('The depositor must be an organisation of kind depositor.', [{ field: 'body.depositorOrgId', code: 'not_a_depositor', message: `${org.name} is a ${org.kind}` }]);
  }
  const location = await getLocation(trx, input.locationId);
  const inserted = (await trx('media')
    .insert({
      label: input.label,
      kind: input.kind,
      depositor_org_id: input.depositorOrgId,
      description: input.description ?? null,
      classification: input.classification,
      manufacturer: input.manufacturer ?? null,
      model: input.model ?? null,
      serial_no: input.serialNo ?? null,
      home_location_id: location.id,
      location_id: location.id,
      status: 'stored',
      source_medium_id: input.sourceMediumId ?? null,
      copy_approval_id: input.copyApprovalId ?? null,
      status_changed_at: step.at,
    })
    .onConflict('label')
    .ignore()
    .returning(['id'])) as Array<{ id: string }>;
  if (inserted.length === 0) {
    throw new ConflictError('label_taken', `A medium labelled ${input.label} already exists.`, [{ field: step.field ?? 'body.label', code: 'label_taken', message: input.label }]);
  }
  const id = inserted[0]!.id;
  await trx('custody_steps').insert({
    medium_id: id,
    action: step.action,
    from_status: null,
    to_status: 'stored',
    record_id: step.recordId,
    location_id: location.id,
    actor: step.actor,
    at: step.at,
    details: JSON.stringify(step.details ?? {}),
  });
  await appendJournal(trx, {
    actor: step.actor,
    action: `media.${step.action}`,
    subject: `medium:${id}`,
    payload: {
      label: input.label,
      kind: input.kind,
      depositorOrgId: input.depositorOrgId,
      locationId: location.id,
      classification: input.classification,
      recordId: step.recordId,
      sourceMediumId: input.sourceMediumId ?? null,
      copyApprovalId: input.copyApprovalId ?? null,
    },
  });
  return getMedium(trx, id);
}

export interface MediumMove {
  action: CustodyAction;
  to: MediaStatus;
  locationId?: string | null;
  holderPersonId?: string | null;
  transferId?: string | null;
  recordId: string | null;
  actor: string;
  at: Date;
  details?: Record<string, unknown>;
  field?: string;
}

/** Moves a locked medium to its next status: checks the move, writes the step and the journal. */
export async function moveMedium(trx: Knex, medium: MediumRow, move: MediumMove): Promise<void> {
  assertMayDo(move.action, medium, move.field);
  assertLeadsTo(move.action, move.to);
  const locationId = move.to === 'stored' ? (move.locationId ?? null) : null;
  const holder = move.to === 'checked_out' ? (move.holderPersonId ?? null) : null;
  const transferId = move.to === 'in_transit' ? (move.transferId ?? null) : null;
  await trx('media').where({ id: medium.id }).update({
    status: move.to,
    location_id: locationId,
    holder_person_id: holder,
    transfer_id: transferId,
    status_changed_at: move.at,
  });
  await trx('custody_steps').insert({
    medium_id: medium.id,
    action: move.action,
    from_status: medium.status,
    to_status: move.to,
    record_id: move.recordId,
    holder_person_id: holder,
    location_id: locationId,
    actor: move.actor,
    at: move.at,
    details: JSON.stringify(move.details ?? {}),
  });
  await appendJournal(trx, {
    actor: move.actor,
    action: `media.${move.action}`,
    subject: `medium:${medium.id}`,
    payload: { label: medium.label, from: medium.status, to: move.to, locationId, holderPersonId: holder, transferId, recordId: move.recordId, ...(move.details ?? {}) },
  });
  medium.status = move.to;
}

/** Media each of these people holds now (occupancy "holding which media", E6.5 clean desk). */
export async function mediaHeldBy(db: Knex, personIds: string[]): Promise<Map<string, Array<{ id: string; label: string }>>> {
  const held = new Map<string, Array<{ id: string; label: string }>>();
  if (personIds.length === 0) return held;
  const rows = (await db('media').whereIn('holder_person_id', personIds).where({ status: 'checked_out' }).orderBy('label').select('id', 'label', 'holder_person_id')) as Array<{
    id: string;
    label: string;
    holder_person_id: string;
  }>;
  for (const row of rows) {
    const list = held.get(row.holder_person_id) ?? [];
    list.push({ id: row.id, label: row.label });
    held.set(row.holder_person_id, list);
  }
  return held;
}

/** A step in a medium's chain that does not change its status (a copy was made from it, …). */
export async function noteCustodyStep(trx: Knex, medium: MediumRow, step: { action: string; actor: string; at: Date; recordId?: string | null; details?: Record<string, unknown> }): Promise<void> {
  await trx('custody_steps').insert({
    medium_id: medium.id,
    action: step.action,
    from_status: medium.status,
    to_status: medium.status,
    record_id: step.recordId ?? null,
    holder_person_id: medium.holder_person_id,
    location_id: medium.location_id,
    actor: step.actor,
    at: step.at,
    details: JSON.stringify(step.details ?? {}),
  });
}

/** Printing a label is recorded: who printed which medium's label, when (in its own transaction). */
export async function recordLabelPrinted(knex: Knex, medium: { id: string; label: string }, actor: string): Promise<void> {
  await knex.transaction((trx) => appendJournal(trx, { actor, action: 'media.label_printed', subject: `medium:${medium.id}`, payload: { label: medium.label } }));
}

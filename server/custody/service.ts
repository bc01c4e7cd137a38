// Checkout and check-in (E1.2, E6.5): media leave a locked location only to a person inside its
// room, and come back into a location of that room; the holder confirms each with badge + PIN.
// Several media scanned in one go share one signed record, one signature and one receipt.
import type { Knex } from 'knex';
import type { AppContext } from '../context.js';
import { periodic, type Worker } from '../workers.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { appendJournal } from '../journal/journal.js';
import { getPerson } from '../people/service.js';
import { findPresentedBadge } from '../badges/service.js';
import { assertPresent, newRecordId, recordSigned, verifySigners, type StoredRecord } from '../signatures/service.js';
import { getLocation, lockMedia, moveMedium, type MediumRow } from '../media/service.js';
import { withinHours } from '../door/rules.js';
import { statusWords } from '../media/rules.js';
import { roomHours } from '../rooms/service.js';
import { checkedOutMediaInRoomsWithHours } from './alerts.read-model.js';
import { siteDay, zonedParts } from '../shared/time.js';
import { siteOf } from '../system/site.js';
import { enqueueNotices, roleRecipients } from '../notices/service.js';

export interface CheckoutInput {
  mediaIds: string[];
  personId: string;
  badge: string;
  pin: string;
  drawnSignature?: string | undefined;
  actor: string;
}

/** All media of one checkout or check-in come from one room: one presence check, one receipt. */
function oneRoom(media: MediumRow[]): string {
  const rooms = new Set(media.map((m) => m.room_id));
  if (rooms.size > 1) {
    throw new ValidationError('These media belong to different rooms; record one checkout per room.', [
      { field: 'body.mediaIds', code: 'different_rooms', message: [...new Set(media.map((m) => m.room_name))].join(', ') },
    ]);
  }
  return media[0]!.room_id;
}

const mediaContent = (media: MediumRow[]) => media.map((m) => ({ id: m.id, label: m.label, kind: m.kind, depositorOrgId: m.depositor_org_id }));

export async function checkOut(app: AppContext, input: CheckoutInput): Promise<{ record: StoredRecord; mediaIds: string[] }> {
  const [signer] = await verifySigners(app, [{ personId: input.personId, badge: input.badge, pin: input.pin, drawnImage: input.drawnSignature, meaning: 'received', field: 'body' }]);
  return app.db.knex.transaction(async (trx) => {
    const media = await lockMedia(trx, input.mediaIds);
    media.forEach((m, i) => assertMayDoCheckout(m, i));
    const person = await getPerson(trx, input.personId);
    if (person.left_at) throw new ConflictError('person_left', `${person.name} has left.`);
    const roomId = oneRoom(media);
    // E1.2: only to a person inside the room of the medium's location, per the door's log.
    await assertPresent(trx, roomId, [{ personId: input.personId, role: 'holder', field: 'body.personId' }]);
    const record = await recordSigned(app, trx, {
      kind: 'checkout',
      id: newRecordId(),
      content: { media: mediaContent(media), holder: { personId: person.id, name: person.name }, fromLocations: media.map((m) => m.location_id) },
      roomId,
      place: null,
      createdBy: input.actor,
      signers: [signer!],
    });
    for (const [i, medium] of media.entries()) {
      await moveMedium(trx, medium, { action: 'checkout', to: 'checked_out', holderPersonId: person.id, recordId: record.id, actor: input.actor, at: record.at, field: `body.mediaIds.${i}` });
    }
    return { record, mediaIds: media.map((m) => m.id) };
  });
}

function assertMayDoCheckout(m: MediumRow, i: number) {
  if (m.status !== 'stored') {
    // The message names the current status (moveMedium would say the same; checked here first
    // so that a refusal comes before the presence check).
    const words = statusWords(m.status);
    throw new ConflictError(`medium_${m.status}`, `Medium ${m.label} is ${words}${m.holder_name ? ` (held by ${m.holder_name})` : ''} and cannot be checked out.`, [
      { field: `body.mediaIds.${i}`, code: `medium_${m.status}`, message: m.label },
    ]);
  }
}

export interface CheckinInput {
  mediaIds: string[];
  locationId: string;
  badge: string;
  pin: string;
  drawnSignature?: string | undefined;
  actor: string;
}

export async function checkIn(app: AppContext, input: CheckinInput): Promise<{ record: StoredRecord; mediaIds: string[] }> {
  // The holder signs: the badge says who they are (and must be theirs, with their PIN).
  const badge = await findPresentedBadge(app, app.db.knex, input.badge);
  const holderId = badge?.person_id ?? '00000000-0000-4000-8000-000000000000';
  const [signer] = await verifySigners(app, [{ personId: holderId, badge: input.badge, pin: input.pin, drawnImage: input.drawnSignature, meaning: 'returned', field: 'body' }]);
  return app.db.knex.transaction(async (trx) => {
    const location = await getLocation(trx, input.locationId);
    const media = await lockMedia(trx, input.mediaIds);
    for (const [i, m] of media.entries()) {
      if (m.status !== 'checked_out') {
        throw new ConflictError(`medium_${m.status}`, `Medium ${m.label} is ${statusWords(m.status)} and cannot be checked in.`, [{ field: `body.mediaIds.${i}`, code: `medium_${m.status}`, message: m.label }]);
      }
      if (m.holder_person_id !== holderId) {
        throw new ConflictError('not_holder', `Medium ${m.label} is held by ${m.holder_name}; only the holder returns it with their badge and PIN.`, [{ field: `body.mediaIds.${i}`, code: 'not_holder', message: m.label }]);
      }
      // Check-in into a location of the medium's own room.
      if (m.room_id !== location.room_id) {
        throw new ConflictError('wrong_room', `Medium ${m.label} belongs in ${m.room_name}, not in ${location.room_name}.`, [{ field: 'body.locationId', code: 'wrong_room', message: m.room_name }]);
      }
    }
    const holder = await getPerson(trx, holderId);
    await assertPresent(trx, location.room_id, [{ personId: holderId, role: 'holder', field: 'body.badge' }]);
    const record = await recordSigned(app, trx, {
      kind: 'checkin',
      id: newRecordId(),
      content: { media: mediaContent(media), holder: { personId: holder.id, name: holder.name }, location: { id: location.id, name: location.name } },
      roomId: location.room_id,
      place: null,
      createdBy: input.actor,
      signers: [signer!],
    });
    for (const [i, medium] of media.entries()) {
      await moveMedium(trx, medium, { action: 'checkin', to: 'stored', locationId: location.id, recordId: record.id, actor: input.actor, at: record.at, field: `body.mediaIds.${i}` });
    }
    await resolveAlerts(trx, media.map((m) => m.id), record.at);
    return { record, mediaIds: media.map((m) => m.id) };
  });
}

// ---- After-hours alerts (E1.2) -----------------------------------------------------------


/**
 * Raises one alert per medium per day for every medium still checked out while its room is
 * outside its hours, and journals each new alert. Idempotent (a unique key per medium and day),
 * so every server may run it: the database decides which one records each alert.
 */
export async function raiseAfterHoursAlerts(app: AppContext): Promise<number> {
  return app.db.knex.transaction(async (trx) => {
    const { rows } = await trx.raw("SELECT date_trunc('milliseconds', clock_timestamp()) AS now");
    const now = (rows[0] as { now: Date }).now;
    const held = await checkedOutMediaInRoomsWithHours(trx);
    const day = siteDay(now, app.config.displayTimeZone);
    const raisedNow: Array<{ label: string; roomName: string; holderName: string | null }> = [];
    for (const m of held) {
      if (withinHours(roomHours(m), now, app.config.displayTimeZone)) continue;
      const inserted = (await trx('custody_alerts')
        .insert({ medium_id: m.medium_id, day, room_id: m.room_id, holder_person_id: m.holder_person_id, raised_at: now })
        .onConflict(['medium_id', 'day'])
        .ignore()
        .returning(['id'])) as Array<{ id: string }>;
      if (inserted.length === 0) continue;
      raisedNow.push({ label: m.label, roomName: m.name, holderName: m.holder_name });
      await appendJournal(trx, {
        actor: 'system:custody',
        action: 'custody.after_hours_alert',
        subject: `medium:${m.medium_id}`,
        payload: { label: m.label, day, roomId: m.room_id, holderPersonId: m.holder_person_id },
      });
    }
    if (raisedNow.length > 0) {
      // E1.2: the responsible persons hear of it by e-mail, in the same transaction as the alerts
      // (issue 15) — one notice for what this check found.
      const site = await siteOf(app);
      await enqueueNotices(app, trx, { kind: 'after_hours', facts: { siteName: { ja: site.nameJa, en: site.nameEn }, media: raisedNow } }, await roleRecipients(trx, 'after_hours'), { subject: `site:${site.id}`, action: 'custody.after_hours_alert' }, 'system:custody');
    }
    return raisedNow.length;
  });
}

async function resolveAlerts(trx: Knex, mediumIds: string[], at: Date): Promise<void> {
  await trx('custody_alerts').whereIn('medium_id', mediumIds).whereNull('resolved_at').update({ resolved_at: at });
}

export { openAlerts } from './alerts.read-model.js';

export interface AlertAcknowledgement {
  id: string;
  acknowledged_at: Date;
  acknowledged_by_person_id: string | null;
  acknowledgement_note: string;
}

/**
 * E1.2 (issue 18): a person acknowledges an after-hours alert with a note — what happened, what
 * was done. Once only; journaled. The alert itself stays as it was raised (and resolves at check-in).
 */
export async function acknowledgeAlert(trx: Knex, id: string, note: string, actor: { accountId: string; personId: string }): Promise<AlertAcknowledgement> {
  const alert = (await trx('custody_alerts').where({ id }).forUpdate().first('id', 'medium_id', 'day', 'acknowledged_at')) as { id: string; medium_id: string; day: string; acknowledged_at: Date | null } | undefined;
  if (!alert) throw new NotFoundError('alert');
  if (alert.acknowledged_at) throw new ConflictError('already_acknowledged', 'This alert was already acknowledged.');
  const [row] = (await trx('custody_alerts')
    .where({ id })
    .update({ acknowledged_at: trx.raw("date_trunc('milliseconds', clock_timestamp())"), acknowledged_by_person_id: actor.personId, acknowledged_by: actor.accountId, acknowledgement_note: note })
    .returning(['id', 'acknowledged_at', 'acknowledged_by_person_id', 'acknowledgement_note'])) as AlertAcknowledgement[];
  await appendJournal(trx, { actor: actor.accountId, action: 'custody.alert_acknowledged', subject: `medium:${alert.medium_id}`, payload: { alertId: String(alert.id), day: alert.day, note } });
  return { ...row!, id: String(row!.id) };
}

/** The after-hours check every minute, on every server (it is idempotent): the `custody.after-hours` worker. */
export function afterHoursAlertsWorker(app: AppContext, everyMs = 60_000): Worker {
  return periodic(everyMs, () => raiseAfterHoursAlerts(app), app.logger, 'after-hours alert check');
}

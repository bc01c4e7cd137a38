// Read model: media checked out in rooms with opening hours (E1.2), and the open after-hours
// alerts with each medium's label, room and holder. Reads the media, rooms and people modules'
// tables; writes nothing.
import type { Knex } from 'knex';
import type { RoomRow } from '../rooms/service.js';

/** Every medium checked out whose room has opening hours, with that room's hours. */
export async function checkedOutMediaInRoomsWithHours(db: Knex) {
  return (await db('media as m')
    .join('locations as l', 'l.id', 'm.home_location_id')
    .join('rooms as r', 'r.id', 'l.room_id')
    .leftJoin('people as h', 'h.id', 'm.holder_person_id')
    .where('m.status', 'checked_out')
    .whereNotNull('r.hours_days')
    .select('r.*', 'r.id as room_id', 'm.id as medium_id', 'm.label', 'm.holder_person_id', 'h.name as holder_name')) as Array<RoomRow & { medium_id: string; label: string; holder_person_id: string; holder_name: string | null; room_id: string }>;
}

/**
 * The after-hours alerts for the front desk: by default the open ones (not resolved, the medium
 * still checked out); `unacknowledged`: every alert nobody has acknowledged yet, resolved or not
 * (E1.2, issue 18).
 */
export async function openAlerts(db: Knex, opts: { unacknowledged?: boolean } = {}) {
  const q = db('custody_alerts as a')
    .join('media as m', 'm.id', 'a.medium_id')
    .join('rooms as r', 'r.id', 'a.room_id')
    .leftJoin('people as h', 'h.id', 'a.holder_person_id')
    .orderBy([{ column: 'a.raised_at', order: 'desc' }, { column: 'a.id', order: 'desc' }])
    .limit(500)
    .select('a.id', 'a.day', 'a.raised_at', 'a.resolved_at', 'a.acknowledged_at', 'a.acknowledged_by_person_id', 'a.acknowledgement_note', 'm.id as medium_id', 'm.label', 'r.id as room_id', 'r.name as room_name', 'h.id as holder_id', 'h.name as holder_name');
  if (opts.unacknowledged) q.whereNull('a.acknowledged_at');
  else q.whereNull('a.resolved_at').where('m.status', 'checked_out');
  return (await q) as Array<{
    id: string;
    day: string;
    raised_at: Date;
    resolved_at: Date | null;
    acknowledged_at: Date | null;
    acknowledged_by_person_id: string | null;
    acknowledgement_note: string | null;
    medium_id: string;
    label: string;
    room_id: string;
    room_name: string;
    holder_id: string | null;
    holder_name: string | null;
  }>;
}

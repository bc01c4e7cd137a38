// Read model: locations and media with the names the screens show — their room (rooms module),
// depositor (people module), holder and current location — and the chain of custody with each
// step's signed record (signatures module). Writes nothing.
import type { Knex } from 'knex';
import { foldedContains } from '../shared/search.js';
import { NotFoundError } from '../errors.js';
import type { MediaKind, MediaStatus } from './rules.js';

export interface LocationRow {
  id: string;
  name: string;
  kind: 'cabinet' | 'safe' | 'vault';
  room_id: string;
  room_name: string;
  created_at: Date;
}

export const locationsQuery = (db: Knex) => db('locations as l').join('rooms as r', 'r.id', 'l.room_id').select('l.*', 'r.name as room_name');

export async function getLocation(db: Knex, id: string): Promise<LocationRow> {
  const row = (await locationsQuery(db).where('l.id', id).first()) as LocationRow | undefined;
  if (!row) throw new NotFoundError('location');
  return row;
}

export async function listLocations(db: Knex, roomId?: string): Promise<Array<LocationRow & { media_count: string }>> {
  const q = locationsQuery(db)
    .select(db.raw("(SELECT count(*) FROM media m WHERE m.location_id = l.id AND m.status = 'stored') AS media_count"))
    .orderBy([{ column: 'r.name' }, { column: 'l.name' }]);
  if (roomId) q.where('l.room_id', roomId);
  return (await q) as Array<LocationRow & { media_count: string }>;
}

export interface MediumRow {
  id: string;
  label: string;
  kind: MediaKind;
  depositor_org_id: string;
  depositor_name: string;
  description: string | null;
  classification: string;
  manufacturer: string | null;
  model: string | null;
  serial_no: string | null;
  home_location_id: string;
  home_location_name: string;
  room_id: string;
  room_name: string;
  location_id: string | null;
  location_name: string | null;
  status: MediaStatus;
  holder_person_id: string | null;
  holder_name: string | null;
  transfer_id: string | null;
  source_medium_id: string | null;
  copy_approval_id: string | null;
  status_changed_at: Date;
  created_at: Date;
}

export function mediaQuery(db: Knex) {
  return db('media as m')
    .join('organisations as d', 'd.id', 'm.depositor_org_id')
    .join('locations as hl', 'hl.id', 'm.home_location_id')
    .join('rooms as r', 'r.id', 'hl.room_id')
    .leftJoin('locations as cl', 'cl.id', 'm.location_id')
    .leftJoin('people as h', 'h.id', 'm.holder_person_id')
    .select(
      'm.*',
      'd.name as depositor_name',
      'hl.name as home_location_name',
      'hl.room_id',
      'r.name as room_name',
      'cl.name as location_name',
      'h.name as holder_name',
    );
}

export async function getMedium(db: Knex, id: string): Promise<MediumRow> {
  const row = (await mediaQuery(db).where('m.id', id).first()) as MediumRow | undefined;
  if (!row) throw new NotFoundError('medium');
  return row;
}

export interface MediaFilter {
  status?: MediaStatus | undefined;
  locationId?: string | undefined;
  roomId?: string | undefined;
  holderPersonId?: string | undefined;
  depositorOrgId?: string | undefined;
  label?: string | undefined;
  q?: string | undefined;
  sort?: 'newest' | 'label' | undefined;
}

export async function listMedia(db: Knex, filter: MediaFilter, limit: number, after: [string, string] | null): Promise<MediumRow[]> {
  const byLabel = filter.sort === 'label';
  const q = mediaQuery(db).limit(limit + 1);
  // By label in byte order (COLLATE "C"), the same on PostgreSQL and PGlite whatever the collation.
  if (byLabel) q.orderByRaw('lower(m.label) COLLATE "C", m.id');
  else q.orderBy([{ column: 'm.created_at', order: 'desc' }, { column: 'm.id', order: 'desc' }]);
  if (filter.status) q.where('m.status', filter.status);
  if (filter.locationId) q.where('m.location_id', filter.locationId);
  if (filter.roomId) q.where('hl.room_id', filter.roomId);
  if (filter.holderPersonId) q.where('m.holder_person_id', filter.holderPersonId);
  if (filter.depositorOrgId) q.where('m.depositor_org_id', filter.depositorOrgId);
  // Labels are typed at the desk: matched without regard to case.
  if (filter.label) q.whereRaw('lower(m.label) = lower(?)', [filter.label]);
  if (filter.q) q.where(foldedContains(db, 'm.label', filter.q));
  if (after && byLabel) q.whereRaw('(lower(m.label) COLLATE "C", m.id) > (lower(?) COLLATE "C", ?::uuid)', after);
  else if (after) q.whereRaw('(m.created_at, m.id) < (?::timestamptz, ?::uuid)', after);
  return (await q) as MediumRow[];
}

export interface CustodyStepRow {
  id: string;
  medium_id: string;
  action: string;
  from_status: MediaStatus | null;
  to_status: MediaStatus;
  record_id: string | null;
  holder_person_id: string | null;
  holder_name: string | null;
  location_id: string | null;
  location_name: string | null;
  actor: string;
  at: Date;
  details: string;
  record_kind: string | null;
  content_hash: string | null;
  presence_verified: boolean | null;
  record_room_id: string | null;
  record_room_name: string | null;
  record_place: string | null;
}

/** The chain of custody, oldest first. */
export async function custodySteps(db: Knex, mediumId: string): Promise<CustodyStepRow[]> {
  return (await db('custody_steps as s')
    .leftJoin('people as h', 'h.id', 's.holder_person_id')
    .leftJoin('locations as l', 'l.id', 's.location_id')
    .leftJoin('signed_records as r', 'r.id', 's.record_id')
    .leftJoin('rooms as rr', 'rr.id', 'r.room_id')
    .where('s.medium_id', mediumId)
    .orderBy('s.id', 'asc')
    .select(
      's.*',
      'h.name as holder_name',
      'l.name as location_name',
      'r.kind as record_kind',
      'r.content_hash',
      'r.presence_verified',
      'r.room_id as record_room_id',
      'rr.name as record_room_name',
      'r.place as record_place',
    )) as CustodyStepRow[];
}


/** Which of these ids are media at all. */
export async function knownMediumIds(db: Knex, ids: string[]): Promise<string[]> {
  return (await db('media').whereIn('id', ids).pluck('id')) as string[];
}

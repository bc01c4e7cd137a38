// Rooms (secure / reception, M6.2), their opening hours in the site's time zone, access lists
// (E6.1), and who is inside now (occupancy, muster list E9.1).
import type { Knex } from 'knex';
import { ConflictError, NotFoundError } from '../errors.js';
import { appendJournal, payloadValueAsOf } from '../journal/journal.js';
import { getPerson } from '../people/service.js';

export const ROOM_KINDS = ['secure', 'reception'] as const;
export type RoomKind = (typeof ROOM_KINDS)[number];

export interface OpeningHours {
  /** ISO weekdays, 1 = Monday … 7 = Sunday. */
  days: number[];
  /** 'HH:MM', site time; from < to (a room does not stay open across midnight). */
  from: string;
  to: string;
}

export interface RoomRow {
  id: string;
  name: string;
  kind: RoomKind;
  hours_days: number[] | null;
  hours_from: string | null;
  hours_to: string | null;
  requires_training: boolean;
  created_at: Date;
}

export function roomHours(row: Pick<RoomRow, 'hours_days' | 'hours_from' | 'hours_to'>): OpeningHours | null {
  return row.hours_days && row.hours_from && row.hours_to ? { days: row.hours_days.map(Number), from: row.hours_from, to: row.hours_to } : null;
}

export async function createRoom(trx: Knex, input: { name: string; kind: RoomKind; hours?: OpeningHours | undefined; requiresTraining?: boolean | undefined }, actor: string): Promise<RoomRow> {
  const [row] = (await trx('rooms')
    .insert({
      name: input.name,
      kind: input.kind,
      hours_days: input.hours ? input.hours.days : null,
      hours_from: input.hours?.from ?? null,
      hours_to: input.hours?.to ?? null,
      requires_training: input.requiresTraining ?? false,
    })
    .returning('*')) as RoomRow[];
  await appendJournal(trx, {
    actor,
    action: 'rooms.created',
    subject: `room:${row!.id}`,
    payload: { name: row!.name, kind: row!.kind, hours: input.hours ?? null, requiresTraining: row!.requires_training },
  });
  return row!;
}

export async function updateRoom(trx: Knex, id: string, input: { name?: string | undefined; hours?: OpeningHours | null | undefined; requiresTraining?: boolean | undefined }, actor: string): Promise<RoomRow> {
  await getRoom(trx, id, true);
  const patch: Record<string, unknown> = {};
  if (input.name !== undefined) patch.name = input.name;
  if (input.hours !== undefined) {
    patch.hours_days = input.hours ? input.hours.days : null;
    patch.hours_from = input.hours?.from ?? null;
    patch.hours_to = input.hours?.to ?? null;
  }
  if (input.requiresTraining !== undefined) patch.requires_training = input.requiresTraining;
  if (Object.keys(patch).length > 0) {
    await trx('rooms').where({ id }).update(patch);
    await appendJournal(trx, { actor, action: 'rooms.updated', subject: `room:${id}`, payload: { ...input, hours: input.hours ?? (input.hours === null ? null : undefined) } });
  }
  return getRoom(trx, id);
}

export async function getRoom(db: Knex, id: string, forUpdate = false): Promise<RoomRow> {
  const q = db('rooms').where({ id });
  if (forUpdate) q.forUpdate();
  const row = (await q.first()) as RoomRow | undefined;
  if (!row) throw new NotFoundError('room');
  return row;
}

export async function listRooms(db: Knex): Promise<Array<RoomRow & { inside: string }>> {
  return (await db('rooms as r')
    .select('r.*', db.raw('(SELECT count(*) FROM presence p WHERE p.room_id = r.id) AS inside'))
    .orderBy('r.name')) as Array<RoomRow & { inside: string }>;
}

export async function grantRoomAccess(trx: Knex, roomId: string, personId: string, actor: string): Promise<void> {
  await getRoom(trx, roomId);
  const person = await getPerson(trx, personId);
  if (person.left_at) throw new ConflictError('person_left', `${person.name} has left and cannot be given room access.`);
  const inserted = (await trx('room_access')
    .insert({ room_id: roomId, person_id: personId, granted_by: actor })
    .onConflict(['room_id', 'person_id'])
    .ignore()
    .returning(['person_id'])) as unknown[];
  if (inserted.length === 0) throw new ConflictError('already_on_access_list', `${person.name} is already on this room's access list.`);
  await appendJournal(trx, { actor, action: 'rooms.access_granted', subject: `room:${roomId}`, payload: { personId } });
}

export async function revokeRoomAccess(trx: Knex, roomId: string, personId: string, actor: string): Promise<void> {
  await getRoom(trx, roomId);
  const deleted = await trx('room_access').where({ room_id: roomId, person_id: personId }).delete();
  if (!deleted) throw new NotFoundError('access list entry', 'This person is not on the room\'s access list.');
  await appendJournal(trx, { actor, action: 'rooms.access_revoked', subject: `room:${roomId}`, payload: { personId } });
}

/** E1.1: leaving removes every room access at once. Returns how many grants were removed. */
export async function removeAllRoomAccess(trx: Knex, personId: string, actor: string): Promise<number> {
  const removed = (await trx('room_access').where({ person_id: personId }).delete(['room_id'])) as Array<{ room_id: string }>;
  for (const { room_id } of removed) {
    await appendJournal(trx, { actor, action: 'rooms.access_revoked', subject: `room:${room_id}`, payload: { personId, reason: 'left' } });
  }
  return removed.length;
}

export async function listRoomAccess(db: Knex, roomId: string) {
  await getRoom(db, roomId);
  return db('room_access as a')
    .join('people as p', 'p.id', 'a.person_id')
    .join('organisations as o', 'o.id', 'p.org_id')
    .where('a.room_id', roomId)
    .orderBy('p.name')
    .select('p.id as person_id', 'p.name', 'p.roles', 'o.name as org_name', 'a.granted_at');
}

export interface Occupant {
  person_id: string;
  name: string;
  roles: string[];
  org_name: string;
  org_kind: string;
  entered_at: Date;
  entry_id: string;
}

/** Who is inside the room now and since when, longest inside first. */
export async function occupants(db: Knex, roomId: string): Promise<Occupant[]> {
  return (await db('presence as pr')
    .join('people as p', 'p.id', 'pr.person_id')
    .join('organisations as o', 'o.id', 'p.org_id')
    .where('pr.room_id', roomId)
    .orderBy('pr.entered_at', 'asc')
    .select('pr.person_id', 'p.name', 'p.roles', 'o.name as org_name', 'o.kind as org_kind', 'pr.entered_at', 'pr.entry_id')) as Occupant[];
}

/** Is each of these people inside this room right now (per the door's log)? */
export async function peopleInside(db: Knex, roomId: string, personIds: string[]): Promise<Set<string>> {
  if (personIds.length === 0) return new Set();
  const rows = (await db('presence').where({ room_id: roomId }).whereIn('person_id', personIds).pluck('person_id')) as string[];
  return new Set(rows);
}

/**
 * A room's name as it was at `at`, from the journal's history of the room (created, renamed), so
 * that a record signed in the room shows the name it had then (security review, finding 12).
 * Falls back to today's name when the journal has none.
 */
export async function roomNameAsOf(db: Knex, roomId: string, at: Date): Promise<string | null> {
  const named = await payloadValueAsOf(db, `room:${roomId}`, ['rooms.created', 'rooms.updated'], 'name', at);
  if (named !== null) return named;
  const row = (await db('rooms').where({ id: roomId }).first('name')) as { name: string } | undefined;
  return row?.name ?? null;
}

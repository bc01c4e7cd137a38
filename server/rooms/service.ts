// Rooms (secure / reception, M6.2), their opening hours in the site's time zone, access lists
// (E6.1), and who is inside now (occupancy, muster list E9.1).
import type { Knex } from 'knex';
import { ConflictError, NotFoundError } from '../errors.js';
import { appendJournal, payloadValueAsOf } from '../journal/journal.js';
import { getPerson } from '../people/service.js';

import { accessListOf } from './rooms.read-model.js';
import { roomRules, type OpeningHours, type RoomKind, type RoomRow, type RoomRules } from './rules.js';

export { listRooms } from './rooms.read-model.js';

export { ROOM_KINDS, roomHours, roomRules, hasRoomRules, DEFAULT_TWO_PERSON_WINDOW_SECONDS, type OpeningHours, type RoomKind, type RoomRow, type RoomRules } from './rules.js';

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

/**
 * Sets a room's rules beyond the access list (issue 20 part 5): the two-person rule (二人制) and its
 * window, the occupancy limit, timed anti-passback. Every field is given (PUT): what is sent is
 * what holds. Journaled with the rules before and after. Takes effect with the next scan, on every
 * server (each scan reads the room's row). Lowering the limit below who is inside lets nobody out
 * by force: entries are refused until enough have left.
 */
export async function setRoomRules(trx: Knex, id: string, rules: RoomRules, actor: string): Promise<RoomRow> {
  const before = await getRoom(trx, id, true);
  await trx('rooms').where({ id }).update({
    two_person: rules.twoPerson.enabled,
    two_person_window_seconds: rules.twoPerson.windowSeconds,
    occupancy_limit: rules.occupancyLimit,
    anti_passback_hours: rules.antiPassbackHours,
  });
  await appendJournal(trx, { actor, action: 'rooms.rules_set', subject: `room:${id}`, payload: { before: roomRules(before), after: rules } });
  return getRoom(trx, id);
}

export async function getRoom(db: Knex, id: string, forUpdate = false): Promise<RoomRow> {
  const q = db('rooms').where({ id });
  if (forUpdate) q.forUpdate();
  const row = (await q.first()) as RoomRow | undefined;
  if (!row) throw new NotFoundError('room');
  return row;
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

/** The access list of a room (404 for an unknown room), with each person's name and organisation. */
export async function listRoomAccess(db: Knex, roomId: string) {
  await getRoom(db, roomId);
  return accessListOf(db, roomId);
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

// Read model: rooms with how many people are inside (the door module's presence), and access
// lists with each person's name and organisation (people module). Writes nothing.
import type { Knex } from 'knex';
import type { RoomRow } from './rules.js';

export async function listRooms(db: Knex): Promise<Array<RoomRow & { inside: string }>> {
  return (await db('rooms as r')
    .select('r.*', db.raw('(SELECT count(*) FROM presence p WHERE p.room_id = r.id) AS inside'))
    .orderBy('r.name')) as Array<RoomRow & { inside: string }>;
}

export function accessListOf(db: Knex, roomId: string) {
  return db('room_access as a')
    .join('people as p', 'p.id', 'a.person_id')
    .join('organisations as o', 'o.id', 'p.org_id')
    .where('a.room_id', roomId)
    .orderBy('p.name')
    .select('p.id as person_id', 'p.name', 'p.roles', 'o.name as org_name', 'a.granted_at');
}


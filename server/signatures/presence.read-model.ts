// Read model: presence is proven, not claimed — whether each person named in a signed record is
// inside the room right now, per the door module's presence rows. Writes nothing.
import type { Knex } from 'knex';

/** Is each of these people inside this room right now (per the door's log)? */
export async function peopleInside(db: Knex, roomId: string, personIds: string[]): Promise<Set<string>> {
  if (personIds.length === 0) return new Set();
  const rows = (await db('presence').where({ room_id: roomId }).whereIn('person_id', personIds).pluck('person_id')) as string[];
  return new Set(rows);
}


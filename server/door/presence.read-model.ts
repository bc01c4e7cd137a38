// Read model: who is inside a room now, from the door's presence rows, with their names and
// organisations (people module) — occupancy and the muster list (E9.1). Writes nothing.
import type { Knex } from 'knex';

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


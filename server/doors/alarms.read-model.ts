// Read model of the door alarms (issue 20): what the doors module reads of other modules' tables
// — the door module's entries (granted and denied scans at a door) and presence (who is inside a
// two-person room), the rooms' names and rules, and the
// contractor's organisations (whose contact persons receive alarm notices). Writes nothing.
import type { Knex } from 'knex';

/** The newest granted scan at this door at or after `since`, or null. */
export async function lastGrantAt(db: Knex, doorId: string, since: Date): Promise<Date | null> {
  const row = (await db('entries').where({ door_id: doorId, decision: 'granted' }).where('at', '>=', since).max('at as at').first()) as { at: Date | null } | undefined;
  return row?.at ?? null;
}

/** How many scans were denied at this door at or after `since`. */
export async function deniedSince(db: Knex, doorId: string, since: Date): Promise<number> {
  const row = (await db('entries').where({ door_id: doorId, decision: 'denied' }).where('at', '>=', since).count('* as n').first()) as { n: string | number } | undefined;
  return Number(row?.n ?? 0);
}

/** Room names by id. */
export async function roomNames(db: Knex, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = (await db('rooms').whereIn('id', [...new Set(ids)]).select('id', 'name')) as Array<{ id: string; name: string }>;
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** The contractor's own organisations (the site's operator). */
export async function contractorOrgIds(db: Knex): Promise<string[]> {
  return (await db('organisations').where({ kind: 'contractor' }).orderBy('created_at').pluck('id')) as string[];
}

export interface TwoPersonRoomInside {
  roomId: string;
  inside: number;
  /** The one person inside, when there is one. */
  personId: string | null;
  personName: string | null;
  /** Since when they are alone: their entry, or the last exit from the room after it. */
  aloneSince: Date | null;
}

/** The two-person rooms (二人制) with one person inside, and those with an open lone_person alarm (to clear it). */
export async function twoPersonRoomsToCheck(db: Knex): Promise<TwoPersonRoomInside[]> {
  const { rows } = (await db.raw(
    `SELECT r.id AS room_id, count(pr.person_id)::int AS inside,
            CASE WHEN count(pr.person_id) = 1 THEN min(pr.person_id::text) END AS person_id,
            CASE WHEN count(pr.person_id) = 1 THEN min(pe.name) END AS person_name,
            CASE WHEN count(pr.person_id) = 1 THEN GREATEST(max(pr.entered_at),
              (SELECT max(e.at) FROM entries e WHERE e.room_id = r.id AND e.direction = 'out' AND e.decision = 'granted')) END AS alone_since
       FROM rooms r
       LEFT JOIN presence pr ON pr.room_id = r.id
       LEFT JOIN people pe ON pe.id = pr.person_id
      WHERE r.two_person OR EXISTS (SELECT 1 FROM door_alarms a WHERE a.room_id = r.id AND a.kind = 'lone_person' AND a.cleared_at IS NULL)
      GROUP BY r.id`,
  )) as { rows: Array<{ room_id: string; inside: number; person_id: string | null; person_name: string | null; alone_since: Date | null }> };
  return rows.map((r) => ({ roomId: r.room_id, inside: Number(r.inside), personId: r.person_id, personName: r.person_name, aloneSince: r.alone_since }));
}

// Read model of the door alarms (issue 20): what the doors module reads of other modules' tables
// — the door module's entries (granted and denied scans at a door), the rooms' names, and the
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

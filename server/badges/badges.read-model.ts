// Read model: badges with their holder's name (lists, one badge, the printed card). Reads the
// people module's tables; writes nothing.
import type { Knex } from 'knex';

export interface BadgeListRow {
  id: string;
  person_id: string;
  person_name: string;
  valid_from: Date;
  valid_until: Date | null;
  card_uid_hint: string | null;
  revoked_at: Date | null;
  revoked_reason: string | null;
  pin_set_at: Date | null;
  pin_set_how: 'confirmed' | 'changed' | 'cli' | 'issued' | null;
  has_pin: boolean;
  created_at: Date;
  now: Date;
}

export function badgesQuery(db: Knex) {
  return db('badges as b')
    .join('people as p', 'p.id', 'b.person_id')
    .select('b.id', 'b.person_id', 'b.valid_from', 'b.valid_until', 'b.card_uid_hint', 'b.revoked_at', 'b.revoked_reason', 'b.pin_set_at', 'b.pin_set_how', 'b.created_at', 'p.name as person_name', db.raw('(b.pin_hash IS NOT NULL) AS has_pin'), db.raw('now() AS now'))
    .orderBy('b.created_at', 'desc');
}

export interface BadgeCardRow extends BadgeListRow {
  token_nonce: string;
  roles: string[];
  org_name: string;
}

/** A badge as its card prints it: holder's name, roles and organisation. */
export async function badgeCard(db: Knex, id: string): Promise<BadgeCardRow | undefined> {
  return (await db('badges as b')
    .join('people as p', 'p.id', 'b.person_id')
    .join('organisations as o', 'o.id', 'p.org_id')
    .where('b.id', id)
    .first('b.*', 'p.name as person_name', 'p.roles', 'o.name as org_name', db.raw('(b.pin_hash IS NOT NULL) AS has_pin'), db.raw('now() AS now'))) as BadgeCardRow | undefined;
}

export interface BadgeEventRow {
  id: string;
  kind: 'issued' | 'pin_set' | 'pin_reset' | 'pin_changed';
  at: Date;
  badgeId: string;
  personId: string;
  personName: string;
  byPersonId: string | null;
  byName: string | null;
  confirmerPersonId: string | null;
  confirmerName: string | null;
  otherLiveBadges: number | null;
}

const badgeEventColumns = (db: Knex) => [
  db.raw('e.id::text AS id'),
  'e.kind',
  'e.at',
  'e.badge_id as badgeId',
  'e.person_id as personId',
  'p.name as personName',
  'e.actor_person_id as byPersonId',
  'a.name as byName',
  'e.confirmer_person_id as confirmerPersonId',
  'c.name as confirmerName',
  'e.other_live_badges as otherLiveBadges',
];

export function badgeEventsQuery(db: Knex) {
  return db('badge_events as e')
    .join('people as p', 'p.id', 'e.person_id')
    .leftJoin('people as a', 'a.id', 'e.actor_person_id')
    .leftJoin('people as c', 'c.id', 'e.confirmer_person_id')
    .select(badgeEventColumns(db));
}

/** Issuances and PIN events of a period (the weekly access review lists them). */
export async function listBadgeEvents(db: Knex, f: { from?: Date | undefined; to?: Date | undefined; personId?: string | undefined; limit: number }): Promise<BadgeEventRow[]> {
  const q = badgeEventsQuery(db).orderBy([{ column: 'e.at', order: 'desc' }, { column: 'e.id', order: 'desc' }]).limit(f.limit);
  if (f.from) q.where('e.at', '>=', f.from);
  if (f.to) q.where('e.at', '<', f.to);
  if (f.personId) q.where('e.person_id', f.personId);
  return (await q) as BadgeEventRow[];
}


/** What the holder has not been shown yet of others' doing with their badges (issuances, PIN sets and resets), oldest first. */
export async function unseenBadgeEvents(db: Knex, personId: string): Promise<BadgeEventRow[]> {
  return (await badgeEventsQuery(db)
    .where('e.person_id', personId)
    .whereNull('e.seen_at')
    .whereNot('e.kind', 'pin_changed')
    .orderBy('e.id', 'asc')
    .limit(50)) as BadgeEventRow[];
}

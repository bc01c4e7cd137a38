// Read model: the facts the weekly review's rules (./rules.ts) run on, aggregated or filtered in
// SQL so that a week of 200,000 scans and 300,000 requests never sits in memory: denied scans,
// stays (an entry and its exit) that are long or outside hours, one person in two rooms, one badge
// at two rooms, flagged exits; sign-ins, new source addresses (90 days back), one account from two
// addresses; 403s, media reads, use after leaving; administrative changes in the journal; media
// alerts, inspection discrepancies, open transfers. Reads the door, rooms, people, auth,
// access-log, journal, media, custody, inspections and transfers modules' tables; writes nothing.
import type { Knex } from 'knex';
import { roomHours } from '../rooms/rules.js';
import type { AddressHop, BadgeHop, DeniedScan, DoorAlarmFact, FlaggedEntry, JournalChange, MediaIssue, MediaReads, OverlappingStay, RequestRow, ReviewSettings, SigninAttempt, Stay } from './rules.js';

/** How far before the period a stay may have begun and still be looked at. */
const STAY_LOOKBACK = "interval '2 days'";
/** Caps: a period with more than this of one kind is reported with the first ones (the counts say how many). */
const ROW_CAP = 20_000;

export const ADMIN_ACTIONS = [
  'auth.account_created',
  'auth.account_locked',
  'badges.issued',
  'badges.revoked',
  'badges.pin_set',
  'badges.pin_locked',
  'contacts.added',
  'contacts.changed',
  'contacts.removed',
  'door.station_registered',
  'door.station_revoked',
  'locations.created',
  'orgs.consent_recorded',
  'orgs.created',
  'people.created',
  'people.left',
  'people.roles_changed',
  'people.contact_changed',
  'rooms.access_granted',
  'rooms.access_revoked',
  'rooms.created',
  'rooms.updated',
  'site.renamed',
  'access_log.purged',
] as const;

const LOGIN = { path: '/api/auth/login', method: 'POST' };

interface PeriodArgs {
  from: Date;
  to: Date;
  /** When an open stay is looked at: the period's end, or now if earlier. */
  end: Date;
  timeZone: string;
  settings: ReviewSettings;
}

/** Bigint ids as strings (they are on both databases already; this keeps it so if a driver changes). */
function asText<T>(rows: unknown[], ...keys: string[]): T[] {
  for (const r of rows as Array<Record<string, unknown>>) for (const k of keys) if (r[k] !== null && r[k] !== undefined) r[k] = String(r[k]);
  return rows as T[];
}

export async function deniedScans(db: Knex, p: PeriodArgs): Promise<DeniedScan[]> {
  const { rows } = await db.raw(
    `SELECT e.id, e.at, e.room_id, r.name AS room_name, e.person_id, pe.name AS person_name, e.badge_id, e.reason, e.presented_hint AS hint
       FROM entries e JOIN rooms r ON r.id = e.room_id LEFT JOIN people pe ON pe.id = e.person_id
      WHERE e.decision = 'denied' AND e.at >= ? AND e.at < ?
      ORDER BY e.at, e.id LIMIT ${ROW_CAP}`,
    [p.from, p.to],
  );
  return asText<DeniedScan>(rows, 'id');
}

/** Stays (an entry and its exit, or none yet) that overlap the period, with the room's hours. */
const STAYS_SQL = `
  g AS (
    SELECT e.id, e.at, e.room_id, e.person_id, e.direction,
           lead(e.at) OVER w AS next_at, lead(e.direction) OVER w AS next_dir, lead(e.id) OVER w AS next_id
      FROM entries e
     WHERE e.decision = 'granted' AND e.person_id IS NOT NULL AND e.at >= ?::timestamptz - ${STAY_LOOKBACK} AND e.at < ?
    WINDOW w AS (PARTITION BY e.person_id, e.room_id ORDER BY e.at, e.id)
  ),
  stays AS (
    SELECT g.id AS in_id, g.at AS in_at, g.room_id, g.person_id,
           CASE WHEN g.next_dir = 'out' THEN g.next_at END AS out_at,
           CASE WHEN g.next_dir = 'out' THEN g.next_id END AS out_id
      FROM g
     WHERE g.direction = 'in' AND coalesce(CASE WHEN g.next_dir = 'out' THEN g.next_at END, ?::timestamptz) > ?
  )`;

/**
 * The stays of the period read once (the window over a week's scans is the costly part), giving
 * both kinds of facts: stays that are long or may be outside the room's hours (the rule decides;
 * never all of them), and stays that begin while the same person is inside another room (the door
 * log says: two rooms at once).
 */
export async function stayFacts(db: Knex, p: PeriodArgs): Promise<{ stays: Stay[]; overlaps: OverlappingStay[] }> {
  const tz = p.timeZone;
  const { rows } = await db.raw(
    `WITH ${STAYS_SQL},
     ordered AS (
       SELECT s.*, lag(s.in_id) OVER q AS other_in_id, lag(s.out_id) OVER q AS other_out_id, lag(s.room_id) OVER q AS other_room_id,
              max(coalesce(s.out_at, 'infinity'::timestamptz)) OVER (PARTITION BY s.person_id ORDER BY s.in_at, s.in_id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS inside_until
         FROM stays s
       WINDOW q AS (PARTITION BY s.person_id ORDER BY s.in_at, s.in_id)
     ),
     marked AS (
       SELECT o.*, r.name AS room_name, r.hours_days, r.hours_from, r.hours_to,
              (coalesce(o.out_at, ?::timestamptz) - o.in_at > make_interval(hours => ?)
               OR (r.hours_days IS NOT NULL AND (
                     (o.in_at AT TIME ZONE ?)::date <> (coalesce(o.out_at, ?::timestamptz) AT TIME ZONE ?)::date
                  OR to_char(o.in_at AT TIME ZONE ?, 'HH24:MI') < r.hours_from
                  OR to_char(o.in_at AT TIME ZONE ?, 'HH24:MI') >= r.hours_to
                  OR to_char(coalesce(o.out_at, ?::timestamptz) AT TIME ZONE ?, 'HH24:MI:SS') > r.hours_to || ':00'
                  OR NOT (extract(isodow FROM o.in_at AT TIME ZONE ?)::int = ANY (r.hours_days))))) AS candidate,
              (o.in_at >= ? AND o.in_at < o.inside_until AND o.other_room_id <> o.room_id) AS overlap
         FROM ordered o JOIN rooms r ON r.id = o.room_id
     )
     SELECT m.in_id, m.in_at, m.out_id, m.out_at, m.room_id, m.room_name, m.hours_days, m.hours_from, m.hours_to, m.person_id, pe.name AS person_name,
            m.candidate, m.overlap, m.other_in_id, m.other_out_id, m.other_room_id, r2.name AS other_room_name
       FROM marked m JOIN people pe ON pe.id = m.person_id LEFT JOIN rooms r2 ON r2.id = m.other_room_id
      WHERE m.candidate OR m.overlap
      ORDER BY m.in_at, m.in_id LIMIT ${2 * ROW_CAP}`,
    [p.from, p.to, p.end, p.from, p.end, p.settings.longStayHours, tz, p.end, tz, tz, tz, p.end, tz, tz, p.from],
  );
  type Row = Stay & OverlappingStay & { candidate: boolean; overlap: boolean; hours_days: number[] | null; hours_from: string | null; hours_to: string | null };
  const all = asText<Row>(rows, 'in_id', 'out_id', 'other_in_id', 'other_out_id');
  return {
    stays: all
      .filter((r) => r.candidate)
      .slice(0, ROW_CAP)
      .map((r) => ({ person_id: r.person_id, person_name: r.person_name, room_id: r.room_id, room_name: r.room_name, hours: roomHours(r), in_id: r.in_id, in_at: r.in_at, out_id: r.out_id, out_at: r.out_at })),
    overlaps: all
      .filter((r) => r.overlap)
      .slice(0, ROW_CAP)
      .map((r) => ({ person_id: r.person_id, person_name: r.person_name, room_id: r.room_id, room_name: r.room_name, in_id: r.in_id, in_at: r.in_at, other_room_id: r.other_room_id, other_room_name: r.other_room_name, other_in_id: r.other_in_id, other_out_id: r.other_out_id })),
  };
}

/** Consecutive entries of one badge into two different rooms (the rule applies the minutes). */
export async function badgeHops(db: Knex, p: PeriodArgs): Promise<BadgeHop[]> {
  const { rows } = await db.raw(
    `SELECT x.id, x.at, x.badge_id, x.person_id, pe.name AS person_name, x.room_id, r.name AS room_name, x.prev_id, x.prev_at, x.prev_room_id, r2.name AS prev_room_name
       FROM (SELECT e.id, e.at, e.badge_id, e.person_id, e.room_id, e.direction,
                    lag(e.id) OVER b AS prev_id, lag(e.at) OVER b AS prev_at, lag(e.room_id) OVER b AS prev_room_id, lag(e.direction) OVER b AS prev_direction
               FROM entries e
              WHERE e.decision = 'granted' AND e.badge_id IS NOT NULL AND e.at >= ?::timestamptz - make_interval(mins => ?) AND e.at < ?
             WINDOW b AS (PARTITION BY e.badge_id ORDER BY e.at, e.id)) x
       JOIN rooms r ON r.id = x.room_id JOIN rooms r2 ON r2.id = x.prev_room_id LEFT JOIN people pe ON pe.id = x.person_id
      WHERE x.at >= ? AND x.direction = 'in' AND x.prev_direction = 'in' AND x.room_id <> x.prev_room_id
        AND x.at - x.prev_at <= make_interval(mins => ?)
      ORDER BY x.at LIMIT ${ROW_CAP}`,
    [p.from, p.settings.badgeHopMinutes, p.to, p.from, p.settings.badgeHopMinutes],
  );
  return asText<BadgeHop>(rows, 'id', 'prev_id');
}

export async function flaggedExits(db: Knex, p: PeriodArgs): Promise<FlaggedEntry[]> {
  const { rows } = await db.raw(
    `SELECT e.id, e.at, e.room_id, r.name AS room_name, e.person_id, pe.name AS person_name, e.flags
       FROM entries e JOIN rooms r ON r.id = e.room_id LEFT JOIN people pe ON pe.id = e.person_id
      WHERE e.at >= ? AND e.at < ? AND e.flags && ARRAY['manual_exit', 'holding_media', 'stale_presence_replaced']::text[]
      ORDER BY e.at, e.id LIMIT ${ROW_CAP}`,
    [p.from, p.to],
  );
  return asText<FlaggedEntry>(rows, 'id');
}

export async function signinAttempts(db: Knex, p: PeriodArgs): Promise<SigninAttempt[]> {
  const { rows } = await db.raw(
    `SELECT l.id, l.at, l.account_id, a.person_id, l.username, l.status, l.source_ip
       FROM access_log l LEFT JOIN accounts a ON a.id = l.account_id
      WHERE l.path = ? AND l.method = ? AND l.at >= ? AND l.at < ?
      ORDER BY l.at, l.id LIMIT ${ROW_CAP}`,
    [LOGIN.path, LOGIN.method, p.from, p.to],
  );
  return asText<SigninAttempt>(rows, 'id');
}

/** A successful sign-in, written out so that PostgreSQL matches the partial index of migration 0014. */
const SIGNED_IN = (alias: string) => `${alias}.path = '${LOGIN.path}' AND ${alias}.method = '${LOGIN.method}' AND ${alias}.status = 200`;

/**
 * Successful sign-ins from an address the account had not signed in from in the 90 days before —
 * for an account that signed in before (a new account's first address is nothing new).
 */
export async function newAddressSignins(db: Knex, p: PeriodArgs): Promise<SigninAttempt[]> {
  const { rows } = await db.raw(
    `SELECT l.id, l.at, l.account_id, a.person_id, l.username, l.status, l.source_ip
       FROM access_log l LEFT JOIN accounts a ON a.id = l.account_id
      WHERE ${SIGNED_IN('l')} AND l.account_id IS NOT NULL AND l.source_ip IS NOT NULL
        AND l.at >= ? AND l.at < ?
        AND EXISTS (SELECT 1 FROM access_log h
                     WHERE ${SIGNED_IN('h')} AND h.account_id = l.account_id AND h.at >= l.at - make_interval(days => ?) AND h.at < l.at)
        AND NOT EXISTS (SELECT 1 FROM access_log o
                         WHERE ${SIGNED_IN('o')} AND o.account_id = l.account_id AND o.source_ip = l.source_ip
                           AND o.at >= l.at - make_interval(days => ?) AND o.at < l.at)
      ORDER BY l.at, l.id LIMIT ${ROW_CAP}`,
    [p.from, p.to, p.settings.newAddressLookbackDays, p.settings.newAddressLookbackDays],
  );
  return asText<SigninAttempt>(rows, 'id');
}

export async function addressHops(db: Knex, p: PeriodArgs): Promise<AddressHop[]> {
  const { rows } = await db.raw(
    `SELECT x.id, x.at, x.account_id, a.person_id, x.username, x.source_ip, x.prev_id, x.prev_at, x.prev_ip
       FROM (SELECT l.id, l.at, l.account_id, l.username, l.source_ip,
                    lag(l.id) OVER w AS prev_id, lag(l.at) OVER w AS prev_at, lag(l.source_ip) OVER w AS prev_ip
               FROM access_log l
              WHERE l.account_id IS NOT NULL AND l.source_ip IS NOT NULL AND l.at >= ? AND l.at < ?
             WINDOW w AS (PARTITION BY l.account_id ORDER BY l.at, l.id)) x
       LEFT JOIN accounts a ON a.id = x.account_id
      WHERE x.source_ip <> x.prev_ip AND x.at - x.prev_at <= make_interval(mins => ?)
      ORDER BY x.at LIMIT ${ROW_CAP}`,
    [p.from, p.to, p.settings.twoAddressesMinutes],
  );
  return asText<AddressHop>(rows, 'id', 'prev_id');
}

export async function forbiddenRequests(db: Knex, p: PeriodArgs): Promise<RequestRow[]> {
  const { rows } = await db.raw(
    `SELECT l.id, l.at, l.account_id, a.person_id, l.username, l.method, l.path, l.status
       FROM access_log l LEFT JOIN accounts a ON a.id = l.account_id
      WHERE l.status = 403 AND l.at >= ? AND l.at < ?
      ORDER BY l.at, l.id LIMIT ${ROW_CAP}`,
    [p.from, p.to],
  );
  return asText<RequestRow>(rows, 'id');
}

/** Reads of media records (E2.10) by accounts whose person is neither responsible nor authorised, by account. */
export async function mediaReadsByOthers(db: Knex, p: PeriodArgs): Promise<MediaReads[]> {
  const { rows } = await db.raw(
    `SELECT l.account_id, a.person_id, min(l.username) AS username, pe.roles, count(*)::int AS count, min(l.at) AS first_at,
            (array_agg(l.id::text ORDER BY l.at, l.id))[1:50] AS ids
       FROM access_log l JOIN accounts a ON a.id = l.account_id JOIN people pe ON pe.id = a.person_id
      WHERE l.method = 'GET' AND l.path LIKE '/api/media%' AND l.status < 400 AND l.at >= ? AND l.at < ?
        AND NOT (pe.roles && ARRAY['responsible', 'authorized']::text[])
      GROUP BY l.account_id, a.person_id, pe.roles
      ORDER BY min(l.at) LIMIT ${ROW_CAP}`,
    [p.from, p.to],
  );
  return rows as MediaReads[];
}

export async function useAfterLeaving(db: Knex, p: PeriodArgs): Promise<RequestRow[]> {
  const { rows } = await db.raw(
    `SELECT l.id, l.at, l.account_id, a.person_id, l.username, l.method, l.path, l.status
       FROM access_log l JOIN accounts a ON a.id = l.account_id JOIN people pe ON pe.id = a.person_id
      WHERE pe.left_at IS NOT NULL AND l.at > pe.left_at AND l.at >= ? AND l.at < ?
      ORDER BY l.at, l.id LIMIT ${ROW_CAP}`,
    [p.from, p.to],
  );
  return asText<RequestRow>(rows, 'id');
}

export async function adminChanges(db: Knex, p: PeriodArgs): Promise<JournalChange[]> {
  const { rows } = await db.raw(
    `SELECT j.seq::int AS seq, j.at, j.actor, j.action, j.subject
       FROM journal_entries j
      WHERE j.chain = 'main' AND j.at >= ? AND j.at < ? AND j.action IN (${ADMIN_ACTIONS.map(() => '?').join(', ')})
      ORDER BY j.seq LIMIT ${ROW_CAP}`,
    [p.from, p.to, ...ADMIN_ACTIONS],
  );
  return (rows as Array<JournalChange & { seq: number | string }>).map((r) => ({ ...r, seq: Number(r.seq) }));
}

export async function mediaIssues(db: Knex, p: PeriodArgs): Promise<MediaIssue[]> {
  const alerts = await db.raw(
    `SELECT 'after_hours_media' AS kind, ca.id::text AS id, ca.raised_at AS at, ca.room_id, r.name AS room_name,
            ARRAY[m.id::text] AS medium_ids, ARRAY[m.label] AS labels, ca.holder_person_id AS person_id, pe.name AS person_name, NULL AS detail,
            (SELECT j.seq::int FROM journal_entries j WHERE j.subject = 'medium:' || m.id AND j.action = 'custody.after_hours_alert' AND j.at >= ? AND j.at < ? ORDER BY j.seq LIMIT 1) AS journal_seq
       FROM custody_alerts ca JOIN media m ON m.id = ca.medium_id JOIN rooms r ON r.id = ca.room_id LEFT JOIN people pe ON pe.id = ca.holder_person_id
      WHERE ca.raised_at >= ? AND ca.raised_at < ?`,
    [p.from, p.to, p.from, p.to],
  );
  const inspections = await db.raw(
    `SELECT 'inspection_discrepancy' AS kind, i.id::text AS id, i.at, l.room_id, r.name AS room_name,
            i.missing_ids || i.unexpected_ids AS medium_ids,
            ARRAY(SELECT m.label FROM media m WHERE m.id::text = ANY (i.missing_ids || i.unexpected_ids) ORDER BY m.label) AS labels,
            i.inspector_person_id AS person_id, pe.name AS person_name,
            cardinality(i.missing_ids) || ' missing, ' || cardinality(i.unexpected_ids) || ' unexpected' AS detail, NULL::int AS journal_seq
       FROM inspections i JOIN locations l ON l.id = i.location_id JOIN rooms r ON r.id = l.room_id LEFT JOIN people pe ON pe.id = i.inspector_person_id
      WHERE i.at >= ? AND i.at < ? AND (cardinality(i.missing_ids) > 0 OR cardinality(i.unexpected_ids) > 0)`,
    [p.from, p.to],
  );
  const transfers = await db.raw(
    `SELECT 'open_transfer' AS kind, t.id::text AS id, t.sent_at AS at, NULL::uuid AS room_id, NULL AS room_name,
            ARRAY(SELECT tm.medium_id::text FROM transfer_media tm WHERE tm.transfer_id = t.id) AS medium_ids,
            ARRAY(SELECT m.label FROM transfer_media tm JOIN media m ON m.id = tm.medium_id WHERE tm.transfer_id = t.id ORDER BY m.label) AS labels,
            t.escort_person_id AS person_id, pe.name AS person_name, t.destination AS detail, NULL::int AS journal_seq
       FROM transfers t LEFT JOIN people pe ON pe.id = t.escort_person_id
      WHERE t.status = 'in_transit' AND t.sent_at < ?`,
    [p.to],
  );
  return [...alerts.rows, ...inspections.rows, ...transfers.rows] as MediaIssue[];
}

/** The door alarms raised in the period (issue 20), with the journal entry that raised each. */
export async function doorAlarms(db: Knex, p: PeriodArgs): Promise<DoorAlarmFact[]> {
  const { rows } = await db.raw(
    `SELECT a.id::text AS id, a.kind, a.raised_at AS at, a.door_id, d.name AS door_name, a.room_id, r.name AS room_name, a.acknowledged_by_name AS acknowledged_by, a.note,
            (SELECT j.seq::int FROM journal_entries j
              WHERE j.chain = 'main' AND j.subject = CASE WHEN a.door_id IS NULL THEN 'room:' || a.room_id ELSE 'door:' || a.door_id END
                AND j.action = 'door.alarm_raised' AND j.at >= a.raised_at - interval '1 minute'
              ORDER BY j.seq LIMIT 1) AS journal_seq
       FROM door_alarms a JOIN rooms r ON r.id = a.room_id LEFT JOIN doors d ON d.id = a.door_id
      WHERE a.raised_at >= ? AND a.raised_at < ?
      ORDER BY a.raised_at, a.id LIMIT ${ROW_CAP}`,
    [p.from, p.to],
  );
  return (rows as Array<DoorAlarmFact & { journal_seq: number | string | null }>).map((r) => ({ ...r, journal_seq: r.journal_seq === null ? null : Number(r.journal_seq) }));
}

export interface PeriodCounts {
  entries: number;
  deniedEntries: number;
  requests: number;
  signins: number;
  journalEntries: number;
}

/** The rare rows counted (partial indexes of migration 0016); every row's count is the digest's. */
export async function rareCounts(db: Knex, p: PeriodArgs): Promise<{ deniedEntries: number; signins: number }> {
  const { rows } = await db.raw(
    `SELECT (SELECT count(*) FROM entries WHERE at >= ? AND at < ? AND decision = 'denied')::int AS denied_entries,
            (SELECT count(*) FROM access_log WHERE at >= ? AND at < ? AND path = '${LOGIN.path}' AND method = '${LOGIN.method}')::int AS signins`,
    [p.from, p.to, p.from, p.to],
  );
  const r = rows[0] as Record<string, number>;
  return { deniedEntries: Number(r.denied_entries), signins: Number(r.signins) };
}

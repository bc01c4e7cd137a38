// Read model: a digest of *all* rows of a period in each table the review reads — so that a row
// changed, added or deleted before or after signing is noticed, not only a changed evidence row.
// Per table and per day (on the site's clock): a count and an order-free sum of 60-bit row hashes
// (md5 of the row's columns written as text, the same on PostgreSQL and PGlite), so re-checking
// can set aside days the access-log retention has since removed. Writes nothing.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { canonicalJson } from '../journal/canonical.js';

const NULL = "'\\N'";
const col = (expr: string) => `coalesce((${expr})::text, ${NULL})`;
/** An instant as microseconds since 1970 (exact: extract gives a numeric; cheaper than formatting it). */
const utc = (expr: string) => `(extract(epoch FROM ${expr}) * 1000000)::bigint`;

/**
 * Each table: when a row belongs to the period, the columns that make it (those that never change
 * legitimately), and `optional` columns added later: written only when not null (concat_ws leaves
 * a null out), so a row from before they existed hashes as it did when a review was signed.
 */
const TABLES: Record<string, { at: string; row: string[]; optional?: string[] }> = {
  entries: {
    at: 'at',
    row: ['id', utc('at'), 'room_id', 'badge_id', 'person_id', 'direction', 'decision', 'reason', 'presented_hint', 'recorded_by', 'station_id', "array_to_string(flags, ',')"],
    // The door of a reader's scan and its message id (issue 20).
    optional: ["'door:' || door_id::text", "'msg:' || door_message_id"],
  },
  // Door alarms (issue 20): raised in the period; their acknowledgement comes later by design.
  door_alarms: { at: 'raised_at', row: ['id', 'kind', 'door_id', 'room_id', utc('raised_at')] },
  access_log: { at: 'at', row: ['id', utc('at'), 'account_id', 'username', 'method', 'path', 'status', 'source_ip', 'duration_ms'] },
  journal_entries: { at: 'at', row: ['chain', 'seq', utc('at'), 'hash'] },
  // An alert's resolution, and a transfer's receipt, come later by design: not part of the row.
  custody_alerts: { at: 'raised_at', row: ['id', 'medium_id', 'day', 'room_id', 'holder_person_id', utc('raised_at')] },
  inspections: { at: 'at', row: ['id', 'record_id', 'location_id', utc('at'), "array_to_string(missing_ids, ',')", "array_to_string(unexpected_ids, ',')"] },
  transfers: { at: 'sent_at', row: ['id', 'record_id', 'destination', 'method', utc('sent_at')] },
};

export const DIGESTED_TABLES = Object.keys(TABLES);

export interface DayDigest {
  count: number;
  sum: string;
}

/** table → day (YYYY-MM-DD on the site's clock) → { count, sum } */
export type PeriodDigest = Record<string, Record<string, DayDigest>>;

export async function periodDigest(db: Knex, from: Date, to: Date, timeZone: string): Promise<PeriodDigest> {
  // The period's days on the site's clock, from the database (the same zone rules as the rows'
  // `at AT TIME ZONE`), clipped to the period.
  const { rows: days } = await db.raw(
    `SELECT to_char(d, 'YYYY-MM-DD') AS day, greatest(d AT TIME ZONE ?, ?::timestamptz) AS lo, least((d + interval '1 day') AT TIME ZONE ?, ?::timestamptz) AS hi
       FROM generate_series(date_trunc('day', ?::timestamptz AT TIME ZONE ?), (?::timestamptz AT TIME ZONE ?) - interval '1 microsecond', interval '1 day') AS d`,
    [timeZone, from, timeZone, to, from, timeZone, to, timeZone],
  );
  const digest: PeriodDigest = {};
  for (const [table, t] of Object.entries(TABLES)) {
    digest[table] = {};
    if (days.length === 0) continue;
    // One plain aggregate per day over the `at` index, no grouping sort; PostgreSQL runs the days
    // side by side (Parallel Append). concat_ws of the non-null texts is the same text as joining
    // them with || and costs one allocation instead of one per column.
    const hash = `('x' || substr(md5(concat_ws('|', ${[...t.row.map(col), ...(t.optional ?? []).map((e) => `(${e})`)].join(', ')})), 1, 15))::bit(60)::bigint`;
    const { rows } = await db.raw(
      (days as Array<unknown>).map(() => `SELECT ?::text AS day, count(*)::int AS n, sum(${hash})::text AS s FROM ${table} WHERE ${t.at} >= ? AND ${t.at} < ?`).join(' UNION ALL '),
      (days as Array<{ day: string; lo: Date; hi: Date }>).flatMap((d) => [d.day, d.lo, d.hi]),
    );
    for (const r of (rows as Array<{ day: string; n: number; s: string | null }>).sort((a, b) => a.day.localeCompare(b.day))) {
      if (Number(r.n) > 0) digest[table]![r.day] = { count: Number(r.n), sum: String(r.s) };
    }
  }
  return digest;
}

/** Every row of the period is in the digest: its counts are the period's entries, requests and journal entries. */
export function digestRowCounts(digest: PeriodDigest): { entries: number; requests: number; journalEntries: number } {
  const rows = (days: Record<string, DayDigest> | undefined) => Object.values(days ?? {}).reduce((n, d) => n + d.count, 0);
  return { entries: rows(digest.entries), requests: rows(digest.access_log), journalEntries: rows(digest.journal_entries) };
}

/** The digest as one SHA-256, what a reviewer sees and signs. */
export function digestHash(digest: PeriodDigest): string {
  return crypto.createHash('sha256').update(canonicalJson(digest)).digest('hex');
}

export interface DigestDifference {
  table: string;
  day: string;
  signed: DayDigest | null;
  now: DayDigest | null;
}

/** Where two digests differ, table by table and day by day. */
export function digestDifferences(signed: PeriodDigest, now: PeriodDigest): DigestDifference[] {
  const out: DigestDifference[] = [];
  for (const table of new Set([...Object.keys(signed), ...Object.keys(now)])) {
    const a = signed[table] ?? {};
    const b = now[table] ?? {};
    for (const day of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      const x = a[day] ?? null;
      const y = b[day] ?? null;
      if (x?.count !== y?.count || x?.sum !== y?.sum) out.push({ table, day, signed: x, now: y });
    }
  }
  return out;
}

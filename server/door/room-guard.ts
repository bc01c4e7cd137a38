// The room rules beyond the access list (issue 20 part 5), held at the write: the two-person rule
// (二人制), the occupancy limit and timed anti-passback. A room without these rules never comes
// here: its scans are written by scan.ts's one statement per batch, unchanged.
//
// A scan that would change who is inside a room with rules is written in a transaction of its
// own that first takes a transaction-scoped advisory lock on that room (and only that room), so
// the room's entries are decided one after another on any number of servers; the writes are
// conditional as well:
//   - occupancy limit: the presence row is inserted by INSERT … SELECT … WHERE (the room's count)
//     + the people entering ≤ the limit — never a count read first in the process. A scan whose
//     insert did not happen wrote nothing and is read and decided again (then: room_full);
//   - two-person rule: the first person waits in `door_pairs` (one row per room: its key is the
//     guard); a second person pairs by deleting that row (DELETE … RETURNING: one of two second
//     scans gets it) and both are let in by one statement; a waiting row whose window ran out is
//     deleted once (on any server) and recorded as second_person_timeout;
//   - timed anti-passback: a stale presence is replaced by an UPDATE that still requires it to be
//     older than the limit (a second scan replacing it at the same moment finds it fresh).
// Exits are never denied (fire safety): an exit that leaves one person alone in a two-person room
// is found by the doors module's alarm check (checkDoorTimers: the lone_person alarm).
import type { Knex } from 'knex';
import type { AppContext } from '../context.js';
import { kickIntake } from '../journal/intake.js';
import { getPerson } from '../people/service.js';
import { getRoom } from '../rooms/service.js';
import { periodic, type Worker } from '../workers.js';
import { ENTRY_CHANNEL, scanJournalPayload } from './payload.js';
import { twoPersonStep, type EntryReason } from './rules.js';
import { GUARDED_WRITE_SQL } from './write-sql.js';

/** The advisory-lock namespace of the room guard (pg_advisory_xact_lock(namespace, hashtext(room))). */
export const ROOM_GUARD_LOCK = 20_005;

/** One scan's row as the write statements take it (scan.ts builds it). */
export interface ScanRow {
  ord: number;
  at: string;
  room: string;
  badge: string | null;
  person: string | null;
  direction: 'in' | 'out';
  decision: 'granted' | 'denied';
  reason: EntryReason | null;
  hint: string | null;
  recorded_by: string | null;
  station: string | null;
  flags: string;
  change: 'in' | 'out' | 'none' | 'replace';
  actor: string;
  payload: string;
  rest: string;
  door: string | null;
  door_message: string | null;
}

/** What the guard needs besides the row: the room's rules and names for the live log. */
export interface GuardFacts {
  roomName: string;
  twoPerson: boolean;
  windowSeconds: number;
  occupancyLimit: number | null;
  antiPassbackHours: number | null;
  personName: string | null;
}

export interface GuardedOutcome {
  entryId: string;
  decision: 'granted' | 'denied';
  reason: EntryReason | null;
  flags: string[];
}



type GuardedRow = ScanRow & { room_limit: number | null; need: number; stale_hours: number | null };

async function write(trx: Knex, rows: GuardedRow[]): Promise<Map<number, string>> {
  const { rows: written } = await trx.raw(GUARDED_WRITE_SQL, [JSON.stringify(rows), ENTRY_CHANNEL]);
  return new Map((written as Array<{ ord: number; id: string }>).map((w) => [w.ord, String(w.id)]));
}

/** A row with its decision, reason and flags changed (payload and live-log line made again to match). */
function restated(row: ScanRow, change: Partial<Pick<ScanRow, 'decision' | 'reason' | 'change'>> & { flags?: string[] }, roomName: string, personName: string | null): ScanRow {
  const next = { ...row, ...change, flags: change.flags ? change.flags.join(',') : row.flags };
  const flags = next.flags ? next.flags.split(',') : [];
  const person = next.person && personName ? { id: next.person, name: personName } : null;
  next.payload = scanJournalPayload({ roomId: next.room, badgeId: next.badge, personId: next.person, direction: next.direction, decision: next.decision, reason: next.reason, at: next.at });
  next.rest = JSON.stringify({ roomId: next.room, roomName, at: next.at, direction: next.direction, decision: next.decision, reason: next.reason, person, flags }).slice(1);
  return next;
}

/** Takes the room's guard until the transaction ends. */
async function lockRoom(trx: Knex, roomId: string): Promise<void> {
  await trx.raw('SELECT pg_advisory_xact_lock(?, hashtext(?))', [ROOM_GUARD_LOCK, roomId]);
}

class PairNotWritten extends Error {}

/**
 * Writes one scan of a room with rules, under the room's guard. Answers the outcome, or null when
 * the write's condition failed (nothing was written: the scan is read and decided again).
 */
export async function writeGuarded(app: AppContext, row: ScanRow, g: GuardFacts): Promise<GuardedOutcome | null> {
  const base = { room_limit: g.occupancyLimit, need: 1, stale_hours: g.antiPassbackHours };
  const flagsOf = (r: ScanRow) => (r.flags ? r.flags.split(',') : []);
  try {
    const outcome = await app.db.knex.transaction(async (trx): Promise<GuardedOutcome | null> => {
      await lockRoom(trx, row.room);
      // A first person whose window ran out is recorded before anyone pairs with them.
      await expirePairsIn(trx, row.room);
      if (row.change === 'in' && g.twoPerson && row.person) {
        const { rows: counted } = await trx.raw('SELECT count(*) AS n FROM presence WHERE room_id = ? AND person_id <> ?', [row.room, row.person]);
        const waiting = (await trx('door_pairs').where({ room_id: row.room }).first('person_id', 'expires_at')) as { person_id: string; expires_at: Date } | undefined;
        const step = twoPersonStep({ othersInside: Number((counted[0] as { n: string }).n), waiting: waiting ? { personId: waiting.person_id, expiresAt: waiting.expires_at } : null, personId: row.person, now: new Date(row.at) });
        if (step === 'wait') {
          // Answered at once, not granted, nobody inside yet: the entry says so; the person waits.
          const pending = restated(row, { decision: 'denied', reason: 'pending_second_person', change: 'none', flags: [...flagsOf(row), 'two_person'] }, g.roomName, g.personName);
          const ids = await write(trx, [{ ...pending, ...base }]);
          const entryId = ids.get(row.ord)!;
          const expiresAt = new Date(Date.parse(row.at) + g.windowSeconds * 1000).toISOString();
          const fields = { person_id: row.person, badge_id: row.badge, entry_id: entryId, door_id: row.door, station_id: row.station, at: row.at, expires_at: expiresAt };
          // One waiting row per room: replaced only when it is this person's own or has run out.
          const placed = (await trx.raw(
            `INSERT INTO door_pairs (room_id, person_id, badge_id, entry_id, door_id, station_id, at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (room_id) DO UPDATE SET person_id = EXCLUDED.person_id, badge_id = EXCLUDED.badge_id, entry_id = EXCLUDED.entry_id, door_id = EXCLUDED.door_id,
                    station_id = EXCLUDED.station_id, at = EXCLUDED.at, expires_at = EXCLUDED.expires_at
              WHERE door_pairs.person_id = EXCLUDED.person_id OR door_pairs.expires_at <= EXCLUDED.at
             RETURNING room_id`,
            [row.room, fields.person_id, fields.badge_id, fields.entry_id, fields.door_id, fields.station_id, fields.at, fields.expires_at],
          )).rows as unknown[];
          if (placed.length === 0) throw new PairNotWritten();
          return { entryId, decision: 'denied', reason: 'pending_second_person', flags: flagsOf(pending) };
        }
        if (step === 'pair') {
          // The one second scan that deletes the waiting row pairs with that person.
          const taken = (await trx.raw('DELETE FROM door_pairs WHERE room_id = ? AND person_id = ? AND expires_at > ? RETURNING person_id, badge_id, door_id, station_id', [row.room, waiting!.person_id, row.at])).rows as Array<{
            person_id: string;
            badge_id: string | null;
            door_id: string | null;
            station_id: string | null;
          }>;
          if (taken.length === 0) throw new PairNotWritten();
          const first = taken[0]!;
          const firstName = (await getPerson(trx, first.person_id)).name;
          const flags = [...flagsOf(row), 'two_person'];
          const second = restated(row, { flags }, g.roomName, g.personName);
          // The first person's grant: recorded at the moment of the pairing, by the scan that completed it.
          const partner = restated(
            { ...row, ord: -1, badge: first.badge_id, person: first.person_id, hint: null, station: first.station_id, door: first.door_id, door_message: null, flags: '' },
            { decision: 'granted', reason: null, change: 'in', flags: ['two_person'] },
            g.roomName,
            firstName,
          );
          const ids = await write(trx, [
            { ...partner, ...base, need: 2 },
            { ...second, ...base, need: 2 },
          ]);
          if (!ids.has(-1) || !ids.has(row.ord)) throw new PairNotWritten();
          return { entryId: ids.get(row.ord)!, decision: 'granted', reason: null, flags };
        }
      }
      const ids = await write(trx, [{ ...row, ...base }]);
      const entryId = ids.get(row.ord);
      if (entryId === undefined) return null;
      // An exit that leaves one person alone in a two-person room: the doors module's alarm check finds it (checkDoorTimers).
      return { entryId, decision: row.decision, reason: row.reason, flags: flagsOf(row) };
    });
    return outcome;
  } catch (err) {
    // Nothing was written (the transaction rolled back): read and decide again.
    if (err instanceof PairNotWritten) return null;
    throw err;
  }
}

/**
 * The first persons of rooms whose window ran out (all rooms, or one): each waiting row is deleted
 * once — on whichever server gets it — and recorded as an entry denied second_person_timeout.
 * Answers how many were recorded.
 */
async function expirePairsIn(trx: Knex, roomId: string | null): Promise<number> {
  const gone = (await trx.raw(`DELETE FROM door_pairs WHERE expires_at <= clock_timestamp()${roomId ? ' AND room_id = ?' : ''} RETURNING *`, roomId ? [roomId] : [])).rows as Array<{
    room_id: string;
    person_id: string;
    badge_id: string | null;
    door_id: string | null;
    station_id: string | null;
    expires_at: Date;
  }>;
  if (gone.length === 0) return 0;
  const rows: GuardedRow[] = [];
  for (const [i, p] of gone.entries()) {
    const room = await getRoom(trx, p.room_id);
    const person = await getPerson(trx, p.person_id);
    const at = p.expires_at.toISOString();
    const blank: ScanRow = {
      ord: i,
      at,
      room: p.room_id,
      badge: p.badge_id,
      person: p.person_id,
      direction: 'in',
      decision: 'denied',
      reason: 'second_person_timeout',
      hint: null,
      recorded_by: null,
      station: p.station_id,
      flags: 'two_person',
      change: 'none',
      actor: p.door_id ? `door:${p.door_id}` : p.station_id ? `station:${p.station_id}` : 'system:two_person',
      payload: '',
      rest: '',
      door: p.door_id,
      door_message: null,
    };
    rows.push({ ...restated(blank, {}, room.name, person.name), room_limit: null, need: 1, stale_hours: null });
  }
  await write(trx, rows);
  return gone.length;
}

/** Records every waiting first person whose window ran out (the `door.pairs` worker; any server). */
export async function expirePairs(app: AppContext): Promise<number> {
  const n = await app.db.knex.transaction((trx) => expirePairsIn(trx, null));
  if (n > 0) kickIntake(app);
  return n;
}

/** Every second: the two-person rule's first persons whose window ran out are recorded (E6.2). */
export function pairExpiryWorker(app: AppContext): Worker {
  return periodic(1000, () => expirePairs(app), app.logger, 'recording two-person timeouts');
}

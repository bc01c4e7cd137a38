// A scan at the door: read the facts, decide (rules.ts), and write the entry (denied ones too),
// the presence change and the journal event with its live-log line — the write being guarded so
// that two scans of one badge can never both move the person the same way, on any number of
// servers sharing the database.
//
// Performance (docs/performance.md): scans that arrive together are served together
// (server/shared/coalesce.ts). A batch is two statements whatever its size: one reads the facts
// of every scan, one writes every decision (and commits). Between the two nothing is locked; the
// write checks instead that the presence it changes is still the one the decision saw:
//   - entering inserts the presence row with ON CONFLICT DO NOTHING (the key is room + person),
//   - leaving deletes it and must find it,
// and a scan whose check fails wrote nothing and is read and decided again. Denied scans change
// nothing but the log and are written as decided. Within a batch each badge appears once per round
// (a second scan of the same badge waits for the next round), so no statement moves one person
// twice; across batches and servers the unique key and the row lock decide (E6.1 anti-passback).
// A room with rules beyond the access list (two-person rule, occupancy limit, timed anti-passback;
// issue 20) has its scans that change who is inside written one by one under that room's guard
// instead (room-guard.ts); a room without them is written exactly as before.
import type { Knex } from 'knex';
import type { AppContext } from '../context.js';
import { appendJournal } from '../journal/journal.js';
import { kickIntake } from '../journal/intake.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { presentedDigests } from '../badges/service.js';
import { getRoom, hasRoomRules, roomHours } from '../rooms/service.js';
import { getPerson } from '../people/service.js';
import { coalesce } from '../shared/coalesce.js';
import { sessionLookupBindings, touchSessions, type Actor, type DeferredSession, type SessionRow } from '../auth/authenticate.js';
import { READ_FACTS_SQL, type FactsRow } from './facts.read-model.js';
import { preparedStatement } from '../shared/sql.js';
import { ENTRY_CHANNEL, scanJournalPayload } from './payload.js';
import { WRITE_SQL } from './write-sql.js';
import { atTheDoor, decideScan, isStalePresence, type Direction, type ScanDecision } from './rules.js';
import { writeGuarded, type GuardFacts, type ScanRow } from './room-guard.js';

export { ENTRY_CHANNEL, scanJournalPayload } from './payload.js';
/** Rounds of read-decide-write within one batch before a scan is refused as too contended. */
const MAX_ROUNDS = 50;

export interface ScanInput {
  roomId: string;
  badge: string;
  direction?: Direction | undefined;
  /** Who scans: their session is read with the scan's facts and must pass before anything is written. */
  session: DeferredSession;
  /**
   * A scan from a door's reader over MQTT (server/doors): recorded as the door, once per reader
   * message — (door, messageId) is unique in the entries, so a second write of one message fails
   * with a unique violation (23505) and writes nothing. `late`: the reader's message is older than
   * DOOR_SCAN_MAX_AGE_SECONDS; decided by the same rules, but it never unlocks (rules.ts atTheDoor).
   */
  door?: { id: string; messageId: string; late: boolean } | undefined;
}

export interface ScanResult extends ScanDecision {
  entryId: string;
  at: Date;
  roomId: string;
  person: { id: string; name: string } | null;
  flags: string[];
}

/** A short hint of what the reader typed, for the guard; never enough to make a badge. */
function hintOf(presented: string): string {
  // By characters, not UTF-16 units: half an emoji is not text PostgreSQL accepts.
  const chars = Array.from(presented.trim());
  return chars.length <= 4 ? '*'.repeat(chars.length) : `…${chars.slice(-4).join('')}`;
}



interface PendingScan {
  index: number;
  input: ScanInput;
  /** What identifies the badge within a batch (its digest), or a unique key when nothing was presented. */
  key: string;
  tokenDigest: string | null;
  cardDigest: string | null;
}

function pendingScan(app: AppContext, input: ScanInput, index: number): PendingScan {
  // Looked up exactly as findPresentedBadge looks it up (../badges/service.ts).
  const digests = presentedDigests(input.badge, app.secrets.badgeKey);
  const token = digests?.token ?? null;
  const card = digests?.card ?? null;
  return { index, input, key: token ?? card ?? `none:${index}`, tokenDigest: token, cardDigest: card };
}

interface DecidedScan {
  scan: PendingScan;
  result: Omit<ScanResult, 'entryId'>;
  /** The statement's row; its `change` ('in' | 'out' | 'none' | 'replace') is what the write must find possible. */
  row: ScanRow;
  /** A room with rules beyond the access list, and a scan that changes who is inside: written under the room's guard (room-guard.ts). */
  guard: GuardFacts | null;
}

function decide(app: AppContext, scan: PendingScan, f: FactsRow, actor: Actor): DecidedScan {
  const hasBadge = f.badge_id !== null && f.badge_person_id !== null && f.person_name !== null;
  const isVisitor = hasBadge ? (f.roles ?? []).includes('visitor') || f.org_kind === 'visitor_company' : false;
  const door = scan.input.door;
  const ruleFacts = {
    now: f.now,
    timeZone: app.config.displayTimeZone,
    room: { kind: f.kind, hours: roomHours(f), requiresTraining: f.requires_training },
    badge: hasBadge ? { revoked: f.badge_revoked_at !== null, validFrom: f.badge_valid_from!, validUntil: f.badge_valid_until } : null,
    person: hasBadge ? { isVisitor, isExternal: f.org_kind !== 'contractor' } : null,
    inside: f.inside,
    onAccessList: f.on_access_list,
    ndaValid: f.nda_valid,
    trainedWithinYear: f.trained,
    hostInside: f.host_inside,
    // Issue 20 part 5: read only for a room with these rules (null otherwise).
    occupancy: f.occupancy_limit !== null ? { count: Number(f.occupancy ?? 0), limit: Number(f.occupancy_limit) } : undefined,
    antiPassbackHours: f.anti_passback_hours,
    insideSince: f.inside_since,
  };
  const ruled = decideScan(ruleFacts, scan.input.direction);
  const decision = door ? atTheDoor(ruled, { late: door.late }) : ruled;
  const flags: string[] = [];
  // E6.5 clean desk: leaving is allowed while holding checked-out media, but flagged.
  if (decision.decision === 'granted' && decision.direction === 'out' && hasBadge && Number(f.held_media) > 0) flags.push('holding_media');
  const person = hasBadge ? { id: f.badge_person_id!, name: f.person_name! } : null;
  const at = f.now.toISOString();
  let change: ScanRow['change'] = decision.decision === 'granted' && person ? decision.direction : 'none';
  // Timed anti-passback: re-entry over a stale presence replaces it, flagged for the weekly review.
  if (change === 'in' && f.inside && isStalePresence(ruleFacts)) {
    change = 'replace';
    flags.push('stale_presence_replaced');
  }
  const rules = hasRoomRules(f);
  const guarded = rules && (change === 'replace' || (change === 'in' && (f.two_person || f.occupancy_limit !== null)) || (change === 'out' && f.two_person));
  // The live-log message is JSON.stringify of { entryId, roomId, … }; the entry id is only known
  // inside the statement, so the text is assembled around it there (ids are digits).
  const rest = JSON.stringify({ roomId: f.id, roomName: f.name, at, direction: decision.direction, decision: decision.decision, reason: decision.reason, person, flags });
  const payload = scanJournalPayload({ roomId: f.id, badgeId: hasBadge ? f.badge_id : null, personId: person?.id ?? null, direction: decision.direction, decision: decision.decision, reason: decision.reason, at });
  return {
    scan,
    result: { ...decision, at: f.now, roomId: f.id, person, flags },
    row: {
      ord: scan.index,
      at,
      room: f.id,
      badge: hasBadge ? f.badge_id : null,
      person: person?.id ?? null,
      direction: decision.direction,
      decision: decision.decision,
      reason: decision.reason,
      hint: hintOf(scan.input.badge),
      // A door station records as itself (no account behind it).
      recorded_by: actor.station || door ? null : actor.accountId,
      station: actor.station?.id ?? null,
      flags: flags.join(','),
      change,
      actor: door ? `door:${door.id}` : actor.station ? `station:${actor.station.id}` : actor.accountId,
      payload,
      rest: rest.slice(1),
      door: door?.id ?? null,
      door_message: door?.messageId ?? null,
    },
    guard: guarded
      ? {
          roomName: f.name,
          twoPerson: f.two_person,
          windowSeconds: Number(f.two_person_window_seconds),
          occupancyLimit: f.occupancy_limit === null ? null : Number(f.occupancy_limit),
          antiPassbackHours: f.anti_passback_hours === null ? null : Number(f.anti_passback_hours),
          personName: person?.name ?? null,
        }
      : null,
  };
}

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/** Reads, decides and writes a batch of scans; the scans whose write check failed go round again. */
async function runScans(app: AppContext, inputs: ScanInput[]): Promise<Array<ScanResult | Error>> {
  const knex = app.db.knex;
  const results: Array<ScanResult | Error | undefined> = new Array(inputs.length);
  let todo = inputs.map((input, i) => pendingScan(app, input, i));
  let wrote = false;
  try {
    // A statement that fails (the database away, say) fails only the scans not yet answered:
    // those written in an earlier round are committed and keep their answer.
    for (let round = 1; todo.length > 0; round += 1) {
      if (round > MAX_ROUNDS) {
        for (const scan of todo) results[scan.index] = new ConflictError('door_busy', 'This badge is being scanned at several doors at once. Please scan again.');
        break;
      }
      const seen = new Set<string>();
      const now: PendingScan[] = [];
      const later: PendingScan[] = [];
      for (const scan of todo) {
        if (seen.has(scan.key)) later.push(scan);
        else {
          seen.add(scan.key);
          now.push(scan);
        }
      }
      let rows: unknown[];
      try {
        ({ rows } = await preparedStatement(
          app.db,
          knex.raw(READ_FACTS_SQL, [
          JSON.stringify(now.map((scan) => ({ ord: scan.index, room: scan.input.roomId, token_digest: scan.tokenDigest, card_digest: scan.cardDigest, session: scan.input.session.sessionId }))),
            ...sessionLookupBindings(app),
          ]),
          'scan_read',
        ));
      } catch (err) {
        for (const scan of todo) results[scan.index] = asError(err);
        break;
      }
      const factsByIndex = new Map((rows as FactsRow[]).map((row) => [row.ord, row]));
      let decided: DecidedScan[] = [];
      const sessions: SessionRow[] = [];
      for (const scan of now) {
        const facts = factsByIndex.get(scan.index);
        // Who scans is settled first (401/403, nothing written), then the room (404).
        let actor: Actor;
        try {
          actor = await scan.input.session.authorize(facts?.session ?? null);
        } catch (err) {
          results[scan.index] = asError(err);
          continue;
        }
        if (facts?.session) sessions.push(facts.session);
        if (!facts || !facts.room_found) results[scan.index] = new NotFoundError('room');
        else decided.push(decide(app, scan, facts, actor));
      }
      // Only moves last_seen_at on (every few seconds per session); a failure loses no scan.
      await touchSessions(app, sessions).catch(() => undefined);
      const retry: PendingScan[] = [];
      // Scans in rooms with rules beyond the access list that change who is inside: one by one
      // under the room's guard (room-guard.ts). The rest: one statement, as always.
      const ruled = decided.filter((d) => d.guard !== null);
      if (ruled.length > 0) decided = decided.filter((d) => d.guard === null);
      for (const d of ruled) {
        try {
          const out = await writeGuarded(app, d.row, d.guard!);
          if (out === null) retry.push(d.scan);
          else {
            wrote = true;
            results[d.scan.index] = { ...d.result, decision: out.decision, reason: out.reason, flags: out.flags, entryId: out.entryId };
          }
        } catch (err) {
          results[d.scan.index] = asError(err);
        }
      }
      if (decided.length > 0) {
        const entryIds = new Map<number, string>();
        const write = async (rows: DecidedScan[]) => {
          const { rows: written } = await preparedStatement(app.db, knex.raw(WRITE_SQL, [JSON.stringify(rows.map((d) => d.row)), ENTRY_CHANNEL]), 'scan_write');
          for (const w of written as Array<{ ord: number; id: string }>) entryIds.set(w.ord, String(w.id));
        };
        try {
          await write(decided);
        } catch (err) {
          // One statement for the batch must not let one scan's failure fail the others': each is
          // written alone (a statement that failed wrote nothing), and only its own error stays.
          if (decided.length === 1) results[decided[0]!.scan.index] = asError(err);
          else for (const d of decided) {
            try {
              await write([d]);
            } catch (own) {
              results[d.scan.index] = asError(own);
            }
          }
        }
        for (const d of decided) {
          if (results[d.scan.index]) continue;
          const entryId = entryIds.get(d.scan.index);
          if (entryId === undefined) retry.push(d.scan);
          else {
            wrote = true;
            results[d.scan.index] = { ...d.result, entryId };
          }
        }
      }
      todo = [...retry, ...later];
    }
  } finally {
    // The journal events (and live-log lines) are in the intake, committed with their entries;
    // this server's chainer moves them into the chain (server/journal/intake.ts).
    if (wrote) kickIntake(app);
  }
  return results.map((r) => r ?? new Error('scan without a result'));
}

/**
 * Records a scan at a door and answers the decision. Not part of a caller's transaction: each
 * batch commits its own statement, with every entry, presence change and journal event in it.
 * Scans arriving together go in one batch (the context's `door.scans` worker).
 */
export function recordScan(app: AppContext, input: ScanInput): Promise<ScanResult> {
  const queue = app.workers.use('door.scans', () => {
    const enqueue = coalesce<ScanInput, ScanResult>((inputs) => runScans(app, inputs), { maxBatch: 100, maxInFlight: 1 });
    // A server shutting down answers the scans under way before the journal's intake is drained.
    return { enqueue, drain: () => enqueue.idle(), stop: () => enqueue.idle() };
  });
  return queue.enqueue(input);
}

export interface ManualExitResult {
  entryId: string;
  at: Date;
  person: { id: string; name: string };
}

/**
 * A guard records that someone left a room without a valid scan — a badge revoked or lost while
 * they were inside, or a reader out of order — so occupancy and the muster list stay true.
 * Logged as an ordinary granted exit flagged `manual_exit`, with who recorded it and why.
 */
export async function recordManualExit(trx: Knex, input: { roomId: string; personId: string; note: string; recordedBy: string }): Promise<ManualExitResult> {
  const room = await getRoom(trx, input.roomId);
  const found = await getPerson(trx, input.personId); // unknown person: 404, like any unknown id
  // Removing the presence row is the check (as for a scan, E6.1): a scan leaving at the same
  // moment either removed it first (then this is 409) or waits and then finds it gone.
  const removed = (await trx('presence').where({ room_id: room.id, person_id: input.personId }).delete().returning(['entry_id'])) as unknown[];
  if (removed.length === 0) throw new ConflictError('not_inside', 'This person is not inside this room according to the door log.');
  const { rows } = await trx.raw("SELECT date_trunc('milliseconds', clock_timestamp()) AS now");
  const now = (rows[0] as { now: Date }).now;
  const [entry] = (await trx('entries')
    .insert({ at: now, room_id: room.id, person_id: input.personId, direction: 'out', decision: 'granted', recorded_by: input.recordedBy, flags: ['manual_exit'] })
    .returning(['id'])) as Array<{ id: string }>;
  const entryId = String(entry!.id);
  const person = { id: input.personId, name: found.name };
  await appendJournal(trx, {
    actor: input.recordedBy,
    action: 'door.manual_exit',
    subject: `entry:${entryId}`,
    payload: { roomId: room.id, personId: input.personId, note: input.note, at: now.toISOString() },
  });
  await trx.raw('SELECT pg_notify(?, ?)', [
    ENTRY_CHANNEL,
    JSON.stringify({ entryId, roomId: room.id, roomName: room.name, at: now.toISOString(), direction: 'out', decision: 'granted', reason: null, person, flags: ['manual_exit'] }),
  ]);
  // A two-person room (issue 20) left with one person inside raises the lone_person alarm: the doors
  // module looks for such rooms every few seconds (checkDoorTimers), whatever the exit was.
  return { entryId, at: now, person };
}

/** A scan recorded from a door's reader (issue 20): what was decided for that reader message. */
export interface DoorScanRecord {
  entryId: string;
  at: Date;
  decision: 'granted' | 'denied';
  reason: string | null;
}

/** The entry recorded for this reader message of this door, or null (not recorded yet). */
export async function findDoorScan(db: Knex, doorId: string, messageId: string): Promise<DoorScanRecord | null> {
  const row = (await db('entries').where({ door_id: doorId, door_message_id: messageId }).first('id', 'at', 'decision', 'reason')) as
    | { id: string; at: Date; decision: 'granted' | 'denied'; reason: string | null }
    | undefined;
  return row ? { entryId: String(row.id), at: row.at, decision: row.decision, reason: row.reason } : null;
}

/** Did this write fail because the reader message was recorded already (by this or another server)? */
export function isDuplicateDoorScan(err: unknown): boolean {
  const e = err as { code?: unknown; constraint?: unknown; message?: unknown };
  return e?.code === '23505' && (e.constraint === 'entries_door_message_unique' || String(e.message ?? '').includes('entries_door_message_unique'));
}

// A scan at the door: gather the facts under a per-person lock, decide, log the entry (denied
// ones too), move the person in or out, journal it, and announce it to every server's live log
// with NOTIFY (delivered on commit). The per-person advisory lock serialises concurrent scans of
// one badge across all servers, so two grants in the same direction cannot happen.
import type { Knex } from 'knex';
import type { AppContext } from '../context.js';
import { appendJournal, MAIN_CHAIN } from '../journal/journal.js';
import { canonicalJson } from '../journal/canonical.js';
import { kickIntake } from '../journal/intake.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { cardUidDigest, looksLikeBadgeToken, tokenDigest } from '../badges/tokens.js';
import { getRoom, roomHours, type RoomRow } from '../rooms/service.js';
import { getPerson } from '../people/service.js';
import { HELD_MEDIA_COUNT_SQL } from '../media/service.js';
import { decideScan, type Direction, type ScanDecision } from './rules.js';

export const ENTRY_CHANNEL = 'tachiai_entries';
const PERSON_LOCK_NAMESPACE = 0x7ac41a2;

export interface ScanInput {
  roomId: string;
  badge: string;
  direction?: Direction | undefined;
  recordedBy: string | null;
}

export interface ScanResult extends ScanDecision {
  entryId: string;
  at: Date;
  roomId: string;
  person: { id: string; name: string } | null;
  flags: string[];
}

interface FactsRow {
  now: Date;
  name: string;
  roles: string[];
  org_kind: string;
  inside: boolean;
  on_access_list: boolean;
  nda_valid: boolean;
  trained: boolean;
  host_inside: boolean;
  held_media: string;
}

/** A short hint of what the reader typed, for the guard; never enough to make a badge. */
function hintOf(presented: string): string {
  const v = presented.trim();
  return v.length <= 4 ? '*'.repeat(v.length) : `…${v.slice(-4)}`;
}

/** The room, the presented badge and the scan's time, read in the first statement. */
interface OpeningRow extends RoomRow {
  badge_id: string | null;
  badge_person_id: string | null;
  badge_valid_from: Date | null;
  badge_valid_until: Date | null;
  badge_revoked_at: Date | null;
  now: Date;
}

// The presented badge, found exactly as findPresentedBadge (../badges/service.ts) finds it: by the
// token's digest, or by the card UID's MAC preferring the live badge, else the latest one.
const BADGE_BY_TOKEN = 'SELECT id, person_id, valid_from, valid_until, revoked_at FROM badges WHERE token_digest = :digest LIMIT 1';
const BADGE_BY_CARD =
  'SELECT id, person_id, valid_from, valid_until, revoked_at FROM badges WHERE card_uid_digest = :digest ORDER BY revoked_at IS NULL DESC, created_at DESC LIMIT 1';

/**
 * On PostgreSQL, a named statement: node-postgres parses it once per pooled connection and the
 * server can then reuse its plan (planning the facts query costs more than running it). Each name
 * always carries the same SQL text.
 */
function prepared(app: AppContext, raw: Knex.Raw, name: string): Knex.Raw {
  return app.db.kind === 'postgres' ? raw.options({ name: `tachiai_scan_${name}` }) : raw;
}

/**
 * Performance (docs/performance.md): a scan is three statements and takes no lock that other
 * people's scans wait for:
 *   1. room + badge + per-person lock (the lock is taken in this statement, after the badge is
 *      read, and the facts are read by the next statement, whose snapshot is taken after the lock
 *      is granted);
 *   2. the facts under the lock;
 *   3. the entry row, the presence change and the journal event with its live-log line (into the
 *      journal's intake) in one statement; then COMMIT. The intake chainer puts the event into the
 *      hash chain and sends the NOTIFY, a batch at a time.
 */
export async function recordScan(app: AppContext, trx: Knex, input: ScanInput): Promise<ScanResult> {
  const presented = input.badge.trim();
  const lookup = presented.length === 0 || presented.length > 512 ? null : looksLikeBadgeToken(presented) ? 'token' : 'card';
  const { rows: opening } = await prepared(app, trx.raw(
    `SELECT r.*, b.id AS badge_id, b.person_id AS badge_person_id, b.valid_from AS badge_valid_from,
            b.valid_until AS badge_valid_until, b.revoked_at AS badge_revoked_at,
            date_trunc('milliseconds', clock_timestamp()) AS now,
            CASE WHEN b.person_id IS NOT NULL THEN pg_advisory_xact_lock(:ns, hashtext(b.person_id::text)) END AS person_lock
       FROM rooms r
       LEFT JOIN LATERAL (${lookup === 'card' ? BADGE_BY_CARD : lookup === 'token' ? BADGE_BY_TOKEN : 'SELECT NULL::uuid AS id, NULL::uuid AS person_id, NULL::timestamptz AS valid_from, NULL::timestamptz AS valid_until, NULL::timestamptz AS revoked_at WHERE false'}) b ON true
      WHERE r.id = :room`,
    {
      ns: PERSON_LOCK_NAMESPACE,
      room: input.roomId,
      digest: lookup === 'token' ? tokenDigest(presented) : lookup === 'card' ? cardUidDigest(presented, app.secrets.badgeKey) : null,
    },
  ), `open_${lookup ?? 'none'}`);
  const first = opening[0] as OpeningRow | undefined;
  if (!first) throw new NotFoundError('room');
  const room: RoomRow = first;
  const badge =
    first.badge_id && first.badge_person_id
      ? { id: first.badge_id, person_id: first.badge_person_id, valid_from: first.badge_valid_from!, valid_until: first.badge_valid_until, revoked_at: first.badge_revoked_at }
      : null;
  let facts: FactsRow | null = null;
  if (badge) {
    const { rows } = await prepared(app, trx.raw(
      `SELECT date_trunc('milliseconds', clock_timestamp()) AS now, p.name, p.roles, o.kind AS org_kind,
              EXISTS (SELECT 1 FROM presence pr WHERE pr.room_id = :room AND pr.person_id = p.id) AS inside,
              EXISTS (SELECT 1 FROM room_access ra WHERE ra.room_id = :room AND ra.person_id = p.id) AS on_access_list,
              EXISTS (SELECT 1 FROM ndas n WHERE n.person_id = p.id AND n.signed_at <= now()
                        AND (n.expires_at IS NULL OR n.expires_at > now())) AS nda_valid,
              EXISTS (SELECT 1 FROM training_participants tp JOIN trainings t ON t.id = tp.training_id
                       WHERE tp.person_id = p.id AND t.held_at <= now() AND t.held_at > now() - interval '12 months') AS trained,
              EXISTS (SELECT 1 FROM presence pr
                        JOIN room_access ra ON ra.room_id = pr.room_id AND ra.person_id = pr.person_id
                        JOIN people hp ON hp.id = pr.person_id
                        JOIN organisations ho ON ho.id = hp.org_id
                       WHERE pr.room_id = :room AND pr.person_id <> p.id
                         AND NOT ('visitor' = ANY (hp.roles)) AND ho.kind <> 'visitor_company') AS host_inside,
              ${HELD_MEDIA_COUNT_SQL} AS held_media
         FROM people p JOIN organisations o ON o.id = p.org_id
        WHERE p.id = :person`,
      { room: room.id, person: badge.person_id },
    ), 'facts');
    facts = rows[0] as FactsRow;
  }
  const now = facts?.now ?? first.now;
  const isVisitor = facts ? facts.roles.includes('visitor') || facts.org_kind === 'visitor_company' : false;
  const decision = decideScan(
    {
      now,
      timeZone: app.config.displayTimeZone,
      room: { kind: room.kind, hours: roomHours(room), requiresTraining: room.requires_training },
      badge: badge ? { revoked: badge.revoked_at !== null, validFrom: badge.valid_from, validUntil: badge.valid_until } : null,
      person: facts ? { isVisitor, isExternal: facts.org_kind !== 'contractor' } : null,
      inside: facts?.inside ?? false,
      onAccessList: facts?.on_access_list ?? false,
      ndaValid: facts?.nda_valid ?? false,
      trainedWithinYear: facts?.trained ?? false,
      hostInside: facts?.host_inside ?? false,
    },
    input.direction,
  );

  const flags: string[] = [];
  // E6.5 clean desk: leaving is allowed while holding checked-out media, but flagged.
  if (decision.decision === 'granted' && decision.direction === 'out' && facts && Number(facts.held_media) > 0) flags.push('holding_media');
  const person = badge && facts ? { id: badge.person_id, name: facts.name } : null;
  // The live-log message is JSON.stringify of { entryId, roomId, … } as before; the entry id is
  // only known inside the statement, so the text is assembled around it (ids are digits).
  const rest = JSON.stringify({ roomId: room.id, roomName: room.name, at: now.toISOString(), direction: decision.direction, decision: decision.decision, reason: decision.reason, person, flags });
  const presenceChange =
    decision.decision === 'granted' && badge
      ? decision.direction === 'in'
        ? ', moved AS (INSERT INTO presence (room_id, person_id, entered_at, entry_id) SELECT CAST(:room AS uuid), CAST(:person AS uuid), CAST(:at AS timestamptz), id FROM entry)'
        : ', moved AS (DELETE FROM presence WHERE room_id = :room AND person_id = :person)'
      : '';
  const presenceVariant = presenceChange === '' ? 'none' : decision.direction;
  const journalPayload = canonicalJson({ roomId: room.id, badgeId: badge?.id ?? null, personId: person?.id ?? null, direction: decision.direction, decision: decision.decision, reason: decision.reason, at: now.toISOString() });
  const { rows: written } = await prepared(app, trx.raw(
    `WITH entry AS (
       INSERT INTO entries (at, room_id, badge_id, person_id, direction, decision, reason, presented_hint, recorded_by, flags)
       VALUES (:at, :room, :badge, :person, :direction, :decision, :reason, :hint, :recordedBy, :flags)
       RETURNING id
     )${presenceChange},
     journaled AS (
       INSERT INTO journal_intake (chain, at, actor, action, subject, payload, notify_channel, notify_payload)
       SELECT :chain, :at, :actor, 'door.scan', 'entry:' || id, :payload, :channel, '{"entryId":"' || id || '",' || :rest FROM entry
     )
     SELECT id FROM entry`,
    {
      at: now,
      room: room.id,
      badge: badge?.id ?? null,
      person: badge?.person_id ?? null,
      direction: decision.direction,
      decision: decision.decision,
      reason: decision.reason,
      hint: hintOf(input.badge),
      recordedBy: input.recordedBy,
      flags,
      chain: MAIN_CHAIN,
      actor: input.recordedBy ?? 'system:door',
      payload: journalPayload,
      channel: ENTRY_CHANNEL,
      rest: rest.slice(1),
    },
  ), `write_${presenceVariant}`);
  const entryId = String((written[0] as { id: string }).id);
  // The journal event (and the live-log line it carries) is in the intake, in this transaction;
  // once it commits, this server's chainer moves it into the chain (server/journal/intake.ts).
  afterCommit(trx, () => kickIntake(app.db));
  return { ...decision, entryId, at: now, roomId: room.id, person, flags };
}

/** Runs `then` once the transaction has committed (at once when not in a transaction). */
function afterCommit(trx: Knex, then: () => void): void {
  const done = (trx as Knex.Transaction).executionPromise as Promise<unknown> | undefined;
  if (done) done.then(then, () => undefined);
  else then();
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
  await trx.raw('SELECT pg_advisory_xact_lock(?, hashtext(?))', [PERSON_LOCK_NAMESPACE, input.personId]);
  const room = await getRoom(trx, input.roomId);
  await getPerson(trx, input.personId); // unknown person: 404, like any unknown id
  const inside = (await trx('presence as pr')
    .join('people as p', 'p.id', 'pr.person_id')
    .where({ 'pr.room_id': room.id, 'pr.person_id': input.personId })
    .first('p.name')) as { name: string } | undefined;
  if (!inside) throw new ConflictError('not_inside', 'This person is not inside this room according to the door log.');
  const { rows } = await trx.raw("SELECT date_trunc('milliseconds', clock_timestamp()) AS now");
  const now = (rows[0] as { now: Date }).now;
  const [entry] = (await trx('entries')
    .insert({ at: now, room_id: room.id, person_id: input.personId, direction: 'out', decision: 'granted', recorded_by: input.recordedBy, flags: ['manual_exit'] })
    .returning(['id'])) as Array<{ id: string }>;
  const entryId = String(entry!.id);
  await trx('presence').where({ room_id: room.id, person_id: input.personId }).delete();
  const person = { id: input.personId, name: inside.name };
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
  return { entryId, at: now, person };
}

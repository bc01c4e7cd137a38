// Badges: issuing and recognising them. Routes, cards and revocation build on this.
import type { Knex } from 'knex';
import type { AppContext } from '../context.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { appendJournal } from '../journal/journal.js';
import { hashPin, verifyPin } from '../shared/secret-hash.js';
import { PIN_INPUT, PIN_MIN_DIGITS, pinViolations } from './pin-rules.js';
import { unseenBadgeEvents, type BadgeEventRow } from './badges.read-model.js';
import { personFacts, type PersonFacts } from './holders.read-model.js';

export { listBadgeEvents, type BadgeEventRow } from './badges.read-model.js';
import { badgeTokenFor, cardUidDigest, looksLikeBadgeToken, newBadgeNonce, normaliseCardUid, tokenDigest } from './tokens.js';

export interface IssuedBadge {
  id: string;
  personId: string;
  token: string;
  validFrom: Date;
  validUntil: Date | null;
  cardUidHint: string | null;
}

export interface IssueBadgeInput {
  personId: string;
  validUntil?: Date | null;
  cardUid?: string | null;
  /** Who issues it: an account id, or `cli:<command>` when the holder runs the command line. */
  actor: string;
  /** The issuing account's person (null from the command line). */
  actorPersonId: string | null;
}

/**
 * Issues a badge *without a PIN* (security review, finding 1): it opens doors at once, but signs
 * nothing and is no second factor until its holder sets the PIN (setPinConfirmed, changePin).
 * Issuing a badge to someone who already holds a live one, and every issuance, is shown to the
 * holder at their next sign-in and listed for the weekly access review (badge_events).
 */
export async function issueBadge(app: AppContext, trx: Knex, input: IssueBadgeInput): Promise<IssuedBadge> {
  const nonce = newBadgeNonce();
  const token = badgeTokenFor(nonce, app.secrets.badgeKey);
  const uid = input.cardUid ? normaliseCardUid(input.cardUid) : null;
  const liveBefore = Number(
    ((await trx('badges').where({ person_id: input.personId }).whereNull('revoked_at').where((q) => q.whereNull('valid_until').orWhere('valid_until', '>', trx.fn.now())).count('* as n')) as Array<{ n: string | number }>)[0]!.n,
  );
  const [row] = (await trx('badges')
    .insert({
      person_id: input.personId,
      token_nonce: nonce,
      token_digest: tokenDigest(token),
      card_uid_digest: uid ? cardUidDigest(uid, app.secrets.badgeKey) : null,
      card_uid_hint: uid ? uid.slice(-4) : null,
      pin_hash: null,
      valid_from: trx.fn.now(),
      valid_until: input.validUntil ?? null,
      issued_by: input.actor,
      issued_by_person_id: input.actorPersonId,
    })
    .returning(['id', 'valid_from', 'valid_until', 'card_uid_hint'])) as Array<{
    id: string;
    valid_from: Date;
    valid_until: Date | null;
    card_uid_hint: string | null;
  }>;
  await trx('badge_events').insert({ person_id: input.personId, badge_id: row!.id, kind: 'issued', actor: input.actor, actor_person_id: input.actorPersonId, other_live_badges: liveBefore });
  await appendJournal(trx, {
    actor: input.actor,
    action: 'badges.issued',
    subject: `badge:${row!.id}`,
    payload: {
      personId: input.personId,
      validUntil: row!.valid_until ? row!.valid_until.toISOString() : null,
      cardUidHint: row!.card_uid_hint,
      otherLiveBadges: liveBefore,
    },
  });
  return {
    id: row!.id,
    personId: input.personId,
    token,
    validFrom: row!.valid_from,
    validUntil: row!.valid_until,
    cardUidHint: row!.card_uid_hint,
  };
}

export interface BadgeRow {
  id: string;
  person_id: string;
  /** null until the holder sets the PIN. */
  pin_hash: string | null;
  pin_history: string[];
  issued_by: string | null;
  issued_by_person_id: string | null;
  pin_failures: number;
  pin_locked_until: Date | null;
  valid_from: Date;
  valid_until: Date | null;
  revoked_at: Date | null;
  revoked_reason: string | null;
}

/**
 * The presented badge, as SQL: by the token's digest, or by the card UID's MAC preferring the live
 * badge, else the latest one (to say why it is refused). One of the two digest expressions is
 * NULL, and a NULL digest matches nothing. A fragment owned here, used by findPresentedBadge and by
 * the door's facts statement alike: `tokenDigest` and `cardDigest` are SQL expressions, `columns`
 * the badge columns to select.
 */
export function presentedBadgeSql(tokenDigest: string, cardDigest: string, columns: string): string {
  return `(SELECT ${columns} FROM badges WHERE token_digest = ${tokenDigest} LIMIT 1)
        UNION ALL
        (SELECT ${columns} FROM badges WHERE card_uid_digest = ${cardDigest} ORDER BY revoked_at IS NULL DESC, created_at DESC LIMIT 1)
        LIMIT 1`;
}

/** The digests a presented value is looked up by: the token's, or the card UID's MAC (never both). */
export function presentedDigests(presented: string, badgeKey: Buffer): { token: string | null; card: string | null } | null {
  const value = presented.trim();
  if (!value || value.length > 512) return null;
  return looksLikeBadgeToken(value) ? { token: tokenDigest(value), card: null } : { token: null, card: cardUidDigest(value, badgeKey) };
}

/** Finds the badge a reader presented (token or card UID), live or not; null if unknown. */
export async function findPresentedBadge(app: AppContext, db: Knex, presented: string): Promise<BadgeRow | null> {
  const digests = presentedDigests(presented, app.secrets.badgeKey);
  if (!digests) return null;
  const { rows } = await db.raw(presentedBadgeSql('?::text', '?::text', '*'), [digests.token, digests.card]);
  return ((rows as BadgeRow[])[0] as BadgeRow | undefined) ?? null;
}

export type BadgeState = 'valid' | 'revoked' | 'expired' | 'not_yet_valid';

export function badgeState(badge: BadgeRow, now: Date): BadgeState {
  if (badge.revoked_at) return 'revoked';
  if (badge.valid_from > now) return 'not_yet_valid';
  if (badge.valid_until && badge.valid_until <= now) return 'expired';
  return 'valid';
}

/**
 * Scan-first forms (issue 14, item 3): whose badge was just scanned into a person field. Only a
 * badge that opens doors now names its holder; the PIN is still what proves the holder signs.
 */
export async function identifyBadge(app: AppContext, db: Knex, presented: string): Promise<{ badgeId: string; person: PersonFacts }> {
  const badge = await findPresentedBadge(app, db, presented);
  if (!badge) throw new NotFoundError('badge', 'This badge is not known.');
  const { rows } = await db.raw('SELECT now() AS now'); // the database's clock, one for every server
  const state = badgeState(badge, (rows as Array<{ now: Date }>)[0]!.now);
  if (state !== 'valid') throw new ConflictError(`badge_${state}`, `This badge is ${state.replace(/_/g, ' ')}.`);
  const person = await personFacts(db, badge.person_id);
  if (person.left_at) throw new ConflictError('person_left', 'The holder of this badge has left.');
  return { badgeId: badge.id, person };
}

export const REVOKE_REASONS = ['lost', 'returned', 'left', 'other'] as const;
export type RevokeReason = (typeof REVOKE_REASONS)[number];

/** Revokes every live badge of a person (E1.1: leaving revokes at once). Returns how many. */
export async function revokeBadgesOfPerson(trx: Knex, personId: string, reason: RevokeReason, actor: string): Promise<number> {
  const revoked = (await trx('badges')
    .where({ person_id: personId })
    .whereNull('revoked_at')
    .update({ revoked_at: trx.fn.now(), revoked_reason: reason }, ['id'])) as Array<{ id: string }>;
  for (const { id } of revoked) {
    await appendJournal(trx, { actor, action: 'badges.revoked', subject: `badge:${id}`, payload: { personId, reason } });
  }
  return revoked.length;
}

export interface PinCheckOptions {
  maxFailures: number;
  lockMinutes: number;
}

export type PinRefusal = 'unknown_badge' | 'badge_revoked' | 'badge_expired' | 'pin_not_set' | 'wrong_pin' | 'pin_locked' | 'pin_busy' | 'pin_change_required';

export type PinCheck = { ok: true; badge: BadgeRow } | { ok: false; reason: PinRefusal; badge: BadgeRow | null; retryAfterSeconds?: number };

export const pinCheckOptions = (app: AppContext): PinCheckOptions => ({ maxFailures: app.config.loginMaxFailures, lockMinutes: app.config.loginLockMinutes });

/** A reservation older than this no longer counts (its server stopped in the middle of a check). */
const INFLIGHT_STALE_SECONDS = 60;
/** How long a PIN check waits for the checks of the same badge under way before it gives up (423). */
const RESERVE_WAIT_MS = 10_000;

/** The checks under way of a badge row, not counting a reservation left by a server that stopped. */
const liveInflightSql = `CASE WHEN pin_inflight_at < now() - make_interval(secs => ${INFLIGHT_STALE_SECONDS}) THEN 0 ELSE pin_inflight END`;

/**
 * Reserves one PIN check for the badge *before* the PIN is checked, in one atomic statement
 * (security review, finding 2: checking the lock first and counting afterwards let 40 concurrent
 * requests all have their PIN checked where the limit is 5). `pin_failures` counts the attempts
 * since the last success — attempts under way included — so however many requests arrive at
 * once, at most LOGIN_MAX_FAILURES PINs are checked before the lock decides. A request beyond
 * that waits while checks of the same badge are under way (they may succeed and start the count
 * again: a double click with the right PIN passes), and is refused (423) once the badge locks.
 */
async function reservePinCheck(app: AppContext, badgeId: string, options: PinCheckOptions): Promise<{ reserved: true } | { reserved: false; lockedFor: number; busy: boolean }> {
  const knex = app.db.knex;
  const deadline = Date.now() + RESERVE_WAIT_MS;
  for (let pause = 10; ; pause = Math.min(pause * 2, 100)) {
    const { rows } = await knex.raw(
      `UPDATE badges
          SET pin_failures = pin_failures + 1, pin_inflight = ${liveInflightSql} + 1, pin_inflight_at = now()
        WHERE id = ? AND (pin_locked_until IS NULL OR pin_locked_until <= now()) AND pin_failures < ?
        RETURNING id`,
      [badgeId, options.maxFailures],
    );
    if ((rows as unknown[]).length > 0) return { reserved: true };
    const state = (await knex.raw(
      `SELECT CASE WHEN pin_locked_until > now() THEN greatest(1, ceil(extract(epoch FROM pin_locked_until - now())))::int END AS lock_seconds,
              ${liveInflightSql} AS inflight, pin_failures
         FROM badges WHERE id = ?`,
      [badgeId],
    )).rows[0] as { lock_seconds: number | null; inflight: number; pin_failures: number } | undefined;
    if (!state) return { reserved: false, lockedFor: 1, busy: true };
    if (state.lock_seconds) return { reserved: false, lockedFor: state.lock_seconds, busy: false };
    if (state.pin_failures >= options.maxFailures && Number(state.inflight) === 0) {
      // Every allowed attempt was used and none is under way to start the count again: lock now.
      await lockPin(knex, badgeId, state.pin_failures, options);
      continue;
    }
    if (Date.now() >= deadline) return { reserved: false, lockedFor: 2, busy: true };
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

/** Locks the badge's PIN for the configured time (journaled), unless a lock is already running. */
async function lockPin(knex: Knex, badgeId: string, attempts: number, options: PinCheckOptions): Promise<void> {
  await knex.transaction(async (trx) => {
    const locked = (await trx.raw(
      `UPDATE badges SET pin_failures = 0, pin_locked_until = now() + make_interval(mins => ?)
        WHERE id = ? AND (pin_locked_until IS NULL OR pin_locked_until <= now()) RETURNING id`,
      [options.lockMinutes, badgeId],
    )).rows as unknown[];
    if (locked.length > 0) {
      await appendJournal(trx, { actor: 'system:badges', action: 'badges.pin_locked', subject: `badge:${badgeId}`, payload: { failures: attempts, lockMinutes: options.lockMinutes } });
    }
  });
}

/**
 * Releases a reservation with the check's outcome. A right PIN starts the count again once no
 * other check of the badge is under way (until then its attempt stays counted); a wrong one leaves
 * its attempt counted, and the attempt that reaches the limit locks the badge (journaled).
 */
async function finishPinCheck(app: AppContext, badgeId: string, right: boolean, options: PinCheckOptions, upgradedHash: string | null): Promise<void> {
  const { rows } = await app.db.knex.raw(
    `UPDATE badges
        SET pin_inflight = greatest(${liveInflightSql} - 1, 0),
            pin_inflight_at = CASE WHEN greatest(${liveInflightSql} - 1, 0) = 0 THEN NULL ELSE pin_inflight_at END,
            pin_failures = CASE WHEN ? AND greatest(${liveInflightSql} - 1, 0) = 0 THEN 0 ELSE pin_failures END,
            pin_hash = coalesce(?, pin_hash)
      WHERE id = ?
      RETURNING pin_failures, coalesce(pin_locked_until > now(), false) AS locked`,
    [right, upgradedHash, badgeId],
  );
  const row = rows[0] as { pin_failures: number; locked: boolean } | undefined;
  if (!right && row && !row.locked && row.pin_failures >= options.maxFailures) await lockPin(app.db.knex, badgeId, row.pin_failures, options);
}

/**
 * Checks a badge and the PIN typed with it — a witness's signature, an administrator's second
 * factor, a confirmer's consent, or the holder proving it is them before changing the PIN.
 * Wrong PINs count toward a lockout like passwords (E3.11 i), each attempt reserved before it is
 * checked and committed in its own statement, so it sticks although the caller's request fails.
 * A right PIN shorter than today's minimum (set before the security review) answers
 * `pin_change_required`: it proves the holder, but signs nothing until it is changed.
 */
export async function checkBadgePin(app: AppContext, presented: string, pin: string, options: PinCheckOptions = pinCheckOptions(app), hashPriority = 0): Promise<PinCheck> {
  const knex = app.db.knex;
  const badge = await findPresentedBadge(app, knex, presented);
  if (!badge) return { ok: false, reason: 'unknown_badge', badge: null };
  const { rows } = await knex.raw('SELECT now() AS now');
  const state = badgeState(badge, (rows[0] as { now: Date }).now);
  if (state === 'revoked') return { ok: false, reason: 'badge_revoked', badge };
  if (state !== 'valid') return { ok: false, reason: 'badge_expired', badge };
  if (!badge.pin_hash) return { ok: false, reason: 'pin_not_set', badge };
  const reservation = await reservePinCheck(app, badge.id, options);
  if (!reservation.reserved) return { ok: false, reason: reservation.busy ? 'pin_busy' : 'pin_locked', badge, retryAfterSeconds: reservation.lockedFor };
  let verified: { ok: boolean; legacy: boolean } = { ok: false, legacy: false };
  let upgrade: string | null = null;
  try {
    // Something that is not a PIN at all is refused like a wrong one, and counted like one.
    if (PIN_INPUT.test(pin)) verified = await verifyPin(pin, badge.pin_hash, app.secrets.pinPepper, { priority: hashPriority });
    // A right PIN from before the pepper is re-hashed with it (if it meets today's rules).
    if (verified.ok && verified.legacy && pinViolations(pin, 'pin').length === 0) upgrade = await hashPin(pin, app.secrets.pinPepper, app.config.scryptCost);
  } catch (err) {
    // Not checked after all (the server was too busy): the attempt is given back.
    await app.db.knex.raw(
      `UPDATE badges SET pin_inflight = greatest(${liveInflightSql} - 1, 0), pin_failures = greatest(pin_failures - 1, 0),
              pin_inflight_at = CASE WHEN greatest(${liveInflightSql} - 1, 0) = 0 THEN NULL ELSE pin_inflight_at END
        WHERE id = ?`,
      [badge.id],
    );
    throw err;
  }
  await finishPinCheck(app, badge.id, verified.ok, options, upgrade);
  if (!verified.ok) return { ok: false, reason: 'wrong_pin', badge };
  if (pin.length < PIN_MIN_DIGITS) return { ok: false, reason: 'pin_change_required', badge };
  return { ok: true, badge };
}

/** Is this badge still live (not revoked, within its validity) at the database's now? */
export async function badgeIsLive(db: Knex, badgeId: string): Promise<boolean> {
  const row = await db('badges')
    .where({ id: badgeId })
    .whereNull('revoked_at')
    .where('valid_from', '<=', db.fn.now())
    .where((q) => q.whereNull('valid_until').orWhere('valid_until', '>', db.fn.now()))
    .first('id');
  return row !== undefined;
}

/**
 * What the holder has not been shown yet of others' doing with their badges (issuances, PIN sets
 * and resets), oldest first — shown at their next sign-in, then marked seen, in the sign-in's
 * transaction.
 */
export async function takeUnseenBadgeEvents(trx: Knex, personId: string): Promise<BadgeEventRow[]> {
  const rows = await unseenBadgeEvents(trx, personId);
  if (rows.length > 0) await trx('badge_events').whereIn('id', rows.map((r) => r.id)).update({ seen_at: trx.fn.now() });
  return rows;
}

/** Revokes one badge (lost, returned, left, other); 404 unknown, 409 already revoked. */
export async function revokeBadge(trx: Knex, badgeId: string, reason: RevokeReason, actor: string): Promise<void> {
  const current = (await trx('badges').where({ id: badgeId }).forUpdate().first()) as { revoked_at: Date | null; person_id: string } | undefined;
  if (!current) throw new NotFoundError('badge');
  if (current.revoked_at) throw new ConflictError('already_revoked', 'This badge is already revoked.');
  await trx('badges').where({ id: badgeId }).update({ revoked_at: trx.fn.now(), revoked_reason: reason });
  await appendJournal(trx, { actor, action: 'badges.revoked', subject: `badge:${badgeId}`, payload: { personId: current.person_id, reason } });
}

/** Printing a card is recorded: who printed which badge, when (in its own transaction). */
export async function recordCardPrinted(knex: Knex, badge: { id: string; person_id: string }, actor: string): Promise<void> {
  await knex.transaction((trx) => appendJournal(trx, { actor, action: 'badges.card_printed', subject: `badge:${badge.id}`, payload: { personId: badge.person_id } }));
}

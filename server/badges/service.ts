// Badges: issuing and recognising them. Routes, cards and revocation build on this.
import type { Knex } from 'knex';
import type { AppContext } from '../context.js';
import { appendJournal } from '../journal/journal.js';
import { hashSecret, verifySecret } from '../auth/secret-hash.js';
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
  pin: string;
  validUntil?: Date | null;
  cardUid?: string | null;
  actor: string;
}

export async function issueBadge(app: AppContext, trx: Knex, input: IssueBadgeInput): Promise<IssuedBadge> {
  const nonce = newBadgeNonce();
  const token = badgeTokenFor(nonce, app.secrets.badgeKey);
  const uid = input.cardUid ? normaliseCardUid(input.cardUid) : null;
  const [row] = (await trx('badges')
    .insert({
      person_id: input.personId,
      token_nonce: nonce,
      token_digest: tokenDigest(token),
      card_uid_digest: uid ? cardUidDigest(uid, app.secrets.badgeKey) : null,
      card_uid_hint: uid ? uid.slice(-4) : null,
      pin_hash: await hashSecret(input.pin, app.config.scryptCost),
      valid_from: trx.fn.now(),
      valid_until: input.validUntil ?? null,
    })
    .returning(['id', 'valid_from', 'valid_until', 'card_uid_hint'])) as Array<{
    id: string;
    valid_from: Date;
    valid_until: Date | null;
    card_uid_hint: string | null;
  }>;
  await appendJournal(trx, {
    actor: input.actor,
    action: 'badges.issued',
    subject: `badge:${row!.id}`,
    payload: {
      personId: input.personId,
      validUntil: row!.valid_until ? row!.valid_until.toISOString() : null,
      cardUidHint: row!.card_uid_hint,
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
  pin_hash: string;
  pin_failures: number;
  pin_locked_until: Date | null;
  valid_from: Date;
  valid_until: Date | null;
  revoked_at: Date | null;
  revoked_reason: string | null;
}

/** Finds the badge a reader presented (token or card UID), live or not; null if unknown. */
export async function findPresentedBadge(app: AppContext, db: Knex, presented: string): Promise<BadgeRow | null> {
  const value = presented.trim();
  if (!value || value.length > 512) return null;
  const query = db('badges');
  if (looksLikeBadgeToken(value)) {
    query.where('token_digest', tokenDigest(value));
  } else {
    // A card UID: prefer the live badge with it, else the latest one (to say why it is refused).
    query.where('card_uid_digest', cardUidDigest(value, app.secrets.badgeKey)).orderByRaw('revoked_at IS NULL DESC, created_at DESC');
  }
  const row = (await query.first()) as BadgeRow | undefined;
  return row ?? null;
}

export type BadgeState = 'valid' | 'revoked' | 'expired' | 'not_yet_valid';

export function badgeState(badge: BadgeRow, now: Date): BadgeState {
  if (badge.revoked_at) return 'revoked';
  if (badge.valid_from > now) return 'not_yet_valid';
  if (badge.valid_until && badge.valid_until <= now) return 'expired';
  return 'valid';
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

export type PinCheck =
  | { ok: true; badge: BadgeRow }
  | { ok: false; reason: 'unknown_badge' | 'badge_revoked' | 'badge_expired' | 'wrong_pin' | 'pin_locked'; badge: BadgeRow | null; retryAfterSeconds?: number };

/**
 * Checks a badge and the PIN typed with it (a witness's signature, issue "custody").
 * Wrong PINs count toward a lockout like passwords (E3.11 i); the counter is written in its own
 * transaction so it sticks although the caller's request fails.
 */
export async function checkBadgePin(app: AppContext, presented: string, pin: string, options: PinCheckOptions = { maxFailures: 5, lockMinutes: 15 }): Promise<PinCheck> {
  const knex = app.db.knex;
  const badge = await findPresentedBadge(app, knex, presented);
  if (!badge) return { ok: false, reason: 'unknown_badge', badge: null };
  const { rows } = await knex.raw('SELECT now() AS now, ceil(extract(epoch FROM pin_locked_until - now()))::int AS locked FROM badges WHERE id = ?', [badge.id]);
  const { now, locked } = rows[0] as { now: Date; locked: number | null };
  const state = badgeState(badge, now);
  if (state === 'revoked') return { ok: false, reason: 'badge_revoked', badge };
  if (state !== 'valid') return { ok: false, reason: 'badge_expired', badge };
  if (locked !== null && locked > 0) return { ok: false, reason: 'pin_locked', badge, retryAfterSeconds: locked };
  if (!(await verifySecret(pin, badge.pin_hash))) {
    await knex.transaction(async (trx) => {
      const [row] = (await trx('badges').where({ id: badge.id }).increment('pin_failures', 1).returning(['pin_failures'])) as Array<{ pin_failures: number }>;
      if (row && row.pin_failures >= options.maxFailures) {
        await trx('badges').where({ id: badge.id }).update({ pin_failures: 0, pin_locked_until: trx.raw('now() + make_interval(mins => ?)', [options.lockMinutes]) });
        await appendJournal(trx, { actor: 'system:badges', action: 'badges.pin_locked', subject: `badge:${badge.id}`, payload: { failures: row.pin_failures, lockMinutes: options.lockMinutes } });
      }
    });
    return { ok: false, reason: 'wrong_pin', badge };
  }
  if (badge.pin_failures > 0) await knex('badges').where({ id: badge.id }).update({ pin_failures: 0 });
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

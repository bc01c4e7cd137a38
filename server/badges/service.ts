// Badges: issuing and recognising them. Routes, cards and revocation build on this.
import type { Knex } from 'knex';
import type { AppContext } from '../context.js';
import { appendJournal } from '../journal/journal.js';
import { hashSecret } from '../auth/secret-hash.js';
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

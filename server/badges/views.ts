// How badges are shown: their JSON, and the words of the printed card.
import { toRfc3339, toRfc3339OrNull } from '../shared/time.js';
import type { BadgeListRow } from './badges.read-model.js';

export function badgeJson(row: BadgeListRow, tz: string) {
  const status = row.revoked_at ? 'revoked' : row.valid_until && row.valid_until <= row.now ? 'expired' : 'valid';
  return {
    id: row.id,
    personId: row.person_id,
    personName: row.person_name,
    validFrom: toRfc3339(row.valid_from, tz),
    validUntil: toRfc3339OrNull(row.valid_until, tz),
    cardUidHint: row.card_uid_hint,
    revokedAt: toRfc3339OrNull(row.revoked_at, tz),
    revokedReason: row.revoked_reason,
    status,
    pinSet: row.has_pin,
    pinSetAt: toRfc3339OrNull(row.pin_set_at, tz),
    pinSetHow: row.pin_set_how,
    createdAt: toRfc3339(row.created_at, tz),
  };
}

/** Roles as printed on the card, Japanese and English. */
export const ROLE_LABELS: Record<string, string> = {
  admin: '管理者 Administrator',
  responsible: '責任者 Responsible person',
  authorized: '権限者 Authorised person',
  staff: '担当者 Staff',
  guard: '受付・警備 Front desk',
  auditor: '監査担当 Auditor',
  visitor: '来訪者 Visitor',
};

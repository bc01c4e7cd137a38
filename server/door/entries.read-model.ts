// Read model: the entry log (E6.2) with room and person names (rooms and people modules): filters,
// keyset paging (newest first) and CSV for auditors. Writes nothing.
import type { Knex } from 'knex';
import { toRfc3339 } from '../shared/time.js';

export interface EntryFilters {
  roomId?: string | undefined;
  personId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  decision?: 'granted' | 'denied' | undefined;
}

export interface EntryRow {
  id: string;
  at: Date;
  room_id: string;
  room_name: string;
  person_id: string | null;
  person_name: string | null;
  org_name: string | null;
  badge_id: string | null;
  direction: 'in' | 'out';
  decision: 'granted' | 'denied';
  reason: string | null;
  presented_hint: string | null;
  flags: string[];
}

export function entriesQuery(db: Knex, f: EntryFilters) {
  const q = db('entries as e')
    .join('rooms as r', 'r.id', 'e.room_id')
    .leftJoin('people as p', 'p.id', 'e.person_id')
    .leftJoin('organisations as o', 'o.id', 'p.org_id')
    .select('e.id', 'e.at', 'e.room_id', 'r.name as room_name', 'e.person_id', 'p.name as person_name', 'o.name as org_name', 'e.badge_id', 'e.direction', 'e.decision', 'e.reason', 'e.presented_hint', 'e.flags')
    .orderBy([{ column: 'e.at', order: 'desc' }, { column: 'e.id', order: 'desc' }]);
  if (f.roomId) q.where('e.room_id', f.roomId);
  if (f.personId) q.where('e.person_id', f.personId);
  if (f.from) q.where('e.at', '>=', f.from);
  if (f.to) q.where('e.at', '<', f.to);
  if (f.decision) q.where('e.decision', f.decision);
  return q;
}

/** Rows strictly after the cursor (at, id) in newest-first order. */
export function afterCursor(q: Knex.QueryBuilder, at: Date, id: string) {
  return q.whereRaw('(e.at, e.id) < (?::timestamptz, ?::bigint)', [at.toISOString(), id]);
}

export function entryJson(row: EntryRow, tz: string) {
  return {
    id: String(row.id),
    at: toRfc3339(row.at, tz),
    roomId: row.room_id,
    roomName: row.room_name,
    person: row.person_id ? { id: row.person_id, name: row.person_name ?? '', orgName: row.org_name } : null,
    badgeId: row.badge_id,
    direction: row.direction,
    decision: row.decision,
    reason: row.reason,
    presentedHint: row.presented_hint,
    flags: row.flags,
  };
}

export const ENTRY_CSV_HEADERS = {
  en: ['Time', 'Room', 'Person', 'Organisation', 'Direction', 'Decision', 'Reason', 'Badge presented', 'Entry ID'],
  ja: ['日時', '部屋', '氏名', '所属', '入退', '判定', '理由', '提示された入館証', '記録ID'],
};

const WORDS = {
  en: { in: 'in', out: 'out', granted: 'granted', denied: 'denied' },
  ja: { in: '入室', out: '退室', granted: '許可', denied: '拒否' },
};

export const REASON_WORDS: Record<'en' | 'ja', Record<string, string>> = {
  en: {
    unknown_badge: 'unknown badge',
    badge_revoked: 'badge revoked',
    badge_expired: 'badge expired',
    not_on_access_list: 'not on the access list',
    outside_hours: 'outside opening hours',
    nda_missing: 'no valid NDA on file',
    training_missing: 'no training in the last 12 months',
    escort_required: 'visitor needs a host inside',
    already_inside: 'already inside',
    not_inside: 'not inside',
  },
  ja: {
    unknown_badge: '未登録の入館証',
    badge_revoked: '失効した入館証',
    badge_expired: '有効期限切れの入館証',
    not_on_access_list: '入室許可者ではありません',
    outside_hours: '利用時間外',
    nda_missing: '有効な秘密保持契約がありません',
    training_missing: '12か月以内の教育研修の記録がありません',
    escort_required: '来訪者には室内の同行者が必要です',
    already_inside: 'すでに入室しています',
    not_inside: '入室の記録がありません',
  },
};

export function entryCsvCells(row: EntryRow, tz: string, lang: 'en' | 'ja'): string[] {
  return [
    toRfc3339(row.at, tz),
    row.room_name,
    row.person_name ?? '',
    row.org_name ?? '',
    WORDS[lang][row.direction],
    WORDS[lang][row.decision],
    row.reason ? (REASON_WORDS[lang][row.reason] ?? row.reason) : '',
    row.presented_hint ?? '',
    String(row.id),
  ];
}

// Read model: the entry log (E6.2) with room and person names (rooms and people modules): filters,
// keyset paging (newest first) and CSV for auditors. Writes nothing.
import type { Knex } from 'knex';
import { csvTimeCells, csvWord, CSV_TIME_HEADERS, type CsvLang } from '../shared/csv.js';
import { toRfc3339 } from '../shared/time.js';

export interface EntryFilters {
  roomId?: string | undefined;
  personId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  decision?: 'granted' | 'denied' | undefined;
  reason?: string | undefined;
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
  if (f.reason) q.where('e.reason', f.reason);
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
  en: [...CSV_TIME_HEADERS.en, 'Room', 'Person', 'Organisation', 'Direction', 'Decision', 'Reason', 'Badge presented', 'Entry ID'],
  ja: [...CSV_TIME_HEADERS.ja, '部屋', '氏名', '所属', '入退', '判定', '理由', '提示された入館証', '記録ID'],
};

const DIRECTION_WORDS = { in: { ja: '入室', en: 'in' }, out: { ja: '退室', en: 'out' } };
const DECISION_WORDS = { granted: { ja: '許可', en: 'granted' }, denied: { ja: '拒否', en: 'denied' } };

/** Why a scan was refused, in words (the door's answer carries the code). */
export const REASON_WORDS: Record<string, { ja: string; en: string }> = {
  unknown_badge: { ja: '未登録の入館証', en: 'unknown badge' },
  badge_revoked: { ja: '失効した入館証', en: 'badge revoked' },
  badge_expired: { ja: '有効期限切れの入館証', en: 'badge expired' },
  not_on_access_list: { ja: '入室許可者ではありません', en: 'not on the access list' },
  outside_hours: { ja: '利用時間外', en: 'outside opening hours' },
  nda_missing: { ja: '有効な秘密保持契約がありません', en: 'no valid NDA on file' },
  training_missing: { ja: '12か月以内の教育研修の記録がありません', en: 'no training in the last 12 months' },
  escort_required: { ja: '来訪者には室内の同行者が必要です', en: 'visitor needs a host inside' },
  already_inside: { ja: 'すでに入室しています', en: 'already inside' },
  not_inside: { ja: '入室の記録がありません', en: 'not inside' },
};

export function entryCsvCells(row: EntryRow, tz: string, lang: CsvLang): string[] {
  return [
    ...csvTimeCells(row.at, tz),
    row.room_name,
    row.person_name ?? '',
    row.org_name ?? '',
    csvWord(row.direction, DIRECTION_WORDS, lang),
    csvWord(row.decision, DECISION_WORDS, lang),
    csvWord(row.reason, REASON_WORDS, lang),
    row.presented_hint ?? '',
    String(row.id),
  ];
}

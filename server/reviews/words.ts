// The words of the review's findings and dispositions, in Japanese and English, for the printout,
// the CSV and the notices (the screen has its own, web/assets/review-messages.js).
import type { FindingKind, Severity } from './rules.js';
import { REASON_WORDS } from '../door/entries.read-model.js';
import { displayDateTime } from '../shared/time.js';

export const FINDING_TITLES: Record<FindingKind, { ja: string; en: string }> = {
  denied_scans: { ja: '入室拒否', en: 'Denied scans' },
  probing: { ja: '短時間の連続拒否（試行の疑い）', en: 'Repeated denials in a short time (probing)' },
  unknown_badge: { ja: '未登録の入館証の提示', en: 'Unknown badge values presented' },
  anti_passback: { ja: 'アンチパスバックによる拒否', en: 'Anti-passback denials' },
  two_rooms: { ja: '同時に2室に在室（成りすましの疑い）', en: 'Inside two rooms at once (impersonation?)' },
  badge_two_rooms: { ja: '同じ入館証で短時間に別室へ入室（複製の疑い）', en: 'One badge let into two rooms within minutes (cloned?)' },
  outside_hours_presence: { ja: '利用時間外の在室', en: 'Presence outside opening hours' },
  long_stay: { ja: '長時間の在室（退室記録漏れの疑い）', en: 'Long stay (missing exit?)' },
  manual_exit: { ja: '係員による手動退室記録', en: 'Exit recorded by hand' },
  exit_holding_media: { ja: '媒体を持ったままの退室', en: 'Exit while holding media' },
  stale_presence_replaced: { ja: '退室記録のないままの再入室（時限アンチパスバック）', en: 'Re-entry with no exit recorded (timed anti-passback)' },
  failed_signins: { ja: 'サインイン失敗の集中', en: 'Burst of failed sign-ins' },
  lockout: { ja: 'アカウントのロック', en: 'Account locked' },
  new_address: { ja: '90日間使われていない接続元からのサインイン', en: 'Sign-in from an address not used in 90 days' },
  two_addresses: { ja: '同一アカウントの短時間の複数接続元', en: 'One account from two addresses within minutes' },
  signin_outside_hours: { ja: '業務時間外のサインイン', en: 'Sign-in outside working hours' },
  forbidden: { ja: '権限のない操作の試み（403）', en: 'Attempts refused for lack of permission (403)' },
  media_read: { ja: '責任者・権限者以外による媒体記録の閲覧（E2.10）', en: 'Media records read by others than responsible or authorised persons (E2.10)' },
  left_account_use: { ja: '退職・異動者のアカウント使用', en: 'Use of an account after its person left' },
  admin_change: { ja: '管理上の変更', en: 'Administrative change' },
  after_hours_media: { ja: '利用時間後の持出し中媒体（E1.2）', en: 'Media checked out after hours (E1.2)' },
  inspection_discrepancy: { ja: '点検での不一致（E4.1）', en: 'Inspection discrepancy (E4.1)' },
  open_transfer: { ja: '未完了の搬送', en: 'Transfer not yet received' },
  door_alarm: { ja: '扉の警報（E6.4）', en: 'Door alarm (E6.4)' },
};

export const SEVERITY_WORDS: Record<Severity, { ja: string; en: string }> = {
  alert: { ja: '要報告', en: 'Alert' },
  warning: { ja: '要確認', en: 'Warning' },
  info: { ja: '確認', en: 'Info' },
};

export const DISPOSITIONS = ['explained', 'reported', 'incident'] as const;
export type Disposition = (typeof DISPOSITIONS)[number];

export const DISPOSITION_WORDS: Record<Disposition, { ja: string; en: string }> = {
  explained: { ja: '説明済み（問題なし）', en: 'Explained' },
  reported: { ja: '預託者へ報告', en: 'Reported to the depositor' },
  incident: { ja: 'インシデント登録', en: 'Incident opened' },
};

/** The names of a finding's facts (../rules.ts), for the printout and the CSV. */
const FACT_WORDS: Record<string, { ja: string; en: string }> = {
  person: { ja: '氏名', en: 'person' },
  username: { ja: 'ユーザー名', en: 'user name' },
  reason: { ja: '理由', en: 'reason' },
  count: { ja: '件数', en: 'count' },
  rooms: { ja: '部屋', en: 'rooms' },
  room: { ja: '部屋', en: 'room' },
  otherRoom: { ja: '別の部屋', en: 'other room' },
  hint: { ja: '読み取り値（末尾）', en: 'value read (end)' },
  minutes: { ja: '判定の時間幅（分）', en: 'window (minutes)' },
  seconds: { ja: '間隔（秒）', en: 'seconds apart' },
  in: { ja: '入室', en: 'in' },
  out: { ja: '退室', en: 'out' },
  hours: { ja: '時間', en: 'hours' },
  stillInside: { ja: '在室中', en: 'still inside' },
  addresses: { ja: '接続元', en: 'addresses' },
  address: { ja: '接続元', en: 'address' },
  roles: { ja: '役割', en: 'roles' },
  paths: { ja: '要求', en: 'requests' },
  action: { ja: '操作', en: 'action' },
  subject: { ja: '対象', en: 'subject' },
  actor: { ja: '実行者', en: 'by' },
  labels: { ja: '媒体', en: 'media' },
  detail: { ja: '内容', en: 'detail' },
  alarm: { ja: '警報', en: 'alarm' },
  door: { ja: '扉', en: 'door' },
};

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/**
 * A finding's facts in words: named in the language, times on the site's clock, reasons in words
 * (the codes stay in the JSON). `lang` null: the codes as they are (the CSV without ?lang=).
 */
export function factsInWords(facts: Record<string, string | number | null>, lang: 'ja' | 'en' | null, timeZone: string): string {
  const sep = lang === 'ja' ? '・' : '; ';
  return Object.entries(facts)
    .filter(([, v]) => v !== null && v !== '')
    .map(([k, v]) => {
      let value = String(v);
      if (ISO_INSTANT.test(value)) value = displayDateTime(new Date(value), timeZone);
      if (lang && k === 'reason') value = REASON_WORDS[value]?.[lang] ?? value;
      if (lang && k === 'stillInside') value = v === 1 ? (lang === 'ja' ? 'はい' : 'yes') : lang === 'ja' ? 'いいえ' : 'no';
      const name = lang ? (FACT_WORDS[k]?.[lang] ?? k) : k;
      return lang ? `${name}: ${value}` : `${k}=${value}`;
    })
    .join(sep);
}

// The words of the compliance view in Japanese and English: statuses, kinds, and each reason of
// ./rules.ts with its facts filled in (for the JSON, the CSV and a screen to come).
import type { Reason, Status } from './rules.js';
import type { ClauseKind } from './clauses.js';

export const STATUS_WORDS: Record<Status, { ja: string; en: string }> = {
  ok: { ja: '適合', en: 'OK' },
  attention: { ja: '要対応', en: 'Needs attention' },
  missing: { ja: '記録なし', en: 'Missing' },
  manual: { ja: '要表明', en: 'Manual' },
  unknown: { ja: '判定不能', en: 'Unknown' },
};

export const KIND_WORDS: Record<ClauseKind, { ja: string; en: string }> = {
  SYS: { ja: 'システム', en: 'System' },
  REC: { ja: '記録', en: 'Record' },
  OUT: { ja: '対象外（表明）', en: 'Out of scope (attested)' },
};

const ROLE_WORDS: Record<string, { ja: string; en: string }> = { responsible: { ja: '責任者', en: 'responsible person' }, staff: { ja: '担当者', en: 'staff member' } };
const role = (r: string | number | undefined) => ROLE_WORDS[String(r)] ?? { ja: String(r), en: String(r) };

type P = Record<string, string | number>;
const REASONS: Record<string, (p: P) => { ja: string; en: string }> = {
  facts_unavailable: (p) => ({ ja: `根拠を読めませんでした（${p.error}）`, en: `The evidence could not be read (${p.error})` }),
  rule_failed: (p) => ({ ja: `判定できませんでした（${p.error}）`, en: `The rule could not decide (${p.error})` }),
  // E1.1
  no_depositor: () => ({ ja: '預託元が登録されていません', en: 'No depositor is registered' }),
  not_appointed: (p) => ({ ja: `${p.depositor}: ${role(p.role).ja}が選任されていません`, en: `${p.depositor}: no ${role(p.role).en} appointed` }),
  appointee_left: (p) => ({ ja: `${p.depositor}: ${role(p.role).ja} ${p.person} は退職・異動済みです`, en: `${p.depositor}: the ${role(p.role).en} ${p.person} has left` }),
  role_not_held: (p) => ({ ja: `${p.depositor}: ${p.person} は${role(p.role).ja}の役割を持っていません`, en: `${p.depositor}: ${p.person} no longer holds the ${role(p.role).en} role` }),
  no_interview: (p) => ({ ja: `${p.depositor}: ${role(p.role).ja} ${p.person} の面談記録がありません`, en: `${p.depositor}: no interview recorded for the ${role(p.role).en} ${p.person}` }),
  leave_not_noticed: (p) => ({ ja: `${p.depositor}: ${p.person} の退職・異動が連絡されていません`, en: `${p.depositor}: the leave of ${p.person} was not reported` }),
  notice_failed: (p) => ({ ja: `${p.depositor}: ${p.person} の退職・異動の通知メールが送れませんでした`, en: `${p.depositor}: the notice of ${p.person}'s leave could not be delivered` }),
  notice_not_delivered: (p) => ({ ja: `${p.depositor}: ${p.person} の退職・異動の通知メールが未送信です`, en: `${p.depositor}: the notice of ${p.person}'s leave has not been delivered` }),
  appointed_and_interviewed: (p) => ({ ja: `${p.depositors} 社の責任者・担当者が選任され面談済みです`, en: `Responsible person and staff member appointed and interviewed for ${p.depositors} depositor(s)` }),
  // E1.2
  held_outside_hours: (p) => ({ ja: `時間外に持出し中の媒体 ${p.count} 件（${p.labels}）`, en: `${p.count} medium/media checked out outside working hours (${p.labels})` }),
  alerts_unacknowledged: (p) => ({ ja: `未確認の時間外アラート ${p.count} 件（${p.labels}）`, en: `${p.count} after-hours alert(s) not acknowledged (${p.labels})` }),
  all_locked: () => ({ ja: '時間外に持出し中の媒体はなく、アラートはすべて確認済みです', en: 'No medium is out after hours; every alert is acknowledged' }),
  // E2.12, E2.13
  no_backup: () => ({ ja: 'バックアップの記録がありません', en: 'No backup recorded' }),
  backup_failed: (p) => ({ ja: `直近のバックアップが失敗しました（${p.error}）`, en: `The latest backup failed (${p.error})` }),
  backup_old: (p) => ({ ja: `最後のバックアップから ${p.hours} 時間経過（上限 ${p.max} 時間）`, en: `The last backup is ${p.hours} hours old (at most ${p.max})` }),
  backup_recent: (p) => ({ ja: `最後のバックアップは ${p.hours} 時間前です`, en: `The last backup is ${p.hours} hour(s) old` }),
  medium_location_missing: () => ({ ja: 'バックアップ媒体の保管場所が記録されていません', en: 'Where the backup medium is kept is not recorded' }),
  taken_by_missing: () => ({ ja: 'バックアップの実施者が記録されていません', en: 'Who took the backup is not recorded' }),
  backup_recorded: (p) => ({ ja: `実施者 ${p.takenBy}、保管場所 ${p.location}`, en: `Taken by ${p.takenBy}, medium kept in ${p.location}` }),
  // E2.15
  retention_short: (p) => ({ ja: `アクセスログの保管期間が ${p.months} か月です（${p.min} か月以上必要）`, en: `Access-log retention is ${p.months} month(s) (at least ${p.min})` }),
  no_rows_today: () => ({ ja: '本日のアクセスログがありません', en: 'The access log has no rows for today' }),
  access_logged: (p) => ({ ja: `アクセスを記録中（保管 ${p.months} か月、本日 ${p.rows} 件）`, en: `Access logged (kept ${p.months} months; ${p.rows} row(s) today)` }),
  // E3.6, E3.11
  idle_too_long: (p) => ({ ja: `無操作の切断が ${p.seconds} 秒です（300 秒以下）`, en: `Idle sign-out after ${p.seconds} s (at most 300)` }),
  idle_enforced: (p) => ({ ja: `${p.seconds} 秒の無操作でセッションを終了します`, en: `Sessions end after ${p.seconds} s idle` }),
  password_age_long: (p) => ({ ja: `パスワードの有効期間が ${p.days} 日です（毎月変更）`, en: `Passwords expire after ${p.days} days (monthly required)` }),
  no_lockout: () => ({ ja: '失敗回数によるロックが設定されていません', en: 'No lockout after failed attempts' }),
  policy_enforced: (p) => ({ ja: `パスワード規則を設定・変更ごとに適用（有効 ${p.days} 日、${p.failures} 回の失敗でロック）`, en: `Password rules enforced on every change (expire after ${p.days} days, lock after ${p.failures} failures)` }),
  // E4.1
  no_locations: () => ({ ja: '保管場所が登録されていません', en: 'No storage location is registered' }),
  not_inspected: (p) => ({ ja: `${p.month} に未点検の保管場所 ${p.count} か所（${p.locations}）`, en: `${p.count} location(s) not inspected for ${p.month} (${p.locations})` }),
  all_inspected: (p) => ({ ja: `全 ${p.count} か所を点検済み（${p.months}）`, en: `All ${p.count} location(s) inspected (${p.months})` }),
  // E4.2
  review_signed: (p) => ({ ja: `${p.week} の週次点検は承認済みです`, en: `The review of ${p.week} is signed` }),
  review_not_signed: (p) => ({ ja: `${p.week} の週次点検が承認されていません`, en: `The review of ${p.week} is not signed` }),
  reviews_overdue: (p) => ({ ja: `期限を過ぎた週次点検: ${p.weeks}`, en: `Reviews overdue: ${p.weeks}` }),
  no_full_week: (p) => ({ ja: `${p.week} は運用開始前のため点検対象がありません`, en: `The site began after ${p.week}: no full week to review yet` }),
  // E5
  no_training: () => ({ ja: '教育研修の記録がありません', en: 'No training recorded' }),
  untrained: (p) => ({ ja: `12か月以内の研修記録がない入室許可者 ${p.count} 名（${p.people}）`, en: `${p.count} person(s) on an access list without a training in 12 months (${p.people})` }),
  all_trained: (p) => ({ ja: `入室許可者 ${p.count} 名全員が12か月以内に受講済み`, en: `All ${p.count} person(s) on access lists trained within 12 months` }),
  topics_missing: (p) => ({ ja: `${p.person}: 12か月以内の研修で扱われていない事項 ${p.topics}`, en: `${p.person}: topics not covered within 12 months: ${p.topics}` }),
  topics_covered: (p) => ({ ja: `入室許可者 ${p.count} 名全員が a〜f の事項を受講済み`, en: `All ${p.count} person(s) covered topics a–f` }),
  // E8, M6.3
  consent_missing: (p) => ({ ja: `承諾のない再委託先に有効な入館証 ${p.count} 社（${p.orgs}）`, en: `${p.count} subcontractor(s) with live badges and no valid consent (${p.orgs})` }),
  no_subcontractor_badges: () => ({ ja: '入館証を持つ再委託先はありません', en: 'No subcontractor holds a live badge' }),
  consents_valid: (p) => ({ ja: `入館証を持つ再委託先 ${p.count} 社すべてに有効な承諾があります`, en: `All ${p.count} subcontractor(s) with badges have a valid consent` }),
  nda_missing: (p) => ({ ja: `有効な秘密保持契約のない外部者 ${p.count} 名（${p.people}）`, en: `${p.count} external person(s) without a valid NDA (${p.people})` }),
  no_externals: () => ({ ja: '機密室に入れる外部者はいません', en: 'No external person can enter a secure room' }),
  ndas_valid: (p) => ({ ja: `機密室に入れる外部者 ${p.count} 名すべてに有効な秘密保持契約があります`, en: `All ${p.count} external person(s) have a valid NDA` }),
  // E9
  no_fire_manager: () => ({ ja: '防火管理者が選任されていません', en: 'No fire-prevention manager appointed' }),
  no_fire_drill: () => ({ ja: '火災訓練の記録がありません', en: 'No fire drill recorded' }),
  fire_drill_old: (p) => ({ ja: `最後の火災訓練から ${p.days} 日経過（12か月以内に必要）`, en: `The last fire drill was ${p.days} days ago (within 12 months required)` }),
  fire_ready: (p) => ({ ja: `防火管理者 ${p.manager}、12か月以内に火災訓練を実施`, en: `Fire-prevention manager ${p.manager}; a fire drill within 12 months` }),
  no_migration_drill: () => ({ ja: '移行訓練（リストア訓練）の記録がありません', en: 'No migration (restore) drill recorded' }),
  migration_drill_old: (p) => ({ ja: `最後の移行訓練から ${p.days} 日経過（12か月以内に必要）`, en: `The last migration drill was ${p.days} days ago (within 12 months required)` }),
  restore_drill_failed: () => ({ ja: '直近のリストア訓練が失敗しました', en: 'The latest restore drill failed' }),
  migration_drilled: (p) => ({ ja: p.kind === 'restore_drill' ? '12か月以内にリストア訓練を実施' : '12か月以内に移行訓練を実施', en: p.kind === 'restore_drill' ? 'A verified restore drill within 12 months' : 'A migration drill within 12 months' }),
  // E6.4 (issue 20): doors that lock
  no_doors: () => ({ ja: '扉の制御装置が登録されていないため、手動の表明で判断します', en: 'No door controller is registered: decided by an attestation' }),
  door_alarms_open: (p) => ({ ja: `未確認の扉の警報 ${p.count} 件（${p.labels}）`, en: `${p.count} door alarm(s) not acknowledged (${p.labels})` }),
  doors_offline: (p) => ({ ja: `応答のない扉 ${p.count} 件（${p.labels}）`, en: `${p.count} door(s) not reporting (${p.labels})` }),
  doors_report: (p) => ({ ja: `扉 ${p.doors} 件がすべて応答し、未確認の警報はありません`, en: `All ${p.doors} door(s) report and no door alarm is open` }),
  // Attestations, enforced
  attestation_needed: () => ({ ja: '責任者による遵守の表明が必要です', en: 'Needs an attestation by the responsible person' }),
  attestation_expired: (p) => ({ ja: `表明（${p.by}）の有効期限が切れています`, en: `The attestation (by ${p.by}) has expired` }),
  attested: (p) => ({ ja: `${p.by} が遵守を表明しています`, en: `Attested by ${p.by}` }),
  enforced: () => ({ ja: 'システムが常に強制しています', en: 'Enforced by the system at every request' }),
};

/** A reason in both languages. */
export function reasonWords(r: Reason): { ja: string; en: string } {
  return REASONS[r.code]?.(r.params) ?? { ja: r.code, en: r.code };
}

/** The codes every reason may have (for the tests: each has words). */
export const REASON_CODES = Object.keys(REASONS);

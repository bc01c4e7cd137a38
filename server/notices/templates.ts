// The words of each notice, in Japanese and English, chosen by the recipient's language. Plain
// text: every mail client shows it, and it is what the outbox page shows. A notice names only its
// own recipient's organisation and what concerns it — never another depositor, their media or
// their people (the caller gives each recipient only their own facts).
import type { NoticeKind, NoticeLang } from './rules.js';
import { oneLine } from './rules.js';
import { displayDate } from '../shared/time.js';

/** The site's names; a notice names it in the recipient's language. */
export interface SiteNames {
  ja: string;
  en: string;
}

export interface PersonnelChangeFacts {
  siteName: SiteNames;
  personName: string;
  orgName: string;
  reason: 'resigned' | 'transferred';
  effectiveAt: string;
  revokedBadges: number;
  removedRoomAccess: number;
  roles: string[];
  /**
   * Set when only an appointment for this depositor ended (選任の終了 with the reason resigned or
   * transferred): the notice says so instead of counting revoked badges (E1.1).
   */
  appointmentRole?: string;
}

export interface AfterHoursFacts {
  siteName: SiteNames;
  media: Array<{ label: string; roomName: string; holderName: string | null }>;
}

/** A finding of the weekly review marked as reported (E4.2), in words the review gives in both languages. */
export interface WeeklyReviewFacts {
  siteName: SiteNames;
  week: string;
  period: string;
  title: { ja: string; en: string };
  detail: { ja: string; en: string };
  comment: string;
}

/** A backup that did not complete (E2.12: the daily backup is the site's duty). */
export interface BackupFailedFacts {
  siteName: SiteNames;
  kind: 'scheduled' | 'manual' | 'command';
  day: string | null;
  server: string;
  dir: string;
  error: string;
}

/** A witness refused a checkpoint of the journal as a fork or a rollback (issue 19). */
export interface LogAlarmFacts {
  siteName: SiteNames;
  witness: string;
  /** When the witness refused, as the site writes times. */
  at: string;
  message: string;
}

/** A door alarm (issue 20, E6.4): forced, held open, offline, repeated denials, a person left alone. */
export interface DoorAlarmFacts {
  siteName: SiteNames;
  door: 'door';
  alarmKind: 'forced' | 'held_open' | 'offline' | 'repeated_denials' | 'lone_person';
  doorName: string | null;
  roomName: string;
  /** When it was raised, as the site writes times. */
  at: string;
}

const DOOR_ALARM_WORDS: Record<DoorAlarmFacts['alarmKind'], { ja: string; en: string }> = {
  forced: { ja: '扉のこじ開け（許可なく開扉）', en: 'door forced open' },
  held_open: { ja: '扉の開放時間超過', en: 'door held open' },
  offline: { ja: '扉の制御装置が応答なし', en: 'door controller offline' },
  repeated_denials: { ja: '入室拒否の繰り返し', en: 'repeated denials' },
  lone_person: { ja: '二人制の部屋に一人だけ在室', en: 'one person left alone in a two-person room' },
};

/**
 * The journal's log started a new epoch (issue 19, item 6a: `tachiai new-epoch` after an old
 * backup was restored as the live system): the depositor's witnesses must follow the new origin.
 */
export interface LogEpochFacts {
  siteName: SiteNames;
  epoch: number;
  origin: string;
  previousOrigin: string;
  /** The old origin's last known checkpoint size, or null. */
  previousSize: number | null;
  /** The journal's size when the epoch started (its first entry). */
  startedSeq: number;
  /** The new origin's verifier key (the witnesses' --log). */
  vkey: string;
  at: string;
}

export type NoticeFacts =
  | { kind: 'alarm'; facts: LogAlarmFacts | LogEpochFacts | DoorAlarmFacts }
  | { kind: 'personnel_change'; facts: PersonnelChangeFacts }
  | { kind: 'after_hours'; facts: AfterHoursFacts }
  | { kind: 'weekly_review'; facts: WeeklyReviewFacts }
  | { kind: 'backup_failed'; facts: BackupFailedFacts };

export interface RenderedNotice {
  subject: string;
  text: string;
}

const ROLE_WORDS: Record<string, { ja: string; en: string }> = {
  admin: { ja: 'システム管理者', en: 'administrator' },
  responsible: { ja: '責任者', en: 'responsible person' },
  authorized: { ja: '権限者', en: 'authorised person' },
  staff: { ja: '担当者', en: 'staff' },
  guard: { ja: '警備員', en: 'guard' },
  auditor: { ja: '監査人', en: 'auditor' },
  visitor: { ja: '来訪者', en: 'visitor' },
};

const FOOTER = {
  ja: (site: string) => `\n—\nこのメールは${site}の立会い（Tachiai）から自動で送信されています。返信されても届きません。`,
  en: (site: string) => `\n—\nSent automatically by Tachiai at ${site}. Replies are not read.`,
};

function roles(list: string[], lang: NoticeLang): string {
  return list.map((r) => ROLE_WORDS[r]?.[lang] ?? r).join(lang === 'ja' ? '、' : ', ');
}

export function renderNotice(notice: NoticeFacts, lang: NoticeLang): RenderedNotice {
  switch (notice.kind) {
    case 'personnel_change': {
      const f = notice.facts;
      const rendered =
        lang === 'ja'
          ? {
              subject: `【立会い】担当者の${f.reason === 'resigned' ? '退職' : '異動'}のお知らせ（${f.personName}）`,
              text: [
                `${f.siteName.ja}からのお知らせです。`,
                '',
                `貴社の預託情報を取り扱った次の者が${f.reason === 'resigned' ? '退職' : '異動'}しました（E1.1 に基づき直ちにご連絡します）。`,
                '',
                `氏名：${f.personName}`,
                `所属：${f.orgName}`,
                `役割：${roles(f.roles, 'ja')}`,
                `発効日時：${f.effectiveAt}`,
                '',
                f.appointmentRole
                  ? `これに伴い、貴社の預託情報に係る${roles([f.appointmentRole], 'ja')}としての選任を終了しました。後任の選任と面談は改めてご連絡します。`
                  : `同時に、入館証 ${f.revokedBadges} 枚と入室許可 ${f.removedRoomAccess} 件を取り消し、サインインを停止しました。`,
              ].join('\n') + FOOTER.ja(f.siteName.ja),
            }
          : {
              subject: `[Tachiai] ${f.reason === 'resigned' ? 'Resignation' : 'Transfer'} of a person handling your information (${f.personName})`,
              text: [
                `A notice from ${f.siteName.en}.`,
                '',
                `The following person, who handled information you entrusted to us, has ${f.reason === 'resigned' ? 'resigned' : 'been transferred'} (reported at once under E1.1).`,
                '',
                `Name: ${f.personName}`,
                `Organisation: ${f.orgName}`,
                `Roles: ${roles(f.roles, 'en')}`,
                `Effective: ${f.effectiveAt}`,
                '',
                f.appointmentRole
                  ? `Their appointment as ${roles([f.appointmentRole], 'en')} for your information has therefore ended. We will tell you of the successor and their interview.`
                  : `At the same time, ${f.revokedBadges} badge(s) and ${f.removedRoomAccess} room access grant(s) were revoked and their sign-in was stopped.`,
              ].join('\n') + FOOTER.en(f.siteName.en),
            };
      return { subject: oneLine(rendered.subject), text: rendered.text };
    }
    case 'weekly_review': {
      const f = notice.facts;
      const rendered =
        lang === 'ja'
          ? {
              subject: `【立会い】週次アクセス記録点検のご報告（${f.week}）：${f.title.ja}`,
              text: [`${f.siteName.ja}からのご報告です（E4.2）。`, '', `点検期間：${f.period}`, `点検結果：${f.title.ja}`, `内容：${f.detail.ja}`, ...(f.comment ? ['', `責任者のコメント：${f.comment}`] : [])].join('\n') + FOOTER.ja(f.siteName.ja),
            }
          : {
              subject: `[Tachiai] Weekly access review report (${f.week}): ${f.title.en}`,
              text: [`A report from ${f.siteName.en} (E4.2).`, '', `Period: ${f.period}`, `Finding: ${f.title.en}`, `Details: ${f.detail.en}`, ...(f.comment ? ['', `The responsible person's comment: ${f.comment}`] : [])].join('\n') + FOOTER.en(f.siteName.en),
            };
      return { subject: oneLine(rendered.subject), text: rendered.text };
    }
    case 'alarm': {
      if ('door' in notice.facts) {
        const d = notice.facts;
        const what = DOOR_ALARM_WORDS[d.alarmKind];
        const where = d.doorName ? `${d.roomName} / ${d.doorName}` : d.roomName;
        const door =
          lang === 'ja'
            ? {
                subject: `【立会い】警報：${what.ja}（${where}）`,
                text: [`${d.siteName.ja}からの警報です。`, '', `${where}で「${what.ja}」が発生しました（${d.at}）。預託情報を扱う部屋は常に施錠管理します（E6.4）。直ちに確認し、受付画面で警報を確認済みにしてください。`].join('\n') + FOOTER.ja(d.siteName.ja),
              }
            : {
                subject: `[Tachiai] ALARM: ${what.en} (${where})`,
                text: [`An alarm from ${d.siteName.en}.`, '', `${where}: ${what.en} (${d.at}). Rooms handling entrusted information stay locked (E6.4). Please look into it at once and acknowledge the alarm on the front desk.`].join('\n') + FOOTER.en(d.siteName.en),
              };
        return { subject: oneLine(door.subject), text: door.text };
      }
      if ('epoch' in notice.facts) {
        const e = notice.facts;
        const lost = e.previousSize === null ? null : e.previousSize - (e.startedSeq - 1);
        const r =
          lang === 'ja'
            ? {
                subject: `【立会い】重要：改ざん検知記録（ジャーナル）の新しいエポック（${e.origin}）`,
                text: [
                  `${e.siteName.ja}からの重要なお知らせです。`,
                  '',
                  `バックアップから復元したシステムを本番として使用したため（E9.2）、ジャーナルの透明性ログを新しいオリジン ${e.origin}（エポック ${e.epoch}）で開始しました（${e.at}）。旧オリジン ${e.previousOrigin} への署名は終了しました。`,
                  e.previousSize === null ? '旧オリジンの最後のチェックポイントは記録されていません。' : `旧オリジンの最後のチェックポイントは ${e.previousSize} 件でした。新しいエポックはジャーナルの ${e.startedSeq - 1} 件の後に始まります${lost !== null && lost > 0 ? `（${lost} 件が復元で失われた可能性があります）` : ''}。`,
                  '',
                  `検証者（ウィットネス）に新しいログの検証鍵を追加してください：`,
                  e.vkey,
                ].join('\n') + FOOTER.ja(e.siteName.ja),
              }
            : {
                subject: `[Tachiai] Important: the journal's log started a new epoch (${e.origin})`,
                text: [
                  `An important notice from ${e.siteName.en}.`,
                  '',
                  `A system restored from a backup was made the live system (E9.2), so the journal's transparency log started a new origin, ${e.origin} (epoch ${e.epoch}), at ${e.at}. The old origin ${e.previousOrigin} is signed no more.`,
                  e.previousSize === null ? 'No last checkpoint of the old origin is recorded.' : `The old origin's last checkpoint had ${e.previousSize} entries; the new epoch starts after entry ${e.startedSeq - 1} of the journal${lost !== null && lost > 0 ? ` (${lost} entries may have been lost by the restore)` : ''}.`,
                  '',
                  'Please add the new log\'s verifier key to your witness:',
                  e.vkey,
                ].join('\n') + FOOTER.en(e.siteName.en),
              };
        return { subject: oneLine(r.subject), text: r.text };
      }
      const f = notice.facts;
      const rendered =
        lang === 'ja'
          ? {
              subject: `【立会い】警報：改ざん検知記録（ジャーナル）の検証者が記録を拒否しました`,
              text: [`${f.siteName.ja}からの警報です。`, '', `検証者（ウィットネス）${f.witness} が、ジャーナルのチェックポイントを、以前に確認した記録と矛盾するとして拒否しました（${f.at}）。記録の書き換えまたは巻き戻しのおそれがあります。直ちに確認してください。`, '', `内容：${f.message}`].join('\n') + FOOTER.ja(f.siteName.ja),
            }
          : {
              subject: `[Tachiai] ALARM: a witness refused the journal's checkpoint`,
              text: [`An alarm from ${f.siteName.en}.`, '', `The witness ${f.witness} refused a checkpoint of the tamper-evident journal as inconsistent with what it had cosigned (${f.at}): the journal may have been rewritten or rolled back. Please look into it at once.`, '', `Details: ${f.message}`].join('\n') + FOOTER.en(f.siteName.en),
            };
      return { subject: oneLine(rendered.subject), text: rendered.text };
    }
    case 'after_hours': {
      const f = notice.facts;
      const lines = f.media.map((m) => (lang === 'ja' ? `・${m.label}（${m.roomName}、持出し者：${m.holderName ?? '不明'}）` : `- ${m.label} (${m.roomName}, held by ${m.holderName ?? 'unknown'})`));
      const rendered =
        lang === 'ja'
          ? {
              subject: `【立会い】利用時間後も持出し中の媒体が ${f.media.length} 件あります`,
              text: [`${f.siteName.ja}からのお知らせです。`, '', '次の媒体が、保管場所のある部屋の利用時間を過ぎても持ち出されたままです（E1.2）。確認してください。', '', ...lines].join('\n') + FOOTER.ja(f.siteName.ja),
            }
          : {
              subject: `[Tachiai] ${f.media.length} medium/media still checked out after hours`,
              text: [`A notice from ${f.siteName.en}.`, '', 'These media are still checked out after their room\'s opening hours (E1.2). Please check.', '', ...lines].join('\n') + FOOTER.en(f.siteName.en),
            };
      return { subject: oneLine(rendered.subject), text: rendered.text };
    }
    case 'backup_failed': {
      const f = notice.facts;
      // The site day, written as every date is (2026/12/11（金）).
      const day = f.day ? displayDate(new Date(`${f.day}T12:00:00Z`), 'UTC', lang) : null;
      const what = lang === 'ja' ? (day ? `${day}の定時バックアップ` : '手動バックアップ') : day ? `the scheduled backup of ${day}` : 'a manual backup';
      const rendered =
        lang === 'ja'
          ? {
              subject: `【立会い】${what}に失敗しました`,
              text: [`${f.siteName.ja}からのお知らせです。`, '', `${what}が完了しませんでした（E2.12）。原因を取り除き、権限者がバックアップを取得してください。`, '', `理由：${f.error}`, `サーバー：${f.server}`, `保存先：${f.dir}`].join('\n') + FOOTER.ja(f.siteName.ja),
            }
          : {
              subject: `[Tachiai] ${what[0]!.toUpperCase()}${what.slice(1)} failed`,
              text: [`A notice from ${f.siteName.en}.`, '', `${what[0]!.toUpperCase()}${what.slice(1)} did not complete (E2.12). Remove the cause, then have an authorised person take a backup.`, '', `Reason: ${f.error}`, `Server: ${f.server}`, `Directory: ${f.dir}`].join('\n') + FOOTER.en(f.siteName.en),
            };
      return { subject: oneLine(rendered.subject), text: rendered.text };
    }
  }
}

/** The kind of a set of facts (for the outbox row). */
export function kindOf(notice: NoticeFacts): NoticeKind {
  return notice.kind;
}

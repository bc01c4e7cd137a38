// Which notices exist, who may receive them, and how often a failed one is tried again (issue 15).
// Plain facts and functions, unit-tested in test/unit/notice-rules.test.ts.

/**
 * The kinds of notice. A contact person of an organisation receives the kinds on their contact
 * record; the site's own people receive the kinds of their roles (ROLE_NOTICES).
 * - personnel_change: a person who handled the depositor's information left or moved (E1.1 「直ちに連絡」);
 * - after_hours: media still checked out after their room's hours (E1.2);
 * - backup_failed: a backup did not complete;
 * - weekly_review: the weekly access review found something to report (E4.2);
 * - alarm: a door or system alarm.
 */
export const NOTICE_KINDS = ['personnel_change', 'after_hours', 'backup_failed', 'weekly_review', 'alarm'] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/** What an organisation's contact person can be sent (the site's internal notices go to roles). */
export const CONTACT_NOTICE_KINDS = ['personnel_change', 'weekly_review', 'alarm'] as const satisfies readonly NoticeKind[];

/** The site's people receive these kinds by role (when they have an e-mail address on file). */
export const ROLE_NOTICES: Record<NoticeKind, readonly string[]> = {
  personnel_change: [],
  after_hours: ['responsible'],
  backup_failed: ['admin', 'responsible'],
  weekly_review: ['responsible'],
  alarm: ['responsible'],
};

export const NOTICE_LANGS = ['ja', 'en'] as const;
export type NoticeLang = (typeof NOTICE_LANGS)[number];

export const NOTICE_STATUSES = ['queued', 'sent', 'failed'] as const;
export type NoticeStatus = (typeof NOTICE_STATUSES)[number];

/** Seconds to wait after failed attempt `attempt` (1, 2, …): the base, doubled each time, at most a day. */
export function retryDelaySeconds(attempt: number, baseSeconds: number): number {
  return Math.min(baseSeconds * 2 ** Math.max(0, attempt - 1), 24 * 3600);
}

/** A header value may not carry a line break (header injection); anything else is left to MIME encoding. */
export function oneLine(value: string): string {
  return value.replace(/[\r\n\u0085\u2028\u2029]+/g, ' ').trim();
}

// @ts-check
// What the notices views (notices-outbox.js, notices-contacts.js, notices-people.js) have in
// common: their context, the words of kinds, languages and statuses, the words of a refused field
// (the API's 400 details, placed next to the field they name), keeping the focus where it was when
// a list is drawn again, and who receives which notice by role (server/notices/rules.ts,
// ROLE_NOTICES: the browser shows it, the server decides it).
import { el } from './dom.js';

/** The kinds of notice (server/notices/rules.ts, NOTICE_KINDS). */
export const KINDS = ['personnel_change', 'after_hours', 'backup_failed', 'weekly_review', 'alarm'];
/** What an organisation's contact can receive (CONTACT_NOTICE_KINDS). */
export const CONTACT_KINDS = ['personnel_change', 'weekly_review', 'alarm'];
/** A new contact receives these unless changed: what the depositor's guidelines say to report at once. */
export const DEFAULT_CONTACT_KINDS = ['personnel_change', 'weekly_review'];
/** The site's people receive by role (ROLE_NOTICES, read the other way round). */
export const ROLE_KINDS = {
  responsible: ['after_hours', 'backup_failed', 'weekly_review', 'alarm'],
  admin: ['backup_failed'],
};
export const LANGS = ['ja', 'en'];
export const STATUSES = ['queued', 'sent', 'failed'];

// The API's shapes of this screen, derived from the server's zod schemas (server/notices/schemas.ts)
// for the type check only (kept here, beside the screen, rather than in api-types.js).
/** @typedef {import('zod').output<typeof import('../../server/notices/schemas.js').contactSchema>} Contact */
/** @typedef {import('zod').output<typeof import('../../server/notices/schemas.js').noticeSchema>} Notice */

/**
 * What notices.js gives its views.
 * @typedef {object} NoticesContext
 * @property {import('./page-types.js').Host} host
 * @property {import('./screen.js').Tx} tx
 * @property {(iso: string | null | undefined) => string} time "2026/12/06 01:39:14" on the site's clock
 * @property {() => boolean} mayWrite contacts:write and people:write (responsible persons, administrators)
 * @property {() => import('./api-types.js').Organisation[]} orgs depositors first
 * @property {() => Promise<void>} reloadOrgs reads the organisations again (one registered since)
 * @property {(id: string | null) => string} orgName
 * @property {() => boolean} shown whether this view is on screen now
 */

/**
 * A view of the notices screen: its node (built once per session), render() (words and data),
 * show() (it came on screen: load what it has not loaded), leave() (off screen), stop() (the
 * session ended).
 * @typedef {{ node: HTMLElement, render: () => void, show: () => void, leave: () => void, stop: () => void }} NoticesView
 */

/** @param {import('./screen.js').Tx} tx @param {string} kind */
export const kindWord = (tx, kind) => (KINDS.includes(kind) ? tx(`nt.kind.${kind}`) : kind);
/** @param {import('./screen.js').Tx} tx @param {string} lang */
export const langWord = (tx, lang) => (LANGS.includes(lang) ? tx(`nt.lang.${lang}`) : lang);

/**
 * The status of a notice in words: a queued notice that failed before is "retrying".
 * @param {{ status: string, attempts: number }} n
 */
export function statusKey(n) {
  if (n.status === 'queued' && n.attempts > 0) return 'retrying';
  return STATUSES.includes(n.status) ? n.status : 'queued';
}

/**
 * The kinds of notice as small labels.
 * @param {import('./screen.js').Tx} tx
 * @param {string[]} kinds
 */
export function kindPills(tx, kinds) {
  return el('ul', { cls: 'nt-kinds' }, ...kinds.map((k) => el('li', { cls: `pill nt-kind nt-kind-${KINDS.includes(k) ? k : 'other'}`, text: kindWord(tx, k) })));
}

/**
 * An e-mail address that wraps, when it must, after its "@" rather than anywhere: its two halves
 * are boxes of their own (notices.css), which a narrow column puts one under the other.
 * @param {string} email
 * @param {'span' | 'small'} [tag]
 */
export function emailNode(email, tag = 'span') {
  const at = email.lastIndexOf('@');
  if (at < 0) return el(tag, { cls: 'nt-email', text: email });
  return el(tag, { cls: 'nt-email' }, el('span', { text: email.slice(0, at + 1) }), el('span', { text: email.slice(at + 1) }));
}

/**
 * The API's 400 details by the form field they name ("body.kinds.0" → kinds): { field: [detail] }.
 * @param {import('./page-types.js').ApiResult} res
 * @returns {Record<string, import('./api-types.js').ErrorDetail[]>}
 */
export function detailsByField(res) {
  /** @type {Record<string, import('./api-types.js').ErrorDetail[]>} */
  const out = {};
  const details = Array.isArray(res.data?.error?.details) ? res.data.error.details : [];
  for (const d of details) {
    const name = typeof d?.field === 'string' ? d.field.split('.')[1] : '';
    if (name) (out[name] ??= []).push(d);
  }
  return out;
}

/**
 * A refused field in words: what the server said about it (its code), in the page's language;
 * the server's own message when there are no words for it.
 * @param {import('./screen.js').Tx} tx
 * @param {string} name the field (email, name, kinds, lang, noticeLang)
 * @param {import('./api-types.js').ErrorDetail[]} details
 * @param {string} value what was sent
 */
export function fieldErrorText(tx, name, details, value = '') {
  const d = details[0];
  if (!d) return '';
  if (d.code === 'too_big') return tx('nt.err.too_long');
  if (name === 'kinds') return tx('nt.err.kinds');
  if (name === 'lang' || name === 'noticeLang') return tx('nt.err.choose');
  if (!value.trim()) return tx('nt.err.required');
  if (name === 'email') return tx('nt.err.email');
  if (/one line/.test(d.message)) return tx('nt.err.one_line');
  return d.message;
}

/**
 * Draws a part of the page again, keeping the focus on the element with the same data-focus
 * (a row's button: the rows are new elements, the focus stays where the user left it).
 * @param {HTMLElement} root
 * @param {() => void} draw
 */
export function keepFocus(root, draw) {
  const active = document.activeElement;
  const key = active instanceof HTMLElement && root.contains(active) ? active.dataset.focus : undefined;
  draw();
  if (!key || (document.activeElement && root.contains(document.activeElement) && document.activeElement !== document.body)) return;
  const again = root.querySelector(`[data-focus="${CSS.escape(key)}"]`);
  if (!(again instanceof HTMLElement)) return;
  again.focus({ preventScroll: true });
  if (again instanceof HTMLInputElement && again.type === 'text') again.setSelectionRange(again.value.length, again.value.length);
}

/**
 * An API failure as the code shown in a message.
 * @param {import('./page-types.js').ApiResult} res
 */
export const failureCode = (res) => res.code ?? (res.status ? `HTTP ${res.status}` : 'network');

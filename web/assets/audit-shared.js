// @ts-check
// What the audit views (audit-entries.js, audit-access.js, audit-journal.js, audit-media.js) have
// in common: a list read 50 at a time (nextCursor, "more" appends), its count, table and empty
// state; filter fields; site dates turned into RFC 3339 with the site's offset; and files saved
// from the API (CSV, the checkpoint) through a Blob URL, since the API needs the bearer token.
import { el } from './dom.js';
import { siteNow, siteTime, translate } from './screen.js';

export const PAGE = 50;

/**
 * What audit.js gives its views.
 * @typedef {object} AuditContext
 * @property {import('./page-types.js').Host} host
 * @property {import('./screen.js').Tx} tx
 * @property {() => string} tz the site's time zone
 * @property {(iso: string) => string} time "2026/12/06 01:39:14" on the site's clock
 * @property {(roles: string[]) => boolean} can whether the signed-in user holds one of these roles
 * @property {() => import('./api-types.js').Room[]} rooms
 * @property {() => boolean} shown whether this view is on screen now
 */

/**
 * A view of the audit screen: its node (built once per session), render() (words and data),
 * show() (it came on screen: load what it has not loaded), leave() (it went off screen: stop what
 * runs), stop() (the session ended).
 * @typedef {{ node: HTMLElement, render: () => void, show: () => void, leave: () => void, stop: () => void }} AuditView
 */

/**
 * A list read a page at a time.
 * @template T
 * @typedef {{ items: T[] | null, nextCursor: string | null, error: string | null, loadingMore: boolean, key: string, dead: boolean }} PagedList
 */

/**
 * The day after a site date "2026-12-06" → "2026-12-07".
 * @param {string} day
 */
export function nextDay(day) {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

/**
 * A period of site dates (either may be empty) as the API's from/to: the start of the first day
 * and the start of the day after the last, with the site's offset ("2026-12-06T00:00:00+09:00").
 * Answers null when the end is before the start.
 * @param {string} from
 * @param {string} to
 * @param {string} tz
 * @returns {null | { from?: string, to?: string }}
 */
export function period(from, to, tz) {
  if (from && to && to < from) return null;
  /** @type {{ from?: string, to?: string }} */
  const out = {};
  if (from) out.from = siteTime(`${from}T00:00`, tz);
  if (to) out.to = siteTime(`${nextDay(to)}T00:00`, tz);
  return out;
}

/**
 * A new paged list.
 * @template T
 * @returns {PagedList<T>}
 */
export function newList() {
  return { items: null, nextCursor: null, error: null, loadingMore: false, key: '', dead: false };
}

/**
 * Loads the first page (more: the next one, appended) of `path` with the filters `params` into
 * the list; answers whether it changed (a later load or the end of the session overtakes it).
 * @template T
 * @param {AuditContext} ctx
 * @param {PagedList<T>} list
 * @param {string} path
 * @param {URLSearchParams} params
 * @param {boolean} more
 */
export async function loadPage(ctx, list, path, params, more) {
  const q = new URLSearchParams(params);
  q.set('limit', String(PAGE));
  if (more) {
    if (!list.nextCursor) return false;
    q.set('cursor', list.nextCursor);
    list.loadingMore = true;
  } else {
    list.items = null;
    list.nextCursor = null;
    list.loadingMore = false;
  }
  const key = q.toString();
  list.key = key;
  const res = await ctx.host.api('GET', `${path}?${q}`);
  if (list.dead || list.key !== key) return false;
  list.loadingMore = false;
  if (res.status === 200 && Array.isArray(res.data?.items)) {
    list.items = more ? [...(list.items ?? []), ...res.data.items] : res.data.items;
    list.nextCursor = typeof res.data.nextCursor === 'string' ? res.data.nextCursor : null;
    list.error = null;
  } else {
    if (!list.items) list.items = [];
    list.error = res.code ?? (res.status ? `HTTP ${res.status}` : 'network');
  }
  return true;
}

/**
 * A labelled field: label, control (its id), and an optional hint under it; `box` is what is
 * shown of the control when it is more than the control itself (a picker).
 * @param {string} id
 * @param {string} labelKey
 * @param {HTMLElement} control
 * @param {string} [hintKey]
 * @param {HTMLElement} [box]
 */
export function field(id, labelKey, control, hintKey, box = control) {
  control.id = id;
  if (hintKey) control.setAttribute('aria-describedby', `${id}-hint`);
  return el(
    'div',
    { cls: 'field audit-field' },
    el('label', { attrs: { for: id, 'data-m': labelKey } }),
    box,
    ...(hintKey ? [el('p', { cls: 'field-hint', attrs: { id: `${id}-hint`, 'data-m': hintKey } })] : []),
  );
}

/**
 * Gives a select these options ([value, words]); when the values are the same as before only
 * their words change, so that the choice and the focus stay where they are.
 * @param {HTMLSelectElement} select
 * @param {[string, string][]} options
 * @param {string} value
 */
export function setOptions(select, options, value) {
  const same = select.options.length === options.length && options.every(([v], i) => select.options[i].value === v);
  if (same) options.forEach(([, words], i) => (select.options[i].textContent = words));
  else select.replaceChildren(...options.map(([v, words]) => el('option', { text: words, attrs: { value: v } })));
  if (select.value !== value) select.value = value;
}

/**
 * The results of a list: an error line, the count (a status line), the table (or its empty
 * state) and the "more" button, which keeps the focus while it appends the next page.
 * @param {string} testid prefix of the parts' data-testid
 * @param {{ onMore: () => void }} options
 */
export function listArea(testid, { onMore }) {
  const error = el('p', { cls: 'alert audit-error', attrs: { role: 'alert', hidden: true, 'data-testid': `${testid}-error` } });
  const count = el('p', { cls: 'audit-count', attrs: { role: 'status', 'data-testid': `${testid}-count` } });
  const body = el('div', { cls: 'audit-results', attrs: { 'data-testid': `${testid}-results` } });
  const more = el('button', { cls: 'button button-small audit-more', attrs: { type: 'button', hidden: true, 'data-testid': `${testid}-more` } });
  // Not disabled while the next page loads: a disabled button would lose the focus.
  more.addEventListener('click', () => {
    if (more.getAttribute('aria-disabled') !== 'true') onMore();
  });
  const node = el('div', { cls: 'audit-list' }, error, count, body, el('p', { cls: 'audit-more-row' }, more));
  /** What the table shows now. @type {{ items: unknown[] | null, stamp: string }} */
  const drawn = { items: null, stamp: '' };
  return {
    node,
    /**
     * @template T
     * @param {PagedList<T>} list
     * @param {{ tx: import('./screen.js').Tx, headings: string[], rows: (item: T) => HTMLTableRowElement[], empty: () => HTMLElement, cls: string, stamp?: string }} how
     *   stamp: what else the rows show (the language…); the table is built again only when the items or the stamp changed,
     *   so that the page's other renders (a notice, the idle warning) leave the focus in the table where it is
     */
    render(list, { tx, headings, rows, empty, cls, stamp = '' }) {
      // The focus stays on "more" while the next page is appended; once there is no next page
      // it goes to the count, which says how many are shown now.
      const hadFocus = document.activeElement === more;
      error.hidden = !list.error;
      error.textContent = list.error ? tx('audit.failed', { code: list.error }) : '';
      const items = list.items;
      more.hidden = !items || !list.nextCursor;
      more.setAttribute('aria-disabled', String(list.loadingMore));
      more.textContent = tx(list.loadingMore ? 'audit.more.busy' : 'audit.more');
      count.textContent = items?.length ? tx(list.nextCursor ? 'audit.count.more' : 'audit.count', { n: items.length }) : '';
      if (hadFocus && more.hidden) {
        count.tabIndex = -1;
        count.focus();
      }
      if (items === null) {
        drawn.items = null;
        body.replaceChildren(el('p', { cls: 'empty-inline', text: tx('audit.loading') }));
        return;
      }
      if (items === drawn.items && stamp === drawn.stamp && body.firstChild) return;
      drawn.items = items;
      drawn.stamp = stamp;
      if (!items.length) {
        body.replaceChildren(list.error ? el('span') : empty());
        return;
      }
      body.replaceChildren(
        el(
          'div',
          { cls: 'table-wrap' },
          el(
            'table',
            { cls: `log-table audit-table ${cls}` },
            el('thead', {}, el('tr', {}, ...headings.map((h) => el('th', { text: h, attrs: { scope: 'col' } })))),
            el('tbody', {}, ...items.flatMap(rows)),
          ),
        ),
      );
    },
  };
}

/**
 * The empty state of a list: what it will hold (first), or — filtered — that nothing matches.
 * @param {import('./screen.js').Tx} tx
 * @param {boolean} filtered
 * @param {string} emptyKey
 * @param {string} testid
 */
export function emptyState(tx, filtered, emptyKey, testid) {
  return filtered
    ? el('p', { cls: 'empty-inline audit-none', text: tx('audit.none.filtered'), attrs: { 'data-testid': `${testid}-empty` } })
    : el('div', { cls: 'empty audit-empty', attrs: { 'data-testid': `${testid}-empty` } }, el('p', { text: tx(emptyKey) }));
}

/**
 * A file from the API, read with the bearer token: { blob, text } or { code } saying why not (a
 * refused session ends the sign-in). (The weekly review saves its CSV this way too.)
 * @param {{ host: import('./page-types.js').Host }} ctx
 * @param {string} path
 * @param {RequestInit} [init]
 * @returns {Promise<{ blob?: Blob, status: number, code?: string }>}
 */
export async function fetchFile(ctx, path, init = {}) {
  const session = ctx.host.session();
  if (!session) return { status: 401, code: 'session_ended' };
  let res;
  try {
    res = await fetch(path, { ...init, headers: { Authorization: `Bearer ${session.token}` }, cache: 'no-store' });
  } catch {
    return { status: 0, code: 'network' };
  }
  if (!res.ok) {
    const code = (await res.json().catch(() => null))?.error?.code ?? `HTTP ${res.status}`;
    if (res.status === 401 && ctx.host.session() === session) ctx.host.sessionRefused(code);
    return { status: res.status, code };
  }
  return { blob: await res.blob(), status: res.status };
}

/**
 * Saves a Blob as a file with this name (an object URL, let go a minute later).
 * @param {Blob} blob
 * @param {string} name
 */
export function saveFile(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { attrs: { href: url, download: name, hidden: true } });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * A CSV button and its line: fetches `path` (the filters, format=csv and the page's language: the
 * headers and words in that language) and saves it as "<base>_<site date>.csv" (Japanese) or
 * "<base>-<site date>.csv".
 * @param {AuditContext} ctx
 * @param {string} testid
 * @param {string} path
 * @param {string} fileKey the message key of the file name's start
 * @param {() => URLSearchParams | null} params the filters, or null when they are not valid
 */
export function csvButton(ctx, testid, path, fileKey, params) {
  const button = el('button', { cls: 'button button-small audit-csv', attrs: { type: 'button', 'data-testid': `${testid}-csv`, 'aria-describedby': `${testid}-csv-hint` } });
  const hint = el('p', { cls: 'field-hint audit-csv-hint', attrs: { id: `${testid}-csv-hint`, 'data-m': 'audit.csv.hint' } });
  const note = el('p', { cls: 'alert audit-error', attrs: { role: 'alert', hidden: true, 'data-testid': `${testid}-csv-error` } });
  let busy = false;
  /** @type {{ code: string } | null} */
  let failed = null;
  const paint = () => {
    button.disabled = busy;
    button.textContent = ctx.tx(busy ? 'audit.csv.busy' : 'audit.csv');
    note.hidden = !failed;
    note.textContent = failed ? ctx.tx('audit.csv.failed', { code: failed.code }) : '';
  };
  button.addEventListener('click', async () => {
    const q = params();
    if (busy || !q) return;
    const lang = ctx.host.lang();
    q.set('format', 'csv');
    q.set('lang', lang);
    busy = true;
    failed = null;
    paint();
    const got = await fetchFile(ctx, `${path}?${q}`);
    busy = false;
    if (got.blob) saveFile(got.blob, `${ctx.tx(fileKey)}${lang === 'ja' ? '_' : '-'}${siteNow(ctx.tz()).date}.csv`);
    else if (got.status !== 401) failed = { code: got.code ?? 'error' };
    paint();
  });
  return { button, hint, note, paint };
}

/** A number with thousands separators, the same in both languages: 12,345. */
export const count = (n) => new Intl.NumberFormat('en-US').format(Number(n) || 0);

/**
 * Words the node in the page language (data-m, data-m-aria, data-m-ph).
 * @param {ParentNode} node
 * @param {import('./screen.js').Tx} tx
 */
export const words = (node, tx) => translate(node, tx);

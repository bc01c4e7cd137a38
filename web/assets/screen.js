// @ts-check
// Scaffolding shared by the screens loaded on first use — the media screens (media.js, intake.js)
// and the destruction screens (destruction.js): the panel's frame with its sub-view tabs, the
// scanner-first scan card (a USB reader typing anywhere lands in it), finding a medium from its QR
// code (tm1_…) or its label, words re-translated on a language switch, times in the site's time
// zone, lists and tables. Signing on the spot is signing.js.
import { t } from './i18n.js';
import { $, el } from './dom.js';
import { formatDateTime } from './dates.js';

export const STATUSES = ['stored', 'checked_out', 'in_transit', 'returned_to_depositor', 'destroyed'];
export const KINDS = ['paper', 'usb', 'hdd', 'ssd', 'optical', 'tape', 'other'];
export const MEDIUM_CODE = /^tm1_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;
const BADGE_CODE = /^tb1_/;

/** @typedef {import('./page-types.js').Host} Host */
/** @typedef {import('./api-types.js').Person} Person */
/** @typedef {(key: string, params?: Record<string, unknown>) => string} Tx  words a message in the page language */

/**
 * Labels built by the screens carry data-m keys (and data-m-aria, data-m-ph); worded again on every render.
 * @param {ParentNode} node
 * @param {Tx} tx
 */
export function translate(node, tx) {
  for (const n of node.querySelectorAll('[data-m]')) n.textContent = tx(/** @type {HTMLElement} */ (n).dataset.m ?? '');
  for (const n of node.querySelectorAll('[data-m-aria]')) n.setAttribute('aria-label', tx(/** @type {HTMLElement} */ (n).dataset.mAria ?? ''));
  for (const n of node.querySelectorAll('[data-m-ph]')) n.setAttribute('placeholder', tx(/** @type {HTMLElement} */ (n).dataset.mPh ?? ''));
}

/**
 * "2026/12/06 01:39:14" on the site's clock (web/assets/dates.js: one way of writing a time).
 * @param {Host} host
 * @param {string} iso
 */
export function formatTime(host, iso) {
  return formatDateTime(iso, host.config().displayTimeZone);
}

/**
 * Offset of the time zone at an instant, as "+09:00".
 * @param {string} tz
 * @param {number} ms
 */
function offsetAt(tz, ms) {
  const name = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset' }).formatToParts(new Date(ms)).find((p) => p.type === 'timeZoneName')?.value ?? '';
  const m = /([+-])(\d{1,2}):?(\d{2})?/.exec(name);
  return m ? `${m[1]}${m[2].padStart(2, '0')}:${m[3] ?? '00'}` : '+00:00';
}

/**
 * A wall-clock time of the site ("2026-11-23T09:15" or a date plus a time) as RFC 3339 with offset.
 * @param {string} local
 * @param {string} tz
 */
export function siteTime(local, tz) {
  const value = local.length === 16 ? `${local}:00` : local;
  const asUtc = Date.parse(`${value}Z`);
  if (Number.isNaN(asUtc)) return local;
  const shift = (off) => (off[0] === '-' ? -1 : 1) * (Number(off.slice(1, 3)) * 60 + Number(off.slice(4, 6))) * 60_000;
  const offset = offsetAt(tz, asUtc - shift(offsetAt(tz, asUtc)));
  return `${value}${offset}`;
}

/**
 * Today and now on the site's wall clock: "2026-11-23", "2026-11-23T09:15".
 * @param {string} tz
 */
export function siteNow(tz) {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date())
      .map((x) => [x.type, x.value]),
  );
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}` };
}

/**
 * An answer's list items, or null when the request failed.
 * @param {Host} host
 * @param {string} path
 * @param {{ background?: boolean }} [options]
 */
export async function getList(host, path, options) {
  const res = await host.api('GET', path, options);
  return res.status === 200 && Array.isArray(res.data?.items) ? res.data.items : null;
}

/**
 * A found medium, or why none was found.
 * @typedef {{ medium?: import('./api-types.js').Medium, key?: string, params?: Record<string, unknown>, status?: number }} Found
 */

/**
 * A scanned QR code (tm1_…) or a typed label → { medium }, or { key, params } saying why not.
 * @param {Host} host
 * @param {string} text
 * @returns {Promise<Found>}
 */
export async function findMedium(host, text) {
  const code = MEDIUM_CODE.exec(text);
  const failed = (res) => ({ key: 'media.scan.failed', params: { code: res.code ?? `HTTP ${res.status}` }, status: res.status });
  if (code) {
    const res = await host.api('GET', `/api/media/${encodeURIComponent(code[1].toLowerCase())}`);
    if (res.status === 200) return { medium: res.data };
    return res.status === 404 ? { key: 'media.scan.unknown_code' } : failed(res);
  }
  if (BADGE_CODE.test(text)) return { key: 'media.scan.badge' };
  const res = await host.api('GET', `/api/media?${new URLSearchParams({ label: text.slice(0, 80), limit: '1' })}`);
  if (res.status !== 200) return failed(res);
  const m = res.data?.items?.[0];
  return m ? { medium: m } : { key: 'media.scan.unknown_label', params: { label: text } };
}

/**
 * The big scan input: Enter hands its text to onScan and clears it; losing the focus to nowhere
 * (a click on plain text) gives it back.
 * @param {{ id: string, labelKey: string, onScan: (text: string) => void, refocus: () => void, describedBy?: string }} options
 */
export function scanField({ id, labelKey, onScan, refocus, describedBy }) {
  const input = el('input', { attrs: { id, type: 'text', autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false', maxlength: 200, 'aria-describedby': describedBy, 'data-testid': id } });
  input.addEventListener('keydown', (event) => {
    if (event.isComposing || event.key !== 'Enter') return;
    event.preventDefault();
    const value = input.value;
    input.value = '';
    onScan(value);
  });
  input.addEventListener('blur', (event) => {
    if (!event.relatedTarget) refocus();
  });
  return { input, node: el('div', { cls: 'scan-field' }, el('label', { attrs: { for: id, 'data-m': labelKey } }), input) };
}

const isField = (node) =>
  node instanceof HTMLSelectElement ||
  node instanceof HTMLTextAreaElement ||
  (node instanceof HTMLInputElement && !['checkbox', 'radio', 'button', 'submit'].includes(node.type));

/**
 * Scanner-first focus: refocus() puts the focus back on the scan input on screen (input() answers
 * it, or null) unless the user works in another field or in a form (busy(active) answers true);
 * a reader typing while the focus is on a button, a tab or the page lands in the scan input too
 * (unless keysBusy(active), by default busy(active)).
 * Arrow keys, Tab, Enter and Space keep their usual meaning.
 * @param {{ input: () => HTMLInputElement | null, busy: (active: Element) => boolean, keysBusy?: (active: Element) => boolean }} options
 */
export function scannerFocus({ input, busy, keysBusy = busy }) {
  function refocus() {
    setTimeout(() => {
      const target = input();
      if (!target || document.activeElement === target) return;
      const active = document.activeElement;
      if (isField(active) || document.querySelector('dialog[open]')) return;
      if (active && active !== document.body && (busy(active) || active.closest('[role="tablist"]'))) return;
      target.focus({ preventScroll: true });
    }, 0);
  }
  document.addEventListener(
    'keydown',
    (event) => {
      if (event.isComposing || event.ctrlKey || event.altKey || event.metaKey) return;
      if (event.key.length !== 1 || event.key === ' ') return;
      const target = input();
      const active = document.activeElement;
      if (!target || isField(active) || active?.closest?.('canvas, details summary')) return;
      if (active && active !== document.body && keysBusy(active)) return;
      target.focus({ preventScroll: true });
    },
    true,
  );
  window.addEventListener('focus', () => refocus());
  return refocus;
}

/**
 * The scan card: the big scan input (id), its note (id-note: what the last scan did, painted by
 * paintNote) and its hint (id-hint).
 * @param {{ id: string, labelKey: string, hintKey: string, onScan: (text: string) => void, refocus: () => void }} options
 */
export function scanCard({ id, labelKey, hintKey, onScan, refocus }) {
  const field = scanField({ id, labelKey, describedBy: `${id}-hint`, onScan, refocus });
  return el(
    'section',
    { cls: 'scan-card media-scan' },
    field.node,
    el('p', { cls: 'media-scan-note', attrs: { id: `${id}-note`, role: 'status', 'data-testid': `${id}-note` } }),
    el('p', { cls: 'field-hint', attrs: { id: `${id}-hint`, 'data-m': hintKey } }),
  );
}

/**
 * Writes a note ({ state: ok | error | pending, key, params } or null) into the element `id`.
 * @param {string} id
 * @param {Note | null} note
 * @param {Tx} tx
 */
export function paintNote(id, note, tx) {
  const node = document.getElementById(id);
  if (!node) return;
  node.dataset.state = note?.state ?? '';
  node.textContent = note ? tx(note.key, note.params) : '';
}

/**
 * The frame of a screen in its panel (#prefix-title, #prefix-status, #prefix-root): the sub-view
 * tabs beside the title (keys `prefix.views`, `prefix.view.NAME`; tabs #prefix-tab-NAME for the
 * panels #prefix-NAME), with the arrow keys; onSelect(view, focusTab) is called on a choice.
 * onLeave() is called when the screen's panel is hidden (another tab of the page chosen, the
 * sign-in screen shown): what was typed there and must not stay (badges, PINs) is cleared then.
 * tx(key, params) words a message in the page language.
 * @param {string} prefix
 * @param {Host} host
 * @param {(view: string, focusTab: boolean) => void} onSelect
 * @param {() => void} [onLeave]
 */
export function screenFrame(prefix, host, onSelect, onLeave) {
  const root = $(`${prefix}-root`);
  // app.js hides a tab's panel (the hidden attribute) when another tab is chosen, and the shell on
  // sign-out: either way the screen is left (issue 14, item 3).
  if (onLeave) {
    const watched = [root.closest('[role="tabpanel"]'), document.getElementById('shell')].filter((n) => n instanceof HTMLElement);
    const observer = new MutationObserver(() => {
      if (watched.some((n) => n.hidden)) onLeave();
    });
    for (const n of watched) observer.observe(n, { attributes: true, attributeFilter: ['hidden'] });
  }
  const status = $(`${prefix}-status`);
  const views = el('div', { cls: 'subtabs', attrs: { id: `${prefix}-views`, role: 'tablist', 'data-m-aria': `${prefix}.views`, hidden: true } });
  const head = el('div', { cls: 'door-head media-head' });
  $(`${prefix}-title`).before(head);
  head.append($(`${prefix}-title`), views);
  let current = '';
  const names = () => [...views.querySelectorAll('[data-view]')].map((b) => /** @type {HTMLElement} */ (b).dataset.view ?? '');
  views.addEventListener('click', (event) => {
    const tab = /** @type {Element} */ (event.target).closest('[data-view]');
    if (tab instanceof HTMLElement) onSelect(tab.dataset.view ?? '', false);
  });
  views.addEventListener('keydown', (event) => {
    const list = names();
    if (!list.length || !['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(event.key)) return;
    event.preventDefault();
    const i = list.indexOf(current);
    const next = event.key === 'Home' ? 0 : event.key === 'End' ? list.length - 1 : (i + (event.key === 'ArrowRight' ? 1 : -1) + list.length) % list.length;
    onSelect(list[next] ?? '', true);
  });
  return {
    root,
    status,
    views,
    tx: (key, params) => t(host.lang(), key, params),
    /** The tabs of these views. */
    tabs(list) {
      views.replaceChildren(
        ...list.map((v) => el('button', { cls: 'subtab', attrs: { type: 'button', role: 'tab', id: `${prefix}-tab-${v}`, 'aria-controls': `${prefix}-${v}`, 'data-view': v, 'data-testid': `${prefix}-tab-${v}`, 'data-m': `${prefix}.view.${v}` } })),
      );
      views.hidden = false;
    },
    /** An empty panel of a view, hidden until shown. */
    panel: (v) => el('div', { cls: 'media-view', attrs: { id: `${prefix}-${v}`, role: 'tabpanel', 'aria-labelledby': `${prefix}-tab-${v}`, 'data-testid': `${prefix}-${v}`, hidden: true } }),
    /** Shows the view: its tab selected, its panel shown, the others hidden. */
    show(view) {
      current = view;
      for (const v of names()) {
        const tab = document.getElementById(`${prefix}-tab-${v}`);
        tab?.setAttribute('aria-selected', String(v === view));
        if (tab) tab.tabIndex = v === view ? 0 : -1;
        const panel = document.getElementById(`${prefix}-${v}`);
        if (panel) panel.hidden = v !== view;
      }
    },
    /** Loading: the status line instead of the screens; ready: the screens. */
    loading() {
      status.hidden = false;
      root.hidden = true;
    },
    ready() {
      status.hidden = true;
      root.hidden = false;
    },
    /** Instead of the screens: this role may not see them (a message key). */
    forbidden(key) {
      root.replaceChildren(el('div', { cls: 'empty' }, el('p', { attrs: { 'data-m': key } })));
    },
    /** Words the screens and their tabs in the page language. */
    translate(tx) {
      translate(root, tx);
      translate(views, tx);
    },
    /** Nothing of the session stays on the page (E3.6). */
    clear() {
      root.replaceChildren();
      views.replaceChildren();
      views.hidden = true;
    },
  };
}

/**
 * Loads into the session state: state() is the screen's state (or null once it ended), key the
 * property, load() answers the value or null; the value is kept only for the same session.
 * @template {Record<string, unknown>} S
 * @template {keyof S} K
 * @param {() => S | null} state
 * @param {K} key
 * @param {() => Promise<S[K] | null>} load
 */
export async function fill(state, key, load) {
  const my = state();
  const value = await load();
  if (my && state() === my && value) my[key] = value;
}

/**
 * Every item of a paged list, page after page (nextCursor), or null when a page cannot be read
 * (the organisations: a site with more than one page must find every one). People are not read
 * this way: the pickers search the server (person-picker.js).
 * @param {Host} host
 * @param {string} path
 * @returns {Promise<any[] | null>} the items (any: their shape depends on the path; the caller names it)
 */
export async function getAll(host, path, maxPages = 40) {
  const items = [];
  let cursor = null;
  for (let page = 0; page < maxPages; page += 1) {
    const res = await host.api('GET', cursor ? `${path}${path.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(cursor)}` : path);
    if (res.status !== 200 || !Array.isArray(res.data?.items)) return null;
    items.push(...res.data.items);
    cursor = res.data.nextCursor;
    if (!cursor) break;
  }
  return items;
}

/**
 * A table of rows under column headings, and a "more" button (data-more) when moreLabel is given.
 * @param {string} cls
 * @param {string[]} headings
 * @param {HTMLTableRowElement[]} rows
 */
export function table(cls, headings, rows, moreLabel = '') {
  return [
    el(
      'div',
      { cls: 'table-wrap' },
      el('table', { cls: `log-table ${cls}` }, el('thead', {}, el('tr', {}, ...headings.map((h) => el('th', { text: h, attrs: { scope: 'col' } })))), el('tbody', {}, ...rows)),
    ),
    ...(moreLabel ? [el('p', {}, el('button', { cls: 'button button-small', text: moreLabel, attrs: { type: 'button', 'data-more': '' } }))] : []),
  ];
}

/**
 * The box of a result (element id): hidden and emptied while there is none; answers the box to fill, or null.
 * @param {string} id
 * @param {unknown} result
 */
export function resultBox(id, result) {
  const box = document.getElementById(id);
  if (!box) return null;
  box.hidden = !result;
  if (result) return box;
  box.replaceChildren();
  return null;
}

/**
 * A scan's note under the scan input: ok, error or pending, and its message.
 * @typedef {{ state: 'ok' | 'error' | 'pending', key: string, params?: Record<string, unknown> }} Note
 */
/**
 * What a desk screen (media, destruction) keeps for its session: the rooms and organisations to
 * choose from (people are searched by the pickers), the last scan (its note and number), the open
 * form, the last result, and whether it is ready.
 * @typedef {{ session: import('./page-types.js').Session, view: string, rooms: import('./api-types.js').Room[],
 *   orgs: import('./api-types.js').Organisation[], scanNote: Note | null, scanSeq: number,
 *   form: import('./signing.js').Form | null, result: unknown, ready: boolean }} DeskState
 */

/**
 * A screen's session state to begin with: `extra` adds what the screen keeps (and may say more
 * precisely what its form and result are).
 * @template {Record<string, unknown>} T
 * @param {import('./page-types.js').Session} session
 * @param {T} extra
 * @returns {DeskState & T}
 */
export function deskState(session, extra) {
  return { session, view: 'desk', rooms: [], orgs: [], scanNote: null, scanSeq: 0, form: null, result: null, ready: false, ...extra };
}

/**
 * A scan's lookup: the note says "checking…" (paint() shows it), then answers what findMedium
 * found — or null when there was nothing to look up, or a later scan or another session overtook it.
 * @param {Host} host
 * @param {() => DeskState | null} state
 * @param {string} raw
 * @param {() => void} paint
 */
export async function lookUp(host, state, raw, paint) {
  const my = state();
  const text = raw.trim();
  if (!my || !text) return null;
  const seq = ++my.scanSeq;
  my.scanNote = { state: 'pending', key: 'media.scan.pending' };
  paint();
  const found = await findMedium(host, text);
  return state() === my && seq === my.scanSeq ? found : null;
}

/**
 * Clicks in the screens: handler(hit, target), where hit(attr) is the clicked element having that attribute, if any.
 * @param {HTMLElement} root
 * @param {(hit: (attr: string) => HTMLElement | null, target: HTMLElement) => void} handler
 */
export function onHit(root, handler) {
  root.addEventListener('click', (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    handler((attr) => /** @type {HTMLElement | null} */ (target.closest(`[${attr}]`)), target);
  });
}

/**
 * The body of a list: "loading…" while items is null, empty() when there are none; answers whether to draw rows.
 * @param {HTMLElement} body
 * @param {unknown[] | null} items
 * @param {Tx} tx
 * @param {() => HTMLElement} empty
 * @returns {items is unknown[]}
 */
export function listReady(body, items, tx, empty) {
  if (items === null) body.replaceChildren(el('p', { cls: 'empty-inline', text: tx('media.chain.loading') }));
  else if (!items.length) body.replaceChildren(empty());
  return Boolean(items?.length);
}

// @ts-check
// The outbox (送信箱): every e-mail notice, newest first, 50 at a time (GET /api/notices), with
// its status (waiting, retrying, sent, failed), recipient, kind, subject, attempts, next attempt,
// last error and times; filtered by status and kind. A subject opens the notice as it was sent
// (subject, text, Message-ID; GET /api/notices/:id). A failed notice can be tried again by those
// who may (POST /api/notices/:id/retry: contacts:write). Without a mail server the page says so:
// the notices wait here (smtpConfigured). While the outbox is on screen it reads the first page
// again now and then — often while notices wait — so a notice being sent or failing shows itself.
import { el } from './dom.js';
import { KINDS, STATUSES, emailNode, failureCode, keepFocus, kindWord, langWord, statusKey } from './notices-shared.js';

const PAGE = 50;
/** Read again this often while some notice shown waits to be sent, and otherwise. */
const POLL_BUSY_MS = 4000;
const POLL_IDLE_MS = 30_000;

/** @typedef {import('./notices-shared.js').Notice} Notice */

/**
 * @param {import('./notices-shared.js').NoticesContext} ctx
 * @returns {import('./notices-shared.js').NoticesView}
 */
export function createOutboxView(ctx) {
  const { tx } = ctx;
  const f = { status: '', kind: '' };
  /** @type {{ items: Notice[] | null, nextCursor: string | null, error: string | null, loadingMore: boolean, key: string, dead: boolean }} */
  const list = { items: null, nextCursor: null, error: null, loadingMore: false, key: '', dead: false };
  /** Whether the server has a mail server to send through (null: not known yet). @type {boolean | null} */
  let smtp = null;
  let loaded = false;
  let openId = '';
  /** What the last "try again" of a notice did. @type {Record<string, { state: 'ok' | 'error' | 'pending', key: string, params?: Record<string, unknown> }>} */
  const notes = {};
  let pollTimer = 0;
  /** The outbox is the view on screen (show() until leave()). */
  let onScreen = false;

  const params = () => {
    const q = new URLSearchParams();
    if (f.status) q.set('status', f.status);
    if (f.kind) q.set('kind', f.kind);
    q.set('limit', String(PAGE));
    return q;
  };

  // ------------------------------------------------------------------ reading

  async function load(more = false) {
    loaded = true;
    clearTimeout(pollTimer);
    const q = params();
    if (more) {
      if (!list.nextCursor) return;
      q.set('cursor', list.nextCursor);
      list.loadingMore = true;
    } else {
      list.items = null;
      list.nextCursor = null;
      list.loadingMore = false;
    }
    const key = q.toString();
    list.key = key;
    render();
    const res = await ctx.host.api('GET', `/api/notices?${q}`);
    if (list.dead || list.key !== key) return;
    list.loadingMore = false;
    if (res.status === 200 && Array.isArray(res.data?.items)) {
      list.items = more ? [...(list.items ?? []), ...res.data.items] : res.data.items;
      list.nextCursor = typeof res.data.nextCursor === 'string' ? res.data.nextCursor : null;
      list.error = null;
      smtp = res.data.smtpConfigured !== false;
    } else {
      if (!list.items) list.items = [];
      list.error = failureCode(res);
    }
    render();
    schedule();
  }

  /** The first page read again: notices changed are updated where they are, new ones added on top. */
  async function poll() {
    clearTimeout(pollTimer);
    if (list.dead || !loaded || !onScreen || !ctx.shown() || !list.items) return;
    const key = list.key;
    const res = await ctx.host.api('GET', `/api/notices?${params()}`, { background: true });
    if (list.dead || list.key !== key || !list.items) return;
    if (res.status === 200 && Array.isArray(res.data?.items)) {
      /** @type {Notice[]} */
      const fresh = res.data.items;
      const byId = new Map(fresh.map((n) => [n.id, n]));
      const known = new Set(list.items.map((n) => n.id));
      list.items = [...fresh.filter((n) => !known.has(n.id)), ...list.items.map((n) => byId.get(n.id) ?? n)];
      smtp = res.data.smtpConfigured !== false;
      render();
    }
    schedule();
  }

  function schedule() {
    clearTimeout(pollTimer);
    if (list.dead || !onScreen || !ctx.shown() || !list.items) return;
    const waiting = list.items.some((n) => n.status === 'queued');
    pollTimer = window.setTimeout(() => void poll(), waiting ? POLL_BUSY_MS : POLL_IDLE_MS);
  }

  /** @param {Notice} n */
  function replace(n) {
    if (list.items) list.items = list.items.map((x) => (x.id === n.id ? n : x));
  }

  // ------------------------------------------------------------------ acting

  /** Opens (and reads again) or closes a notice's text. @param {string} id */
  async function toggle(id) {
    openId = openId === id ? '' : id;
    render();
    if (!openId) return;
    const res = await ctx.host.api('GET', `/api/notices/${encodeURIComponent(id)}`);
    if (list.dead || res.status !== 200 || !res.data?.id) return;
    replace(res.data);
    render();
  }

  /** @param {string} id */
  async function retry(id) {
    if (!ctx.mayWrite() || notes[id]?.state === 'pending') return;
    notes[id] = { state: 'pending', key: 'nt.o.retry.busy' };
    render();
    const res = await ctx.host.api('POST', `/api/notices/${encodeURIComponent(id)}/retry`);
    if (list.dead) return;
    if (res.status === 200 && res.data?.id) {
      replace(res.data);
      notes[id] = { state: 'ok', key: 'nt.o.retry.done' };
    } else if (res.code === 'not_failed') {
      notes[id] = { state: 'error', key: 'nt.o.retry.not_failed' };
      const again = await ctx.host.api('GET', `/api/notices/${encodeURIComponent(id)}`);
      if (again.status === 200 && again.data?.id) replace(again.data);
    } else {
      notes[id] = { state: 'error', key: 'nt.o.retry.failed', params: { code: failureCode(res) } };
    }
    render();
    // The button is gone once the notice waits again: the focus goes to what happened.
    /** @type {HTMLElement | null} */ (node.querySelector(`[data-note="${CSS.escape(id)}"]`))?.focus();
    schedule();
  }

  // ------------------------------------------------------------------ the page

  const status = el('select', { attrs: { id: 'nt-o-status', 'data-filter': 'status', 'data-testid': 'outbox-status' } });
  const kind = el('select', { attrs: { id: 'nt-o-kind', 'data-filter': 'kind', 'data-testid': 'outbox-kind' } });
  const refresh = el('button', { cls: 'button button-small nt-plain', attrs: { type: 'button', 'data-m': 'nt.refresh', 'data-testid': 'outbox-refresh' } });
  const smtpLine = el('p', { cls: 'notice notice-warning nt-smtp', attrs: { role: 'status', hidden: true, 'data-m': 'nt.o.smtp.off', 'data-testid': 'outbox-smtp' } });
  const error = el('p', { cls: 'alert nt-error-line', attrs: { role: 'alert', hidden: true, 'data-testid': 'outbox-error' } });
  const keys = el('p', { cls: 'field-hint', attrs: { id: 'nt-o-keys', 'data-m': 'nt.o.keys' } });
  const count = el('p', { cls: 'nt-count', attrs: { role: 'status', 'data-testid': 'outbox-count' } });
  const body = el('div', { cls: 'nt-results', attrs: { 'data-testid': 'outbox-results' } });
  const more = el('button', { cls: 'button button-small nt-more', attrs: { type: 'button', hidden: true, 'data-testid': 'outbox-more' } });

  const node = el(
    'div',
    { cls: 'nt-view', attrs: { 'data-testid': 'outbox-view' } },
    el('p', { cls: 'nt-intro', attrs: { 'data-m': 'nt.o.intro' } }),
    smtpLine,
    el(
      'div',
      { cls: 'nt-filters', attrs: { role: 'search', 'data-m-aria': 'notices.view.outbox' } },
      el('div', { cls: 'field nt-field' }, el('label', { attrs: { for: 'nt-o-status', 'data-m': 'nt.o.status' } }), status),
      el('div', { cls: 'field nt-field' }, el('label', { attrs: { for: 'nt-o-kind', 'data-m': 'nt.o.kind' } }), kind),
      el('div', { cls: 'nt-filter-actions' }, refresh),
    ),
    keys,
    error,
    count,
    body,
    el('p', { cls: 'nt-more-row' }, more),
  );

  node.addEventListener('change', (event) => {
    const target = /** @type {HTMLSelectElement} */ (event.target);
    const name = target.dataset.filter;
    if (name !== 'status' && name !== 'kind') return;
    if (f[name] === target.value) return;
    f[name] = target.value;
    openId = '';
    void load();
  });
  refresh.addEventListener('click', () => void load());
  // Not disabled while the next page loads: a disabled button would lose the focus.
  more.addEventListener('click', () => {
    if (!list.loadingMore) void load(true);
  });
  body.addEventListener('click', (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    const open = /** @type {HTMLElement | null} */ (target.closest('[data-open]'));
    if (open) return void toggle(open.dataset.open ?? '');
    const close = /** @type {HTMLElement | null} */ (target.closest('[data-close]'));
    if (close) return closeAndFocus(close.dataset.close ?? '');
    const again = /** @type {HTMLElement | null} */ (target.closest('[data-retry]'));
    if (again) void retry(again.dataset.retry ?? '');
  });
  // ↓ ↑ from a subject to the next or previous one; Esc in an open notice closes it.
  body.addEventListener('keydown', (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    if (event.key === 'Escape') {
      const detail = /** @type {HTMLElement | null} */ (target.closest('[data-detail]'));
      const id = detail?.dataset.detail ?? (target.dataset.open && target.dataset.open === openId ? openId : '');
      if (id) {
        event.preventDefault();
        closeAndFocus(id);
      }
      return;
    }
    if ((event.key !== 'ArrowDown' && event.key !== 'ArrowUp') || !target.dataset.open) return;
    const buttons = [...body.querySelectorAll('[data-open]')];
    const next = buttons[buttons.indexOf(target) + (event.key === 'ArrowDown' ? 1 : -1)];
    if (next instanceof HTMLElement) {
      event.preventDefault();
      next.focus();
    }
  });

  /** @param {string} id */
  function closeAndFocus(id) {
    if (openId === id) openId = '';
    render();
    /** @type {HTMLElement | null} */ (body.querySelector(`[data-open="${CSS.escape(id)}"]`))?.focus();
  }

  // ------------------------------------------------------------------ rows

  /**
   * A line of the delivery column: the words of `key` around a time that is never broken.
   * @param {string} key
   * @param {string | null} iso
   */
  function timeLine(key, iso) {
    const [before = '', after = ''] = tx(key, { at: '\u0000' }).split('\u0000');
    return el('span', {}, before, el('span', { cls: 'nt-time', text: ctx.time(iso) }), after);
  }

  /** @param {Notice} n */
  function deliveryLines(n) {
    const attempts = el('span', { text: n.attempts > 0 ? tx('nt.o.attempts', { n: n.attempts }) : tx('nt.o.attempts.none') });
    const created = timeLine('nt.o.created', n.createdAt);
    if (n.status === 'sent') return [timeLine('nt.o.sent', n.sentAt), attempts, created];
    if (n.status === 'failed') return [timeLine('nt.o.failed', n.failedAt), attempts, created];
    return [attempts, ...(n.nextAttemptAt && smtp !== false && n.attempts > 0 ? [timeLine('nt.o.next', n.nextAttemptAt)] : []), created];
  }

  /** @param {Notice} n */
  function row(n) {
    const st = statusKey(n);
    const isOpen = openId === n.id;
    const detailId = `nt-notice-${n.id}`;
    const org = ctx.orgName(n.orgId);
    const tr = el(
      'tr',
      { cls: `nt-row nt-row-${st}${isOpen ? ' nt-row-open' : ''}`, attrs: { 'data-testid': 'notice-row', 'data-notice-id': n.id, 'data-status': n.status } },
      el('td', {}, el('span', { cls: `status nt-status nt-status-${st}`, text: tx(`nt.status.${st}`), attrs: { 'data-testid': 'notice-status' } })),
      el(
        'td',
        { cls: 'nt-subject' },
        el('button', {
          cls: 'nt-open',
          text: n.subject,
          attrs: { type: 'button', 'aria-expanded': String(isOpen), 'aria-controls': isOpen ? detailId : null, 'aria-describedby': 'nt-o-keys', 'data-open': n.id, 'data-focus': `open:${n.id}`, 'data-testid': 'notice-open' },
        }),
        el('small', { text: kindWord(tx, n.kind) }),
      ),
      el('td', { cls: 'nt-to' }, el('span', { cls: 'nt-name', text: n.recipient.name }), emailNode(n.recipient.email, 'small'), ...(org ? [el('small', { cls: 'nt-name', text: org })] : [])),
      el('td', { cls: 'nt-delivery' }, ...deliveryLines(n)),
      el('td', { cls: 'nt-last-error', text: n.lastError ?? '', attrs: { 'data-testid': 'notice-error' } }),
    );
    return isOpen ? [tr, el('tr', { cls: 'nt-detail-row' }, el('td', { attrs: { colspan: 5 } }, detail(n, detailId)))] : [tr];
  }

  /**
   * A notice as it was sent, its facts and, when failed, what to do.
   * @param {Notice} n
   * @param {string} id
   */
  function detail(n, id) {
    const st = statusKey(n);
    const org = ctx.orgName(n.orgId);
    /** @type {[string, string | HTMLElement][]} */
    const facts = [
      ['nt.o.d.subject', n.subject],
      ['nt.o.d.to', `${n.recipient.name} <${n.recipient.email}>${org ? ` — ${org}` : ''}`],
      ['nt.o.d.kind', kindWord(tx, n.kind)],
      ['nt.o.d.lang', langWord(tx, n.lang)],
      ['nt.o.d.messageId', el('code', { cls: 'nt-code', text: n.messageId, attrs: { 'data-testid': 'notice-message-id' } })],
      ['nt.o.d.cause', el('code', { cls: 'nt-code', text: `${n.cause.action} · ${n.cause.subject}` })],
      ['nt.o.d.created', ctx.time(n.createdAt)],
      ...(n.sentAt ? /** @type {[string, string][]} */ ([['nt.o.d.sent', ctx.time(n.sentAt)]]) : []),
      ...(n.failedAt ? /** @type {[string, string][]} */ ([['nt.o.d.failed', ctx.time(n.failedAt)]]) : []),
      ...(n.status === 'queued' && n.nextAttemptAt && smtp !== false ? /** @type {[string, string][]} */ ([['nt.o.d.next', ctx.time(n.nextAttemptAt)]]) : []),
      ['nt.o.d.attempts', String(n.attempts)],
      ...(n.lastError ? /** @type {[string, string][]} */ ([['nt.o.d.error', n.lastError]]) : []),
    ];
    // "Queued again" says nothing more once the notice has gone out (or failed again).
    const note = notes[n.id]?.state === 'ok' && n.status !== 'queued' ? undefined : notes[n.id];
    const writer = ctx.mayWrite();
    return el(
      'section',
      { cls: `nt-detail nt-detail-${st}`, attrs: { id, 'data-detail': n.id, 'aria-label': tx('nt.o.d.title'), 'data-testid': 'notice-detail' } },
      el(
        'dl',
        { cls: 'nt-facts' },
        ...facts.map(([key, value]) => el('div', {}, el('dt', { text: tx(key) }), el('dd', {}, value))),
      ),
      el('p', { cls: 'nt-body-title', text: tx('nt.o.d.body') }),
      el('pre', { cls: 'nt-body', text: n.text, attrs: { lang: n.lang, tabindex: 0, 'data-testid': 'notice-text' } }),
      ...(n.status === 'failed' ? [el('p', { cls: 'nt-failed-hint', text: tx(writer ? 'nt.o.d.failed.write' : 'nt.o.d.failed.read') })] : []),
      ...(n.status === 'queued' && smtp === false ? [el('p', { cls: 'field-hint', text: tx('nt.o.d.waiting') })] : []),
      el(
        'div',
        { cls: 'nt-detail-actions' },
        ...(n.status === 'failed' && writer
          ? [el('button', { cls: 'button button-primary nt-retry', text: tx(note?.state === 'pending' ? 'nt.o.retry.busy' : 'nt.o.retry'), attrs: { type: 'button', 'data-retry': n.id, 'data-focus': `retry:${n.id}`, 'aria-disabled': String(note?.state === 'pending'), 'data-testid': 'notice-retry' } })]
          : []),
        el('button', { cls: 'button button-small nt-plain', text: tx('nt.o.d.close'), attrs: { type: 'button', 'data-close': n.id, 'data-focus': `close:${n.id}`, 'aria-keyshortcuts': 'Escape', 'data-testid': 'notice-close' } }),
        el('p', { cls: `nt-note nt-note-${note?.state ?? 'none'}`, text: note ? tx(note.key, note.params) : '', attrs: { role: 'status', tabindex: -1, 'data-note': n.id, 'data-focus': `note:${n.id}`, 'data-testid': 'notice-note' } }),
      ),
    );
  }

  // ------------------------------------------------------------------ rendering

  const option = (value, words) => el('option', { text: words, attrs: { value } });
  /** What the filters and the table show now: drawn again only when it changed (a poll that found
   *  nothing new leaves the table, a selection in a notice's text and the focus as they are). */
  const drawn = { lang: '', stamp: '' };

  function render() {
    const lang = ctx.host.lang();
    if (drawn.lang !== lang) {
      status.replaceChildren(option('', tx('nt.all')), ...STATUSES.map((st) => option(st, tx(`nt.status.${st}`))));
      kind.replaceChildren(option('', tx('nt.all')), ...KINDS.map((k) => option(k, kindWord(tx, k))));
    }
    status.value = f.status;
    kind.value = f.kind;
    smtpLine.hidden = smtp !== false;
    error.hidden = !list.error;
    error.textContent = list.error ? tx('nt.failed', { code: list.error }) : '';
    const items = list.items;
    keys.hidden = !items?.length;
    const hadMore = document.activeElement === more;
    more.hidden = !items || !list.nextCursor;
    more.textContent = tx(list.loadingMore ? 'nt.more.busy' : 'nt.more');
    more.setAttribute('aria-disabled', String(list.loadingMore));
    count.textContent = items?.length ? tx(list.nextCursor ? 'nt.count.more' : 'nt.count', { n: items.length }) : '';
    if (hadMore && more.hidden) {
      count.tabIndex = -1;
      count.focus();
    }
    const stamp = JSON.stringify([lang, items, openId, notes, smtp, list.error, f]);
    if (stamp === drawn.stamp && drawn.lang === lang) return;
    drawn.lang = lang;
    drawn.stamp = stamp;
    keepFocus(body, () => {
      if (items === null) body.replaceChildren(el('p', { cls: 'empty-inline', text: tx('nt.loading') }));
      else if (!items.length) body.replaceChildren(list.error ? el('span') : emptyState());
      else body.replaceChildren(table(items));
    });
  }

  function emptyState() {
    return f.status || f.kind
      ? el('p', { cls: 'empty-inline', text: tx('nt.o.none.filtered'), attrs: { 'data-testid': 'outbox-empty' } })
      : el('div', { cls: 'empty nt-empty', attrs: { 'data-testid': 'outbox-empty' } }, el('p', { text: tx('nt.o.empty') }));
  }

  /** @param {Notice[]} items */
  function table(items) {
    const headings = ['status', 'notice', 'to', 'delivery', 'error'].map((k) => el('th', { text: tx(`nt.o.col.${k}`), attrs: { scope: 'col' } }));
    return el('div', { cls: 'table-wrap' }, el('table', { cls: 'log-table nt-table nt-outbox-table' }, el('thead', {}, el('tr', {}, ...headings)), el('tbody', {}, ...items.flatMap(row))));
  }

  return {
    node,
    render,
    show: () => {
      onScreen = true;
      if (!loaded) void load();
      else void poll();
    },
    leave: () => {
      onScreen = false;
      clearTimeout(pollTimer);
    },
    stop: () => {
      list.dead = true;
      clearTimeout(pollTimer);
    },
  };
}

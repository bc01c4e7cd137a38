// @ts-check
// The media list for auditors (媒体一覧): every medium with its kind, status, depositor, where it
// is now and since when; searched by a part of the label (GET /api/media?q=), newest first or by
// label (sort=label), by status; 50 at a time with "more". Reading only: the media screens record.
import { el } from './dom.js';
import { STATUSES, KINDS } from './screen.js';
import { emptyState, field, listArea, loadPage, newList, setOptions, words } from './audit-shared.js';

const WAIT_MS = 250;

/**
 * @param {import('./audit-shared.js').AuditContext} ctx
 * @returns {import('./audit-shared.js').AuditView}
 */
export function createMediaView(ctx) {
  const { tx } = ctx;
  const f = { q: '', sort: '', status: '' };
  /** @type {import('./audit-shared.js').PagedList<import('./api-types.js').Medium>} */
  const list = newList();
  let loaded = false;
  let timer = 0;

  const params = () => {
    const q = new URLSearchParams();
    if (f.q) q.set('q', f.q);
    if (f.sort) q.set('sort', f.sort);
    if (f.status) q.set('status', f.status);
    return q;
  };

  async function load(more = false) {
    loaded = true;
    const pending = loadPage(ctx, list, '/api/media', params(), more);
    render();
    if (await pending) render();
  }

  const search = el('input', { attrs: { type: 'search', autocomplete: 'off', spellcheck: 'false', maxlength: 80, 'data-m-ph': 'audit.m.q.ph', 'data-testid': 'audit-media-search' } });
  const sort = el('select', { attrs: { 'data-filter': 'sort', 'data-testid': 'audit-media-sort' } });
  const status = el('select', { attrs: { 'data-filter': 'status', 'data-testid': 'audit-media-status' } });
  const clear = el('button', { cls: 'button button-small audit-plain', attrs: { type: 'button', 'data-m': 'audit.clear', 'data-testid': 'audit-media-clear' } });
  const refresh = el('button', { cls: 'button button-small audit-plain', attrs: { type: 'button', 'data-m': 'audit.refresh', 'data-testid': 'audit-media-refresh' } });
  const results = listArea('audit-media', { onMore: () => void load(true) });

  const node = el(
    'div',
    { cls: 'audit-view', attrs: { 'data-testid': 'audit-media-view' } },
    el('p', { cls: 'audit-intro', attrs: { 'data-m': 'audit.m.intro' } }),
    el(
      'div',
      { cls: 'audit-filters audit-filters-3', attrs: { role: 'search', 'data-m-aria': 'audit.view.media' } },
      field('am-q', 'audit.m.q', search),
      field('am-sort', 'audit.m.sort', sort),
      field('am-status', 'audit.m.status', status),
    ),
    el('div', { cls: 'audit-actions' }, refresh, clear),
    results.node,
  );

  /** The search follows the typing (a moment after the last key), Enter at once. */
  const searchNow = () => {
    clearTimeout(timer);
    const q = search.value.trim();
    if (q === f.q) return;
    f.q = q;
    void load();
  };
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = window.setTimeout(searchNow, WAIT_MS);
  });
  search.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || event.isComposing) return;
    event.preventDefault();
    searchNow();
  });
  node.addEventListener('change', (event) => {
    const target = /** @type {HTMLSelectElement} */ (event.target);
    const name = target.dataset.filter;
    if (!name || !(name in f) || f[name] === target.value) return;
    f[name] = target.value;
    void load();
  });
  clear.addEventListener('click', () => {
    clearTimeout(timer);
    f.q = '';
    f.sort = '';
    f.status = '';
    search.value = '';
    void load();
    search.focus();
  });
  refresh.addEventListener('click', () => void load());

  const statusWord = (st) => (STATUSES.includes(st) ? tx(`audit.status.${st}`) : String(st));
  const kindWord = (k) => (KINDS.includes(k) ? tx(`audit.kind.${k}`) : String(k));

  /** @param {import('./api-types.js').Medium} m */
  function where(m) {
    if (m.status === 'checked_out' && m.holder) return tx('audit.m.holder', { name: m.holder.name });
    if (m.status === 'stored') return [m.roomName, m.locationName].filter(Boolean).join(' / ');
    return '';
  }

  /** @param {import('./api-types.js').Medium} m */
  function row(m) {
    return [
      el(
        'tr',
        { attrs: { 'data-testid': 'audit-media-row', 'data-medium-id': m.id } },
        el('td', { cls: 'audit-label-cell', text: m.label }),
        el('td', { text: kindWord(m.kind) }),
        el('td', {}, el('span', { cls: `status audit-status-${m.status}`, text: statusWord(m.status) })),
        el('td', { text: m.depositorName }),
        el('td', { text: where(m) }),
        el('td', { cls: 'log-time', text: ctx.time(m.statusChangedAt) }),
      ),
    ];
  }

  function render() {
    setOptions(sort, [['', tx('audit.m.sort.newest')], ['label', tx('audit.m.sort.label')]], f.sort);
    setOptions(status, [['', tx('audit.all')], ...STATUSES.map((st) => /** @type {[string, string]} */ ([st, statusWord(st)]))], f.status);
    words(node, tx);
    results.render(list, {
      tx,
      cls: 'audit-media-table',
      headings: ['label', 'kind', 'status', 'depositor', 'where', 'since'].map((k) => tx(`audit.m.col.${k}`)),
      rows: row,
      stamp: ctx.host.lang(),
      empty: () => emptyState(tx, Boolean(f.q || f.status), 'audit.m.empty', 'audit-media'),
    });
  }

  return {
    node,
    render,
    show: () => {
      if (!loaded) void load();
    },
    leave: () => {},
    stop: () => {
      list.dead = true;
      clearTimeout(timer);
    },
  };
}

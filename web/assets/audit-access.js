// @ts-check
// The access log for auditors (アクセスログ, E2.15): every request to the API — time, user, method,
// path, status, outcome, source address, duration — newest first, narrowed by period (site
// dates), outcome, method, status and user (a user name in the list narrows to that account);
// 50 at a time with "more"; every matching row as CSV in the page's language.
import { el } from './dom.js';
import { csvButton, emptyState, field, listArea, loadPage, newList, period, setOptions, words } from './audit-shared.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/**
 * An access-log entry (server/access-log/routes.ts, entrySchema).
 * @typedef {{ id: string, at: string, accountId: string | null, username: string | null, method: string, path: string,
 *   status: number, outcome: 'success' | 'failure', sourceIp: string | null, durationMs: number }} AccessEntry
 */

/**
 * @param {import('./audit-shared.js').AuditContext} ctx
 * @returns {import('./audit-shared.js').AuditView}
 */
export function createAccessView(ctx) {
  const { tx } = ctx;
  const f = { from: '', to: '', outcome: '', method: '', status: '', accountId: '', username: '' };
  /** @type {import('./audit-shared.js').PagedList<AccessEntry>} */
  const list = newList();
  let loaded = false;

  const statusValid = () => !f.status || (/^\d{3}$/.test(f.status) && Number(f.status) >= 100 && Number(f.status) <= 599);

  /** The filters as query parameters, or null when one of them is not valid. */
  function params() {
    const p = period(f.from, f.to, ctx.tz());
    if (!p || !statusValid()) return null;
    const q = new URLSearchParams();
    if (p.from) q.set('from', p.from);
    if (p.to) q.set('to', p.to);
    if (f.outcome) q.set('outcome', f.outcome);
    if (f.method) q.set('method', f.method);
    if (f.status) q.set('status', f.status);
    if (f.accountId) q.set('accountId', f.accountId);
    return q;
  }
  const filtered = () => Boolean(f.from || f.to || f.outcome || f.method || f.status || f.accountId);

  async function load(more = false) {
    const q = params();
    if (!q) {
      render();
      return;
    }
    loaded = true;
    const pending = loadPage(ctx, list, '/api/access-log', q, more);
    render();
    if (await pending) render();
  }

  // ---- the filters

  const from = el('input', { attrs: { type: 'date', 'data-filter': 'from', 'data-testid': 'access-from' } });
  const to = el('input', { attrs: { type: 'date', 'data-filter': 'to', 'data-testid': 'access-to' } });
  const outcome = el('select', { attrs: { 'data-filter': 'outcome', 'data-testid': 'access-outcome' } });
  const method = el('select', { attrs: { 'data-filter': 'method', 'data-testid': 'access-method' } });
  const status = el('input', { attrs: { type: 'text', inputmode: 'numeric', maxlength: 3, autocomplete: 'off', 'data-filter': 'status', 'data-m-ph': 'audit.a.status.ph', 'data-testid': 'access-status' } });
  const userName = el('span', { cls: 'audit-chip-text', attrs: { 'data-testid': 'access-user' } });
  const userClear = el('button', { cls: 'audit-clear-x', text: '×', attrs: { type: 'button', 'data-m-aria': 'audit.a.user.clear', 'data-testid': 'access-user-clear' } });
  const user = el('div', { cls: 'audit-chip', attrs: { id: 'aa-user', role: 'group', 'aria-labelledby': 'aa-user-label', 'aria-describedby': 'aa-user-hint' } }, userName, userClear);
  const errors = el('p', { cls: 'field-error audit-period-error', attrs: { role: 'alert', hidden: true, 'data-testid': 'access-filter-error' } });
  const clear = el('button', { cls: 'button button-small audit-plain', attrs: { type: 'button', 'data-m': 'audit.clear', 'data-testid': 'access-clear' } });
  const refresh = el('button', { cls: 'button button-small audit-plain', attrs: { type: 'button', 'data-m': 'audit.refresh', 'data-testid': 'access-refresh' } });
  const csv = csvButton(ctx, 'access', '/api/access-log', 'audit.a.file', params);
  const results = listArea('access', { onMore: () => void load(true) });

  const node = el(
    'div',
    { cls: 'audit-view', attrs: { 'data-testid': 'audit-access-view' } },
    el('p', { cls: 'audit-intro', attrs: { 'data-m': 'audit.a.intro' } }),
    el(
      'div',
      { cls: 'audit-filters', attrs: { role: 'search', 'data-m-aria': 'audit.view.access' } },
      field('aa-from', 'audit.from', from),
      field('aa-to', 'audit.to', to),
      field('aa-outcome', 'audit.a.outcome', outcome),
      field('aa-method', 'audit.a.method', method),
      field('aa-status', 'audit.a.status', status),
      el(
        'div',
        { cls: 'field audit-field' },
        el('span', { cls: 'audit-label', attrs: { id: 'aa-user-label', 'data-m': 'audit.a.user' } }),
        user,
        el('p', { cls: 'field-hint', attrs: { id: 'aa-user-hint', 'data-m': 'audit.a.user.hint' } }),
      ),
    ),
    errors,
    el('div', { cls: 'audit-actions' }, csv.button, refresh, clear),
    csv.hint,
    csv.note,
    results.node,
  );

  node.addEventListener('change', (event) => {
    const target = /** @type {HTMLInputElement} */ (event.target);
    const name = target.dataset.filter;
    if (!name || !(name in f) || f[name] === target.value.trim()) return;
    f[name] = target.value.trim();
    void load();
  });
  // The status is applied on Enter as well as when the field is left.
  status.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || event.isComposing) return;
    event.preventDefault();
    if (f.status === status.value.trim()) return;
    f.status = status.value.trim();
    void load();
  });
  /** @param {string} accountId @param {string} username */
  function chooseUser(accountId, username) {
    f.accountId = accountId;
    f.username = username;
    void load();
  }
  userClear.addEventListener('click', () => {
    chooseUser('', '');
    from.focus();
  });
  node.addEventListener('click', (event) => {
    const b = /** @type {HTMLElement} */ (event.target).closest('[data-account-id]');
    if (!(b instanceof HTMLElement)) return;
    chooseUser(b.dataset.accountId ?? '', b.dataset.username ?? '');
    userClear.focus();
  });
  clear.addEventListener('click', () => {
    for (const k of Object.keys(f)) f[k] = '';
    status.value = '';
    void load();
    from.focus();
  });
  refresh.addEventListener('click', () => void load());

  // ---- rendering

  /** @param {AccessEntry} a */
  function row(a) {
    const failed = a.outcome === 'failure';
    const name = a.username ?? a.accountId ?? '';
    const who = a.accountId
      ? el('button', { cls: 'audit-link audit-user', text: name, attrs: { type: 'button', 'data-account-id': a.accountId, 'data-username': name, 'aria-label': tx('audit.a.user.filter', { name }), 'data-testid': 'access-user-filter' } })
      : el('span', { cls: 'muted', text: tx('audit.a.anonymous') });
    return [
      el(
        'tr',
        { cls: failed ? 'log-denied' : '', attrs: { 'data-testid': 'access-row', 'data-outcome': a.outcome } },
        el('td', { cls: 'log-time', text: ctx.time(a.at) }),
        el('td', {}, who),
        el('td', { cls: 'audit-code', text: a.method }),
        el('td', { cls: 'audit-code audit-path', text: a.path }),
        el('td', { cls: 'audit-num', text: String(a.status) }),
        el('td', {}, el('span', { cls: `pill pill-${failed ? 'denied' : 'granted'}`, text: tx(`audit.outcome.${a.outcome}`) })),
        el('td', { cls: 'audit-code', text: a.sourceIp ?? '' }),
        el('td', { cls: 'audit-num', text: String(a.durationMs) }),
      ),
    ];
  }

  function render() {
    const all = tx('audit.all');
    setOptions(outcome, [['', all], ['success', tx('audit.outcome.success')], ['failure', tx('audit.outcome.failure')]], f.outcome);
    setOptions(method, [['', all], ...METHODS.map((m) => /** @type {[string, string]} */ ([m, m]))], f.method);
    if (from.value !== f.from) from.value = f.from;
    if (to.value !== f.to) to.value = f.to;
    if (document.activeElement !== status && status.value !== f.status) status.value = f.status;
    userName.textContent = f.accountId ? f.username : tx('audit.a.user.any');
    userClear.hidden = !f.accountId;
    const lines = [...(period(f.from, f.to, ctx.tz()) ? [] : [tx('audit.period.invalid')]), ...(statusValid() ? [] : [tx('audit.a.status.invalid')])];
    errors.hidden = lines.length === 0;
    errors.textContent = lines.join(' ');
    status.setAttribute('aria-invalid', String(!statusValid()));
    csv.paint();
    words(node, tx);
    results.render(list, {
      tx,
      cls: 'audit-access-table',
      headings: ['at', 'user', 'method', 'path', 'status', 'outcome', 'source', 'duration'].map((k) => tx(`audit.a.col.${k}`)),
      rows: row,
      stamp: ctx.host.lang(),
      empty: () => emptyState(tx, filtered(), 'audit.a.empty', 'access'),
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
    },
  };
}

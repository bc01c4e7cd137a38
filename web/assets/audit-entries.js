// @ts-check
// The entry log for auditors (入退室記録, E6.2): every scan at every door, granted or denied,
// newest first, narrowed by person (a search picker), room, period (site dates), decision and the
// reason a scan was refused; 50 at a time with "more"; every matching row as CSV in the page's
// language (GET /api/entries?format=csv&lang=…).
import { el } from './dom.js';
import { personPicker } from './audit-picker.js';
import { csvButton, emptyState, field, listArea, loadPage, newList, period, setOptions, words } from './audit-shared.js';

/** The reasons a door refuses a scan, in the order it checks them (server/door/rules.ts, DENY_REASONS). */
export const REASONS = [
  'unknown_badge', 'badge_revoked', 'badge_expired', 'not_on_access_list', 'outside_hours',
  'nda_missing', 'training_missing', 'escort_required', 'already_inside', 'not_inside',
  // Issue 20: a door's reader; the room rules beyond the access list.
  'late', 'room_full', 'pending_second_person', 'second_person_timeout',
];
const FLAGS = ['manual_exit', 'holding_media', 'two_person', 'stale_presence_replaced'];

/**
 * @param {import('./audit-shared.js').AuditContext} ctx
 * @returns {import('./audit-shared.js').AuditView}
 */
export function createEntriesView(ctx) {
  const { tx } = ctx;
  const f = { personId: '', roomId: '', from: '', to: '', decision: '', reason: '' };
  /** @type {import('./audit-shared.js').PagedList<import('./api-types.js').Entry>} */
  const list = newList();
  let loaded = false;

  /** The filters as query parameters, or null when the period is not valid. */
  function params() {
    const p = period(f.from, f.to, ctx.tz());
    if (!p) return null;
    const q = new URLSearchParams();
    if (f.personId) q.set('personId', f.personId);
    if (f.roomId) q.set('roomId', f.roomId);
    if (p.from) q.set('from', p.from);
    if (p.to) q.set('to', p.to);
    if (f.decision) q.set('decision', f.decision);
    if (f.reason && f.decision !== 'granted') q.set('reason', f.reason);
    return q;
  }
  const filtered = () => Boolean(f.personId || f.roomId || f.from || f.to || f.decision || f.reason);

  async function load(more = false) {
    const q = params();
    if (!q) {
      render();
      return;
    }
    loaded = true;
    const pending = loadPage(ctx, list, '/api/entries', q, more);
    render();
    if (await pending) render();
  }

  // ---- the filters

  const picker = personPicker(ctx, {
    id: 'ae-person',
    onChange: (p) => {
      f.personId = p?.id ?? '';
      void load();
    },
  });
  const room = el('select', { attrs: { 'data-filter': 'roomId', 'data-testid': 'entries-room' } });
  const from = el('input', { attrs: { type: 'date', 'data-filter': 'from', 'data-testid': 'entries-from' } });
  const to = el('input', { attrs: { type: 'date', 'data-filter': 'to', 'data-testid': 'entries-to' } });
  const decision = el('select', { attrs: { 'data-filter': 'decision', 'data-testid': 'entries-decision' } });
  const reason = el('select', { attrs: { 'data-filter': 'reason', 'data-testid': 'entries-reason' } });
  const periodError = el('p', { cls: 'field-error audit-period-error', attrs: { id: 'ae-period-error', role: 'alert', hidden: true, 'data-testid': 'entries-period-error' } });
  const clear = el('button', { cls: 'button button-small audit-plain', attrs: { type: 'button', 'data-m': 'audit.clear', 'data-testid': 'entries-clear' } });
  const refresh = el('button', { cls: 'button button-small audit-plain', attrs: { type: 'button', 'data-m': 'audit.refresh', 'data-testid': 'entries-refresh' } });
  const csv = csvButton(ctx, 'entries', '/api/entries', 'audit.e.file', params);
  const results = listArea('entries', { onMore: () => void load(true) });

  /** @param {HTMLElement} node */
  const wide = (node) => {
    node.classList.add('audit-field-wide');
    return node;
  };
  const pickerField = wide(field('ae-person', 'audit.e.person', picker.input, 'audit.e.person.hint', picker.node));

  const node = el(
    'div',
    { cls: 'audit-view', attrs: { 'data-testid': 'audit-entries-view' } },
    el('p', { cls: 'audit-intro', attrs: { 'data-m': 'audit.e.intro' } }),
    el(
      'div',
      { cls: 'audit-filters', attrs: { role: 'search', 'data-m-aria': 'audit.view.entries' } },
      pickerField,
      wide(field('ae-room', 'audit.e.room', room)),
      field('ae-from', 'audit.from', from),
      field('ae-to', 'audit.to', to),
      field('ae-decision', 'audit.e.decision', decision),
      field('ae-reason', 'audit.e.reason', reason),
    ),
    periodError,
    el('div', { cls: 'audit-actions' }, csv.button, refresh, clear),
    csv.hint,
    csv.note,
    results.node,
  );
  to.setAttribute('aria-describedby', 'ae-period-error');

  node.addEventListener('change', (event) => {
    const target = /** @type {HTMLInputElement} */ (event.target);
    const name = target.dataset.filter;
    if (!name || !(name in f) || f[name] === target.value) return;
    f[name] = target.value;
    if (name === 'decision' && f.decision === 'granted') f.reason = '';
    void load();
  });
  clear.addEventListener('click', () => {
    for (const k of Object.keys(f)) f[k] = '';
    picker.reset();
    void load();
    picker.input.focus();
  });
  refresh.addEventListener('click', () => void load());

  // ---- rendering

  const reasonWord = (r) => (REASONS.includes(r) ? tx(`audit.reason.${r}`) : String(r ?? ''));

  /** @param {import('./api-types.js').Entry} e */
  function row(e) {
    const denied = e.decision === 'denied';
    const who = e.person
      ? el('td', { cls: 'log-person' }, document.createTextNode(e.person.name), ...(e.person.orgName ? [el('small', { text: e.person.orgName })] : []))
      : el('td', { cls: 'log-person' }, document.createTextNode(tx('audit.e.unknown')), ...(e.presentedHint ? [el('small', { text: tx('audit.e.presented', { hint: e.presentedHint }) })] : []));
    return [
      el(
        'tr',
        { cls: denied ? 'log-denied' : '', attrs: { 'data-testid': 'entry-row', 'data-entry-id': e.id, 'data-decision': e.decision } },
        el('td', { cls: 'log-time', text: ctx.time(e.at) }),
        who,
        el('td', { cls: 'audit-nowrap', text: e.roomName }),
        el('td', { cls: 'log-dir', text: tx(`audit.direction.${e.direction}`) }),
        el('td', {}, el('span', { cls: `pill pill-${denied ? 'denied' : 'granted'}`, text: tx(`audit.decision.${e.decision}`) })),
        el('td', { cls: 'log-reason', text: e.reason ? reasonWord(e.reason) : '' }),
        el('td', {}, ...e.flags.filter((x) => FLAGS.includes(x)).map((x) => el('span', { cls: 'pill pill-warn', text: tx(`audit.flag.${x}`) }))),
      ),
    ];
  }

  function render() {
    const all = tx('audit.all');
    setOptions(room, [['', all], ...ctx.rooms().map((r) => /** @type {[string, string]} */ ([r.id, r.name]))], f.roomId);
    setOptions(decision, [['', all], ['granted', tx('audit.decision.granted')], ['denied', tx('audit.decision.denied')]], f.decision);
    setOptions(reason, [['', all], ...REASONS.map((r) => /** @type {[string, string]} */ ([r, reasonWord(r)]))], f.reason);
    reason.disabled = f.decision === 'granted';
    reason.title = reason.disabled ? tx('audit.e.reason.granted') : '';
    if (from.value !== f.from) from.value = f.from;
    if (to.value !== f.to) to.value = f.to;
    const bad = !period(f.from, f.to, ctx.tz());
    periodError.hidden = !bad;
    periodError.textContent = bad ? tx('audit.period.invalid') : '';
    to.setAttribute('aria-invalid', String(bad));
    picker.render();
    csv.paint();
    words(node, tx);
    results.render(list, {
      tx,
      cls: 'audit-entries-table',
      headings: ['at', 'person', 'room', 'direction', 'decision', 'reason', 'note'].map((k) => tx(`audit.e.col.${k}`)),
      rows: row,
      stamp: ctx.host.lang(),
      empty: () => emptyState(tx, filtered(), 'audit.e.empty', 'entries'),
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
      picker.stop();
    },
  };
}

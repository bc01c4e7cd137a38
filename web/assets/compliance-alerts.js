// @ts-check
// The after-hours alerts to acknowledge (時間外持出しアラートの確認, E1.2, issue 18 part 2): every
// alert not yet acknowledged, the medium returned or not (GET /api/custody/alerts?unacknowledged=
// true), each with a note of what happened and what was done and its button (POST
// /api/custody/alerts/:alertId/acknowledge, journaled). Shown on the compliance screen next to the
// clause they decide, and for those who handle media (media:write).
import { el } from './dom.js';
import { translate } from './screen.js';

/**
 * @param {import('./compliance.js').ComplianceContext} ctx
 */
export function createAlertsBox(ctx) {
  const { tx, host } = ctx;
  const list = el('ul', { cls: 'cp-alerts', attrs: { 'data-testid': 'alert-list' } });
  const done = el('p', { cls: 'notice', attrs: { role: 'status', tabindex: '-1', hidden: true, 'data-testid': 'alert-done' } });
  const node = el(
    'section',
    { cls: 'cp-card cp-alert-card', attrs: { 'aria-labelledby': 'cp-alert-title', 'data-testid': 'alert-section' } },
    el('h3', { attrs: { id: 'cp-alert-title', 'data-m': 'cp.al.title' } }),
    el('p', { cls: 'field-hint', attrs: { 'data-m': 'cp.al.intro' } }),
    done,
    list,
  );
  /** @type {import('./api-types.js').CustodyAlert[] | null} */
  let alerts = null;
  /** Notes typed, and what went wrong, by alert id (kept across a repaint). */
  const notes = new Map();
  const errors = new Map();
  let said = '';
  let busy = '';

  list.addEventListener('submit', (event) => {
    event.preventDefault();
    const f = /** @type {HTMLElement} */ (event.target).closest('[data-alert-id]');
    if (f instanceof HTMLElement) void acknowledge(f.dataset.alertId ?? '');
  });
  list.addEventListener('input', (event) => {
    const t = /** @type {HTMLElement} */ (event.target);
    const f = t.closest('[data-alert-id]');
    if (f instanceof HTMLElement && t instanceof HTMLTextAreaElement) notes.set(f.dataset.alertId, t.value);
  });

  async function load() {
    const res = await host.api('GET', '/api/custody/alerts?unacknowledged=true', { background: true });
    if (res.status === 200 && Array.isArray(res.data?.items)) alerts = res.data.items;
    paint();
  }

  /** @param {string} id */
  async function acknowledge(id) {
    if (busy) return;
    const note = (notes.get(id) ?? '').trim();
    said = '';
    if (!note) {
      errors.set(id, tx('cp.al.note.required'));
      paint();
      /** @type {HTMLElement | null} */ (list.querySelector(`[data-alert-id="${id}"] textarea`))?.focus();
      return;
    }
    busy = id;
    errors.delete(id);
    paint();
    const res = await host.api('POST', `/api/custody/alerts/${encodeURIComponent(id)}/acknowledge`, { body: { note } });
    busy = '';
    if (res.status === 401) return;
    if (res.status === 200 || res.code === 'already_acknowledged') {
      notes.delete(id);
      said = tx('cp.al.done');
      alerts = (alerts ?? []).filter((a) => a.id !== id);
      paint();
      done.focus();
      await Promise.all([load(), ctx.reload()]);
      return;
    }
    errors.set(id, tx('cp.al.failed', { code: res.code ?? `HTTP ${res.status}` }));
    paint();
  }

  function paint() {
    done.hidden = !said;
    done.textContent = said;
    const focused = document.activeElement;
    const focusedId = focused instanceof HTMLTextAreaElement && list.contains(focused) ? focused.closest('[data-alert-id]')?.getAttribute('data-alert-id') : null;
    list.replaceChildren(
      ...(alerts === null
        ? []
        : alerts.length
          ? alerts.map((a) => {
              const note = el('textarea', { attrs: { id: `cp-al-${a.id}`, rows: 2, maxlength: 2000, 'data-testid': 'alert-note', 'aria-describedby': `cp-al-${a.id}-error` } });
              note.value = notes.get(a.id) ?? '';
              const error = errors.get(a.id) ?? '';
              if (error) note.setAttribute('aria-invalid', 'true');
              return el(
                'li',
                { cls: 'cp-alert' },
                el(
                  'form',
                  { cls: 'form cp-alert-form', attrs: { novalidate: true, 'data-alert-id': a.id, 'data-testid': 'alert-item' } },
                  el('p', { cls: 'cp-alert-line' },
                    el('strong', { text: tx('cp.al.line', { day: a.day, label: a.label, room: a.roomName, holder: a.holder?.name ?? '—' }) }),
                    el('span', { cls: `cp-badge cp-badge-${a.resolvedAt ? 'manual' : 'attention'}`, text: a.resolvedAt ? tx('cp.al.resolved', { time: ctx.time(a.resolvedAt) }) : tx('cp.al.open') }),
                  ),
                  el('label', { attrs: { for: `cp-al-${a.id}` }, text: tx('cp.al.note') }),
                  note,
                  el('p', { cls: 'field-error', text: error, attrs: { id: `cp-al-${a.id}-error`, hidden: !error } }),
                  el('div', { cls: 'form-actions' }, el('button', { cls: 'button button-primary button-small', text: tx(busy === a.id ? 'media.form.busy' : 'cp.al.submit'), attrs: { type: 'submit', 'data-testid': 'alert-ack', disabled: busy === a.id } })),
                ),
              );
            })
          : [el('li', { cls: 'empty-inline', text: tx('cp.al.none'), attrs: { 'data-testid': 'alert-none' } })]),
    );
    if (focusedId) /** @type {HTMLElement | null} */ (list.querySelector(`[data-alert-id="${focusedId}"] textarea`))?.focus();
    translate(node, tx);
  }

  return {
    node,
    paint,
    load,
    clear() {
      alerts = null;
      notes.clear();
      errors.clear();
      said = '';
      list.replaceChildren();
    },
  };
}

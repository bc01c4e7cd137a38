// @ts-check
// The list of media (media.js's "list" view): filtered by status, a page at a time; a label opens
// the medium on the desk.
import { el } from './dom.js';
import { STATUSES, listReady, table } from './screen.js';

const LIST_PAGE = 50;

/** @param {import('./media.js').MediaContext} ctx */
export function createMediaList(ctx) {
  const { host, tx, sg } = ctx;

  /** @param {boolean} more the next page, after those shown */
  async function load(more) {
    const my = ctx.state();
    if (!my) return;
    const st = my.list.status;
    const q = new URLSearchParams({ limit: String(LIST_PAGE) });
    if (st) q.set('status', st);
    if (more && my.list.nextCursor) q.set('cursor', my.list.nextCursor);
    const res = await host.api('GET', `/api/media?${q}`);
    if (ctx.state() !== my || my.list.status !== st || res.status !== 200) return;
    /** @type {import('./api-types.js').Medium[]} */
    const items = res.data?.items ?? [];
    my.list.items = more ? [...(my.list.items ?? []), ...items] : items;
    my.list.nextCursor = res.data?.nextCursor ?? null;
    if (!st) my.list.any = my.list.items.length > 0;
    else if (my.list.any === null && items.length) my.list.any = true;
    render();
  }

  function render() {
    const box = document.getElementById('media-list');
    const s = ctx.state();
    if (!s || !box) return;
    const l = s.list;
    let filter = /** @type {HTMLSelectElement | null} */ (box.querySelector('#media-list-status'));
    if (!filter) {
      const select = el('select', { attrs: { id: 'media-list-status', 'data-testid': 'media-list-status' } });
      select.addEventListener('change', () => {
        const s = ctx.state();
        if (!s) return;
        s.list.status = select.value;
        s.list.items = null;
        s.list.nextCursor = null;
        render();
        void load(false);
      });
      box.replaceChildren(
        el('div', { cls: 'list-head' }, el('div', { cls: 'inline-field' }, el('label', { attrs: { for: 'media-list-status', 'data-m': 'media.list.status' } }), select)),
        el('div', { attrs: { id: 'media-list-body' } }),
      );
      filter = select;
    }
    filter.replaceChildren(el('option', { text: tx('media.list.all'), attrs: { value: '' } }), ...STATUSES.map((st) => el('option', { text: sg.statusWord(st), attrs: { value: st } })));
    filter.value = l.status;
    const body = /** @type {HTMLElement} */ (document.getElementById('media-list-body'));
    const registrar = ctx.canRegister();
    const empty = () =>
      l.status && l.any !== false
        ? el('p', { cls: 'empty-inline', text: tx('media.list.none', { status: sg.statusWord(l.status) }), attrs: { 'data-testid': 'media-list-empty' } })
        : el(
            'div',
            { cls: 'empty', attrs: { 'data-testid': 'media-list-empty' } },
            el('p', { text: tx('media.list.empty') }),
            el('p', { cls: 'empty-later', text: tx(registrar ? 'media.list.empty.register' : 'media.list.empty.other') }),
            ...(registrar ? [el('button', { cls: 'button button-primary', text: tx('media.view.register'), attrs: { type: 'button', 'data-goto': 'register' } })] : []),
          );
    const items = l.items;
    if (!listReady(body, items, tx, empty)) return;
    const rows = items.map((m) =>
      el(
        'tr',
        { attrs: { 'data-testid': 'media-row', 'data-medium-id': m.id } },
        el('td', {}, el('button', { cls: 'link-button', text: m.label, attrs: { type: 'button', 'data-open-list': m.id, 'aria-label': tx('media.list.open', { label: m.label }) } })),
        el('td', { text: sg.kindWord(m.kind) }),
        el('td', { text: m.depositorName }),
        el('td', {}, el('span', { cls: `status status-${m.status}`, text: sg.statusWord(m.status) })),
        el('td', { text: m.status === 'checked_out' && m.holder ? m.holder.name : m.status === 'stored' ? `${m.roomName} / ${m.locationName ?? ''}` : '' }),
        el('td', { cls: 'log-time', text: ctx.formatTime(m.statusChangedAt) }),
      ),
    );
    body.replaceChildren(...table('media-table', ['label', 'kind', 'depositor', 'status', 'where', 'since'].map((k) => tx(`media.list.${k}`)), rows, l.nextCursor ? tx('media.list.more') : ''));
  }

  return { load, render };
}

// @ts-check
// The door's occupancy board (E9.1): who is inside each room and since when, with the room's
// evacuation (muster) list to print; an occupant's row holds the manual exit (manual-exit.js).
import { t } from './i18n.js';
import { $, el } from './dom.js';

/** @param {import('./page-types.js').OccupancyBoardParts} ctx */
export function createOccupancyBoard(ctx) {
  const { host, exit } = ctx;
  const board = $('occupancy-rooms');
  /** Per-session state; null while nobody is signed in. @type {null | { occupancy: Map<string, import('./api-types.js').Occupancy>, timers: Map<string, number> }} */
  let s = null;

  const start = () => (s = { occupancy: new Map(), timers: new Map() });

  function stop() {
    for (const timer of s?.timers.values() ?? []) clearTimeout(timer);
    s = null;
    board.replaceChildren();
  }

  /** The rooms changed: rooms that are gone leave the board. */
  function roomsChanged() {
    if (!s) return;
    for (const id of [...s.occupancy.keys()]) if (!ctx.rooms().some((r) => r.id === id)) s.occupancy.delete(id);
  }

  async function load(roomId) {
    if (!s) return;
    const my = s;
    const res = await host.api('GET', `/api/rooms/${encodeURIComponent(roomId)}/occupancy`);
    if (s !== my) return;
    if (res.status === 200 && res.data) {
      /** @type {import('./api-types.js').Occupancy} */
      const occupancy = res.data;
      my.occupancy.set(roomId, occupancy);
      exit.occupantsChanged(roomId, occupancy.occupants ?? []);
      ctx.learnOrgs(occupancy.occupants ?? []);
    }
    else if (res.status === 404) void ctx.reloadRooms();
    render();
  }

  /** Someone went in or out of a room: who is inside is read again, once for a burst of scans. */
  function schedule(roomId) {
    if (!s || !ctx.can('rooms')) return;
    clearTimeout(s.timers.get(roomId));
    s.timers.set(roomId, setTimeout(() => void load(roomId), 150));
  }

  function render() {
    if (!s) return;
    const occupancy = s.occupancy;
    const l = host.lang();
    const x = exit.current();
    // The board is rebuilt on every change: the open form keeps its focus and caret.
    const active = document.activeElement;
    const form = x ? active?.closest('.exit-form') : null;
    const kept = form instanceof HTMLFormElement && active ? { i: [...form.elements].indexOf(active), caret: active instanceof HTMLInputElement ? [active.selectionStart, active.selectionEnd] : null } : null;
    const cards = ctx.rooms().map((room) => {
      const occ = occupancy.get(room.id);
      const people = occ?.occupants ?? [];
      const count = occ ? occ.count : (room.inside ?? 0);
      const list = people.length
        ? el(
            'ul',
            { cls: 'occupants' },
            ...people.map((p) => {
              const open = x?.roomId === room.id && x.personId === p.personId;
              return el(
                'li',
                { attrs: { 'data-testid': 'occupant', 'data-person-id': p.personId } },
                el('span', { cls: 'occupant-name', text: p.name }),
                el('span', { cls: 'occupant-org', text: p.orgName }),
                el(
                  'span',
                  { cls: 'occupant-end' },
                  el('span', { cls: 'occupant-since', text: t(l, 'door.occupancy.since', { time: ctx.formatTime(p.since) }) }),
                  open ? '' : exit.button(l, room, p),
                ),
                x && open ? exit.form(l, x) : '',
              );
            }),
          )
        : el('p', { cls: 'occupants-none', text: t(l, 'door.occupancy.none') });
      const muster = el('button', {
        cls: 'button button-small',
        text: t(l, 'door.occupancy.muster'),
        attrs: { type: 'button', 'data-muster': room.id, 'data-testid': 'muster-button', 'aria-label': t(l, 'door.occupancy.muster.label', { room: room.name }) },
      });
      return el(
        'article',
        { cls: `occupancy-room${count > 0 ? ' occupied' : ''}`, attrs: { 'data-testid': 'occupancy-room', 'data-room-id': room.id } },
        el(
          'header',
          {},
          el('h4', { text: room.name }),
          el('span', { cls: `kind kind-${room.kind}`, text: t(l, `door.room.kind.${room.kind}`) }),
          el('span', { cls: 'count', text: occ?.limit != null ? t(l, 'door.occupancy.countOfLimit', { n: count, limit: occ.limit }) : t(l, 'door.occupancy.count', { n: count }), attrs: { 'data-testid': 'occupancy-count' } }),
          occ?.twoPerson ? el('span', { cls: 'kind', text: t(l, 'door.occupancy.twoPerson'), attrs: { 'data-testid': 'occupancy-two-person' } }) : '',
        ),
        list,
        el('p', { cls: 'occupancy-actions' }, muster),
      );
    });
    board.replaceChildren(...cards);
    if (!kept) return;
    const node = /** @type {HTMLFormElement | null} */ (board.querySelector('.exit-form'))?.elements[kept.i];
    if (node instanceof HTMLElement) node.focus({ preventScroll: true });
    if (node instanceof HTMLInputElement && node.type === 'text' && kept.caret) node.setSelectionRange(kept.caret[0], kept.caret[1]);
  }

  // The evacuation list opens in its own tab; this page's focus is back on the scan input for later.
  board.addEventListener('click', async (event) => {
    const button = /** @type {HTMLElement} */ (event.target).closest('[data-muster]');
    if (!button || !s) return;
    ctx.showNotice(null);
    const error = await ctx.print(`/api/rooms/${encodeURIComponent(button.getAttribute('data-muster') ?? '')}/muster?lang=${host.lang()}`);
    if (error) ctx.showNotice(error);
    ctx.refocus();
  });

  return { start, stop, roomsChanged, load, schedule, render };
}

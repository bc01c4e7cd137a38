// @ts-check
// Room rules in the registration screen (issue 20; docs/contract.md "Room rules at the door"): the
// two-person rule (二人制) and its window, the occupancy limit (在室上限) and the timed
// anti-passback (アンチパスバック), per room. Administrators change them with the form
// (admin-forms.js "roomRules", PUT /api/rooms/:id/rules); everyone who opens the screen sees every
// room's rules in the list below it. A rule the door enforces keeps the room locked (E6.4): a
// refused scan never unlocks.
import { t } from './i18n.js';
import { el } from './dom.js';

/**
 * The form's fields as the room's rules stand (a new room: all off).
 * @param {import('./api-types.js').Room | undefined} room
 * @returns {Record<string, string | boolean>}
 */
export function rulesFields(room) {
  const r = room?.rules;
  return {
    twoPerson: r?.twoPerson.enabled ?? false,
    windowSeconds: String(r?.twoPerson.windowSeconds ?? 5),
    occupancyLimit: r?.occupancyLimit == null ? '' : String(r.occupancyLimit),
    antiPassbackHours: r?.antiPassbackHours == null ? '' : String(r.antiPassbackHours),
  };
}

/**
 * A number field as the API takes it: empty is off (null); anything but a whole number is sent as
 * typed, for the server to refuse at the field rather than saving something else.
 * @param {string} raw
 */
export const countOrNull = (raw) => (raw === '' ? null : /^\d+$/.test(raw) ? Number(raw) : raw);

/**
 * ctx: { host, state() (the screen's state, or null once it ended), rooms(), isAdmin(), form() (the
 * rules form, once built), fieldsChanged() (shows the window only with the two-person rule) }.
 * @param {{ host: import('./page-types.js').Host, state: () => import('./admin.js').AdminState | null,
 *   rooms: () => import('./api-types.js').Room[], isAdmin: () => boolean, form: () => HTMLFormElement | undefined, fieldsChanged: () => void }} ctx
 */
export function createAdminRoomRules(ctx) {
  const { host, state } = ctx;

  /** Puts the chosen room's rules in the form (on choosing a room, and once saved). */
  function fill() {
    const form = ctx.form();
    if (!form) return;
    const roomId = /** @type {HTMLSelectElement} */ (form.elements.namedItem('roomId')).value;
    const values = rulesFields(ctx.rooms().find((r) => r.id === roomId));
    for (const [name, value] of Object.entries(values)) {
      const input = /** @type {HTMLInputElement} */ (form.elements.namedItem(name));
      if (typeof value === 'boolean') input.checked = value;
      else input.value = value;
    }
    ctx.fieldsChanged();
  }

  /**
   * "Change" beside a room in the list: chooses it in the form.
   * @param {string} roomId
   */
  function edit(roomId) {
    const form = ctx.form();
    const select = /** @type {HTMLSelectElement | null} */ (form?.elements.namedItem('roomId') ?? null);
    if (!select) return;
    select.value = roomId;
    fill();
    /** @type {HTMLElement | null} */ (form?.querySelector('[name="twoPerson"]') ?? null)?.focus();
  }

  /**
   * One room's rules in words.
   * @param {string} l
   * @param {import('./api-types.js').RoomRules | undefined} r
   */
  function words(l, r) {
    return [
      r?.twoPerson.enabled ? t(l, 'admin.roomRules.summary.twoPerson', { n: r.twoPerson.windowSeconds }) : t(l, 'admin.roomRules.summary.twoPerson.off'),
      r?.occupancyLimit == null ? t(l, 'admin.roomRules.summary.limit.off') : t(l, 'admin.roomRules.summary.limit', { n: r.occupancyLimit }),
      r?.antiPassbackHours == null ? t(l, 'admin.roomRules.summary.antiPassback.off') : t(l, 'admin.roomRules.summary.antiPassback', { n: r.antiPassbackHours }),
    ];
  }

  function render() {
    const box = document.getElementById('admin-room-rules-list');
    const a = state();
    if (!a || !box) return;
    const l = host.lang();
    const admin = ctx.isAdmin();
    const readonly = document.getElementById('admin-roomRules-readonly');
    if (readonly) readonly.hidden = admin;
    const rooms = ctx.rooms();
    if (!rooms.length) {
      box.replaceChildren(
        el('h4', { text: t(l, 'admin.roomRules.list') }),
        el('p', { cls: 'empty-inline', attrs: { 'data-testid': 'admin-room-rules-empty' }, text: t(l, admin ? 'admin.roomRules.empty' : 'admin.roomRules.empty.readonly') }),
      );
      return;
    }
    const active = document.activeElement;
    const focusedRoom = active instanceof HTMLElement && box.contains(active) ? active.dataset.edit : undefined;
    const rows = rooms.map((room) => {
      const button = admin
        ? el('button', {
            cls: 'button button-small',
            text: t(l, 'admin.roomRules.edit'),
            attrs: { type: 'button', 'data-edit': room.id, 'aria-label': t(l, 'admin.roomRules.edit.label', { room: room.name }), 'data-testid': 'admin-room-rules-edit' },
          })
        : '';
      if (button) button.addEventListener('click', () => edit(room.id));
      return el(
        'li',
        { attrs: { 'data-testid': 'admin-room-rules-room', 'data-room-id': room.id } },
        el('div', { cls: 'station-row' }, el('span', { cls: 'station-name', text: room.name }), button),
        el('p', { cls: 'station-meta' }, ...words(l, room.rules).map((w) => el('span', { text: w }))),
      );
    });
    box.replaceChildren(el('h4', { text: t(l, 'admin.roomRules.list') }), el('ul', { cls: 'station-items' }, ...rows));
    if (focusedRoom) /** @type {HTMLElement | null} */ (box.querySelector(`[data-edit="${CSS.escape(focusedRoom)}"]`))?.focus();
  }

  return { fill, render };
}

// @ts-check
// An exit recorded by hand from the occupancy board (scans:write): for someone whose badge was
// revoked or lost inside, or when the reader is down. The form opens in the occupant's row: the
// reason, then Enter to record or Escape to cancel. A badge the reader types into it is not sent.
import { t } from './i18n.js';
import { $, el } from './dom.js';

/** @param {import('./page-types.js').ManualExitParts} ctx */
export function createManualExit(ctx) {
  const { host } = ctx;
  const board = $('occupancy-rooms');
  /** Per-session state: the open form, if any; null while nobody is signed in. @type {null | { form: import('./page-types.js').ExitForm | null }} */
  let s = null;

  const start = () => (s = { form: null });
  const stop = () => (s = null);
  /** The open form, or null. */
  const current = () => s?.form ?? null;

  /**
   * The button in an occupant's row, for those who may record scans.
   * @param {import('./page-types.js').Room} room
   * @param {import('./page-types.js').Occupant} p
   */
  function button(l, room, p) {
    if (!ctx.can('scan')) return '';
    const label = t(l, 'door.exit.button.label', { name: p.name });
    return el('button', { cls: 'button button-small occupant-exit', text: t(l, 'door.exit.button'), attrs: { type: 'button', 'data-exit': p.personId, 'data-room': room.id, 'data-testid': 'exit-button', 'aria-label': label } });
  }

  /**
   * The open form, inline in the occupant's row: the reason, then Enter to record or Escape.
   * @param {import('./page-types.js').ExitForm} x
   */
  function form(l, x) {
    const input = el('input', { attrs: { id: 'exit-note', type: 'text', required: true, maxlength: 500, autocomplete: 'off', 'data-testid': 'exit-note', 'aria-invalid': Boolean(x.error) && 'true', 'aria-describedby': x.error && 'exit-error' } });
    input.value = x.note;
    const button = (key, kbd, cls, attrs) => el('button', { cls: `button ${cls}`, attrs }, el('span', { text: t(l, key) }), el('kbd', { text: kbd }));
    return el(
      'form',
      { cls: 'exit-form', attrs: { novalidate: true, 'data-testid': 'exit-form' } },
      el('label', { text: t(l, 'door.exit.reason'), attrs: { for: 'exit-note' } }),
      input,
      x.error ? el('p', { cls: 'field-error', text: t(l, x.error), attrs: { id: 'exit-error', 'data-testid': 'exit-error' } }) : '',
      el(
        'div',
        { cls: 'exit-actions' },
        button('door.exit.submit', 'Enter', 'button-primary', { type: 'submit', 'aria-keyshortcuts': 'Enter', 'data-testid': 'exit-submit' }),
        button('door.exit.cancel', 'Esc', 'button-small', { type: 'button', 'aria-keyshortcuts': 'Escape', 'data-exit-cancel': '', 'data-testid': 'exit-cancel' }),
      ),
    );
  }

  /**
   * Who is inside a room now: the person of the open form has left meanwhile, the form closes.
   * @param {string} roomId
   * @param {import('./page-types.js').Occupant[]} occupants
   */
  function occupantsChanged(roomId, occupants) {
    const x = s?.form;
    if (x?.roomId === roomId && !x.busy && !occupants.some((o) => o.personId === x.personId)) close({ key: 'door.exit.not_inside', ok: true });
  }

  function showError(key) {
    if (!s?.form) return;
    s.form.error = key;
    ctx.render();
    $('exit-note').focus();
  }

  /**
   * Closes the form, with a message if any; the focus goes back to the scan input.
   * @param {import('./page-types.js').Notice} [notice]
   */
  function close(notice) {
    if (!s) return;
    s.form = null;
    ctx.render();
    if (notice) ctx.showNotice(notice);
    ctx.refocus();
  }

  async function submit() {
    const x = s?.form;
    if (!x || x.busy) return;
    const note = x.note.trim();
    // A badge that the USB reader typed here is neither sent nor left on screen.
    const badge = /tb1_[\w-]{20}/.test(note);
    if (badge) x.note = '';
    if (badge || !note) return showError(badge ? 'door.exit.badge' : 'door.exit.required');
    const my = s;
    x.busy = true;
    const res = await host.api('POST', `/api/rooms/${encodeURIComponent(x.roomId)}/occupancy/${encodeURIComponent(x.personId)}/exit`, { body: { note } });
    x.busy = false;
    if (s !== my || !my || res.status === 401) return;
    const mine = my.form === x;
    if (res.status === 400 && mine) return showError('door.exit.invalid');
    const code = res.code ?? `HTTP ${res.status}`;
    const done = res.status === 201 || code === 'not_inside';
    if (res.status === 201) ctx.addEntry({ ...res.data, roomId: x.roomId, direction: 'out', decision: 'granted' });
    if (done || res.status === 404) void ctx.loadOccupancy(x.roomId);
    const key = res.status === 201 ? 'door.exit.done' : done ? 'door.exit.not_inside' : res.status === 0 ? 'error.network' : res.status === 503 ? 'error.database_unavailable' : 'door.exit.failed';
    const notice = { key, ok: done, params: { name: res.data?.person?.name, code } };
    // Network or database trouble: the form stays open with what was typed, for another try.
    if (mine && (done || res.status === 403 || res.status === 404)) close(notice);
    else ctx.showNotice(notice);
  }

  board.addEventListener('submit', (event) => {
    event.preventDefault();
    void submit();
  });
  board.addEventListener('input', (event) => {
    const input = /** @type {HTMLInputElement} */ (event.target);
    if (!s?.form || input.id !== 'exit-note') return;
    s.form.note = input.value;
    // Typing clears the message at the field (without a redraw, which would end an IME composition).
    if (s.form.error) {
      s.form.error = null;
      input.removeAttribute('aria-invalid');
      $('exit-error').remove();
    }
  });
  board.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !event.isComposing && s?.form) {
      event.preventDefault();
      close();
    }
  });
  board.addEventListener('click', (event) => {
    if (!s) return;
    const target = /** @type {HTMLElement} */ (event.target);
    const open = /** @type {HTMLElement | null} */ (target.closest('[data-exit]'));
    if (open) {
      ctx.showNotice(null);
      s.form = { roomId: open.dataset.room ?? '', personId: open.dataset.exit ?? '', note: '' };
      ctx.render();
      $('exit-note').focus();
    }
    if (target.closest('[data-exit-cancel]')) close();
  });

  return { start, stop, current, button, form, occupantsChanged, submit };
}

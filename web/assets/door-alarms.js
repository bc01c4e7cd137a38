// @ts-check
// Door alarms and door status at the front desk (issue 20, E6.4 rooms stay locked): open alarms
// in red at the top of the desk, the count in the window's title, a short alarm sound (Web Audio,
// once the page has had a key or a click), acknowledged with a note by keyboard; every door with
// its contact, lock and whether its controller reports.
//
// Updates come through the database: an alarm raised or acknowledged by any server is announced on
// the desk's live stream (`event: alarm`, PostgreSQL NOTIFY), and the desk then reads
// GET /api/doors/status (the doors and the open alarms, one cheap read) at once — a forced door is
// on every desk within a fraction of a second. The same read every POLL_MS keeps the doors' states
// current and is the fallback while the stream is down. Keys: Alt+A goes to the note of the oldest open alarm; Enter in a
// note acknowledges it; Esc goes back to the scan input.
import { t } from './i18n.js';
import { $, el } from './dom.js';

export const POLL_MS = 5000;
const KINDS = ['forced', 'held_open', 'offline', 'repeated_denials', 'lone_person'];
const TITLE_PREFIX = /^\(\d+\) /;

/**
 * @param {{
 *   host: import('./page-types.js').Host,
 *   canRead: () => boolean,
 *   canAck: () => boolean,
 *   formatTime: (iso: string) => string,
 *   refocus: () => void,
 *   sound: { prime: () => void, cue: (kind: any) => void },
 * }} ctx
 */
export function createDoorAlarms(ctx) {
  const root = $('door-alarms');
  /** @type {null | { session: unknown, alarms: any[], doors: any[], loaded: boolean, timer: number, polling: boolean, again: boolean, seen: Set<string>, notes: Map<string, string>, busy: Set<string>, errors: Map<string, string>, failed: boolean }} */
  let s = null;
  const lang = () => ctx.host.lang();

  function start() {
    stop();
    if (!ctx.canRead()) return;
    s = { session: ctx.host.session(), alarms: [], doors: [], loaded: false, timer: 0, polling: false, again: false, seen: new Set(), notes: new Map(), busy: new Set(), errors: new Map(), failed: false };
    void poll();
  }

  function stop() {
    if (s) clearTimeout(s.timer);
    s = null;
    root.replaceChildren();
    root.hidden = true;
    setTitle(0);
  }

  /** The open alarms' count before the page's own title: "(2) 立会い". */
  function setTitle(count) {
    const base = document.title.replace(TITLE_PREFIX, '');
    document.title = count > 0 ? `(${count}) ${base}` : base;
  }

  /** Read now (the live stream announced an alarm); a read under way is followed by another. */
  function refresh() {
    const my = s;
    if (!my) return;
    if (my.polling) {
      my.again = true;
      return;
    }
    clearTimeout(my.timer);
    void poll();
  }

  async function poll() {
    const my = s;
    if (!my) return;
    my.polling = true;
    const doors = await ctx.host.api('GET', '/api/doors/status', { background: true });
    my.polling = false;
    if (s !== my) return;
    my.failed = doors.status !== 200;
    if (doors.status === 200) {
      const items = Array.isArray(doors.data?.alarms) ? doors.data.alarms : [];
      // A new alarm sounds — those open when the desk is opened too: a guard must notice them.
      const fresh = items.filter((a) => !my.seen.has(a.id));
      for (const a of items) my.seen.add(a.id);
      my.alarms = items;
      if (fresh.length > 0) ctx.sound.cue('alarm');
    }
    if (doors.status === 200) my.doors = Array.isArray(doors.data?.items) ? doors.data.items : [];
    my.loaded = true;
    render();
    if (s !== my) return;
    if (my.again) {
      my.again = false;
      void poll();
      return;
    }
    my.timer = window.setTimeout(() => void poll(), POLL_MS);
  }

  async function acknowledge(id) {
    const my = s;
    if (!my || my.busy.has(id)) return;
    const note = (my.notes.get(id) ?? '').trim();
    // A badge the USB reader typed here is neither sent nor left on screen.
    if (/tb1_[\w-]{20}/.test(note)) {
      my.notes.delete(id);
      my.errors.set(id, 'door.alarms.badge');
      return render();
    }
    if (!note) {
      my.errors.set(id, 'door.alarms.note_required');
      return render();
    }
    my.busy.add(id);
    my.errors.delete(id);
    render();
    const res = await ctx.host.api('POST', `/api/door-alarms/${encodeURIComponent(id)}/acknowledge`, { body: { note } });
    if (s !== my) return;
    my.busy.delete(id);
    if (res.status === 200 || res.code === 'already_acknowledged') {
      my.alarms = my.alarms.filter((a) => a.id !== id);
      my.notes.delete(id);
      my.errors.delete(id);
      render();
      ctx.refocus();
      return;
    }
    my.errors.set(id, res.status === 0 ? 'error.network' : res.status === 403 ? 'door.alarms.forbidden' : 'door.alarms.failed');
    render();
  }

  function kindText(kind) {
    return t(lang(), KINDS.includes(kind) ? `door.alarms.kind.${kind}` : 'door.alarms.kind.other');
  }

  function render() {
    if (!s) return;
    const l = lang();
    setTitle(s.alarms.length);
    root.hidden = !s.loaded;
    if (!s.loaded) return;
    // Keep what is being typed and where the focus is across the re-render.
    const active = document.activeElement;
    const activeId = active instanceof HTMLInputElement && active.dataset.alarm ? active.dataset.alarm : null;
    const caret = activeId && active instanceof HTMLInputElement ? active.selectionStart : null;

    const parts = [];
    if (s.alarms.length > 0) {
      const list = el('ol', { cls: 'alarm-list', attrs: { 'data-testid': 'alarm-list' } });
      for (const a of s.alarms) {
        const noteId = `alarm-note-${a.id}`;
        const where = a.doorName ? `${a.roomName} / ${a.doorName}` : a.roomName;
        const input = /** @type {HTMLInputElement} */ (el('input', { attrs: { id: noteId, type: 'text', maxlength: 500, autocomplete: 'off', 'data-alarm': a.id, 'data-testid': 'alarm-note', placeholder: t(l, 'door.alarms.note.placeholder') } }));
        input.value = s.notes.get(a.id) ?? '';
        const error = s.errors.get(a.id);
        const item = el(
          'li',
          { cls: 'alarm-item', attrs: { 'data-kind': a.kind, 'data-testid': 'alarm-item' } },
          el('div', { cls: 'alarm-what' }, el('strong', { cls: 'alarm-kind', text: kindText(a.kind) }), el('span', { cls: 'alarm-where', text: where }), el('time', { cls: 'alarm-time', text: ctx.formatTime(a.raisedAt), attrs: { datetime: a.raisedAt } }), a.clearedAt ? el('span', { cls: 'alarm-cleared', text: t(l, 'door.alarms.cleared') }) : ''),
          ctx.canAck()
            ? el(
                'form',
                { cls: 'alarm-ack', attrs: { 'data-alarm': a.id } },
                el('label', { text: t(l, 'door.alarms.note'), attrs: { for: noteId } }),
                input,
                el('button', { cls: 'button button-danger', text: t(l, 'door.alarms.ack'), attrs: { type: 'submit', 'data-testid': 'alarm-ack', disabled: s.busy.has(a.id) } }),
                error ? el('p', { cls: 'alarm-error', text: t(l, error), attrs: { role: 'alert' } }) : '',
              )
            : '',
        );
        list.append(item);
      }
      parts.push(
        el(
          'section',
          { cls: 'alarm-banner', attrs: { role: 'alert', 'aria-labelledby': 'alarms-title', 'data-testid': 'alarm-banner' } },
          el('h3', { text: t(l, 'door.alarms.title', { count: s.alarms.length }), attrs: { id: 'alarms-title' } }),
          el('p', { cls: 'alarm-keys', text: t(l, 'door.alarms.keys') }),
          list,
        ),
      );
    }
    if (s.doors.length > 0) {
      const rows = s.doors.map((d) =>
        el(
          'tr',
          { attrs: { 'data-online': String(d.online), 'data-contact': d.contact ?? 'unknown', 'data-testid': 'door-row' } },
          el('td', { text: d.name }),
          el('td', { text: d.roomName }),
          el('td', { cls: 'door-contact', text: t(l, `door.state.contact.${d.contact ?? 'unknown'}`) }),
          el('td', { text: t(l, `door.state.lock.${d.lock ?? 'unknown'}`) }),
          el('td', { cls: 'door-online', text: t(l, d.online ? 'door.state.online' : 'door.state.offline') }),
        ),
      );
      parts.push(
        el(
          'details',
          { cls: 'door-states', attrs: { open: true, 'data-testid': 'door-states' } },
          el('summary', { text: t(l, 'door.state.title', { count: s.doors.length, offline: s.doors.filter((d) => !d.online).length }) }),
          el(
            'table',
            { cls: 'log-table door-state-table' },
            el('thead', {}, el('tr', {}, ...['door.state.door', 'door.state.room', 'door.state.contact', 'door.state.lock', 'door.state.controller'].map((k) => el('th', { text: t(l, k), attrs: { scope: 'col' } })))),
            el('tbody', {}, ...rows),
          ),
        ),
      );
    }
    if (s.failed) parts.push(el('p', { cls: 'alarm-error', text: t(l, 'door.alarms.poll_failed'), attrs: { role: 'status' } }));
    root.replaceChildren(...parts);
    // A site without controlled doors (a desk only) sees nothing here: the scan card keeps its place.
    root.hidden = parts.length === 0;
    if (activeId) {
      const again = /** @type {HTMLInputElement | null} */ (root.querySelector(`input[data-alarm="${CSS.escape(activeId)}"]`));
      if (again) {
        again.focus({ preventScroll: true });
        if (caret !== null) again.setSelectionRange(caret, caret);
      }
    }
  }

  root.addEventListener('input', (event) => {
    const target = event.target;
    if (s && target instanceof HTMLInputElement && target.dataset.alarm) s.notes.set(target.dataset.alarm, target.value);
  });
  root.addEventListener('submit', (event) => {
    event.preventDefault();
    const form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.alarm) void acknowledge(form.dataset.alarm);
  });
  root.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
      ctx.refocus();
    }
  });
  // Alt+A: the note of the oldest open alarm, from anywhere on the desk.
  document.addEventListener('keydown', (event) => {
    ctx.sound.prime();
    if (!s || !event.altKey || event.ctrlKey || event.metaKey || event.key.toLowerCase() !== 'a' || root.hidden) return;
    const inputs = root.querySelectorAll('input[data-alarm]');
    const last = /** @type {HTMLInputElement | undefined} */ (inputs[inputs.length - 1]);
    if (!last) return;
    event.preventDefault();
    last.focus();
  });
  document.addEventListener('pointerdown', () => ctx.sound.prime());

  return { start, stop, render, refresh };
}

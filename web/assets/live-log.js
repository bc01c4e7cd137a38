// @ts-check
// The door's entry log (E6.2): the latest entries, of one room or all, kept up to date by
// GET /api/entries/live, read as a stream with fetch (EventSource cannot send the Authorization
// header) and reconnected with backoff; what happened while it was down is fetched again.
// A door station's kiosk (station.js) shows one room only: ctx.fixedRoomId (its filter hidden).
import { t } from './i18n.js';
import { $, el } from './dom.js';

const LOG_SIZE = 50;
const BACKOFF_MIN_MS = 1000;
const BACKOFF_MAX_MS = 30_000;
/** Flags of an entry that the desk warns about (E6.5 clean desk). */
export const WARN_FLAGS = ['holding_media', 'stale_presence_replaced'];
/** Flags the log shows for information: an exit recorded by hand. */
const INFO_FLAGS = ['manual_exit', 'two_person'];

/** @typedef {import('./page-types.js').LogEntry} LogEntry */

/** @param {import('./page-types.js').LiveLogParts} ctx */
export function createLiveLog(ctx) {
  const { host } = ctx;
  const select = /** @type {HTMLSelectElement} */ ($('log-room'));
  let optionsKey = '';

  /** Per-session state; null while nobody is signed in. @type {import('./page-types.js').LiveLogState | null} */
  let s = null;

  function start() {
    s = { entries: [], room: ctx.fixedRoomId ?? '', fresh: null, orgOf: new Map(), live: 'connecting', stream: null, backoff: BACKOFF_MIN_MS, retryTimer: 0, disconnected: false };
  }

  /** Fills the log and connects to the stream. */
  function open() {
    void fill();
    void connect();
  }

  function stop() {
    s?.stream?.abort();
    clearTimeout(s?.retryTimer);
    s = null;
    optionsKey = '';
    $('log-body').replaceChildren();
    select.replaceChildren();
  }

  /**
   * An entry from the list, the live stream or a scan answer, in one shape. Only the list names
   * the person's organisation; for the others it comes from what this page has seen before.
   * @param {import('./page-types.js').RawEntry} e
   * @returns {LogEntry}
   */
  function normalise(e) {
    const id = String(e.id ?? e.entryId ?? '');
    const room = ctx.roomById(e.roomId);
    const personId = e.person?.id ?? null;
    if (personId && e.person?.orgName) s?.orgOf.set(personId, e.person.orgName);
    return {
      id,
      at: e.at,
      ms: Date.parse(e.at) || 0,
      roomId: e.roomId,
      roomName: e.roomName ?? room?.name ?? '',
      personId,
      personName: e.person?.name ?? null,
      orgName: e.person?.orgName ?? (personId ? (s?.orgOf.get(personId) ?? null) : null),
      direction: e.direction === 'out' ? 'out' : 'in',
      decision: e.decision === 'granted' ? 'granted' : 'denied',
      reason: e.reason ?? null,
      flags: Array.isArray(e.flags) ? e.flags.filter((f) => WARN_FLAGS.includes(f) || INFO_FLAGS.includes(f)) : [],
    };
  }

  /** The rooms changed: a room chosen in the filter that is gone is forgotten. */
  function roomsChanged() {
    if (s?.room && !ctx.roomById(s.room)) s.room = '';
  }

  async function fill() {
    if (!s) return;
    const my = s;
    const room = s.room;
    const q = new URLSearchParams({ limit: String(LOG_SIZE) });
    if (room) q.set('roomId', room);
    const res = await host.api('GET', `/api/entries?${q}`);
    if (s !== my || my.room !== room || res.status !== 200) return;
    /** @type {import('./api-types.js').Entry[]} */
    const items = res.data?.items ?? [];
    const fetched = items.map(normalise);
    // Keep what the stream delivered meanwhile; the list answer wins for the same id.
    const byId = new Map(my.entries.filter((e) => !room || e.roomId === room).map((e) => [e.id, e]));
    for (const e of fetched) byId.set(e.id, e);
    my.entries = sortEntries([...byId.values()]);
    renderRows();
  }

  function sortEntries(list) {
    return list.sort((a, b) => b.ms - a.ms || Number(b.id) - Number(a.id) || (b.id > a.id ? 1 : -1)).slice(0, LOG_SIZE);
  }

  /** @param {LogEntry} entry */
  function add(entry) {
    if (!s || !entry.id) return;
    if (!ctx.roomById(entry.roomId) && ctx.can('rooms')) void ctx.reloadRooms();
    if (entry.decision === 'granted') ctx.changed(entry.roomId);
    if (s.room && entry.roomId !== s.room) return;
    if (s.entries.some((e) => e.id === entry.id)) return;
    s.entries = sortEntries([entry, ...s.entries]);
    s.fresh = entry.id;
    renderRows();
  }

  /**
   * The organisations of the people inside a room (the occupancy board knows them): entries of
   * the stream, which do not name them, get them too.
   * @param {import('./api-types.js').Occupant[]} occupants
   */
  function learnOrgs(occupants) {
    if (!s) return;
    let learned = false;
    for (const o of occupants) {
      if (o.orgName && !s.orgOf.has(o.personId)) {
        s.orgOf.set(o.personId, o.orgName);
        learned = true;
      }
    }
    if (learned) {
      for (const e of s.entries) if (!e.orgName && e.personId) e.orgName = s.orgOf.get(e.personId) ?? null;
      renderRows();
    }
  }

  function setLive(state) {
    if (!s) return;
    s.live = state;
    renderStatus();
  }

  async function connect() {
    if (!s) return;
    const my = s;
    const ctrl = new AbortController();
    my.stream = ctrl;
    setLive(my.disconnected ? 'offline' : 'connecting');
    let res;
    try {
      res = await fetch(`/api/entries/live${ctx.fixedRoomId ? `?roomId=${encodeURIComponent(ctx.fixedRoomId)}` : ''}`, {
        headers: { Authorization: `Bearer ${host.session()?.token ?? ''}`, Accept: 'text/event-stream' },
        cache: 'no-store',
        signal: ctrl.signal,
      });
    } catch {
      if (s === my && !ctrl.signal.aborted) retry(my);
      return;
    }
    if (s !== my || ctrl.signal.aborted) return;
    if (res.status === 401) {
      host.sessionRefused((await res.json().catch(() => null))?.error?.code);
      return;
    }
    if (!res.ok || !res.body) {
      retry(my);
      return;
    }
    my.backoff = BACKOFF_MIN_MS;
    setLive('live');
    if (my.disconnected) {
      // Scans made while the stream was down: fetch them, and who is inside now.
      my.disconnected = false;
      void fill();
      for (const room of ctx.rooms()) ctx.changed(room.id);
    }
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer = (buffer + value).replace(/\r\n?/g, '\n');
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          onEvent(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch {
      // dropped or aborted: see below
    }
    if (s === my && !ctrl.signal.aborted) retry(my);
  }

  function retry(my) {
    my.disconnected = true;
    setLive('offline');
    const delay = my.backoff + Math.floor(Math.random() * 250);
    my.backoff = Math.min(my.backoff * 2, BACKOFF_MAX_MS);
    clearTimeout(my.retryTimer);
    my.retryTimer = setTimeout(() => {
      if (s === my) void connect();
    }, delay);
  }

  /** One server-sent event block: "event: entry" + "data: {json}". */
  function onEvent(block) {
    let type = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) type = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (type === 'alarm') {
      // A door alarm raised or acknowledged on any server (issue 20): the desk reads the alarms now.
      ctx.alarm?.();
      return;
    }
    if (type !== 'entry' || data.length === 0) return;
    try {
      add(normalise(JSON.parse(data.join('\n'))));
    } catch {
      // not JSON: ignore
    }
  }

  function render() {
    if (!s) return;
    renderOptions();
    renderStatus();
    renderRows();
  }

  /** The room filter: all rooms, then each room. */
  function renderOptions() {
    if (!s) return;
    const l = host.lang();
    const rooms = ctx.rooms();
    const key = `${l}|${rooms.map((r) => `${r.id}:${r.name}`).join(',')}`;
    if (key !== optionsKey) {
      optionsKey = key;
      select.replaceChildren(el('option', { text: t(l, 'door.log.all'), attrs: { value: '' } }), ...rooms.map((r) => el('option', { text: r.name, attrs: { value: r.id } })));
    }
    select.value = s.room;
  }

  function renderStatus() {
    if (!s) return;
    const status = $('live-status');
    status.dataset.state = s.live;
    status.textContent = t(host.lang(), `door.live.${s.live}`);
  }

  function renderRows() {
    if (!s) return;
    const l = host.lang();
    const fresh = s.fresh;
    const rows = s.entries.map((e) =>
      el(
        'tr',
        { cls: `log-row log-${e.decision}${e.flags.some((f) => WARN_FLAGS.includes(f)) ? ' log-flagged' : ''}${e.id === fresh ? ' log-fresh' : ''}`, attrs: { 'data-testid': 'log-row', 'data-entry-id': e.id, 'data-flags': e.flags.join(' ') || undefined } },
        el('td', { cls: 'log-time', text: ctx.formatTime(e.at) }),
        el(
          'td',
          { cls: 'log-person' },
          e.personName ? el('span', { text: e.personName }) : el('span', { cls: 'muted', text: t(l, 'door.log.unknown') }),
          ...(e.orgName ? [el('small', { text: e.orgName })] : []),
        ),
        el('td', { cls: 'log-room', text: e.roomName }),
        el('td', { cls: `log-dir log-dir-${e.direction}`, text: t(l, `door.direction.${e.direction}`) }),
        el('td', {}, el('span', { cls: `pill pill-${e.decision}`, text: t(l, `door.decision.${e.decision}`) })),
        el('td', { cls: 'log-reason', text: e.reason ? ctx.reasonText(e.reason) : '' }, ...e.flags.map((f) => el('span', { cls: `pill pill-${WARN_FLAGS.includes(f) ? 'warn' : 'info'}`, text: t(l, `door.log.flag.${f}`), attrs: { 'data-testid': 'log-flag' } }))),
      ),
    );
    $('log-body').replaceChildren(...rows);
    $('log-empty').hidden = rows.length > 0;
    /** @type {HTMLElement} */ ($('log-body').closest('.table-wrap')).hidden = rows.length === 0;
    s.fresh = null;
  }

  select.addEventListener('change', () => {
    if (!s) return;
    const room = select.value;
    s.room = room;
    s.entries = s.entries.filter((e) => !room || e.roomId === room);
    renderRows();
    void fill();
    ctx.refocus();
  });
  window.addEventListener('online', () => {
    if (s && s.live === 'offline') {
      clearTimeout(s.retryTimer);
      void connect();
    }
  });

  return { start, open, stop, normalise, roomsChanged, add, learnOrgs, render };
}

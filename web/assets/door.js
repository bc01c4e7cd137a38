// @ts-check
// The door (入退室): the scan screen, with the entry log (live-log.js) and the occupancy board
// (occupancy-board.js, manual-exit.js) beside it (E6.1, E6.2, E9.1). Loaded by app.js after
// sign-in; the registration forms (admin.js) are loaded when first opened.
//
// The scan input keeps the focus, so that a USB badge reader (a keyboard that types the token and
// Enter) needs no click. The token is never shown: the input is a password field and is cleared
// after each scan.
import { t, addMessages } from './i18n.js';
import { $, el } from './dom.js';
import { formatDateTime } from './dates.js';
import { openPrintable } from './printable.js';
import { DOOR_MESSAGES } from './door-messages.js';
import { createLiveLog, WARN_FLAGS } from './live-log.js';
import { createManualExit } from './manual-exit.js';
import { createOccupancyBoard } from './occupancy-board.js';
import { createSound } from './door-sound.js';
import { createDoorAlarms } from './door-alarms.js';

addMessages(DOOR_MESSAGES);

const ROOM_KEY = 'tachiai.room';
const SOUND_KEY = 'tachiai.sound';
const RESULT_MS = 5000;
const REASONS = [
  'unknown_badge', 'badge_revoked', 'badge_expired', 'not_on_access_list', 'outside_hours',
  'already_inside', 'not_inside', 'nda_missing', 'training_missing', 'escort_required', 'late',
  'room_full', 'pending_second_person', 'second_person_timeout',
];
/** How often the front desk asks whether a fire release is in force (the banner). */
const FIRE_POLL_MS = 5000;

// What each role may do, as the server's permissions (server/auth/permissions.ts) allow it.
// `scan` (scans:write) also records an exit by hand.
const CAN = {
  scan: ['admin', 'responsible', 'authorized', 'guard'],
  log: ['admin', 'responsible', 'authorized', 'guard', 'auditor'],
  rooms: ['admin', 'responsible', 'authorized', 'staff', 'guard', 'auditor'],
  admin: ['admin', 'responsible'],
  // Door alarms and status (alarms:read, alarms:write; issue 20).
  alarms: ['admin', 'responsible', 'authorized', 'guard', 'auditor'],
  ack: ['admin', 'responsible', 'authorized', 'guard'],
};

/** @typedef {import('./page-types.js').ScanView} ScanView */

function storageGet(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function storageSet(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch {
    // storage disabled: the choice lasts until the tab closes
  }
}

/**
 * Creates the door screens; app.js calls start() after sign-in, stop() when it ends, render() on change.
 * @param {import('./page-types.js').Host} host
 */
export function createDoor(host) {
  /** Per-session state; null while nobody is signed in. @type {import('./page-types.js').DoorState | null} */
  let s = null;
  /** @type {null | ReturnType<typeof import('./admin.js').createAdmin>} */
  let admin = null;
  let adminLoading = null;
  let optionsKey = '';

  const scanInput = /** @type {HTMLInputElement} */ ($('scan-input'));
  const roomSelect = /** @type {HTMLSelectElement} */ ($('scan-room'));
  const soundBox = /** @type {HTMLInputElement} */ ($('scan-sound'));
  const sound = createSound(() => soundBox.checked);

  // ------------------------------------------------------------------ helpers

  const lang = () => host.lang();
  const can = (what) => Boolean(s?.roles.some((r) => CAN[what].includes(r)));

  /** "2026/12/06 01:39:14" on the site's clock: the log shows the date, not only the time (issue 14). */
  const formatTime = (iso) => formatDateTime(iso, host.config().displayTimeZone);

  const rooms = () => s?.rooms ?? [];
  const roomById = (id) => s?.rooms.find((r) => r.id === id) ?? null;
  const roomLabel = (room) => t(lang(), 'door.room.option', { name: room.name, kind: t(lang(), `door.room.kind.${room.kind}`) });
  const reasonText = (reason) => (REASONS.includes(reason) ? t(lang(), `reason.${reason}`) : String(reason ?? ''));

  // The entry log, the occupancy board and the manual exit, each with its own per-session state.
  /** @type {import('./page-types.js').DoorParts} */
  const parts = { host, can, rooms, formatTime, reloadRooms, showNotice, refocus };
  const log = createLiveLog({ ...parts, roomById, reasonText, changed: (roomId) => board.schedule(roomId), alarm: () => alarms.refresh() });
  const exit = createManualExit({ ...parts, render: () => board.render(), loadOccupancy: (roomId) => board.load(roomId), addEntry: (raw) => log.add(log.normalise(raw)) });
  const alarms = createDoorAlarms({ host, canRead: () => can('alarms'), canAck: () => can('ack'), formatTime, refocus, sound });
  const board = createOccupancyBoard({ ...parts, learnOrgs: (occupants) => log.learnOrgs(occupants), exit, print: (path) => openPrintable(host, path) });

  // ------------------------------------------------------------------ lifecycle

  function start() {
    const session = host.session();
    if (!session) return;
    if (s?.session === session) return;
    stop();
    s = {
      session,
      roles: session.user.roles,
      view: 'desk',
      rooms: [],
      roomsLoaded: false,
      roomId: null,
      direction: 'auto',
      result: null,
      resultTimer: 0,
      scanSeq: 0,
    };
    log.start();
    board.start();
    exit.start();
    alarms.start();
    void pollFire(session);
    soundBox.checked = storageGet(SOUND_KEY) !== 'off';
    render();
    void loadRooms().then(() => {
      if (!s || s.session !== session) return;
      render();
      refocus();
      if (can('log')) log.open();
      if (can('rooms')) for (const room of s.rooms) void board.load(room.id);
    });
  }

  function stop() {
    if (!s) return;
    clearTimeout(fireTimer);
    fireRelease = null;
    renderFire();
    clearTimeout(s.resultTimer);
    clearTimeout(s.noticeTimer);
    s = null;
    optionsKey = '';
    log.stop();
    board.stop();
    exit.stop();
    alarms.stop();
    admin?.stop();
    scanInput.value = '';
    // Nothing of the session stays on the page (E3.6).
    roomSelect.replaceChildren();
    for (const id of ['scan-verdict', 'scan-person', 'scan-reason', 'scan-meta', 'scan-flag', 'door-notice']) $(id).textContent = '';
    $('door-admin').replaceChildren();
    admin = null;
    adminLoading = null;
    render();
  }

  // ------------------------------------------------------------------ fire release (issue 20)

  /** The fire release in force (GET /api/fire-release), shown as a red banner above the desk. */
  let fireRelease = /** @type {{ startedAt: string } | null} */ (null);
  let fireTimer = 0;

  /** @param {unknown} session */
  async function pollFire(session) {
    clearTimeout(fireTimer);
    if (!s || s.session !== session) return;
    if (can('rooms')) {
      const res = await host.api('GET', '/api/fire-release', { background: true });
      if (!s || s.session !== session) return;
      if (res.status === 200 && res.data) {
        fireRelease = /** @type {{ active: { startedAt: string } | null }} */ (res.data).active;
        renderFire();
      }
    }
    fireTimer = window.setTimeout(() => void pollFire(session), FIRE_POLL_MS);
  }

  function renderFire() {
    const banner = $('fire-banner');
    banner.hidden = !fireRelease;
    banner.textContent = fireRelease ? t(lang(), 'door.fire.banner', { since: formatTime(fireRelease.startedAt) }) : '';
  }

  /** The door tab was opened with a click: back to the scan input. */
  function shown() {
    refocus();
  }

  // ------------------------------------------------------------------ data

  async function loadRooms() {
    if (!s) return;
    if (!can('rooms')) {
      s.roomsLoaded = true;
      return;
    }
    const res = await host.api('GET', '/api/rooms');
    if (!s || res.status !== 200) return;
    /** @type {import('./api-types.js').Room[]} */
    const items = Array.isArray(res.data?.items) ? res.data.items : [];
    s.rooms = items;
    s.roomsLoaded = true;
    const saved = storageGet(ROOM_KEY);
    if (!items.some((r) => r.id === s?.roomId)) {
      s.roomId = items.some((r) => r.id === saved) ? saved : (items[0]?.id ?? null);
    }
    log.roomsChanged();
    board.roomsChanged();
  }

  /** Called by the registration forms when rooms change. */
  async function reloadRooms() {
    const before = new Set(s?.rooms.map((r) => r.id));
    await loadRooms();
    if (!s) return;
    render();
    for (const room of s.rooms) if (!before.has(room.id)) void board.load(room.id);
  }

  // ------------------------------------------------------------------ scanning

  function setDirection(direction) {
    if (!s) return;
    s.direction = direction;
    renderDirection();
  }

  /** @param {ScanView} result */
  function showResult(result) {
    if (!s) return;
    clearTimeout(s.resultTimer);
    s.result = result;
    renderResult();
    if (result.state !== 'pending') {
      // Waiting for a second person (二人制) is no refusal: no sound, the amber card says what to do.
      if (result.state !== 'waiting') sound.cue(result.state === 'granted' ? 'granted' : 'denied');
      const my = s;
      // A warning stays twice as long.
      my.resultTimer = setTimeout(() => {
        if (s === my && my.result === result) {
          my.result = null;
          renderResult();
        }
      }, result.flags?.length ? 2 * RESULT_MS : RESULT_MS);
    }
  }

  async function scan() {
    if (!s) return;
    const badge = scanInput.value.trim();
    scanInput.value = '';
    if (!badge) return;
    sound.prime();
    const my = s;
    const seq = ++my.scanSeq;
    const room = roomById(my.roomId);
    if (!room) {
      showResult({ state: 'error', messageKey: 'door.error.no_room' });
      return;
    }
    const body = { roomId: room.id, badge };
    if (my.direction !== 'auto') body.direction = my.direction;
    showResult({ state: 'pending' });
    const res = await host.api('POST', '/api/scans', { body });
    if (s !== my) return;
    if (res.status === 201 && res.data) {
      /** @type {import('./api-types.js').ScanResult} */
      const d = res.data;
      const entry = log.normalise({ ...d, roomName: room.name });
      log.add(entry);
      if (seq === my.scanSeq) {
        showResult({
          state: d.decision === 'granted' ? 'granted' : d.reason === 'pending_second_person' ? 'waiting' : 'denied',
          direction: entry.direction,
          name: d.person?.name ?? '',
          reason: d.reason ?? null,
          flags: entry.flags.filter((f) => WARN_FLAGS.includes(f)),
          roomName: room.name,
          at: d.at,
        });
      }
    } else if (res.status !== 401 && seq === my.scanSeq) {
      let key = 'door.error.other';
      if (res.status === 0) key = 'door.error.network';
      else if (res.status === 404) {
        key = 'door.error.room';
        void reloadRooms();
      } else if (res.status === 400 || res.status === 413) key = 'door.error.invalid';
      else if (res.status === 403) key = 'door.error.forbidden';
      else if (res.status === 503) key = 'door.error.database_unavailable';
      showResult({ state: 'error', messageKey: key, code: res.code ?? `HTTP ${res.status}` });
    }
    refocus();
  }

  /**
   * A message above the front-desk view: an error, or (ok) a confirmation that goes away by itself.
   * @param {import('./page-types.js').Notice | null} notice
   */
  function showNotice(notice) {
    if (!s) return;
    clearTimeout(s.noticeTimer);
    s.notice = notice;
    renderNotice();
    const my = s;
    if (notice?.ok) my.noticeTimer = setTimeout(() => my.notice === notice && showNotice(null), 2 * RESULT_MS);
  }

  function renderNotice() {
    const box = $('door-notice');
    const n = s?.notice;
    box.hidden = !n;
    box.className = `${n?.ok ? 'notice' : 'alert'} door-notice`;
    box.textContent = n ? t(lang(), n.key, n.params) : '';
  }

  // ------------------------------------------------------------------ focus

  /** Is the scan input on screen and free to take the focus? */
  function scanReady() {
    return Boolean(s) && host.visible() && s?.view === 'desk' && can('scan') && s.rooms.length > 0 && !$('scan-card').hidden;
  }

  /** Puts the focus back on the scan input unless the user is working in another field. */
  function refocus() {
    setTimeout(() => {
      // The manual-exit form keeps the focus while it is open (closing it calls this again).
      if (!scanReady() || exit.current() || document.activeElement === scanInput) return;
      const active = document.activeElement;
      // A field hidden since it took the focus (the sign-in form's, just after signing in) is not
      // someone working: Chromium keeps it as activeElement until its next rendering update.
      const field =
        active instanceof HTMLSelectElement ||
        active instanceof HTMLTextAreaElement ||
        (active instanceof HTMLInputElement && active.type !== 'checkbox');
      const busyElsewhere = field && active.isConnected && active.getClientRects().length > 0;
      if (busyElsewhere || document.querySelector('dialog[open]')) return;
      scanInput.focus({ preventScroll: true });
    }, 0);
  }

  function onScanKey(event) {
    if (event.isComposing) return;
    switch (event.key) {
      case 'Enter':
        event.preventDefault();
        void scan();
        break;
      case 'ArrowUp':
        event.preventDefault();
        setDirection('in');
        break;
      case 'ArrowDown':
        event.preventDefault();
        setDirection('out');
        break;
      case 'Escape':
        event.preventDefault();
        scanInput.value = '';
        setDirection('auto');
        break;
      default:
        break;
    }
  }

  // ------------------------------------------------------------------ views

  async function selectView(view, focusTab = false) {
    if (!s) return;
    if (view === 'admin' && !can('admin')) return;
    s.view = view;
    render();
    if (focusTab) $(`door-tab-${view}`).focus();
    if (view === 'desk') refocus();
    else await openAdmin();
  }

  /** The registration forms (task: the one to show), loaded with their stylesheet when first opened. */
  async function openAdmin(task) {
    if (!s) return;
    const my = s;
    adminLoading ??= import('./admin.js').then(async (m) => {
      await m.styles;
      if (s === my) admin = m.createAdmin(host, { reloadRooms, rooms });
    });
    try {
      await adminLoading;
    } catch {
      adminLoading = null;
      return;
    }
    if (s === my && admin) admin.start(task);
  }

  // ------------------------------------------------------------------ rendering

  function render() {
    const l = lang();
    $('door-status').hidden = Boolean(s?.roomsLoaded);
    if (!s) {
      $('door-views').hidden = true;
      $('door-desk').hidden = true;
      $('door-admin').hidden = true;
      $('door-notice').hidden = true;
      return;
    }
    const views = $('door-views');
    views.hidden = !can('admin');
    for (const view of ['desk', 'admin']) {
      const tab = $(`door-tab-${view}`);
      const selected = s.view === view;
      tab.setAttribute('aria-selected', String(selected));
      tab.tabIndex = selected ? 0 : -1;
    }
    const loaded = s.roomsLoaded;
    $('door-desk').hidden = !loaded || s.view !== 'desk';
    $('door-admin').hidden = s.view !== 'admin';

    const noRooms = loaded && can('rooms') && s.rooms.length === 0;
    $('door-norooms').hidden = !noRooms;
    $('door-norooms-hint').textContent = t(l, can('admin') ? 'door.norooms.admin' : 'door.norooms.other');
    $('door-norooms-add').hidden = !can('admin');
    $('scan-card').hidden = !can('scan') || noRooms;
    $('occupancy').hidden = !can('rooms') || noRooms;
    $('live-log').hidden = !can('log');
    alarms.render();
    $('door-desk').classList.toggle('desk-no-scan', $('scan-card').hidden);

    renderNotice();
    renderRoomOptions();
    renderDirection();
    renderResult();
    renderFire();
    log.render();
    board.render();
    admin?.render();
  }

  function renderRoomOptions() {
    if (!s) return;
    const key = `${lang()}|${s.rooms.map((r) => `${r.id}:${r.name}:${r.kind}`).join(',')}`;
    if (key !== optionsKey) {
      optionsKey = key;
      roomSelect.replaceChildren(...s.rooms.map((r) => el('option', { text: r.name, attrs: { value: r.id, title: roomLabel(r) } })));
    }
    if (s.roomId) roomSelect.value = s.roomId;
  }

  function renderDirection() {
    if (!s) return;
    for (const button of document.querySelectorAll('#scan-card .direction')) {
      button.setAttribute('aria-pressed', String(/** @type {HTMLElement} */ (button).dataset.direction === s.direction));
    }
    $('scan-card').dataset.direction = s.direction;
  }

  function renderResult() {
    if (!s) return;
    const l = lang();
    const r = s.result;
    const box = $('scan-result');
    const state = r ? r.state : 'idle';
    box.dataset.state = state;
    if (r && r.direction) box.dataset.direction = r.direction;
    else delete box.dataset.direction;
    let verdict = t(l, 'door.scan.idle');
    let person = '';
    let reason = '';
    let meta = '';
    if (r?.state === 'pending') verdict = t(l, 'door.scan.pending');
    else if (r?.state === 'granted') {
      verdict = t(l, `door.result.granted.${r.direction}`);
      person = r.name ?? '';
    } else if (r?.state === 'waiting') {
      verdict = t(l, 'door.result.waiting');
      person = r.name ?? '';
      reason = reasonText(r.reason);
    } else if (r?.state === 'denied') {
      verdict = t(l, 'door.result.denied');
      person = r.name ?? '';
      reason = reasonText(r.reason);
    } else if (r?.state === 'error') {
      verdict = t(l, 'door.result.error');
      reason = t(l, r.messageKey ?? '', { code: r.code ?? '' });
    }
    if (r && r.at) meta = t(l, 'door.result.meta', { room: r.roomName, direction: t(l, `door.direction.${r.direction}`), time: formatTime(r.at) });
    $('scan-verdict').textContent = verdict;
    $('scan-person').textContent = person;
    $('scan-person').hidden = !person;
    $('scan-reason').textContent = reason;
    $('scan-reason').hidden = !reason;
    $('scan-meta').textContent = meta;
    $('scan-meta').hidden = !meta;
    const flags = (r?.flags ?? []).map((f) => t(l, `door.flag.${f}`)).join(' ');
    $('scan-flag').textContent = flags;
    $('scan-flag').hidden = !flags;
  }

  // ------------------------------------------------------------------ wiring

  scanInput.addEventListener('keydown', onScanKey);
  for (const button of document.querySelectorAll('#scan-card .direction')) {
    button.addEventListener('click', () => {
      setDirection(/** @type {HTMLElement} */ (button).dataset.direction ?? 'auto');
      refocus();
    });
  }
  roomSelect.addEventListener('change', () => {
    if (!s) return;
    s.roomId = roomSelect.value;
    storageSet(ROOM_KEY, s.roomId);
    refocus();
  });
  soundBox.addEventListener('change', () => {
    storageSet(SOUND_KEY, soundBox.checked ? 'on' : 'off');
    refocus();
  });
  // A click anywhere on the front-desk view, other than into a field, returns to the scan input.
  $('panel-door').addEventListener('click', (event) => {
    if (!s || s.view !== 'desk') return;
    if (/** @type {HTMLElement} */ (event.target).closest('select, textarea, input:not([type="checkbox"]), a[href], [data-muster], [data-exit], .exit-form')) return;
    refocus();
  });
  // Focus lost to nowhere (a click on plain text), or back from the printable tab.
  scanInput.addEventListener('blur', (event) => {
    if (!event.relatedTarget) refocus();
  });
  window.addEventListener('focus', () => refocus());
  $('door-views').addEventListener('click', (event) => {
    const tab = /** @type {HTMLElement | null} */ (/** @type {HTMLElement} */ (event.target).closest('[data-view]'));
    if (tab) void selectView(tab.dataset.view ?? 'desk');
  });
  $('door-views').addEventListener('keydown', (event) => {
    if (!s || !['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(event.key)) return;
    event.preventDefault();
    const next = event.key === 'Home' ? 'desk' : event.key === 'End' ? 'admin' : s.view === 'desk' ? 'admin' : 'desk';
    void selectView(next, true);
  });
  $('door-norooms-add').addEventListener('click', async () => {
    if (!s) return;
    s.view = 'admin';
    render();
    await openAdmin('room');
  });

  return { start, stop, render, shown };
}

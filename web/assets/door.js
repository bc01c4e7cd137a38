// The door (入退室): the scan screen, the live entry log and the occupancy board (E6.1, E6.2, E9.1).
// Loaded by app.js after sign-in; the registration forms (admin.js) are loaded when first opened.
//
// The scan input keeps the focus, so that a USB badge reader (a keyboard that types the token and
// Enter) needs no click. The token is never shown: the input is a password field and is cleared
// after each scan. The live log reads GET /api/entries/live as a stream with fetch (EventSource
// cannot send the Authorization header) and reconnects with backoff.
import { t, addMessages } from './i18n.js';

addMessages({
  ja: {
    'door.views': '入退室の画面',
    'door.tab.desk': '受付',
    'door.tab.admin': '登録・管理',
    'door.room': '部屋',
    'door.room.kind.secure': 'セキュリティ区画',
    'door.room.kind.reception': '応接室',
    'door.room.option': '{name}（{kind}）',
    'door.direction': '区分',
    'door.direction.auto': '自動',
    'door.direction.in': '入室',
    'door.direction.out': '退室',
    'door.scan.label': '入館証を読み取ってください',
    'door.scan.hint': '入館証のQRコードまたはICカードを読み取り機にかざしてください（クリックは不要です）。「自動」では、在室中の人は退室、それ以外は入室として記録します。',
    'door.scan.idle': '読み取り待ち',
    'door.scan.pending': '確認しています…',
    'door.result.granted.in': '入室許可',
    'door.result.granted.out': '退室',
    'door.result.denied': '拒否',
    'door.result.error': '記録できませんでした',
    'door.result.meta': '{room}・{direction}・{time}',
    'door.error.network': 'サーバーに接続できないため、記録されていません。接続を確認して、もう一度読み取ってください。',
    'door.error.room': 'この部屋が見つかりません。部屋を選び直してください。',
    'door.error.invalid': '読み取った内容を入館証として扱えませんでした。もう一度読み取ってください。',
    'door.error.forbidden': '入館証を読み取る権限がありません。',
    'door.error.no_room': '先に部屋を選んでください。',
    'door.error.database_unavailable': 'データベースが応答していないため、記録されていません。少し待ってから、もう一度読み取ってください。',
    'door.error.other': '記録できませんでした（{code}）。もう一度読み取ってください。',
    'door.sound': '音で知らせる',
    'door.flag.holding_media': '持出し中の媒体を持ったまま退室しました（クリーンデスク違反の可能性）',
    'door.log.flag.holding_media': '媒体を持ったまま退室',

    'reason.unknown_badge': '登録されていない入館証です',
    'reason.badge_revoked': '失効した入館証です',
    'reason.badge_expired': '有効期間外の入館証です',
    'reason.not_on_access_list': 'この部屋の入室許可者ではありません',
    'reason.outside_hours': 'この部屋の利用時間外です',
    'reason.already_inside': 'すでに在室中です（退室の記録がありません）',
    'reason.not_inside': '入室の記録がないため、退室を記録できません',
    'reason.nda_missing': '有効な秘密保持契約の記録がありません',
    'reason.training_missing': '過去12か月以内に教育研修を受講した記録がありません',
    'reason.escort_required': '来訪者は、入室許可者が在室しているときだけ入室できます',

    'door.log.title': '入退室ログ',
    'door.log.latest': '最新50件',
    'door.log.filter': '部屋',
    'door.log.all': 'すべての部屋',
    'door.log.time': '日時',
    'door.log.person': '氏名',
    'door.log.room': '部屋',
    'door.log.direction': '入退',
    'door.log.decision': '判定',
    'door.log.reason': '理由',
    'door.log.unknown': '不明',
    'door.log.empty': 'まだ入退室の記録はありません。入館証を読み取ると、ここに表示されます。',
    'door.decision.granted': '許可',
    'door.decision.denied': '拒否',
    'door.live.connecting': '接続しています…',
    'door.live.live': 'リアルタイムで更新中',
    'door.live.offline': '接続が切れました。再接続しています…',

    'door.occupancy.title': '在室者',
    'door.occupancy.count': '{n}名',
    'door.occupancy.none': '在室者はいません。',
    'door.occupancy.since': '{time}から',
    'door.occupancy.muster': '避難者リストを印刷',
    'door.occupancy.muster.label': '{room}の避難者リストを印刷',
    'door.exit.button': '退室を記録',
    'door.exit.button.label': '{name}さんの退室を記録',
    'door.exit.reason': '理由（例: 入館証の紛失、読み取り機の故障）',
    'door.exit.submit': '退室を記録する',
    'door.exit.cancel': '取り消す',
    'door.exit.done': '{name}さんの退室を記録しました。',
    'door.exit.not_inside': 'この方はすでに退室しています。',
    'door.exit.required': '理由を入力してください。',
    'door.exit.invalid': 'この理由は記録できません。入力し直してください。',
    'door.exit.badge': '入館証が読み取られたため、入力欄を消去しました。理由を入力してください。',
    'door.exit.failed': '退室を記録できませんでした（{code}）。もう一度お試しください。',
    'door.log.flag.manual_exit': '手動で記録した退室',

    'door.norooms.title': 'まだ部屋が登録されていません。',
    'door.norooms.admin': '「登録・管理」で部屋を登録すると、入館証の読み取りを始められます。',
    'door.norooms.other': '管理者または責任者に、部屋の登録を依頼してください。',
    'door.norooms.button': '部屋を登録する',

    'print.loading': '読み込んでいます…',
    'print.blocked': '新しいウィンドウを開けませんでした。このサイトのポップアップを許可してから、もう一度お試しください。',
    'print.failed': '印刷用のページを取得できませんでした（{code}）。',
  },
  en: {
    'door.views': 'Door views',
    'door.tab.desk': 'Front desk',
    'door.tab.admin': 'Registration',
    'door.room': 'Room',
    'door.room.kind.secure': 'secure room',
    'door.room.kind.reception': 'reception room',
    'door.room.option': '{name} ({kind})',
    'door.direction': 'Record as',
    'door.direction.auto': 'Auto',
    'door.direction.in': 'In',
    'door.direction.out': 'Out',
    'door.scan.label': 'Scan a badge',
    'door.scan.hint': 'Hold the badge’s QR code or IC card to the reader — no need to click. “Auto” records an exit for someone inside and an entry otherwise.',
    'door.scan.idle': 'Ready for the next badge',
    'door.scan.pending': 'Checking…',
    'door.result.granted.in': 'Entry granted',
    'door.result.granted.out': 'Exit recorded',
    'door.result.denied': 'Denied',
    'door.result.error': 'Not recorded',
    'door.result.meta': '{room} · {direction} · {time}',
    'door.error.network': 'The server cannot be reached, so nothing was recorded. Check the connection and scan again.',
    'door.error.room': 'This room no longer exists. Choose the room again.',
    'door.error.invalid': 'What the reader typed is not a badge. Scan again.',
    'door.error.forbidden': 'You are not allowed to record scans.',
    'door.error.no_room': 'Choose the room first.',
    'door.error.database_unavailable': 'The database is not answering, so nothing was recorded. Wait a moment and scan again.',
    'door.error.other': 'Not recorded ({code}). Scan again.',
    'door.sound': 'Sound cue',
    'door.flag.holding_media': 'Left the room while holding checked-out media (clean desk)',
    'door.log.flag.holding_media': 'Left holding media',

    'reason.unknown_badge': 'This badge is not registered',
    'reason.badge_revoked': 'This badge has been revoked',
    'reason.badge_expired': 'This badge is outside its validity period',
    'reason.not_on_access_list': 'Not on this room’s access list',
    'reason.outside_hours': 'Outside this room’s opening hours',
    'reason.already_inside': 'Already inside (no exit recorded)',
    'reason.not_inside': 'Not recorded as inside, so no exit can be recorded',
    'reason.nda_missing': 'No valid non-disclosure agreement on file',
    'reason.training_missing': 'No security training recorded in the last 12 months',
    'reason.escort_required': 'Visitors may enter only while someone on the access list is inside',

    'door.log.title': 'Entry log',
    'door.log.latest': 'latest 50',
    'door.log.filter': 'Room',
    'door.log.all': 'All rooms',
    'door.log.time': 'Time',
    'door.log.person': 'Person',
    'door.log.room': 'Room',
    'door.log.direction': 'In/out',
    'door.log.decision': 'Decision',
    'door.log.reason': 'Reason',
    'door.log.unknown': 'Unknown',
    'door.log.empty': 'No entries yet. Scans appear here as they happen.',
    'door.decision.granted': 'Granted',
    'door.decision.denied': 'Denied',
    'door.live.connecting': 'Connecting…',
    'door.live.live': 'Live',
    'door.live.offline': 'Connection lost. Reconnecting…',

    'door.occupancy.title': 'Who is inside',
    'door.occupancy.count': '{n} inside',
    'door.occupancy.none': 'Nobody is inside.',
    'door.occupancy.since': 'since {time}',
    'door.occupancy.muster': 'Print evacuation list',
    'door.occupancy.muster.label': 'Print the evacuation list of {room}',
    'door.exit.button': 'Record exit',
    'door.exit.button.label': 'Record exit of {name}',
    'door.exit.reason': 'Reason (e.g. lost badge, reader out of order)',
    'door.exit.submit': 'Record the exit',
    'door.exit.cancel': 'Cancel',
    'door.exit.done': 'Exit of {name} recorded.',
    'door.exit.not_inside': 'This person is no longer inside.',
    'door.exit.required': 'Enter the reason.',
    'door.exit.invalid': 'This reason cannot be recorded. Type it again.',
    'door.exit.badge': 'A badge was read, so the field was cleared. Type the reason.',
    'door.exit.failed': 'The exit could not be recorded ({code}). Try again.',
    'door.log.flag.manual_exit': 'Exit recorded by hand',

    'door.norooms.title': 'No rooms have been registered yet.',
    'door.norooms.admin': 'Register a room under “Registration” to start scanning badges.',
    'door.norooms.other': 'Ask an administrator or the responsible person to register a room.',
    'door.norooms.button': 'Register a room',

    'print.loading': 'Loading…',
    'print.blocked': 'A new window could not be opened. Allow pop-ups for this site and try again.',
    'print.failed': 'The printable page could not be loaded ({code}).',
  },
});

const ROOM_KEY = 'tachiai.room';
const SOUND_KEY = 'tachiai.sound';
const LOG_SIZE = 50;
const RESULT_MS = 5000;
const BACKOFF_MIN_MS = 1000;
const BACKOFF_MAX_MS = 30_000;
/** Flags of an entry that the desk warns about (E6.5 clean desk). */
const WARN_FLAGS = ['holding_media'];
/** Flags the log shows for information: an exit recorded by hand. */
const INFO_FLAGS = ['manual_exit'];
const REASONS = [
  'unknown_badge', 'badge_revoked', 'badge_expired', 'not_on_access_list', 'outside_hours',
  'already_inside', 'not_inside', 'nda_missing', 'training_missing', 'escort_required',
];

// What each role may do, as the server's permissions (server/auth/permissions.ts) allow it.
// `scan` (scans:write) also records an exit by hand.
const CAN = {
  scan: ['admin', 'responsible', 'authorized', 'guard'],
  log: ['admin', 'responsible', 'authorized', 'guard', 'auditor'],
  rooms: ['admin', 'responsible', 'authorized', 'staff', 'guard', 'auditor'],
  admin: ['admin', 'responsible'],
};

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** document.createElement with a class, text and attributes. */
export function el(tag, { cls, text, attrs } = {}, ...children) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  for (const [k, v] of Object.entries(attrs ?? {})) if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? '' : String(v));
  node.append(...children);
  return node;
}

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
 * Fetches a printable page (muster list, badge card) with the bearer token and opens it in a new
 * tab from a Blob URL. The window is opened at once, within the click, so pop-up blockers allow it.
 * The page's stylesheet link is made absolute: a blob: document cannot resolve "/assets/…".
 * With `print`, the page opens the browser's print dialog once loaded (autoprint.js).
 * Answers null on success, or an error message key and parameters.
 */
export async function openPrintable(host, path, { print = false } = {}) {
  const session = host.session();
  if (!session) return null;
  const lang = host.lang();
  const win = window.open('', '_blank');
  if (win) {
    try {
      win.opener = null;
      win.document.title = t(lang, 'print.loading');
      win.document.body.textContent = t(lang, 'print.loading');
    } catch {
      // not our document (should not happen for about:blank): it is replaced below anyway
    }
  }
  let res;
  try {
    res = await fetch(path, { headers: { Authorization: `Bearer ${session.token}`, Accept: 'text/html' }, cache: 'no-store' });
  } catch {
    win?.close();
    return { key: 'print.failed', params: { code: 'network' } };
  }
  if (res.status === 401) {
    win?.close();
    host.sessionRefused((await res.json().catch(() => null))?.error?.code);
    return null;
  }
  if (!res.ok) {
    win?.close();
    const code = (await res.json().catch(() => null))?.error?.code ?? `HTTP ${res.status}`;
    return { key: 'print.failed', params: { code } };
  }
  const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
  for (const link of doc.querySelectorAll('link[href]')) link.setAttribute('href', /** @type {HTMLLinkElement} */ (link).href);
  if (print) doc.head.append(el('script', { attrs: { src: new URL('/assets/autoprint.js', location.href).href } }));
  const url = URL.createObjectURL(new Blob([`<!doctype html>\n${doc.documentElement.outerHTML}`], { type: 'text/html;charset=utf-8' }));
  setTimeout(() => URL.revokeObjectURL(url), 120_000);
  if (win && !win.closed) {
    win.location.href = url;
    return null;
  }
  return window.open(url, '_blank', 'noopener') ? null : { key: 'print.blocked', params: {} };
}

/** Creates the door screens; app.js calls start() after sign-in, stop() when it ends, render() on change. */
export function createDoor(host) {
  /** Per-session state; null while nobody is signed in. */
  let s = null;
  let admin = null;
  let adminLoading = null;
  let audio = null;
  let optionsKey = '';
  const timeFormats = new Map();

  const scanInput = /** @type {HTMLInputElement} */ ($('scan-input'));
  const roomSelect = /** @type {HTMLSelectElement} */ ($('scan-room'));
  const logSelect = /** @type {HTMLSelectElement} */ ($('log-room'));
  const soundBox = /** @type {HTMLInputElement} */ ($('scan-sound'));

  // ------------------------------------------------------------------ helpers

  const lang = () => host.lang();
  const can = (what) => Boolean(s) && s.roles.some((r) => CAN[what].includes(r));

  function timeFormat(withDate) {
    const tz = host.config().displayTimeZone;
    const key = `${lang()}|${tz}|${withDate}`;
    let f = timeFormats.get(key);
    if (!f) {
      f = new Intl.DateTimeFormat(lang(), {
        timeZone: tz,
        ...(withDate ? { month: 'numeric', day: 'numeric' } : {}),
        hour: '2-digit',
        minute: '2-digit',
        second: withDate ? undefined : '2-digit',
        hourCycle: 'h23',
      });
      timeFormats.set(key, f);
    }
    return f;
  }

  /** "09:15:02" today, "11/22 09:15" on another day, in the site's time zone. */
  function formatTime(iso) {
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return String(iso ?? '');
    const tz = host.config().displayTimeZone;
    let days = timeFormats.get(tz);
    if (!days) timeFormats.set(tz, (days = new Intl.DateTimeFormat('en-CA', { timeZone: tz })));
    return timeFormat(days.format(d) !== days.format(new Date())).format(d);
  }

  const roomById = (id) => s?.rooms.find((r) => r.id === id) ?? null;
  const roomLabel = (room) => t(lang(), 'door.room.option', { name: room.name, kind: t(lang(), `door.room.kind.${room.kind}`) });
  const reasonText = (reason) => (REASONS.includes(reason) ? t(lang(), `reason.${reason}`) : String(reason ?? ''));

  /**
   * An entry from the list, the live stream or a scan answer, in one shape. Only the list names
   * the person's organisation; for the others it comes from what this page has seen before.
   */
  function normalise(e) {
    const id = String(e.id ?? e.entryId ?? '');
    const room = roomById(e.roomId);
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
      entries: [],
      logRoom: '',
      occupancy: new Map(),
      orgOf: new Map(),
      occupancyTimers: new Map(),
      /** The open manual-exit form: { roomId, personId, note, error?, busy? } */
      exit: null,
      result: null,
      resultTimer: 0,
      scanSeq: 0,
      live: 'connecting',
      stream: null,
      backoff: BACKOFF_MIN_MS,
      retryTimer: 0,
      disconnected: false,
    };
    soundBox.checked = storageGet(SOUND_KEY) !== 'off';
    render();
    void loadRooms().then(() => {
      if (!s || s.session !== session) return;
      render();
      refocus();
      if (can('log')) {
        void fillLog();
        connect();
      }
      if (can('rooms')) for (const room of s.rooms) void loadOccupancy(room.id);
    });
  }

  function stop() {
    if (!s) return;
    s.stream?.abort();
    clearTimeout(s.retryTimer);
    clearTimeout(s.resultTimer);
    clearTimeout(s.noticeTimer);
    for (const timer of s.occupancyTimers.values()) clearTimeout(timer);
    s = null;
    optionsKey = '';
    admin?.stop();
    scanInput.value = '';
    // Nothing of the session stays on the page (E3.6).
    for (const id of ['log-body', 'occupancy-rooms', 'scan-room', 'log-room']) $(id).replaceChildren();
    for (const id of ['scan-verdict', 'scan-person', 'scan-reason', 'scan-meta', 'scan-flag', 'door-notice']) $(id).textContent = '';
    $('door-admin').replaceChildren();
    admin = null;
    adminLoading = null;
    render();
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
    s.rooms = Array.isArray(res.data?.items) ? res.data.items : [];
    s.roomsLoaded = true;
    const saved = storageGet(ROOM_KEY);
    if (!s.rooms.some((r) => r.id === s.roomId)) {
      s.roomId = s.rooms.some((r) => r.id === saved) ? saved : (s.rooms[0]?.id ?? null);
    }
    if (s.logRoom && !roomById(s.logRoom)) s.logRoom = '';
    for (const id of [...s.occupancy.keys()]) if (!roomById(id)) s.occupancy.delete(id);
  }

  /** Called by the registration forms when rooms change. */
  async function reloadRooms() {
    const before = new Set(s?.rooms.map((r) => r.id));
    await loadRooms();
    if (!s) return;
    render();
    for (const room of s.rooms) if (!before.has(room.id)) void loadOccupancy(room.id);
  }

  async function fillLog() {
    if (!s) return;
    const my = s;
    const room = s.logRoom;
    const q = new URLSearchParams({ limit: String(LOG_SIZE) });
    if (room) q.set('roomId', room);
    const res = await host.api('GET', `/api/entries?${q}`);
    if (s !== my || my.logRoom !== room || res.status !== 200) return;
    const fetched = (res.data?.items ?? []).map(normalise);
    // Keep what the stream delivered meanwhile; the list answer wins for the same id.
    const byId = new Map(my.entries.filter((e) => !room || e.roomId === room).map((e) => [e.id, e]));
    for (const e of fetched) byId.set(e.id, e);
    my.entries = sortEntries([...byId.values()]);
    renderLog();
  }

  function sortEntries(list) {
    return list.sort((a, b) => b.ms - a.ms || Number(b.id) - Number(a.id) || (b.id > a.id ? 1 : -1)).slice(0, LOG_SIZE);
  }

  function addEntry(entry) {
    if (!s || !entry.id) return;
    if (!roomById(entry.roomId) && can('rooms')) void reloadRooms();
    if (entry.decision === 'granted') scheduleOccupancy(entry.roomId);
    if (s.logRoom && entry.roomId !== s.logRoom) return;
    if (s.entries.some((e) => e.id === entry.id)) return;
    s.entries = sortEntries([entry, ...s.entries]);
    s.fresh = entry.id;
    renderLog();
  }

  async function loadOccupancy(roomId) {
    if (!s) return;
    const my = s;
    const res = await host.api('GET', `/api/rooms/${encodeURIComponent(roomId)}/occupancy`);
    if (s !== my) return;
    if (res.status === 200 && res.data) {
      my.occupancy.set(roomId, res.data);
      const x = my.exit;
      // The person of the open manual-exit form has left meanwhile.
      if (x?.roomId === roomId && !x.busy && !res.data.occupants?.some((o) => o.personId === x.personId)) closeExit({ key: 'door.exit.not_inside', ok: true });
      let learned = false;
      for (const o of res.data.occupants ?? []) {
        if (o.orgName && !my.orgOf.has(o.personId)) {
          my.orgOf.set(o.personId, o.orgName);
          learned = true;
        }
      }
      if (learned) {
        for (const e of my.entries) if (!e.orgName && e.personId) e.orgName = my.orgOf.get(e.personId) ?? null;
        renderLog();
      }
    }
    else if (res.status === 404) void reloadRooms();
    renderOccupancy();
  }

  function scheduleOccupancy(roomId) {
    if (!s || !can('rooms')) return;
    clearTimeout(s.occupancyTimers.get(roomId));
    s.occupancyTimers.set(roomId, setTimeout(() => void loadOccupancy(roomId), 150));
  }

  // ------------------------------------------------------------------ live stream

  function setLive(state) {
    if (!s) return;
    s.live = state;
    renderLiveStatus();
  }

  async function connect() {
    if (!s) return;
    const my = s;
    const ctrl = new AbortController();
    my.stream = ctrl;
    setLive(my.disconnected ? 'offline' : 'connecting');
    let res;
    try {
      res = await fetch('/api/entries/live', {
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
      void fillLog();
      for (const room of my.rooms) scheduleOccupancy(room.id);
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
    if (type !== 'entry' || data.length === 0) return;
    try {
      addEntry(normalise(JSON.parse(data.join('\n'))));
    } catch {
      // not JSON: ignore
    }
  }

  // ------------------------------------------------------------------ scanning

  function setDirection(direction) {
    if (!s) return;
    s.direction = direction;
    renderDirection();
  }

  function primeAudio() {
    if (!soundBox.checked) return;
    try {
      audio ??= new AudioContext();
      if (audio.state === 'suspended') void audio.resume();
    } catch {
      audio = null;
    }
  }

  /** A short cue: two rising notes for granted, two low buzzes for denied or not recorded. */
  function cue(kind) {
    if (!soundBox.checked || !audio) return;
    try {
      const granted = kind === 'granted';
      const notes = granted ? [[880, 0, 0.12], [1320, 0.13, 0.18]] : [[196, 0, 0.22], [196, 0.3, 0.3]];
      for (const [freq, at, length] of notes) {
        const osc = audio.createOscillator();
        const gain = audio.createGain();
        osc.type = granted ? 'sine' : 'square';
        osc.frequency.value = freq;
        const t0 = audio.currentTime + at;
        gain.gain.setValueAtTime(0.0001, t0);
        gain.gain.exponentialRampToValueAtTime(granted ? 0.3 : 0.12, t0 + 0.015);
        gain.gain.exponentialRampToValueAtTime(0.0001, t0 + length);
        osc.connect(gain).connect(audio.destination);
        osc.start(t0);
        osc.stop(t0 + length + 0.02);
      }
    } catch {
      // no audio output: the screen says it all
    }
  }

  function showResult(result) {
    if (!s) return;
    clearTimeout(s.resultTimer);
    s.result = result;
    renderResult();
    if (result.state !== 'pending') {
      cue(result.state === 'granted' ? 'granted' : 'denied');
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
    primeAudio();
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
      const d = res.data;
      const entry = normalise({ ...d, roomName: room.name });
      addEntry(entry);
      if (seq === my.scanSeq) {
        showResult({
          state: d.decision === 'granted' ? 'granted' : 'denied',
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

  /** A message above the front-desk view: an error, or (ok) a confirmation that goes away by itself. */
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
    return Boolean(s) && host.visible() && s.view === 'desk' && can('scan') && s.rooms.length > 0 && !$('scan-card').hidden;
  }

  /** Puts the focus back on the scan input unless the user is working in another field. */
  function refocus() {
    setTimeout(() => {
      // The manual-exit form keeps the focus while it is open (closing it calls this again).
      if (!scanReady() || s.exit || document.activeElement === scanInput) return;
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

  async function openAdmin(task) {
    if (!s) return;
    const my = s;
    adminLoading ??= import('./admin.js').then((m) => {
      if (s === my) admin = m.createAdmin(host, { reloadRooms, rooms: () => s?.rooms ?? [], openPrintable: (p) => openPrintable(host, p), el });
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
    $('door-desk').classList.toggle('desk-no-scan', $('scan-card').hidden);

    renderNotice();
    renderRoomOptions();
    renderDirection();
    renderResult();
    renderLiveStatus();
    renderLog();
    renderOccupancy();
    admin?.render();
  }

  function renderRoomOptions() {
    const l = lang();
    const key = `${l}|${s.rooms.map((r) => `${r.id}:${r.name}:${r.kind}`).join(',')}`;
    if (key !== optionsKey) {
      optionsKey = key;
      roomSelect.replaceChildren(...s.rooms.map((r) => el('option', { text: r.name, attrs: { value: r.id, title: roomLabel(r) } })));
      logSelect.replaceChildren(
        el('option', { text: t(l, 'door.log.all'), attrs: { value: '' } }),
        ...s.rooms.map((r) => el('option', { text: r.name, attrs: { value: r.id } })),
      );
    }
    if (s.roomId) roomSelect.value = s.roomId;
    logSelect.value = s.logRoom;
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
    if (state === 'pending') verdict = t(l, 'door.scan.pending');
    else if (state === 'granted') {
      verdict = t(l, `door.result.granted.${r.direction}`);
      person = r.name;
    } else if (state === 'denied') {
      verdict = t(l, 'door.result.denied');
      person = r.name;
      reason = reasonText(r.reason);
    } else if (state === 'error') {
      verdict = t(l, 'door.result.error');
      reason = t(l, r.messageKey, { code: r.code ?? '' });
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

  function renderLiveStatus() {
    if (!s) return;
    const status = $('live-status');
    status.dataset.state = s.live;
    status.textContent = t(lang(), `door.live.${s.live}`);
  }

  function renderLog() {
    if (!s) return;
    const l = lang();
    const rows = s.entries.map((e) =>
      el(
        'tr',
        { cls: `log-row log-${e.decision}${e.flags.some((f) => WARN_FLAGS.includes(f)) ? ' log-flagged' : ''}${e.id === s.fresh ? ' log-fresh' : ''}`, attrs: { 'data-testid': 'log-row', 'data-entry-id': e.id, 'data-flags': e.flags.join(' ') || undefined } },
        el('td', { cls: 'log-time', text: formatTime(e.at) }),
        el(
          'td',
          { cls: 'log-person' },
          e.personName ? el('span', { text: e.personName }) : el('span', { cls: 'muted', text: t(l, 'door.log.unknown') }),
          ...(e.orgName ? [el('small', { text: e.orgName })] : []),
        ),
        el('td', { text: e.roomName }),
        el('td', { cls: `log-dir log-dir-${e.direction}`, text: t(l, `door.direction.${e.direction}`) }),
        el('td', {}, el('span', { cls: `pill pill-${e.decision}`, text: t(l, `door.decision.${e.decision}`) })),
        el('td', { cls: 'log-reason', text: e.reason ? reasonText(e.reason) : '' }, ...e.flags.map((f) => el('span', { cls: `pill pill-${WARN_FLAGS.includes(f) ? 'warn' : 'info'}`, text: t(l, `door.log.flag.${f}`), attrs: { 'data-testid': 'log-flag' } }))),
      ),
    );
    $('log-body').replaceChildren(...rows);
    $('log-empty').hidden = rows.length > 0;
    /** @type {HTMLElement} */ ($('log-body').closest('.table-wrap')).hidden = rows.length === 0;
    s.fresh = null;
  }

  function renderOccupancy() {
    if (!s) return;
    const l = lang();
    const x = s.exit;
    // The board is rebuilt on every change: the open form keeps its focus and caret.
    const active = /** @type {HTMLInputElement} */ (document.activeElement);
    const form = x && /** @type {HTMLFormElement} */ (active?.closest('.exit-form'));
    const kept = form ? [[...form.elements].indexOf(active), active.selectionStart, active.selectionEnd] : null;
    const cards = s.rooms.map((room) => {
      const occ = s.occupancy.get(room.id);
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
                  el('span', { cls: 'occupant-since', text: t(l, 'door.occupancy.since', { time: formatTime(p.since) }) }),
                  open ? '' : exitButton(l, room, p),
                ),
                open ? exitForm(l, x) : '',
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
          el('span', { cls: 'count', text: t(l, 'door.occupancy.count', { n: count }), attrs: { 'data-testid': 'occupancy-count' } }),
        ),
        list,
        el('p', { cls: 'occupancy-actions' }, muster),
      );
    });
    $('occupancy-rooms').replaceChildren(...cards);
    const node = kept && /** @type {HTMLInputElement} */ (/** @type {HTMLFormElement} */ ($('occupancy-rooms').querySelector('.exit-form'))?.elements[kept[0]]);
    node?.focus({ preventScroll: true });
    if (node?.type === 'text') node.setSelectionRange(kept[1], kept[2]);
  }

  /** Record an exit by hand (scans:write): for someone whose badge was revoked or lost inside, or when the reader is down. */
  function exitButton(l, room, p) {
    if (!can('scan')) return '';
    const label = t(l, 'door.exit.button.label', { name: p.name });
    return el('button', { cls: 'button button-small occupant-exit', text: t(l, 'door.exit.button'), attrs: { type: 'button', 'data-exit': p.personId, 'data-room': room.id, 'data-testid': 'exit-button', 'aria-label': label } });
  }

  /** The form, inline in the occupant's row: the reason, then Enter to record or Escape. */
  function exitForm(l, x) {
    const input = /** @type {HTMLInputElement} */ (
      el('input', { attrs: { id: 'exit-note', type: 'text', required: true, maxlength: 500, autocomplete: 'off', 'data-testid': 'exit-note', 'aria-invalid': Boolean(x.error) && 'true', 'aria-describedby': x.error && 'exit-error' } })
    );
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

  function exitError(key) {
    s.exit.error = key;
    renderOccupancy();
    $('exit-note').focus();
  }

  /** Closes the form, with a message if any; the focus goes back to the scan input. */
  function closeExit(notice) {
    s.exit = null;
    renderOccupancy();
    if (notice) showNotice(notice);
    refocus();
  }

  async function submitExit() {
    const x = s?.exit;
    if (!x || x.busy) return;
    const note = x.note.trim();
    // A badge that the USB reader typed here is neither sent nor left on screen.
    const badge = /tb1_[\w-]{20}/.test(note);
    if (badge) x.note = '';
    if (badge || !note) return exitError(badge ? 'door.exit.badge' : 'door.exit.required');
    const my = s;
    x.busy = true;
    const res = await host.api('POST', `/api/rooms/${encodeURIComponent(x.roomId)}/occupancy/${encodeURIComponent(x.personId)}/exit`, { body: { note } });
    x.busy = false;
    if (s !== my || res.status === 401) return;
    const mine = my.exit === x;
    if (res.status === 400 && mine) return exitError('door.exit.invalid');
    const code = res.code ?? `HTTP ${res.status}`;
    const done = res.status === 201 || code === 'not_inside';
    if (res.status === 201) addEntry(normalise({ ...res.data, roomId: x.roomId, direction: 'out', decision: 'granted' }));
    if (done || res.status === 404) void loadOccupancy(x.roomId);
    const key = res.status === 201 ? 'door.exit.done' : done ? 'door.exit.not_inside' : res.status === 0 ? 'error.network' : res.status === 503 ? 'error.database_unavailable' : 'door.exit.failed';
    const notice = { key, ok: done, params: { name: res.data?.person?.name, code } };
    // Network or database trouble: the form stays open with what was typed, for another try.
    if (mine && (done || res.status === 403 || res.status === 404)) closeExit(notice);
    else showNotice(notice);
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
  logSelect.addEventListener('change', () => {
    if (!s) return;
    s.logRoom = logSelect.value;
    s.entries = s.entries.filter((e) => !s.logRoom || e.roomId === s.logRoom);
    renderLog();
    void fillLog();
    refocus();
  });
  soundBox.addEventListener('change', () => {
    storageSet(SOUND_KEY, soundBox.checked ? 'on' : 'off');
    refocus();
  });
  const board = $('occupancy-rooms');
  board.addEventListener('submit', (event) => {
    event.preventDefault();
    void submitExit();
  });
  board.addEventListener('input', (event) => {
    const input = /** @type {HTMLInputElement} */ (event.target);
    if (!s?.exit || input.id !== 'exit-note') return;
    s.exit.note = input.value;
    // Typing clears the message at the field (without a redraw, which would end an IME composition).
    if (s.exit.error) {
      s.exit.error = null;
      input.removeAttribute('aria-invalid');
      $('exit-error').remove();
    }
  });
  board.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !event.isComposing && s?.exit) {
      event.preventDefault();
      closeExit();
    }
  });
  board.addEventListener('click', async (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    const exit = /** @type {HTMLElement} */ (target.closest('[data-exit]'));
    if (exit && s) {
      showNotice(null);
      s.exit = { roomId: exit.dataset.room, personId: exit.dataset.exit, note: '' };
      renderOccupancy();
      $('exit-note').focus();
    }
    if (target.closest('[data-exit-cancel]') && s) closeExit();
    const button = target.closest('[data-muster]');
    if (!button || !s) return;
    showNotice(null);
    const error = await openPrintable(host, `/api/rooms/${encodeURIComponent(button.getAttribute('data-muster'))}/muster?lang=${lang()}`);
    if (error) showNotice(error);
    // The list opens in its own tab; this page's focus is back on the scan input for later.
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
  window.addEventListener('online', () => {
    if (s && s.live === 'offline') {
      clearTimeout(s.retryTimer);
      void connect();
    }
  });
  $('door-views').addEventListener('click', (event) => {
    const tab = /** @type {HTMLElement} */ (event.target).closest('[data-view]');
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

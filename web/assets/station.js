// @ts-check
// A door station's kiosk (issue 14, item 1; docs/operations.md "Door stations"): a browser at one
// room's door, enrolled with a credential of its own, that records the badges its reader types.
//
// - Enrolment: /station.html#enrol=<credential> keeps the credential in localStorage, takes it out
//   of the address bar at once, and checks it (GET /api/door-stations/me); every load checks it
//   again. The credential is a device's, not a person's: it never times out (E3.6 is about
//   people's sessions) and survives reloads and server restarts. Unknown or revoked (401): said
//   plainly, for good, and the credential is forgotten.
// - Scanning: the reader input keeps the focus; Enter sends POST /api/scans with the credential and
//   shows the decision large, with its sound; the decision (and the person's name) goes after a
//   few seconds. The badge is cleared from the input at once and never kept. An unattended station
//   shows nothing else: no log, no names.
// - Offline, loudly and at once: a scan or a check that cannot reach the server (network error, no
//   answer within 3 s, 5xx) turns the red banner on with the alarm, and the reader's input is
//   refused (cleared, with the alarm) until the server answers again (GET /api/health every 2 s).
//   Scans are never queued: what was read meanwhile is gone, and the banner says it was not recorded.
// - A guard may sign in here to see this room's live log and who is inside. These go with the
//   guard's sign-out or idle sign-out (E3.6: 5 minutes, or ?idle=SECONDS for tests); the reader's
//   keystrokes are not the guard's activity. The scans keep being recorded with the station's
//   credential all the while. The guard's token lives in this module's memory only.
import { t, addMessages, duration, pickLanguage } from './i18n.js';
import { $, el } from './dom.js';
import { formatDateTime } from './dates.js';
import { DOOR_MESSAGES } from './door-messages.js';
import { STATION_MESSAGES } from './station-messages.js';
import { createLiveLog, WARN_FLAGS } from './live-log.js';
import { createSound } from './door-sound.js';
import { guardAgainstBadges } from './badge-guard.js';

addMessages(DOOR_MESSAGES);
addMessages(STATION_MESSAGES);

const CREDENTIAL_KEY = 'tachiai.station';
/** The station's room and name as last confirmed (shown while the server cannot be reached). */
const ME_KEY = 'tachiai.station.me';
/** The enrolment that was refused (401): the message stays after a reload, until a new enrolment. */
const REVOKED_KEY = 'tachiai.station.revoked';
const LANG_KEY = 'tachiai.lang';
const CREDENTIAL = /^tds1_[A-Za-z0-9_-]{43}$/;

/** A request that has no answer by then counts as "cannot reach the server". */
const TIMEOUT_MS = 3000;
/** While offline: how often the server is asked again. */
const OFFLINE_POLL_MS = 2000;
/**
 * While online and idle: how often the enrolment is checked — the server is reachable, the station
 * not revoked, and the registration list shows it was seen. Every check is a row of the access log
 * (E2.15), hence not more often.
 */
const IDLE_CHECK_MS = 30_000;
/** How long a decision stays on screen (twice as long with a warning). */
const RESULT_MS = 5000;
/** A guard sign-in form left open gives the reader back after this long without activity. */
const SIGNIN_FORM_MS = 60_000;
const IDLE_WARNING_MS = 30_000;
const REFRESH_BEFORE_MS = 60_000;
const TICK_MS = 500;
const DEFAULT_CONFIG = { displayTimeZone: 'Asia/Tokyo', idleTimeoutSeconds: 300, version: '', siteName: { ja: '', en: '' } };
/** Who may read the entry log (server/auth/permissions.ts: entries:read). */
const LOG_READERS = ['admin', 'responsible', 'authorized', 'guard', 'auditor'];
const REASONS = ['unknown_badge', 'badge_revoked', 'badge_expired', 'not_on_access_list', 'outside_hours', 'already_inside', 'not_inside', 'nda_missing', 'training_missing', 'escort_required'];

/** @typedef {import('./page-types.js').ApiResult} ApiResult */
/** @typedef {import('./api-types.js').StationMe} StationMe */
/**
 * What the reader shows: the decision of the scan just made, or why nothing was recorded.
 * @typedef {{ state: 'pending' | 'granted' | 'denied' | 'error', direction?: string, name?: string, reason?: string | null,
 *   flags?: string[], messageKey?: string, code?: string }} StationResult
 */

function storageGet(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function storageSet(key, value) {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // storage disabled: the enrolment lasts until the page is closed
  }
}

/** @param {string | null} raw */
function parseJson(raw) {
  try {
    return raw ? JSON.parse(raw) : null;
  } catch {
    return null;
  }
}

/** The idle timeout from `?idle=SECONDS` (tests), as app.js reads it; only ever shortens the server's value. */
function parseIdleOverride(search) {
  const raw = new URLSearchParams(search).get('idle');
  if (raw === null || !/^\d+(\.\d+)?$/.test(raw)) return null;
  const n = Number(raw);
  return Number.isFinite(n) && n > 0 ? n : null;
}

const state = {
  lang: pickLanguage(storageGet(LANG_KEY), navigator.languages?.length ? navigator.languages : [navigator.language]),
  config: { ...DEFAULT_CONFIG },
  configLoaded: false,
  idleOverride: parseIdleOverride(location.search),
  /** @type {string | null} */
  credential: storageGet(CREDENTIAL_KEY),
  /** @type {StationMe | null} */
  me: parseJson(storageGet(ME_KEY)),
  /** none: not enrolled; checking; ok; revoked (401); invalid (a broken enrolment address); error (an unexpected answer) */
  enrol: /** @type {'none' | 'checking' | 'ok' | 'revoked' | 'invalid' | 'error'} */ ('checking'),
  errorCode: '',
  /** @type {{ name: string, roomName: string } | null} */
  revokedWas: parseJson(storageGet(REVOKED_KEY)),
  /** Can the server be reached? */
  online: true,
  /** @type {StationResult | null} */
  result: null,
  resultTimer: 0,
  scanSeq: 0,
  pollTimer: 0,
  /** The guard signed in here, in memory only. @type {import('./page-types.js').Session | null} */
  guard: null,
  signinOpen: false,
  signinBusy: false,
  /** @type {null | ((lang: string) => string[])} */
  signinError: null,
  /** @type {null | ((lang: string) => string)} */
  guardNotice: null,
  guardNoticeTimer: 0,
  idleWarning: false,
  lastActivity: Date.now(),
  lastRefresh: 0,
  refreshing: false,
  /** @type {import('./api-types.js').Occupancy | null} */
  occupancy: null,
  occupancyTimer: 0,
};

const input = /** @type {HTMLInputElement} */ ($('station-input'));
const sound = createSound();

const idleSeconds = () => {
  const server = state.config.idleTimeoutSeconds > 0 ? state.config.idleTimeoutSeconds : DEFAULT_CONFIG.idleTimeoutSeconds;
  return state.idleOverride !== null && state.idleOverride < server ? state.idleOverride : server;
};
const formatTime = (iso) => formatDateTime(iso, state.config.displayTimeZone);
const reasonText = (reason) => (REASONS.includes(reason) ? t(state.lang, `reason.${reason}`) : String(reason ?? ''));
/** Scans are accepted only by an enrolled station that can reach the server. */
const accepting = () => state.enrol === 'ok' && state.online && Boolean(state.me && state.credential);

// ---------------------------------------------------------------------------------------------
// HTTP

/**
 * Calls the API with a bearer token (the station's credential or the guard's); never throws.
 * status 0: no answer (code 'network', or 'timeout' after `timeout` ms).
 * @param {string} method
 * @param {string} path
 * @param {{ body?: unknown, token?: string | null, timeout?: number, keepalive?: boolean }} [options]
 * @returns {Promise<ApiResult>}
 */
async function request(method, path, { body, token, timeout = TIMEOUT_MS, keepalive = false } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), timeout);
  try {
    const res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'same-origin',
      signal: ctrl.signal,
      keepalive,
    });
    const text = res.status === 204 ? '' : await res.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    return { status: res.status, code: data?.error?.code ?? null, data, headers: res.headers };
  } catch {
    return { status: 0, code: ctrl.signal.aborted ? 'timeout' : 'network', data: null, headers: new Headers() };
  } finally {
    clearTimeout(timer);
  }
}

/** No answer, or the server (or a proxy in front of it) failing: the station cannot record. */
const unreachable = (/** @type {ApiResult} */ res) => res.status === 0 || res.status >= 500;

async function loadConfig() {
  const res = await request('GET', '/api/config');
  if (res.status !== 200 || !res.data) return false;
  const c = res.data;
  let tz = DEFAULT_CONFIG.displayTimeZone;
  try {
    if (typeof c.displayTimeZone === 'string' && c.displayTimeZone) {
      new Intl.DateTimeFormat('en', { timeZone: c.displayTimeZone });
      tz = c.displayTimeZone;
    }
  } catch {
    // not a time zone this browser knows: the default
  }
  state.config = {
    displayTimeZone: tz,
    idleTimeoutSeconds: Number.isFinite(c.idleTimeoutSeconds) && c.idleTimeoutSeconds > 0 ? c.idleTimeoutSeconds : DEFAULT_CONFIG.idleTimeoutSeconds,
    version: typeof c.version === 'string' ? c.version : '',
    siteName: { ja: String(c.site?.nameJa ?? ''), en: String(c.site?.nameEn ?? '') },
  };
  state.configLoaded = true;
  render();
  return true;
}

// ---------------------------------------------------------------------------------------------
// Enrolment

/** `#enrol=<credential>`: kept, and out of the address bar (and the history) at once. */
function readEnrolment() {
  if (!location.hash) return;
  const credential = new URLSearchParams(location.hash.slice(1)).get('enrol');
  if (credential === null) return;
  history.replaceState(null, '', location.pathname + location.search);
  if (!CREDENTIAL.test(credential)) {
    state.enrol = 'invalid';
    return;
  }
  // Another enrolment (a new address opened in this tab): a guard signed in for the old room goes.
  if (state.guard && credential !== state.credential) endGuard('signed_out', true);
  state.credential = credential;
  state.me = null;
  state.revokedWas = null;
  state.enrol = 'checking';
  storageSet(CREDENTIAL_KEY, credential);
  storageSet(ME_KEY, null);
  storageSet(REVOKED_KEY, null);
}

/** Asks the server who this station is: the room it records (and, while idle, that it still can). */
async function checkEnrolment() {
  if (!state.credential) {
    if (state.enrol !== 'invalid' && state.enrol !== 'revoked') state.enrol = 'none';
    render();
    return;
  }
  const credential = state.credential;
  const res = await request('GET', '/api/door-stations/me', { token: credential });
  if (credential !== state.credential) return;
  if (res.status === 200 && res.data?.roomId) {
    state.me = { id: String(res.data.id), name: String(res.data.name), roomId: String(res.data.roomId), roomName: String(res.data.roomName) };
    storageSet(ME_KEY, JSON.stringify(state.me));
    const first = state.enrol !== 'ok';
    state.enrol = 'ok';
    setOnline(true);
    if (first) refocus();
  } else if (res.status === 401) revoked();
  else if (unreachable(res)) setOnline(false);
  else {
    state.enrol = 'error';
    state.errorCode = res.code ?? `HTTP ${res.status}`;
    setOnline(true);
  }
  render();
}

/** Unknown or revoked (401): said for good, the credential forgotten, no scan accepted. */
function revoked() {
  const was = state.me ? { name: state.me.name, roomName: state.me.roomName } : null;
  state.enrol = 'revoked';
  state.credential = null;
  state.me = null;
  state.revokedWas = was;
  storageSet(CREDENTIAL_KEY, null);
  storageSet(ME_KEY, null);
  storageSet(REVOKED_KEY, was ? JSON.stringify(was) : '{}');
  clearResult();
  if (state.guard) endGuard('signed_out', true);
  sound.cue('error');
  render();
}

// ---------------------------------------------------------------------------------------------
// Online / offline

/** @param {boolean} online */
function setOnline(online) {
  if (online === state.online) {
    schedulePoll();
    return;
  }
  state.online = online;
  if (!online) {
    input.value = '';
    sound.cue('error');
  }
  schedulePoll();
  render();
}

/** While offline: /api/health every 2 s, then the enrolment. While online: the enrolment every 30 s. */
function schedulePoll() {
  clearTimeout(state.pollTimer);
  if (!state.credential || state.enrol === 'revoked') return;
  state.pollTimer = setTimeout(() => void poll(), state.online ? IDLE_CHECK_MS : OFFLINE_POLL_MS);
}

async function poll() {
  if (!state.online) {
    const res = await request('GET', '/api/health');
    if (res.status !== 200) {
      schedulePoll();
      return;
    }
    if (!state.configLoaded) void loadConfig();
  }
  await checkEnrolment();
}

// ---------------------------------------------------------------------------------------------
// Scanning

/** Refused input (offline, not enrolled): cleared, with the alarm; the banner flashes. */
function refuseInput() {
  input.value = '';
  sound.cue('error');
  const banner = $('station-offline');
  banner.classList.remove('station-flash');
  void banner.offsetWidth; // restart the animation
  banner.classList.add('station-flash');
}

async function scan() {
  const badge = input.value.trim();
  input.value = '';
  sound.prime();
  // The reader's Enter while nothing can be recorded: its characters were cleared as they came.
  if (!accepting() || !state.me || !state.credential) {
    refuseInput();
    return;
  }
  if (!badge) return;
  const me = state.me;
  const seq = ++state.scanSeq;
  showResult({ state: 'pending' });
  const res = await request('POST', '/api/scans', { token: state.credential, body: { roomId: me.roomId, badge } });
  const latest = seq === state.scanSeq;
  if (res.status === 201 && res.data) {
    /** @type {import('./api-types.js').ScanResult} */
    const d = res.data;
    setOnline(true);
    if (state.guard) log.add(log.normalise({ ...d, roomName: me.roomName }));
    if (latest) {
      showResult({
        state: d.decision === 'granted' ? 'granted' : 'denied',
        direction: d.direction === 'out' ? 'out' : 'in',
        name: d.person?.name ?? '',
        reason: d.reason ?? null,
        flags: (d.flags ?? []).filter((f) => WARN_FLAGS.includes(f)),
      });
    }
    return;
  }
  if (res.status === 401) {
    revoked();
    return;
  }
  if (unreachable(res)) {
    setOnline(false); // with the alarm
    if (latest) showResult({ state: 'error', messageKey: res.code === 'timeout' ? 'station.error.timeout' : 'station.error.offline' }, false);
    return;
  }
  let key = 'door.error.other';
  if (res.status === 403) {
    key = res.code === 'station_wrong_room' ? 'station.error.wrong_room' : 'station.error.forbidden';
    void checkEnrolment();
  } else if (res.status === 404) key = 'station.error.room';
  else if (res.status === 409) key = 'station.error.busy';
  else if (res.status === 400 || res.status === 413) key = 'door.error.invalid';
  if (latest) showResult({ state: 'error', messageKey: key, code: res.code ?? `HTTP ${res.status}` });
}

/**
 * @param {StationResult} result
 * @param {boolean} [withCue] false when the alarm has just sounded (going offline)
 */
function showResult(result, withCue = true) {
  clearTimeout(state.resultTimer);
  state.result = result;
  renderResult();
  if (result.state === 'pending') return;
  if (withCue) sound.cue(result.state === 'granted' ? 'granted' : result.state === 'denied' ? 'denied' : 'error');
  // The decision — and the person's name with it — goes after a few seconds.
  state.resultTimer = setTimeout(() => {
    if (state.result === result) clearResult();
  }, result.flags?.length || result.state === 'error' ? 2 * RESULT_MS : RESULT_MS);
}

function clearResult() {
  clearTimeout(state.resultTimer);
  state.result = null;
  renderResult();
}

// ---------------------------------------------------------------------------------------------
// The guard

/** What the live log (live-log.js) uses of this page: the guard's API calls and session. */
/** @type {import('./page-types.js').Host} */
const guardHost = {
  api: (method, path, options) => guardApi(method, path, options),
  session: () => state.guard,
  lang: () => state.lang,
  config: () => state.config,
  visible: () => Boolean(state.guard),
  sessionRefused: () => endGuard('ended', false),
};

/** This station's room, as the log's parts know rooms. */
function stationRoom() {
  const me = state.me;
  return me ? /** @type {import('./api-types.js').Room} */ ({ id: me.roomId, name: me.roomName, kind: 'secure', hours: null, requiresTraining: false, createdAt: '' }) : null;
}

const log = createLiveLog({
  host: guardHost,
  can: (what) => what === 'log' || what === 'rooms',
  rooms: () => {
    const room = stationRoom();
    return room ? [room] : [];
  },
  formatTime,
  reloadRooms: async () => undefined,
  showNotice: () => undefined,
  refocus: () => refocus(),
  roomById: (id) => (id === state.me?.roomId ? stationRoom() : null),
  reasonText,
  changed: () => scheduleOccupancy(),
  get fixedRoomId() {
    return state.me?.roomId;
  },
});

/**
 * The guard's API calls: a 401 ends the guard's sign-in (never the station's).
 * @param {string} method
 * @param {string} path
 * @param {{ body?: unknown }} [options]
 */
async function guardApi(method, path, { body } = {}) {
  const guard = state.guard;
  if (!guard) return { status: 401, code: 'session_ended', data: null, headers: new Headers() };
  const res = await request(method, path, { body, token: guard.token, timeout: 15_000 });
  if (res.status === 401 && guard === state.guard) endGuard('ended', false);
  return res;
}

function openSignin() {
  if (state.enrol !== 'ok' || state.guard) return;
  state.signinOpen = true;
  state.signinError = null;
  state.lastActivity = Date.now();
  render();
  $('st-username').focus();
}

function closeSignin() {
  state.signinOpen = false;
  state.signinBusy = false;
  state.signinError = null;
  /** @type {HTMLFormElement} */ ($('station-signin-form')).reset();
  render();
  refocus();
}

/** @param {ApiResult} res */
function signinErrorLines(res) {
  const known = ['invalid_credentials', 'second_factor_required', 'pin_change_required', 'pin_locked', 'pin_busy', 'too_many_requests', 'database_unavailable', 'account_locked'];
  if (res.code && known.includes(res.code)) return (lang) => [t(lang, `error.${res.code}`)];
  if (res.status === 0) return (lang) => [t(lang, 'error.network')];
  if (res.status === 400) return (lang) => [t(lang, 'error.invalid_request')];
  const code = res.code ?? `HTTP ${res.status}`;
  return (lang) => [t(lang, 'error.unexpected', { code })];
}

async function onSignin(event) {
  event.preventDefault();
  if (state.signinBusy) return;
  const username = /** @type {HTMLInputElement} */ ($('st-username')).value.trim();
  const password = /** @type {HTMLInputElement} */ ($('st-password')).value;
  const badge = /** @type {HTMLInputElement} */ ($('st-badge')).value.trim();
  const pinInput = /** @type {HTMLInputElement} */ ($('st-pin'));
  const pin = pinInput.value;
  if (!username || !password) {
    state.signinError = (lang) => [t(lang, username ? 'error.password_required' : 'error.username_required')];
    render();
    $(username ? 'st-password' : 'st-username').focus();
    return;
  }
  state.signinBusy = true;
  state.signinError = null;
  render();
  /** @type {Record<string, string>} */
  const body = { username, password };
  if (badge) body.badge = badge;
  if (pin) body.pin = pin;
  const res = await request('POST', '/api/auth/login', { body, timeout: 15_000 });
  state.signinBusy = false;
  pinInput.value = '';
  /** @type {HTMLInputElement} */ ($('st-badge')).value = '';
  if (res.status === 200 && res.data?.token) {
    /** @type {import('./api-types.js').SigninAnswer} */
    const d = res.data;
    const roles = Array.isArray(d.user?.roles) ? d.user.roles.map(String) : [];
    const refusal = d.passwordExpired ? 'station.guard.password_expired' : roles.some((r) => LOG_READERS.includes(r)) ? null : 'station.guard.not_allowed';
    if (refusal) {
      void request('POST', '/api/auth/logout', { token: d.token });
      state.signinError = (lang) => [t(lang, refusal)];
      /** @type {HTMLInputElement} */ ($('st-password')).value = '';
      render();
      $('st-username').focus();
      return;
    }
    /** @type {HTMLFormElement} */ ($('station-signin-form')).reset();
    const expiresAtMs = Date.parse(d.expiresAt);
    state.guard = {
      token: d.token,
      expiresAtMs: Number.isFinite(expiresAtMs) ? expiresAtMs : Date.now() + 15 * 60_000,
      user: { personId: String(d.user?.personId ?? ''), name: String(d.user?.name ?? username), roles },
      username,
      previousLoginAt: d.previousLoginAt ?? null,
      previousLogoutAt: d.previousLogoutAt ?? null,
      credentialNotices: [],
      passwordExpiresAt: d.passwordExpiresAt ?? null,
      passwordExpired: false,
    };
    state.signinOpen = false;
    state.guardNotice = null;
    state.lastActivity = Date.now();
    state.lastRefresh = Date.now();
    log.start();
    log.open();
    void loadOccupancy();
    render();
    refocus();
    return;
  }
  state.signinError = signinErrorLines(res);
  render();
  if (res.code === 'second_factor_required') $('st-badge').focus();
  else if (res.code === 'invalid_credentials') {
    /** @type {HTMLInputElement} */ ($('st-password')).value = '';
    $('st-password').focus();
  } else $('st-username').focus();
}

/**
 * The guard's sign-in ends: the log and the list of people inside go with it (E3.6).
 * @param {'idle' | 'signed_out' | 'ended' | 'expired'} reason
 * @param {boolean} tellServer
 */
function endGuard(reason, tellServer) {
  const guard = state.guard;
  if (!guard) return;
  state.guard = null;
  state.idleWarning = false;
  log.stop();
  clearTimeout(state.occupancyTimer);
  state.occupancy = null;
  $('station-occupants').replaceChildren();
  if (tellServer) void request('POST', '/api/auth/logout', { token: guard.token, keepalive: true });
  const secs = idleSeconds();
  const key = { idle: 'station.guard.idle', signed_out: 'station.guard.signed_out', ended: 'station.guard.ended', expired: 'station.guard.ended' }[reason];
  showGuardNotice((lang) => t(lang, key, { duration: duration(lang, secs) }));
  render();
  refocus();
}

/** @param {(lang: string) => string} notice */
function showGuardNotice(notice) {
  clearTimeout(state.guardNoticeTimer);
  state.guardNotice = notice;
  state.guardNoticeTimer = setTimeout(() => {
    state.guardNotice = null;
    render();
  }, 3 * RESULT_MS);
}

async function loadOccupancy() {
  const guard = state.guard;
  const roomId = state.me?.roomId;
  if (!guard || !roomId) return;
  const res = await guardApi('GET', `/api/rooms/${encodeURIComponent(roomId)}/occupancy`);
  if (guard !== state.guard) return;
  if (res.status === 200 && res.data) {
    state.occupancy = res.data;
    renderOccupancy();
  }
}

/** Someone went in or out: who is inside is read again, once for a burst of scans. */
function scheduleOccupancy() {
  clearTimeout(state.occupancyTimer);
  if (state.guard) state.occupancyTimer = setTimeout(() => void loadOccupancy(), 150);
}

async function refreshGuard() {
  const guard = state.guard;
  if (!guard || state.refreshing) return;
  state.refreshing = true;
  state.lastRefresh = Date.now();
  try {
    const res = await guardApi('POST', '/api/auth/refresh');
    if (res.status === 200 && res.data?.token && guard === state.guard) {
      guard.token = res.data.token;
      const ms = Date.parse(res.data.expiresAt);
      if (Number.isFinite(ms)) guard.expiresAtMs = ms;
    }
  } finally {
    state.refreshing = false;
  }
}

/** Twice a second: the guard's idle sign-out (E3.6) and its warning; keeping an active guard's session alive. */
function tick() {
  const now = Date.now();
  if (state.signinOpen && now - state.lastActivity >= Math.min(SIGNIN_FORM_MS, idleSeconds() * 1000)) closeSignin();
  const guard = state.guard;
  if (!guard) return;
  const idleMs = idleSeconds() * 1000;
  const idleFor = now - state.lastActivity;
  if (idleFor >= idleMs) {
    endGuard('idle', true);
    return;
  }
  if (now >= guard.expiresAtMs) {
    endGuard('expired', false);
    return;
  }
  const warn = idleMs >= 60_000 && idleMs - idleFor <= IDLE_WARNING_MS;
  if (warn !== state.idleWarning) {
    state.idleWarning = warn;
    render();
  }
  // The guard is active but the page asks the server nothing: keep the session (and token) alive.
  const activeSinceRefresh = state.lastActivity > state.lastRefresh;
  if (activeSinceRefresh && (guard.expiresAtMs - now <= REFRESH_BEFORE_MS || now - state.lastRefresh >= (state.config.idleTimeoutSeconds * 1000) / 2)) void refreshGuard();
}

/** The guard's activity: pointer, wheel, touch, and keys anywhere but in the reader (a badge is not the guard). */
function noteActivity(event) {
  if (event.target === input) return;
  state.lastActivity = Date.now();
  if (state.idleWarning) {
    state.idleWarning = false;
    render();
  }
}

// ---------------------------------------------------------------------------------------------
// Focus: the reader types into the input, always

const readerShown = () => !$('station-reader').hidden && !state.signinOpen;

/** Puts the focus back on the reader input unless someone works in another field. */
function refocus() {
  setTimeout(() => {
    if (!readerShown() || document.activeElement === input) return;
    const active = document.activeElement;
    const field = active instanceof HTMLSelectElement || active instanceof HTMLTextAreaElement || (active instanceof HTMLInputElement && active !== input);
    if (field && active.isConnected && active.getClientRects().length > 0) return;
    input.focus({ preventScroll: true });
  }, 0);
}

/** A reader's key while the focus is elsewhere (a button, nothing): into the reader input, before it is typed. */
function onDocumentKey(event) {
  if (event.target === input || event.isComposing) return;
  // Enrolled but the server cannot be reached before the room was ever confirmed: no reader on
  // screen, yet a badge's Enter still gets the alarm.
  if (!readerShown()) {
    if (event.key === 'Enter' && state.credential && !state.online && !state.signinOpen) refuseInput();
    return;
  }
  const target = /** @type {HTMLElement} */ (event.target);
  if (target instanceof HTMLInputElement || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement) return;
  if (event.key.length !== 1 || event.ctrlKey || event.metaKey || event.altKey) return;
  input.focus({ preventScroll: true });
}

// ---------------------------------------------------------------------------------------------
// Rendering

function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

function translateStatic() {
  const l = state.lang;
  document.documentElement.lang = l;
  document.title = t(l, 'station.title');
  for (const node of document.querySelectorAll('[data-i18n]')) setText(node, t(l, /** @type {HTMLElement} */ (node).dataset.i18n ?? ''));
  for (const node of document.querySelectorAll('[data-i18n-aria-label]')) node.setAttribute('aria-label', t(l, /** @type {HTMLElement} */ (node).dataset.i18nAriaLabel ?? ''));
  const sw = $('lang-switch');
  setText(sw, t(l, 'lang.switch'));
  sw.lang = l === 'ja' ? 'en' : 'ja';
  sw.setAttribute('aria-label', t(l, 'lang.switch.label'));
}

/**
 * @param {HTMLElement} box
 * @param {string[] | null} lines
 */
function renderLines(box, lines) {
  box.hidden = !lines?.length;
  box.replaceChildren(...(lines ?? []).map((line) => el('p', { text: line })));
}

function render() {
  const l = state.lang;
  translateStatic();
  const me = state.me;
  const enrolled = state.enrol === 'ok' || (state.enrol === 'checking' && Boolean(me));
  const setup = !enrolled;
  document.body.dataset.enrol = state.enrol;
  document.body.classList.toggle('station-with-guard', Boolean(state.guard));

  // Not enrolled, revoked, a broken address, or the first check still running.
  $('station-setup').hidden = !setup;
  if (setup) {
    const key = state.enrol === 'checking' ? 'checking' : state.enrol;
    const title = key === 'checking' ? t(l, 'station.checking') : t(l, `station.${key}.title`);
    setText($('station-setup-title'), title);
    setText($('station-setup-how'), key === 'checking' ? '' : t(l, `station.${key}.how`, { code: state.errorCode }));
    const was = state.enrol === 'revoked' && state.revokedWas?.name ? t(l, 'station.revoked.was', { name: state.revokedWas.name, room: state.revokedWas.roomName }) : '';
    setText($('station-setup-note'), state.enrol === 'none' ? t(l, 'station.none.note') : was);
    $('station-setup').dataset.state = key;
  }

  // The red banner: the station cannot reach the server (only for an enrolment it holds).
  const offline = !state.online && Boolean(state.credential);
  $('station-offline').hidden = !offline;
  document.body.classList.toggle('station-is-offline', offline);
  setText($('station-offline-checking'), offline ? t(l, 'station.offline.checking', { n: OFFLINE_POLL_MS / 1000 }) : '');

  $('station-reader').hidden = !enrolled || state.signinOpen;
  setText($('station-room'), me?.roomName ?? '');
  setText($('station-name'), me?.name ?? '');
  renderResult();
  renderLines($('station-guard-notice'), state.guardNotice ? [state.guardNotice(l)] : null);

  // The guard: the sign-in, then the log and who is inside.
  const guard = state.guard;
  $('station-guard-open').hidden = !enrolled || Boolean(guard) || state.signinOpen || state.enrol !== 'ok';
  $('station-guard-signout').hidden = !guard;
  $('station-guard-who').hidden = !guard;
  setText($('station-guard-who'), guard ? t(l, 'station.guard.signedIn', { name: guard.user.name }) : '');
  $('station-signin').hidden = !state.signinOpen;
  setText($('station-signin-intro'), t(l, 'station.guard.intro', { duration: duration(l, idleSeconds()) }));
  renderLines($('station-signin-error'), state.signinError ? state.signinError(l) : null);
  const submit = /** @type {HTMLButtonElement} */ ($('st-submit'));
  submit.disabled = state.signinBusy;
  setText(submit, t(l, state.signinBusy ? 'signin.busy' : 'signin.submit'));

  $('station-guard').hidden = !guard;
  setText(
    $('station-guard-previous'),
    guard
      ? t(l, 'station.guard.previous', {
          login: guard.previousLoginAt ? formatTime(guard.previousLoginAt) : t(l, 'shell.previous.none_first'),
          logout: guard.previousLogoutAt ? formatTime(guard.previousLogoutAt) : t(l, 'shell.previous.none'),
        })
      : '',
  );
  $('station-idle-warning').hidden = !state.idleWarning;
  setText($('station-idle-warning'), state.idleWarning ? t(l, 'station.guard.idle_warning') : '');
  setText($('station-guard-note'), guard ? t(l, 'station.guard.note', { duration: duration(l, idleSeconds()) }) : '');
  log.render();
  renderOccupancy();

  setText($('footer-site'), state.config.siteName[l === 'ja' ? 'ja' : 'en'] ?? '');
  setText($('footer-timezone'), t(l, 'shell.timezone', { tz: state.config.displayTimeZone }));
}

function renderResult() {
  const l = state.lang;
  const r = state.result;
  const box = $('station-result');
  const offline = !state.online;
  const st = r ? r.state : offline || state.enrol !== 'ok' ? 'unavailable' : 'idle';
  box.dataset.state = st;
  if (r?.direction) box.dataset.direction = r.direction;
  else delete box.dataset.direction;
  let verdict = t(l, st === 'unavailable' ? (offline ? 'station.unavailable' : 'station.checking') : 'station.ready');
  let person = '';
  let reason = '';
  if (r?.state === 'pending') verdict = t(l, 'station.pending');
  else if (r?.state === 'granted') {
    verdict = t(l, `door.result.granted.${r.direction === 'out' ? 'out' : 'in'}`);
    person = r.name ?? '';
  } else if (r?.state === 'denied') {
    verdict = t(l, 'door.result.denied');
    person = r.name ?? '';
    reason = reasonText(r.reason);
  } else if (r?.state === 'error') {
    verdict = t(l, 'door.result.error');
    reason = t(l, r.messageKey ?? 'door.error.other', { code: r.code ?? '' });
  }
  setText($('station-verdict'), verdict);
  setText($('station-person'), person);
  $('station-person').hidden = !person;
  setText($('station-reason'), reason);
  $('station-reason').hidden = !reason;
  const flags = (r?.flags ?? []).map((f) => t(l, `door.flag.${f}`)).join(' ');
  setText($('station-flag'), flags);
  $('station-flag').hidden = !flags;
}

function renderOccupancy() {
  const occ = state.guard ? state.occupancy : null;
  const l = state.lang;
  setText($('station-occupancy-count'), occ ? t(l, 'door.occupancy.count', { n: occ.count }) : '');
  const people = occ?.occupants ?? [];
  $('station-occupants').replaceChildren(
    ...people.map((p) =>
      el(
        'li',
        { attrs: { 'data-testid': 'station-occupant', 'data-person-id': p.personId } },
        el('span', { cls: 'occupant-name', text: p.name }),
        el('span', { cls: 'occupant-org', text: p.orgName }),
        el('span', { cls: 'occupant-since', text: t(l, 'door.occupancy.since', { time: formatTime(p.since) }) }),
      ),
    ),
  );
  $('station-occupants-none').hidden = !occ || people.length > 0;
}

// ---------------------------------------------------------------------------------------------
// Wiring

function switchLanguage() {
  state.lang = state.lang === 'ja' ? 'en' : 'ja';
  storageSet(LANG_KEY, state.lang);
  render();
  refocus();
}

function init() {
  input.addEventListener('keydown', (event) => {
    if (event.isComposing) return;
    sound.prime();
    if (event.key === 'Enter') {
      event.preventDefault();
      void scan();
    } else if (event.key === 'Escape') input.value = '';
  });
  // Nothing read while the station cannot record stays in the input, to be sent later.
  input.addEventListener('input', () => {
    if (!accepting()) input.value = '';
  });
  input.addEventListener('blur', (event) => {
    if (!event.relatedTarget) refocus();
  });
  document.addEventListener('keydown', onDocumentKey, { capture: true });
  document.addEventListener('click', (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    if (!target.closest('input, select, textarea, a[href], #station-signin')) refocus();
  });
  window.addEventListener('focus', () => refocus());
  setInterval(() => {
    if (document.activeElement === document.body || !document.activeElement) refocus();
  }, 1000);

  $('lang-switch').addEventListener('click', switchLanguage);
  $('station-guard-open').addEventListener('click', openSignin);
  $('station-guard-signout').addEventListener('click', () => endGuard('signed_out', true));
  $('st-cancel').addEventListener('click', closeSignin);
  $('station-signin-form').addEventListener('submit', (event) => void onSignin(event));
  $('station-signin').addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      closeSignin();
    }
  });
  // Enter in the user name moves on to the password while that is empty; a badge read in the
  // badge field moves on to its PIN (as at the front desk).
  $('st-username').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.isComposing && /** @type {HTMLInputElement} */ ($('st-username')).value.trim() && !/** @type {HTMLInputElement} */ ($('st-password')).value) {
      event.preventDefault();
      $('st-password').focus();
    }
  });
  $('st-badge').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.isComposing && /** @type {HTMLInputElement} */ ($('st-badge')).value.trim() && !/** @type {HTMLInputElement} */ ($('st-pin')).value) {
      event.preventDefault();
      $('st-pin').focus();
    }
  });
  // A badge read into the guard's user name or password is refused, never sent (issue 14, item 2).
  guardAgainstBadges([/** @type {HTMLInputElement} */ ($('st-username')), /** @type {HTMLInputElement} */ ($('st-password'))], (field) => {
    state.signinError = (lang) => [t(lang, 'station.guard.badge_refused')];
    sound.cue('error');
    render();
    field.focus();
  });

  for (const type of ['keydown', 'pointerdown', 'pointermove', 'wheel', 'touchstart']) {
    window.addEventListener(type, noteActivity, { capture: true, passive: true });
  }
  window.addEventListener('hashchange', () => {
    readEnrolment();
    render();
    void checkEnrolment();
  });
  // Leaving or reloading the page ends the guard's sign-in, on the server too (E3.4); the station stays enrolled.
  window.addEventListener('pagehide', () => {
    if (state.guard) endGuard('signed_out', true);
  });
  setInterval(tick, TICK_MS);

  readEnrolment();
  if (!state.credential && state.enrol === 'checking') state.enrol = state.revokedWas ? 'revoked' : 'none';
  render();
  document.documentElement.classList.remove('i18n-pending');
  void loadConfig();
  void checkEnrolment();
}

init();

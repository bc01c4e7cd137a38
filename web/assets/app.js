// @ts-check
// Tachiai front desk: sign-in, the front-desk shell, and the idle lock. The door screens
// (door.js: scanning, live log, occupancy; admin.js: registration forms) are loaded after sign-in;
// the media screens (media.js: custody, handovers, inspections), the destruction screens
// (destruction.js: witnessed destructions, certificates), the audit screens (audit.js: logs,
// journal, checkpoints) and the weekly review (review.js) when their tab is first opened. Each role
// sees only the tabs it can use; the responsible person also sees the weeks overdue for review.
// Plain ES module, no framework, no build step. Runs under `script-src 'self'; style-src 'self'`:
// no inline scripts or styles, no eval; screens are switched with the `hidden` attribute.
//
// The sign-in token lives only in this module (never in localStorage or a cookie):
// closing or reloading the tab ends the sign-in, and the server session is ended too.
import { t, duration, pickLanguage, POLICY_CODES } from './i18n.js';
import { formatDate as formatDateIn, formatDateTime as formatDateTimeIn } from './dates.js';
import { guardAgainstBadges } from './badge-guard.js';
import { shiftWeek, weekOfDay } from './review-week.js';

const LANG_STORAGE_KEY = 'tachiai.lang';
const DEFAULT_CONFIG = { displayTimeZone: 'Asia/Tokyo', idleTimeoutSeconds: 300, version: '', siteName: { ja: '', en: '' } };
/** Refresh the token this long before it expires (while the user is active). */
const REFRESH_BEFORE_MS = 60_000;
/** Show the "you will be signed out soon" banner this long before the idle lock. */
const IDLE_WARNING_MS = 30_000;
const TICK_MS = 500;
const SECTIONS = ['door', 'media', 'destruction', 'audit', 'notices', 'review', 'compliance'];

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** @typedef {import('./page-types.js').ApiResult} ApiResult */

/** The idle timeout from `?idle=SECONDS` (tests); only ever shortens the server's value. */
function parseIdleOverride(search) {
  const raw = new URLSearchParams(search).get('idle');
  if (raw === null || !/^\d+(\.\d+)?$/.test(raw)) return null;
  const n = Number(raw);
  return Number.isFinite(n) && n > 0 ? n : null;
}

function readSavedLanguage() {
  try {
    return localStorage.getItem(LANG_STORAGE_KEY);
  } catch {
    return null; // storage disabled: fall back to the browser's languages
  }
}

const state = {
  lang: pickLanguage(readSavedLanguage(), navigator.languages?.length ? navigator.languages : [navigator.language]),
  config: { ...DEFAULT_CONFIG },
  idleOverride: parseIdleOverride(location.search),
  /** @type {import('./page-types.js').Session | null} */
  session: null,
  screen: 'signin',
  section: 'door',
  lastActivity: Date.now(),
  lastRequest: 0,
  refreshing: false,
  busy: false,
  // Messages are kept as functions of the language so that switching language re-translates them.
  /** @type {null | ((lang: string) => string)} */ signinNotice: null,
  /** @type {null | ((lang: string) => string[])} */ signinError: null,
  /** @type {null | ((lang: string) => string[])} */ passwordError: null,
  idleWarning: false,
};

// ---------------------------------------------------------------------------------------------
// The door screens (door.js), loaded after sign-in.

/** @type {null | { start(): void, stop(): void, render(): void, shown(): void }} */
let door = null;
/** @type {null | Promise<unknown>} */
let doorLoading = null;

/** What the door module may use of this page: API calls, the session, language and settings. */
const doorHost = {
  api: (method, path, options) => api(method, path, options),
  session: () => state.session,
  lang: () => state.lang,
  config: () => state.config,
  /** Is the door panel on screen? */
  visible: () => Boolean(state.session) && state.screen === 'shell' && state.section === 'door',
  /** The server refused the session (401 on a request made outside api()). */
  sessionRefused: (code) =>
    endSession(code === 'session_expired' || code === 'token_expired' ? 'session_expired' : 'session_ended', { tellServer: false }),
};

function startDoor() {
  const panelStatus = $('door-status');
  doorLoading ??= import('./door.js')
    .then((m) => {
      door = m.createDoor(doorHost);
      panelStatus.dataset.i18n = 'door.loading';
      render(); // its labels are translated now that its strings are loaded
    })
    .catch(() => {
      doorLoading = null;
      panelStatus.dataset.i18n = 'door.load_failed';
      render();
    });
  void doorLoading.then(() => {
    if (door && state.session && state.screen === 'shell') door.start();
  });
}

// ---------------------------------------------------------------------------------------------
// The screens loaded when their tab is first opened — media (media.js), destruction
// (destruction.js) and audit (audit.js) — and the count of after-hours alerts (media still
// checked out after their room's hours) on the media tab.

/** @typedef {{ start(): void, stop(): void, render(): void, shown(): void }} Screen */

/**
 * A screen module loaded on first use: `load` imports it and answers its create function; the
 * status line says so when it cannot be loaded.
 * @param {string} section
 * @param {() => Promise<(host: import('./page-types.js').Host) => Screen>} load
 */
function lazyScreen(section, load, host, statusId, failKey) {
  /** @type {{ api: null | Screen, loading: null | Promise<void>, open: (focusTab?: boolean) => void }} */
  const screen = {
    api: null,
    loading: null,
    open: (focusTab = false) => {
      if (!state.session || state.screen !== 'shell') return;
      if (screen.api) {
        screen.api.start();
        if (!focusTab) screen.api.shown();
        return;
      }
      screen.loading ??= load()
        .then((create) => {
          screen.api = create(host);
          render();
        })
        .catch(() => {
          screen.loading = null;
          $(statusId).dataset.i18n = failKey;
          $(statusId).hidden = false;
          render();
        });
      void screen.loading.then(() => {
        if (screen.api && state.session && state.screen === 'shell') {
          screen.api.start();
          if (state.section === section) screen.api.shown();
        }
      });
    },
  };
  return screen;
}

const sectionHost = (section) => ({
  ...doorHost,
  visible: () => Boolean(state.session) && state.screen === 'shell' && state.section === section,
});

let alertTimer = 0;
/**
 * The tabs each role sees; a tab a role cannot use is not shown (server/auth/permissions.ts): the
 * door to those who scan, read the entry log or administer (scans:write, entries:read); media to
 * media:read; destruction to destructions:read; audit to those who read the entry log, the access
 * log and the journal (entries:read, accesslog:read, journal:read); notices to notices:read; the
 * weekly review to reviews:read; the compliance view to compliance:read.
 */
const SECTION_ROLES = {
  door: ['admin', 'responsible', 'authorized', 'guard', 'auditor'],
  media: ['admin', 'responsible', 'authorized', 'staff', 'auditor'],
  destruction: ['admin', 'responsible', 'authorized', 'auditor'],
  audit: ['admin', 'responsible', 'authorized', 'auditor'],
  notices: ['admin', 'responsible', 'authorized', 'auditor'],
  review: ['admin', 'responsible', 'authorized', 'auditor'],
  compliance: ['admin', 'responsible', 'authorized', 'auditor'],
};
const ALERT_POLL_MS = 60_000;

const media = lazyScreen('media', () => import('./media.js').then((m) => m.createMedia), {
  ...sectionHost('media'),
  /** The media screens loaded alerts themselves: update the tab's count. */
  alerts: (items) => showAlertCount(items),
}, 'media-status', 'media.load_failed');
const destruction = lazyScreen('destruction', () => import('./destruction.js').then((m) => m.createDestruction), sectionHost('destruction'), 'destruction-status', 'destruction.load_failed');
const audit = lazyScreen('audit', () => import('./audit.js').then((m) => m.createAudit), sectionHost('audit'), 'audit-status', 'audit.load_failed');
// The outbox of e-mail notices and the contacts (notices.js, issue 15).
const noticesScreen = lazyScreen('notices', () => import('./notices.js').then((m) => m.createNotices), sectionHost('notices'), 'notices-status', 'notices.load_failed');
/** A week of the weekly review asked for elsewhere (the overdue notice), for the review screen to show. */
let reviewWeek = /** @type {string | null} */ (null);
// The weekly access review (review.js, issue 16).
const review = lazyScreen('review', () => import('./review.js').then((m) => m.createReview), {
  ...sectionHost('review'),
  permissions: () => permissions(),
  takeWeek: () => {
    const week = reviewWeek;
    reviewWeek = null;
    return week;
  },
  /** The findings asked for when the tab was opened, if they are of `week` (asked once). */
  takeFindings: (week) => {
    const asked = reviewFindings;
    reviewFindings = null;
    return asked && asked.week === week ? asked.answer : null;
  },
  /** A week was signed: the overdue notice is asked again. */
  reviewed: () => void overdue?.refresh(),
}, 'review-status', 'review.load_failed');
// The compliance view, clause by clause, with attestations and drills (compliance.js, issue 18).
const compliance = lazyScreen('compliance', () => import('./compliance.js').then((m) => m.createCompliance), sectionHost('compliance'), 'compliance-status', 'compliance.load_failed');
const LAZY = { media, destruction, audit, notices: noticesScreen, review, compliance };

/**
 * The findings of the week the review screen opens on, asked for the moment its tab is first
 * opened — while review.js and its modules load, a quarter of a second (issue 16: the counts on
 * screen within 3 s). The screen takes them if it opens on that week.
 * @type {{ week: string, answer: Promise<import('./page-types.js').ApiResult> } | null}
 */
let reviewFindings = null;
const openReview = review.open;
review.open = (focusTab) => {
  if (!review.api && !review.loading && state.session && state.screen === 'shell') {
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: state.config.displayTimeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
    const week = reviewWeek ?? shiftWeek(weekOfDay(day), -1);
    reviewFindings = { week, answer: api('GET', `/api/reviews/findings?${new URLSearchParams({ week })}`) };
  }
  openReview(focusTab);
};

/**
 * What the signed-in user may do (GET /api/auth/me), asked once per sign-in, when first needed
 * (the review screen, the overdue notice); [] when it cannot be read (asked again next time).
 * @returns {Promise<string[]>}
 */
function permissions() {
  const session = state.session;
  if (!session) return Promise.resolve([]);
  session.permissions ??= api('GET', '/api/auth/me', { background: true }).then((res) => {
    if (res.status === 200 && Array.isArray(res.data?.permissions)) return res.data.permissions.map(String);
    session.permissions = null;
    return [];
  });
  return session.permissions;
}

/** @type {null | { refresh(): Promise<void>, render(): void, clear(): void }} */
let overdue = null;

/**
 * The weeks overdue for the weekly review, above the tabs (review-overdue.js): for the responsible
 * person, who signs them, once their permissions say they may read the reviews; nobody else asks.
 */
async function showOverdue() {
  const session = state.session;
  if (!session?.user.roles.includes('responsible')) return;
  if (!(await permissions()).includes('reviews:read') || session !== state.session) return;
  const m = await import('./review-overdue.js').catch(() => null);
  if (!m || session !== state.session) return;
  overdue?.clear();
  overdue = m.createOverdue(doorHost, {
    open: (week) => {
      reviewWeek = week;
      selectSection('review', false);
    },
  });
  await overdue.refresh();
}

/** The tabs the signed-in user sees, in their order. */
function visibleSections() {
  const roles = state.session?.user.roles ?? [];
  return SECTIONS.filter((name) => roles.some((r) => SECTION_ROLES[name].includes(r)));
}

const canSee = (name) => visibleSections().includes(name);

function canReadMedia() {
  return canSee('media');
}

/** The shell opens: the door screens if the door tab is shown, the first tab's screen, the alerts' count. */
function openShell() {
  if (canSee('door')) startDoor();
  LAZY[state.section]?.open();
  void pollAlerts();
  void showOverdue();
}

function showAlertCount(items) {
  const badge = $('tab-media-alerts');
  const n = Array.isArray(items) ? items.length : 0;
  badge.hidden = n === 0;
  setText(badge, n ? String(n) : '');
  if (n) badge.setAttribute('aria-label', t(state.lang, 'section.media.alerts', { n }));
  else badge.removeAttribute('aria-label');
}

/** The after-hours alerts, for the count on the media tab (the media screens list them). */
async function pollAlerts() {
  clearTimeout(alertTimer);
  const session = state.session;
  if (!session || !canReadMedia()) return;
  const res = await api('GET', '/api/custody/alerts', { background: true });
  if (session !== state.session) return;
  if (res.status === 200) showAlertCount(res.data?.items);
  alertTimer = setTimeout(() => void pollAlerts(), ALERT_POLL_MS);
}

/** Idle timeout in seconds: the server's, or the shorter `?idle=` override. */
function idleSeconds() {
  const server = state.config.idleTimeoutSeconds > 0 ? state.config.idleTimeoutSeconds : DEFAULT_CONFIG.idleTimeoutSeconds;
  return state.idleOverride !== null && state.idleOverride < server ? state.idleOverride : server;
}

// ---------------------------------------------------------------------------------------------
// HTTP

/**
 * Calls the API. Never throws: network failures come back as `{ status: 0 }`.
 * With `auth`, a 401 ends the sign-in at once (session ended, idle or token expired).
 * `background` requests (polling) do not count as the user's work for the token refresh.
 * @param {string} method
 * @param {string} path
 * @param {{ body?: unknown, auth?: boolean, background?: boolean }} [options]
 * @returns {Promise<ApiResult>}
 */
async function api(method, path, { body, auth = true, background = false } = {}) {
  const session = state.session;
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (auth) {
    if (!session) return { status: 401, code: 'session_ended', data: null, headers: new Headers() };
    headers.Authorization = `Bearer ${session.token}`;
  }
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'same-origin',
    });
  } catch {
    return { status: 0, code: 'network', data: null, headers: new Headers() };
  }
  let data = null;
  if (res.status !== 204) {
    const text = await res.text().catch(() => '');
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
  }
  const result = { status: res.status, code: data?.error?.code ?? null, data, headers: res.headers };
  if (auth && session === state.session) {
    if (!background) state.lastRequest = Date.now();
    if (res.status === 401 && result.code !== 'invalid_credentials') {
      const expired = result.code === 'session_expired' || result.code === 'token_expired';
      endSession(expired ? 'session_expired' : 'session_ended', { tellServer: false });
    }
  }
  return result;
}

/** Ends the server session of `token`; answers whether the server confirmed it. */
async function logoutOnServer(token, keepalive = false) {
  try {
    const res = await fetch('/api/auth/logout', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
      cache: 'no-store',
      keepalive,
    });
    // 204: ended now; 401: it had already ended. Either way the token no longer works.
    return res.status === 204 || res.status === 401;
  } catch {
    return false;
  }
}

async function loadConfig() {
  const res = await api('GET', '/api/config', { auth: false });
  if (res.status === 200 && res.data) {
    const c = res.data;
    state.config = {
      displayTimeZone: validTimeZone(c.displayTimeZone) ? c.displayTimeZone : DEFAULT_CONFIG.displayTimeZone,
      idleTimeoutSeconds: Number.isFinite(c.idleTimeoutSeconds) && c.idleTimeoutSeconds > 0 ? c.idleTimeoutSeconds : DEFAULT_CONFIG.idleTimeoutSeconds,
      version: typeof c.version === 'string' ? c.version : '',
      siteName: { ja: typeof c.site?.nameJa === 'string' ? c.site.nameJa : '', en: typeof c.site?.nameEn === 'string' ? c.site.nameEn : '' },
    };
    render();
  }
}

function validTimeZone(tz) {
  if (typeof tz !== 'string' || !tz) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Formatting

const formatDateTime = (iso) => formatDateTimeIn(iso, state.config.displayTimeZone);
const formatDate = (iso) => formatDateIn(iso, state.config.displayTimeZone, state.lang);

function roleName(lang, role) {
  const key = `role.${role}`;
  const text = t(lang, key);
  return text === key ? role : text;
}

/**
 * Message lines for a failed sign-in.
 * @param {ApiResult} res
 */
function signinErrorLines(res) {
  const retryAfter = Number(res.headers.get('Retry-After'));
  switch (res.code) {
    case 'invalid_credentials':
    case 'second_factor_required':
    case 'pin_change_required':
    case 'pin_busy':
    case 'too_many_requests':
    case 'database_unavailable':
      return (lang) => [t(lang, `error.${res.code}`)];
    case 'pin_locked':
      return (lang) => [t(lang, 'error.pin_locked')];
    case 'account_locked':
      return retryAfter > 0
        ? (lang) => [t(lang, 'error.account_locked.minutes', { minutes: Math.max(1, Math.ceil(retryAfter / 60)) })]
        : (lang) => [t(lang, 'error.account_locked')];
    default:
      break;
  }
  if (res.status === 0) return (lang) => [t(lang, 'error.network')];
  if (res.status === 429) return (lang) => [t(lang, 'error.too_many_requests')];
  if (res.status === 503) return (lang) => [t(lang, 'error.database_unavailable')];
  if (res.status === 400) {
    const details = Array.isArray(res.data?.error?.details) ? res.data.error.details : [];
    return (lang) => [
      t(lang, 'error.invalid_request'),
      ...details.map((d) => fieldDetail(lang, d)).filter(Boolean),
    ];
  }
  const code = res.code ?? `HTTP ${res.status}`;
  return (lang) => [t(lang, 'error.unexpected', { code })];
}

function fieldDetail(lang, detail) {
  if (!detail || typeof detail !== 'object') return '';
  const labels = { username: 'signin.username', password: 'signin.password', badge: 'signin.badge', pin: 'signin.pin' };
  const field = typeof detail.field === 'string' ? detail.field : Array.isArray(detail.path) ? detail.path.join('.') : '';
  const message = typeof detail.message === 'string' ? detail.message : '';
  if (!field) return message;
  return t(lang, 'error.field', { field: labels[field] ? t(lang, labels[field]) : field, message });
}

// ---------------------------------------------------------------------------------------------
// Rendering

function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

/** Fills every element marked with data-i18n / data-i18n-aria-label in the current language. */
function translateStatic() {
  const lang = state.lang;
  document.documentElement.lang = lang;
  document.title = t(lang, 'app.name');
  for (const el of document.querySelectorAll('[data-i18n]')) setText(el, t(lang, /** @type {HTMLElement} */ (el).dataset.i18n ?? ''));
  for (const el of document.querySelectorAll('[data-i18n-aria-label]')) {
    el.setAttribute('aria-label', t(lang, /** @type {HTMLElement} */ (el).dataset.i18nAriaLabel ?? ''));
  }
  const sw = $('lang-switch');
  const other = lang === 'ja' ? 'en' : 'ja';
  setText(sw, t(lang, 'lang.switch'));
  sw.lang = other;
  sw.setAttribute('aria-label', t(lang, 'lang.switch.label'));
  const rules = $('password-rules');
  rules.replaceChildren(
    ...POLICY_CODES.map((code) => {
      const li = document.createElement('li');
      li.textContent = t(lang, `policy.${code}`);
      return li;
    }),
  );
}

function renderMessage(el, lines) {
  if (!lines || lines.length === 0) {
    el.hidden = true;
    el.replaceChildren();
    return;
  }
  el.hidden = false;
  if (lines.length === 1) {
    el.replaceChildren(document.createTextNode(lines[0]));
    return;
  }
  const [first, ...rest] = lines;
  const p = document.createElement('p');
  p.textContent = first;
  const ul = document.createElement('ul');
  for (const line of rest) {
    const li = document.createElement('li');
    li.textContent = line;
    ul.append(li);
  }
  el.replaceChildren(p, ul);
}

function render() {
  const lang = state.lang;
  translateStatic();

  const session = state.session;
  $('signin-screen').hidden = state.screen !== 'signin';
  $('password-screen').hidden = state.screen !== 'password';
  $('shell').hidden = state.screen !== 'shell';
  $('user-area').hidden = !session;
  $('signout').hidden = !session;

  renderMessage($('signin-notice'), state.signinNotice ? [state.signinNotice(lang)] : null);
  renderMessage($('signin-error'), state.signinError ? state.signinError(lang) : null);
  renderMessage($('password-error'), state.passwordError ? state.passwordError(lang) : null);

  if (session) {
    setText($('current-user'), session.user.name);
    const roles = $('current-roles');
    roles.replaceChildren(
      ...session.user.roles.map((role) => {
        const li = document.createElement('li');
        li.className = `role role-${/^[a-z_]+$/.test(role) ? role : 'other'}`;
        li.textContent = roleName(lang, role);
        return li;
      }),
    );
    setText(
      $('previous-login-at'),
      session.previousLoginAt ? formatDateTime(session.previousLoginAt) : t(lang, 'shell.previous.none_first'),
    );
    setText(
      $('previous-logout-at'),
      session.previousLogoutAt
        ? formatDateTime(session.previousLogoutAt)
        : t(lang, session.previousLoginAt ? 'shell.previous.none' : 'shell.previous.none_first'),
    );
    // Badges issued to this person and PINs set or reset for them since the last sign-in
    // (security review, finding 1): the holder is the one who notices a badge they never asked for.
    const notices = session.credentialNotices ?? [];
    $('credential-notices').hidden = notices.length === 0;
    $('credential-notices-list').replaceChildren(
      ...notices.map((n) => {
        const li = document.createElement('li');
        const someone = t(lang, 'shell.credentials.someone');
        const key = n.kind === 'issued' ? ((n.otherLiveBadges ?? 0) > 0 ? 'shell.credentials.issued_more' : 'shell.credentials.issued') : `shell.credentials.${n.kind}`;
        li.textContent = t(lang, key, { at: formatDateTime(n.at), by: n.byName ?? someone, confirmer: n.confirmerName ?? someone, n: n.otherLiveBadges ?? 0 });
        return li;
      }),
    );
    // E3.2: the notice stays until acknowledged, then folds to one line for this sign-in (issue 14, item 4).
    const folded = Boolean(session.previousFolded);
    $('previous-login').classList.toggle('previous-is-folded', folded);
    $('previous-body').hidden = folded;
    $('previous-title').hidden = folded;
    $('previous-folded').hidden = !folded;
    $('previous-expand').setAttribute('aria-expanded', String(!folded));
    setText(
      $('previous-folded-text'),
      t(lang, 'shell.previous.folded', { at: session.previousLoginAt ? formatDateTime(session.previousLoginAt) : t(lang, 'shell.previous.none_first') }),
    );
    const expiry = $('password-expiry');
    const expiresAt = session.passwordExpiresAt ? new Date(session.passwordExpiresAt).getTime() : NaN;
    const soon = Number.isFinite(expiresAt) && expiresAt - Date.now() < 7 * 24 * 3600 * 1000;
    expiry.hidden = !soon;
    setText(expiry, soon ? t(lang, 'shell.password_expires', { date: formatDate(session.passwordExpiresAt) }) : '');
  }

  const warning = $('idle-warning');
  warning.hidden = !state.idleWarning;
  setText(warning, state.idleWarning ? t(lang, 'shell.idle_warning') : '');

  const sections = visibleSections();
  for (const name of SECTIONS) {
    const tab = $(`tab-${name}`);
    const selected = name === state.section;
    tab.hidden = !sections.includes(name);
    tab.setAttribute('aria-selected', String(selected));
    tab.tabIndex = selected ? 0 : -1;
    $(`panel-${name}`).hidden = !selected || tab.hidden;
  }

  setText($('signin-note-idle'), t(lang, 'signin.note.idle', { duration: duration(lang, idleSeconds()) }));

  const version = state.config.version;
  setText($('footer-version'), version ? t(lang, 'footer.version', { version }) : '');
  setText($('footer-site'), state.config.siteName[lang === 'ja' ? 'ja' : 'en'] ?? '');
  setText($('footer-timezone'), t(lang, 'shell.timezone', { tz: state.config.displayTimeZone }));
  /** @type {HTMLButtonElement} */ ($('signin-submit')).disabled = state.busy;
  /** @type {HTMLButtonElement} */ ($('password-submit')).disabled = state.busy;
  setText($('signin-submit'), t(lang, state.busy && state.screen === 'signin' ? 'signin.busy' : 'signin.submit'));
  setText($('password-submit'), t(lang, state.busy && state.screen === 'password' ? 'password.busy' : 'password.submit'));
  door?.render();
  media.api?.render();
  destruction.api?.render();
  audit.api?.render();
  noticesScreen.api?.render();
  review.api?.render();
  compliance.api?.render();
  overdue?.render();
  const alerts = $('tab-media-alerts');
  if (!alerts.hidden) alerts.setAttribute('aria-label', t(lang, 'section.media.alerts', { n: Number(alerts.textContent) }));
}

/** Removes every piece of signed-in data from the page (E3.6: the screen clears). */
function clearSessionDisplay() {
  door?.stop();
  media.api?.stop();
  destruction.api?.stop();
  audit.api?.stop();
  noticesScreen.api?.stop();
  review.api?.stop();
  compliance.api?.stop();
  overdue?.clear();
  overdue = null;
  reviewWeek = null;
  reviewFindings = null;
  clearTimeout(alertTimer);
  showAlertCount([]);
  for (const id of ['current-user', 'previous-login-at', 'previous-logout-at', 'previous-folded-text', 'password-expiry']) $(id).textContent = '';
  $('credential-notices-list').replaceChildren();
  $('credential-notices').hidden = true;
  $('current-roles').replaceChildren();
  /** @type {HTMLFormElement} */ ($('password-form')).reset();
  /** @type {HTMLFormElement} */ ($('signin-form')).reset();
  state.passwordError = null;
  state.idleWarning = false;
  state.section = 'door';
}

/** A focus that no longer counts: nothing, the page itself, or an element hidden since (the sign-in
 *  form's field after signing in, until Chromium's focus fixup at the next rendering update). */
function focusIsFree() {
  const active = document.activeElement;
  return !active || active === document.body || !active.isConnected || active.getClientRects().length === 0;
}

/** Focuses an element at the next frame; with `unlessTaken`, only if nothing visible holds the focus by
 *  then (the door's scan input may have taken it first: it keeps the focus for the badge reader). */
function focusLater(id, { unlessTaken = false } = {}) {
  requestAnimationFrame(() => {
    if (unlessTaken && !focusIsFree()) return;
    const el = $(id);
    el.focus();
    if (el instanceof HTMLInputElement && el.value) el.select();
  });
}

// ---------------------------------------------------------------------------------------------
// Session

/** Ends the sign-in on this page; optionally tells the server. Shows the sign-in screen. */
function endSession(reason, { tellServer = true } = {}) {
  const session = state.session;
  state.session = null;
  state.busy = false;
  clearSessionDisplay();
  const secs = idleSeconds();
  switch (reason) {
    case 'idle':
      state.signinNotice = (lang) => t(lang, 'notice.idle', { duration: duration(lang, secs) });
      break;
    case 'session_expired':
      state.signinNotice = (lang) => t(lang, 'notice.session_expired');
      break;
    case 'session_ended':
      state.signinNotice = (lang) => t(lang, 'notice.session_ended');
      break;
    default:
      state.signinNotice = null;
  }
  state.signinError = null;
  state.screen = 'signin';
  render();
  focusLater('username');
  if (tellServer && session) void logoutOnServer(session.token, true);
  return session;
}

async function signOut() {
  const session = state.session;
  if (!session) return;
  endSession('signed_out', { tellServer: false });
  state.signinNotice = (lang) => t(lang, 'notice.signed_out');
  render();
  const ok = await logoutOnServer(session.token);
  if (!ok && !state.session) {
    const secs = state.config.idleTimeoutSeconds;
    state.signinNotice = (lang) => t(lang, 'notice.signout_offline', { duration: duration(lang, secs, true) });
    render();
  }
}

/** @param {import('./api-types.js').SigninAnswer} data */
function startSession(data, username) {
  const expiresAtMs = new Date(data.expiresAt).getTime();
  const passwordExpired =
    typeof data.passwordExpired === 'boolean'
      ? data.passwordExpired
      : Boolean(data.passwordExpiresAt) && new Date(data.passwordExpiresAt).getTime() <= Date.now();
  state.session = {
    token: data.token,
    expiresAtMs: Number.isFinite(expiresAtMs) ? expiresAtMs : Date.now() + 15 * 60_000,
    user: {
      personId: String(data.user?.personId ?? ''),
      name: String(data.user?.name ?? username),
      roles: Array.isArray(data.user?.roles) ? data.user.roles.map(String) : [],
    },
    username,
    previousLoginAt: data.previousLoginAt ?? null,
    previousLogoutAt: data.previousLogoutAt ?? null,
    credentialNotices: Array.isArray(data.credentialNotices) ? data.credentialNotices : [],
    passwordExpiresAt: data.passwordExpiresAt ?? null,
    passwordExpired,
    previousFolded: false,
  };
  const now = Date.now();
  state.lastActivity = now;
  state.lastRequest = now;
  state.signinNotice = null;
  state.signinError = null;
  state.section = visibleSections()[0] ?? 'door';
  state.screen = passwordExpired ? 'password' : 'shell';
  /** @type {HTMLFormElement} */ ($('signin-form')).reset();
  render();
  focusLater(passwordExpired ? 'current-password' : 'previous-title', { unlessTaken: !passwordExpired });
  if (!passwordExpired) openShell();
}

async function refreshToken() {
  const session = state.session;
  if (!session || state.refreshing) return;
  state.refreshing = true;
  try {
    const res = await api('POST', '/api/auth/refresh');
    if (res.status === 200 && res.data?.token && session === state.session) {
      session.token = res.data.token;
      const ms = new Date(res.data.expiresAt).getTime();
      if (Number.isFinite(ms)) session.expiresAtMs = ms;
    }
  } finally {
    state.refreshing = false;
  }
}

/** Runs twice a second: the idle lock (E3.6), the warning before it, and keeping an active session alive. */
function tick() {
  const session = state.session;
  if (!session) return;
  const now = Date.now();
  const idleMs = idleSeconds() * 1000;
  const idleFor = now - state.lastActivity;
  if (idleFor >= idleMs) {
    endSession('idle');
    return;
  }
  if (now >= session.expiresAtMs) {
    endSession('session_expired', { tellServer: false });
    return;
  }
  const warn = idleMs >= 60_000 && idleMs - idleFor <= IDLE_WARNING_MS;
  if (warn !== state.idleWarning) {
    state.idleWarning = warn;
    render();
  }
  // While the user works on the page without calling the API, keep the server session
  // (which ends after the server's idle time without a request) and the token alive.
  const activeSinceRequest = state.lastActivity > state.lastRequest;
  const serverIdleMs = state.config.idleTimeoutSeconds * 1000;
  if (
    activeSinceRequest &&
    (session.expiresAtMs - now <= REFRESH_BEFORE_MS || now - state.lastRequest >= serverIdleMs / 2)
  ) {
    void refreshToken();
  }
}

function noteActivity() {
  state.lastActivity = Date.now();
  if (state.idleWarning) {
    state.idleWarning = false;
    render();
  }
}

// ---------------------------------------------------------------------------------------------
// Forms

async function onSignin(event) {
  event.preventDefault();
  if (state.busy) return;
  const username = /** @type {HTMLInputElement} */ ($('username')).value.trim();
  const password = /** @type {HTMLInputElement} */ ($('password')).value;
  const badge = /** @type {HTMLInputElement} */ ($('badge')).value.trim();
  const pinInput = /** @type {HTMLInputElement} */ ($('signin-pin'));
  const pin = pinInput.value;
  state.signinNotice = null;
  // Enter in an empty field moves on to the field that is missing, like a paper form.
  if (!username) {
    state.signinError = (lang) => [t(lang, 'error.username_required')];
    render();
    focusLater('username');
    return;
  }
  if (!password) {
    state.signinError = (lang) => [t(lang, 'error.password_required')];
    render();
    focusLater('password');
    return;
  }
  state.busy = true;
  state.signinError = null;
  render();
  const body = { username, password };
  if (badge) body.badge = badge;
  if (pin) body.pin = pin;
  const res = await api('POST', '/api/auth/login', { body, auth: false });
  state.busy = false;
  // A PIN never stays in the form, whatever the answer.
  pinInput.value = '';
  if (res.status === 200 && res.data?.token) {
    startSession(res.data, username);
    return;
  }
  state.signinError = signinErrorLines(res);
  render();
  const badgeInput = /** @type {HTMLInputElement} */ ($('badge'));
  if (res.code === 'second_factor_required') {
    badgeInput.value = '';
    focusLater('badge');
  } else if (res.code === 'pin_change_required' || res.code === 'pin_locked' || res.code === 'pin_busy') {
    badgeInput.value = '';
    focusLater(res.code === 'pin_change_required' ? 'pin-change-link' : 'badge');
  } else if (res.code === 'invalid_credentials') {
    /** @type {HTMLInputElement} */ ($('password')).value = '';
    badgeInput.value = '';
    focusLater('password');
  } else if (res.status === 400) {
    const field = res.data?.error?.details?.[0]?.field;
    focusLater(['username', 'password', 'badge'].includes(field) ? field : 'username');
  } else {
    focusLater('signin-submit');
  }
}

async function onPasswordChange(event) {
  event.preventDefault();
  if (state.busy || !state.session) return;
  const current = /** @type {HTMLInputElement} */ ($('current-password')).value;
  const next = /** @type {HTMLInputElement} */ ($('new-password')).value;
  const confirm = /** @type {HTMLInputElement} */ ($('confirm-password')).value;
  const fail = (key, focus) => {
    state.passwordError = (lang) => [t(lang, key)];
    render();
    focusLater(focus);
  };
  if (!current) return fail('password.current_required', 'current-password');
  if (!next) return fail('password.new_required', 'new-password');
  if (next !== confirm) return fail('password.mismatch', 'confirm-password');

  state.busy = true;
  state.passwordError = null;
  render();
  const res = await api('POST', '/api/auth/password', { body: { currentPassword: current, newPassword: next } });
  state.busy = false;
  if (!state.session) return; // the session ended meanwhile (401): the sign-in screen is showing
  if (res.status === 204) {
    state.session.passwordExpired = false;
    state.session.passwordExpiresAt = null;
    /** @type {HTMLFormElement} */ ($('password-form')).reset();
    state.screen = 'shell';
    render();
    focusLater('previous-title', { unlessTaken: true });
    openShell();
    return;
  }
  const details = Array.isArray(res.data?.error?.details) ? res.data.error.details : [];
  if (res.code === 'password_policy') {
    state.passwordError = (lang) => [
      t(lang, 'password.policy'),
      ...details.map((d) =>
        POLICY_CODES.includes(d?.code) ? t(lang, `policy.${d.code}`) : String(d?.message ?? d?.code ?? ''),
      ),
    ];
    render();
    focusLater('new-password');
    return;
  }
  if (res.code === 'current_password_incorrect' || res.code === 'invalid_credentials') {
    /** @type {HTMLInputElement} */ ($('current-password')).value = '';
    return fail('password.current_incorrect', 'current-password');
  }
  state.passwordError = signinErrorLines(res);
  render();
  if (res.code === 'account_locked') {
    // Too many wrong current passwords: the account is locked, so end this sign-in too.
    const lines = state.passwordError;
    endSession('locked');
    state.signinError = lines;
    render();
  }
}

// ---------------------------------------------------------------------------------------------
// Wiring

function switchLanguage() {
  state.lang = state.lang === 'ja' ? 'en' : 'ja';
  try {
    localStorage.setItem(LANG_STORAGE_KEY, state.lang);
  } catch {
    // storage disabled: the choice lasts until the tab closes
  }
  render();
}

function selectSection(name, focus) {
  if (!canSee(name)) return;
  state.section = name;
  render();
  if (focus) $(`tab-${name}`).focus();
  else if (name === 'door') door?.shown();
  LAZY[name]?.open(focus);
}

function onTabKey(event) {
  // Over the tabs shown only.
  const tabs = visibleSections();
  const i = tabs.indexOf(state.section);
  let next = null;
  if (event.key === 'ArrowRight' || event.key === 'ArrowDown') next = tabs[(i + 1) % tabs.length];
  else if (event.key === 'ArrowLeft' || event.key === 'ArrowUp') next = tabs[(i - 1 + tabs.length) % tabs.length];
  else if (event.key === 'Home') next = tabs[0];
  else if (event.key === 'End') next = tabs[tabs.length - 1];
  if (next) {
    event.preventDefault();
    selectSection(next, true);
  }
}

/** E3.2, issue 14 item 4: "確認しました" folds the previous-session notice to one line; "Details" opens it again. */
function foldPrevious(folded) {
  if (!state.session) return;
  state.session.previousFolded = folded;
  render();
  $(folded ? 'previous-expand' : 'previous-ack').focus();
  if (folded) door?.shown(); // back to the scan input, where the badge reader types
}

/**
 * A badge read into the sign-in or password fields is refused (issue 14, item 2): this desk is
 * signed out (or changing a password), so nothing was recorded at the door.
 */
function onBadgeRefused(input) {
  if (state.screen === 'password') state.passwordError = (lang) => [t(lang, 'password.badge_refused')];
  else {
    state.signinNotice = null;
    state.signinError = (lang) => [t(lang, 'signin.badge_refused')];
  }
  render();
  input.focus();
}

function onCapsLock(event) {
  if (typeof event.getModifierState !== 'function') return;
  $('capslock').hidden = !event.getModifierState('CapsLock');
}

function init() {
  // Before the fields' own handlers (Enter moves on or submits): see badge-guard.js.
  const guarded = ['username', 'password', 'current-password', 'new-password', 'confirm-password'];
  guardAgainstBadges(guarded.map((id) => /** @type {HTMLInputElement} */ ($(id))), onBadgeRefused);
  $('previous-ack').addEventListener('click', () => foldPrevious(true));
  $('previous-expand').addEventListener('click', () => foldPrevious(!state.session?.previousFolded));
  $('signin-form').addEventListener('submit', onSignin);
  $('password-form').addEventListener('submit', onPasswordChange);
  $('lang-switch').addEventListener('click', switchLanguage);
  $('signout').addEventListener('click', () => void signOut());
  for (const name of SECTIONS) $(`tab-${name}`).addEventListener('click', () => selectSection(name, false));
  /** @type {HTMLElement} */ (document.querySelector('[role="tablist"]')).addEventListener('keydown', onTabKey);
  // Enter in the user name moves on to the password while that is still empty.
  $('username').addEventListener('keydown', (event) => {
    const username = /** @type {HTMLInputElement} */ ($('username'));
    const pw = /** @type {HTMLInputElement} */ ($('password'));
    if (event.key === 'Enter' && !event.isComposing && username.value.trim() && !pw.value) {
      event.preventDefault();
      pw.focus();
    }
  });
  // A badge reader ends with Enter: with the PIN still empty, that moves on to the PIN.
  $('badge').addEventListener('keydown', (event) => {
    const badge = /** @type {HTMLInputElement} */ ($('badge'));
    const pin = /** @type {HTMLInputElement} */ ($('signin-pin'));
    if (event.key === 'Enter' && !event.isComposing && badge.value.trim() && !pin.value) {
      event.preventDefault();
      pin.focus();
    }
  });
  const password = $('password');
  password.addEventListener('keydown', onCapsLock);
  password.addEventListener('keyup', onCapsLock);
  password.addEventListener('blur', () => ($('capslock').hidden = true));

  for (const type of ['keydown', 'pointerdown', 'pointermove', 'wheel', 'touchstart', 'input']) {
    window.addEventListener(type, noteActivity, { capture: true, passive: true });
  }
  // Timers are throttled in background tabs; check again as soon as the tab is visible.
  document.addEventListener('visibilitychange', tick);
  window.addEventListener('focus', tick);
  // Closing or leaving the page ends the sign-in, on the server too (E3.4).
  window.addEventListener('pagehide', () => {
    if (state.session) endSession('session_ended');
  });
  setInterval(tick, TICK_MS);

  render();
  document.documentElement.classList.remove('i18n-pending');
  focusLater('username');
  void loadConfig();
}

init();

// @ts-check
// Doors with a controller in the registration screen (issue 20; docs/operations.md "Doors over
// MQTT"): a door of a room whose controller (reader + lock) speaks MQTT. Administrators register
// them (the form is admin-forms.js "door"), set how long each may stand open before a held-open
// alarm, and revoke them; responsible persons see the list (stations:read, alarms:read).
//
// The controller's broker password and command key are shown once, right after registering: they
// live only in this screen's memory until "close" (or until the screen ends) — never in storage,
// the address or the console. The server keeps the password as a digest and the key sealed, so
// neither can be shown again.
import { t } from './i18n.js';
import { el, keepFocus } from './dom.js';
import { createRevokeFlow } from './revoke-form.js';
import { formatDateTime } from './dates.js';

/**
 * The credentials of a door just registered, shown once.
 * @typedef {{ id: string, name: string, roomId: string, mqttUsername: string, mqttPassword: string, commandKey: string,
 *   topics: import('./api-types.js').Door['topics'] }} IssuedDoor
 */
/**
 * The revoke form open under a door: its reason, the message at the field, whether it is being sent.
 * @typedef {{ id: string, reason: string, error: string | null, busy: boolean }} DoorRevoke
 */
/**
 * The held-open limit being edited at one door: what is typed, the message at the field, whether it is being sent.
 * @typedef {{ value: string, error: string | null, busy: boolean }} HeldEdit
 */
/**
 * What this part of the screen holds while it is open.
 * @typedef {{ items: null | import('./api-types.js').Door[], live: Record<string, import('./api-types.js').DoorStatus>,
 *   issued: null | IssuedDoor, revoke: null | DoorRevoke, held: Record<string, HeldEdit> }} DoorsState
 */

/** @returns {DoorsState} */
export const emptyDoors = () => ({ items: null, live: {}, issued: null, revoke: null, held: {} });

/**
 * ctx: { host, state() (the screen's state, or null once it ended), roomName(id), isAdmin(),
 * failure(res) (a refusal in words), renderStatus(task), focusForm() (the registration form's first field) }.
 * @param {{ host: import('./page-types.js').Host, state: () => import('./admin.js').AdminState | null, roomName: (id: string) => string,
 *   isAdmin: () => boolean, failure: (res: import('./page-types.js').ApiResult) => import('./admin-forms.js').Status,
 *   renderStatus: (task: string) => void, focusForm: () => void }} ctx
 */
export function createAdminDoors(ctx) {
  const { host, state } = ctx;
  const api = host.api;
  const tz = () => host.config().displayTimeZone;

  /** The doors (GET /api/doors) and, for the live ones, their held-open limit and whether their controller reports. */
  async function load() {
    const a = state();
    if (!a) return;
    const [list, live] = await Promise.all([api('GET', '/api/doors'), api('GET', '/api/doors/status')]);
    if (state() !== a) return;
    a.doors.items = list.status === 200 && Array.isArray(list.data?.items) ? list.data.items : [];
    /** @type {import('./api-types.js').DoorStatus[]} */
    const statuses = live.status === 200 && Array.isArray(live.data?.items) ? live.data.items : [];
    a.doors.live = Object.fromEntries(statuses.map((d) => [d.id, d]));
    render();
  }

  /**
   * A door was just registered (the form's answer): its controller's credentials are shown, once.
   * @param {import('./api-types.js').DoorRegistered} d
   */
  async function registered(d) {
    const a = state();
    if (!a) return;
    a.doors.issued = { id: d.id, name: d.name, roomId: d.roomId, mqttUsername: d.mqttUsername, mqttPassword: d.mqttPassword, commandKey: d.commandKey, topics: d.topics };
    await load();
  }

  /** "Close": the credentials leave this page for good. */
  function dismiss() {
    const a = state();
    if (!a) return;
    a.doors.issued = null;
    render();
    ctx.focusForm();
  }

  // ------------------------------------------------------------------ held-open limit (PATCH /api/doors/:id)

  /** @param {string} id */
  async function saveHeld(id) {
    const a = state();
    const edit = a?.doors.held[id];
    if (!a || !edit || edit.busy) return;
    const raw = edit.value.trim();
    const door = a.doors.items?.find((x) => x.id === id);
    if (!raw) {
      edit.error = 'admin.error.required';
      renderList();
      focusHeld(id);
      return;
    }
    edit.busy = true;
    edit.error = null;
    renderList();
    // Not a whole number: sent as typed, for the server to refuse at the field (never saved as something else).
    const heldOpenSeconds = /^\d+$/.test(raw) ? Number(raw) : raw;
    const res = await api('PATCH', `/api/doors/${encodeURIComponent(id)}`, { body: { heldOpenSeconds } });
    if (state() !== a) return;
    edit.busy = false;
    if (res.status === 200) {
      delete a.doors.held[id];
      const live = a.doors.live[id];
      if (live) live.heldOpenSeconds = res.data.heldOpenSeconds;
      a.status.door = { ok: true, key: 'admin.door.held.done', params: { name: door?.name ?? '', n: res.data.heldOpenSeconds } };
      renderList();
      ctx.renderStatus('door');
      focusHeld(id);
      return;
    }
    if (res.status === 401) return;
    if (res.status === 400) edit.error = 'admin.door.held.invalid';
    else {
      a.status.door = ctx.failure(res);
      ctx.renderStatus('door');
    }
    renderList();
    focusHeld(id);
  }

  /** @param {string} id */
  const focusHeld = (id) => /** @type {HTMLInputElement | null} */ (document.getElementById(`admin-door-held-${id}`))?.focus();

  // ------------------------------------------------------------------ revoking

  const revoke = createRevokeFlow({
    kind: 'door',
    host,
    state,
    get: (a) => a.doors.revoke,
    set: (a, r) => (a.doors.revoke = r),
    nameOf: (a, id) => a.doors.items?.find((/** @type {{ id: string }} */ x) => x.id === id)?.name ?? '',
    path: (id) => `/api/doors/${encodeURIComponent(id)}/revoke`,
    // The servers drop the door's messages whatever the broker says; a broker account left enabled is for the administrator to disable by hand.
    done: (res, name) => {
      const broker = String(res.data?.brokerAccount ?? 'not_managed');
      return { ok: broker !== 'disable_failed', key: `admin.door.revoke.done.${broker === 'disabled' || broker === 'disable_failed' ? broker : 'not_managed'}`, params: { name } };
    },
    failure: ctx.failure,
    renderStatus: ctx.renderStatus,
    renderList: () => renderList(),
    reload: () => load(),
  });

  // ------------------------------------------------------------------ rendering

  /**
   * One credential, as a label and its value (selectable whole).
   * @param {string} l
   * @param {string} key
   * @param {string} value
   * @param {string} testId
   */
  const secretRow = (l, key, value, testId) =>
    el('div', { cls: 'door-credential' }, el('dt', { text: t(l, key) }), el('dd', {}, el('code', { cls: 'station-credential', text: value, attrs: { 'data-testid': testId } })));

  function renderIssued() {
    const box = document.getElementById('admin-door-issued');
    const a = state();
    if (!box) return;
    const issued = a?.doors.issued;
    box.hidden = !issued;
    if (!issued) {
      box.replaceChildren();
      return;
    }
    const l = host.lang();
    const close = el('button', { cls: 'button button-primary', text: t(l, 'admin.door.dismiss'), attrs: { type: 'button', 'data-testid': 'admin-door-dismiss' } });
    close.addEventListener('click', dismiss);
    box.replaceChildren(
      el('h4', { attrs: { id: 'admin-door-issued-title', tabindex: '-1' }, text: t(l, 'admin.door.issued.title', { name: issued.name, room: ctx.roomName(issued.roomId) }) }),
      el('p', { cls: 'station-once', text: t(l, 'admin.door.issued.warning'), attrs: { 'data-testid': 'admin-door-once' } }),
      el('p', { text: t(l, 'admin.door.issued.how') }),
      el(
        'dl',
        { cls: 'door-credentials' },
        secretRow(l, 'admin.door.issued.id', issued.id, 'admin-door-issued-id'),
        secretRow(l, 'admin.door.issued.mqttUsername', issued.mqttUsername, 'admin-door-mqtt-username'),
        secretRow(l, 'admin.door.issued.mqttPassword', issued.mqttPassword, 'admin-door-mqtt-password'),
        secretRow(l, 'admin.door.issued.commandKey', issued.commandKey, 'admin-door-command-key'),
      ),
      el('p', { cls: 'station-credential-label', text: t(l, 'admin.door.issued.topics') }),
      el(
        'dl',
        { cls: 'door-credentials door-topics' },
        ...['scan', 'command', 'state', 'heartbeat'].map((k) => el('div', { cls: 'door-credential' }, el('dt', { text: t(l, `admin.door.topic.${k}`) }), el('dd', {}, el('code', { text: issued.topics[k] })))),
      ),
      el('div', { cls: 'form-actions' }, close),
    );
  }

  function renderList() {
    const box = document.getElementById('admin-doors');
    const a = state();
    if (!a || !box) return;
    const l = host.lang();
    const admin = ctx.isAdmin();
    const items = a.doors.items;
    if (!items) {
      box.replaceChildren(el('p', { cls: 'empty-inline', text: t(l, 'door.loading') }));
      return;
    }
    // The list is rebuilt on every render: the control that had the focus gets it back.
    const refocus = keepFocus(box);
    if (!items.length) {
      box.replaceChildren(
        el('h4', { text: t(l, 'admin.door.list') }),
        el('p', { cls: 'empty-inline', attrs: { 'data-testid': 'admin-doors-empty' }, text: t(l, admin ? 'admin.door.empty' : 'admin.door.empty.readonly') }),
      );
      return;
    }
    const rows = items.map((d) => {
      const revoked = d.status === 'revoked';
      const live = a.doors.live[d.id];
      const open = a.doors.revoke?.id === d.id ? a.doors.revoke : null;
      const revokeButton = admin && !revoked && !open ? revoke.button(l, d.id, d.name) : '';
      // A controller that never reported is said so (the server counts it online for its first DOOR_OFFLINE_SECONDS).
      const reported = live ? (live.heartbeatAt === null ? 'never' : live.online ? 'online' : 'offline') : null;
      const controller =
        revoked || !reported
          ? ''
          : el('span', { cls: `pill ${{ never: 'pill-info', online: 'pill-granted', offline: 'pill-denied' }[reported]}`, attrs: { 'data-testid': 'admin-door-controller' }, text: t(l, `admin.door.${reported}`) });
      return el(
        'li',
        { cls: revoked ? 'station-revoked' : '', attrs: { 'data-testid': 'admin-door', 'data-door-id': d.id, 'data-status': d.status } },
        el(
          'div',
          { cls: 'station-row' },
          el('span', { cls: 'station-name', text: d.name }),
          el('span', { cls: 'station-room', text: ctx.roomName(d.roomId) }),
          el('span', { cls: `pill ${revoked ? 'pill-denied' : 'pill-granted'}`, text: t(l, revoked ? 'admin.door.revoked' : 'admin.door.active') }),
          controller,
          revokeButton,
        ),
        el(
          'p',
          { cls: 'station-meta' },
          el('span', { text: t(l, 'admin.door.createdAt', { time: formatDateTime(d.createdAt, tz()) }) }),
          el('span', { text: t(l, 'admin.door.username', { name: d.mqttUsername }) }),
          revoked ? el('span', { text: t(l, 'admin.door.revokedAt', { time: formatDateTime(d.revokedAt, tz()), reason: d.revokedReason ?? '' }) }) : '',
          !revoked && live && !admin ? el('span', { attrs: { 'data-testid': 'admin-door-held-text' }, text: t(l, 'admin.door.held.value', { n: live.heldOpenSeconds }) }) : '',
        ),
        !revoked && live && admin ? heldForm(l, d, live) : '',
        open ? revoke.form(l, d.name, open) : '',
      );
    });
    box.replaceChildren(el('h4', { text: t(l, 'admin.door.list') }), el('ul', { cls: 'station-items' }, ...rows));
    refocus();
  }

  /**
   * The held-open limit of one door (E6.4: a door left open raises a held_open alarm after it), editable in place.
   * @param {string} l
   * @param {import('./api-types.js').Door} d
   * @param {import('./api-types.js').DoorStatus} live
   */
  function heldForm(l, d, live) {
    const a = state();
    const edit = a?.doors.held[d.id] ?? null;
    const id = `admin-door-held-${d.id}`;
    const input = el('input', {
      attrs: {
        id,
        type: 'text',
        inputmode: 'numeric',
        maxlength: 4,
        autocomplete: 'off',
        value: edit ? edit.value : String(live.heldOpenSeconds),
        'aria-describedby': `${id}-hint ${id}-error`,
        'aria-invalid': edit?.error ? 'true' : null,
        'data-testid': 'admin-door-held',
      },
    });
    input.addEventListener('input', () => {
      const s = state();
      if (!s) return;
      const e = (s.doors.held[d.id] ??= { value: '', error: null, busy: false });
      e.value = input.value;
      // Typing again takes the refusal away (as the revoke reason does).
      if (e.error) {
        e.error = null;
        input.removeAttribute('aria-invalid');
        const error = document.getElementById(`${id}-error`);
        if (error) error.hidden = true;
      }
    });
    const save = el('button', {
      cls: 'button button-small',
      text: t(l, edit?.busy ? 'admin.busy' : 'admin.door.held.save'),
      attrs: { type: 'submit', disabled: edit?.busy, 'aria-label': t(l, 'admin.door.held.save.label', { name: d.name }), 'data-testid': 'admin-door-held-save' },
    });
    const form = el(
      'form',
      { cls: 'door-held-form', attrs: { novalidate: true, 'data-testid': 'admin-door-held-form' } },
      el('label', { attrs: { for: id }, text: t(l, 'admin.door.held') }),
      el('div', { cls: 'door-held-input' }, input, el('span', { text: t(l, 'admin.door.held.unit') }), save),
      el('p', { cls: 'field-hint', attrs: { id: `${id}-hint` }, text: t(l, 'admin.door.held.hint') }),
      el('p', { cls: 'field-error', attrs: { id: `${id}-error`, hidden: !edit?.error, 'data-testid': 'admin-door-held-error' }, text: edit?.error ? t(l, edit.error) : '' }),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const s = state();
      if (!s) return;
      const e = (s.doors.held[d.id] ??= { value: input.value, error: null, busy: false });
      e.value = input.value;
      void saveHeld(d.id);
    });
    return form;
  }


  function render() {
    renderIssued();
    renderList();
    const a = state();
    const readonly = document.getElementById('admin-door-readonly');
    if (readonly) readonly.hidden = !a || ctx.isAdmin();
  }

  return { load, registered, render };
}

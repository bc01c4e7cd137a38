// @ts-check
// Registration forms of the door (administrators and responsible persons only): rooms,
// organisations, people, badges, access lists (E6.1), NDAs (M6.3), trainings (E5), leaving (E1.1),
// appointments per depositor with their interviews and their end (E1.1), the fire-prevention manager (E9.1)
// and the notices to the depositor; door stations (admin-stations.js); doors with a controller (admin-doors.js) and
// room rules (admin-room-rules.js), issue 20. Loaded by door.js, with its stylesheets (forms.css, admin.css),
// when the "Registration" view is first opened; the lists on file are admin-lists.js.
//
// Each form is built once from its description (admin-forms.js); its labels carry data-i18n keys,
// so the page's language switch re-translates them without losing what was typed. Validation
// messages come from the API's error details and are shown next to the field they name.
import { t, has, addMessages, POLICY_CODES } from './i18n.js';
import { el } from './dom.js';
import { openPrintable } from './printable.js';
import { getAll } from './screen.js';
import { loadCss } from './stylesheets.js';
import { ADMIN_MESSAGES } from './admin-messages.js';
import { badgeNo, formSpecs } from './admin-forms.js';
import { createAdminLists } from './admin-lists.js';
import { createAdminStations } from './admin-stations.js';
import { createAdminDoors, emptyDoors } from './admin-doors.js';
import { createAdminRoomRules } from './admin-room-rules.js';

addMessages(ADMIN_MESSAGES);

/** The screen's stylesheets (the forms', then its own): door.js shows the screen once they are loaded. */
export const styles = Promise.all([loadCss('/assets/forms.css'), loadCss('/assets/admin.css')]);

const TASKS = ['person', 'badge', 'pin', 'access', 'nda', 'consent', 'training', 'appointment', 'interview', 'appointmentEnd', 'fireManager', 'revoke', 'leave', 'notifications', 'org', 'room', 'station', 'door', 'roomRules'];
const CONFLICTS = ['pin_locked', 'pin_change_required', 'person_left', 'already_on_access_list', 'already_revoked', 'badge_revoked', 'consent_missing', 'consent_not_applicable', 'already_left', 'already_ended', 'already_acknowledged', 'forbidden', 'not_found', 'database_unavailable'];

/**
 * The screen's state while it is open: the task shown, the lists it chooses from, and each form's
 * errors (field → the API's details or a local message key), status and whether it is busy.
 * @typedef {{ task: string, lang: string, people: import('./api-types.js').Person[], orgs: import('./api-types.js').Organisation[],
 *   badges: import('./api-types.js').Badge[], notifications: import('./api-types.js').Notification[],
 *   appointments: import('./api-types.js').DepositorAppointment[],
 *   access: null | { roomId: string, items: null | import('./api-types.js').AccessGrant[] },
 *   stations: null | import('./api-types.js').DoorStation[], stationIssued: null | import('./admin-stations.js').IssuedStation,
 *   stationRevoke: null | import('./admin-stations.js').StationRevoke, doors: import('./admin-doors.js').DoorsState,
 *   errors: Record<string, Record<string, { key?: string, detail?: import('./api-types.js').ErrorDetail, value?: unknown }[]>>,
 *   status: Record<string, import('./admin-forms.js').Status | null>, busy: Record<string, boolean> }} AdminState
 */

/**
 * The registration screen, in the door's "Registration" view. door: { reloadRooms(), rooms() }.
 * @param {import('./page-types.js').Host} host
 * @param {{ reloadRooms: () => Promise<void>, rooms: () => import('./api-types.js').Room[] }} door
 */
export function createAdmin(host, door) {
  const api = host.api;
  const tz = () => host.config().displayTimeZone;
  const lang = () => host.lang();
  const isAdmin = () => host.session()?.user.roles.includes('admin') ?? false;

  /**
   * Per-session state.
   * @type {AdminState | null}
   */
  let a = null;
  /** @type {Record<string, HTMLFormElement>} */
  const forms = {};
  const root = /** @type {HTMLElement} */ (document.getElementById('door-admin'));

  const SPECS = formSpecs({
    api,
    tz,
    isAdmin,
    personName: (id) => personName(id),
    roomName: (id) => roomName(id),
    orgName: (id) => orgName(id),
    setValue: (task, name, value) => setValue(task, name, value),
    loadPeople: () => loadPeople(),
    loadOrgs: () => loadOrgs(),
    loadBadges: () => loadBadges(),
    loadNotifications: () => loadNotifications(),
    loadAppointments: () => loadAppointments(),
    loadAccess: () => lists.loadAccess(),
    reloadRooms: door.reloadRooms,
    fillSources: () => fillSources(),
    render: () => render(),
    stationRegistered: (d) => stations.registered(d),
    doorRegistered: (d) => doors.registered(d),
    roomRulesSaved: async () => {
      await door.reloadRooms();
      fillSources();
      roomRules.fill();
      roomRules.render();
    },
  });
  const lists = createAdminLists({
    host,
    state: () => a,
    roomName: (id) => roomName(id),
    accessRoom: () => /** @type {HTMLSelectElement} */ (field('access', 'roomId')),
    failure: (res) => failure(res),
    renderStatus: (task) => renderStatus(task),
    loadNotifications: () => loadNotifications(),
  });
  /** What the screens of devices registered at a room (stations, doors) need; `task` names their form. */
  const deviceScreen = (/** @type {'station' | 'door'} */ task) => ({
    host,
    state: () => a,
    roomName: (/** @type {string} */ id) => roomName(id),
    isAdmin,
    failure: (/** @type {import('./page-types.js').ApiResult} */ res) => failure(res),
    renderStatus: (/** @type {string} */ t) => renderStatus(t),
    focusForm: () => /** @type {HTMLElement | null} */ (forms[task]?.querySelector('input, select'))?.focus(),
  });
  const stations = createAdminStations(deviceScreen('station'));
  const doors = createAdminDoors(deviceScreen('door'));
  const roomRules = createAdminRoomRules({
    host,
    state: () => a,
    rooms: () => door.rooms(),
    isAdmin,
    form: () => forms.roomRules,
    fieldsChanged: () => applyWhen('roomRules'),
  });

  // ------------------------------------------------------------------ data

  const personName = (id) => a?.people.find((p) => p.id === id)?.name ?? '';
  const roomName = (id) => door.rooms().find((r) => r.id === id)?.name ?? '';
  const orgName = (id) => a?.orgs.find((o) => o.id === id)?.name ?? '';

  async function loadList(path, key) {
    const my = a;
    const items = await getAll(host, path);
    if (a !== my || !a || !items) return;
    a[key] = items;
  }
  const loadPeople = () => loadList('/api/people?limit=500', 'people').then(fillSources);
  const loadOrgs = () => loadList('/api/orgs?limit=500', 'orgs').then(fillSources);
  const loadBadges = () => loadList('/api/badges', 'badges').then(fillSources);
  const loadNotifications = () => loadList('/api/notifications?open=true&limit=100', 'notifications').then(render);
  // E1.1: the current appointments per depositor, for the interview (面談) and ending forms to choose from.
  const loadAppointments = () => loadList('/api/depositor-appointments?current=true', 'appointments').then(fillSources);

  // ------------------------------------------------------------------ building

  function buildField(task, f) {
    const id = `f-${task}-${f.n}`;
    const hintKey = `admin.${task}.${f.n}.hint`;
    const hint = has('en', hintKey) ? el('p', { cls: 'field-hint', attrs: { id: `${id}-hint`, 'data-i18n': hintKey } }) : null;
    const error = el('p', { cls: 'field-error', attrs: { id: `${id}-error`, 'data-testid': `admin-${task}-${f.n}-error`, hidden: true } });
    const describedBy = [hint ? `${id}-hint` : '', `${id}-error`].filter(Boolean).join(' ');
    const labelKey = `admin.${task}.${f.n}`;
    const common = { id, name: f.n, 'aria-describedby': describedBy, 'data-testid': `admin-${task}-${f.n}` };
    if (f.type === 'checks') {
      const box = el('div', { cls: `checks${f.inline ? ' checks-inline' : ''}`, attrs: { 'data-checks': f.n } });
      return el(
        'fieldset',
        { cls: 'field', attrs: { 'data-field': f.n, id, 'aria-describedby': describedBy, 'data-testid': `admin-${task}-${f.n}` } },
        el('legend', { attrs: { 'data-i18n': labelKey } }),
        box,
        ...(hint ? [hint] : []),
        error,
      );
    }
    if (f.type === 'checkbox') {
      return el(
        'div',
        { cls: 'field', attrs: { 'data-field': f.n } },
        el('label', { cls: 'check' }, el('input', { attrs: { ...common, type: 'checkbox' } }), el('span', { attrs: { 'data-i18n': labelKey } })),
        ...(hint ? [hint] : []),
        error,
      );
    }
    let input;
    if (f.type === 'select') {
      input = el('select', { attrs: common });
      if (f.opts) {
        input.append(
          ...(f.placeholder ? [el('option', { attrs: { value: '', 'data-i18n': 'admin.choose' } })] : []),
          ...f.opts().map((o) => el('option', { attrs: { value: o, 'data-i18n': `${f.optKey}${o}` } })),
        );
      }
    } else if (f.type === 'textarea') {
      input = el('textarea', { attrs: { ...common, ...f.attrs } });
    } else {
      const type = { pin: 'password', datetime: 'datetime-local', undefined: 'text' }[String(f.type)] ?? f.type;
      const extra = f.type === 'pin' ? { inputmode: 'numeric', maxlength: 12, autocomplete: 'off' } : {};
      input = el('input', { attrs: { ...common, type, ...extra, ...f.attrs } });
    }
    return el('div', { cls: 'field', attrs: { 'data-field': f.n } }, el('label', { attrs: { for: id, 'data-i18n': labelKey } }), input, ...(hint ? [hint] : []), error);
  }

  function buildForm(task) {
    const spec = SPECS[task];
    const form = el('form', { cls: 'form admin-form', attrs: { novalidate: true, 'data-testid': `admin-${task}-form`, 'aria-labelledby': `admin-${task}-title` } });
    form.append(...spec.fields.map((f) => buildField(task, f)));
    form.append(
      el(
        'div',
        { cls: 'form-actions' },
        el('button', { cls: 'button button-primary', attrs: { type: 'submit', 'data-testid': `admin-${task}-submit`, 'data-i18n': `admin.${task}.submit` } }),
      ),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void submit(task);
    });
    form.addEventListener('change', (event) => {
      const name = /** @type {HTMLInputElement} */ (event.target).name;
      applyWhen(task);
      if (task === 'access' && name === 'roomId') void lists.loadAccess();
      if (task === 'roomRules' && name === 'roomId') roomRules.fill();
    });
    forms[task] = form;
    return form;
  }

  function build() {
    const nav = el('div', { cls: 'admin-tasks', attrs: { role: 'tablist', 'aria-orientation': 'vertical', 'data-i18n-aria-label': 'admin.tasks' } });
    const panels = el('div', { cls: 'admin-panels' });
    for (const task of TASKS) {
      nav.append(
        el(
          'button',
          { cls: 'admin-task', attrs: { type: 'button', role: 'tab', id: `admin-tab-${task}`, 'aria-controls': `admin-panel-${task}`, 'data-task': task, 'data-testid': `admin-tab-${task}` } },
          el('span', { attrs: { 'data-i18n': `admin.${task}` } }),
          el('span', { cls: 'count-badge', attrs: { 'data-count': task, hidden: true } }),
        ),
      );
      const panel = el(
        'section',
        { cls: 'admin-panel', attrs: { role: 'tabpanel', id: `admin-panel-${task}`, 'aria-labelledby': `admin-tab-${task}`, 'data-testid': `admin-panel-${task}`, hidden: true } },
        el('h3', { attrs: { id: `admin-${task}-title`, 'data-i18n': `admin.${task}` } }),
        el('p', { cls: 'admin-intro', attrs: { 'data-i18n': `admin.${task}.intro` } }),
        el('div', { cls: 'admin-status', attrs: { id: `admin-${task}-status`, role: 'status', 'data-testid': `admin-${task}-status` } }),
      );
      // Door stations: the credential just issued (shown once) above the form, the stations below it.
      if (task === 'station') {
        panel.append(
          el('p', { cls: 'field-hint', attrs: { id: 'admin-station-readonly', 'data-i18n': 'admin.station.readonly', hidden: true } }),
          el('section', { cls: 'station-issued', attrs: { id: 'admin-station-issued', 'aria-labelledby': 'admin-station-issued-title', 'data-testid': 'admin-station-issued', hidden: true } }),
        );
      }
      // Doors: as the stations, the credentials just issued (shown once) above the form (issue 20).
      if (task === 'door') {
        panel.append(
          el('p', { cls: 'field-hint', attrs: { id: 'admin-door-readonly', 'data-i18n': 'admin.door.readonly', hidden: true } }),
          el('section', { cls: 'station-issued', attrs: { id: 'admin-door-issued', 'aria-labelledby': 'admin-door-issued-title', 'data-testid': 'admin-door-issued', hidden: true } }),
        );
      }
      if (task === 'roomRules') panel.append(el('p', { cls: 'field-hint', attrs: { id: 'admin-roomRules-readonly', 'data-i18n': 'admin.roomRules.readonly', hidden: true } }));
      if (SPECS[task]) panel.append(buildForm(task));
      if (task === 'station') panel.append(el('div', { cls: 'stations', attrs: { id: 'admin-stations', 'data-testid': 'admin-stations' } }));
      if (task === 'door') panel.append(el('div', { cls: 'stations', attrs: { id: 'admin-doors', 'data-testid': 'admin-doors' } }));
      if (task === 'roomRules') panel.append(el('div', { cls: 'stations', attrs: { id: 'admin-room-rules-list', 'data-testid': 'admin-room-rules-list' } }));
      if (task === 'access') panel.append(el('div', { cls: 'access-list', attrs: { id: 'admin-access-list', 'data-testid': 'admin-access-list' } }));
      if (task === 'notifications') panel.append(el('div', { attrs: { id: 'admin-notifications-list', 'data-testid': 'admin-notifications-list' } }));
      panels.append(panel);
    }
    nav.addEventListener('click', (event) => {
      const button = /** @type {HTMLElement | null} */ (/** @type {HTMLElement} */ (event.target).closest('[data-task]'));
      if (button) selectTask(button.dataset.task ?? '');
    });
    nav.addEventListener('keydown', (event) => {
      const i = TASKS.indexOf(a?.task ?? 'person');
      const next = { ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: TASKS.length - 1 }[event.key];
      if (next === undefined) return;
      event.preventDefault();
      selectTask(TASKS[(next + TASKS.length) % TASKS.length], true);
    });
    root.replaceChildren(el('div', { cls: 'admin-layout' }, nav, panels));
    for (const task of Object.keys(SPECS)) applyDefaults(task);
  }

  // ------------------------------------------------------------------ form values

  function field(task, name) {
    return forms[task].elements.namedItem(name);
  }

  function setValue(task, name, value) {
    const input = /** @type {HTMLSelectElement} */ (field(task, name));
    if (input && [...input.options].some((o) => o.value === value)) input.value = value;
  }

  function applyDefaults(task) {
    for (const f of SPECS[task].fields) if (f.def) /** @type {HTMLInputElement} */ (field(task, f.n)).value = f.def();
    applyWhen(task);
  }

  function values(task) {
    const form = forms[task];
    const v = {};
    for (const f of SPECS[task].fields) {
      if (f.type === 'checks') v[f.n] = [...form.querySelectorAll(`[data-checks="${f.n}"] input:checked`)].map((i) => /** @type {HTMLInputElement} */ (i).value);
      else if (f.type === 'checkbox') v[f.n] = /** @type {HTMLInputElement} */ (field(task, f.n)).checked;
      else {
        const raw = /** @type {HTMLInputElement} */ (field(task, f.n)).value;
        v[f.n] = f.type === 'password' || f.type === 'pin' ? raw : raw.trim();
      }
    }
    return v;
  }

  /** Shows the fields that depend on another (the account fields of a person). */
  function applyWhen(task) {
    const v = values(task);
    for (const f of SPECS[task].fields) {
      if (!f.when) continue;
      const wrapper = forms[task].querySelector(`[data-field="${f.n}"]`);
      if (wrapper) /** @type {HTMLElement} */ (wrapper).hidden = !f.when(v);
    }
  }

  // ------------------------------------------------------------------ submitting

  function failure(res) {
    if (res.status === 0) return { ok: false, key: 'admin.form.network', params: {} };
    if (res.status === 400 || res.status === 413) return { ok: false, key: 'admin.form.invalid', params: {} };
    const code = res.code ?? '';
    if (CONFLICTS.includes(code)) return { ok: false, key: `admin.form.${code}`, params: {} };
    if (res.status === 503) return { ok: false, key: 'admin.form.database_unavailable', params: {} };
    return { ok: false, key: 'admin.form.other', params: { code: code || `HTTP ${res.status}` } };
  }

  /** The field a detail names ("body.account.password", "account.password", "body.hours.to" …). */
  function fieldFor(task, detail) {
    const path = String(detail?.field ?? '').replace(/^body\.?/, '');
    let best = null;
    for (const f of SPECS[task].fields) {
      const apiPath = f.api ?? f.n;
      if (apiPath === '-') continue;
      if ((path === apiPath || path.startsWith(`${apiPath}.`)) && (!best || apiPath.length > (best.api ?? best.n).length)) best = f;
    }
    if (!best && path === 'hours') best = SPECS[task].fields.find((f) => f.api === 'hours.days') ?? null;
    return best;
  }

  /** The words for one error detail at one field, in the page language. */
  function detailText(l, task, f, detail, value) {
    const code = String(detail.code ?? '');
    if (has('en', `admin.error.${code}`)) return t(l, `admin.error.${code}`);
    if (POLICY_CODES.includes(code)) return t(l, `policy.${code}`);
    if (f.type === 'select') return t(l, 'admin.error.select');
    if (f.type === 'checks') return t(l, has('en', `admin.${task}.${f.n}.invalid`) ? `admin.${task}.${f.n}.invalid` : 'admin.error.choose');
    if (value === '' || value === undefined) return t(l, 'admin.error.required');
    if (code === 'too_big') return t(l, 'admin.error.too_long');
    const own = `admin.${task}.${f.n}.invalid`;
    return t(l, has('en', own) ? own : 'admin.error.invalid');
  }

  async function submit(task) {
    if (!a || a.busy[task]) return;
    const spec = SPECS[task];
    const v = values(task);
    a.errors[task] = {};
    a.status[task] = null;
    const local = spec.check?.(v);
    if (local) {
      for (const [name, key] of Object.entries(local)) a.errors[task][name] = [{ key }];
      renderForm(task);
      focusFirstError(task);
      return;
    }
    a.busy[task] = true;
    renderForm(task);
    const my = a;
    const res = await spec.send(spec.body(v), v);
    if (a !== my) return;
    a.busy[task] = false;
    for (const name of spec.secret ?? []) /** @type {HTMLInputElement} */ (field(task, name)).value = '';
    if (res.status >= 200 && res.status < 300) {
      a.status[task] = { ok: true, ...spec.done(res.data, v) };
      const keep = Object.fromEntries((spec.keep ?? []).map((n) => [n, v[n]]));
      forms[task].reset();
      for (const [n, value] of Object.entries(keep)) setValue(task, n, value);
      applyDefaults(task);
      await spec.after?.(res.data, v);
      if (a !== my) return;
      renderForm(task);
      /** @type {HTMLElement | null} */ (spec.focus?.() ?? forms[task].querySelector('input, select, textarea'))?.focus();
      return;
    }
    if (res.status === 401) return;
    const details = Array.isArray(res.data?.error?.details) ? res.data.error.details : [];
    let named = false;
    for (const detail of details) {
      const f = fieldFor(task, detail);
      if (!f) continue;
      named = true;
      (a.errors[task][f.n] ??= []).push({ detail, value: v[f.n] });
    }
    a.status[task] = named ? { ok: false, key: 'admin.form.invalid', params: {} } : failure(res);
    renderForm(task);
    if (!focusFirstError(task)) document.getElementById(`admin-${task}-status`)?.focus();
  }

  function focusFirstError(task) {
    if (!a) return false;
    const errors = a.errors[task];
    const first = SPECS[task].fields.find((f) => errors[f.n]);
    if (!first) return false;
    const target = forms[task].querySelector(`[data-field="${first.n}"] input, [data-field="${first.n}"] select, [data-field="${first.n}"] textarea`);
    /** @type {HTMLElement | null} */ (target)?.focus();
    return Boolean(target);
  }

  // ------------------------------------------------------------------ rendering

  function fillSelect(select, items, label) {
    const current = select.value;
    const l = lang();
    select.replaceChildren(
      el('option', { text: t(l, items.length ? 'admin.choose' : 'admin.none'), attrs: { value: '' } }),
      ...items.map((item) => el('option', { text: label(item), attrs: { value: item.id } })),
    );
    if (items.some((i) => i.id === current)) select.value = current;
  }

  /**
   * The items of a list a field chooses from, and the words of each.
   * @param {AdminState} a
   * @param {string} src
   * @returns {{ items: { id: string }[], label: (item) => string }}
   */
  function sourceItems(a, src) {
    const l = lang();
    const option = (name, detail) => t(l, 'admin.option', { name, detail });
    if (src === 'people') return { items: a.people.filter((p) => !p.leftAt), label: (p) => option(p.name, p.orgName) };
    if (src === 'orgs') return { items: a.orgs, label: (o) => option(o.name, t(l, `org.kind.${o.kind}`)) };
    if (src === 'consentOrgs') return { items: a.orgs.filter((o) => o.kind === 'subcontractor' || o.kind === 'disposal_vendor'), label: (o) => option(o.name, t(l, `org.kind.${o.kind}`)) };
    if (src === 'depositors') return { items: a.orgs.filter((o) => o.kind === 'depositor'), label: (o) => o.name };
    if (src === 'appointments') {
      return { items: a.appointments, label: (x) => t(l, 'admin.interview.option', { depositor: x.depositorName ?? '', role: t(l, `admin.appointment.role.${x.role}`), name: x.personName ?? '', n: x.interviews.length }) };
    }
    if (src === 'confirmers') return { items: a.people.filter((p) => !p.leftAt && p.roles.some((r) => ['admin', 'responsible', 'authorized'].includes(r))), label: (p) => option(p.name, p.orgName) };
    if (src === 'rooms') return { items: door.rooms(), label: (r) => r.name };
    return {
      items: a.badges.filter((b) => b.status === 'valid'),
      label: (b) => t(l, 'admin.revoke.option', { name: b.personName, no: badgeNo(b.id) }),
    };
  }

  /** Refills every list that comes from the server (people, organisations, rooms, badges). */
  function fillSources() {
    if (!a) return;
    for (const task of Object.keys(SPECS)) {
      for (const f of SPECS[task].fields) {
        if (!f.src) continue;
        const { items, label } = sourceItems(a, f.src);
        if (f.type === 'checks') {
          const box = /** @type {HTMLElement} */ (forms[task].querySelector(`[data-checks="${f.n}"]`));
          const checked = new Set([...box.querySelectorAll('input:checked')].map((i) => /** @type {HTMLInputElement} */ (i).value));
          box.replaceChildren(
            ...(items.length
              ? items.map((item) =>
                  el('label', { cls: 'check' }, el('input', { attrs: { type: 'checkbox', name: f.n, value: item.id, checked: checked.has(item.id) } }), el('span', { text: label(item) })),
                )
              : [el('p', { cls: 'field-hint', text: t(lang(), 'admin.none') })]),
          );
        } else fillSelect(/** @type {HTMLSelectElement} */ (field(task, f.n)), items, label);
      }
    }
    for (const task of Object.keys(SPECS)) {
      for (const f of SPECS[task].fields) {
        if (f.type !== 'checks' || f.src) continue;
        const box = /** @type {HTMLElement} */ (forms[task].querySelector(`[data-checks="${f.n}"]`));
        if (box.childElementCount) continue;
        box.append(
          ...(f.opts?.() ?? []).map((o) => el('label', { cls: 'check' }, el('input', { attrs: { type: 'checkbox', name: f.n, value: o } }), el('span', { attrs: { 'data-i18n': `${f.optKey}${o}` } }))),
        );
      }
    }
    if (a.access && forms.access && a.access.roomId !== /** @type {HTMLSelectElement} */ (field('access', 'roomId')).value) void lists.loadAccess();
    translate();
  }

  /** Labels built here carry data-i18n keys; app.js translates them too on every language switch. */
  function translate() {
    const l = lang();
    for (const node of root.querySelectorAll('[data-i18n]')) node.textContent = t(l, /** @type {HTMLElement} */ (node).dataset.i18n ?? '');
    for (const node of root.querySelectorAll('[data-i18n-aria-label]')) node.setAttribute('aria-label', t(l, /** @type {HTMLElement} */ (node).dataset.i18nAriaLabel ?? ''));
  }

  function renderStatus(task) {
    const box = document.getElementById(`admin-${task}-status`);
    const st = a?.status[task];
    if (!box) return;
    if (!st) {
      box.replaceChildren();
      box.className = 'admin-status';
      return;
    }
    const l = lang();
    const params = st.reasonKey ? { ...st.params, reason: t(l, st.reasonKey) } : st.params;
    box.className = `admin-status ${st.ok ? 'notice' : 'alert'}`;
    box.setAttribute('tabindex', '-1');
    /** @type {HTMLElement[]} */
    const children = [el('p', { text: t(l, st.key, params) })];
    const badgeId = st.print;
    if (badgeId) {
      const print = el('button', { cls: 'button button-small', text: t(l, 'admin.badge.print'), attrs: { type: 'button', 'data-testid': 'admin-badge-print' } });
      print.addEventListener('click', async () => {
        const error = await openPrintable(host, `/api/badges/${encodeURIComponent(badgeId)}/card`);
        if (error && a) {
          a.status.badge = { ok: false, key: error.key, params: error.params };
          renderStatus('badge');
        }
      });
      children.push(print);
    }
    box.replaceChildren(...children);
  }

  function renderForm(task) {
    if (!a || !forms[task]) return;
    const l = lang();
    const errors = a.errors[task] ?? {};
    for (const f of SPECS[task].fields) {
      const wrapper = forms[task].querySelector(`[data-field="${f.n}"]`);
      const box = /** @type {HTMLElement | null | undefined} */ (wrapper?.querySelector('.field-error'));
      if (!wrapper || !box) continue;
      const list = errors[f.n] ?? [];
      const texts = [...new Set(list.map((e) => (e.key ? t(l, e.key) : detailText(l, task, f, e.detail, e.value))))];
      box.textContent = texts.join(' ');
      box.hidden = texts.length === 0;
      const control = f.type === 'checks' ? wrapper : wrapper.querySelector('input, select, textarea');
      if (texts.length) control?.setAttribute('aria-invalid', 'true');
      else control?.removeAttribute('aria-invalid');
      wrapper.classList.toggle('field-invalid', texts.length > 0);
    }
    const button = /** @type {HTMLButtonElement} */ (forms[task].querySelector('button[type="submit"]'));
    button.disabled = Boolean(a.busy[task]);
    button.dataset.i18n = a.busy[task] ? 'admin.busy' : `admin.${task}.submit`;
    button.textContent = t(l, button.dataset.i18n);
    renderStatus(task);
  }

  function render() {
    if (!a) return;
    for (const task of TASKS) {
      const selected = task === a.task;
      const tab = document.getElementById(`admin-tab-${task}`);
      tab?.setAttribute('aria-selected', String(selected));
      if (tab) tab.tabIndex = selected ? 0 : -1;
      const panel = document.getElementById(`admin-panel-${task}`);
      if (panel) panel.hidden = !selected;
    }
    for (const task of Object.keys(SPECS)) renderForm(task);
    renderStatus('notifications');
    lists.renderAccess();
    lists.renderNotifications();
    // Registering and revoking stations is for administrators (stations:write); others see the list.
    if (forms.station) forms.station.hidden = !isAdmin();
    stations.render();
    // Doors and room rules likewise (stations:write, issue 20): others see the doors and every room's rules.
    if (forms.door) forms.door.hidden = !isAdmin();
    if (forms.roomRules) forms.roomRules.hidden = !isAdmin();
    doors.render();
    roomRules.render();
    // Lists whose labels are translated (organisation kinds, "Choose…").
    if (a.lang !== lang()) {
      a.lang = lang();
      fillSources();
    }
  }

  function selectTask(task, focusTab = false) {
    if (!a || !TASKS.includes(task)) return;
    a.task = task;
    render();
    if (focusTab) document.getElementById(`admin-tab-${task}`)?.focus();
    if (task === 'access' && !a.access) void lists.loadAccess();
    if (task === 'station') void stations.load(); // fresh: when each station was last seen
    if (task === 'door') void doors.load(); // fresh: whether each controller reports
  }

  // ------------------------------------------------------------------ lifecycle

  function start(task) {
    if (!a) {
      a = { task: 'person', lang: lang(), people: [], orgs: [], badges: [], notifications: [], appointments: [], access: null, stations: null, stationIssued: null, stationRevoke: null, doors: emptyDoors(), errors: {}, status: {}, busy: {} };
      build();
      fillSources();
      void Promise.all([loadPeople(), loadOrgs(), loadBadges(), loadNotifications(), loadAppointments()]).then(() => render());
    }
    selectTask(task ?? a.task);
  }

  function stop() {
    a = null;
    root.replaceChildren();
  }

  return { start, stop, render };
}

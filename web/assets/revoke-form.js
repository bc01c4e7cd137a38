// @ts-check
// The "revoke with a reason" form of a registered device — a door station (admin-stations.js) or a
// door's controller (admin-doors.js): the reason, a warning that it cannot be undone, then the
// button. One form for both, named by `kind` ("station", "door"): its ids, test ids and messages
// are `admin-<kind>-revoke-…` and `admin.<kind>.revoke.…`.
import { t } from './i18n.js';
import { el } from './dom.js';

/**
 * @param {{ l: string, kind: string, name: string, r: { reason: string, error: string | null, busy: boolean },
 *   confirm: () => void, cancel: () => void }} o
 */
export function revokeForm({ l, kind, name, r, confirm, cancel }) {
  const id = (part) => `admin-${kind}-revoke-${part}`;
  const input = el('input', {
    attrs: {
      id: id('reason'),
      type: 'text',
      maxlength: 200,
      autocomplete: 'off',
      value: r.reason,
      'aria-describedby': `${id('warning')} ${id('error')}`,
      'aria-invalid': r.error ? 'true' : null,
      'data-testid': id('reason'),
    },
  });
  input.addEventListener('input', () => {
    r.reason = input.value;
    if (r.error) {
      r.error = null;
      input.removeAttribute('aria-invalid');
      const error = document.getElementById(id('error'));
      if (error) error.hidden = true;
    }
  });
  const form = el(
    'form',
    { cls: 'station-revoke-form', attrs: { novalidate: true, 'data-testid': id('form') } },
    el('label', { attrs: { for: id('reason') }, text: t(l, `admin.${kind}.revoke.reason`) }),
    input,
    el('p', { cls: 'field-error', attrs: { id: id('error'), hidden: !r.error, 'data-testid': id('error') }, text: r.error ? t(l, r.error) : '' }),
    el('p', { cls: 'field-hint', attrs: { id: id('warning') }, text: t(l, `admin.${kind}.revoke.warning`, { name }) }),
    el(
      'div',
      { cls: 'exit-actions' },
      el('button', {
        cls: 'button button-small button-danger',
        text: t(l, r.busy ? 'admin.busy' : `admin.${kind}.revoke.confirm`),
        attrs: { type: 'submit', disabled: r.busy, 'data-testid': id('confirm') },
      }),
      el('button', { cls: 'button button-small', text: t(l, `admin.${kind}.revoke.cancel`), attrs: { type: 'button', 'data-cancel': '', 'data-testid': id('cancel') } }),
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    confirm();
  });
  form.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      cancel();
    }
  });
  form.querySelector('[data-cancel]')?.addEventListener('click', cancel);
  return form;
}

/**
 * The revoke flow around the form: open it under a device, close it (Escape, Cancel), confirm (the
 * reason required; POST …/revoke; the outcome in the screen's status line, the list read again).
 * The screen keeps the open form in its state (`get` / `set`) and says how the answer reads (`done`).
 * @param {{ kind: string, host: import('./page-types.js').Host, state: () => any,
 *   get: (a: any) => { id: string, reason: string, error: string | null, busy: boolean } | null,
 *   set: (a: any, r: { id: string, reason: string, error: string | null, busy: boolean } | null) => void,
 *   nameOf: (a: any, id: string) => string, path: (id: string) => string,
 *   done: (res: import('./page-types.js').ApiResult, name: string) => any,
 *   failure: (res: import('./page-types.js').ApiResult) => any, renderStatus: (task: string) => void,
 *   renderList: () => void, reload: () => Promise<void> }} o
 */
export function createRevokeFlow(o) {
  const reasonField = () => document.getElementById(`admin-${o.kind}-revoke-reason`);

  /** @param {string} id */
  function open(id) {
    const a = o.state();
    if (!a) return;
    o.set(a, { id, reason: '', error: null, busy: false });
    o.renderList();
    reasonField()?.focus();
  }

  function close() {
    const a = o.state();
    const r = a && o.get(a);
    if (!r) return;
    o.set(a, null);
    o.renderList();
    /** @type {HTMLElement | null} */ (document.querySelector(`[data-${o.kind}-id="${CSS.escape(r.id)}"] [data-revoke]`))?.focus();
  }

  async function confirm() {
    const a = o.state();
    const r = a && o.get(a);
    if (!a || !r || r.busy) return;
    const reason = r.reason.trim();
    if (!reason) {
      r.error = 'admin.error.required';
      o.renderList();
      reasonField()?.focus();
      return;
    }
    r.busy = true;
    r.error = null;
    o.renderList();
    const name = o.nameOf(a, r.id);
    const res = await o.host.api('POST', o.path(r.id), { body: { reason } });
    if (o.state() !== a) return;
    r.busy = false;
    if (res.status === 400) {
      r.error = 'admin.error.invalid';
      o.renderList();
      reasonField()?.focus();
      return;
    }
    if (res.status === 401) return; // the page asks to sign in again
    o.set(a, null);
    if (res.status === 200) a.status[o.kind] = o.done(res, name);
    else a.status[o.kind] = res.code === 'already_revoked' ? { ok: false, key: `admin.${o.kind}.already_revoked`, params: {} } : o.failure(res);
    await o.reload();
    o.renderStatus(o.kind);
    document.getElementById(`admin-${o.kind}-status`)?.focus();
  }

  return {
    open,
    /**
     * The button that opens the form under a device (none for a revoked one, or while its form is open).
     * @param {string} l @param {string} id @param {string} name
     */
    button: (l, id, name) => {
      const button = el('button', {
        cls: 'button button-small button-danger',
        text: t(l, `admin.${o.kind}.revoke`),
        attrs: { type: 'button', 'data-revoke': id, 'aria-label': t(l, `admin.${o.kind}.revoke.label`, { name }), 'data-testid': `admin-${o.kind}-revoke` },
      });
      button.addEventListener('click', () => open(id));
      return button;
    },
    /**
     * The form under the device whose revoke is open.
     * @param {string} l @param {string} name @param {{ reason: string, error: string | null, busy: boolean }} r
     */
    form: (l, name, r) => revokeForm({ l, kind: o.kind, name, r, confirm: () => void confirm(), cancel: close }),
  };
}

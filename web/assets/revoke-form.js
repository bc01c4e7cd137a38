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

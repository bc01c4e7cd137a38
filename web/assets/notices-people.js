// @ts-check
// The site's own people who receive notices by role (社内の受信者): the responsible persons (after-
// hours alerts, the weekly review, alarms, failed backups) and the administrators (failed
// backups), each with their e-mail address and the language of their notices; a responsible
// person without an address is pointed out, since after-hours alerts would not reach them.
// Responsible persons and administrators (people:write) set an address and a language in the
// row (PATCH /api/people/:id { email, noticeLang }; journaled, the previous address too); a
// refused address is said in words next to it. Others read only.
import { el } from './dom.js';
import { LANGS, ROLE_KINDS, detailsByField, emailNode, failureCode, fieldErrorText, keepFocus, kindPills, langWord } from './notices-shared.js';

/** @typedef {import('./api-types.js').Person} Person */

/** The roles that receive notices, in the order they are listed. */
const ROLES = /** @type {const} */ (['responsible', 'admin']);

/**
 * @param {import('./notices-shared.js').NoticesContext} ctx
 * @returns {import('./notices-shared.js').NoticesView}
 */
export function createPeopleView(ctx) {
  const { tx } = ctx;
  /** @type {{ items: Person[] | null, error: string | null, dead: boolean, seq: number }} */
  const list = { items: null, error: null, dead: false, seq: 0 };
  let loaded = false;
  /** The row being changed: what is typed there, the refusal, whether it is being saved. */
  const edit = { id: '', email: '', lang: 'ja', error: '', busy: false };
  /** What the last change did. @type {{ state: 'ok' | 'error', key: string, params?: Record<string, unknown> } | null} */
  let note = null;

  // ------------------------------------------------------------------ reading

  async function load() {
    loaded = true;
    const seq = ++list.seq;
    list.items = null;
    list.error = null;
    render();
    const answers = await Promise.all(ROLES.map((role) => ctx.host.api('GET', `/api/people?${new URLSearchParams({ role, active: 'true', limit: '500' })}`)));
    if (list.dead || seq !== list.seq) return;
    const failed = answers.find((r) => r.status !== 200 || !Array.isArray(r.data?.items));
    if (failed) {
      list.items = [];
      list.error = failureCode(failed);
    } else {
      /** @type {Map<string, Person>} */
      const people = new Map();
      for (const r of answers) for (const p of /** @type {Person[]} */ (r.data.items)) if (!people.has(p.id)) people.set(p.id, p);
      list.items = [...people.values()].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name, 'ja'));
    }
    render();
  }

  /** @param {Person} p */
  const rank = (p) => (p.roles.includes('responsible') ? 0 : 1);

  // ------------------------------------------------------------------ the page

  const refresh = el('button', { cls: 'button button-small nt-plain', attrs: { type: 'button', 'data-m': 'nt.refresh', 'data-testid': 'people-refresh' } });
  const missing = el('p', { cls: 'notice notice-warning nt-missing', attrs: { role: 'status', hidden: true, 'data-testid': 'people-missing' } });
  const noteLine = el('p', { cls: 'nt-list-note', attrs: { role: 'status', tabindex: -1, 'data-testid': 'people-note' } });
  const error = el('p', { cls: 'alert nt-error-line', attrs: { role: 'alert', hidden: true, 'data-testid': 'people-error' } });
  const body = el('div', { cls: 'nt-results', attrs: { 'data-testid': 'people-results' } });
  const readonly = el('p', { cls: 'field-hint nt-readonly', attrs: { 'data-m': 'nt.p.readonly', 'data-testid': 'people-readonly' } });

  const node = el(
    'div',
    { cls: 'nt-view', attrs: { 'data-testid': 'people-view' } },
    el('div', { cls: 'nt-intro-row' }, el('p', { cls: 'nt-intro', attrs: { 'data-m': 'nt.p.intro' } }), refresh),
    missing,
    noteLine,
    error,
    body,
    readonly,
  );

  refresh.addEventListener('click', () => void load());
  body.addEventListener('click', (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    const start = /** @type {HTMLElement | null} */ (target.closest('[data-edit]'));
    if (start) return startEdit(start.dataset.edit ?? '');
    if (target.closest('[data-save]')) return void save();
    if (target.closest('[data-cancel]')) cancelEdit();
  });
  body.addEventListener('input', (event) => {
    const target = /** @type {HTMLInputElement} */ (event.target);
    if (target.dataset.part === 'email') edit.email = target.value;
  });
  body.addEventListener('change', (event) => {
    const target = /** @type {HTMLSelectElement} */ (event.target);
    if (target.dataset.part === 'lang') edit.lang = target.value;
  });
  body.addEventListener('keydown', (event) => {
    if (!edit.id) return;
    const target = /** @type {HTMLElement} */ (event.target);
    if (event.key === 'Escape') {
      event.preventDefault();
      cancelEdit();
    } else if (event.key === 'Enter' && !event.isComposing && target.dataset.part) {
      event.preventDefault();
      void save();
    }
  });

  // ------------------------------------------------------------------ acting

  /** @param {string} id */
  function startEdit(id) {
    const p = list.items?.find((x) => x.id === id);
    if (!p || !ctx.mayWrite()) return;
    Object.assign(edit, { id, email: p.email ?? '', lang: p.noticeLang ?? 'ja', error: '', busy: false });
    note = null;
    render();
    const input = /** @type {HTMLInputElement | null} */ (body.querySelector('[data-part="email"]'));
    input?.focus();
    input?.select();
  }

  function cancelEdit() {
    const id = edit.id;
    Object.assign(edit, { id: '', email: '', error: '', busy: false });
    render();
    /** @type {HTMLElement | null} */ (body.querySelector(`[data-edit="${CSS.escape(id)}"]`))?.focus();
  }

  async function save() {
    const p = list.items?.find((x) => x.id === edit.id);
    if (!p || edit.busy || !ctx.mayWrite()) return;
    const email = edit.email.trim();
    edit.busy = true;
    edit.error = '';
    render();
    const res = await ctx.host.api('PATCH', `/api/people/${encodeURIComponent(p.id)}`, { body: { email: email || null, noticeLang: edit.lang } });
    if (list.dead || edit.id !== p.id) return;
    edit.busy = false;
    if (res.status === 200 && res.data?.id) {
      const saved = /** @type {Person} */ (res.data);
      if (list.items) list.items = list.items.map((x) => (x.id === saved.id ? { ...x, ...saved } : x));
      Object.assign(edit, { id: '', email: '', error: '' });
      note = { state: 'ok', key: 'nt.p.saved', params: { name: p.name } };
      render();
      /** @type {HTMLElement | null} */ (body.querySelector(`[data-edit="${CSS.escape(p.id)}"]`))?.focus();
      return;
    }
    const byField = detailsByField(res);
    if (byField.email) edit.error = fieldErrorText(tx, 'email', byField.email, email);
    else if (byField.noticeLang) edit.error = fieldErrorText(tx, 'noticeLang', byField.noticeLang);
    else note = { state: 'error', key: 'nt.p.save.failed', params: { code: failureCode(res) } };
    render();
    const input = /** @type {HTMLInputElement | null} */ (body.querySelector('[data-part="email"]'));
    if (edit.error && input) {
      input.focus();
      input.setSelectionRange(input.value.length, input.value.length);
    }
  }

  // ------------------------------------------------------------------ rendering

  /** What the list shows now: drawn again only when it changed (not while someone types in a row). */
  let drawn = '';

  function render() {
    const items = list.items;
    const writer = ctx.mayWrite();
    readonly.hidden = writer;
    const without = (items ?? []).filter((p) => p.roles.includes('responsible') && !p.email).length;
    missing.hidden = without === 0;
    missing.textContent = without ? tx('nt.p.missing', { n: without }) : '';
    noteLine.hidden = !note;
    noteLine.dataset.state = note?.state ?? '';
    noteLine.textContent = note ? tx(note.key, note.params) : '';
    error.hidden = !list.error;
    error.textContent = list.error ? tx('nt.failed', { code: list.error }) : '';
    const stamp = JSON.stringify([ctx.host.lang(), items, list.error, writer, edit.id, edit.error, edit.busy]);
    if (stamp === drawn) return;
    drawn = stamp;
    keepFocus(body, () => {
      if (items === null) body.replaceChildren(el('p', { cls: 'empty-inline', text: tx('nt.loading') }));
      else if (!items.length) body.replaceChildren(list.error ? el('span') : el('div', { cls: 'empty nt-empty', attrs: { 'data-testid': 'people-empty' } }, el('p', { text: tx('nt.p.empty') })));
      else body.replaceChildren(table(items, writer));
    });
  }

  /**
   * @param {Person[]} items
   * @param {boolean} writer
   */
  function table(items, writer) {
    const headings = ['name', 'roles', 'email', 'lang', 'kinds'].map((k) => tx(`nt.p.col.${k}`));
    if (writer) headings.push(tx('nt.actions'));
    return el(
      'div',
      { cls: 'table-wrap' },
      el(
        'table',
        { cls: 'log-table nt-table nt-people-table' },
        el('thead', {}, el('tr', {}, ...headings.map((h) => el('th', { text: h, attrs: { scope: 'col' } })))),
        el('tbody', {}, ...items.map((p) => row(p, writer))),
      ),
    );
  }

  /** @param {Person} p */
  function kindsOf(p) {
    const kinds = new Set(ROLES.flatMap((r) => (p.roles.includes(r) ? ROLE_KINDS[r] : [])));
    return [...kinds];
  }

  /**
   * @param {Person} p
   * @param {boolean} writer
   */
  function row(p, writer) {
    const editing = writer && edit.id === p.id;
    const roles = p.roles.filter((r) => r !== 'visitor').map((r) => tx(`role.${r}`)).join(tx('nt.p.roles.sep'));
    // The site's own people: their organisation is the site's, and goes unsaid.
    const name = el('td', { cls: 'nt-name' }, el('span', { text: p.name }));
    const roleCell = el('td', { cls: 'nt-roles', text: roles });
    const kinds = el('td', {}, kindPills(tx, kindsOf(p)));
    if (!editing) {
      return el(
        'tr',
        { cls: p.email ? '' : 'nt-row-missing', attrs: { 'data-testid': 'person-row', 'data-person-id': p.id } },
        name,
        roleCell,
        el(
          'td',
          { attrs: { 'data-testid': 'person-email' } },
          ...(p.email ? [emailNode(p.email)] : [el('span', { cls: 'pill pill-warn', text: tx('nt.p.noemail') }), el('small', { text: tx('nt.p.noemail.hint') })]),
        ),
        el('td', { cls: 'nt-nowrap', attrs: { 'data-testid': 'person-lang' } }, langWord(tx, p.noticeLang ?? 'ja')),
        kinds,
        ...(writer
          ? [el('td', { cls: 'nt-row-actions' }, el('button', { cls: 'button button-small', text: tx('nt.p.edit'), attrs: { type: 'button', 'data-edit': p.id, 'data-focus': `edit:${p.id}`, 'aria-label': tx('nt.p.edit.label', { name: p.name }), 'data-testid': 'person-edit' } }))]
          : []),
      );
    }
    const errorId = `nt-p-${p.id}-error`;
    const input = el('input', {
      attrs: {
        // text, not email: the caret can be put back at the end when the row is drawn again
        type: 'text',
        inputmode: 'email',
        value: edit.email,
        maxlength: 254,
        autocomplete: 'off',
        spellcheck: 'false',
        autocapitalize: 'off',
        'data-part': 'email',
        'data-focus': `email:${p.id}`,
        'aria-label': tx('nt.p.email.label', { name: p.name }),
        'aria-invalid': edit.error ? 'true' : null,
        'aria-describedby': edit.error ? `${errorId} ${errorId}-hint` : `${errorId}-hint`,
        'data-m-ph': 'nt.c.email.ph',
        placeholder: tx('nt.c.email.ph'),
        'data-testid': 'person-email-input',
      },
    });
    input.value = edit.email;
    const lang = el(
      'select',
      { attrs: { 'data-part': 'lang', 'data-focus': `lang:${p.id}`, 'aria-label': tx('nt.p.lang.label', { name: p.name }), 'data-testid': 'person-lang-input' } },
      ...LANGS.map((l) => el('option', { text: langWord(tx, l), attrs: { value: l } })),
    );
    lang.value = edit.lang;
    return el(
      'tr',
      { cls: 'nt-row-editing', attrs: { 'data-testid': 'person-row', 'data-person-id': p.id } },
      name,
      roleCell,
      el(
        'td',
        { cls: `nt-edit-cell${edit.error ? ' field-invalid' : ''}` },
        input,
        el('p', { cls: 'field-error', text: edit.error, attrs: { id: errorId, hidden: !edit.error, 'data-testid': 'person-email-error' } }),
        el('p', { cls: 'field-hint', text: tx('nt.p.email.hint'), attrs: { id: `${errorId}-hint` } }),
      ),
      el('td', {}, lang),
      kinds,
      el(
        'td',
        { cls: 'nt-row-actions' },
        el('button', { cls: 'button button-small button-primary nt-save', text: tx(edit.busy ? 'nt.p.busy' : 'nt.p.save'), attrs: { type: 'button', 'data-save': p.id, 'data-focus': `save:${p.id}`, 'aria-disabled': String(edit.busy), 'data-testid': 'person-save' } }),
        el('button', { cls: 'button button-small nt-plain', text: tx('nt.cancel'), attrs: { type: 'button', 'data-cancel': p.id, 'aria-keyshortcuts': 'Escape', 'data-testid': 'person-cancel' } }),
      ),
    );
  }

  return {
    node,
    render,
    show: () => {
      if (!loaded) void load();
    },
    leave: () => {},
    stop: () => {
      list.dead = true;
    },
  };
}

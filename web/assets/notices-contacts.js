// @ts-check
// The contacts of an organisation (取引先の連絡先): choose the organisation (depositors first), see
// its contact persons — name, e-mail address, language, the kinds of notice they receive — and,
// for responsible persons and administrators (contacts:write), add, change and remove them
// (POST /api/orgs/:id/contacts, PATCH and DELETE /api/contacts/:id; every change journaled). A
// refused field is said in words next to the field (the API's 400 details). Others read only.
import { el } from './dom.js';
import { CONTACT_KINDS, DEFAULT_CONTACT_KINDS, LANGS, detailsByField, emailNode, failureCode, fieldErrorText, keepFocus, kindPills, langWord } from './notices-shared.js';

/** @typedef {import('./notices-shared.js').Contact} Contact */
/** @typedef {{ state: 'ok' | 'error', key: string, params?: Record<string, unknown> }} Note */

const FIELDS = /** @type {const} */ (['name', 'email', 'lang', 'kinds']);

/**
 * @param {import('./notices-shared.js').NoticesContext} ctx
 * @returns {import('./notices-shared.js').NoticesView}
 */
export function createContactsView(ctx) {
  const { tx } = ctx;
  let orgId = '';
  /** @type {{ items: Contact[] | null, error: string | null, key: string, dead: boolean }} */
  const list = { items: null, error: null, key: '', dead: false };
  let loaded = false;
  /** The contact whose removal waits for "remove" to be confirmed. */
  let removing = '';
  /** What the last change did, above the list. @type {Note | null} */
  let listNote = null;
  /** The form: adding, or changing `editId`; errors by field; busy; what it did. */
  const form = { editId: '', editName: '', errors: /** @type {Record<string, string>} */ ({}), busy: false, note: /** @type {Note | null} */ (null) };

  const org = () => ctx.orgs().find((o) => o.id === orgId) ?? null;

  // ------------------------------------------------------------------ reading

  async function load() {
    loaded = true;
    removing = '';
    if (!orgId) {
      list.items = [];
      render();
      return;
    }
    const key = orgId;
    list.key = key;
    list.items = null;
    list.error = null;
    render();
    const res = await ctx.host.api('GET', `/api/orgs/${encodeURIComponent(orgId)}/contacts`);
    if (list.dead || list.key !== key) return;
    if (res.status === 200 && Array.isArray(res.data?.items)) list.items = res.data.items;
    else {
      list.items = [];
      list.error = failureCode(res);
    }
    render();
  }

  // ------------------------------------------------------------------ the page

  const orgSelect = el('select', { attrs: { id: 'nt-c-org', 'data-testid': 'contacts-org' } });
  const refresh = el('button', { cls: 'button button-small nt-plain', attrs: { type: 'button', 'data-m': 'nt.refresh', 'data-testid': 'contacts-refresh' } });
  const noteLine = el('p', { cls: 'nt-list-note', attrs: { role: 'status', tabindex: -1, 'data-testid': 'contacts-note' } });
  const error = el('p', { cls: 'alert nt-error-line', attrs: { role: 'alert', hidden: true, 'data-testid': 'contacts-error' } });
  const body = el('div', { cls: 'nt-results', attrs: { 'data-testid': 'contacts-results' } });
  const readonly = el('p', { cls: 'field-hint nt-readonly', attrs: { 'data-m': 'nt.c.readonly', 'data-testid': 'contacts-readonly' } });

  // The form: built once, so that what is typed stays through every render.
  const nameInput = el('input', { attrs: { id: 'nt-c-name', type: 'text', maxlength: 100, autocomplete: 'off', 'data-m-ph': 'nt.c.name.ph', 'data-testid': 'contact-name' } });
  const emailInput = el('input', { attrs: { id: 'nt-c-email', type: 'email', maxlength: 254, autocomplete: 'off', spellcheck: 'false', autocapitalize: 'off', 'data-m-ph': 'nt.c.email.ph', 'data-testid': 'contact-email' } });
  const langSelect = el('select', { attrs: { id: 'nt-c-lang', 'data-testid': 'contact-lang' } });
  const kindBoxes = CONTACT_KINDS.map((k) => el('input', { attrs: { type: 'checkbox', id: `nt-c-kind-${k}`, value: k, 'aria-describedby': `nt-c-kind-${k}-hint`, 'data-testid': `contact-kind-${k}` } }));
  const errorOf = (name) => el('p', { cls: 'field-error', attrs: { id: `nt-c-${name}-error`, hidden: true, 'data-testid': `contact-${name}-error` } });
  const errors = Object.fromEntries(FIELDS.map((n) => [n, errorOf(n)]));
  const formTitle = el('h3', { attrs: { id: 'nt-c-form-title', 'data-testid': 'contact-form-title' } });
  const submit = el('button', { cls: 'button button-primary', attrs: { type: 'submit', 'data-testid': 'contact-submit' } });
  const cancel = el('button', { cls: 'button button-small nt-plain', attrs: { type: 'button', hidden: true, 'aria-keyshortcuts': 'Escape', 'data-m': 'nt.cancel', 'data-testid': 'contact-cancel' } });
  const formNote = el('p', { cls: 'nt-form-note', attrs: { role: 'status', 'data-testid': 'contact-form-note' } });
  const wrap = (name, control, ...rest) =>
    el('div', { cls: 'field nt-field', attrs: { 'data-field': name } }, el('label', { attrs: { for: `nt-c-${name}`, 'data-m': `nt.c.${name}` } }), control, ...rest, errors[name]);
  const formNode = el(
    'form',
    { cls: 'nt-form nt-card', attrs: { novalidate: true, 'aria-labelledby': 'nt-c-form-title', 'data-testid': 'contact-form' } },
    formTitle,
    wrap('name', nameInput),
    wrap('email', emailInput),
    wrap('lang', langSelect),
    el(
      'fieldset',
      { cls: 'field nt-field nt-kinds-field', attrs: { 'data-field': 'kinds', 'aria-describedby': 'nt-c-kinds-hint nt-c-kinds-error' } },
      el('legend', { attrs: { 'data-m': 'nt.c.kinds' } }),
      el('p', { cls: 'field-hint', attrs: { id: 'nt-c-kinds-hint', 'data-m': 'nt.c.kinds.hint' } }),
      ...CONTACT_KINDS.map((k, i) =>
        el(
          'label',
          { cls: 'check nt-kind-check', attrs: { for: `nt-c-kind-${k}` } },
          kindBoxes[i],
          el('span', { cls: 'nt-kind-words' }, el('span', { attrs: { 'data-m': `nt.kind.${k}` } }), el('small', { attrs: { id: `nt-c-kind-${k}-hint`, 'data-m': `nt.kind.hint.${k}` } })),
        ),
      ),
      errors.kinds,
    ),
    el('div', { cls: 'form-actions' }, submit, cancel),
    formNote,
  );

  const node = el(
    'div',
    { cls: 'nt-view', attrs: { 'data-testid': 'contacts-view' } },
    el('p', { cls: 'nt-intro', attrs: { 'data-m': 'nt.c.intro' } }),
    el('div', { cls: 'nt-filters nt-filters-org' }, el('div', { cls: 'field nt-field' }, el('label', { attrs: { for: 'nt-c-org', 'data-m': 'nt.c.org' } }), orgSelect), el('div', { cls: 'nt-filter-actions' }, refresh)),
    el('div', { cls: 'nt-columns' }, el('div', { cls: 'nt-main' }, noteLine, error, body, readonly), formNode),
  );

  orgSelect.addEventListener('change', () => {
    if (orgSelect.value === orgId) return;
    orgId = orgSelect.value;
    listNote = null;
    resetForm();
    void load();
  });
  refresh.addEventListener('click', () => void ctx.reloadOrgs().then(() => load()));
  formNode.addEventListener('submit', (event) => {
    event.preventDefault();
    void save();
  });
  cancel.addEventListener('click', () => cancelEdit());
  formNode.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && form.editId) {
      event.preventDefault();
      cancelEdit();
    }
  });
  body.addEventListener('click', (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    const hit = (attr) => /** @type {HTMLElement | null} */ (target.closest(`[${attr}]`));
    const edit = hit('data-edit');
    if (edit) return startEdit(edit.dataset.edit ?? '');
    const remove = hit('data-remove');
    if (remove) {
      removing = remove.dataset.remove ?? '';
      render();
      /** @type {HTMLElement | null} */ (body.querySelector('[data-remove-yes]'))?.focus();
      return;
    }
    const yes = hit('data-remove-yes');
    if (yes) return void removeContact(yes.dataset.removeYes ?? '');
    const no = hit('data-remove-no');
    if (no) cancelRemove();
  });
  body.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && removing) {
      event.preventDefault();
      cancelRemove();
    }
  });

  // ------------------------------------------------------------------ acting

  function values() {
    return {
      name: nameInput.value.trim(),
      email: emailInput.value.trim(),
      lang: langSelect.value,
      kinds: kindBoxes.filter((b) => b.checked).map((b) => b.value),
    };
  }

  function resetForm() {
    form.editId = '';
    form.editName = '';
    form.errors = {};
    form.busy = false;
    nameInput.value = '';
    emailInput.value = '';
    langSelect.value = 'ja';
    for (const b of kindBoxes) b.checked = DEFAULT_CONTACT_KINDS.includes(b.value);
  }

  /** @param {string} id */
  function startEdit(id) {
    const c = list.items?.find((x) => x.id === id);
    if (!c || !ctx.mayWrite()) return;
    removing = '';
    form.editId = c.id;
    form.editName = c.name;
    form.errors = {};
    form.note = null;
    nameInput.value = c.name;
    emailInput.value = c.email;
    langSelect.value = c.lang;
    for (const b of kindBoxes) b.checked = c.kinds.includes(b.value);
    render();
    nameInput.focus();
    nameInput.select();
  }

  function cancelEdit() {
    const id = form.editId;
    resetForm();
    form.note = null;
    render();
    /** @type {HTMLElement} */ (body.querySelector(`[data-edit="${CSS.escape(id)}"]`) ?? nameInput).focus();
  }

  function cancelRemove() {
    const id = removing;
    removing = '';
    render();
    /** @type {HTMLElement | null} */ (body.querySelector(`[data-remove="${CSS.escape(id)}"]`))?.focus();
  }

  async function save() {
    if (!ctx.mayWrite() || form.busy || !orgId) return;
    const v = values();
    const editing = form.editId;
    form.busy = true;
    form.errors = {};
    form.note = null;
    render();
    const res = editing
      ? await ctx.host.api('PATCH', `/api/contacts/${encodeURIComponent(editing)}`, { body: v })
      : await ctx.host.api('POST', `/api/orgs/${encodeURIComponent(orgId)}/contacts`, { body: v });
    if (list.dead) return;
    form.busy = false;
    if (res.status === 200 || res.status === 201) {
      resetForm();
      form.note = { state: 'ok', key: editing ? 'nt.c.changed' : 'nt.c.added', params: { name: res.data?.name ?? v.name } };
      await load();
      if (editing) /** @type {HTMLElement} */ (body.querySelector(`[data-edit="${CSS.escape(editing)}"]`) ?? nameInput).focus();
      else nameInput.focus();
      return;
    }
    if (res.status === 404 && editing) {
      resetForm();
      form.note = { state: 'error', key: 'nt.c.gone' };
      await load();
      return;
    }
    const byField = detailsByField(res);
    for (const name of FIELDS) {
      if (byField[name]) form.errors[name] = fieldErrorText(tx, name, byField[name], name === 'kinds' || name === 'lang' ? 'x' : v[name]);
    }
    const first = FIELDS.find((n) => form.errors[n]);
    form.note = first ? { state: 'error', key: 'nt.c.invalid' } : { state: 'error', key: 'nt.c.save.failed', params: { code: failureCode(res) } };
    render();
    if (first === 'kinds') kindBoxes[0].focus();
    else if (first === 'lang') langSelect.focus();
    else if (first) (first === 'name' ? nameInput : emailInput).focus();
  }

  /** @param {string} id */
  async function removeContact(id) {
    const c = list.items?.find((x) => x.id === id);
    if (!c || !ctx.mayWrite()) return;
    const res = await ctx.host.api('DELETE', `/api/contacts/${encodeURIComponent(id)}`);
    if (list.dead) return;
    removing = '';
    if (form.editId === id) resetForm();
    listNote =
      res.status === 204 || res.status === 404
        ? { state: 'ok', key: 'nt.c.removed', params: { name: c.name } }
        : { state: 'error', key: 'nt.c.remove.failed', params: { code: failureCode(res) } };
    await load();
    noteLine.focus();
  }

  // ------------------------------------------------------------------ rendering

  /** What the chooser and the list show now: the list is drawn again only when it changed (the
   *  page's other renders leave the focus and the rows as they are). */
  const drawn = { lang: '', orgs: /** @type {unknown} */ (null), stamp: '' };

  function renderOrgs() {
    const orgs = ctx.orgs();
    if (!orgId && orgs[0]) orgId = orgs[0].id;
    if (drawn.lang === ctx.host.lang() && drawn.orgs === orgs) return;
    drawn.lang = ctx.host.lang();
    drawn.orgs = orgs;
    /** @type {Map<string, HTMLOptGroupElement>} */
    const groups = new Map();
    for (const o of orgs) {
      let group = groups.get(o.kind);
      if (!group) {
        group = el('optgroup', { attrs: { label: tx(`nt.orgkind.${o.kind}`) } });
        groups.set(o.kind, group);
      }
      group.append(el('option', { text: o.name, attrs: { value: o.id } }));
    }
    orgSelect.replaceChildren(...groups.values());
    const lang = langSelect.value;
    langSelect.replaceChildren(...LANGS.map((l) => el('option', { text: langWord(tx, l), attrs: { value: l } })));
    langSelect.value = lang || 'ja';
  }

  function render() {
    const firstDraw = !drawn.lang;
    renderOrgs();
    if (firstDraw) resetForm();
    orgSelect.value = orgId;
    orgSelect.disabled = !ctx.orgs().length;
    const writer = ctx.mayWrite();
    formNode.hidden = !writer || !ctx.orgs().length;
    readonly.hidden = writer || !ctx.orgs().length;
    noteLine.hidden = !listNote;
    noteLine.dataset.state = listNote?.state ?? '';
    noteLine.textContent = listNote ? tx(listNote.key, listNote.params) : '';
    error.hidden = !list.error;
    error.textContent = list.error ? tx('nt.failed', { code: list.error }) : '';
    const stamp = JSON.stringify([ctx.host.lang(), orgId, ctx.orgs().length, list.items, list.error, removing, form.editId, writer]);
    if (stamp !== drawn.stamp) {
      drawn.stamp = stamp;
      keepFocus(body, () => body.replaceChildren(contents()));
    }
    renderForm();
  }

  function renderForm() {
    formTitle.textContent = form.editId ? tx('nt.c.form.edit', { name: form.editName }) : tx('nt.c.form.add');
    submit.textContent = tx(form.busy ? 'nt.c.busy' : form.editId ? 'nt.c.save' : 'nt.c.add');
    submit.disabled = form.busy;
    cancel.hidden = !form.editId;
    formNode.classList.toggle('nt-form-editing', Boolean(form.editId));
    for (const name of FIELDS) {
      const text = form.errors[name] ?? '';
      errors[name].textContent = text;
      errors[name].hidden = !text;
      const wrapper = formNode.querySelector(`[data-field="${name}"]`);
      wrapper?.classList.toggle('field-invalid', Boolean(text));
      const controls = name === 'kinds' ? kindBoxes : [name === 'name' ? nameInput : name === 'email' ? emailInput : langSelect];
      for (const c of controls) {
        if (text) c.setAttribute('aria-invalid', 'true');
        else c.removeAttribute('aria-invalid');
        if (name === 'kinds') continue;
        if (text) c.setAttribute('aria-describedby', `nt-c-${name}-error`);
        else c.removeAttribute('aria-describedby');
      }
    }
    formNote.dataset.state = form.note?.state ?? '';
    formNote.textContent = form.note ? tx(form.note.key, form.note.params) : '';
  }

  function contents() {
    if (!ctx.orgs().length) return el('div', { cls: 'empty nt-empty', attrs: { 'data-testid': 'contacts-noorgs' } }, el('p', { text: tx('nt.c.noorgs') }));
    const items = list.items;
    if (items === null) return el('p', { cls: 'empty-inline', text: tx('nt.loading') });
    if (!items.length) {
      if (list.error) return el('span');
      const key = !ctx.mayWrite() ? 'nt.c.empty.read' : org()?.kind === 'depositor' ? 'nt.c.empty.depositor' : 'nt.c.empty.other';
      return el('div', { cls: 'empty nt-empty', attrs: { 'data-testid': 'contacts-empty' } }, el('p', { text: tx(key) }));
    }
    const writer = ctx.mayWrite();
    const headings = ['name', 'email', 'lang', 'kinds'].map((k) => tx(`nt.c.col.${k}`));
    if (writer) headings.push(tx('nt.actions'));
    return el(
      'div',
      { cls: 'table-wrap' },
      el(
        'table',
        { cls: 'log-table nt-table nt-contacts-table' },
        el('thead', {}, el('tr', {}, ...headings.map((h) => el('th', { text: h, attrs: { scope: 'col' } })))),
        el('tbody', {}, ...items.flatMap((c) => row(c, writer))),
      ),
    );
  }

  /**
   * @param {Contact} c
   * @param {boolean} writer
   */
  function row(c, writer) {
    const tr = el(
      'tr',
      { cls: form.editId === c.id ? 'nt-row-editing' : '', attrs: { 'data-testid': 'contact-row', 'data-contact-id': c.id } },
      el('td', { cls: 'nt-name', text: c.name }),
      el('td', {}, emailNode(c.email)),
      el('td', { cls: 'nt-nowrap', text: langWord(tx, c.lang) }),
      el('td', {}, kindPills(tx, c.kinds)),
      ...(writer
        ? [
            el(
              'td',
              { cls: 'nt-row-actions' },
              el('button', { cls: 'button button-small', text: tx('nt.c.edit'), attrs: { type: 'button', 'data-edit': c.id, 'data-focus': `edit:${c.id}`, 'aria-label': tx('nt.c.edit.label', { name: c.name }), 'data-testid': 'contact-edit' } }),
              el('button', { cls: 'button button-small button-danger', text: tx('nt.c.remove'), attrs: { type: 'button', 'data-remove': c.id, 'data-focus': `remove:${c.id}`, 'aria-label': tx('nt.c.remove.label', { name: c.name }), 'data-testid': 'contact-remove' } }),
            ),
          ]
        : []),
    );
    if (removing !== c.id) return [tr];
    return [
      tr,
      el(
        'tr',
        { cls: 'nt-confirm-row' },
        el(
          'td',
          { attrs: { colspan: 5 } },
          el(
            'div',
            { cls: 'nt-confirm', attrs: { role: 'group', 'aria-label': tx('nt.c.remove.label', { name: c.name }), 'data-testid': 'contact-remove-confirm' } },
            el('p', { text: tx('nt.c.remove.confirm', { name: c.name, email: c.email }) }),
            el('button', { cls: 'button button-small button-danger', text: tx('nt.c.remove.yes'), attrs: { type: 'button', 'data-remove-yes': c.id, 'data-testid': 'contact-remove-yes' } }),
            el('button', { cls: 'button button-small nt-plain', text: tx('nt.c.remove.no'), attrs: { type: 'button', 'data-remove-no': c.id, 'aria-keyshortcuts': 'Escape', 'data-testid': 'contact-remove-no' } }),
          ),
        ),
      ),
    ];
  }

  return {
    node,
    render,
    show: () => {
      if (!loaded) {
        render();
        void load();
      }
    },
    leave: () => {},
    stop: () => {
      list.dead = true;
    },
  };
}


// @ts-check
// Registration of locations and media (media.js's "register" view): two forms, a location in a
// room and a medium at a location; a registered medium's label is printed from here.
import { has } from './i18n.js';
import { el } from './dom.js';
import { KINDS } from './screen.js';

const LOCATION_KINDS = ['cabinet', 'safe', 'vault'];

/** @param {import('./media.js').MediaContext} ctx */
export function createMediaRegister(ctx) {
  const { host, tx, sg } = ctx;

  function render() {
    const box = document.getElementById('media-register');
    const s = ctx.state();
    if (!s || !box) return;
    if (!box.firstChild) {
      box.append(
        regForm('location', [
          ['name', 'media.reg.loc.name', () => el('input', { attrs: { type: 'text', maxlength: 120, autocomplete: 'off' } })],
          ['kind', 'media.reg.loc.kind', () => sg.select(LOCATION_KINDS.map((k) => el('option', { attrs: { value: k, 'data-m': `media.lockind.${k}` } })))],
          ['roomId', 'media.reg.loc.room', () => sg.select()],
        ]),
        regForm('medium', [
          ['label', 'media.reg.m.label', () => el('input', { attrs: { type: 'text', maxlength: 80, autocomplete: 'off', 'data-m-ph': 'media.reg.m.label.hint' } })],
          ['kind', 'media.reg.m.kind', () => sg.select(KINDS.map((k) => el('option', { attrs: { value: k, 'data-m': `media.kind.${k}` } })))],
          ['depositorOrgId', 'media.reg.m.depositor', () => sg.select()],
          ['locationId', 'media.reg.m.location', () => sg.select()],
          ['description', 'media.reg.m.description', () => el('input', { attrs: { type: 'text', maxlength: 500, autocomplete: 'off' } })],
        ]),
      );
    }
    /**
     * @template {{ id: string }} T
     * @param {HTMLSelectElement} sel
     * @param {T[]} items
     * @param {(item: T) => string} label
     */
    const fill = (sel, items, label) => {
      const cur = sel.value;
      sel.replaceChildren(el('option', { text: tx('media.choose'), attrs: { value: '' } }), ...items.map((i) => el('option', { text: label(i), attrs: { value: i.id } })));
      if (items.some((i) => i.id === cur)) sel.value = cur;
      else if (items.length === 1) sel.value = items[0].id;
    };
    const q = (form, name) => /** @type {HTMLSelectElement} */ (box.querySelector(`[data-reg="${form}"] [name="${name}"]`));
    fill(q('location', 'roomId'), s.rooms, (r) => r.name);
    const depositors = s.orgs.filter((o) => o.kind === 'depositor');
    fill(q('medium', 'depositorOrgId'), depositors, (o) => o.name);
    fill(q('medium', 'locationId'), s.locations, (l) => tx('media.inspect.location.option', { name: l.name, room: l.roomName }));
    for (const form of ['location', 'medium']) {
      const st = s.reg.status[form];
      const out = /** @type {HTMLElement} */ (box.querySelector(`[data-reg="${form}"] .admin-status`));
      out.className = `admin-status${st ? (st.ok ? ' notice' : ' alert') : ''}`;
      out.replaceChildren(...(st ? [el('p', { text: tx(st.key, st.params) })] : []));
      if (st?.print) {
        const b = el('button', { cls: 'button button-small', text: tx('media.detail.print_label'), attrs: { type: 'button', 'data-print': st.print, 'data-testid': 'reg-print-label' } });
        out.append(b);
      }
      const errors = s.reg.errors[form] ?? {};
      for (const wrap of box.querySelectorAll(`[data-reg="${form}"] [data-f]`)) {
        const name = /** @type {HTMLElement} */ (wrap).dataset.f ?? '';
        const err = /** @type {HTMLElement} */ (wrap.querySelector('.field-error'));
        err.textContent = errors[name] ?? '';
        err.hidden = !errors[name];
        wrap.classList.toggle('field-invalid', Boolean(errors[name]));
      }
    }
    const hint = /** @type {HTMLElement | null} */ (box.querySelector('[data-reg="medium"] .reg-hint'));
    if (hint) {
      hint.textContent = !s.rooms.length ? tx('media.reg.norooms') : !depositors.length ? tx('media.reg.nodepositor') : '';
      hint.hidden = !hint.textContent;
    }
  }

  /**
   * @param {string} name location or medium
   * @param {[string, string, () => HTMLElement][]} fields name, label key, the control
   */
  function regForm(name, fields) {
    const node = el('form', { cls: 'form admin-form reg-form', attrs: { novalidate: true, 'data-reg': name, 'data-testid': `reg-${name}` } });
    node.append(
      el('h3', { attrs: { 'data-m': `media.reg.${name}` } }),
      el('p', { cls: 'admin-intro', attrs: { 'data-m': `media.reg.${name}.intro` } }),
      el('p', { cls: 'notice reg-hint', attrs: { hidden: true } }),
      el('div', { cls: 'admin-status', attrs: { role: 'status', 'data-testid': `reg-${name}-status` } }),
      ...fields.map(([n, key, make]) => {
        const id = `mr-${name}-${n}`;
        const control = make();
        control.id = id;
        control.setAttribute('name', n);
        control.setAttribute('data-testid', `reg-${name}-${n}`);
        return el('div', { cls: 'field', attrs: { 'data-f': n } }, el('label', { attrs: { for: id, 'data-m': key } }), control, el('p', { cls: 'field-error', attrs: { hidden: true } }));
      }),
      el('div', { cls: 'form-actions' }, el('button', { cls: 'button button-primary', attrs: { type: 'submit', 'data-m': name === 'location' ? 'media.reg.loc.submit' : 'media.reg.m.submit', 'data-testid': `reg-${name}-submit` } })),
    );
    node.addEventListener('submit', (e) => {
      e.preventDefault();
      void submit(name, node);
    });
    return node;
  }

  /**
   * @param {string} name location or medium
   * @param {HTMLFormElement} node
   */
  async function submit(name, node) {
    const s = ctx.state();
    if (!s) return;
    const v = Object.fromEntries([...node.querySelectorAll('[name]')].map((c) => [c.getAttribute('name'), /** @type {HTMLInputElement} */ (c).value.trim()]));
    const body = Object.fromEntries(Object.entries(v).filter(([, x]) => x !== ''));
    s.reg.errors[name] = {};
    s.reg.status[name] = null;
    const res = await host.api('POST', name === 'location' ? '/api/locations' : '/api/media', { body });
    if (ctx.state() !== s) return;
    if (res.status === 201) {
      if (name === 'location') {
        s.reg.status.location = { ok: true, key: 'media.reg.loc.done', params: { name: res.data.name } };
        await ctx.loadLocations();
      } else {
        s.reg.status.medium = { ok: true, key: 'media.reg.m.done', params: { label: res.data.label }, print: `/api/media/${encodeURIComponent(res.data.id)}/label` };
        s.list.items = null;
        s.list.any = true;
      }
      node.reset();
      ctx.render();
      /** @type {HTMLElement | null} */ (node.querySelector('input, select'))?.focus();
      return;
    }
    if (res.status === 401) return;
    const errors = s.reg.errors[name];
    /** @type {import('./api-types.js').ErrorDetail[]} */
    const details = Array.isArray(res.data?.error?.details) ? res.data.error.details : [];
    for (const d of details) {
      const f = String(d.field ?? '').replace(/^body\./, '').split('.')[0];
      const code = String(d.code ?? '');
      errors[f] = has('en', `media.err.${code}`) ? tx(`media.err.${code}`) : v[f] === '' || v[f] === undefined ? tx(node.querySelector(`[name="${f}"]`) instanceof HTMLSelectElement ? 'media.err.choose' : 'media.err.required') : String(d.message ?? code);
    }
    const why = sg.explain(res);
    s.reg.status[name] = Object.keys(errors).length ? { ok: false, key: 'media.reg.invalid', params: {} } : { ok: false, key: why.head[0], params: why.head[1] };
    ctx.render();
    /** @type {HTMLElement | null} */ (node.querySelector('.field-invalid input, .field-invalid select'))?.focus();
  }

  return { render };
}

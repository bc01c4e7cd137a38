// @ts-check
// A person picker for the audit filters: a combobox that searches GET /api/people?q= (name,
// reading or organisation; case, width, kana and spaces do not matter) as the user types, lists
// up to ten matches, and is worked with the keyboard — ↓ ↑ move, Enter chooses, Escape closes
// (or, closed, clears). The choice is shown in the field with a button to clear it.
import { el } from './dom.js';

const WAIT_MS = 200;
const MATCHES = 10;

/**
 * @param {import('./audit-shared.js').AuditContext} ctx
 * @param {{ id: string, onChange: (person: import('./api-types.js').Person | null) => void }} options
 */
export function personPicker(ctx, { id, onChange }) {
  const listId = `${id}-list`;
  const input = el('input', {
    attrs: {
      type: 'text',
      role: 'combobox',
      autocomplete: 'off',
      autocapitalize: 'off',
      spellcheck: 'false',
      maxlength: 100,
      'aria-autocomplete': 'list',
      'aria-expanded': 'false',
      'aria-controls': listId,
      'data-m-ph': 'audit.e.person.ph',
      'data-testid': 'person-picker',
    },
  });
  const list = el('ul', { cls: 'audit-options', attrs: { id: listId, role: 'listbox', hidden: true, 'data-testid': 'person-options' } });
  const clear = el('button', { cls: 'audit-clear-x', text: '×', attrs: { type: 'button', hidden: true, 'data-m-aria': 'audit.e.person.clear', 'data-testid': 'person-clear' } });
  const status = el('p', { cls: 'visually-hidden', attrs: { role: 'status', 'data-testid': 'person-status' } });
  const nobody = el('p', { cls: 'audit-options-none', attrs: { hidden: true, 'data-testid': 'person-none' } });
  const box = el('div', { cls: 'audit-picker' }, input, clear, list, nobody, status);

  /** @type {import('./api-types.js').Person[]} */
  let options = [];
  let active = -1;
  let open = false;
  /** @type {import('./api-types.js').Person | null} */
  let chosen = null;
  let searched = '';
  let timer = 0;
  let seq = 0;

  function paint() {
    input.setAttribute('aria-expanded', String(open && options.length > 0));
    list.hidden = !open || options.length === 0;
    nobody.hidden = !open || options.length > 0 || !searched;
    nobody.textContent = ctx.tx('audit.e.person.none', { q: searched });
    list.replaceChildren(
      ...options.map((p, i) =>
        el(
          'li',
          { cls: 'audit-option', attrs: { id: `${id}-opt-${i}`, role: 'option', 'aria-selected': String(i === active), 'data-index': i, 'data-testid': 'person-option', 'data-person-id': p.id } },
          el('span', { cls: 'audit-option-name', text: p.name }),
          el('span', { cls: 'audit-option-more', text: [p.reading, p.orgName].filter(Boolean).join(' · ') }),
        ),
      ),
    );
    if (open && active >= 0) {
      input.setAttribute('aria-activedescendant', `${id}-opt-${active}`);
      document.getElementById(`${id}-opt-${active}`)?.scrollIntoView({ block: 'nearest' });
    } else input.removeAttribute('aria-activedescendant');
    clear.hidden = !chosen && !input.value;
  }

  function close() {
    open = false;
    active = -1;
    paint();
  }

  async function search() {
    const q = input.value.trim();
    const my = ++seq;
    if (!q) {
      options = [];
      searched = '';
      close();
      return;
    }
    const res = await ctx.host.api('GET', `/api/people?${new URLSearchParams({ q, limit: String(MATCHES) })}`);
    if (my !== seq || document.activeElement !== input) return;
    options = res.status === 200 && Array.isArray(res.data?.items) ? res.data.items : [];
    searched = q;
    open = true;
    active = options.length ? 0 : -1;
    status.textContent = options.length ? ctx.tx('audit.e.person.found', { n: options.length }) : '';
    paint();
  }

  /** @param {import('./api-types.js').Person | null} person */
  function choose(person) {
    seq += 1;
    clearTimeout(timer);
    chosen = person;
    input.value = person ? person.name : '';
    options = [];
    searched = '';
    close();
    onChange(person);
  }

  input.addEventListener('input', () => {
    if (chosen) {
      chosen = null;
      onChange(null);
    }
    clearTimeout(timer);
    timer = window.setTimeout(() => void search(), WAIT_MS);
    paint();
  });
  input.addEventListener('keydown', (event) => {
    if (event.isComposing) return;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      if (!open) {
        if (options.length) open = true;
        else void search();
      } else if (options.length) active = (active + (event.key === 'ArrowDown' ? 1 : -1) + options.length) % options.length;
      paint();
    } else if (event.key === 'Enter') {
      if (open && active >= 0 && options[active]) {
        event.preventDefault();
        choose(options[active]);
      }
    } else if (event.key === 'Escape') {
      if (open) {
        event.preventDefault();
        close();
      } else if (input.value) {
        event.preventDefault();
        choose(null);
      }
    }
  });
  input.addEventListener('blur', () => {
    if (open) close();
  });
  // A click on an option chooses it without taking the focus from the field first.
  list.addEventListener('mousedown', (event) => event.preventDefault());
  list.addEventListener('click', (event) => {
    const item = /** @type {HTMLElement} */ (event.target).closest('[data-index]');
    const p = item instanceof HTMLElement ? options[Number(item.dataset.index)] : undefined;
    if (p) choose(p);
  });
  clear.addEventListener('click', () => {
    choose(null);
    input.focus();
  });

  return {
    input,
    node: box,
    /** The words that change with the language. */
    render: () => paint(),
    /** Clears the choice without telling (the filters are cleared together). */
    reset() {
      seq += 1;
      clearTimeout(timer);
      chosen = null;
      input.value = '';
      options = [];
      searched = '';
      close();
    },
    stop() {
      seq += 1;
      clearTimeout(timer);
    },
  };
}

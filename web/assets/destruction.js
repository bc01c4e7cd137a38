// @ts-check
// The destruction screens (廃棄, E7.1–E7.4, E2.14): scan the media to destroy into a list, say how
// (shredding with its DIN 66399 security level, a wipe with its tool, category and verification,
// degaussing, physical destruction, incineration), who performed it and where, whether each
// medium was backed up; the witnesses sign on the same screen (badge + PIN, optional drawn
// signature; one of them responsible or authorized). The answer is the certificate number; the
// certificate is printed with a responsible or authorized person present, each print recorded
// (later ones say 再発行 / Reprint). The list of past destructions with filters, CSV and the
// depositor's summary. Loaded by app.js when the tab is first opened, with its stylesheets.
//
// The signer rows, people pickers, room-or-place choice and errors in words are the media
// screens' (signing.js); so is the scanner-first input. Scan first (issue 14, item 3): a witness
// scans their badge into the name field and types the PIN; badges and PINs are cleared after every
// answer and when the screen is left. Only the methods that fit every medium are offered, and
// shredding and physical destruction ask each medium's DIN 66399 level — one for all when the
// media share a material class, else one per medium, its class letter fixed (issue 14, item 6).
// The certificate is opened for printing through a print link (POST /api/print-links).
import { addMessages } from './i18n.js';
import { $, el } from './dom.js';
import { openPrintable } from './printable.js';
import { loadCss } from './stylesheets.js';
import { clearSecrets, createSigning } from './signing.js';
import { getAll, deskState, fill, listReady, lookUp, onHit, formatTime as formatTimeOf, getList, paintNote, resultBox, scanCard, scannerFocus, screenFrame, siteNow, siteTime, table, translate as translateNode } from './screen.js';
import { DESTRUCTION_MESSAGES } from './destruction-messages.js';

addMessages(DESTRUCTION_MESSAGES);

const READERS = ['admin', 'responsible', 'authorized', 'auditor'];
const WRITERS = ['admin', 'responsible', 'authorized'];
/** E7.4 / E2.14: the people who may witness as the required role, and be present at printing. */
const AUTHORISED = ['responsible', 'authorized'];
const METHODS = ['shred', 'wipe', 'degauss', 'physical', 'incinerate'];
const LEVEL_CLASSES = ['P', 'F', 'O', 'T', 'H', 'E'];
const DESTROYABLE = ['stored', 'checked_out'];
const VIEWS = ['desk', 'list'];
const LIST_PAGE = 50;
const CSS = ['/assets/forms.css', '/assets/media.css', '/assets/destruction.css'];

/** @typedef {import('./api-types.js').Destruction} Destruction */
/**
 * The form of a destruction: a signing form with the line naming the media, the method chosen, the
 * levels to send (one for all, or one per medium) and fit() (the methods and levels again for the
 * media in the list).
 * @typedef {import('./signing.js').Form & { media: HTMLElement, method: () => string,
 *   levels: () => { securityLevel: string } | { levels: { mediumId: string, securityLevel: string }[] }, fit: () => void }} DestructionForm
 */
/**
 * The server's matrix (GET /api/destructions/rules): which method fits which kind of medium, the
 * DIN 66399 material class of each kind (null: any), the methods that state a level, the levels.
 * @typedef {{ methodFits: Record<string, Record<string, boolean>>, materialClass: Record<string, string | null>, levelRequired: string[], levels: number[] }} DestructionRules
 */
/**
 * The print panel of a certificate: the destruction it prints, the view it shows in (slot), its
 * title, its line once printed (done), its box, and the print recorded (with why it did not open).
 * @typedef {import('./signing.js').Form & { target: { id: string, certificateNo: string }, slot: string, title: HTMLElement, done: HTMLElement,
 *   box: HTMLElement, printed?: import('./api-types.js').CertificatePrint & { error?: { key: string, params: Record<string, unknown> } } }} PrintForm
 */
/**
 * The destruction screens' session state: besides the desk's (screen.js), the media to destroy
 * (each with whether and where it was backed up), the certificate being printed, the list with its
 * filters, the open form and the destruction just recorded.
 * @typedef {import('./screen.js').DeskState & { rules: DestructionRules | null,
 *   items: { medium: import('./api-types.js').Medium, backedUp: boolean, backupLocation: string }[], print: PrintForm | null,
 *   list: { from: string, to: string, method: string, depositor: string, items: Destruction[] | null, nextCursor: string | null, error: string | null, key?: string },
 *   form: DestructionForm | null, result: (Destruction & { record: import('./api-types.js').SignedRecordSummary, labels: string[], roomId: string | null }) | null }} DestructionState
 */

/** The instant (ISO) at which day 'YYYY-MM-DD' (+ addDays) begins in a time zone. */
function dayStart(day, tz, addDays = 0) {
  const [y, m, d] = day.split('-').map(Number);
  const want = Date.UTC(y, m - 1, d + addDays);
  const fmt = new Intl.DateTimeFormat('en-US', { timeZone: tz, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', hourCycle: 'h23' });
  let at = want;
  for (let i = 0; i < 3; i++) {
    const p = Object.fromEntries(fmt.formatToParts(new Date(at)).map((x) => [x.type, Number(x.value)]));
    at += want - Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  }
  return new Date(at).toISOString();
}

/**
 * Creates the destruction screens; app.js calls start() when shown after sign-in, stop() when it ends, render() on change.
 * @param {import('./page-types.js').Host} host
 */
export function createDestruction(host) {
  // Leaving the tab leaves no badge or PIN behind (issue 14, item 3).
  const frame = screenFrame('destruction', host, (view, focusTab) => selectView(view, focusTab), () => clearSecrets(root));
  const { root, views, tx } = frame;
  const lang = () => host.lang();

  /**
   * Per-session state; null while nobody is signed in.
   * @type {DestructionState | null}
   */
  let s = null;
  const can = (list) => Boolean(s?.session.user.roles.some((r) => list.includes(r)));
  const roomName = (id) => s?.rooms.find((r) => r.id === id)?.name ?? '';
  const methodWord = (m) => (METHODS.includes(m) ? tx(`destruction.method.${m}`) : String(m));
  const formatTime = (iso) => formatTimeOf(host, iso);
  const tz = () => host.config().displayTimeZone;
  const translate = (node = root) => translateNode(node, tx);

  const sg = createSigning({ host, state: () => s, onMediumCode: (_form, value) => void scanMedium(value) });
  const { statusWord, kindWord, button, field, select, personField, valueOf, signerRow, renderSigners, addWitness, witnessesBox, whereControl, whereBody, signerBody, paintErrors, readyToSend, send, newForm, recordLines } = sg;

  // ------------------------------------------------------------------ lifecycle

  function start() {
    const session = host.session();
    if (!session || s?.session === session) return;
    stop();
    s = deskState(session, {
      rules: null,
      /** The media to destroy: { medium, backedUp, backupLocation }. */
      items: [],
      print: null,
      list: { from: '', to: '', method: '', depositor: '', items: null, nextCursor: null, error: null },
      form: null,
      result: null,
    });
    const my = s;
    const today = siteNow(tz()).date;
    my.list.from = `${today.slice(0, 8)}01`;
    my.list.to = today;
    frame.loading();
    const state = () => s;
    const loads = can(READERS)
      ? [
          fill(state, 'rules', async () => {
            const res = await host.api('GET', '/api/destructions/rules');
            return res.status === 200 ? res.data : null;
          }),
          fill(state, 'rooms', () => getList(host, '/api/rooms')),
          fill(state, 'orgs', () => getAll(host, '/api/orgs?limit=500')),
        ]
      : [];
    void Promise.all([...CSS.map(loadCss), ...loads]).then(() => {
      if (s !== my) return;
      s.ready = true;
      frame.ready();
      build();
      render();
      if (host.visible()) shown();
    });
  }

  function stop() {
    if (!s) return;
    s = null;
    frame.clear();
  }

  /** The tab was opened. */
  function shown() {
    if (!s?.ready || !can(READERS)) return;
    if (s.view === 'list') void loadList(false);
    refocus();
  }

  // ------------------------------------------------------------------ building

  function build() {
    if (!s) return;
    if (!can(READERS)) {
      frame.forbidden('destruction.forbidden');
      return;
    }
    const shownViews = VIEWS.filter((v) => v !== 'desk' || can(WRITERS));
    if (!shownViews.includes(s.view)) s.view = shownViews[0];
    frame.tabs(shownViews);
    // Auditors read the list only: no desk to record on.
    const desk = el(
      'div',
      { cls: 'media-view media-desk destruction-desk', attrs: { id: 'destruction-desk', role: 'tabpanel', 'aria-labelledby': 'destruction-tab-desk', 'data-testid': 'destruction-desk' } },
      scanCard({ id: 'destruction-scan', labelKey: 'destruction.scan.label', hintKey: 'destruction.scan.hint', onScan: (v) => void scanMedium(v), refocus }),
      el('section', { cls: 'basket', attrs: { id: 'destruction-items', 'aria-labelledby': 'destruction-items-title', 'data-testid': 'destruction-items' } }),
      el('section', { cls: 'notice action-result destruction-result', attrs: { id: 'destruction-result', role: 'status', tabindex: '-1', 'data-testid': 'destruction-result', hidden: true } }),
      el('div', { cls: 'print-slot', attrs: { id: 'destruction-print-desk' } }),
      el('section', { cls: 'action-card', attrs: { id: 'destruction-action', 'data-testid': 'destruction-action' } }),
    );
    root.replaceChildren(can(WRITERS) ? desk : el('p', { cls: 'notice media-readonly', attrs: { 'data-m': 'destruction.readonly' } }), frame.panel('list'));
  }

  // ------------------------------------------------------------------ scanning

  async function scanMedium(raw) {
    const my = s;
    const found = await lookUp(host, () => s, raw, renderScanNote);
    if (!found || !my) return;
    const m = found.medium;
    if (!m) my.scanNote = { state: 'error', key: found.key ?? '', params: found.params };
    else if (!DESTROYABLE.includes(m.status)) my.scanNote = { state: 'error', key: 'destruction.scan.refused', params: { label: m.label, status: statusWord(m.status) } };
    else {
      const i = my.items.findIndex((x) => x.medium.id === m.id);
      if (i >= 0) my.items[i].medium = m;
      else my.items.push({ medium: m, backedUp: false, backupLocation: '' });
      my.scanNote = { state: 'ok', key: i >= 0 ? 'destruction.scan.again' : 'destruction.scan.added', params: { label: m.label } };
      if (my.result) {
        my.result = null;
        if (my.print?.slot === 'desk') my.print = null;
      }
      if (!my.form) my.form = buildForm(my);
      else if (my.items.length === 1 && !my.form.node.contains(document.activeElement)) {
        /** @type {HTMLSelectElement} */ (my.form.roomSelect).value = m.roomId;
        sg.refreshPickers(my.form);
      }
    }
    render();
    refocus();
  }

  // ------------------------------------------------------------------ focus

  const scanInput = () => (s?.ready && host.visible() && s.view === 'desk' && can(WRITERS) ? /** @type {HTMLInputElement | null} */ (document.getElementById('destruction-scan')) : null);
  const refocus = scannerFocus({
    input: scanInput,
    busy: (active) => Boolean(s?.form?.node.contains(active) || s?.print?.node.contains(active) || document.getElementById('destruction-items')?.contains(active)),
  });

  // ------------------------------------------------------------------ the media to destroy

  function renderItems() {
    const box = document.getElementById('destruction-items');
    if (!s || !box) return;
    const items = s.items.map(({ medium: m, backedUp, backupLocation }) => {
      const where = el('input', { cls: 'backup-where', attrs: { type: 'text', maxlength: 200, autocomplete: 'off', value: backupLocation, 'data-backup-where': m.id, 'data-testid': 'item-backup-where', 'aria-label': tx('destruction.items.backup.where'), placeholder: tx('destruction.items.backup.where'), hidden: !backedUp } });
      return el(
        'li',
        { attrs: { 'data-testid': 'destruction-item', 'data-medium-id': m.id } },
        el('strong', { cls: 'basket-label', text: m.label }),
        el('span', { cls: `status status-${m.status}`, text: statusWord(m.status) }),
        el('span', { cls: 'basket-where', text: tx('destruction.items.meta', { kind: kindWord(m.kind), depositor: m.depositorName, where: m.status === 'checked_out' && m.holder ? tx('media.detail.held', { name: m.holder.name }) : m.locationName ?? m.roomName }) }),
        el('button', { cls: 'button button-small button-quiet-dark', text: tx('destruction.items.remove'), attrs: { type: 'button', 'data-remove': m.id, 'aria-label': tx('destruction.items.remove.label', { label: m.label }), 'data-testid': 'item-remove' } }),
        el(
          'div',
          { cls: 'item-backup' },
          el('label', { cls: 'check' }, el('input', { attrs: { type: 'checkbox', checked: backedUp, 'data-backup': m.id, 'data-testid': 'item-backup' } }), el('span', { text: tx('destruction.items.backup') })),
          where,
        ),
        // What the server said about this medium (a method or a level that does not fit it).
        el('p', { cls: 'field-error item-error', attrs: { 'data-item-error': m.id, 'data-testid': 'item-error', role: 'alert', hidden: true } }),
      );
    });
    box.replaceChildren(
      el('header', { cls: 'basket-head' }, el('h3', { attrs: { id: 'destruction-items-title' } }, tx('destruction.items'), ' ', el('span', { cls: 'basket-count', text: tx('destruction.items.count', { n: s.items.length }), attrs: { 'data-testid': 'destruction-count' } }))),
      s.items.length ? el('ul', { cls: 'basket-items destruction-items' }, ...items) : el('p', { cls: 'empty-inline basket-empty', text: tx('destruction.items.empty') }),
    );
  }

  const renderScanNote = () => s && paintNote('destruction-scan-note', s.scanNote, tx);

  // ------------------------------------------------------------------ the form

  /** Shows the wraps of the chosen method only (data-methods="shred wipe …"). */
  const only = (methods, wrap) => {
    wrap.dataset.methods = methods;
    return wrap;
  };
  const input = (attrs = {}) => el('input', { attrs: { type: 'text', maxlength: 200, autocomplete: 'off', ...attrs } });
  const options = (pairs) => pairs.map(([value, key]) => el('option', { attrs: { value, 'data-m': key } }));

  // ---- what fits the media (issue 14, item 6): the server's own matrix (GET /api/destructions/rules)

  /** The material class of a kind of medium (P, F, O, T, H, E), or null: any (the level says which). */
  const classOf = (kind) => s?.rules?.materialClass[kind] ?? null;
  /** Does the method fit this kind of medium? (No rules loaded: the server decides.) */
  const fitsKind = (method, kind) => s?.rules?.methodFits[method]?.[kind] !== false;
  const fitsAll = (method) => Boolean(s?.items.every((x) => fitsKind(method, x.medium.kind)));
  const levelNeeded = (method) => (s?.rules?.levelRequired ?? ['shred', 'physical']).includes(method);
  /** The DIN 66399 level: one for all (when the media share a material class), or one per medium. */
  const perMedium = () => new Set((s?.items ?? []).map((x) => classOf(x.medium.kind) ?? '*')).size > 1;

  /**
   * Options of a level select: the levels of one material class (its letter fixed), or of every
   * class (a medium of kind "other": the level says which), grouped.
   * @param {string | null} cls
   */
  function levelOptions(cls) {
    const levels = s?.rules?.levels ?? [1, 2, 3, 4, 5, 6, 7];
    const of = (c) => levels.map((n) => el('option', { text: `${c}-${n}`, attrs: { value: `${c}-${n}` } }));
    return [
      el('option', { text: tx('media.choose'), attrs: { value: '' } }),
      ...(cls ? of(cls) : LEVEL_CLASSES.map((c) => el('optgroup', { attrs: { label: tx(`destruction.level.${c}`) } }, ...of(c)))),
    ];
  }

  /** @param {DestructionState} my the session's state */
  function buildForm(my) {
    const node = /** @type {HTMLFormElement} */ (el('form', { cls: 'form action-form', attrs: { novalidate: true, 'data-testid': 'destruction-form', 'aria-labelledby': 'destruction-form-title' } }));
    /** Levels chosen, kept while the media or the method change: '' (one for all) or a medium's id → level. */
    const chosen = new Map();
    const form = newForm('destruction', node, {
      submitKey: 'destruction.submit',
      media: el('p', { cls: 'action-media', attrs: { 'data-testid': 'action-media' } }),
      /** Shared codes this form words its own way. */
      words: { required_role_missing: 'destruction.err.required_role_missing', witness_is_party: 'destruction.err.witness_is_party' },
      mediaSent: [],
      sentRoomId: '',
      /** The method chosen. */
      method: () => /** @type {HTMLInputElement | null} */ (node.querySelector('input[name="method"]:checked'))?.value ?? 'shred',
      /** The level of each medium to send: one for all, or one per medium. */
      levels: () => (perMedium() ? { levels: (s?.items ?? []).map((x) => ({ mediumId: x.medium.id, securityLevel: chosen.get(x.medium.id) ?? '' })) } : { securityLevel: chosen.get('') ?? '' }),
      /** The method and levels again for the media in the list now (called on every render). */
      fit: () => {},
      // A problem of one medium is said next to it, in the list of media to destroy.
      mediumSlot: (id) => /** @type {HTMLElement | null} */ (document.querySelector(`[data-item-error="${id}"]`)),
    });
    form.needs = () => [
      'performedById',
      ...(levelNeeded(form.method()) ? (perMedium() ? (s?.items ?? []).map((_, i) => `levels.${i}`) : ['securityLevel']) : []),
      ...(form.method() === 'wipe' ? ['tool', 'category', 'verified'] : []),
    ];
    // The server's answer names a medium's level (levels.i…) or a medium (mediaIds.i): said at that
    // medium's level, or next to the medium in the list (issue 14, item 6).
    form.locate = (f, detail) => {
      const sent = form.mediaSent ?? [];
      const lv = /^levels\.(\d+)/.exec(f);
      const md = /^mediaIds\.(\d+)/.exec(f);
      const i = lv ? Number(lv[1]) : md ? Number(md[1]) : -1;
      const medium = i >= 0 ? (sent[i] ?? null) : null;
      if (lv || md) {
        const name = `levels.${i}`;
        return form.fields[name] && detail?.code !== 'method_unfit' ? { who: '', name: '', fieldName: name, medium } : { who: '', name: '', medium };
      }
      if (f === 'securityLevel' && detail?.code === 'level_unfit') {
        // One level for media it does not fit: name the first of them.
        const level = String(chosen.get('') ?? '');
        const unfit = sent.find((m) => classOf(m.kind) && !level.startsWith(`${classOf(m.kind)}-`)) ?? null;
        return { who: tx('destruction.f.securityLevel'), name: '', fieldName: 'securityLevel', medium: unfit };
      }
      return null;
    };

    const method = el(
      'div',
      { cls: 'checks-inline radios method-choices', attrs: { role: 'radiogroup', 'aria-labelledby': 'df-method-label' } },
      ...METHODS.map((m, i) =>
        el('label', { cls: 'check', attrs: { 'data-method': m } }, el('input', { attrs: { type: 'radio', name: 'method', value: m, checked: i === 0, 'data-testid': `f-method-${m}` } }), el('span', { attrs: { 'data-m': `destruction.method.${m}` } })),
      ),
    );
    const unfitNote = el('p', { cls: 'field-hint method-unfit', attrs: { 'data-testid': 'method-unfit', hidden: true } });
    const levelBox = el('div', { cls: 'level-box', attrs: { 'data-testid': 'levels' } });
    const vendor = select();
    const where = whereControl(form, { rooms: my.rooms, defaultRoom: () => s?.items[0]?.medium.roomId ?? s?.rooms[0]?.id ?? '' });
    form.fillParties = () => {
      const cur = /** @type {HTMLSelectElement} */ (vendor).value;
      vendor.replaceChildren(
        el('option', { text: tx('destruction.vendor.none'), attrs: { value: '' } }),
        ...my.orgs.filter((o) => o.kind === 'disposal_vendor' || o.kind === 'subcontractor').map((o) => el('option', { text: o.kind === 'subcontractor' ? tx('destruction.vendor.subcontractor', { name: o.name }) : o.name, attrs: { value: o.id } })),
      );
      /** @type {HTMLSelectElement} */ (vendor).value = cur;
    };

    /** The level fields for the media now: one select, or one per medium (its class fixed). */
    let levelKey = '';
    function renderLevels() {
      const items = s?.items ?? [];
      const each = perMedium();
      const key = `${host.lang()}|${each}|${items.map((x) => `${x.medium.id}:${x.medium.kind}`).join(',')}`;
      if (key === levelKey) return;
      levelKey = key;
      for (const name of Object.keys(form.fields)) if (name === 'securityLevel' || name.startsWith('levels.')) delete form.fields[name];
      const keep = (sel, id) => {
        sel.value = chosen.get(id) ?? '';
        if (sel.value !== (chosen.get(id) ?? '')) chosen.delete(id);
        sel.addEventListener('change', () => chosen.set(id, sel.value));
        return sel;
      };
      if (!each) {
        const cls = items.length ? classOf(items[0].medium.kind) : null;
        const sel = keep(select(levelOptions(cls)), '');
        const hintKey = cls ? `destruction.level.one.${cls}` : 'destruction.f.securityLevel.hint';
        levelBox.replaceChildren(field(form, 'securityLevel', 'destruction.f.securityLevel', sel, { hintKey }));
      } else {
        const rows = items.map((x, i) => {
          const cls = classOf(x.medium.kind);
          const sel = keep(select(levelOptions(cls)), x.medium.id);
          sel.setAttribute('data-medium-id', x.medium.id);
          const wrap = field(form, `levels.${i}`, 'destruction.f.level.of', sel, { cls: 'level-row', who: () => tx('destruction.who.level', { label: x.medium.label }) });
          // The label names the medium, its kind and its class (translate() words data-m labels: this one has words of its own).
          const label = /** @type {HTMLElement} */ (wrap.querySelector('label'));
          label.removeAttribute('data-m');
          label.textContent = tx('destruction.level.of', { label: x.medium.label, kind: kindWord(x.medium.kind), cls: cls ? tx(`destruction.class.${cls}`) : tx('destruction.class.any') });
          return wrap;
        });
        levelBox.replaceChildren(
          el(
            'fieldset',
            { cls: 'field level-each', attrs: { 'data-testid': 'levels-each' } },
            el('legend', { text: tx('destruction.f.levels') }),
            el('p', { cls: 'field-hint', text: tx('destruction.f.levels.hint') }),
            el('div', { cls: 'level-rows' }, ...rows),
          ),
        );
      }
      translate(levelBox);
    }

    /** Only the methods that fit every medium are offered (NIST SP 800-88's media tables); the others are named, with why. */
    form.fit = () => {
      const unfit = [];
      for (const label of method.querySelectorAll('label[data-method]')) {
        const m = /** @type {HTMLElement} */ (label).dataset.method ?? '';
        const ok = fitsAll(m);
        /** @type {HTMLElement} */ (label).hidden = !ok;
        /** @type {HTMLInputElement} */ (label.querySelector('input')).disabled = !ok;
        if (!ok) unfit.push(tx('destruction.method.unfit.item', { method: methodWord(m), labels: (s?.items ?? []).filter((x) => !fitsKind(m, x.medium.kind)).map((x) => x.medium.label).join('、') }));
      }
      const current = /** @type {HTMLInputElement | null} */ (method.querySelector('input:checked'));
      if (!current || current.disabled) {
        const first = /** @type {HTMLInputElement | null} */ (method.querySelector('input:not(:disabled)'));
        if (first) first.checked = true;
        applyMethod();
      }
      unfitNote.hidden = unfit.length === 0;
      unfitNote.textContent = unfit.length ? tx('destruction.method.unfit', { list: unfit.join('、') }) : '';
      renderLevels();
    };

    node.append(
      el('header', { cls: 'action-head' }, el('h3', { attrs: { id: 'destruction-form-title', 'data-m': 'destruction.form.title' } }), form.media),
      el('p', { cls: 'action-intro', attrs: { 'data-m': 'destruction.form.intro' } }),
      form.summary,
      el('fieldset', { cls: 'field', attrs: { 'data-f': 'method' } }, el('legend', { attrs: { id: 'df-method-label', 'data-m': 'destruction.f.method' } }), method, unfitNote),
      only('degauss', el('p', { cls: 'notice notice-warning method-note', attrs: { 'data-m': 'destruction.degauss.note', 'data-testid': 'degauss-note' } })),
      only('shred physical', levelBox),
      el(
        'div',
        { cls: 'form-row method-fields' },
        only('wipe degauss physical', field(form, 'tool', 'destruction.f.tool', input(), { hintKey: 'destruction.f.tool.hint' })),
        only('wipe', field(form, 'toolVersion', 'destruction.f.toolVersion', input({ maxlength: 100 }))),
        only('wipe', field(form, 'pattern', 'destruction.f.pattern', input({ 'data-m-ph': 'destruction.f.pattern.ph' }))),
        only('wipe', field(form, 'category', 'destruction.f.category', select(options([['', 'media.choose'], ['clear', 'destruction.category.clear'], ['purge', 'destruction.category.purge']])))),
        only('wipe', field(form, 'verified', 'destruction.f.verified', select(options([['', 'media.choose'], ['yes', 'destruction.verified.yes'], ['no', 'destruction.verified.no']])))),
        only('wipe', field(form, 'verificationMethod', 'destruction.f.verificationMethod', input({ 'data-m-ph': 'destruction.f.verificationMethod.ph' }))),
        field(form, 'standard', 'destruction.f.standard', input({ 'data-m-ph': 'destruction.f.standard.ph' })),
        field(form, 'technique', 'destruction.f.technique', input({ 'data-m-ph': 'destruction.f.technique.ph' })),
        field(form, 'destinationAfter', 'destruction.f.destinationAfter', input({ 'data-m-ph': 'destruction.f.destinationAfter.ph' })),
      ),
      el(
        'div',
        { cls: 'form-row' },
        // The performer: one of ours, inside the room (the server checks presence there).
        personField(form, 'performedById', 'destruction.f.performer', { who: () => ({ orgKind: 'ours' }) }),
        field(form, 'performerTitle', 'destruction.f.performerTitle', input({ maxlength: 100 })),
        field(form, 'vendorOrgId', 'destruction.f.vendor', vendor),
      ),
      // A destruction recorded afterwards keeps the time it happened (the certificate prints it);
      // empty means now. The server refuses a time in the future.
      el('div', { cls: 'form-row' }, field(form, 'performedAt', 'destruction.f.performedAt', input({ type: 'datetime-local', max: siteNow(tz()).time }), { hintKey: 'destruction.f.performedAt.hint' })),
      where,
      // E7.4: at least one witness is a responsible or authorized person (the first offers only them).
      ...witnessesBox(form, AUTHORISED),
      field(form, 'note', 'media.f.note', el('textarea', { attrs: { rows: 2, maxlength: 1000 } })),
      el('div', { cls: 'form-actions' }, form.submit),
    );
    function applyMethod() {
      const m = form.method();
      for (const n of node.querySelectorAll('[data-methods]')) /** @type {HTMLElement} */ (n).hidden = !(/** @type {HTMLElement} */ (n).dataset.methods ?? '').split(' ').includes(m);
    }
    method.addEventListener('change', applyMethod);
    applyMethod();
    form.fillParties();
    form.fit();
    addWitness(form, false);
    node.addEventListener('submit', (e) => {
      e.preventDefault();
      void submit(form);
    });
    return form;
  }

  async function submit(form) {
    if (!s || form.busy || s.form !== form || !s.items.length || !readyToSend(form)) return;
    const my = s;
    const v = (name) => valueOf(form, name);
    const opt = (...names) => Object.fromEntries(names.filter((n) => v(n)).map((n) => [n, v(n)]));
    const m = form.method();
    form.mediaSent = s.items.map((x) => x.medium);
    form.sentRoomId = form.roomId();
    const body = {
      mediaIds: form.mediaSent.map((x) => x.id),
      method: m,
      // Shredding and physical destruction: each medium's DIN 66399 level (issue 14, item 6).
      ...(levelNeeded(m) ? form.levels() : {}),
      ...(m === 'wipe' ? { category: v('category'), verified: v('verified') === 'yes', ...opt('toolVersion', 'pattern', 'verificationMethod') } : {}),
      ...(['wipe', 'degauss', 'physical'].includes(m) ? opt('tool') : {}),
      ...opt('standard', 'technique', 'destinationAfter', 'vendorOrgId', 'performerTitle', 'note'),
      ...(v('performedAt') ? { performedAt: siteTime(v('performedAt'), tz()) } : {}),
      performedById: v('performedById'),
      witnesses: form.signers.map(signerBody),
      ...whereBody(form),
      mediaDetails: s.items.map((x) => ({ mediumId: x.medium.id, backedUp: x.backedUp, ...(x.backedUp && x.backupLocation.trim() ? { backupLocation: x.backupLocation.trim() } : {}) })),
    };
    await send(form, '/api/destructions', body, {
      current: () => s === my && s.form === form,
      done: (data) => {
        my.result = { ...data, labels: form.mediaSent.map((x) => x.label), roomId: body.roomId ?? null };
        my.items = [];
        my.form = null;
        my.scanNote = null;
        my.print = null;
        render();
        const box = $('destruction-result');
        box.scrollIntoView({ block: 'nearest' });
        /** @type {HTMLElement | null} */ (box.querySelector('[data-print-id]'))?.focus();
      },
    });
  }

  function renderForm() {
    const box = document.getElementById('destruction-action');
    if (!s || !box) return;
    const form = s.form;
    box.hidden = !can(WRITERS) || (!form && Boolean(s.result));
    if (!form) {
      box.replaceChildren(el('p', { cls: 'empty-inline', text: tx('destruction.form.pending') }));
      return;
    }
    if (!box.contains(form.node)) box.replaceChildren(form.node);
    box.hidden = s.items.length === 0;
    form.media.textContent = tx('destruction.form.media', { labels: s.items.map((x) => x.medium.label).join('、') });
    form.fillParties?.();
    form.fit();
    renderSigners(form);
    paintErrors(form);
    translate(form.node);
  }

  // ------------------------------------------------------------------ the result and printing

  /**
   * The levels of a destruction's media in words: "P-4" when one, "USB-1 E-3、HDD-1 H-5" when each has its own.
   * @param {Destruction} d
   */
  function levelWords(d) {
    const levels = [...new Set(d.media.map((m) => m.securityLevel).filter(Boolean))];
    if (levels.length <= 1) return levels[0] ?? d.securityLevel ?? '';
    return d.media.map((m) => `${m.label} ${m.securityLevel ?? '—'}`).join('、');
  }

  function renderResult() {
    const r = s?.result;
    const box = resultBox('destruction-result', r);
    if (!box || !r) return;
    const levels = levelWords(r);
    const each = levels.includes('、');
    box.replaceChildren(
      el(
        'div',
        { cls: 'result-text' },
        el('p', { cls: 'result-title', text: tx('destruction.done', { n: r.labels.length, method: methodWord(r.method) + (levels && !each ? ` ${levels}` : '') }), attrs: { 'data-testid': 'destruction-result-text' } }),
        // Each medium's own level (issue 14, item 6), as the certificate prints it.
        ...(each ? [el('p', { cls: 'result-levels', text: tx('destruction.done.levels', { levels }), attrs: { 'data-testid': 'destruction-result-levels' } })] : []),
        el('p', { cls: 'cert-label', text: tx('destruction.done.cert') }),
        el('p', { cls: 'cert-no', text: r.certificateNo, attrs: { 'data-testid': 'destruction-cert-no' } }),
        el('p', { cls: 'result-meta', text: `${tx('media.done.record', { id: String(r.id).slice(0, 8).toUpperCase(), time: formatTime(r.performedAt) })}・${r.labels.join('、')}` }),
        ...recordLines(r.record, r),
      ),
      el(
        'div',
        { cls: 'result-actions' },
        printButton(r, 'button button-primary button-print'),
        el('a', { cls: 'button button-small', text: tx('destruction.done.verify'), attrs: { href: `/verify/${encodeURIComponent(r.certificateNo)}`, target: '_blank', rel: 'noopener noreferrer', 'data-testid': 'destruction-verify' } }),
      ),
    );
  }

  const printButton = (d, cls) =>
    el('button', { cls, text: tx('destruction.print'), attrs: { type: 'button', 'data-print-id': d.id, 'data-print-no': d.certificateNo, 'data-testid': 'destruction-print', 'aria-label': tx('destruction.print.label', { no: d.certificateNo }) } });

  /** The print panel of one certificate: the authorised person present signs, then it opens for printing. */
  function openPrint(target) {
    if (!s || !can(WRITERS)) return;
    const node = /** @type {HTMLFormElement} */ (el('form', { cls: 'form action-form', attrs: { novalidate: true, 'data-testid': 'print-form' } }));
    const form = newForm('print', node, {
      alertId: 'print-error',
      submitKey: 'destruction.print.submit',
      submitId: 'print-submit',
      signerField: /^present/,
      roomId: () => '',
      target,
      slot: s.view,
      title: el('h3', {}),
      done: el('p', { cls: 'notice print-done', attrs: { role: 'status', 'data-testid': 'print-done', hidden: true } }),
      box: el('section', { cls: 'action-card print-card', attrs: { 'data-testid': 'print-card' } }),
    });
    // E2.14: printed with a responsible or authorized person present (who scans their badge).
    const row = signerRow(form, 'present', { who: () => ({ roles: AUTHORISED }) });
    form.signers.push(row);
    const close = button('destruction.print.close', { 'data-testid': 'print-close' }, 'button button-secondary');
    close.addEventListener('click', () => {
      if (!s) return;
      s.print = null;
      render();
      refocus();
    });
    node.append(el('p', { cls: 'action-intro', attrs: { 'data-m': 'destruction.print.intro' } }), form.summary, row.node, el('div', { cls: 'form-actions' }, form.submit, close));
    form.box.append(el('header', { cls: 'action-head' }, form.title), form.done, node);
    node.addEventListener('submit', (e) => {
      e.preventDefault();
      void submitPrint(form);
    });
    s.print = form;
    render();
    form.box.scrollIntoView({ block: 'nearest' });
    row.person?.focus();
  }

  async function submitPrint(form) {
    if (!s || form.busy || s.print !== form || !readyToSend(form)) return;
    const my = s;
    const row = form.signers[0];
    await send(form, `/api/destructions/${encodeURIComponent(form.target.id)}/prints`, { present: signerBody(row) }, {
      current: () => s === my && s.print === form,
      done: async (data) => {
        form.printed = data;
        row.pad.clear();
        renderPrint();
        // The certificate of this print opens in its own tab, with the print dialog.
        const error = await openCertificate(data.certificateUrl);
        if (error && s === my) {
          form.printed = { ...data, error };
          renderPrint();
        }
      },
    });
  }

  /**
   * Opens a recorded print of a certificate in its own tab, straight from the server through a
   * print link (POST /api/print-links: a short-lived link bound to this user and this one page),
   * and asks the browser to print it once it is laid out. Answers null, or why it did not open.
   * @param {string} path the page, e.g. /api/destructions/…/certificate?print=1
   * @returns {Promise<null | { key: string, params: Record<string, string> }>}
   */
  async function openCertificate(path) {
    // Opened at once, within the user's action, so that pop-up blockers allow it.
    let win = window.open('', '_blank');
    if (win) {
      try {
        win.opener = null;
        win.document.title = tx('print.loading');
        win.document.body.textContent = tx('print.loading');
      } catch {
        // not our document: it is replaced below anyway
      }
    }
    const res = await host.api('POST', '/api/print-links', { body: { path } });
    if (res.status !== 201) {
      win?.close();
      return res.status === 401 ? null : { key: 'print.failed', params: { code: res.code ?? `HTTP ${res.status || 'network'}` } };
    }
    /** @type {string} */
    const url = res.data.url;
    if (win && !win.closed) win.location.href = url;
    else win = window.open(url, '_blank');
    if (!win) return { key: 'print.blocked', params: {} };
    const opened = win;
    const target = new URL(url, location.href);
    const started = Date.now();
    const timer = setInterval(() => {
      try {
        if (opened.closed || Date.now() - started > 30_000) clearInterval(timer);
        else if (opened.location.pathname === target.pathname && opened.document.readyState === 'complete') {
          clearInterval(timer);
          setTimeout(() => opened.print(), 200);
        }
      } catch {
        clearInterval(timer);
      }
    }, 100);
    return null;
  }

  function renderPrint() {
    if (!s) return;
    for (const v of VIEWS) {
      const slot = document.getElementById(`destruction-print-${v}`);
      if (slot && !(s.print?.slot === v)) slot.replaceChildren();
    }
    const form = s.print;
    if (!form) return;
    const slot = document.getElementById(`destruction-print-${form.slot}`);
    if (slot && !slot.contains(form.box)) slot.replaceChildren(form.box);
    form.title.textContent = tx('destruction.print.title', { no: form.target.certificateNo });
    const p = form.printed;
    form.done.hidden = !p;
    form.done.replaceChildren(
      ...(p
        ? [
            [tx(p.reprint ? 'destruction.print.done.reprint' : 'destruction.print.done', { n: p.printNo }), p.error ? tx(p.error.key, p.error.params) : ''].filter(Boolean).join(' '),
            // The new tab was refused (pop-ups blocked): open it with this click instead.
            ...(p.error ? [' ', el('button', { cls: 'button button-small', text: tx('destruction.print.open'), attrs: { type: 'button', 'data-open-cert': p.certificateUrl } })] : []),
          ]
        : []),
    );
    renderSigners(form);
    paintErrors(form);
    translate(form.box);
  }

  // ------------------------------------------------------------------ the list

  /**
   * The list's filters as query parameters, with `extra`.
   * @param {DestructionState['list']} l
   */
  function listQuery(l, extra = {}) {
    const tz = host.config().displayTimeZone;
    const q = new URLSearchParams(extra);
    if (l.from) q.set('from', dayStart(l.from, tz));
    if (l.to) q.set('to', dayStart(l.to, tz, 1));
    if (l.method) q.set('method', l.method);
    if (l.depositor) q.set('depositorOrgId', l.depositor);
    return q;
  }

  async function loadList(more) {
    if (!s) return;
    const my = s;
    const l = my.list;
    const q = listQuery(l, { limit: String(LIST_PAGE) });
    if (more && l.nextCursor) q.set('cursor', l.nextCursor);
    const key = q.toString();
    l.key = key;
    const res = await host.api('GET', `/api/destructions?${q}`);
    if (s !== my || l.key !== key) return;
    if (res.status === 200) {
      l.items = more ? [...(l.items ?? []), ...(res.data?.items ?? [])] : (res.data?.items ?? []);
      l.nextCursor = res.data?.nextCursor ?? null;
      l.error = null;
    } else if (res.status !== 401) l.error = res.code ?? `HTTP ${res.status}`;
    renderList();
  }

  function buildListHead(box) {
    const f = (name, key, control) => {
      control.id = `dl-${name}`;
      control.setAttribute('data-testid', `list-${name}`);
      control.setAttribute('data-filter', name);
      return el('div', { cls: 'field' }, el('label', { attrs: { for: `dl-${name}`, 'data-m': key } }), control);
    };
    box.replaceChildren(
      el(
        'div',
        { cls: 'list-filters' },
        f('from', 'destruction.list.from', el('input', { attrs: { type: 'date' } })),
        f('to', 'destruction.list.to', el('input', { attrs: { type: 'date' } })),
        f('method', 'destruction.list.method', select()),
        f('depositor', 'destruction.list.depositor', select()),
        el(
          'div',
          { cls: 'list-actions' },
          button('destruction.list.csv', { 'data-csv': '', 'data-testid': 'list-csv' }, 'button button-secondary'),
          button('destruction.list.summary', { 'data-summary': '', 'data-testid': 'list-summary' }, 'button button-secondary'),
        ),
      ),
      el('p', { cls: 'field-hint list-hint', attrs: { 'data-m': 'destruction.list.summary.hint', 'data-testid': 'list-summary-hint' } }),
      el('p', { cls: 'alert list-error', attrs: { role: 'alert', 'data-testid': 'list-error', hidden: true } }),
      el('div', { cls: 'print-slot', attrs: { id: 'destruction-print-list' } }),
      el('div', { attrs: { id: 'destruction-list-body' } }),
    );
  }

  function renderList() {
    const box = document.getElementById('destruction-list');
    if (!s || !box) return;
    if (!box.firstChild) buildListHead(box);
    const l = s.list;
    const control = (name) => /** @type {HTMLInputElement} */ (box.querySelector(`[data-filter="${name}"]`));
    control('method').replaceChildren(el('option', { text: tx('destruction.list.all'), attrs: { value: '' } }), ...METHODS.map((m) => el('option', { text: methodWord(m), attrs: { value: m } })));
    control('depositor').replaceChildren(el('option', { text: tx('destruction.list.all'), attrs: { value: '' } }), ...s.orgs.filter((o) => o.kind === 'depositor').map((o) => el('option', { text: o.name, attrs: { value: o.id } })));
    for (const name of ['from', 'to', 'method', 'depositor']) if (document.activeElement !== control(name)) control(name).value = l[name];
    const summary = /** @type {HTMLButtonElement} */ (box.querySelector('[data-summary]'));
    summary.disabled = !(l.depositor && l.from && l.to);
    /** @type {HTMLElement} */ (box.querySelector('.list-hint')).hidden = !summary.disabled;
    const error = /** @type {HTMLElement} */ (box.querySelector('.list-error'));
    error.hidden = !l.error;
    error.textContent = l.error ? tx('destruction.list.failed', { code: l.error }) : '';
    translate(box);
    const filtered = l.from || l.to || l.method || l.depositor;
    const empty = () => el('p', { cls: 'empty-inline', text: tx(filtered ? 'destruction.list.none' : 'destruction.list.empty'), attrs: { 'data-testid': 'list-empty' } });
    const body = $('destruction-list-body');
    if (!listReady(body, l.items, tx, empty)) return;
    const rows = l.items.map((d) =>
      el(
        'tr',
        { attrs: { 'data-testid': 'destruction-row', 'data-destruction-id': d.id } },
        el('td', { cls: 'cert-cell', text: d.certificateNo }),
        el('td', { cls: 'log-time', text: formatTime(d.performedAt) }),
        el('td', { text: d.depositorNames.join('、') }),
        el('td', { text: tx('destruction.list.count', { n: d.mediaIds.length }) }),
        el('td', { text: [methodWord(d.method), levelWords(d)].filter(Boolean).join(' ') }),
        el('td', { text: d.performerName }),
        el('td', { text: d.roomId ? roomName(d.roomId) : (d.place ?? '') }),
        el('td', {}, ...(can(WRITERS) ? [printButton(d, 'button button-small')] : [])),
      ),
    );
    const headings = [...['no', 'at', 'depositors', 'media', 'methodcol', 'performer', 'where'].map((k) => tx(`destruction.list.${k}`)), ''];
    body.replaceChildren(...table('destruction-table', headings, rows, l.nextCursor ? tx('destruction.list.more') : ''));
  }

  /** The CSV of the list as filtered (Japanese headers in Japanese), saved by the browser. */
  async function downloadCsv() {
    if (!s) return;
    const q = listQuery(s.list, { format: 'csv', lang: lang() });
    let res;
    try {
      res = await fetch(`/api/destructions?${q}`, { headers: { Authorization: `Bearer ${host.session()?.token ?? ''}` }, cache: 'no-store' });
    } catch {
      res = null;
    }
    if (!s) return;
    if (res?.status === 401) {
      host.sessionRefused((await res.json().catch(() => null))?.error?.code);
      return;
    }
    if (!res?.ok) {
      s.list.error = res ? ((await res.json().catch(() => null))?.error?.code ?? `HTTP ${res.status}`) : 'network';
      renderList();
      return;
    }
    const url = URL.createObjectURL(await res.blob());
    const a = el('a', { attrs: { href: url, download: `destructions-${s.list.from || 'all'}-${s.list.to || 'now'}.csv`, hidden: true } });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }

  async function openSummary() {
    if (!s) return;
    const l = s.list;
    const tz = host.config().displayTimeZone;
    const q = new URLSearchParams({ depositorOrgId: l.depositor, from: dayStart(l.from, tz), to: dayStart(l.to, tz, 1) });
    const error = await openPrintable(host, `/api/destructions/summary?${q}`);
    if (error && s) {
      s.list.error = tx(error.key, error.params);
      renderList();
    }
  }

  // ------------------------------------------------------------------ views and rendering

  function selectView(view, focusTab = false) {
    if (!s || !views.querySelector(`[data-view="${view}"]`)) return;
    // Another sub-view: no badge or PIN stays in the one left (issue 14, item 3).
    if (view !== s.view) clearSecrets(root);
    s.view = view;
    render();
    if (focusTab) document.getElementById(`destruction-tab-${view}`)?.focus();
    if (view === 'list') void loadList(false);
    refocus();
  }

  function render() {
    if (!s || !s.ready) return;
    if (!can(READERS)) {
      translate();
      return;
    }
    frame.show(s.view);
    if (s.view === 'desk') {
      renderScanNote();
      renderItems();
      renderResult();
      renderForm();
    } else renderList();
    renderPrint();
    frame.translate(tx);
  }

  // ------------------------------------------------------------------ wiring

  onHit(root, (hit, target) => {
    if (!s) return;
    let b;
    if ((b = hit('data-remove'))) {
      s.items = s.items.filter((x) => x.medium.id !== b.dataset.remove);
      render();
      refocus();
    } else if ((b = hit('data-print-id'))) openPrint({ id: b.dataset.printId ?? '', certificateNo: b.dataset.printNo ?? '' });
    else if ((b = hit('data-open-cert'))) void openCertificate(b.dataset.openCert ?? '');
    else if (hit('data-csv')) void downloadCsv();
    else if (hit('data-summary')) void openSummary();
    else if (hit('data-more')) void loadList(true);
    else if (!target.closest('select, textarea, input, a[href], button, summary, canvas, form, label')) refocus();
  });
  root.addEventListener('change', (event) => {
    if (!s) return;
    const target = /** @type {HTMLInputElement} */ (event.target);
    if (target.dataset.backup) {
      const item = s.items.find((x) => x.medium.id === target.dataset.backup);
      if (!item) return;
      item.backedUp = target.checked;
      const where = /** @type {HTMLInputElement | null} */ (target.closest('li')?.querySelector('[data-backup-where]') ?? null);
      if (where) {
        where.hidden = !target.checked;
        if (target.checked) where.focus();
      }
    } else if (target.dataset.filter) {
      s.list[target.dataset.filter] = target.value;
      s.list.items = null;
      s.list.nextCursor = null;
      renderList();
      void loadList(false);
    }
  });
  root.addEventListener('input', (event) => {
    const target = /** @type {HTMLInputElement} */ (event.target);
    const item = target.dataset.backupWhere ? s?.items.find((x) => x.medium.id === target.dataset.backupWhere) : null;
    if (item) item.backupLocation = target.value;
  });

  return { start, stop, render, shown };
}

// @ts-check
// The media screens (媒体管理): scan media into a basket, open a medium and its chain of custody
// (medium-detail.js), check out / check in / hand over / transfer the basket with signatures given
// on the spot (custody-forms.js: badge + PIN, optional drawn signature), the monthly inspection
// (inspection.js), after-hours alerts, the list of media (media-list.js), receiving from the
// depositor and approvals (intake.js) and the registration of locations and media
// (media-register.js). Loaded by app.js when the media tab is first opened, with its own
// stylesheet (media.css), so that the door page stays light.
//
// Scanner-first: the scan input keeps the focus while nothing else is being typed; a USB reader
// typing while the focus is elsewhere (on a button, on the page) lands in the scan input too.
// Badge inputs are password fields (the token never shows; a Japanese IME cannot turn it into
// kana); Enter after a badge moves to its PIN, Enter after a PIN to the next signer or submits.
// Scan first (issue 14, item 3): a badge scanned into a person field names the signer and is kept
// as their badge (signing.js, person-picker.js). Badges and PINs are cleared after every answer,
// and when the tab or a sub-view is left.
import { $, el } from './dom.js';
import { openPrintable } from './printable.js';
import { loadCss } from './stylesheets.js';
import { createCustodyForms } from './custody-forms.js';
import { createInspection, newInspection } from './inspection.js';
import { createIntake } from './intake.js';
import { createMediaList } from './media-list.js';
import { createMediaRegister } from './media-register.js';
import { createMediumDetail } from './medium-detail.js';
import { clearSecrets, createSigning } from './signing.js';
import { getAll, deskState, fill, lookUp, onHit, formatTime as formatTimeOf, getList as getListOf, paintNote, scanCard, scannerFocus, screenFrame, translate as translateNode } from './screen.js';

const READERS = ['admin', 'responsible', 'authorized', 'staff', 'auditor'];
const WRITERS = ['admin', 'responsible', 'authorized', 'staff'];
const REGISTRARS = ['admin', 'responsible', 'authorized'];
const ACTIONS = ['checkout', 'checkin', 'handover', 'transfer'];
const VIEWS = ['desk', 'receive', 'inspect', 'list', 'approvals', 'register'];
/**
 * Who sees a view: receiving is a custody step; approvals and registration change media records.
 * @type {Record<string, string[]>}
 */
const VIEW_ROLES = { receive: WRITERS, approvals: REGISTRARS, register: REGISTRARS };
const ALERT_POLL_MS = 60_000;

/** @typedef {import('./api-types.js').Medium} Medium */
/**
 * The media screens' session state: besides the desk's (screen.js), the locations and those due
 * for inspection, the basket, the medium opened (its steps once loaded), the after-hours alerts,
 * the list of media, the inspection under way and the registration forms' status and errors.
 * @typedef {import('./screen.js').DeskState & {
 *   locations: import('./api-types.js').Location[], due: Set<string>, basket: Medium[],
 *   current: null | { medium: Medium | { id: string }, steps: import('./api-types.js').CustodyStep[] | null },
 *   alerts: import('./api-types.js').CustodyAlert[], alertTimer: number,
 *   list: { status: string, items: Medium[] | null, nextCursor: string | null, any: boolean | null },
 *   inspect: import('./inspection.js').Inspection,
 *   reg: { status: Record<string, null | { ok: boolean, key: string, params: Record<string, unknown>, print?: string }>, errors: Record<string, Record<string, string>> },
 *   form: import('./custody-forms.js').ActionForm | null, result: import('./custody-forms.js').ActionResult | null }} MediaState
 */
/**
 * What the parts of the media screens share: the host, the words (tx; translate(node) words the
 * labels built), the session state, the signing toolkit, who may write or register, and helpers.
 * @typedef {{ host: import('./page-types.js').Host, tx: import('./screen.js').Tx, translate: (node?: ParentNode) => void, state: () => MediaState | null,
 *   sg: ReturnType<typeof createSigning>, canWrite: () => boolean, canRegister: () => boolean, refocus: () => void,
 *   formatTime: (iso: string) => string, whereNow: (m: Medium) => string, shortId: (id: string) => string,
 *   loadLocations: () => Promise<void>, render: () => void }} MediaContext
 */

/**
 * Creates the media screens; app.js calls start() when shown after sign-in, stop() when it ends, render() on change.
 * @param {import('./page-types.js').Host} host
 */
export function createMedia(host) {
  // The sub-views sit beside the panel title, as on the door panel.
  // Leaving the tab leaves no badge or PIN behind (issue 14, item 3).
  const frame = screenFrame('media', host, (view, focusTab) => selectView(view, focusTab), () => clearSecrets(root));
  const { root, tx } = frame;

  /**
   * Per-session state; null while nobody is signed in.
   * @type {MediaState | null}
   */
  let s = null;
  const state = () => s;
  const roles = () => s?.session.user.roles ?? [];
  const can = (list) => roles().some((r) => list.includes(r));
  const allowed = (view) => !VIEW_ROLES[view] || can(VIEW_ROLES[view]);

  // ------------------------------------------------------------------ words

  const shortId = (id) => String(id).slice(0, 8).toUpperCase();
  const formatTime = (iso) => formatTimeOf(host, iso);

  // Signer rows, people pickers, the room-or-place choice and errors in words (signing.js).
  const sg = createSigning({ host, state, onMediumCode: (form, value) => void (form.kind === 'inspection' ? inspection.scan(value) : scan(value)) });
  const { statusWord } = sg;

  /**
   * Where a medium is now, in words: "キャビネットA に保管" / "held by 佐藤 花子" / the status.
   * @param {Medium} m
   */
  function whereNow(m) {
    if (m.status === 'checked_out' && m.holder) return tx('media.detail.held', { name: m.holder.name });
    if (m.status === 'stored' && m.locationName) return tx('media.detail.stored', { location: m.locationName });
    return statusWord(m.status);
  }

  /**
   * Labels built here carry data-m keys (and data-m-aria); re-translated on every render.
   * @param {ParentNode} [node]
   */
  const translate = (node = root) => translateNode(node, tx);

  /** @type {MediaContext} */
  const ctx = {
    host,
    tx,
    translate,
    state,
    sg,
    canWrite: () => can(WRITERS),
    canRegister: () => can(REGISTRARS),
    refocus: () => refocus(),
    formatTime,
    whereNow,
    shortId,
    loadLocations: () => loadLocations(),
    render: () => render(),
  };
  const forms = createCustodyForms(ctx, { renderBasket: () => renderBasket(), renderScanNote: () => renderScanNote(), openMedium: (id) => openMedium(id), loadAlerts: () => loadAlerts() });
  const detail = createMediumDetail(ctx);
  const list = createMediaList(ctx);
  const inspection = createInspection(ctx);
  const register = createMediaRegister(ctx);
  // Receiving from the depositor, copies and transmissions (intake.js).
  const intake = createIntake({
    host,
    tx,
    sg,
    data: () => ({ orgs: s?.orgs ?? [], rooms: s?.rooms ?? [], locations: s?.locations ?? [] }),
    translate: (node) => translate(node),
    formatTime: (iso) => formatTime(iso),
    changed: () => {
      if (!s) return;
      s.list.items = null;
      s.list.any = true;
    },
  });

  // ------------------------------------------------------------------ lifecycle

  function start() {
    const session = host.session();
    if (!session) return;
    if (s?.session === session) return;
    stop();
    s = deskState(session, {
      locations: [],
      due: new Set(),
      basket: [],
      current: null,
      alerts: [],
      alertTimer: 0,
      list: { status: '', items: null, nextCursor: null, any: null },
      inspect: newInspection(),
      reg: { status: {}, errors: {} },
      form: null,
      result: null,
    });
    intake.reset();
    const my = s;
    frame.loading();
    if (!can(READERS)) {
      void loadCss('/assets/media.css').then(() => {
        if (s !== my) return;
        frame.ready();
        frame.forbidden('media.forbidden');
        translate();
      });
      return;
    }
    build();
    // People are not loaded: the pickers ask the server for the few who may act (issue 14, item 3).
    void Promise.all([loadCss('/assets/forms.css'), loadCss('/assets/media.css'), loadRooms(), loadLocations(), loadOrgs(), loadAlerts()]).then(() => {
      if (s !== my) return;
      my.ready = true;
      frame.ready();
      render();
      refocus();
    });
  }

  function stop() {
    if (!s) return;
    clearTimeout(s.alertTimer);
    s = null;
    intake.stop();
    frame.clear();
  }

  /** The media tab was opened. */
  function shown() {
    if (!s || !can(READERS)) return;
    void loadAlerts();
    if (s.view === 'list') void list.load(false);
    refocus();
  }

  // ------------------------------------------------------------------ data

  const getList = (path, options) => getListOf(host, path, options);

  const loadRooms = () => fill(state, 'rooms', () => getList('/api/rooms'));
  const loadOrgs = () => fill(state, 'orgs', () => getAll(host, '/api/orgs?limit=500'));
  async function loadLocations() {
    const my = s;
    const [items, due] = await Promise.all([getList('/api/locations'), host.api('GET', '/api/inspections/due')]);
    if (s !== my || !my) return;
    if (items) my.locations = items;
    /** @type {import('./api-types.js').Location[]} */
    const dueItems = due.data?.items ?? [];
    if (due.status === 200) my.due = new Set(dueItems.map((l) => l.id));
  }

  async function loadAlerts() {
    if (!s) return;
    const my = s;
    clearTimeout(my.alertTimer);
    const items = await getList('/api/custody/alerts', { background: true });
    if (s !== my) return;
    if (items) {
      my.alerts = items;
      host.alerts?.(items);
      renderAlerts();
    }
    my.alertTimer = setTimeout(() => {
      if (s === my && host.visible()) void loadAlerts();
    }, ALERT_POLL_MS);
  }

  /**
   * Opens a medium below the basket: its facts and its chain of custody.
   * @param {string} id
   */
  async function openMedium(id) {
    if (!s) return;
    const my = s;
    if (my.current?.medium.id !== id) my.current = { medium: my.basket.find((m) => m.id === id) ?? { id }, steps: null };
    detail.render();
    const res = await host.api('GET', `/api/media/${encodeURIComponent(id)}/custody`);
    if (s !== my || my.current?.medium.id !== id) return;
    if (res.status === 200) {
      my.current = { medium: res.data.medium, steps: res.data.steps };
      const i = my.basket.findIndex((m) => m.id === id);
      if (i >= 0) my.basket[i] = res.data.medium;
      renderBasket();
    } else my.current = null;
    detail.render();
  }

  // ------------------------------------------------------------------ building

  function build() {
    frame.tabs(VIEWS.filter(allowed));
    const readonly = can(WRITERS) ? [] : [el('p', { cls: 'notice media-readonly', attrs: { 'data-m': 'media.readonly' } })];
    root.replaceChildren(
      ...readonly,
      el('section', { cls: 'alert media-alerts', attrs: { id: 'media-alerts', 'data-testid': 'media-alerts', 'aria-live': 'polite', hidden: true } }),
      buildDesk(),
      ...VIEWS.filter((v) => v !== 'desk' && allowed(v)).map(frame.panel),
    );
  }

  function buildDesk() {
    return el(
      'div',
      { cls: 'media-view media-desk', attrs: { id: 'media-desk', role: 'tabpanel', 'aria-labelledby': 'media-tab-desk', 'data-testid': 'media-desk' } },
      scanCard({ id: 'media-scan', labelKey: 'media.scan.label', hintKey: 'media.scan.hint', onScan: (v) => void scan(v), refocus }),
      el('section', { cls: 'basket', attrs: { id: 'media-basket', 'aria-labelledby': 'media-basket-title', 'data-testid': 'media-basket' } }),
      el('section', { cls: 'action-card', attrs: { id: 'media-action', 'data-testid': 'media-action', hidden: true } }),
      el('section', { cls: 'notice action-result', attrs: { id: 'media-result', role: 'status', tabindex: '-1', 'data-testid': 'media-result', hidden: true } }),
      el('section', { cls: 'medium-card', attrs: { id: 'media-detail', 'aria-labelledby': 'media-detail-title', 'data-testid': 'media-detail', hidden: true } }),
    );
  }

  // ------------------------------------------------------------------ scanning

  /** @param {string} raw */
  async function scan(raw) {
    const my = s;
    const found = await lookUp(host, state, raw, renderScanNote);
    if (!found || !my) return;
    if (!found.medium) {
      my.scanNote = { state: 'error', key: found.key ?? '', params: found.params };
      renderScanNote();
      refocus();
      return;
    }
    const m = found.medium;
    const i = my.basket.findIndex((b) => b.id === m.id);
    if (i >= 0) my.basket[i] = m;
    else my.basket.push(m);
    my.scanNote = { state: 'ok', key: i >= 0 ? 'media.scan.again' : 'media.scan.added', params: { label: m.label } };
    my.result = null;
    renderScanNote();
    renderBasket();
    forms.renderResult();
    if (my.form) forms.renderMedia();
    void openMedium(m.id);
    refocus();
  }

  // ------------------------------------------------------------------ focus

  /** The scan input of the view on screen, if any. */
  function scanInput() {
    if (!s || !s.ready || !host.visible()) return null;
    if (s.view === 'desk') return /** @type {HTMLInputElement | null} */ (document.getElementById('media-scan'));
    if (s.view === 'inspect') return /** @type {HTMLInputElement | null} */ (document.getElementById('inspect-scan'));
    return null;
  }

  /** Back to the scan input unless the user works in another field or a form (signing.js). */
  const refocus = scannerFocus({
    input: scanInput,
    busy: (active) => Boolean(s?.form?.node.contains(active) || s?.inspect.form?.node.contains(active)),
    keysBusy: (active) => Boolean(s?.form?.node.contains(active)),
  });

  // ------------------------------------------------------------------ the basket

  function renderBasket() {
    const box = document.getElementById('media-basket');
    if (!s || !box) return;
    const items = s.basket.map((m) => {
      const open = el('button', { cls: 'link-button basket-label', text: m.label, attrs: { type: 'button', 'data-open': m.id, 'aria-label': tx('media.basket.open', { label: m.label }) } });
      const remove = el('button', { cls: 'button button-small button-quiet-dark', text: tx('media.basket.remove'), attrs: { type: 'button', 'data-remove': m.id, 'aria-label': tx('media.basket.remove.label', { label: m.label }), 'data-testid': 'basket-remove' } });
      return el(
        'li',
        { attrs: { 'data-testid': 'basket-item', 'data-medium-id': m.id } },
        open,
        el('span', { cls: `status status-${m.status}`, text: statusWord(m.status) }),
        el('span', { cls: 'basket-where', text: whereNow(m) }),
        remove,
      );
    });
    const writer = can(WRITERS);
    const open = s.form?.kind;
    const why = ACTIONS.map((a) => forms.whyNot(a));
    const actions = writer
      ? [
          el(
            'div',
            { cls: 'basket-actions' },
            ...ACTIONS.map((a, i) =>
              el('button', {
                cls: `button ${a === 'handover' ? 'button-primary' : 'button-action'}`,
                text: tx(`media.action.${a}`),
                attrs: { type: 'button', 'data-action': a, 'data-testid': `action-${a}`, disabled: why[i] !== null, 'aria-pressed': open === a ? 'true' : 'false' },
              }),
            ),
          ),
        ]
      : [];
    const reasons = s.basket.length ? [...new Set(why.filter((w) => w && w !== 'empty'))] : [];
    box.replaceChildren(
      el(
        'header',
        { cls: 'basket-head' },
        el('h3', { attrs: { id: 'media-basket-title' } }, tx('media.basket'), ' ', el('span', { cls: 'basket-count', text: tx('media.basket.count', { n: s.basket.length }), attrs: { 'data-testid': 'basket-count' } })),
        ...(s.basket.length ? [el('button', { cls: 'button button-small', text: tx('media.basket.clear'), attrs: { type: 'button', 'data-clear': '', 'data-testid': 'basket-clear' } })] : []),
      ),
      s.basket.length ? el('ul', { cls: 'basket-items' }, ...items) : el('p', { cls: 'empty-inline basket-empty', text: tx('media.basket.empty') }),
      ...actions,
      ...(writer && reasons.length ? [el('ul', { cls: 'basket-why field-hint' }, ...reasons.map((r) => el('li', { text: tx(r ?? '') })))] : []),
    );
  }

  /** @param {string} id */
  function removeFromBasket(id) {
    if (!s) return;
    s.basket = s.basket.filter((m) => m.id !== id);
    if (s.form && s.basket.length === 0) forms.close();
    renderBasket();
    if (s.form) forms.renderMedia();
  }

  /**
   * A printable page (a label, a receipt, the chain of custody) in its own tab.
   * @param {string} path
   */
  async function print(path) {
    const error = await openPrintable(host, path);
    if (error && s) {
      s.scanNote = { state: 'error', key: error.key, params: error.params };
      renderScanNote();
    }
    // The page opens in its own tab; back here the focus is on the scan input for the next medium.
    refocus();
  }

  // ------------------------------------------------------------------ alerts

  function renderAlerts() {
    const box = document.getElementById('media-alerts');
    if (!s || !box) return;
    box.hidden = s.alerts.length === 0;
    if (!s.alerts.length) {
      box.replaceChildren();
      return;
    }
    box.replaceChildren(
      el('h3', { text: tx('media.alerts', { n: s.alerts.length }) }),
      el('p', { cls: 'alerts-intro', text: tx('media.alerts.intro') }),
      el(
        'ul',
        { cls: 'alerts-list' },
        ...s.alerts.map((a) =>
          el(
            'li',
            { attrs: { 'data-testid': 'media-alert', 'data-medium-id': a.mediumId } },
            el('span', { text: tx('media.alerts.item', { label: a.label, holder: a.holder?.name ?? tx('media.alerts.nobody'), room: a.roomName, day: a.day }) }),
            el('button', { cls: 'button button-small', text: tx('media.alerts.open'), attrs: { type: 'button', 'data-alert-open': a.mediumId, 'data-testid': 'media-alert-open' } }),
          ),
        ),
      ),
    );
  }

  // ------------------------------------------------------------------ views and rendering

  /**
   * @param {string} view
   * @param {boolean} [focusTab]
   */
  function selectView(view, focusTab = false) {
    if (!s || !VIEWS.includes(view) || !allowed(view)) return;
    // Another sub-view: the badges and PINs typed in the one left are cleared (issue 14, item 3).
    if (view !== s.view) clearSecrets(root);
    s.view = view;
    render();
    if (focusTab) document.getElementById(`media-tab-${view}`)?.focus();
    if (view === 'list') void list.load(false);
    if (['inspect', 'register', 'receive', 'approvals'].includes(view)) void loadLocations().then(() => s && render());
    refocus();
  }

  const renderScanNote = () => s && paintNote('media-scan-note', s.scanNote, tx);

  function render() {
    if (!s) return;
    if (!can(READERS)) {
      translate();
      return;
    }
    frame.show(s.view);
    renderAlerts();
    if (s.view === 'desk') {
      renderScanNote();
      renderBasket();
      forms.renderResult();
      detail.render();
      if (s.form) {
        forms.renderMedia();
        sg.renderSigners(s.form);
        s.form.fillParties?.();
        sg.paintErrors(s.form);
      }
    } else if (s.view === 'inspect') inspection.render();
    else if (s.view === 'list') list.render();
    else if (s.view === 'receive') intake.renderReceive($('media-receive'));
    else if (s.view === 'approvals') intake.renderApprovals($('media-approvals'));
    else register.render();
    frame.translate(tx);
  }

  // ------------------------------------------------------------------ wiring

  onHit(root, (hit, target) => {
    if (!s) return;
    let b;
    if ((b = hit('data-action'))) forms.open(b.dataset.action ?? '');
    else if ((b = hit('data-remove'))) {
      removeFromBasket(b.dataset.remove ?? '');
      refocus();
    } else if ((b = hit('data-open'))) {
      void openMedium(b.dataset.open ?? '');
      refocus();
    } else if (hit('data-clear')) {
      s.basket = [];
      forms.close(false);
      renderBasket();
      refocus();
    } else if ((b = hit('data-receipt'))) void print(b.dataset.receipt ?? '');
    else if ((b = hit('data-print'))) void print(b.dataset.print ?? '');
    else if ((b = hit('data-add'))) {
      const m = s.current?.medium;
      if (m && 'label' in m && !s.basket.some((x) => x.id === m.id)) s.basket.push(m);
      renderBasket();
      detail.render();
      if (s.form) forms.renderMedia();
    } else if (hit('data-close-detail')) {
      s.current = null;
      detail.render();
      refocus();
    } else if ((b = hit('data-alert-open')) || (b = hit('data-open-list'))) {
      const id = b.dataset.alertOpen ?? b.dataset.openList ?? '';
      if (s.view !== 'desk') clearSecrets(root);
      s.view = 'desk';
      render();
      void openMedium(id).then(() => document.getElementById('media-detail')?.scrollIntoView({ block: 'nearest' }));
    } else if (hit('data-arrival') && s.current && 'label' in s.current.medium) forms.open('receipt', s.current.medium);
    else if ((b = hit('data-goto'))) selectView(b.dataset.goto ?? 'desk');
    else if (hit('data-more')) void list.load(true);
    // A click on plain text returns to the scan input (not inside a form being filled in).
    if (!target.closest('select, textarea, input, a[href], button, summary, canvas, form')) refocus();
  });

  return { start, stop, render, shown };
}

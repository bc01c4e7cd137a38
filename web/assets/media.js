// The media screens (媒体管理): scan media into a basket, open a medium and its chain of custody,
// check out / check in / hand over / transfer the basket with signatures given on the spot
// (badge + PIN, optional drawn signature), the monthly inspection, after-hours alerts, the list of
// media and the registration of locations and media. Loaded by app.js when the media tab is first
// opened, with its own stylesheet (media.css), so that the door page stays light.
//
// Scanner-first: the scan input keeps the focus while nothing else is being typed; a USB reader
// typing while the focus is elsewhere (on a button, on the page) lands in the scan input too.
// Badge inputs are password fields (the token never shows; a Japanese IME cannot turn it into
// kana); Enter after a badge moves to its PIN, Enter after a PIN to the next signer or submits.
import { has } from './i18n.js';
import { el, openPrintable } from './door.js';
import { createIntake } from './intake.js';
import { createSigning } from './signing.js';
import { STATUSES, KINDS, MEDIUM_CODE, activePeople, getAll, deskState, fill, listReady, lookUp, onHit, findMedium as findMediumOf, formatTime as formatTimeOf, getList as getListOf, loadCss, loadInside, paintNote, resultBox, scanCard, scanField, scannerFocus, screenFrame, table, translate as translateNode } from './screen.js';

const READERS = ['admin', 'responsible', 'authorized', 'staff', 'auditor'];
const WRITERS = ['admin', 'responsible', 'authorized', 'staff'];
const REGISTRARS = ['admin', 'responsible', 'authorized'];
const LOCATION_KINDS = ['cabinet', 'safe', 'vault'];
const METHODS = ['hand_carry', 'carrier', 'post'];
const OUTCOMES = ['returned_to_depositor', 'stored', 'held'];
const ACTIONS = ['checkout', 'checkin', 'handover', 'transfer'];
const VIEWS = ['desk', 'receive', 'inspect', 'list', 'approvals', 'register'];
/** Who sees a view: receiving is a custody step; approvals and registration change media records. */
const VIEW_ROLES = { receive: WRITERS, approvals: REGISTRARS, register: REGISTRARS };
const ALERT_POLL_MS = 60_000;
const LIST_PAGE = 50;

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** Creates the media screens; app.js calls start() when shown after sign-in, stop() when it ends, render() on change. */
export function createMedia(host) {
  // The sub-views sit beside the panel title, as on the door panel.
  const frame = screenFrame('media', host, (view, focusTab) => selectView(view, focusTab));
  const { root, tx } = frame;
  const lang = () => host.lang();

  /** Per-session state; null while nobody is signed in. */
  let s = null;
  const roles = () => s?.session.user.roles ?? [];
  const can = (list) => roles().some((r) => list.includes(r));
  const allowed = (view) => !VIEW_ROLES[view] || can(VIEW_ROLES[view]);

  // ------------------------------------------------------------------ words

  const location = (id) => s?.locations.find((l) => l.id === id) ?? null;
  const shortId = (id) => String(id).slice(0, 8).toUpperCase();
  const formatTime = (iso, withDate = true) => formatTimeOf(host, iso, withDate);

  // Signer rows, people pickers, the room-or-place choice and errors in words (signing.js).
  const sg = createSigning({ host, state: () => s, onMediumCode: (form, value) => void (form.kind === 'inspection' ? inspectScan(value) : scan(value)) });
  const { statusWord, kindWord, personName, button, field, select, fillPeople, signerRow, renderSigners, addWitness, witnessesBox, whereControl, whereBody, signerBody, explain, paintErrors, showErrors, readyToSend, send, newForm, recordLines, signedLine } = sg;
  // Receiving from the depositor, copies and transmissions (intake.js).
  const intake = createIntake({
    host,
    tx,
    sg,
    data: () => ({ people: s?.people ?? [], rooms: s?.rooms ?? [], locations: s?.locations ?? [] }),
    loadOccupancy: (roomId) => loadOccupancy(roomId),
    translate: (node) => translate(node),
    formatTime: (iso) => formatTime(iso),
    changed: () => {
      if (!s) return;
      s.list.items = null;
      s.list.any = true;
    },
  });

  /** Where a medium is now, in words: "キャビネットA に保管" / "held by 佐藤 花子" / the status. */
  function whereNow(m) {
    if (m.status === 'checked_out' && m.holder) return tx('media.detail.held', { name: m.holder.name });
    if (m.status === 'stored' && m.locationName) return tx('media.detail.stored', { location: m.locationName });
    return statusWord(m.status);
  }

  /** Labels built here carry data-m keys (and data-m-aria); re-translated on every render. */
  const translate = (node = root) => translateNode(node, tx);

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
      inspect: { locationId: '', sheet: null, found: new Set(), unexpected: [], note: null, result: null, form: null },
      reg: { status: {}, errors: {} },
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
    void Promise.all([loadCss('/assets/media.css'), loadPeople(), loadRooms(), loadLocations(), loadOrgs(), loadAlerts()]).then(() => {
      if (s !== my) return;
      s.ready = true;
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
    if (s.view === 'list') void loadList(false);
    refocus();
  }

  // ------------------------------------------------------------------ data

  const getList = (path, options) => getListOf(host, path, options);

  const state = () => s;
  const loadPeople = () => fill(state, 'people', () => activePeople(host));
  const loadRooms = () => fill(state, 'rooms', () => getList('/api/rooms'));
  const loadOrgs = () => fill(state, 'orgs', () => getAll(host, '/api/orgs?limit=500'));
  const loadOccupancy = (roomId) => loadInside(host, state, roomId);
  async function loadLocations() {
    const my = s;
    const [items, due] = await Promise.all([getList('/api/locations'), host.api('GET', '/api/inspections/due')]);
    if (s !== my) return;
    if (items) s.locations = items;
    if (due.status === 200) s.due = new Set((due.data?.items ?? []).map((l) => l.id));
  }

  async function loadAlerts() {
    if (!s) return;
    const my = s;
    clearTimeout(my.alertTimer);
    const items = await getList('/api/custody/alerts', { background: true });
    if (s !== my) return;
    if (items) {
      s.alerts = items;
      host.alerts?.(items);
      renderAlerts();
    }
    my.alertTimer = setTimeout(() => {
      if (s === my && host.visible()) void loadAlerts();
    }, ALERT_POLL_MS);
  }

  async function loadMedium(id) {
    const res = await host.api('GET', `/api/media/${encodeURIComponent(id)}`);
    return res.status === 200 ? res.data : null;
  }

  const findMedium = (text) => findMediumOf(host, text);

  /** Opens a medium below the basket: its facts and its chain of custody. */
  async function openMedium(id) {
    if (!s) return;
    const my = s;
    if (s.current?.medium.id !== id) s.current = { medium: s.basket.find((m) => m.id === id) ?? { id }, steps: null };
    renderDetail();
    const res = await host.api('GET', `/api/media/${encodeURIComponent(id)}/custody`);
    if (s !== my || s.current?.medium.id !== id) return;
    if (res.status === 200) {
      s.current = { medium: res.data.medium, steps: res.data.steps };
      const i = s.basket.findIndex((m) => m.id === id);
      if (i >= 0) s.basket[i] = res.data.medium;
      renderBasket();
    } else s.current = null;
    renderDetail();
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

  async function scan(raw) {
    const my = s;
    const found = await lookUp(host, state, raw, renderScanNote);
    if (!found || !my) return;
    if (!found.medium) {
      my.scanNote = { state: 'error', key: found.key, params: found.params };
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
    renderResult();
    if (my.form) renderFormMedia();
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

  // ------------------------------------------------------------------ basket and actions

  /** Why an action cannot be done on the basket now, or null. */
  function whyNot(action) {
    const b = s?.basket ?? [];
    if (b.length === 0) return 'empty';
    const rooms = new Set(b.map((m) => m.roomId));
    const holders = new Set(b.map((m) => m.holder?.id ?? ''));
    switch (action) {
      case 'checkout':
        return b.every((m) => m.status === 'stored') && rooms.size === 1 ? null : 'media.why.checkout';
      case 'checkin':
        return b.every((m) => m.status === 'checked_out') && rooms.size === 1 && holders.size === 1 ? null : 'media.why.checkin';
      case 'handover':
        return b.every((m) => m.status === 'checked_out') && holders.size === 1 ? null : 'media.why.handover';
      default:
        return b.every((m) => m.status === 'stored' || m.status === 'checked_out') ? null : 'media.why.transfer';
    }
  }

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
    const why = ACTIONS.map((a) => whyNot(a));
    const actions = writer
      ? [
          el(
            'div',
            { cls: 'basket-actions' },
            ...ACTIONS.map((a, i) =>
              el('button', {
                cls: `button ${a === 'handover' ? 'button-primary' : 'button-action'}`,
                text: tx(`media.action.${a}`),
                attrs: { type: 'button', 'data-action': a, 'data-testid': `action-${a}`, disabled: why[i] !== null, 'aria-pressed': s.form?.kind === a ? 'true' : 'false' },
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
      ...(writer && reasons.length ? [el('ul', { cls: 'basket-why field-hint' }, ...reasons.map((r) => el('li', { text: tx(r) })))] : []),
    );
  }

  function removeFromBasket(id) {
    if (!s) return;
    s.basket = s.basket.filter((m) => m.id !== id);
    if (s.form && s.basket.length === 0) closeForm();
    renderBasket();
    if (s.form) renderFormMedia();
  }

  // ------------------------------------------------------------------ forms (check out, check in, hand over, transfer)

  /** The room of the basket's media (one room for a checkout or check-in). */
  const basketRoom = () => s?.basket[0]?.roomId ?? '';

  /**
   * Opens the form of an action on the basket (checkout, checkin, handover, transfer), or the
   * arrival of one medium in transit at its destination (receipt).
   */
  function openForm(kind, medium = null) {
    if (!s) return;
    if (kind === 'receipt' ? !(medium?.status === 'in_transit' && medium.transferId) : whyNot(kind)) return;
    const target = kind === 'receipt' ? [medium] : null;
    closeForm(false);
    s.result = null;
    renderResult();
    const box = $('media-action');
    const node = /** @type {HTMLFormElement} */ (el('form', { cls: 'form action-form', attrs: { novalidate: true, 'data-testid': `form-${kind}`, 'aria-labelledby': 'media-action-title' } }));
    const form = newForm(kind, node, {
      submitKey: `media.submit.${kind}`,
      media: el('p', { cls: 'action-media', attrs: { 'data-testid': 'action-media' } }),
      /** The media the form acts on: the basket, or the one medium that arrived. */
      list: () => target ?? s?.basket ?? [],
      roomId: () => (target ? target[0].roomId : basketRoom()),
    });
    s.form = form;
    const { summary, submit } = form;
    const cancel = button('media.form.cancel', { 'data-testid': 'form-cancel' }, 'button button-secondary');
    cancel.addEventListener('click', () => closeForm());
    const parts = [];
    const holder = s.basket[0]?.holder ?? null;

    if (kind === 'checkout' || kind === 'checkin') form.signerField = /^(|badge|pin|personId|drawnSignature)$/;
    if (kind === 'checkout') {
      const row = signerRow(form, 'holder');
      form.signers.push(row);
      parts.push(row.node);
    } else if (kind === 'receipt') {
      const m = target[0];
      const outcome = el('div', { cls: 'checks-inline radios', attrs: { role: 'radiogroup', 'aria-labelledby': 'mf-outcome-label' } },
        ...OUTCOMES.map((o, i) => el('label', { cls: 'check' }, el('input', { attrs: { type: 'radio', name: 'outcome', value: o, checked: i === 0, 'data-testid': `f-outcome-${o}` } }), el('span', { attrs: { 'data-m': `media.outcome.${o}` } }))),
      );
      const locs = s.locations.filter((l) => l.roomId === m.roomId);
      const loc = /** @type {HTMLSelectElement} */ (select());
      const holderSel = /** @type {HTMLSelectElement} */ (select());
      form.fillParties = () => {
        const cur = loc.value;
        loc.replaceChildren(...locs.map((l) => el('option', { text: tx('media.loc.option', { name: l.name, kind: tx(`media.lockind.${l.kind}`) }), attrs: { value: l.id } })));
        loc.value = cur || m.homeLocationId;
        fillPeople(holderSel, '');
      };
      form.fillParties();
      const row = signerRow(form, 'receiver');
      form.signers.push(row);
      form.signerField = /^signer/;
      form.needs = () => ['received', ...({ stored: ['location'], held: ['holder'] }[outcomeValue(form)] ?? [])];
      parts.push(
        el('fieldset', { cls: 'field', attrs: { 'data-f': 'outcome' } }, el('legend', { attrs: { id: 'mf-outcome-label', 'data-m': 'media.f.outcome' } }), outcome),
        field(form, 'received', 'media.f.receivedBy', el('input', { attrs: { type: 'text', maxlength: 200, autocomplete: 'off' } }), { hintKey: 'media.f.receivedBy.hint' }),
        field(form, 'location', 'media.f.location', loc, { cls: 'when-stored' }),
        field(form, 'holder', 'media.f.holder', holderSel, { cls: 'when-held', person: true }),
        el('div', { cls: 'when-stored' }, row.node),
        field(form, 'note', 'media.f.note', el('textarea', { attrs: { rows: 2, maxlength: 1000 } })),
      );
      const apply = () => {
        const o = outcomeValue(form);
        for (const n of node.querySelectorAll('.when-stored')) /** @type {HTMLElement} */ (n).hidden = o !== 'stored';
        for (const n of node.querySelectorAll('.when-held')) /** @type {HTMLElement} */ (n).hidden = o !== 'held';
      };
      outcome.addEventListener('change', apply);
      form.applyMethod = apply;
    } else if (kind === 'checkin') {
      const locs = s.locations.filter((l) => l.roomId === basketRoom());
      const sel = /** @type {HTMLSelectElement} */ (select());
      form.fillParties = () => {
        const cur = sel.value;
        sel.replaceChildren(...locs.map((l) => el('option', { text: tx('media.loc.option', { name: l.name, kind: tx(`media.lockind.${l.kind}`) }), attrs: { value: l.id } })));
        sel.value = cur || (s.basket[0]?.homeLocationId ?? locs[0]?.id ?? '');
      };
      form.fillParties();
      parts.push(field(form, 'location', 'media.f.location', sel));
      form.needs = () => ['location'];
      const row = signerRow(form, 'returner', { person: false });
      form.signers.push(row);
      parts.push(row.node);
    } else {
      // Handover and transfer: parties, place, witnesses.
      const where = whereControl(form, { optional: kind === 'transfer', rooms: s.rooms, defaultRoom: basketRoom, onChange: () => void refreshPresence(form) });
      if (kind === 'handover') {
        const from = select();
        const to = select();
        parts.push(el('div', { cls: 'form-row' }, field(form, 'from', 'media.f.from', from, { who: 'media.who.from', person: true }), field(form, 'to', 'media.f.to', to, { who: 'media.who.to', person: true })));
        form.needs = () => ['from', 'to'];
        form.fillParties = () => {
          fillPeople(/** @type {HTMLSelectElement} */ (from), form.roomId());
          fillPeople(/** @type {HTMLSelectElement} */ (to), form.roomId());
        };
        form.fillParties();
        if (holder) /** @type {HTMLSelectElement} */ (from).value = holder.id;
        parts.push(where);
      } else {
        const dest = el('input', { attrs: { type: 'text', maxlength: 300, autocomplete: 'off' } });
        const method = el('div', { cls: 'checks-inline radios', attrs: { role: 'radiogroup', 'aria-labelledby': 'mf-method-label' } },
          ...METHODS.map((m, i) => el('label', { cls: 'check' }, el('input', { attrs: { type: 'radio', name: 'method', value: m, checked: i === 0, 'data-testid': `f-method-${m}` } }), el('span', { attrs: { 'data-m': `media.method.${m}` } }))),
        );
        const carrier = select();
        const tracking = el('input', { attrs: { type: 'text', maxlength: 100, autocomplete: 'off' } });
        const escort = select();
        form.fillParties = () => {
          const carriers = s.orgs.filter((o) => o.kind === 'carrier');
          const cur = /** @type {HTMLSelectElement} */ (carrier).value;
          carrier.replaceChildren(
            el('option', { text: tx('media.choose'), attrs: { value: '' } }),
            ...carriers.map((o) => el('option', { text: o.approvedAt ? o.name : tx('media.f.carrier.unapproved', { name: o.name }), attrs: { value: o.id } })),
          );
          /** @type {HTMLSelectElement} */ (carrier).value = cur;
          fillPeople(/** @type {HTMLSelectElement} */ (escort), form.roomId());
        };
        form.fillParties();
        parts.push(
          field(form, 'destination', 'media.f.destination', dest, { hintKey: 'media.f.destination.hint' }),
          el('fieldset', { cls: 'field', attrs: { 'data-f': 'method' } }, el('legend', { attrs: { id: 'mf-method-label', 'data-m': 'media.f.method' } }), method),
          el('div', { cls: 'form-row' }, field(form, 'carrier', 'media.f.carrier', carrier, { cls: 'when-carrier' }), field(form, 'tracking', 'media.f.tracking', tracking, { cls: 'when-carrier' })),
          field(form, 'escort', 'media.f.escort', escort, { cls: 'when-escort', who: 'media.who.escort', person: true }),
          where,
        );
        form.needs = () => ['destination', ...(methodValue(form) === 'carrier' ? ['carrier', 'tracking'] : ['escort'])];
        const applyMethod = () => {
          const m = methodValue(form);
          for (const n of node.querySelectorAll('.when-carrier')) /** @type {HTMLElement} */ (n).hidden = m !== 'carrier';
          for (const n of node.querySelectorAll('.when-escort')) /** @type {HTMLElement} */ (n).hidden = m === 'carrier';
        };
        method.addEventListener('change', applyMethod);
        form.applyMethod = applyMethod;
      }
      parts.push(...witnessesBox(form));
      parts.push(field(form, 'note', 'media.f.note', el('textarea', { attrs: { rows: 2, maxlength: 1000 } })));
    }

    node.append(
      el('header', { cls: 'action-head' }, el('h3', { attrs: { id: 'media-action-title', 'data-m': `media.form.${kind}` } }), form.media),
      el('p', { cls: 'action-intro', attrs: { 'data-m': `media.form.${kind}.intro` } }),
      summary,
      ...parts,
      el('div', { cls: 'form-actions' }, submit, cancel),
    );
    if (form.signersBox) addWitness(form, false);
    form.applyMethod?.();
    node.addEventListener('submit', (e) => {
      e.preventDefault();
      void submitForm(form);
    });
    node.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        closeForm();
      }
    });
    box.replaceChildren(node);
    box.hidden = false;
    renderFormMedia();
    renderSigners(form);
    translate(box);
    renderBasket();
    void refreshPresence(form);
    // The first thing to fill in.
    const first =
      node.querySelector('[data-f="to"] select') ?? node.querySelector('[data-f="destination"] input') ?? node.querySelector('[data-f="received"] input') ?? form.signers[0]?.person ?? form.signers[0]?.badge;
    /** @type {HTMLElement | null} */ (first)?.focus();
    box.scrollIntoView({ block: 'nearest' });
  }

  const outcomeValue = (form) => /** @type {HTMLInputElement | null} */ (form.node.querySelector('input[name="outcome"]:checked'))?.value ?? 'returned_to_depositor';
  const methodValue = (form) => /** @type {HTMLInputElement | null} */ (form.node.querySelector('input[name="method"]:checked'))?.value ?? 'hand_carry';

  /** Who is inside the room now (door log): people there are listed first in every person select. */
  async function refreshPresence(form) {
    const roomId = form.roomId();
    await loadOccupancy(roomId);
    if (!s || s.form !== form) return;
    form.fillParties?.();
    for (const row of form.signers) if (row.person) fillPeople(row.person, form.roomId());
  }

  function renderFormMedia() {
    const form = s?.form;
    if (!form) return;
    form.media.textContent = tx('media.form.media', { labels: form.list().map((m) => m.label).join('、') });
  }

  function closeForm(refocusAfter = true) {
    if (!s) return;
    s.form = null;
    const box = $('media-action');
    box.replaceChildren();
    box.hidden = true;
    renderBasket();
    if (refocusAfter) refocus();
  }

  async function submitForm(form) {
    if (!s || form.busy || s.form !== form || !readyToSend(form)) return;
    const mediaIds = form.list().map((m) => m.id);
    form.mediaSent = [...form.list()];
    form.sentRoomId = form.roomId();
    let path = '';
    let body = {};
    const v = (name) => /** @type {HTMLInputElement} */ (form.fields[name]?.control)?.value?.trim() ?? '';
    const where = () => whereBody(form);
    const note = () => (v('note') ? { note: v('note') } : {});
    if (form.kind === 'checkout') {
      path = '/api/custody/checkouts';
      body = { mediaIds, ...signerBody(form.signers[0]) };
    } else if (form.kind === 'checkin') {
      path = '/api/custody/checkins';
      body = { mediaIds, locationId: v('location'), ...signerBody(form.signers[0]) };
      form.sentRoomId = location(v('location'))?.roomId ?? basketRoom();
    } else if (form.kind === 'receipt') {
      const outcome = outcomeValue(form);
      path = `/api/transfers/${encodeURIComponent(form.list()[0].transferId)}/receipt`;
      body = {
        outcome,
        receivedByName: v('received'),
        ...(outcome === 'stored' ? { locationId: v('location'), signer: signerBody(form.signers[0]) } : {}),
        ...(outcome === 'held' ? { holderPersonId: v('holder') } : {}),
        ...note(),
      };
      form.sentRoomId = form.list()[0].roomId;
    } else if (form.kind === 'handover') {
      path = '/api/handovers';
      body = { mediaIds, fromPersonId: v('from'), toPersonId: v('to'), witnesses: form.signers.map(signerBody), ...where(), ...note() };
    } else {
      path = '/api/transfers';
      const method = methodValue(form);
      body = {
        mediaIds,
        destination: v('destination'),
        method,
        ...(method === 'carrier' ? { carrierOrgId: v('carrier'), trackingNo: v('tracking') } : { escortPersonId: v('escort') }),
        witnesses: form.signers.map(signerBody),
        ...where(),
        ...note(),
      };
    }
    await send(form, path, body, { current: () => s?.form === form, done: (data) => done(form, body, data) });
  }

  /** Recorded: the result with its receipt, the basket emptied, the media reloaded. */
  function done(form, body, data) {
    if (!s) return;
    const record = data.record;
    const n = form.mediaSent.length;
    let text = '';
    if (form.kind === 'checkout') text = ['media.done.checkout', { n, name: personName(body.personId) }];
    else if (form.kind === 'checkin') text = ['media.done.checkin', { n, where: location(body.locationId)?.name ?? '' }];
    else if (form.kind === 'receipt') text = ['media.done.receipt', { n, name: body.receivedByName, outcome: tx(`media.outcome.${body.outcome}`) }];
    else if (form.kind === 'handover') text = ['media.done.handover', { n, from: personName(body.fromPersonId), to: personName(body.toPersonId), w: body.witnesses.length }];
    else text = ['media.done.transfer', { n, where: body.destination }];
    s.result = { kind: form.kind, text, record, place: body.place ?? null, roomId: body.roomId ?? form.sentRoomId ?? null, labels: form.mediaSent.map((m) => m.label) };
    const ids = form.mediaSent.map((m) => m.id);
    if (form.kind === 'receipt') s.basket = s.basket.filter((m) => !ids.includes(m.id));
    else s.basket = [];
    s.scanNote = null;
    closeForm(false);
    renderScanNote();
    renderResult();
    const focusId = s.current && ids.includes(s.current.medium.id) ? s.current.medium.id : ids[0];
    if (focusId) void openMedium(focusId);
    void loadAlerts();
    $('media-result').scrollIntoView({ block: 'nearest' });
    refocus();
  }

  function renderResult() {
    const r = s?.result;
    const box = resultBox('media-result', r);
    if (!box) return;
    const print = el('button', {
      cls: 'button button-primary',
      text: tx('media.receipt'),
      attrs: { type: 'button', 'data-receipt': r.record.receiptUrl, 'data-testid': 'media-receipt', 'aria-label': tx('media.receipt.label', { id: shortId(r.record.id) }) },
    });
    box.replaceChildren(
      el(
        'div',
        { cls: 'result-text' },
        el('p', { cls: 'result-title', text: tx(r.text[0], r.text[1]), attrs: { 'data-testid': 'media-result-text' } }),
        el('p', { cls: 'result-meta', text: `${tx('media.done.record', { id: shortId(r.record.id), time: formatTime(r.record.at) })}・${r.labels.join('、')}` }),
        ...recordLines(r.record, r),
      ),
      print,
    );
  }

  // ------------------------------------------------------------------ the medium and its chain

  function renderDetail() {
    const box = document.getElementById('media-detail');
    if (!s || !box) return;
    const cur = s.current;
    box.hidden = !cur;
    if (!cur) {
      box.replaceChildren();
      return;
    }
    const m = cur.medium;
    if (!m.label) {
      box.replaceChildren(el('p', { cls: 'empty-inline', text: tx('media.chain.loading') }));
      return;
    }
    const facts = [
      ['media.detail.where', whereNow(m)],
      ['media.detail.depositor', m.depositorName],
      ['media.detail.kind', kindWord(m.kind)],
      ['media.detail.home', `${m.roomName} / ${m.homeLocationName}`],
      ['media.detail.classification', has('en', `classification.${m.classification}`) ? tx(`classification.${m.classification}`) : m.classification],
      ['media.detail.since', formatTime(m.statusChangedAt)],
    ];
    const inBasket = s.basket.some((b) => b.id === m.id);
    const actions = [
      el('button', { cls: 'button button-small', text: tx('media.detail.print_label'), attrs: { type: 'button', 'data-print': `/api/media/${encodeURIComponent(m.id)}/label`, 'data-testid': 'print-label' } }),
      el('button', { cls: 'button button-small', text: tx('media.detail.print_custody'), attrs: { type: 'button', 'data-print': `/api/media/${encodeURIComponent(m.id)}/custody/print`, 'data-testid': 'print-custody' } }),
      ...(inBasket ? [] : [el('button', { cls: 'button button-small', text: tx('media.detail.add'), attrs: { type: 'button', 'data-add': m.id, 'data-testid': 'detail-add' } })]),
      ...(m.status === 'in_transit' && m.transferId && can(WRITERS)
        ? [el('button', { cls: 'button button-small', text: tx('media.detail.receipt'), attrs: { type: 'button', 'data-arrival': m.id, 'data-testid': 'detail-arrival' } })]
        : []),
      el('button', { cls: 'button button-small', text: tx('media.detail.close'), attrs: { type: 'button', 'data-close-detail': '', 'data-testid': 'detail-close' } }),
    ];
    const steps = cur.steps;
    const chain = !steps
      ? el('p', { cls: 'empty-inline', text: tx('media.chain.loading') })
      : steps.length === 0
        ? el('p', { cls: 'empty-inline', text: tx('media.chain.empty') })
        : el('ol', { cls: 'custody-chain', attrs: { 'data-testid': 'custody-chain' } }, ...steps.map((step) => stepItem(step)));
    box.replaceChildren(
      el(
        'header',
        { cls: 'medium-head' },
        el('h3', { attrs: { id: 'media-detail-title' } }, el('span', { cls: 'medium-label', text: m.label, attrs: { 'data-testid': 'detail-label' } })),
        el('span', { cls: `status status-${m.status}`, text: statusWord(m.status), attrs: { 'data-testid': 'detail-status' } }),
      ),
      el('dl', { cls: 'medium-facts' }, ...facts.map(([k, v]) => el('div', {}, el('dt', { text: tx(k) }), el('dd', { text: v ?? '' })))),
      ...(m.description ? [el('p', { cls: 'medium-description', text: m.description })] : []),
      el('p', { cls: 'medium-actions' }, ...actions),
      el('h4', { cls: 'chain-title', text: tx('media.chain') }),
      chain,
    );
  }

  function stepItem(step) {
    const action = has('en', `media.step.${step.action}`) ? tx(`media.step.${step.action}`) : step.action;
    const who = [step.holder?.name, step.location?.name].filter(Boolean).join(' / ');
    const r = step.record;
    const presence = r ? (r.presenceVerified ? tx('media.presence.verified', { room: r.roomName ?? '' }) : tx('media.presence.unverified', { place: r.place ?? '—' })) : '';
    return el(
      'li',
      { cls: `step step-${step.action}`, attrs: { 'data-testid': 'custody-step', 'data-action': step.action } },
      el('div', { cls: 'step-main' }, el('time', { cls: 'step-time', text: formatTime(step.at), attrs: { datetime: step.at } }), el('strong', { cls: 'step-action', text: action }), ...(who ? [el('span', { cls: 'step-who', text: who })] : [])),
      ...(r ? [el('p', { cls: `step-presence${r.presenceVerified ? '' : ' warn'}`, text: presence })] : []),
      ...(step.signatures.length
        ? [
            el(
              'ul',
              { cls: 'step-signatures' },
              ...step.signatures.map((g) =>
                el(
                  'li',
                  { attrs: { 'data-testid': 'step-signature' } },
                  signedLine(g),
                  ' ',
                  el('span', { cls: 'step-signed-at', text: formatTime(g.signedAt) }),
                  ...(g.hasDrawnImage ? [' ', el('span', { cls: 'pill pill-drawn', text: tx('media.chain.drawn') })] : []),
                ),
              ),
            ),
          ]
        : []),
      ...(r ? [el('p', { cls: 'step-receipt' }, el('button', { cls: 'button button-small', text: tx('media.receipt'), attrs: { type: 'button', 'data-receipt': r.receiptUrl, 'data-testid': 'step-receipt', 'aria-label': tx('media.receipt.label', { id: shortId(r.id) }) } }))] : []),
    );
  }

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

  // ------------------------------------------------------------------ the list of media

  async function loadList(more) {
    if (!s) return;
    const my = s;
    const st = my.list.status;
    const q = new URLSearchParams({ limit: String(LIST_PAGE) });
    if (st) q.set('status', st);
    if (more && my.list.nextCursor) q.set('cursor', my.list.nextCursor);
    const res = await host.api('GET', `/api/media?${q}`);
    if (s !== my || my.list.status !== st || res.status !== 200) return;
    const items = res.data?.items ?? [];
    my.list.items = more ? [...(my.list.items ?? []), ...items] : items;
    my.list.nextCursor = res.data?.nextCursor ?? null;
    if (!st) my.list.any = my.list.items.length > 0;
    else if (my.list.any === null && items.length) my.list.any = true;
    renderList();
  }

  function renderList() {
    const box = document.getElementById('media-list');
    if (!s || !box) return;
    const l = s.list;
    let filter = /** @type {HTMLSelectElement | null} */ (box.querySelector('#media-list-status'));
    if (!filter) {
      filter = /** @type {HTMLSelectElement} */ (el('select', { attrs: { id: 'media-list-status', 'data-testid': 'media-list-status' } }));
      filter.addEventListener('change', () => {
        if (!s) return;
        s.list.status = filter.value;
        s.list.items = null;
        s.list.nextCursor = null;
        renderList();
        void loadList(false);
      });
      box.replaceChildren(
        el('div', { cls: 'list-head' }, el('div', { cls: 'inline-field' }, el('label', { attrs: { for: 'media-list-status', 'data-m': 'media.list.status' } }), filter)),
        el('div', { attrs: { id: 'media-list-body' } }),
      );
    }
    filter.replaceChildren(el('option', { text: tx('media.list.all'), attrs: { value: '' } }), ...STATUSES.map((st) => el('option', { text: statusWord(st), attrs: { value: st } })));
    filter.value = l.status;
    const body = $('media-list-body');
    const empty = () =>
      l.status && l.any !== false
        ? el('p', { cls: 'empty-inline', text: tx('media.list.none', { status: statusWord(l.status) }), attrs: { 'data-testid': 'media-list-empty' } })
        : el(
            'div',
            { cls: 'empty', attrs: { 'data-testid': 'media-list-empty' } },
            el('p', { text: tx('media.list.empty') }),
            el('p', { cls: 'empty-later', text: tx(can(REGISTRARS) ? 'media.list.empty.register' : 'media.list.empty.other') }),
            ...(can(REGISTRARS) ? [el('button', { cls: 'button button-primary', text: tx('media.view.register'), attrs: { type: 'button', 'data-goto': 'register' } })] : []),
          );
    if (!listReady(body, l.items, tx, empty)) return;
    const rows = l.items.map((m) =>
      el(
        'tr',
        { attrs: { 'data-testid': 'media-row', 'data-medium-id': m.id } },
        el('td', {}, el('button', { cls: 'link-button', text: m.label, attrs: { type: 'button', 'data-open-list': m.id, 'aria-label': tx('media.list.open', { label: m.label }) } })),
        el('td', { text: kindWord(m.kind) }),
        el('td', { text: m.depositorName }),
        el('td', {}, el('span', { cls: `status status-${m.status}`, text: statusWord(m.status) })),
        el('td', { text: m.status === 'checked_out' && m.holder ? m.holder.name : m.status === 'stored' ? `${m.roomName} / ${m.locationName ?? ''}` : '' }),
        el('td', { cls: 'log-time', text: formatTime(m.statusChangedAt) }),
      ),
    );
    body.replaceChildren(...table('media-table', ['label', 'kind', 'depositor', 'status', 'where', 'since'].map((k) => tx(`media.list.${k}`)), rows, l.nextCursor ? tx('media.list.more') : ''));
  }

  // ------------------------------------------------------------------ monthly inspection

  function renderInspect() {
    const box = document.getElementById('media-inspect');
    if (!s || !box) return;
    const ins = s.inspect;
    let sel = /** @type {HTMLSelectElement | null} */ (box.querySelector('#inspect-location'));
    if (!sel) {
      sel = /** @type {HTMLSelectElement} */ (el('select', { attrs: { id: 'inspect-location', 'data-testid': 'inspect-location' } }));
      sel.addEventListener('change', () => void chooseInspection(sel.value));
      box.replaceChildren(
        el('p', { cls: 'admin-intro', attrs: { 'data-m': 'media.inspect.intro' } }),
        el('div', { cls: 'inline-field inspect-pick' }, el('label', { attrs: { for: 'inspect-location', 'data-m': 'media.inspect.location' } }), sel),
        el('div', { attrs: { id: 'inspect-body' } }),
      );
      translate(box);
    }
    sel.replaceChildren(
      el('option', { text: tx(s.locations.length ? 'media.choose' : 'media.inspect.nolocations'), attrs: { value: '' } }),
      ...s.locations.map((l) => el('option', { text: tx(s.due.has(l.id) ? 'media.inspect.location.due' : 'media.inspect.location.option', { name: l.name, room: l.roomName }), attrs: { value: l.id } })),
    );
    sel.value = ins.locationId;
    renderInspectSheet();
  }

  async function chooseInspection(locationId) {
    if (!s) return;
    const my = s;
    s.inspect = { locationId, sheet: null, found: new Set(), unexpected: [], note: null, result: null, form: null };
    renderInspectSheet();
    if (!locationId) return;
    const res = await host.api('GET', `/api/inspections/sheet?${new URLSearchParams({ locationId })}`);
    if (s !== my || s.inspect.locationId !== locationId) return;
    if (res.status === 200) s.inspect.sheet = res.data;
    await loadOccupancy(res.data?.location?.roomId);
    if (s !== my) return;
    renderInspectSheet();
    document.getElementById('inspect-scan')?.focus();
  }

  function renderInspectSheet() {
    const box = document.getElementById('inspect-body');
    if (!s || !box) return;
    const ins = s.inspect;
    if (!ins.locationId) {
      ins.form = null;
      box.replaceChildren(el('p', { cls: 'empty-inline', text: tx('media.inspect.pick') }));
      return;
    }
    if (!ins.sheet) {
      box.replaceChildren(el('p', { cls: 'empty-inline', text: tx('media.chain.loading') }));
      return;
    }
    const sheet = ins.sheet;
    if (!ins.form) ins.form = buildInspectForm();
    const f = ins.form;
    // Header, progress, the expected media with their ticks, the unexpected ones.
    f.title.textContent = tx('media.inspect.sheet', { name: `${sheet.location.name}（${sheet.location.roomName}）`, month: sheet.month });
    const seen = sheet.expected.filter((m) => ins.found.has(m.id)).length;
    f.progress.textContent = tx('media.inspect.progress', { found: seen, expected: sheet.expected.length });
    f.list.replaceChildren(
      ...(sheet.expected.length
        ? sheet.expected.map((m) =>
            el(
              'li',
              { cls: ins.found.has(m.id) ? 'seen' : '', attrs: { 'data-testid': 'inspect-item', 'data-medium-id': m.id } },
              el(
                'label',
                { cls: 'check' },
                el('input', { attrs: { type: 'checkbox', 'data-tick': m.id, checked: ins.found.has(m.id), 'data-testid': 'inspect-tick' } }),
                el('span', { cls: 'inspect-label', text: m.label }),
                el('span', { cls: 'muted', text: `${kindWord(m.kind)}・${m.depositorName}` }),
              ),
            ),
          )
        : [el('li', { cls: 'empty-inline', text: tx('media.inspect.empty') })]),
    );
    f.unexpectedBox.hidden = ins.unexpected.length === 0;
    f.unexpectedList.replaceChildren(...ins.unexpected.map((m) => el('li', { attrs: { 'data-testid': 'inspect-unexpected' } }, `${m.label}（${whereNow(m)}）`)));
    f.note.textContent = ins.note ? tx(ins.note.key, ins.note.params) : '';
    f.note.dataset.state = ins.note?.state ?? '';
    renderSigners(f.signerForm);
    if (f.signerForm.summary) paintErrors(f.signerForm);
    // Recorded: the sheet is closed (choose the location again for another inspection).
    const closed = Boolean(ins.result);
    f.signerForm.node.hidden = !can(WRITERS) || closed;
    f.scanCard.hidden = closed;
    for (const box of f.list.querySelectorAll('input')) /** @type {HTMLInputElement} */ (box).disabled = closed;
    // The result of the last submission.
    const r = ins.result;
    f.result.hidden = !r;
    if (r) {
      const label = (id) => sheet.expected.find((m) => m.id === id)?.label ?? ins.unexpected.find((m) => m.id === id)?.label ?? shortId(id);
      f.result.className = `action-result ${r.missing.length || r.unexpected.length ? 'alert' : 'notice'}`;
      f.result.replaceChildren(
        el(
          'div',
          { cls: 'result-text' },
          el('p', { cls: 'result-title', text: tx('media.done.inspection'), attrs: { 'data-testid': 'inspect-result-title' } }),
          el('p', { text: tx('media.inspect.result', { expected: r.expected.length, found: r.expected.length - r.missing.length, missing: r.missing.length, unexpected: r.unexpected.length }), attrs: { 'data-testid': 'inspect-result-counts' } }),
          ...(r.missing.length ? [el('p', { cls: 'result-subtitle', text: tx('media.inspect.missing') }), el('ul', { attrs: { 'data-testid': 'inspect-missing' } }, ...r.missing.map((id) => el('li', { text: label(id) })))] : []),
          ...(r.unexpected.length ? [el('p', { cls: 'result-subtitle', text: tx('media.inspect.unexpected.found') }), el('ul', { attrs: { 'data-testid': 'inspect-unexpected-result' } }, ...r.unexpected.map((id) => el('li', { text: label(id) })))] : []),
          ...(!r.missing.length && !r.unexpected.length ? [el('p', { text: tx('media.inspect.ok') })] : []),
          el('p', { cls: 'result-meta', text: tx('media.done.record', { id: shortId(r.record.id), time: formatTime(r.record.at) }) }),
        ),
        el('button', { cls: 'button button-primary', text: tx('media.receipt'), attrs: { type: 'button', 'data-receipt': r.record.receiptUrl, 'data-testid': 'inspect-receipt' } }),
      );
    }
    if (!box.contains(f.node)) box.replaceChildren(f.node);
    translate(f.node);
  }

  function buildInspectForm() {
    const input = scanField({ id: 'inspect-scan', labelKey: 'media.inspect.scan', onScan: (v) => void inspectScan(v), refocus });
    const node = /** @type {HTMLFormElement} */ (el('form', { cls: 'form inspect-form', attrs: { novalidate: true, 'data-testid': 'inspect-form' } }));
    const signerForm = newForm('inspection', node, { alertId: 'inspect-error', submitKey: 'media.inspect.submit', submitId: 'inspect-submit', signerField: /^inspector/, roomId: () => s?.inspect.sheet?.location.roomId ?? '' });
    const row = signerRow(signerForm, 'inspector');
    signerForm.signers.push(row);
    const { summary, submit } = signerForm;
    const f = {
      node: el('div', { cls: 'inspect' }),
      title: el('h3', { attrs: { 'data-testid': 'inspect-title' } }),
      progress: el('p', { cls: 'inspect-progress', attrs: { 'data-testid': 'inspect-progress' } }),
      list: el('ul', { cls: 'inspect-list', attrs: { 'data-testid': 'inspect-list' } }),
      unexpectedList: el('ul', { cls: 'inspect-list' }),
      unexpectedBox: null,
      note: el('p', { cls: 'media-scan-note', attrs: { role: 'status', 'data-testid': 'inspect-note' } }),
      result: el('section', { cls: 'action-result notice', attrs: { 'data-testid': 'inspect-result', hidden: true } }),
      signerForm,
      scanCard: null,
    };
    f.scanCard = el('section', { cls: 'scan-card inspect-scan' }, input.node, f.note);
    f.unexpectedBox = el('div', { cls: 'inspect-unexpected' }, el('h4', { attrs: { 'data-m': 'media.inspect.unexpected' } }), f.unexpectedList);
    node.append(summary, row.node, el('div', { cls: 'form-actions' }, submit));
    node.addEventListener('submit', (e) => {
      e.preventDefault();
      void submitInspection(signerForm);
    });
    f.list.addEventListener('change', (e) => {
      const box = /** @type {HTMLInputElement} */ (e.target);
      const id = box.dataset.tick;
      if (!id || !s) return;
      if (box.checked) s.inspect.found.add(id);
      else s.inspect.found.delete(id);
      s.inspect.result = null;
      renderInspectSheet();
    });
    f.node.append(
      el('header', { cls: 'inspect-head' }, f.title, f.progress),
      f.scanCard,
      f.list,
      f.unexpectedBox,
      f.result,
      node,
    );
    return f;
  }

  async function inspectScan(raw) {
    if (!s) return;
    const text = raw.trim();
    const ins = s.inspect;
    if (!text || !ins.sheet) return;
    const my = s;
    const code = MEDIUM_CODE.exec(text);
    let m = code ? ins.sheet.expected.find((x) => x.id === code[1].toLowerCase()) : ins.sheet.expected.find((x) => x.label === text);
    let unexpected = false;
    if (!m) {
      const found = await findMedium(text);
      if (s !== my || s.inspect !== ins) return;
      if (!found.medium) {
        ins.note = { state: 'error', key: found.key, params: found.params };
        renderInspectSheet();
        return;
      }
      m = found.medium;
      unexpected = !ins.sheet.expected.some((x) => x.id === m.id);
      if (unexpected && !ins.unexpected.some((x) => x.id === m.id)) ins.unexpected.push(m);
    }
    ins.found.add(m.id);
    ins.result = null;
    ins.note = unexpected ? { state: 'error', key: 'media.inspect.unexpected.added', params: { label: m.label } } : { state: 'ok', key: 'media.inspect.seen', params: { label: m.label } };
    renderInspectSheet();
    refocus();
  }

  async function submitInspection(form) {
    if (!s || form.busy || !readyToSend(form)) return;
    const ins = s.inspect;
    form.sentRoomId = ins.sheet.location.roomId;
    const foundMediaIds = [...ins.found];
    form.mediaSent = foundMediaIds.map((id) => ins.sheet.expected.find((m) => m.id === id) ?? ins.unexpected.find((m) => m.id === id) ?? { id, label: shortId(id) });
    form.busy = true;
    form.submit.disabled = true;
    const res = await host.api('POST', '/api/inspections', { body: { locationId: ins.locationId, foundMediaIds, inspector: signerBody(form.signers[0]) } });
    if (!s || s.inspect !== ins) return;
    form.busy = false;
    form.submit.disabled = false;
    if (res.status === 201 && res.data) {
      ins.result = res.data;
      const row = form.signers[0];
      row.badge.value = '';
      row.pin.value = '';
      row.pad.clear();
      s.due.delete(ins.locationId);
      renderInspect();
      /** @type {HTMLElement | null} */ (document.querySelector('[data-testid="inspect-receipt"]'))?.focus();
      return;
    }
    if (res.status === 401) return;
    /** @type {HTMLElement | null} */ (showErrors(form, explain(res)) ?? form.summary)?.focus();
  }

  // ------------------------------------------------------------------ registration (locations, media)

  function renderRegister() {
    const box = document.getElementById('media-register');
    if (!s || !box) return;
    if (!box.firstChild) {
      box.append(
        regForm('location', [
          ['name', 'media.reg.loc.name', () => el('input', { attrs: { type: 'text', maxlength: 120, autocomplete: 'off' } })],
          ['kind', 'media.reg.loc.kind', () => select(LOCATION_KINDS.map((k) => el('option', { attrs: { value: k, 'data-m': `media.lockind.${k}` } })))],
          ['roomId', 'media.reg.loc.room', () => select()],
        ]),
        regForm('medium', [
          ['label', 'media.reg.m.label', () => el('input', { attrs: { type: 'text', maxlength: 80, autocomplete: 'off', 'data-m-ph': 'media.reg.m.label.hint' } })],
          ['kind', 'media.reg.m.kind', () => select(KINDS.map((k) => el('option', { attrs: { value: k, 'data-m': `media.kind.${k}` } })))],
          ['depositorOrgId', 'media.reg.m.depositor', () => select()],
          ['locationId', 'media.reg.m.location', () => select()],
          ['description', 'media.reg.m.description', () => el('input', { attrs: { type: 'text', maxlength: 500, autocomplete: 'off' } })],
        ]),
      );
    }
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
        const name = /** @type {HTMLElement} */ (wrap).dataset.f;
        const err = /** @type {HTMLElement} */ (wrap.querySelector('.field-error'));
        err.textContent = errors[name] ?? '';
        err.hidden = !errors[name];
        wrap.classList.toggle('field-invalid', Boolean(errors[name]));
      }
    }
    const hint = box.querySelector('[data-reg="medium"] .reg-hint');
    if (hint) {
      hint.textContent = !s.rooms.length ? tx('media.reg.norooms') : !depositors.length ? tx('media.reg.nodepositor') : '';
      /** @type {HTMLElement} */ (hint).hidden = !hint.textContent;
    }
  }

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
      void submitRegister(name, /** @type {HTMLFormElement} */ (node));
    });
    return node;
  }

  async function submitRegister(name, node) {
    if (!s) return;
    const my = s;
    const v = Object.fromEntries([...node.querySelectorAll('[name]')].map((c) => [c.getAttribute('name'), /** @type {HTMLInputElement} */ (c).value.trim()]));
    const body = Object.fromEntries(Object.entries(v).filter(([, x]) => x !== ''));
    s.reg.errors[name] = {};
    s.reg.status[name] = null;
    const res = await host.api('POST', name === 'location' ? '/api/locations' : '/api/media', { body });
    if (s !== my) return;
    if (res.status === 201) {
      if (name === 'location') {
        s.reg.status.location = { ok: true, key: 'media.reg.loc.done', params: { name: res.data.name } };
        await loadLocations();
      } else {
        s.reg.status.medium = { ok: true, key: 'media.reg.m.done', params: { label: res.data.label }, print: `/api/media/${encodeURIComponent(res.data.id)}/label` };
        s.list.items = null;
        s.list.any = true;
      }
      /** @type {HTMLFormElement} */ (node).reset();
      render();
      /** @type {HTMLElement | null} */ (node.querySelector('input, select'))?.focus();
      return;
    }
    if (res.status === 401) return;
    const details = Array.isArray(res.data?.error?.details) ? res.data.error.details : [];
    for (const d of details) {
      const f = String(d.field ?? '').replace(/^body\./, '').split('.')[0];
      const code = String(d.code ?? '');
      s.reg.errors[name][f] = has('en', `media.err.${code}`) ? tx(`media.err.${code}`) : v[f] === '' || v[f] === undefined ? tx(node.querySelector(`[name="${f}"]`) instanceof HTMLSelectElement ? 'media.err.choose' : 'media.err.required') : String(d.message ?? code);
    }
    const why = explain(res);
    s.reg.status[name] = Object.keys(s.reg.errors[name]).length ? { ok: false, key: 'media.reg.invalid', params: {} } : { ok: false, key: why.head[0], params: why.head[1] };
    render();
    /** @type {HTMLElement | null} */ (node.querySelector('.field-invalid input, .field-invalid select'))?.focus();
  }

  // ------------------------------------------------------------------ views and rendering

  function selectView(view, focusTab = false) {
    if (!s || !VIEWS.includes(view) || !allowed(view)) return;
    s.view = view;
    render();
    if (focusTab) document.getElementById(`media-tab-${view}`)?.focus();
    if (view === 'list') void loadList(false);
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
      renderResult();
      renderDetail();
      if (s.form) {
        renderFormMedia();
        renderSigners(s.form);
        s.form.fillParties?.();
        paintErrors(s.form);
      }
    } else if (s.view === 'inspect') renderInspect();
    else if (s.view === 'list') renderList();
    else if (s.view === 'receive') intake.renderReceive($('media-receive'));
    else if (s.view === 'approvals') intake.renderApprovals($('media-approvals'));
    else renderRegister();
    frame.translate(tx);
  }

  // ------------------------------------------------------------------ wiring

  onHit(root, (hit, target) => {
    if (!s) return;
    let b;
    if ((b = hit('data-action'))) openForm(b.dataset.action ?? '');
    else if ((b = hit('data-remove'))) {
      removeFromBasket(b.dataset.remove ?? '');
      refocus();
    } else if ((b = hit('data-open'))) {
      void openMedium(b.dataset.open ?? '');
      refocus();
    } else if (hit('data-clear')) {
      s.basket = [];
      closeForm(false);
      renderBasket();
      refocus();
    } else if ((b = hit('data-receipt'))) void print(b.dataset.receipt ?? '');
    else if ((b = hit('data-print'))) void print(b.dataset.print ?? '');
    else if ((b = hit('data-add'))) {
      const m = s.current?.medium;
      if (m && m.label && !s.basket.some((x) => x.id === m.id)) s.basket.push(m);
      renderBasket();
      renderDetail();
      if (s.form) renderFormMedia();
    } else if (hit('data-close-detail')) {
      s.current = null;
      renderDetail();
      refocus();
    } else if ((b = hit('data-alert-open')) || (b = hit('data-open-list'))) {
      const id = b.dataset.alertOpen ?? b.dataset.openList ?? '';
      s.view = 'desk';
      render();
      void openMedium(id).then(() => document.getElementById('media-detail')?.scrollIntoView({ block: 'nearest' }));
    } else if (hit('data-arrival') && s.current?.medium.label) openForm('receipt', s.current.medium);
    else if ((b = hit('data-goto'))) selectView(b.dataset.goto ?? 'desk');
    else if (hit('data-more')) void loadList(true);
    // A click on plain text returns to the scan input (not inside a form being filled in).
    if (!target.closest('select, textarea, input, a[href], button, summary, canvas, form')) refocus();
  });

  return { start, stop, render, shown };
}

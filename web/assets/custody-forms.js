// @ts-check
// The forms of an action on the basket (media.js's desk): check out, check in, hand over and
// transfer, and the arrival of a medium in transit at its destination (receipt); each signed on
// the spot (signing.js). Recorded, the result shows its receipt.
// Scan first (issue 14, item 3): every person field takes a badge scanned into it, and offers only
// the people who may act — inside the media's room (the server checks presence there), the holder
// for a check-in, a responsible person as the first witness (E1.3) and as the escort to the post
// office (E1.8).
import { $, el } from './dom.js';
import { resultBox } from './screen.js';

const METHODS = ['hand_carry', 'carrier', 'post'];
const OUTCOMES = ['returned_to_depositor', 'stored', 'held'];

/** @typedef {import('./api-types.js').Medium} Medium */
/**
 * The form of an action on the basket, or of a medium's arrival: a signing form with the media it
 * acts on (list()) and the line naming them (media).
 * @typedef {import('./signing.js').Form & { media: HTMLElement, list: () => Medium[] }} ActionForm
 */
/**
 * An action recorded: its words (message key and params), its signed record, where it happened and
 * the labels of its media.
 * @typedef {{ kind: string, text: [string, Record<string, unknown>], record: import('./api-types.js').SignedRecordSummary, place: string | null,
 *   roomId: string | null, labels: string[] }} ActionResult
 */
/**
 * What the forms send, as far as the result's words read it.
 * @typedef {{ personId?: string, locationId?: string, outcome?: string, receivedByName?: string, fromPersonId?: string, toPersonId?: string,
 *   witnesses?: unknown[], destination?: string, roomId?: string, place?: string } & Record<string, unknown>} ActionBody
 */

/**
 * ctx: the media screens' context; desk: { renderBasket(), renderScanNote(), openMedium(id), loadAlerts() }.
 * @param {import('./media.js').MediaContext} ctx
 * @param {{ renderBasket: () => void, renderScanNote: () => void, openMedium: (id: string) => Promise<void>, loadAlerts: () => Promise<void> }} desk
 */
export function createCustodyForms(ctx, desk) {
  const { tx, sg } = ctx;
  const { button, field, select, personField, valueOf, refreshPickers, signerRow, renderSigners, addWitness, witnessesBox, whereControl, whereBody, signerBody, send, newForm, recordLines, personName } = sg;
  const location = (id) => ctx.state()?.locations.find((l) => l.id === id) ?? null;

  /**
   * Why an action cannot be done on the basket now, or null.
   * @param {string} action checkout, checkin, handover or transfer
   */
  function whyNot(action) {
    const b = ctx.state()?.basket ?? [];
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

  /** The room of the basket's media (one room for a checkout or check-in). */
  const basketRoom = () => ctx.state()?.basket[0]?.roomId ?? '';

  /**
   * Opens the form of an action on the basket (checkout, checkin, handover, transfer), or the
   * arrival of one medium in transit at its destination (receipt).
   * @param {string} kind
   * @param {Medium | null} [medium] the medium that arrived
   */
  function open(kind, medium = null) {
    const s = ctx.state();
    if (!s) return;
    if (kind === 'receipt' ? !(medium?.status === 'in_transit' && medium.transferId) : whyNot(kind)) return;
    const arrived = kind === 'receipt' ? medium : null;
    const target = arrived ? [arrived] : null;
    close(false);
    s.result = null;
    renderResult();
    const box = $('media-action');
    const node = el('form', { cls: 'form action-form', attrs: { novalidate: true, 'data-testid': `form-${kind}`, 'aria-labelledby': 'media-action-title' } });
    const form = newForm(kind, node, {
      submitKey: `media.submit.${kind}`,
      media: el('p', { cls: 'action-media', attrs: { 'data-testid': 'action-media' } }),
      /** The media the form acts on: the basket, or the one medium that arrived. */
      list: () => target ?? ctx.state()?.basket ?? [],
      roomId: () => (arrived ? arrived.roomId : basketRoom()),
    });
    s.form = form;
    const { summary, submit } = form;
    const cancel = button('media.form.cancel', { 'data-testid': 'form-cancel' }, 'button button-secondary');
    cancel.addEventListener('click', () => close());
    const parts = [];
    const holder = s.basket[0]?.holder ?? null;

    if (kind === 'checkout' || kind === 'checkin') form.signerField = /^(|badge|pin|personId|drawnSignature)$/;
    if (kind === 'checkout') {
      const row = signerRow(form, 'holder');
      form.signers.push(row);
      parts.push(row.node);
    } else if (arrived) {
      const m = arrived;
      const outcome = el('div', { cls: 'checks-inline radios', attrs: { role: 'radiogroup', 'aria-labelledby': 'mf-outcome-label' } },
        ...OUTCOMES.map((o, i) => el('label', { cls: 'check' }, el('input', { attrs: { type: 'radio', name: 'outcome', value: o, checked: i === 0, 'data-testid': `f-outcome-${o}` } }), el('span', { attrs: { 'data-m': `media.outcome.${o}` } }))),
      );
      const locs = s.locations.filter((l) => l.roomId === m.roomId);
      const loc = select();
      form.fillParties = () => {
        const cur = loc.value;
        loc.replaceChildren(...locs.map((l) => el('option', { text: tx('media.loc.option', { name: l.name, kind: tx(`media.lockind.${l.kind}`) }), attrs: { value: l.id } })));
        loc.value = cur || m.homeLocationId;
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
        // Held at the destination: by someone there, anyone (no presence is checked).
        personField(form, 'holder', 'media.f.holder', { cls: 'when-held' }),
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
      const sel = select();
      form.fillParties = () => {
        const cur = sel.value;
        sel.replaceChildren(...locs.map((l) => el('option', { text: tx('media.loc.option', { name: l.name, kind: tx(`media.lockind.${l.kind}`) }), attrs: { value: l.id } })));
        sel.value = cur || (ctx.state()?.basket[0]?.homeLocationId ?? locs[0]?.id ?? '');
      };
      form.fillParties();
      parts.push(field(form, 'location', 'media.f.location', sel));
      form.needs = () => ['location'];
      // The person returning is the holder (the badge says who: the request does not name them).
      const holderNow = holder ? [{ id: holder.id, name: holder.name }] : [];
      const row = signerRow(form, 'returner', { sendPerson: false, who: () => ({ only: holderNow }) });
      if (holder) row.picker?.set(holderNow[0]);
      form.signers.push(row);
      parts.push(row.node);
    } else {
      // Handover and transfer: parties, place, witnesses.
      const where = whereControl(form, { optional: kind === 'transfer', rooms: s.rooms, defaultRoom: basketRoom });
      if (kind === 'handover') {
        // The giver is the holder of the media (one holder: whyNot); the receiver anyone inside.
        const givers = holder ? [{ id: holder.id, name: holder.name }] : [];
        parts.push(
          el(
            'div',
            { cls: 'form-row' },
            personField(form, 'from', 'media.f.from', { whoKey: 'media.who.from', who: () => (givers.length ? { only: givers } : {}) }),
            personField(form, 'to', 'media.f.to', { whoKey: 'media.who.to' }),
          ),
        );
        form.needs = () => ['from', 'to'];
        if (holder) form.fields.from.picker?.set(givers[0]);
        parts.push(where);
      } else {
        const dest = el('input', { attrs: { type: 'text', maxlength: 300, autocomplete: 'off' } });
        const method = el('div', { cls: 'checks-inline radios', attrs: { role: 'radiogroup', 'aria-labelledby': 'mf-method-label' } },
          ...METHODS.map((m, i) => el('label', { cls: 'check' }, el('input', { attrs: { type: 'radio', name: 'method', value: m, checked: i === 0, 'data-testid': `f-method-${m}` } }), el('span', { attrs: { 'data-m': `media.method.${m}` } }))),
        );
        const carrier = select();
        const tracking = el('input', { attrs: { type: 'text', maxlength: 100, autocomplete: 'off' } });
        form.fillParties = () => {
          const carriers = ctx.state()?.orgs.filter((o) => o.kind === 'carrier') ?? [];
          const cur = carrier.value;
          carrier.replaceChildren(
            el('option', { text: tx('media.choose'), attrs: { value: '' } }),
            ...carriers.map((o) => el('option', { text: o.approvedAt ? o.name : tx('media.f.carrier.unapproved', { name: o.name }), attrs: { value: o.id } })),
          );
          carrier.value = cur;
        };
        form.fillParties();
        parts.push(
          field(form, 'destination', 'media.f.destination', dest, { hintKey: 'media.f.destination.hint' }),
          el('fieldset', { cls: 'field', attrs: { 'data-f': 'method' } }, el('legend', { attrs: { id: 'mf-method-label', 'data-m': 'media.f.method' } }), method),
          el('div', { cls: 'form-row' }, field(form, 'carrier', 'media.f.carrier', carrier, { cls: 'when-carrier' }), field(form, 'tracking', 'media.f.tracking', tracking, { cls: 'when-carrier' })),
          // By post, the responsible person goes along (E1.8).
          personField(form, 'escort', 'media.f.escort', { cls: 'when-escort', whoKey: 'media.who.escort', who: () => (methodValue(form) === 'post' ? { roles: ['responsible'] } : {}) }),
          where,
        );
        form.needs = () => ['destination', ...(methodValue(form) === 'carrier' ? ['carrier', 'tracking'] : ['escort'])];
        const applyMethod = () => {
          const m = methodValue(form);
          for (const n of node.querySelectorAll('.when-carrier')) /** @type {HTMLElement} */ (n).hidden = m !== 'carrier';
          for (const n of node.querySelectorAll('.when-escort')) /** @type {HTMLElement} */ (n).hidden = m === 'carrier';
        };
        method.addEventListener('change', () => {
          applyMethod();
          refreshPickers(form);
        });
        form.applyMethod = applyMethod;
      }
      // E1.3 / E1.8: at least one witness is the responsible person (the first offers only them).
      parts.push(...witnessesBox(form, ['responsible']));
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
        close();
      }
    });
    box.replaceChildren(node);
    box.hidden = false;
    renderMedia();
    renderSigners(form);
    ctx.translate(box);
    desk.renderBasket();
    // The first thing to fill in.
    const first =
      node.querySelector('[data-f="to"] input') ?? node.querySelector('[data-f="destination"] input') ?? node.querySelector('[data-f="received"] input') ?? form.signers[0]?.person ?? form.signers[0]?.badge;
    /** @type {HTMLElement | null} */ (first)?.focus();
    box.scrollIntoView({ block: 'nearest' });
  }

  /** @param {ActionForm} form */
  const outcomeValue = (form) => /** @type {HTMLInputElement | null} */ (form.node.querySelector('input[name="outcome"]:checked'))?.value ?? 'returned_to_depositor';
  /** @param {ActionForm} form */
  const methodValue = (form) => /** @type {HTMLInputElement | null} */ (form.node.querySelector('input[name="method"]:checked'))?.value ?? 'hand_carry';

  /** The line naming the media the open form acts on. */
  function renderMedia() {
    const form = ctx.state()?.form;
    if (!form) return;
    form.media.textContent = tx('media.form.media', { labels: form.list().map((m) => m.label).join('、') });
  }

  function close(refocusAfter = true) {
    const s = ctx.state();
    if (!s) return;
    s.form = null;
    const box = $('media-action');
    box.replaceChildren();
    box.hidden = true;
    desk.renderBasket();
    if (refocusAfter) ctx.refocus();
  }

  /** @param {ActionForm} form */
  async function submitForm(form) {
    const s = ctx.state();
    if (!s || form.busy || s.form !== form || !sg.readyToSend(form)) return;
    const mediaIds = form.list().map((m) => m.id);
    form.mediaSent = [...form.list()];
    form.sentRoomId = form.roomId();
    let path = '';
    /** @type {ActionBody} */
    let body = {};
    const v = (name) => valueOf(form, name);
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
      path = `/api/transfers/${encodeURIComponent(form.list()[0].transferId ?? '')}/receipt`;
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
    await send(form, path, body, { current: () => ctx.state()?.form === form, done: (data) => done(form, body, data) });
  }

  /**
   * Recorded: the result with its receipt, the basket emptied, the media reloaded.
   * @param {ActionForm} form
   * @param {ActionBody} body
   * @param {{ record: import('./api-types.js').SignedRecordSummary }} data the answer (a custody result, handover, transfer or receipt)
   */
  function done(form, body, data) {
    const s = ctx.state();
    if (!s) return;
    const record = data.record;
    const sent = form.mediaSent ?? [];
    const n = sent.length;
    /** @type {ActionResult['text']} */
    let text;
    if (form.kind === 'checkout') text = ['media.done.checkout', { n, name: personName(body.personId) }];
    else if (form.kind === 'checkin') text = ['media.done.checkin', { n, where: location(body.locationId)?.name ?? '' }];
    else if (form.kind === 'receipt') text = ['media.done.receipt', { n, name: body.receivedByName, outcome: tx(`media.outcome.${body.outcome}`) }];
    else if (form.kind === 'handover') text = ['media.done.handover', { n, from: personName(body.fromPersonId), to: personName(body.toPersonId), w: (body.witnesses ?? []).length }];
    else text = ['media.done.transfer', { n, where: body.destination }];
    s.result = { kind: form.kind, text, record, place: body.place ?? null, roomId: body.roomId ?? form.sentRoomId ?? null, labels: sent.map((m) => m.label) };
    const ids = sent.map((m) => m.id);
    if (form.kind === 'receipt') s.basket = s.basket.filter((m) => !ids.includes(m.id));
    else s.basket = [];
    s.scanNote = null;
    close(false);
    desk.renderScanNote();
    renderResult();
    const focusId = s.current && ids.includes(s.current.medium.id) ? s.current.medium.id : ids[0];
    if (focusId) void desk.openMedium(focusId);
    void desk.loadAlerts();
    $('media-result').scrollIntoView({ block: 'nearest' });
    ctx.refocus();
  }

  /** The last action recorded, with its receipt. */
  function renderResult() {
    const r = ctx.state()?.result;
    const box = resultBox('media-result', r);
    if (!box || !r) return;
    const print = el('button', {
      cls: 'button button-primary',
      text: tx('media.receipt'),
      attrs: { type: 'button', 'data-receipt': r.record.receiptUrl, 'data-testid': 'media-receipt', 'aria-label': tx('media.receipt.label', { id: ctx.shortId(r.record.id) }) },
    });
    box.replaceChildren(
      el(
        'div',
        { cls: 'result-text' },
        el('p', { cls: 'result-title', text: tx(r.text[0], r.text[1]), attrs: { 'data-testid': 'media-result-text' } }),
        el('p', { cls: 'result-meta', text: `${tx('media.done.record', { id: ctx.shortId(r.record.id), time: ctx.formatTime(r.record.at) })}・${r.labels.join('、')}` }),
        ...recordLines(r.record, r),
      ),
      print,
    );
  }

  return { whyNot, open, close, renderMedia, renderResult };
}

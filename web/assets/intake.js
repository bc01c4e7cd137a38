// @ts-check
// Two sub-views of the media screens (media.js), built with the shared signing pieces (signing.js):
// - 預託者から受領 / Receive from the depositor (E1.3): a handover from a person of the depositor
//   to one of ours, witnessed on the same screen, that registers the media received in the same
//   step (POST /api/handovers with newMedia). The media are typed in rows, keyboard first: Enter
//   goes to the next row, and after the last one adds a row.
// - 複製・送信の承認 / Copies and transmissions: the depositor's permission to copy a medium and
//   the copies registered under it, never more than approved (E1.7); the responsible person's
//   approval of an electronic transmission to an agreed destination, encrypted (E1.4–E1.5).
// Person fields are scanned or searched (person-picker.js, issue 14, item 3) and offer only who may
// act: the depositor's people inside the room as givers, ours as receivers, a responsible person
// as the first witness and as the approver of a transmission, the medium's depositor's people as
// approvers of copies.
import { el } from './dom.js';
import { KINDS, findMedium, getList } from './screen.js';

const DETAILS = ['manufacturer', 'model', 'serialNo'];
/** E1.2: what the depositor entrusts is top secret unless they say otherwise (the API's default too). */
const CLASSIFICATIONS = ['top_secret', 'secret', 'confidential'];

/**
 * A row of media typed in: its cells (fields of the form) and their controls by column.
 * @typedef {{ node: HTMLElement, title: HTMLElement, cells: Record<string, import('./signing.js').Field>,
 *   controls: Record<string, HTMLInputElement | HTMLSelectElement>, remove: HTMLButtonElement }} MediaRow
 */
/**
 * The rows of a form (mediaRows): their box; the fields needed; the values typed, row by row;
 * refresh() (the locations and row numbers again); follow(locationId) (the first row's location
 * follows the room chosen); touch(target) (a location chosen by hand no longer follows).
 * @typedef {{ node: HTMLElement, needs: () => string[], values: () => Record<string, string>[], refresh: () => void,
 *   follow: (locationId: string) => void, touch: (target: EventTarget | null) => void }} MediaRows
 */
/** @typedef {import('./signing.js').Form & { rows?: MediaRows }} IntakeForm */

/**
 * ctx: { host, tx, sg (createSigning of the media screens), data() → { orgs, rooms, locations },
 * translate(node), formatTime(iso), changed() (media were registered) }.
 * @param {{ host: import('./page-types.js').Host, tx: import('./screen.js').Tx, sg: ReturnType<typeof import('./signing.js').createSigning>,
 *   data: () => { orgs: import('./api-types.js').Organisation[], rooms: import('./api-types.js').Room[], locations: import('./api-types.js').Location[] },
 *   translate: (node: ParentNode) => void, formatTime: (iso: string) => string, changed: () => void }} ctx
 */
export function createIntake(ctx) {
  const { host, tx, sg } = ctx;
  const { field, select, personField, valueOf, signerBody, witnessesBox, addWitness, renderSigners, whereControl, whereBody, paintErrors, readyToSend, send, newForm, recordLines, button, statusWord } = sg;
  /** Per-session state; null while nobody is signed in. */
  let st = null;

  function reset() {
    st = { receive: null, received: null, copy: null, approval: null, copies: null, source: null, approvals: [], sourceNote: null, made: null, tx: null, txDone: null, txItems: null, depositorPeople: null };
  }

  const locationOption = (l) => el('option', { text: tx('media.inspect.location.option', { name: l.name, room: l.roomName }), attrs: { value: l.id } });
  const focusFirst = (selector) => /** @type {HTMLElement | null} */ (document.querySelector(selector))?.focus();
  const input = (attrs = {}) => el('input', { attrs: { type: 'text', maxlength: 200, autocomplete: 'off', ...attrs } });

  /**
   * A plain form object for the signing toolkit (fields, errors, submit button).
   * @param {string} kind
   * @param {string} submitKey
   * @param {string} testid
   * @returns {IntakeForm}
   */
  const formOf = (kind, submitKey, testid) =>
    newForm(kind, el('form', { cls: 'form action-form', attrs: { novalidate: true, 'data-testid': testid } }), { alertId: `${testid}-error`, submitKey, submitId: `${testid}-submit`, roomId: () => '' });

  const onSubmit = (form, send) =>
    form.node.addEventListener('submit', (e) => {
      e.preventDefault();
      if (!form.busy && readyToSend(form)) void send();
    });

  // ------------------------------------------------------------------ rows of media typed in

  /**
   * Rows of media typed in (label, kind, location, description; with `details` also the
   * classification, maker, model, serial number), as fields of the form named like the API's: `${prefix}.N.label` …, so that an
   * error names the row and marks the cell.
   */
  function mediaRows(form, { prefix, details = false, kind = '', location = () => '' }) {
    const cols = ['label', 'kind', 'locationId', ...(details ? ['classification'] : []), 'description', ...(details ? DETAILS : [])];
    const list = el('ol', { cls: 'media-rows', attrs: { 'data-testid': `${prefix}-rows` } });
    const rows = [];
    const make = (col) =>
      col === 'classification'
        ? select(CLASSIFICATIONS.map((c) => el('option', { attrs: { value: c, 'data-m': `classification.${c}` } })))
        : col === 'kind'
        ? select([el('option', { text: tx('media.choose'), attrs: { value: '' } }), ...KINDS.map((k) => el('option', { attrs: { value: k, 'data-m': `media.kind.${k}` } }))])
        : col === 'locationId'
          ? select()
          : input({ maxlength: col === 'label' ? 80 : col === 'description' ? 500 : 120, ...(col === 'label' ? { 'data-m-ph': 'media.reg.m.label.hint' } : {}) });

    function fillLocations(row) {
      const sel = /** @type {HTMLSelectElement} */ (row.controls.locationId);
      const cur = sel.value;
      sel.replaceChildren(el('option', { text: tx('media.choose'), attrs: { value: '' } }), ...ctx.data().locations.map(locationOption));
      sel.value = cur;
    }

    /** Registers the cells as the form's fields under their current row number. */
    function renumber() {
      for (const name of Object.keys(form.fields)) if (name.startsWith(`${prefix}.`)) delete form.fields[name];
      rows.forEach((row, i) => {
        row.title.textContent = tx('media.rows.row', { n: i + 1 });
        row.remove.setAttribute('aria-label', tx('media.rows.remove.label', { n: i + 1 }));
        row.remove.hidden = rows.length < 2;
        for (const col of cols) {
          const f = row.cells[col];
          form.fields[`${prefix}.${i}.${col}`] = { ...f, who: () => tx('media.rows.who', { n: i + 1, field: tx(f.labelKey) }) };
        }
      });
    }

    function addRow(focus = true) {
      const prev = rows[rows.length - 1];
      const title = el('h5', { cls: 'signer-title row-title' });
      const remove = button('media.rows.remove', { 'data-testid': 'row-remove' }, 'button button-small button-quiet-dark');
      /** @type {{ fields: Record<string, import('./signing.js').Field> }} */
      const scratch = { fields: {} };
      /** @type {MediaRow['controls']} */
      const controls = {};
      const wraps = cols.map((col) => {
        const control = make(col);
        const wrap = field(scratch, col, `media.rows.${col}`, control, { cls: `row-${col}` });
        control.setAttribute('data-testid', `row-${col}`);
        controls[col] = control;
        return wrap;
      });
      const node = el('li', { cls: 'media-row', attrs: { 'data-testid': `${prefix}-row` } }, el('div', { cls: 'signer-head' }, title, remove), el('div', { cls: `row-cells${details ? ' row-cells-details' : ''}` }, ...wraps));
      /** @type {MediaRow} */
      const row = { node, title, cells: scratch.fields, controls, remove };
      fillLocations(row);
      /** @type {HTMLSelectElement} */ (row.controls.kind).value = prev ? prev.controls.kind.value : kind;
      if (row.controls.classification) /** @type {HTMLSelectElement} */ (row.controls.classification).value = prev ? prev.controls.classification.value : CLASSIFICATIONS[0];
      /** @type {HTMLSelectElement} */ (row.controls.locationId).value = prev ? prev.controls.locationId.value : location();
      row.remove.addEventListener('click', () => {
        rows.splice(rows.indexOf(row), 1);
        row.node.remove();
        renumber();
        rows[rows.length - 1]?.controls.label.focus();
      });
      // Enter: on to the next row's label; after the last row, a new row (when this one has a label).
      row.node.addEventListener('keydown', (e) => {
        if (e.key !== 'Enter' || e.isComposing || !(e.target instanceof HTMLInputElement)) return;
        e.preventDefault();
        const next = rows[rows.indexOf(row) + 1];
        if (next) next.controls.label.focus();
        else if (row.controls.label.value.trim()) addRow();
        else row.controls.label.focus();
      });
      rows.push(row);
      list.append(row.node);
      renumber();
      ctx.translate(row.node);
      if (focus) row.controls.label.focus();
      return row;
    }

    // A label taken already is named by its text (the API answers field "label"): mark that row.
    form.locate = (f, d) => {
      const i = f === 'label' ? rows.findIndex((r) => r.controls.label.value.trim() === d?.message) : -1;
      return i >= 0 ? { who: tx('media.rows.who', { n: i + 1, field: tx('media.rows.label') }), name: '', fieldName: `${prefix}.${i}.label` } : null;
    };
    const add = button('media.rows.add', { 'data-testid': `${prefix}-add` });
    add.addEventListener('click', () => addRow());
    addRow(false);
    return {
      node: el('fieldset', { cls: 'field media-rows-box' }, el('legend', { attrs: { 'data-m': `media.rows.${prefix}` } }), el('p', { cls: 'field-hint', attrs: { 'data-m': 'media.rows.hint' } }), list, el('p', {}, add)),
      needs: () => rows.flatMap((_, i) => ['label', 'kind', 'locationId'].map((c) => `${prefix}.${i}.${c}`)),
      values: () => rows.map((r) => Object.fromEntries(cols.map((c) => [c, r.controls[c].value.trim()]).filter(([, v]) => v !== ''))),
      refresh: () => {
        for (const r of rows) fillLocations(r);
        renumber();
      },
      /** The first row's location follows the room chosen, until someone chooses one. */
      follow: (locationId) => {
        const sel = /** @type {HTMLSelectElement | undefined} */ (rows[0]?.controls.locationId);
        if (sel && rows.length === 1 && !sel.dataset.touched && locationId) sel.value = locationId;
      },
      touch: (target) => {
        if (target?.getAttribute?.('data-testid') === 'row-locationId') target.dataset.touched = '1';
      },
    };
  }

  // ------------------------------------------------------------------ receive from the depositor

  function buildReceive() {
    const d = ctx.data();
    const form = formOf('receive', 'media.recv.submit', 'form-receive');
    const firstLocation = () => d.locations.find((l) => l.roomId === form.roomId())?.id ?? '';
    const where = whereControl(form, { rooms: d.rooms, defaultRoom: () => d.rooms[0]?.id ?? '', onChange: () => rows.follow(firstLocation()) });
    const rows = mediaRows(form, { prefix: 'newMedia', details: true, location: firstLocation });
    form.rows = rows;
    form.needs = () => ['from', 'to', ...rows.needs()];
    form.fillParties = () => {};
    form.node.append(
      el('p', { cls: 'action-intro', attrs: { 'data-m': 'media.recv.intro' } }),
      el('p', { cls: 'notice reg-hint', attrs: { 'data-testid': 'recv-hint', hidden: true } }),
      form.summary,
      el(
        'div',
        { cls: 'form-row' },
        personField(form, 'from', 'media.recv.from', { whoKey: 'media.who.from', who: () => ({ orgKind: 'depositor' }) }),
        personField(form, 'to', 'media.recv.to', { whoKey: 'media.who.to', who: () => ({ orgKind: 'ours' }) }),
      ),
      where,
      rows.node,
      // E1.3: at least one witness is the responsible person.
      ...witnessesBox(form, ['responsible']),
      field(form, 'note', 'media.f.note', el('textarea', { attrs: { rows: 2, maxlength: 1000 } })),
      el('div', { cls: 'form-actions' }, form.submit),
    );
    form.node.addEventListener('change', (e) => rows.touch(e.target));
    form.fillParties();
    addWitness(form, false);
    onSubmit(form, async () => {
      const labels = rows.values();
      form.sentRoomId = form.roomId();
      const v = (name) => valueOf(form, name);
      const body = { fromPersonId: v('from'), toPersonId: v('to'), newMedia: labels, witnesses: form.signers.map(signerBody), ...whereBody(form), ...(v('note') ? { note: v('note') } : {}) };
      await send(form, '/api/handovers', body, {
        current: () => st?.receive === form,
        done: (data) => {
          st.received = { data, labels: labels.map((m) => m.label), roomId: body.roomId ?? null, place: body.place ?? null };
          st.receive = null;
          ctx.changed();
          render();
          document.querySelector('[data-testid="receive-result"]')?.scrollIntoView({ block: 'nearest' });
          focusFirst('[data-testid="receive-result"] button');
        },
      });
    });
    rows.follow(firstLocation());
    return form;
  }

  /**
   * Is any person of a depositor registered (who could hand media over)? Asked once per session,
   * one organisation at a time (GET /api/people?orgId=…&limit=1), never the whole list of people.
   */
  async function checkDepositors() {
    const my = st;
    if (!my || my.depositorPeople !== null) return;
    my.depositorPeople = true;
    const orgs = ctx.data().orgs.filter((o) => o.kind === 'depositor');
    const answers = await Promise.all(orgs.map((o) => host.api('GET', `/api/people?${new URLSearchParams({ orgId: o.id, active: 'true', limit: '1' })}`)));
    if (st !== my) return;
    my.depositorPeople = answers.some((a) => a.status !== 200 || a.data?.items?.length > 0);
    render();
  }

  function renderReceive(box) {
    if (!st) return;
    if (!box.firstChild) {
      box.append(
        el('section', { cls: 'notice action-result', attrs: { role: 'status', tabindex: '-1', 'data-testid': 'receive-result', hidden: true } }),
        el('section', { cls: 'action-card intake-card', attrs: { 'data-testid': 'receive-card' } }, el('header', { cls: 'action-head' }, el('h3', { attrs: { 'data-m': 'media.recv.title' } })), el('div', { cls: 'receive-body' })),
      );
    }
    const result = /** @type {HTMLElement} */ (box.querySelector('[data-testid="receive-result"]'));
    const r = st.received;
    result.hidden = !r;
    if (r) {
      const g = r.data;
      result.replaceChildren(
        el(
          'div',
          { cls: 'result-text' },
          el('p', { cls: 'result-title', text: tx('media.recv.done', { n: g.mediaIds.length, from: g.fromName, to: g.toName, w: g.record.signatures.length }), attrs: { 'data-testid': 'receive-result-text' } }),
          ...recordLines(g.record, r),
          el('p', { cls: 'result-subtitle', text: tx('media.recv.labels') }),
          el('p', { cls: 'medium-actions' }, ...g.mediaIds.map((id, i) => el('button', { cls: 'button button-small', text: r.labels[i] ?? id, attrs: { type: 'button', 'data-print': `/api/media/${encodeURIComponent(id)}/label`, 'data-testid': 'receive-label' } }))),
        ),
        el('div', { cls: 'result-actions' }, el('button', { cls: 'button button-primary', text: tx('media.receipt'), attrs: { type: 'button', 'data-receipt': g.record.receiptUrl, 'data-testid': 'receive-receipt' } })),
      );
    }
    st.receive ??= buildReceive();
    const form = st.receive;
    const body = /** @type {HTMLElement} */ (box.querySelector('.receive-body'));
    if (!body.contains(form.node)) body.replaceChildren(form.node);
    const hint = /** @type {HTMLElement} */ (form.node.querySelector('[data-testid="recv-hint"]'));
    void checkDepositors();
    hint.textContent = st.depositorPeople === false ? tx('media.recv.nodepositor') : '';
    hint.hidden = !hint.textContent;
    form.fillParties();
    form.rows.refresh();
    renderSigners(form);
    paintErrors(form);
    ctx.translate(box);
  }

  // ------------------------------------------------------------------ copies (E1.7)

  async function chooseSource(raw) {
    const text = raw.trim();
    if (!st || !text) return;
    const my = st;
    const found = await findMedium(host, text);
    if (st !== my) return;
    if (!found.medium) {
      st.sourceNote = { key: found.key, params: found.params };
      render();
      return;
    }
    st.source = found.medium;
    st.sourceNote = null;
    st.copy = null;
    st.approval = null;
    st.copies = null;
    st.made = null;
    await loadApprovals();
    if (st !== my) return;
    render();
    /** @type {HTMLElement | null} */ (document.querySelector('[data-testid="copy-approval-form"] [name="copies"]'))?.focus();
  }

  async function loadApprovals() {
    const my = st;
    const items = st?.source ? await getList(host, `/api/copy-approvals?${new URLSearchParams({ sourceMediumId: st.source.id })}`) : [];
    if (st === my && items) st.approvals = items;
  }

  function buildApprovalForm() {
    const form = formOf('copy', 'media.copy.approve', 'copy-approval-form');
    const copies = input({ type: 'number', min: 1, max: 100, value: 1, inputmode: 'numeric' });
    form.needs = () => ['copies', 'approvedBy', 'documentRef', 'purpose'];
    form.fieldOf = { approvedByPersonId: 'approvedBy' };
    form.fillParties = () => {};
    form.node.append(
      form.summary,
      el(
        'div',
        { cls: 'form-row' },
        field(form, 'copies', 'media.copy.f.copies', copies),
        // E1.7: the approver is a person of the medium's depositor.
        personField(form, 'approvedBy', 'media.copy.f.approvedBy', { who: () => ({ orgId: st?.source?.depositorOrgId ?? '', orgLabel: st?.source?.depositorName ?? '' }) }),
        field(form, 'documentRef', 'media.copy.f.documentRef', input({ 'data-m-ph': 'media.copy.f.documentRef.ph' })),
        field(form, 'purpose', 'media.copy.f.purpose', input({ maxlength: 500 })),
      ),
      el('div', { cls: 'form-actions' }, form.submit),
    );
    onSubmit(form, async () => {
      const v = (name) => valueOf(form, name);
      const source = st.source;
      const body = { sourceMediumId: source.id, copies: Number(v('copies')), approvedByPersonId: v('approvedBy'), documentRef: v('documentRef'), purpose: v('purpose') };
      await send(form, '/api/copy-approvals', body, {
        current: () => st?.copy === form,
        done: async (data) => {
          st.copy = null;
          st.approval = data.id;
          st.copies = null;
          await loadApprovals();
          render();
          focusFirst('[data-testid="copies-form"] [data-testid="row-label"]');
        },
      });
    });
    return form;
  }

  function buildCopiesForm() {
    const form = formOf('copies', 'media.copy.make', 'copies-form');
    const approval = select();
    const source = st.source;
    const rows = mediaRows(form, { prefix: 'copies', kind: source.kind, location: () => source.homeLocationId });
    form.rows = rows;
    form.needs = () => ['approval', ...rows.needs()];
    form.fieldOf = { approvalId: 'approval' };
    form.fillParties = () => {
      const open = st.approvals.filter((a) => a.used < a.copies);
      approval.replaceChildren(el('option', { text: tx('media.choose'), attrs: { value: '' } }), ...open.map((a) => el('option', { text: tx('media.copy.approval.option', { ref: a.documentRef, left: a.copies - a.used }), attrs: { value: a.id } })));
      /** @type {HTMLSelectElement} */ (approval).value = open.some((a) => a.id === st.approval) ? st.approval : (open[0]?.id ?? '');
    };
    approval.addEventListener('change', () => st && (st.approval = /** @type {HTMLSelectElement} */ (approval).value));
    form.node.append(form.summary, field(form, 'approval', 'media.copy.f.approval', approval), rows.node, el('div', { cls: 'form-actions' }, form.submit));
    form.node.addEventListener('change', (e) => rows.touch(e.target));
    onSubmit(form, async () => {
      const copies = rows.values();
      await send(form, `/api/media/${encodeURIComponent(source.id)}/copies`, { approvalId: /** @type {HTMLSelectElement} */ (approval).value, copies }, {
        current: () => st?.copies === form,
        done: async (data) => {
          st.made = data.items;
          st.copies = null;
          ctx.changed();
          await loadApprovals();
          render();
          focusFirst('[data-testid="copies-made"] button');
        },
      });
    });
    return form;
  }

  function buildCopySection() {
    const source = input({ id: 'copy-source', 'data-testid': 'copy-source', spellcheck: 'false', autocapitalize: 'off' });
    source.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter' || e.isComposing) return;
      e.preventDefault();
      const value = /** @type {HTMLInputElement} */ (source).value;
      /** @type {HTMLInputElement} */ (source).value = '';
      void chooseSource(value);
    });
    return el(
      'section',
      { cls: 'action-card intake-card', attrs: { 'data-testid': 'copy-card' } },
      el('header', { cls: 'action-head' }, el('h3', { attrs: { 'data-m': 'media.copy.title' } })),
      el('p', { cls: 'action-intro', attrs: { 'data-m': 'media.copy.intro' } }),
      el('div', { cls: 'field' }, el('label', { attrs: { for: 'copy-source', 'data-m': 'media.copy.source' } }), source),
      el('p', { cls: 'copy-source-note', attrs: { role: 'status', 'data-testid': 'copy-source-note' } }),
      el('div', { cls: 'copy-approvals', attrs: { 'data-testid': 'copy-approvals' } }),
      el('div', { cls: 'copy-approve' }),
      el('section', { cls: 'notice action-result', attrs: { 'data-testid': 'copies-made', hidden: true } }),
      el('div', { cls: 'copy-make' }),
    );
  }

  function renderCopy(card) {
    const m = st.source;
    const note = /** @type {HTMLElement} */ (card.querySelector('.copy-source-note'));
    note.className = `copy-source-note${st.sourceNote ? ' field-error' : ''}`;
    note.textContent = st.sourceNote ? tx(st.sourceNote.key, st.sourceNote.params) : m ? tx('media.copy.source.chosen', { label: m.label, depositor: m.depositorName, status: statusWord(m.status) }) : tx('media.copy.source.none');
    const list = /** @type {HTMLElement} */ (card.querySelector('.copy-approvals'));
    list.replaceChildren(
      ...(m
        ? [
            el('h4', { text: tx('media.copy.approvals') }),
            st.approvals.length
              ? el('ul', { cls: 'approval-list' }, ...st.approvals.map((a) => el('li', { attrs: { 'data-testid': 'copy-approval' }, text: tx('media.copy.approval.item', { ref: a.documentRef, by: a.approvedByName, copies: a.copies, used: a.used, purpose: a.purpose }) })))
              : el('p', { cls: 'empty-inline', text: tx('media.copy.approvals.none') }),
          ]
        : []),
    );
    const approve = /** @type {HTMLElement} */ (card.querySelector('.copy-approve'));
    if (m) st.copy ??= buildApprovalForm();
    if (st.copy && !approve.contains(st.copy.node)) approve.replaceChildren(st.copy.node);
    approve.hidden = !m;
    if (st.copy) {
      st.copy.fillParties();
      paintErrors(st.copy);
    }
    const made = /** @type {HTMLElement} */ (card.querySelector('[data-testid="copies-made"]'));
    made.hidden = !st.made;
    made.replaceChildren(
      ...(st.made
        ? [el('div', { cls: 'result-text' }, el('p', { cls: 'result-title', text: tx('media.copy.made', { n: st.made.length }), attrs: { 'data-testid': 'copies-made-text' } }), el('p', { cls: 'medium-actions' }, ...st.made.map((c) => el('button', { cls: 'button button-small', text: c.label, attrs: { type: 'button', 'data-print': `/api/media/${encodeURIComponent(c.id)}/label`, 'data-testid': 'copy-label' } }))))]
        : []),
    );
    const make = /** @type {HTMLElement} */ (card.querySelector('.copy-make'));
    const open = m && st.approvals.some((a) => a.used < a.copies);
    if (open) st.copies ??= buildCopiesForm();
    else st.copies = null;
    make.replaceChildren(...(st.copies ? [el('h4', { attrs: { 'data-m': 'media.copy.make.title' } }), st.copies.node] : []));
    if (st.copies) {
      st.copies.fillParties();
      st.copies.rows.refresh();
      paintErrors(st.copies);
    }
  }

  // ------------------------------------------------------------------ electronic transmission (E1.4–E1.5)

  function buildTransmission() {
    const form = formOf('transmission', 'media.tx.submit', 'tx-form');
    form.needs = () => ['destination', 'encryptionMethod', 'approver', 'purpose'];
    form.fieldOf = { approverPersonId: 'approver', mediumId: 'medium' };
    form.fillParties = () => {};
    form.node.append(
      form.summary,
      el(
        'div',
        { cls: 'form-row' },
        field(form, 'medium', 'media.tx.f.medium', input({ maxlength: 80 })),
        field(form, 'destination', 'media.tx.f.destination', input({ maxlength: 300, 'data-m-ph': 'media.tx.f.destination.ph' })),
        field(form, 'encryptionMethod', 'media.tx.f.encryption', input({ 'data-m-ph': 'media.tx.f.encryption.ph' })),
        // E1.4–E1.5: the responsible person approves.
        personField(form, 'approver', 'media.tx.f.approver', { who: () => ({ roles: ['responsible'] }) }),
      ),
      field(form, 'purpose', 'media.tx.f.purpose', input({ maxlength: 500 })),
      el('div', { cls: 'form-actions' }, form.submit),
    );
    onSubmit(form, async () => {
      const v = (name) => valueOf(form, name);
      let mediumId;
      if (v('medium')) {
        const found = await findMedium(host, v('medium'));
        if (!found.medium) {
          sg.showErrors(form, { head: ['media.fail.local', {}], items: [{ target: { fieldName: 'medium' }, key: found.key, params: found.params ?? {}, code: 'medium' }], fallback: '' });
          /** @type {HTMLElement} */ (form.fields.medium.control).focus();
          return;
        }
        mediumId = found.medium.id;
      }
      const body = { ...(mediumId ? { mediumId } : {}), destination: v('destination'), encryptionMethod: v('encryptionMethod'), approverPersonId: v('approver'), purpose: v('purpose') };
      await send(form, '/api/transmission-approvals', body, {
        current: () => st?.tx === form,
        done: async (data) => {
          st.txDone = data;
          st.tx = null;
          await loadTransmissions();
          render();
        },
      });
    });
    return form;
  }

  async function loadTransmissions() {
    const my = st;
    const items = await getList(host, '/api/transmission-approvals');
    if (st === my && items) st.txItems = items;
  }

  function renderTransmission(card) {
    st.tx ??= buildTransmission();
    const body = /** @type {HTMLElement} */ (card.querySelector('.tx-body'));
    if (!body.contains(st.tx.node)) body.replaceChildren(st.tx.node);
    st.tx.fillParties();
    paintErrors(st.tx);
    const done = /** @type {HTMLElement} */ (card.querySelector('[data-testid="tx-done"]'));
    done.hidden = !st.txDone;
    done.textContent = st.txDone ? tx('media.tx.done', { destination: st.txDone.destination, name: st.txDone.approverName }) : '';
    const list = /** @type {HTMLElement} */ (card.querySelector('.tx-list'));
    const items = st.txItems ?? [];
    list.replaceChildren(
      el('h4', { text: tx('media.tx.list') }),
      items.length
        ? el('ul', { cls: 'approval-list' }, ...items.slice(0, 10).map((a) => el('li', { attrs: { 'data-testid': 'tx-approval' }, text: tx('media.tx.item', { time: ctx.formatTime(a.approvedAt), destination: a.destination, encryption: a.encryptionMethod, name: a.approverName, purpose: a.purpose }) })))
        : el('p', { cls: 'empty-inline', text: tx('media.tx.list.none') }),
    );
  }

  function renderApprovals(box) {
    if (!st) return;
    if (!box.firstChild) {
      box.append(
        buildCopySection(),
        el(
          'section',
          { cls: 'action-card intake-card', attrs: { 'data-testid': 'tx-card' } },
          el('header', { cls: 'action-head' }, el('h3', { attrs: { 'data-m': 'media.tx.title' } })),
          el('p', { cls: 'action-intro', attrs: { 'data-m': 'media.tx.intro' } }),
          el('p', { cls: 'notice', attrs: { role: 'status', 'data-testid': 'tx-done', hidden: true } }),
          el('div', { cls: 'tx-body' }),
          el('div', { cls: 'tx-list' }),
        ),
      );
      void loadTransmissions().then(() => render());
    }
    renderCopy(/** @type {HTMLElement} */ (box.querySelector('[data-testid="copy-card"]')));
    renderTransmission(/** @type {HTMLElement} */ (box.querySelector('[data-testid="tx-card"]')));
    ctx.translate(box);
  }

  let renderView = () => {};
  /** Renders the view on screen (its box is created by media.js). */
  function render() {
    renderView();
  }

  return {
    reset,
    stop: () => (st = null),
    renderReceive: (box) => {
      renderView = () => renderReceive(box);
      renderReceive(box);
    },
    renderApprovals: (box) => {
      renderView = () => renderApprovals(box);
      renderApprovals(box);
    },
  };
}

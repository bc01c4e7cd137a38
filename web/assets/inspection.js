// @ts-check
// The monthly inspection (media.js's "inspect" view): choose a location, scan (or tick) the media
// found there, and the inspector signs; the answer lists what is missing and what was not expected.
// The inspector scans their badge into the name field (scan first, issue 14, item 3): only people
// inside the location's room are offered, where the server checks presence; badge and PIN are
// cleared after the answer.
import { el } from './dom.js';
import { MEDIUM_CODE, findMedium, scanField } from './screen.js';

/** @typedef {import('./api-types.js').Medium} Medium */
/**
 * An inspection under way: the location, its sheet (the media expected there), the media found,
 * those found that were not expected, the last scan's note, the result once recorded, and the
 * sheet on screen (inspectionSheet).
 * @typedef {{ locationId: string, sheet: import('./api-types.js').InspectionSheet | null, found: Set<string>, unexpected: Medium[],
 *   note: import('./screen.js').Note | null, result: import('./api-types.js').Inspection | null, form: InspectionSheetView | null }} Inspection
 */
/**
 * @typedef {{ node: HTMLElement, title: HTMLElement, progress: HTMLElement, list: HTMLElement, unexpectedList: HTMLElement, unexpectedBox: HTMLElement,
 *   note: HTMLElement, result: HTMLElement, signerForm: import('./signing.js').Form, scanCard: HTMLElement }} InspectionSheetView
 */

/**
 * No inspection under way yet, or a new one at a location.
 * @returns {Inspection}
 */
export const newInspection = (locationId = '') => ({ locationId, sheet: null, found: new Set(), unexpected: [], note: null, result: null, form: null });

/** @param {import('./media.js').MediaContext} ctx */
export function createInspection(ctx) {
  const { host, tx, sg } = ctx;

  function render() {
    const box = document.getElementById('media-inspect');
    const s = ctx.state();
    if (!s || !box) return;
    const ins = s.inspect;
    let sel = /** @type {HTMLSelectElement | null} */ (box.querySelector('#inspect-location'));
    if (!sel) {
      const select = el('select', { attrs: { id: 'inspect-location', 'data-testid': 'inspect-location' } });
      select.addEventListener('change', () => void choose(select.value));
      box.replaceChildren(
        el('p', { cls: 'admin-intro', attrs: { 'data-m': 'media.inspect.intro' } }),
        el('div', { cls: 'inline-field inspect-pick' }, el('label', { attrs: { for: 'inspect-location', 'data-m': 'media.inspect.location' } }), select),
        el('div', { attrs: { id: 'inspect-body' } }),
      );
      ctx.translate(box);
      sel = select;
    }
    sel.replaceChildren(
      el('option', { text: tx(s.locations.length ? 'media.choose' : 'media.inspect.nolocations'), attrs: { value: '' } }),
      ...s.locations.map((l) => el('option', { text: tx(s.due.has(l.id) ? 'media.inspect.location.due' : 'media.inspect.location.option', { name: l.name, room: l.roomName }), attrs: { value: l.id } })),
    );
    sel.value = ins.locationId;
    renderSheet();
  }

  /** @param {string} locationId */
  async function choose(locationId) {
    const my = ctx.state();
    if (!my) return;
    my.inspect = newInspection(locationId);
    renderSheet();
    if (!locationId) return;
    const res = await host.api('GET', `/api/inspections/sheet?${new URLSearchParams({ locationId })}`);
    if (ctx.state() !== my || my.inspect.locationId !== locationId) return;
    if (res.status === 200) my.inspect.sheet = res.data;
    renderSheet();
    document.getElementById('inspect-scan')?.focus();
  }

  function renderSheet() {
    const box = document.getElementById('inspect-body');
    const s = ctx.state();
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
    if (!ins.form) ins.form = buildSheet();
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
                el('span', { cls: 'muted', text: `${sg.kindWord(m.kind)}・${m.depositorName}` }),
              ),
            ),
          )
        : [el('li', { cls: 'empty-inline', text: tx('media.inspect.empty') })]),
    );
    f.unexpectedBox.hidden = ins.unexpected.length === 0;
    f.unexpectedList.replaceChildren(...ins.unexpected.map((m) => el('li', { attrs: { 'data-testid': 'inspect-unexpected' } }, `${m.label}（${ctx.whereNow(m)}）`)));
    f.note.textContent = ins.note ? tx(ins.note.key, ins.note.params) : '';
    f.note.dataset.state = ins.note?.state ?? '';
    sg.renderSigners(f.signerForm);
    if (f.signerForm.summary) sg.paintErrors(f.signerForm);
    // Recorded: the sheet is closed (choose the location again for another inspection).
    const closed = Boolean(ins.result);
    f.signerForm.node.hidden = !ctx.canWrite() || closed;
    f.scanCard.hidden = closed;
    for (const box of f.list.querySelectorAll('input')) box.disabled = closed;
    // The result of the last submission.
    const r = ins.result;
    f.result.hidden = !r;
    if (r) {
      const label = (id) => sheet.expected.find((m) => m.id === id)?.label ?? ins.unexpected.find((m) => m.id === id)?.label ?? ctx.shortId(id);
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
          el('p', { cls: 'result-meta', text: tx('media.done.record', { id: ctx.shortId(r.record.id), time: ctx.formatTime(r.record.at) }) }),
        ),
        el('button', { cls: 'button button-primary', text: tx('media.receipt'), attrs: { type: 'button', 'data-receipt': r.record.receiptUrl, 'data-testid': 'inspect-receipt' } }),
      );
    }
    if (!box.contains(f.node)) box.replaceChildren(f.node);
    ctx.translate(f.node);
  }

  /** @returns {InspectionSheetView} */
  function buildSheet() {
    const input = scanField({ id: 'inspect-scan', labelKey: 'media.inspect.scan', onScan: (v) => void scan(v), refocus: ctx.refocus });
    const node = el('form', { cls: 'form inspect-form', attrs: { novalidate: true, 'data-testid': 'inspect-form' } });
    const signerForm = sg.newForm('inspection', node, { alertId: 'inspect-error', submitKey: 'media.inspect.submit', submitId: 'inspect-submit', signerField: /^inspector/, roomId: () => ctx.state()?.inspect.sheet?.location.roomId ?? '' });
    const row = sg.signerRow(signerForm, 'inspector');
    signerForm.signers.push(row);
    const { summary, submit } = signerForm;
    const note = el('p', { cls: 'media-scan-note', attrs: { role: 'status', 'data-testid': 'inspect-note' } });
    const unexpectedList = el('ul', { cls: 'inspect-list' });
    const f = {
      node: el('div', { cls: 'inspect' }),
      title: el('h3', { attrs: { 'data-testid': 'inspect-title' } }),
      progress: el('p', { cls: 'inspect-progress', attrs: { 'data-testid': 'inspect-progress' } }),
      list: el('ul', { cls: 'inspect-list', attrs: { 'data-testid': 'inspect-list' } }),
      unexpectedList,
      unexpectedBox: el('div', { cls: 'inspect-unexpected' }, el('h4', { attrs: { 'data-m': 'media.inspect.unexpected' } }), unexpectedList),
      note,
      result: el('section', { cls: 'action-result notice', attrs: { 'data-testid': 'inspect-result', hidden: true } }),
      signerForm,
      scanCard: el('section', { cls: 'scan-card inspect-scan' }, input.node, note),
    };
    node.append(summary, row.node, el('div', { cls: 'form-actions' }, submit));
    node.addEventListener('submit', (e) => {
      e.preventDefault();
      void submitSheet(signerForm);
    });
    f.list.addEventListener('change', (e) => {
      const box = /** @type {HTMLInputElement} */ (e.target);
      const id = box.dataset.tick;
      const s = ctx.state();
      if (!id || !s) return;
      if (box.checked) s.inspect.found.add(id);
      else s.inspect.found.delete(id);
      s.inspect.result = null;
      renderSheet();
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

  /**
   * A medium scanned (or its label typed) at the inspection: ticked if expected, else listed as unexpected.
   * @param {string} raw
   */
  async function scan(raw) {
    const my = ctx.state();
    if (!my) return;
    const text = raw.trim();
    const ins = my.inspect;
    const sheet = ins.sheet;
    if (!text || !sheet) return;
    const code = MEDIUM_CODE.exec(text);
    let m = code ? sheet.expected.find((x) => x.id === code[1].toLowerCase()) : sheet.expected.find((x) => x.label === text);
    let unexpected = false;
    if (!m) {
      const found = await findMedium(host, text);
      if (ctx.state() !== my || my.inspect !== ins) return;
      if (!found.medium) {
        ins.note = { state: 'error', key: found.key ?? '', params: found.params };
        renderSheet();
        return;
      }
      const medium = found.medium;
      m = medium;
      unexpected = !sheet.expected.some((x) => x.id === medium.id);
      if (unexpected && !ins.unexpected.some((x) => x.id === medium.id)) ins.unexpected.push(medium);
    }
    ins.found.add(m.id);
    ins.result = null;
    ins.note = unexpected ? { state: 'error', key: 'media.inspect.unexpected.added', params: { label: m.label } } : { state: 'ok', key: 'media.inspect.seen', params: { label: m.label } };
    renderSheet();
    ctx.refocus();
  }

  /** @param {import('./signing.js').Form} form */
  async function submitSheet(form) {
    const s = ctx.state();
    if (!s || form.busy || !sg.readyToSend(form)) return;
    const ins = s.inspect;
    const sheet = ins.sheet;
    if (!sheet) return;
    form.sentRoomId = sheet.location.roomId;
    const foundMediaIds = [...ins.found];
    form.mediaSent = foundMediaIds.map((id) => sheet.expected.find((m) => m.id === id) ?? ins.unexpected.find((m) => m.id === id) ?? { id, label: ctx.shortId(id) });
    // Accepted or refused, the badge and PIN are cleared (signing.js send).
    await sg.send(form, '/api/inspections', { locationId: ins.locationId, foundMediaIds, inspector: sg.signerBody(form.signers[0]) }, {
      current: () => ctx.state()?.inspect === ins,
      done: (data) => {
        ins.result = data;
        form.signers[0].pad.clear();
        s.due.delete(ins.locationId);
        render();
        /** @type {HTMLElement | null} */ (document.querySelector('[data-testid="inspect-receipt"]'))?.focus();
      },
    });
  }

  return { render, scan };
}

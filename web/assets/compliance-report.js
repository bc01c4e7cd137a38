// @ts-check
// The depositor's monthly report on the compliance screen (月次報告書, issue 18 part 3), its own
// view beside the clauses: choose a depositor and a month (never one still to come: the month
// field stops at this month, and the server refuses one in the future), and the draft is shown as
// it would be signed now (GET /api/monthly-reports/draft) — counts first, then the media held at
// the month's end, the month's events with their certificate numbers, inspections, appointments —
// or, once signed, the content as it was signed (GET /api/monthly-reports/:id). The responsible
// person signs a month that is over, scan first with badge + PIN (POST /api/monthly-reports); the
// reports issued for the depositor are listed, each printed with a responsible or authorised person
// present (E2.14: POST …/prints, then the A4 page opens in a new tab through a print link and the
// print dialog opens) or viewed on screen. Refusals are said in words; badges and PINs never stay
// in a form (signing.js). Auditors read only.
import { el } from './dom.js';
import { addMessages } from './i18n.js';
import { formatDate } from './dates.js';
import { openPrintLink } from './printable.js';
import { deskState, getAll, siteNow, translate } from './screen.js';
import { clearSecrets, createSigning } from './signing.js';
import { REPORT_MESSAGES } from './report-messages.js';

addMessages(REPORT_MESSAGES);

/** @typedef {import('./api-types.js').MonthlyReport} MonthlyReport */
/** @typedef {import('./api-types.js').MonthlyReportContent} MonthlyReportContent */

/** Who prints (compliance:write) and who may be present at a print (E2.14). */
const PRINTERS = ['admin', 'responsible', 'authorized'];
const PRESENT_ROLES = ['responsible', 'authorized'];
const EVENT_KINDS = ['receipt', 'handover', 'transfer', 'copy', 'destruction'];
const COMPLIANCE_ORDER = ['attention', 'missing', 'unknown', 'manual', 'ok'];
/** Events listed on screen; the rest are on the A4 report. */
const EVENTS_SHOWN = 100;

/** "2026-11" → the month before, and this month, on the site's clock. */
function months(tz) {
  const today = siteNow(tz).date;
  const [y, m] = today.split('-').map(Number);
  const last = m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
  return { current: today.slice(0, 7), last };
}

/**
 * @param {import('./compliance.js').ComplianceContext} ctx
 */
export function createReportView(ctx) {
  const { tx, host } = ctx;
  const tz = () => ctx.tz();
  const session = host.session();
  const desk = session ? deskState(session, {}) : null;
  const sg = createSigning({ host, state: () => desk });
  const may = (roles) => Boolean(host.session()?.user.roles.some((r) => roles.includes(r)));

  // ------------------------------------------------------------------ state

  /**
   * depositors: the list to choose from; shown: what the preview shows (its depositor and month,
   * the draft or the signed content, the report when signed), or why it could not be read.
   */
  const st = {
    /** @type {{ id: string, name: string }[] | null} */ depositors: null,
    depositorsFailed: '',
    /** @type {{ key: string, params?: Record<string, unknown> } | null} */ pickError: null,
    loading: false,
    /** @type {{ depositorId: string, depositorName: string, month: string, content: MonthlyReportContent, report: MonthlyReport | null } | null} */ shown: null,
    /** @type {{ depositorId: string, items: MonthlyReport[] | null, failed: string }} */ list: { depositorId: '', items: null, failed: '' },
    said: '',
    /** @type {{ key: string, params?: Record<string, unknown> } | null} */ signNote: null,
    /** @type {MonthlyReport | null} */ printing: null,
    /** @type {{ printNo: number, reprint: boolean, pageUrl: string, error?: { key: string, params: Record<string, string> } } | null} */ printed: null,
    /** @type {{ key: string, params: Record<string, string> } | null} */ openError: null,
    started: false,
  };

  // ------------------------------------------------------------------ the choice

  const depositor = el('select', { attrs: { id: 'rp-depositor', name: 'depositor', 'data-testid': 'report-depositor', 'aria-describedby': 'rp-pick-error' } });
  const month = el('input', { attrs: { id: 'rp-month', name: 'month', type: 'month', required: true, 'data-testid': 'report-month', 'aria-describedby': 'rp-month-hint rp-pick-error' } });
  const show = el('button', { cls: 'button button-primary', attrs: { type: 'submit', 'data-testid': 'report-show' } });
  const pickError = el('p', { cls: 'alert', attrs: { id: 'rp-pick-error', role: 'alert', hidden: true, 'data-testid': 'report-error' } });
  const pick = el(
    'form',
    { cls: 'form rp-pick', attrs: { novalidate: true, 'data-testid': 'report-pick' } },
    el('div', { cls: 'field' }, el('label', { attrs: { for: 'rp-depositor', 'data-m': 'rp.depositor' } }), depositor),
    el('div', { cls: 'field' }, el('label', { attrs: { for: 'rp-month', 'data-m': 'rp.month' } }), month, el('p', { cls: 'field-hint', attrs: { id: 'rp-month-hint', 'data-m': 'rp.month.hint' } })),
    el('div', { cls: 'form-actions' }, show),
  );

  // ------------------------------------------------------------------ the preview

  const previewHead = el('h4', { cls: 'rp-head', attrs: { id: 'rp-preview-title', tabindex: '-1', 'data-testid': 'report-head' } });
  const previewState = el('p', { cls: 'rp-state', attrs: { 'data-testid': 'report-state' } });
  const openDraft = el('button', { cls: 'button button-small', attrs: { type: 'button', 'data-testid': 'report-open-draft', 'data-m': 'rp.open.draft' } });
  const openNote = el('p', { cls: 'alert', attrs: { role: 'alert', hidden: true, 'data-testid': 'report-open-error' } });
  const summary = el('dl', { cls: 'rp-summary', attrs: { 'data-testid': 'report-summary' } });
  const sections = el('div', { cls: 'rp-sections', attrs: { 'data-testid': 'report-sections' } });
  const preview = el(
    'section',
    { cls: 'rp-preview', attrs: { 'aria-labelledby': 'rp-preview-title', hidden: true, 'data-testid': 'report-preview' } },
    el('div', { cls: 'rp-preview-top' }, el('div', {}, previewHead, previewState), openDraft),
    openNote,
    summary,
    sections,
  );

  // ------------------------------------------------------------------ signing

  const signNode = el('form', { cls: 'form rp-sign-form', attrs: { novalidate: true, 'data-testid': 'report-sign-form' } });
  const signForm = sg.newForm('report', signNode, { alertId: 'report-sign-error', submitKey: 'rp.sign.submit', submitId: 'report-sign-submit', signerField: /^signer/ });
  // Only the responsible person signed in signs (asked when the picker lists: the session is read then).
  const signer = sg.signerRow(signForm, 'report_signer', { who: () => ({ only: [ctx.me()], onlyKey: 'rp.sign.only' }) });
  signForm.signers.push(signer);
  // The report is signed by badge and PIN only (the API takes no drawn signature).
  const signerDrawn = signer.node.querySelector('.signer-drawn');
  if (signerDrawn instanceof HTMLElement) signerDrawn.hidden = true;
  signNode.append(signForm.summary, signer.node, el('div', { cls: 'form-actions' }, signForm.submit));
  const signIntro = el('p', { cls: 'field-hint', attrs: { 'data-testid': 'report-sign-intro' } });
  const signClosed = el('p', { cls: 'notice', attrs: { hidden: true, 'data-testid': 'report-sign-closed' } });
  const signSaid = el('div', { cls: 'alert', attrs: { role: 'alert', tabindex: '-1', hidden: true, 'data-testid': 'report-sign-note' } });
  const signSection = el(
    'section',
    { cls: 'cp-card rp-sign', attrs: { 'aria-labelledby': 'rp-sign-title', hidden: true, 'data-testid': 'report-sign' } },
    el('h4', { attrs: { id: 'rp-sign-title', 'data-m': 'rp.sign.title' } }),
    signIntro,
    signClosed,
    signSaid,
    signNode,
  );

  // ------------------------------------------------------------------ the reports issued

  const said = el('p', { cls: 'notice', attrs: { role: 'status', tabindex: '-1', hidden: true, 'data-testid': 'report-said' } });
  const listBox = el('div', { cls: 'rp-list', attrs: { 'data-testid': 'report-list' } });
  const listSection = el(
    'section',
    { cls: 'rp-issued', attrs: { 'aria-labelledby': 'rp-list-title', hidden: true, 'data-testid': 'report-issued' } },
    el('h4', { attrs: { id: 'rp-list-title', 'data-m': 'rp.list.title' } }),
    listBox,
  );

  // ------------------------------------------------------------------ printing (E2.14)

  const printNode = /** @type {HTMLFormElement} */ (el('form', { cls: 'form action-form', attrs: { novalidate: true, 'data-testid': 'report-print-form' } }));
  const printForm = sg.newForm('report-print', printNode, { alertId: 'report-print-error', submitKey: 'rp.print.submit', submitId: 'report-print-submit', signerField: /^present/, words: { not_authorized: 'rp.err.not_authorized' } });
  const present = sg.signerRow(printForm, 'present', { who: () => ({ roles: PRESENT_ROLES }) });
  printForm.signers.push(present);
  const presentDrawn = present.node.querySelector('.signer-drawn');
  if (presentDrawn instanceof HTMLElement) presentDrawn.hidden = true;
  const printClose = el('button', { cls: 'button button-secondary', attrs: { type: 'button', 'data-m': 'rp.print.close', 'data-testid': 'report-print-close' } });
  printNode.append(el('p', { cls: 'action-intro', attrs: { 'data-m': 'rp.print.intro' } }), printForm.summary, present.node, el('div', { cls: 'form-actions' }, printForm.submit, printClose));
  const printTitle = el('h4', { attrs: { id: 'rp-print-title', tabindex: '-1' } });
  const printDone = el('p', { cls: 'notice', attrs: { role: 'status', hidden: true, 'data-testid': 'report-print-done' } });
  const printCard = el(
    'section',
    { cls: 'action-card cp-card rp-print', attrs: { 'aria-labelledby': 'rp-print-title', hidden: true, 'data-testid': 'report-print-card' } },
    printTitle,
    printDone,
    printNode,
  );

  const node = el(
    'section',
    { cls: 'rp', attrs: { 'aria-labelledby': 'rp-title', 'data-testid': 'report-view' } },
    el('h3', { attrs: { id: 'rp-title', 'data-m': 'rp.title' } }),
    el('p', { cls: 'field-hint rp-intro', attrs: { 'data-m': 'rp.intro' } }),
    pick,
    pickError,
    said,
    preview,
    signSection,
    listSection,
    printCard,
  );

  // ------------------------------------------------------------------ events

  pick.addEventListener('submit', (event) => {
    event.preventDefault();
    void showDraft(true);
  });
  depositor.addEventListener('change', () => {
    st.pickError = null;
    void loadList(depositor.value).then(paint);
  });
  openDraft.addEventListener('click', () => void openDraftPage());
  signNode.addEventListener('submit', (event) => {
    event.preventDefault();
    void submitSign();
  });
  listBox.addEventListener('click', (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    const p = target.closest('[data-print]');
    if (p instanceof HTMLElement) openPrint(p.dataset.print ?? '');
    const v = target.closest('[data-view-report]');
    if (v instanceof HTMLElement) void viewReport(v.dataset.viewReport ?? '');
  });
  printNode.addEventListener('submit', (event) => {
    event.preventDefault();
    void submitPrint();
  });
  printClose.addEventListener('click', () => closePrint());
  printCard.addEventListener('click', (event) => {
    const b = /** @type {HTMLElement} */ (event.target).closest('[data-open-print]');
    if (b instanceof HTMLElement && st.printed) void openPrinted(st.printed);
  });
  printCard.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !document.querySelector('.picker-list:not([hidden])')) {
      event.preventDefault();
      closePrint();
    }
  });

  // ------------------------------------------------------------------ loading

  /**
   * The view came on screen: the depositors are read once, and the first one's last month shown;
   * the focus goes to the depositor unless the tabs keep it (chosen with the arrow keys).
   * @param {boolean} focus
   */
  async function start(focus) {
    if (st.started) {
      paint();
      return;
    }
    st.started = true;
    const { last } = months(tz());
    month.value = last;
    paint();
    const items = await getAll(host, '/api/orgs?kind=depositor&limit=500');
    if (!items) {
      st.depositorsFailed = 'error';
      paint();
      return;
    }
    st.depositors = items.map((o) => ({ id: String(o.id), name: String(o.name) })).sort((a, b) => a.name.localeCompare(b.name, 'ja'));
    paint();
    if (st.depositors.length) {
      depositor.value = st.depositors[0]?.id ?? '';
      await showDraft(false);
    }
    if (focus) depositor.focus();
  }

  /** @param {string} depositorId */
  async function loadList(depositorId) {
    if (!depositorId) {
      st.list = { depositorId: '', items: null, failed: '' };
      return;
    }
    const res = await host.api('GET', `/api/monthly-reports?${new URLSearchParams({ depositorOrgId: depositorId })}`);
    if (depositor.value !== depositorId) return;
    st.list = res.status === 200 && Array.isArray(res.data?.items) ? { depositorId, items: res.data.items, failed: '' } : { depositorId, items: null, failed: res.code ?? `HTTP ${res.status}` };
  }

  /**
   * Reads what the preview shows: the report signed for this depositor and month (as it was
   * signed), or else the draft as it would be signed now.
   * @param {boolean} focus move the focus to the preview's heading once shown
   */
  async function showDraft(focus) {
    const depositorId = depositor.value;
    const m = month.value;
    st.pickError = null;
    st.said = '';
    st.signNote = null;
    if (!depositorId) st.pickError = { key: 'rp.err.depositor' };
    else if (!/^\d{4}-\d{2}$/.test(m)) st.pickError = { key: 'rp.err.invalid_month' };
    else if (m > months(tz()).current) st.pickError = { key: 'rp.err.in_future', params: { month: m } };
    if (st.pickError) {
      paint();
      (depositorId ? month : depositor).focus();
      return;
    }
    st.loading = true;
    paint();
    await loadList(depositorId);
    const report = st.list.items?.find((r) => r.month === m) ?? null;
    const res = report ? await host.api('GET', `/api/monthly-reports/${encodeURIComponent(report.id)}`) : await host.api('GET', `/api/monthly-reports/draft?${new URLSearchParams({ depositorOrgId: depositorId, month: m })}`);
    st.loading = false;
    if (depositor.value !== depositorId || month.value !== m) return paint();
    if (res.status === 200 && res.data) {
      const content = /** @type {MonthlyReportContent} */ (report ? res.data.content : res.data);
      st.shown = { depositorId, depositorName: content.depositorName, month: m, content, report };
      if (!report) {
        sg.clearErrors(signForm);
        clearSecrets(signNode);
        signer.picker?.clear();
      }
      paint();
      if (focus) previewHead.focus();
      return;
    }
    if (res.status === 401) return;
    st.shown = null;
    const detail = Array.isArray(res.data?.error?.details) ? res.data.error.details[0] : null;
    st.pickError =
      detail?.code === 'in_future'
        ? { key: 'rp.err.in_future', params: { month: m } }
        : detail?.code === 'invalid_month'
          ? { key: 'rp.err.invalid_month' }
          : res.status === 404
            ? { key: 'rp.err.not_found' }
            : { key: 'rp.err.other', params: { code: res.code ?? `HTTP ${res.status}` } };
    paint();
    (detail ? month : depositor).focus();
  }

  async function openDraftPage() {
    const v = st.shown;
    if (!v) return;
    const lang = host.lang();
    const path = v.report
      ? `${v.report.pageUrl}?${new URLSearchParams({ lang })}`
      : `/api/monthly-reports/draft?${new URLSearchParams({ depositorOrgId: v.depositorId, month: v.month, format: 'html', lang })}`;
    st.openError = await openPrintLink(host, path);
    paint();
  }

  // ------------------------------------------------------------------ signing

  async function submitSign() {
    const v = st.shown;
    if (!v || v.report || signForm.busy) return;
    st.signNote = null;
    if (!sg.readyToSend(signForm)) {
      paint();
      return;
    }
    const body = { depositorOrgId: v.depositorId, month: v.month, signer: { personId: signer.picker?.value() ?? '', badge: signer.badge.value.trim(), pin: signer.pin.value } };
    signForm.busy = true;
    paint();
    sg.clearErrors(signForm);
    const res = await host.api('POST', '/api/monthly-reports', { body });
    // Answered, accepted or refused: no badge or PIN stays in the form.
    clearSecrets(signNode);
    signForm.busy = false;
    if (res.status === 401 || st.shown !== v) return paint();
    const code = res.code ?? '';
    if (res.status === 201 && res.data) {
      signer.picker?.clear();
      await loadList(v.depositorId);
      // From now on the preview shows what was signed (the answer carries it), not the draft read before.
      st.shown = { ...v, content: res.data.content ?? v.content, report: res.data };
      st.said = tx('rp.sign.done', { no: res.data.reportNo });
      paint();
      /** @type {HTMLElement | null} */ (listBox.querySelector(`[data-print="${CSS.escape(res.data.id)}"]`) ?? said)?.focus();
      return;
    }
    if (['forbidden', 'signer_not_you', 'month_not_over'].includes(code)) st.signNote = { key: `rp.err.${code}` };
    else if (code === 'already_signed') {
      st.signNote = { key: 'rp.err.already_signed' };
      await loadList(v.depositorId);
    } else {
      // A signature's problem (a wrong PIN, a badge not theirs, a locked PIN…): at the signer's row.
      const focus = sg.showErrors(signForm, sg.explain(res));
      paint();
      /** @type {HTMLElement} */ (focus ?? signForm.summary).focus();
      return;
    }
    paint();
    signSaid.focus();
  }

  // ------------------------------------------------------------------ printing

  /** @param {string} id */
  function openPrint(id) {
    const report = st.list.items?.find((r) => r.id === id);
    if (!report || !may(PRINTERS)) return;
    st.printing = report;
    st.printed = null;
    clearSecrets(printNode);
    present.picker?.clear();
    sg.clearErrors(printForm);
    paint();
    printCard.scrollIntoView({ block: 'nearest' });
    present.person?.focus();
  }

  function closePrint() {
    const id = st.printing?.id;
    st.printing = null;
    st.printed = null;
    clearSecrets(printNode);
    present.picker?.clear();
    sg.clearErrors(printForm);
    paint();
    if (id) /** @type {HTMLElement | null} */ (listBox.querySelector(`[data-print="${CSS.escape(id)}"]`))?.focus();
  }

  async function submitPrint() {
    const report = st.printing;
    if (!report || printForm.busy || !sg.readyToSend(printForm)) return;
    await sg.send(printForm, `/api/monthly-reports/${encodeURIComponent(report.id)}/prints`, { present: sg.signerBody(present) }, {
      current: () => st.printing === report,
      done: async (data) => {
        st.printed = data;
        present.picker?.clear();
        paint();
        // The report of this print opens in its own tab, with the print dialog.
        await openPrinted(data);
      },
    });
  }

  /** @param {{ printNo: number, reprint: boolean, pageUrl: string, error?: { key: string, params: Record<string, string> } }} data */
  async function openPrinted(data) {
    const error = await openPrintLink(host, `${data.pageUrl}&${new URLSearchParams({ lang: host.lang() })}`, { print: true });
    if (st.printed && st.printed.printNo === data.printNo) {
      st.printed = error ? { ...data, error } : { printNo: data.printNo, reprint: data.reprint, pageUrl: data.pageUrl };
      paint();
    }
  }

  /** @param {string} id */
  async function viewReport(id) {
    const report = st.list.items?.find((r) => r.id === id);
    if (!report) return;
    st.openError = await openPrintLink(host, `${report.pageUrl}?${new URLSearchParams({ lang: host.lang() })}`);
    paint();
  }

  // ------------------------------------------------------------------ painting

  const day = (iso) => formatDate(iso, tz(), host.lang());
  const lastDay = (iso) => day(new Date(Date.parse(iso) - 1).toISOString());
  const n = (x) => Number(x ?? 0).toLocaleString(host.lang() === 'ja' ? 'ja-JP' : 'en-US');
  const word = (prefix, key) => tx(`${prefix}.${key}`);

  /**
   * @param {string} cls
   * @param {string[]} heads
   * @param {(string | Node)[][]} rows
   */
  function table(cls, heads, rows) {
    return el(
      'div',
      { cls: 'table-wrap' },
      el(
        'table',
        { cls: `log-table rp-table ${cls}` },
        el('thead', {}, el('tr', {}, ...heads.map((h) => el('th', { text: h, attrs: { scope: 'col' } })))),
        el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c) => el('td', {}, c))))),
      ),
    );
  }

  /**
   * One section of the preview: its heading, then a table or what stands for it when empty.
   * @param {string} id
   * @param {string} titleKey
   * @param {Node[]} body
   */
  const section = (id, titleKey, body) => el('section', { cls: 'rp-section', attrs: { 'data-section': id } }, el('h5', { text: tx(titleKey) }), ...body);
  const empty = (key, params) => el('p', { cls: 'rp-empty', text: tx(key, params) });

  /** @param {MonthlyReportContent} c */
  function paintPreview(c) {
    const openCompliance = Boolean(sections.querySelector('details[data-testid="report-compliance"][open]'));
    const held = c.holdings.groups.reduce((a, g) => a + g.count, 0);
    const gone = Object.values(c.holdings.gone).reduce((a, x) => a + x, 0);
    const byKind = Object.fromEntries(EVENT_KINDS.map((k) => [k, c.events.filter((e) => e.kind === k).length]));
    const findings = c.reviews.reduce((a, r) => a + r.findings.length, 0);
    const discrepancies = c.inspections.filter((i) => i.missing.length || i.unexpected.length).length;
    const compliance = c.compliance;
    /** @type {[string, string, string][]} */
    const facts = [
      ['held', tx('rp.sum.held'), tx('rp.sum.held.n', { n: n(held) })],
      ['gone', tx('rp.sum.gone'), gone ? tx('rp.n', { n: n(gone) }) : tx('rp.none')],
      ['events', tx('rp.sum.events'), EVENT_KINDS.some((k) => byKind[k]) ? EVENT_KINDS.filter((k) => byKind[k]).map((k) => `${word('rp.kind', k)} ${n(byKind[k])}`).join(tx('cp.sum.join')) : tx('rp.none')],
      ['steps', tx('rp.sum.steps'), tx('rp.sum.steps.n', { checkout: n(c.counts.checkout), checkin: n(c.counts.checkin) })],
      ['inspections', tx('rp.sum.inspections'), c.inspections.length ? tx('rp.sum.inspections.n', { n: n(c.inspections.length), d: n(discrepancies) }) : tx('rp.none')],
      ['findings', tx('rp.sum.findings'), c.reviews.length ? tx('rp.sum.findings.n', { n: n(findings), w: n(c.reviews.length) }) : tx('rp.none')],
      ['people', tx('rp.sum.people'), c.people.length ? tx('rp.n', { n: n(c.people.length) }) : tx('rp.none')],
      ['trainings', tx('rp.sum.trainings'), c.trainings.length || c.drills.length ? tx('rp.sum.trainings.n', { t: n(c.trainings.length), d: n(c.drills.length) }) : tx('rp.none')],
      [
        'compliance',
        tx('rp.sum.compliance'),
        compliance
          ? COMPLIANCE_ORDER.filter((k) => compliance.summary[k]).map((k) => tx(`cp.sum.${k}`, { n: compliance.summary[k] })).join(tx('cp.sum.join')) || tx('rp.none')
          : '—',
      ],
      ['notices', tx('rp.sum.notices'), c.notices.length ? tx('rp.n', { n: n(c.notices.length) }) : tx('rp.none')],
    ];
    summary.replaceChildren(...facts.map(([k, dt, dd]) => el('div', { cls: 'rp-fact', attrs: { 'data-fact': k } }, el('dt', { text: dt }), el('dd', { text: dd }))));

    const events = c.events.slice(0, EVENTS_SHOWN);
    sections.replaceChildren(
      section('holdings', 'rp.sec.holdings', [
        ...(c.holdings.groups.length
          ? [table('rp-groups', [tx('rp.col.status'), tx('rp.col.place'), tx('rp.col.count')], c.holdings.groups.map((g) => [sg.statusWord(g.status), g.place || '—', n(g.count)]))]
          : [empty('rp.sec.holdings.none')]),
        ...(c.holdings.media.length ? [el('p', { cls: 'field-hint', text: tx('rp.sec.holdings.media', { n: n(c.holdings.media.length) }) })] : []),
      ]),
      section('events', 'rp.sec.events', [
        ...(events.length
          ? [
              table(
                'rp-events',
                [tx('rp.col.date'), tx('rp.col.event'), tx('rp.col.media'), tx('rp.col.number')],
                events.map((e) => [ctx.time(e.at), `${word('rp.ev', e.action)}${e.destination ? ` → ${e.destination}` : ''}`, e.labels.join('、'), e.certificateNo ?? '—']),
              ),
            ]
          : [empty('rp.sec.events.none')]),
        ...(c.events.length > EVENTS_SHOWN ? [el('p', { cls: 'field-hint', text: tx('rp.sec.events.more', { n: n(c.events.length - EVENTS_SHOWN) }) })] : []),
      ]),
      section('inspections', 'rp.sec.inspections', [
        c.inspections.length
          ? table(
              'rp-inspections',
              [tx('rp.col.date'), tx('rp.col.location'), tx('rp.col.inspector'), tx('rp.col.missing'), tx('rp.col.unexpected')],
              c.inspections.map((i) => [ctx.time(i.at), i.location, i.inspector, i.missing.join('、') || '—', i.unexpected.join('、') || '—']),
            )
          : empty('rp.sec.inspections.none'),
      ]),
      section('people', 'rp.sec.people', [
        c.people.length
          ? table(
              'rp-people',
              [tx('rp.col.role'), tx('rp.col.name'), tx('rp.col.change')],
              c.people.map((p) => [
                word('rp.role', p.role),
                p.name,
                [p.appointedAt ? tx('rp.change.appointed', { date: day(p.appointedAt) }) : '', p.endedAt ? tx('rp.change.ended', { date: day(p.endedAt) }) : '', p.leftAt ? tx('rp.change.left', { date: day(p.leftAt) }) : '']
                  .filter(Boolean)
                  .join(tx('cp.sum.join')),
              ]),
            )
          : empty('rp.sec.people.none'),
      ]),
      ...(compliance
        ? [
            section('compliance', 'rp.sec.compliance', [
              compliance.rows.length
                ? // The clauses not met, folded: the counts are above, the clauses one click away.
                  el(
                    'details',
                    { cls: 'rp-details', attrs: { open: openCompliance, 'data-testid': 'report-compliance' } },
                    el('summary', { text: tx('rp.sec.compliance.rows', { n: n(compliance.rows.length), time: ctx.time(compliance.asOf) }) }),
                    table('rp-compliance', [tx('rp.col.clause'), tx('rp.col.status')], compliance.rows.map((r) => [`${r.id} ${host.lang() === 'en' ? r.en : r.ja}`, tx(`cp.sum.${r.status}`, { n: '' }).trim()])),
                  )
                : empty('rp.sec.compliance.ok'),
            ]),
          ]
        : []),
    );
  }

  function paintList() {
    const l = st.list;
    const name = st.depositors?.find((d) => d.id === l.depositorId)?.name ?? '';
    listSection.hidden = !l.depositorId;
    if (l.failed) {
      listBox.replaceChildren(el('p', { cls: 'alert', text: tx('rp.list.failed', { code: l.failed }) }));
      return;
    }
    if (!l.items) {
      listBox.replaceChildren(el('p', { cls: 'field-hint', text: tx('rp.loading') }));
      return;
    }
    if (!l.items.length) {
      listBox.replaceChildren(el('p', { cls: 'rp-empty', text: tx('rp.list.empty', { depositor: name }), attrs: { 'data-testid': 'report-list-empty' } }));
      return;
    }
    const printer = may(PRINTERS);
    listBox.replaceChildren(
      table(
        'rp-issued-table',
        [tx('rp.col.no'), tx('rp.col.month'), tx('rp.col.signed'), tx('rp.col.actions')],
        l.items.map((r) => [
          el('strong', { cls: 'mono', text: r.reportNo, attrs: { 'data-testid': 'report-no' } }),
          r.month,
          ctx.time(r.signedAt),
          el(
            'span',
            { cls: 'rp-actions' },
            ...(printer
              ? [el('button', { cls: 'button button-small button-primary', text: tx('rp.print'), attrs: { type: 'button', 'data-print': r.id, 'data-testid': 'report-print', 'aria-label': tx('rp.print.label', { no: r.reportNo }), 'aria-expanded': String(st.printing?.id === r.id) } })]
              : []),
            el('button', { cls: 'button button-small', text: tx('rp.view'), attrs: { type: 'button', 'data-view-report': r.id, 'data-testid': 'report-view-page', 'aria-label': tx('rp.view.label', { no: r.reportNo }) } }),
          ),
        ]),
      ),
    );
    for (const row of listBox.querySelectorAll('tbody tr')) row.setAttribute('data-testid', 'report-row');
  }

  function paintSign() {
    const v = st.shown;
    signSection.hidden = !v || Boolean(v.report);
    if (!v || v.report) return;
    const over = v.month < months(tz()).current;
    const reason = !may(PRINTERS)
      ? tx('rp.sign.read_only')
      : !ctx.is('responsible')
        ? tx('rp.sign.not_responsible')
        : !over
          ? tx('rp.sign.not_over', { month: v.month })
          : '';
    signClosed.hidden = !reason;
    signClosed.textContent = reason;
    signNode.hidden = Boolean(reason);
    signIntro.hidden = Boolean(reason);
    signIntro.textContent = tx('rp.sign.intro', { depositor: v.depositorName, month: v.month });
    signSaid.hidden = !st.signNote;
    signSaid.textContent = st.signNote ? tx(st.signNote.key, st.signNote.params) : '';
    signer.title.textContent = tx('media.who.report_signer');
    sg.renderSigners(signForm);
    sg.paintErrors(signForm);
    signForm.submit.disabled = signForm.busy;
    signForm.submit.dataset.m = signForm.busy ? 'media.form.busy' : 'rp.sign.submit';
    translate(signNode, tx);
  }

  function paintPrint() {
    const r = st.printing;
    printCard.hidden = !r;
    if (!r) return;
    printTitle.textContent = tx('rp.print.title', { no: r.reportNo });
    const p = st.printed;
    printDone.hidden = !p;
    printDone.replaceChildren(
      ...(p
        ? [
            [tx(p.reprint ? 'rp.print.done.reprint' : 'rp.print.done', { n: p.printNo }), p.error ? tx(p.error.key, p.error.params) : ''].filter(Boolean).join(' '),
            // The new tab was refused (pop-ups blocked): open it with this click instead.
            ...(p.error ? [' ', el('button', { cls: 'button button-small', text: tx('rp.print.open'), attrs: { type: 'button', 'data-open-print': '' } })] : []),
          ]
        : []),
    );
    sg.renderSigners(printForm);
    sg.paintErrors(printForm);
    translate(printCard, tx);
    printForm.submit.disabled = printForm.busy;
  }

  /** What the preview's summary and sections show now. */
  const drawn = { content: /** @type {MonthlyReportContent | null} */ (null), lang: '' };

  function paint() {
    const lang = host.lang();
    const ds = st.depositors;
    // The depositors to choose from (kept as chosen).
    const chosen = depositor.value;
    const options = ds ? ds.map((d) => [d.id, d.name]) : [];
    if (depositor.options.length !== options.length || [...depositor.options].some((o, i) => o.value !== options[i]?.[0])) {
      depositor.replaceChildren(...options.map(([id, name]) => el('option', { text: name, attrs: { value: id } })));
      if (options.some(([id]) => id === chosen)) depositor.value = chosen;
    }
    month.max = months(tz()).current;
    const noDepositors = Boolean(ds && ds.length === 0);
    show.disabled = st.loading || !ds?.length;
    show.textContent = tx(st.loading ? 'rp.loading' : 'rp.show');
    const pe = noDepositors ? { key: 'rp.no_depositors' } : st.depositorsFailed ? { key: 'rp.depositors_failed', params: { code: st.depositorsFailed } } : st.pickError;
    pickError.hidden = !pe;
    pickError.textContent = pe ? tx(pe.key, pe.params) : '';
    for (const c of [depositor, month]) c.removeAttribute('aria-invalid');
    if (st.pickError) (st.pickError.key === 'rp.err.depositor' || st.pickError.key === 'rp.err.not_found' ? depositor : month).setAttribute('aria-invalid', 'true');
    said.hidden = !st.said;
    said.textContent = st.said;

    const v = st.shown;
    preview.hidden = !v;
    if (v) {
      previewHead.textContent = tx('rp.draft.head', { depositor: v.depositorName, month: v.month, from: day(v.content.from), to: lastDay(v.content.to) });
      previewState.textContent = v.report ? tx('rp.draft.state.signed', { no: v.report.reportNo, time: ctx.time(v.report.signedAt) }) : tx('rp.draft.state.draft');
      previewState.dataset.state = v.report ? 'signed' : 'draft';
      preview.dataset.state = v.report ? 'signed' : 'draft';
      openDraft.dataset.m = v.report ? 'rp.open.signed' : 'rp.open.draft';
      // Drawn again only when what it shows changed (a repaint keeps the focus, e.g. on a folded section).
      if (drawn.content !== v.content || drawn.lang !== lang) {
        drawn.content = v.content;
        drawn.lang = lang;
        paintPreview(v.content);
      }
      sections.setAttribute('lang', lang);
    }
    openNote.hidden = !st.openError;
    openNote.textContent = st.openError ? tx(st.openError.key === 'print.failed' ? 'rp.open.failed' : st.openError.key, st.openError.params) : '';
    paintSign();
    paintList();
    paintPrint();
    translate(node, tx);
  }

  return {
    node,
    /**
     * The view came on screen.
     * @param {boolean} [focus] move the focus into the view (not when the tabs are being gone over with the arrow keys)
     */
    show: (focus = true) => void start(focus),
    paint,
    /** The view or the screen was left: badges and PINs typed go (issue 14, item 3). */
    leave() {
      clearSecrets(signNode);
      clearSecrets(printNode);
    },
    /** The sign-in ended: nothing of it stays. */
    clear() {
      clearSecrets(node);
      st.shown = null;
      drawn.content = null;
      st.depositors = null;
      st.list = { depositorId: '', items: null, failed: '' };
      st.printing = null;
      st.printed = null;
      st.started = false;
    },
  };
}

// @ts-check
// The compliance screen (遵守状況, issue 18 part 1) for those who read it (compliance:read:
// administrators, responsible and authorised persons, auditors): one row per clause of the
// 預託情報保護要領 with its status badge (適合・要対応・記録なし・要表明・判定不能 with the
// reason), the evidence it rests on and how fresh it is — those needing attention first, as the
// API orders them (GET /api/compliance) — and the whole view saved as JSON or CSV. Under it, the
// records the view needs (part 2): the attestation of a clause by the responsible person with
// badge and PIN (compliance-attest.js), the after-hours alerts to acknowledge with a note
// (compliance-alerts.js) and the fire and migration drills (compliance-drill.js). Beside the
// clauses, its own view: the depositor's monthly report (part 3, compliance-report.js) — the
// draft of a depositor's month, signed by the responsible person, printed with an authorised
// person present (E2.14). Auditors read only. Loaded by app.js when the tab is first opened, with
// its stylesheet.
import { addMessages, has } from './i18n.js';
import { el } from './dom.js';
import { formatDateTime } from './dates.js';
import { loadCss } from './stylesheets.js';
import { screenFrame, siteNow } from './screen.js';
import { fetchFile, saveFile } from './audit-shared.js';
import { COMPLIANCE_MESSAGES } from './compliance-messages.js';
import { createAttestForm } from './compliance-attest.js';
import { createDrillForm } from './compliance-drill.js';
import { createAlertsBox } from './compliance-alerts.js';
import { createReportView } from './compliance-report.js';

addMessages(COMPLIANCE_MESSAGES);

/** Who reads the view (server/auth/permissions.ts: compliance:read). */
const READERS = ['admin', 'responsible', 'authorized', 'auditor'];
/** Who records drills and acknowledges alerts (compliance:write, media:write). */
const WRITERS = ['admin', 'responsible', 'authorized'];
const STYLESHEETS = ['/assets/forms.css', '/assets/compliance.css'];
const STATUS_ORDER = ['attention', 'missing', 'unknown', 'manual', 'ok'];
/** The screen's views: the clauses, and the depositor's monthly report. */
const VIEWS = /** @type {const} */ (['clauses', 'report']);

/**
 * The screen's session state.
 * @typedef {{ session: import('./page-types.js').Session, ready: boolean, view: import('./api-types.js').ComplianceView | null,
 *   failed: string | null, loading: boolean, downloading: string, downloadFailed: string | null, attesting: string | null, said: string, shownView: 'clauses' | 'report' }} ComplianceState
 */

/**
 * What the parts of the screen are given.
 * @typedef {{ host: import('./page-types.js').Host, tx: (key: string, params?: Record<string, unknown>) => string, time: (iso: string) => string,
 *   tz: () => string, is: (role: string) => boolean, mayWrite: () => boolean, me: () => { id: string, name: string }, reload: () => Promise<void>,
 *   tell: (message: string) => void }} ComplianceContext
 */

/**
 * Creates the compliance screen; app.js calls start() when the tab is first opened after sign-in,
 * shown() when it comes on screen, render() on every change, stop() when the sign-in ends.
 * @param {import('./page-types.js').Host} host
 */
export function createCompliance(host) {
  const frame = screenFrame('compliance', host, (view, focusTab) => selectView(view, focusTab), () => report.leave());
  const { root, tx } = frame;
  /** @type {ComplianceState | null} */
  let s = null;
  const can = (roles) => Boolean(s?.session.user.roles.some((r) => roles.includes(r)));
  const tz = () => host.config().displayTimeZone;

  /** @type {ComplianceContext} */
  const ctx = {
    host,
    tx,
    tz,
    time: (iso) => (iso ? formatDateTime(iso, tz()) : ''),
    is: (role) => Boolean(s?.session.user.roles.includes(role)),
    mayWrite: () => can(WRITERS),
    me: () => ({ id: s?.session.user.personId ?? '', name: s?.session.user.name ?? '' }),
    reload: () => load(),
    tell: (message) => {
      if (!s) return;
      s.said = message;
      paint();
      said.focus();
    },
  };

  // ------------------------------------------------------------------ the parts

  const asOf = el('p', { cls: 'cp-asof', attrs: { 'data-testid': 'compliance-asof' } });
  const summary = el('p', { cls: 'cp-summary', attrs: { 'data-testid': 'compliance-summary' } });
  const refresh = el('button', { cls: 'button button-small', attrs: { type: 'button', 'data-testid': 'compliance-refresh', 'data-m': 'cp.refresh' } });
  const jsonButton = el('button', { cls: 'button button-small', attrs: { type: 'button', 'data-testid': 'compliance-json' } });
  const csvButton = el('button', { cls: 'button button-small', attrs: { type: 'button', 'data-testid': 'compliance-csv' } });
  const downloadNote = el('p', { cls: 'alert', attrs: { role: 'alert', hidden: true, 'data-testid': 'compliance-download-error' } });
  const readOnly = el('p', { cls: 'notice cp-readonly', attrs: { 'data-testid': 'compliance-read-only', 'data-m': 'cp.read_only', hidden: true } });
  const said = el('p', { cls: 'notice cp-said', attrs: { role: 'status', tabindex: '-1', hidden: true, 'data-testid': 'compliance-said' } });
  const failed = el('div', { cls: 'alert', attrs: { role: 'alert', hidden: true, 'data-testid': 'compliance-failed' } });
  // Open alarms above the rows (issue 19: a witness refused the journal's checkpoint), in the server's words.
  const alarmBox = el('div', { cls: 'alert', attrs: { role: 'alert', hidden: true, 'data-testid': 'compliance-alarms' } });
  const table = el('table', { cls: 'log-table cp-table', attrs: { 'data-testid': 'compliance-table' } });
  const tableWrap = el('div', { cls: 'table-wrap cp-table-wrap' }, table);
  const toolbar = el('div', { cls: 'cp-toolbar' }, el('div', { cls: 'cp-head' }, summary, asOf), el('div', { cls: 'cp-actions' }, refresh, jsonButton, csvButton));

  const attest = createAttestForm(ctx, {
    row: () => s?.view?.rows.find((r) => r.id === s?.attesting) ?? null,
    close: () => closeAttest(),
  });
  const alerts = createAlertsBox(ctx);
  const drills = createDrillForm(ctx);
  const report = createReportView(ctx);

  refresh.addEventListener('click', () => void load());
  jsonButton.addEventListener('click', () => void download('json'));
  csvButton.addEventListener('click', () => void download('csv'));
  table.addEventListener('click', (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    const button = target.closest('[data-attest]');
    if (button instanceof HTMLElement && s) openAttest(button.dataset.attest ?? '');
    const link = target.closest('a[data-evidence]');
    if (link instanceof HTMLAnchorElement) {
      event.preventDefault();
      void openEvidence(link.getAttribute('href') ?? '');
    }
  });

  // ------------------------------------------------------------------ lifecycle

  function start() {
    const session = host.session();
    if (!session || s?.session === session) return;
    stop();
    const my = /** @type {ComplianceState} */ ({ session, ready: false, view: null, failed: null, loading: false, downloading: '', downloadFailed: null, attesting: null, said: '', shownView: 'clauses' });
    s = my;
    frame.loading();
    void Promise.all(STYLESHEETS.map(loadCss)).then(() => {
      if (s !== my) return;
      my.ready = true;
      frame.ready();
      build();
      render();
      if (host.visible()) shown();
    });
  }

  function stop() {
    if (!s) return;
    attest.leave();
    alerts.clear();
    drills.clear();
    report.clear();
    s = null;
    frame.clear();
  }

  /** The tab came on screen: the view is read again (it is computed on every look). */
  function shown() {
    if (!s?.ready || !can(READERS)) return;
    if (s.shownView === 'report') {
      report.show();
      return;
    }
    void load();
    if (can(WRITERS)) {
      void alerts.load();
      void drills.load();
    }
  }

  function build() {
    if (!s) return;
    if (!can(READERS)) {
      frame.forbidden('cp.forbidden');
      return;
    }
    const writer = can(WRITERS);
    frame.tabs([...VIEWS]);
    const clauses = frame.panel('clauses');
    clauses.append(
      el(
        'section',
        { cls: 'cp-view', attrs: { 'aria-labelledby': 'compliance-title' } },
        toolbar,
        downloadNote,
        readOnly,
        said,
        failed,
        alarmBox,
        tableWrap,
      ),
      ...(writer ? [el('div', { cls: 'cp-records' }, alerts.node, drills.node)] : []),
    );
    const reportPanel = frame.panel('report');
    reportPanel.append(report.node);
    root.replaceChildren(clauses, reportPanel);
    frame.show(s.shownView);
  }

  /**
   * Another view chosen (its tab clicked, or the arrow keys on the tabs): shown, and read.
   * @param {string} view
   * @param {boolean} focusTab
   */
  function selectView(view, focusTab) {
    if (!s?.ready || !can(READERS) || !VIEWS.includes(/** @type {any} */ (view))) return;
    if (s.shownView !== view && s.shownView === 'report') report.leave();
    s.shownView = /** @type {'clauses' | 'report'} */ (view);
    frame.show(s.shownView);
    render();
    if (focusTab) document.getElementById(`compliance-tab-${view}`)?.focus();
    if (s.shownView === 'report') report.show(!focusTab);
    else shown();
  }

  // ------------------------------------------------------------------ reading and saving

  async function load() {
    const my = s;
    if (!my || my.loading) return;
    my.loading = true;
    paint();
    const res = await host.api('GET', '/api/compliance');
    if (s !== my) return;
    my.loading = false;
    if (res.status === 200 && res.data) {
      my.view = res.data;
      my.failed = null;
    } else if (res.status !== 401) my.failed = res.code ?? `HTTP ${res.status}`;
    paint();
  }

  /** @param {'json' | 'csv'} format */
  async function download(format) {
    const my = s;
    if (!my || my.downloading) return;
    const lang = host.lang();
    my.downloading = format;
    my.downloadFailed = null;
    paint();
    const q = new URLSearchParams(format === 'csv' ? { format, lang } : {});
    const got = await fetchFile(ctx, `/api/compliance${format === 'csv' ? `?${q}` : ''}`);
    if (s !== my) return;
    my.downloading = '';
    if (got.blob) saveFile(got.blob, `${tx('cp.file')}${lang === 'ja' ? '_' : '-'}${siteNow(tz()).date}.${format}`);
    else if (got.status !== 401) my.downloadFailed = got.code ?? 'error';
    paint();
  }

  /**
   * The records behind a clause, as the API answers them, in a new tab (read with the bearer
   * token: the tab is opened at the click, then given the answer).
   * @param {string} href
   */
  async function openEvidence(href) {
    if (!href.startsWith('/api/')) return;
    const win = window.open('', '_blank');
    const got = await fetchFile(ctx, href);
    if (!got.blob || !win) {
      win?.close();
      if (s && got.status !== 401) {
        s.downloadFailed = got.code ?? 'error';
        paint();
      }
      return;
    }
    const url = URL.createObjectURL(new Blob([await got.blob.text()], { type: 'application/json' }));
    win.location.href = url;
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }

  // ------------------------------------------------------------------ attesting

  /** @param {string} id */
  function openAttest(id) {
    if (!s) return;
    s.attesting = id;
    s.said = '';
    attest.reset();
    paint();
    attest.focus();
  }

  function closeAttest() {
    if (!s) return;
    const id = s.attesting;
    s.attesting = null;
    attest.leave();
    paint();
    if (id) /** @type {HTMLElement | null} */ (table.querySelector(`[data-attest="${CSS.escape(id)}"]`))?.focus();
  }

  // ------------------------------------------------------------------ painting

  /**
   * How long ago the newest record is, in whole days on the site's calendar.
   * @param {string} iso
   */
  function freshness(iso) {
    const today = Date.parse(`${siteNow(tz()).date}T00:00:00Z`);
    const day = Date.parse(`${new Intl.DateTimeFormat('en-CA', { timeZone: tz(), year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso))}T00:00:00Z`);
    const n = Math.max(0, Math.round((today - day) / 86_400_000));
    return n === 0 ? tx('cp.fresh.today') : tx('cp.fresh.days', { n });
  }

  /** @param {import('./api-types.js').ComplianceRow} r */
  function rowNode(r) {
    const lang = host.lang() === 'en' ? 'en' : 'ja';
    const reasons = r.reasons.length ? el('ul', { cls: 'cp-reasons' }, ...r.reasons.map((x) => el('li', { text: x[lang] }))) : el('span', { text: '—' });
    const shown = r.evidence.slice(0, 3);
    const evWord = (e) => `${has(host.lang(), `cp.ev.${e.type}`) ? tx(`cp.ev.${e.type}`) : e.type} ${e.id.length > 12 ? e.id.slice(0, 8) : e.id}`;
    const evidence = r.evidence.length
      ? el(
          'ul',
          { cls: 'cp-evidence' },
          ...shown.map((e) => el('li', {}, e.href ? el('a', { text: evWord(e), attrs: { href: e.href, 'data-evidence': '', title: e.id } }) : el('span', { text: evWord(e), attrs: { title: e.id } }))),
          ...(r.evidence.length > shown.length ? [el('li', { cls: 'cp-more', text: tx('cp.evidence.more', { n: r.evidence.length - shown.length }) })] : []),
        )
      : el('span', { cls: 'cp-none', text: tx('cp.evidence.none') });
    // How fresh the newest record is, above the records themselves.
    const fresh = r.evidenceAt
      ? el('p', { cls: 'cp-fresh', attrs: { 'data-testid': 'compliance-fresh' } }, el('span', { cls: 'cp-age', text: freshness(r.evidenceAt) }), ' ', el('span', { cls: 'cp-time', text: ctx.time(r.evidenceAt) }))
      : el('span');
    const mayAttest = r.attestable && ctx.is('responsible');
    const action = mayAttest
      ? el('button', {
          cls: `button button-small${r.status === 'ok' ? '' : ' button-primary'}`,
          text: tx('cp.attest'),
          attrs: { type: 'button', 'data-attest': r.id, 'data-testid': 'compliance-attest', 'aria-label': tx('cp.attest.aria', { id: r.id }), 'aria-expanded': String(s?.attesting === r.id) },
        })
      : el('span');
    const title = el('td', { cls: 'cp-title' }, el('span', { text: r.title[lang] }));
    if (r.href) title.append(el('br'), el('a', { cls: 'cp-records-link', text: tx('cp.records'), attrs: { href: r.href, 'data-evidence': '', title: r.href, 'data-testid': 'compliance-records' } }));
    return el(
      'tr',
      { cls: `cp-row cp-row-${r.status}`, attrs: { 'data-testid': 'compliance-row', 'data-clause': r.id, 'data-status': r.status, 'data-kind': r.kind } },
      el('th', { cls: 'cp-id', text: r.id, attrs: { scope: 'row' } }),
      el('td', { cls: 'cp-kind', text: tx(`cp.kind.${r.kind}`) }),
      title,
      el('td', { cls: 'cp-status' }, el('span', { cls: `cp-badge cp-badge-${r.status}`, text: r.statusWords[lang], attrs: { 'data-testid': 'compliance-status' } })),
      el('td', { cls: 'cp-why' }, reasons),
      el('td', { cls: 'cp-ev' }, fresh, evidence),
      el('td', { cls: 'cp-act' }, action),
    );
  }

  /** What the table shows now (the view and the words it was drawn with). */
  const drawn = { view: /** @type {import('./api-types.js').ComplianceView | null} */ (null), key: '' };

  function paint() {
    if (!s?.ready || !can(READERS)) return;
    const v = s.view;
    const lang = host.lang();
    readOnly.hidden = can(WRITERS);
    refresh.textContent = tx(s.loading ? 'cp.loading' : 'cp.refresh');
    refresh.toggleAttribute('disabled', s.loading);
    jsonButton.textContent = tx(s.downloading === 'json' ? 'cp.download.busy' : 'cp.download.json');
    csvButton.textContent = tx(s.downloading === 'csv' ? 'cp.download.busy' : 'cp.download.csv');
    downloadNote.hidden = !s.downloadFailed;
    downloadNote.textContent = s.downloadFailed ? tx('cp.download.failed', { code: s.downloadFailed }) : '';
    said.hidden = !s.said;
    said.textContent = s.said;
    failed.hidden = !s.failed;
    failed.textContent = s.failed ? tx('cp.failed', { code: s.failed }) : '';
    asOf.textContent = v ? tx('cp.as_of', { time: ctx.time(v.asOf) }) : '';
    const lines = v?.alarms ?? [];
    alarmBox.hidden = lines.length === 0;
    alarmBox.replaceChildren(...lines.map((a) => el('p', { text: `${a[lang === 'en' ? 'en' : 'ja']}${a.at ? ` (${ctx.time(a.at)})` : ''} ${a.message}`.trim(), attrs: { 'data-testid': 'compliance-alarm' } })));
    if (v) {
      const counts = v.summary;
      const good = STATUS_ORDER.every((k) => k === 'ok' || !counts[k]);
      // Only the statuses some clause has, in the order they are listed (attention first).
      summary.textContent = good ? tx('cp.summary.good') : STATUS_ORDER.filter((k) => counts[k]).map((k) => tx(`cp.sum.${k}`, { n: counts[k] })).join(tx('cp.sum.join'));
      summary.dataset.state = counts.attention || counts.unknown ? 'attention' : counts.missing || counts.manual ? 'missing' : 'ok';
      // The rows are drawn again only when what they show changed: the attestation form opened
      // under a row keeps its focus and what was typed while the page repaints.
      const key = `${lang}|${s.attesting ?? ''}|${s.session.user.roles.join()}`;
      if (drawn.view !== v || drawn.key !== key) {
        drawn.view = v;
        drawn.key = key;
        // The view read again (a refresh, another tab's answer) while someone types in the
        // attestation form: the form moves to the new rows with its focus and what was typed.
        const active = document.activeElement;
        const typing = active instanceof HTMLElement && attest.node.contains(active) ? active : null;
        const caret = typing instanceof HTMLTextAreaElement || typing instanceof HTMLInputElement ? [typing.selectionStart, typing.selectionEnd] : null;
        const head = el('thead', {}, el('tr', {}, ...['clause', 'kind', 'title', 'status', 'reasons', 'evidence', 'action'].map((c) => el('th', { text: tx(`cp.col.${c}`), attrs: { scope: 'col' } }))));
        const body = el('tbody');
        for (const r of v.rows) {
          body.append(rowNode(r));
          if (r.id === s.attesting) body.append(el('tr', { cls: 'cp-attest-row' }, el('td', { attrs: { colspan: 7 } }, attest.node)));
        }
        if (!v.rows.length) body.append(el('tr', {}, el('td', { text: tx('cp.empty'), attrs: { colspan: 7 } })));
        table.replaceChildren(head, body);
        if (typing) {
          typing.focus({ preventScroll: true });
          if (caret && (typing instanceof HTMLTextAreaElement || typing instanceof HTMLInputElement) && typing.type !== 'password' && caret[0] !== null) typing.setSelectionRange(caret[0], caret[1]);
        }
      }
    } else if (s.loading) {
      summary.textContent = tx('cp.loading');
      table.replaceChildren();
      drawn.view = null;
    }
    table.setAttribute('lang', lang);
    attest.paint();
    alerts.paint();
    drills.paint();
    report.paint();
    frame.translate(tx);
  }

  function render() {
    if (!s?.ready) return;
    if (!can(READERS)) {
      frame.translate(tx);
      return;
    }
    paint();
  }

  return { start, stop, render, shown };
}

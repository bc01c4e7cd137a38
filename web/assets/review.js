// @ts-check
// The weekly access review (週次点検, E4.2; issue 16, item 4), for the responsible person (責任者),
// authorised persons (権限者), auditors and administrators (reviews:read): a week is chosen (last
// week first; the previous and next weeks; whether each is signed or overdue), and shown counts
// first — the records looked at and the findings by severity (review-counts.js) — then the
// findings grouped by kind, each opened to its evidence, each given its disposition as a draft by
// the responsible person (review-findings.js, review-disposition.js, review-evidence.js); signed at
// the bottom with badge and PIN (review-sign.js); once signed, who signed and when, the re-check
// and the A4 printout (review-signed.js). The CSV of the findings is saved in the page's language.
// Loaded by app.js when the tab is first opened, with its stylesheets.
import { addMessages } from './i18n.js';
import { el } from './dom.js';
import { formatCalendarDate, formatDateTime } from './dates.js';
import { loadCss } from './stylesheets.js';
import { getList, screenFrame, siteNow, translate } from './screen.js';
import { fetchFile, saveFile, setOptions } from './audit-shared.js';
import { REVIEW_MESSAGES } from './review-messages.js';
import { shiftWeek, weekDays, weekOfDay, weeksBack } from './review-week.js';
import { createCounts } from './review-counts.js';
import { createFindings } from './review-findings.js';
import { createSignForm } from './review-sign.js';
import { createSignedBox } from './review-signed.js';

addMessages(REVIEW_MESSAGES);

/** The signing form's look (forms.css, media.css), the audit screens' tables and facts (audit.css), and its own. */
const CSS = ['/assets/forms.css', '/assets/media.css', '/assets/audit.css', '/assets/review.css'];
/** The chooser offers this week and a year back. */
const WEEKS = 53;

/** @typedef {import('./page-types.js').ReviewWeek} ReviewWeek */
/** @typedef {import('./api-types.js').ReviewComputation} ReviewComputation */
/** @typedef {import('./api-types.js').SignedReview} SignedReview */
/**
 * The review screen's session state: what the user may do, the rooms and the people met (names by
 * id), the weeks signed and overdue, the week on screen, a message for the screen, and a number
 * that drops answers overtaken by a later choice.
 * @typedef {{ session: import('./page-types.js').Session, ready: boolean, perms: string[], rooms: import('./api-types.js').Room[],
 *   people: Map<string, string>, asked: Set<string>, signedWeeks: Set<string>, overdue: Set<string>, view: ReviewWeek | null,
 *   notice: { key: string, ok: boolean } | null, seq: number, parts: Parts | null }} ReviewState
 */
/**
 * @typedef {{ counts: ReturnType<typeof createCounts>, findings: ReturnType<typeof createFindings>, sign: ReturnType<typeof createSignForm>,
 *   signed: ReturnType<typeof createSignedBox> }} Parts
 */

/**
 * Creates the review screen; app.js calls start() when the tab is first opened after sign-in,
 * shown() when it comes on screen, render() on every change, stop() when the sign-in ends.
 * @param {import('./page-types.js').Host} host
 */
export function createReview(host) {
  const frame = screenFrame('review', host, () => {}, () => s?.parts?.sign.leave());
  const { root, tx } = frame;
  const tz = () => host.config().displayTimeZone;

  /** @type {ReviewState | null} */
  let s = null;

  /** @type {import('./page-types.js').ReviewContext} */
  const ctx = {
    host,
    tx,
    time: (iso) => formatDateTime(iso, tz()),
    date: (day) => formatCalendarDate(day, host.lang()),
    me: () => ({ id: s?.session.user.personId ?? '', name: s?.session.user.name ?? '' }),
    may: (permission) => Boolean(s?.perms.includes(permission)),
    is: (role) => Boolean(s?.session.user.roles.includes(role)),
    roomName: (id) => s?.rooms.find((r) => r.id === id)?.name ?? '',
    personName: (id) => s?.people.get(id) ?? '',
    learnPeople,
    view: () => s?.view ?? null,
    render,
  };

  // ------------------------------------------------------------------ the week bar

  const prev = el('button', { cls: 'button button-small rv-step', attrs: { type: 'button', 'data-testid': 'review-prev' } });
  const next = el('button', { cls: 'button button-small rv-step', attrs: { type: 'button', 'data-testid': 'review-next' } });
  const weekSelect = el('select', { attrs: { id: 'rv-week', 'data-testid': 'review-week', 'aria-describedby': 'rv-week-hint' } });
  const weekState = el('span', { cls: 'pill rv-state', attrs: { 'data-testid': 'review-week-state' } });
  const csv = el('button', { cls: 'button button-small audit-csv', attrs: { type: 'button', 'data-testid': 'review-csv' } });
  const csvNote = el('p', { cls: 'alert audit-error', attrs: { role: 'alert', hidden: true, 'data-testid': 'review-csv-error' } });
  const weekBar = el(
    'div',
    { cls: 'rv-weekbar', attrs: { role: 'group', 'aria-labelledby': 'rv-week-label' } },
    prev,
    el('div', { cls: 'field rv-week-field' }, el('label', { attrs: { id: 'rv-week-label', for: 'rv-week', 'data-m': 'review.week' } }), weekSelect),
    next,
    weekState,
    el('span', { cls: 'rv-weekbar-end' }, csv),
  );
  const notice = el('p', { cls: 'notice rv-notice', attrs: { role: 'status', tabindex: '-1', hidden: true, 'data-testid': 'review-notice' } });
  const readonly = el('p', { cls: 'notice rv-readonly', attrs: { hidden: true, 'data-testid': 'review-readonly' } });

  let csvBusy = false;
  /** @type {string | null} */
  let csvFailed = null;

  weekSelect.addEventListener('change', () => void loadWeek(weekSelect.value));
  prev.addEventListener('click', () => void loadWeek(shiftWeek(s?.view?.week ?? '', -1)));
  next.addEventListener('click', () => void loadWeek(shiftWeek(s?.view?.week ?? '', 1)));
  csv.addEventListener('click', async () => {
    const week = s?.view?.week;
    if (!week || csvBusy) return;
    const lang = host.lang();
    csvBusy = true;
    csvFailed = null;
    render();
    const got = await fetchFile({ host }, `/api/reviews/findings?${new URLSearchParams({ week, format: 'csv', lang })}`);
    csvBusy = false;
    if (got.blob) saveFile(got.blob, `${tx('review.csv.file')}${lang === 'ja' ? '_' : '-'}${week}.csv`);
    else if (got.status !== 401) csvFailed = got.code ?? 'error';
    render();
  });

  /** This week, on the site's calendar. */
  const thisWeek = () => weekOfDay(siteNow(tz()).date);
  /** Has the week ended (so that it may be signed)? */
  const isOver = (week) => (weekDays(week)?.sunday ?? '9999') < siteNow(tz()).date;

  /** @param {string} week */
  function weekState_(week) {
    if (s?.signedWeeks.has(week)) return 'signed';
    if (s?.overdue.has(week)) return 'overdue';
    return week === thisWeek() ? 'current' : 'open';
  }

  /** "2026年 第49週（2026/11/30（月） 〜 2026/12/06（日））署名済み" */
  function weekWords(week, withState = true) {
    const d = weekDays(week);
    if (!d) return week;
    const name = tx('review.week.name', { year: d.year, n: d.n });
    return tx('review.week.option', { name, from: ctx.date(d.monday), to: ctx.date(d.sunday), state: withState ? `— ${tx(`review.state.${weekState_(week)}`)}` : '' }).trim();
  }

  function paintWeekBar() {
    const week = s?.view?.week ?? '';
    const newest = thisWeek();
    const weeks = weeksBack(newest, WEEKS);
    if (week && !weeks.includes(week)) weeks.push(week);
    weeks.sort().reverse();
    setOptions(weekSelect, weeks.map((w) => [w, weekWords(w)]), week);
    const hadFocus = document.activeElement;
    prev.disabled = !week || week <= weeks[weeks.length - 1];
    next.disabled = !week || week >= newest;
    if ((hadFocus === prev && prev.disabled) || (hadFocus === next && next.disabled)) weekSelect.focus();
    prev.textContent = tx('review.week.prev');
    next.textContent = tx('review.week.next');
    prev.setAttribute('aria-label', tx('review.week.prev.label'));
    next.setAttribute('aria-label', tx('review.week.next.label'));
    const state = week ? weekState_(week) : '';
    weekState.textContent = state ? tx(`review.state.${state}`) : '';
    weekState.className = `pill rv-state rv-state-${state}`;
    weekState.dataset.state = state;
    csv.textContent = tx(csvBusy ? 'review.csv.busy' : 'review.csv');
    csv.disabled = csvBusy || s?.view?.state !== 'ready';
    csvNote.hidden = !csvFailed;
    csvNote.textContent = csvFailed ? tx('review.csv.failed', { code: csvFailed }) : '';
  }

  // ------------------------------------------------------------------ loading

  /**
   * Shows a week: its stored review when signed (GET /api/reviews/:week), else its findings computed
   * now (GET /api/reviews/findings?week=…). `quiet`: the week on screen stays until the new answer
   * is in (the findings read again after a refusal); otherwise the counts say "reviewing…" at once.
   * @param {string} week
   * @param {{ quiet?: boolean }} [options]
   */
  async function loadWeek(week, { quiet = false } = {}) {
    const my = s;
    if (!my || !weekDays(week)) return;
    const seq = ++my.seq;
    if (!quiet || my.view?.week !== week) {
      if (my.view?.week !== week) {
        my.notice = null;
        csvFailed = null;
        my.parts?.sign.reset();
      }
      my.view = { week, state: 'loading', error: null, period: null, counts: null, findings: [], drafts: new Map(), digest: null, digestHash: '', signed: null, over: isOver(week) };
      render();
    }
    const stale = () => s !== my || my.seq !== seq;
    /** @type {ReviewWeek} */
    const view = { week, state: 'ready', error: null, period: null, counts: null, findings: [], drafts: new Map(), digest: null, digestHash: '', signed: null, over: isOver(week) };
    /** A week that could not be read says so, with its code (a refused sign-in has ended the screen). */
    const failed = (/** @type {import('./page-types.js').ApiResult} */ res) => {
      if (res.status === 401) return;
      my.view = { ...view, state: 'error', error: res.code ?? `HTTP ${res.status || 'network'}` };
      render();
    };
    let signed = my.signedWeeks.has(week);
    if (!signed) {
      const res = await (host.takeFindings?.(week) ?? host.api('GET', `/api/reviews/findings?${new URLSearchParams({ week })}`));
      if (stale()) return;
      if (res.status !== 200 || !res.data) return failed(res);
      /** @type {ReviewComputation} */
      const data = res.data;
      signed = Boolean(data.signed);
      view.period = { from: data.period.from, to: data.period.to };
      view.counts = data.counts;
      view.findings = data.findings;
      view.drafts = new Map(data.dispositions.map((d) => [d.key, d]));
      view.digest = data.digest;
      view.digestHash = data.digestHash;
    }
    if (signed) {
      const res = await host.api('GET', `/api/reviews/${encodeURIComponent(week)}`);
      if (stale()) return;
      if (res.status !== 200 || !res.data) return failed(res);
      /** @type {SignedReview} */
      const r = res.data;
      my.signedWeeks.add(week);
      my.overdue.delete(week);
      Object.assign(view, { signed: r, period: r.period, counts: r.counts, findings: r.findings, drafts: new Map(), digest: null, digestHash: r.digestHash });
    }
    my.view = view;
    render();
    const people = view.signed ? [view.signed.signedBy, ...view.findings.map((f) => f.dispositionBy ?? '')] : [...view.drafts.values()].map((d) => d.personId);
    void learnPeople(people.filter(Boolean));
  }

  /** The weeks signed, and those overdue (GET /api/reviews). */
  async function loadWeeks() {
    const my = s;
    if (!my) return;
    const res = await host.api('GET', '/api/reviews?limit=60');
    if (s !== my || res.status !== 200 || !res.data) return;
    my.signedWeeks = new Set((res.data.items ?? []).map((r) => String(r.week)));
    my.overdue = new Set((res.data.overdue ?? []).map(String));
    render();
  }

  /**
   * Looks up the names of people not met yet (GET /api/people/:id), then words the screen again.
   * @param {string[]} ids
   */
  async function learnPeople(ids) {
    const my = s;
    if (!my) return;
    const wanted = [...new Set(ids)].filter((id) => id && !my.people.has(id) && !my.asked.has(id));
    if (!wanted.length) return;
    for (const id of wanted) my.asked.add(id);
    const answers = await Promise.all(wanted.map((id) => host.api('GET', `/api/people/${encodeURIComponent(id)}`, { background: true })));
    if (s !== my) return;
    answers.forEach((res, i) => {
      if (res.status === 200 && typeof res.data?.name === 'string') my.people.set(wanted[i], res.data.name);
    });
    render();
  }

  /** The week was signed: the signed review is shown, the weeks and the overdue notice asked again. */
  async function onSigned(/** @type {SignedReview} */ r) {
    const my = s;
    if (!my) return;
    my.signedWeeks.add(r.week);
    my.overdue.delete(r.week);
    await loadWeek(r.week, { quiet: true });
    if (s !== my) return;
    my.notice = { key: 'review.sign.done', ok: true };
    render();
    my.parts?.signed.focus();
    void loadWeeks();
    host.reviewed?.();
  }

  // ------------------------------------------------------------------ lifecycle

  function start() {
    const session = host.session();
    if (!session || s?.session === session) return;
    stop();
    /** @type {ReviewState} */
    const my = { session, ready: false, perms: [], rooms: [], people: new Map([[session.user.personId, session.user.name]]), asked: new Set(), signedWeeks: new Set(), overdue: new Set(), view: null, notice: null, seq: 0, parts: null };
    s = my;
    frame.loading();
    // Last week first (or the week asked for, e.g. from the overdue notice); its findings are asked
    // for at once, beside the stylesheets and the rest.
    const first = host.takeWeek?.() ?? shiftWeek(thisWeek(), -1);
    void loadWeek(first);
    void loadWeeks();
    const perms = host.permissions ? host.permissions() : Promise.resolve([]);
    const rooms = getList(host, '/api/rooms');
    void Promise.all([...CSS.map(loadCss), perms, rooms]).then(([, , , , p, r]) => {
      if (s !== my) return;
      my.perms = /** @type {string[]} */ (p);
      my.rooms = /** @type {import('./api-types.js').Room[] | null} */ (r) ?? [];
      my.ready = true;
      frame.ready();
      build();
      render();
    });
  }

  function stop() {
    if (!s) return;
    s.parts?.findings.stop();
    s.parts?.signed.stop();
    s = null;
    frame.clear();
  }

  /** The tab came on screen: a week asked for elsewhere (the overdue notice) is shown, its chooser focused. */
  function shown() {
    const week = host.takeWeek?.();
    if (!s || !week) return;
    if (week !== s.view?.week) void loadWeek(week);
    if (s.ready) weekSelect.focus();
  }

  function build() {
    const my = s;
    if (!my) return;
    if (!ctx.may('reviews:read')) {
      frame.forbidden('review.forbidden');
      return;
    }
    const counts = createCounts(ctx, { retry: () => void loadWeek(my.view?.week ?? shiftWeek(thisWeek(), -1)) });
    const findings = createFindings(ctx, { changed: () => my.parts?.sign.paint(), reload: () => void loadWeek(my.view?.week ?? '', { quiet: true }) });
    const signed = createSignedBox(ctx);
    const sign = createSignForm(ctx, {
      missing: () => findings.missing(),
      goTo: (key) => findings.focus(key),
      signed: (r) => void onSigned(r),
      reload: () => loadWeek(my.view?.week ?? '', { quiet: true }),
      tell: (key) => {
        my.notice = { key, ok: false };
        render();
        notice.focus();
      },
    });
    my.parts = { counts, findings, sign, signed };
    root.replaceChildren(
      el(
        'div',
        { cls: 'rv-view', attrs: { 'data-testid': 'review-view' } },
        el('p', { cls: 'audit-intro', attrs: { 'data-m': 'review.intro' } }),
        readonly,
        weekBar,
        el('p', { cls: 'field-hint', attrs: { id: 'rv-week-hint', 'data-m': 'review.week.hint' } }),
        csvNote,
        notice,
        counts.node,
        signed.node,
        findings.node,
        sign.node,
      ),
    );
  }

  // ------------------------------------------------------------------ rendering

  function render() {
    if (!s?.ready) return;
    if (!s.parts) {
      translate(root, tx);
      return;
    }
    translate(root, tx);
    readonly.hidden = ctx.may('reviews:sign');
    readonly.textContent = tx('review.readonly');
    paintWeekBar();
    notice.hidden = !s.notice;
    notice.className = `rv-notice ${s.notice?.ok === false ? 'alert' : 'notice'}`;
    notice.textContent = s.notice ? tx(s.notice.key) : '';
    s.parts.counts.paint();
    s.parts.signed.paint();
    s.parts.findings.paint();
    s.parts.sign.paint();
  }

  return { start, stop, render, shown };
}

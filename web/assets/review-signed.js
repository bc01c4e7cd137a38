// @ts-check
// A signed week of the weekly review: who signed and when, the rules and the digest it was signed
// over; the re-check (GET /api/reviews/:week/check: recomputed with the rules of its version —
// unchanged, or the differences by table and day, those the access-log retention explains marked
// as such, and the findings that appeared or went); and the A4 printout (the server's page, opened
// in a new tab through a print link).
import { el } from './dom.js';
import { openPrintLink } from './printable.js';
import { changeLine } from './review-words.js';

/** @typedef {import('./api-types.js').ReviewCheck} ReviewCheck */

/**
 * @param {import('./page-types.js').ReviewContext} ctx
 */
export function createSignedBox(ctx) {
  const { tx } = ctx;
  const title = el('h3', { attrs: { id: 'rv-signed-title', tabindex: '-1', 'data-testid': 'review-signed-title' } });
  const by = el('p', { cls: 'rv-signed-by', attrs: { 'data-testid': 'review-signed-by' } });
  const facts = el('dl', { cls: 'audit-facts rv-signed-facts' });
  const recheck = el('button', { cls: 'button button-small', attrs: { type: 'button', 'data-testid': 'review-recheck' } });
  const print = el('button', { cls: 'button button-small', attrs: { type: 'button', 'data-testid': 'review-print' } });
  const result = el('div', { cls: 'rv-recheck', attrs: { role: 'status', tabindex: '-1', 'data-testid': 'review-recheck-result' } });
  const printNote = el('p', { cls: 'alert', attrs: { role: 'alert', hidden: true, 'data-testid': 'review-print-error' } });
  const node = el(
    'section',
    { cls: 'rv-signed', attrs: { 'aria-labelledby': 'rv-signed-title', hidden: true, 'data-testid': 'review-signed' } },
    el('div', { cls: 'rv-signed-head' }, el('div', {}, title, by), el('div', { cls: 'audit-actions' }, recheck, print)),
    facts,
    printNote,
    result,
  );

  /** The re-check of the week on screen: under way, its answer, or why it failed. */
  /** @type {{ week: string, busy: boolean, check: ReviewCheck | null, error: string | null, at: string } | null} */
  let check = null;
  /** @type {{ key: string, params: Record<string, string>, week?: string } | null} */
  let printError = null;
  let dead = false;

  recheck.addEventListener('click', async () => {
    const v = ctx.view();
    if (!v?.signed || check?.busy) return;
    /** @type {NonNullable<typeof check>} */
    const my = { week: v.week, busy: true, check: null, error: null, at: '' };
    check = my;
    paint();
    const res = await ctx.host.api('GET', `/api/reviews/${encodeURIComponent(v.week)}/check`);
    my.busy = false;
    if (dead || check !== my) return;
    if (res.status === 200 && res.data) my.check = res.data;
    else if (res.status === 401) return;
    else my.error = res.code ?? `HTTP ${res.status || 'network'}`;
    my.at = new Date().toISOString();
    paint();
    if (ctx.view()?.week === my.week) result.focus();
  });

  print.addEventListener('click', async () => {
    const v = ctx.view();
    if (!v?.signed) return;
    const failed = await openPrintLink(ctx.host, `/api/reviews/${encodeURIComponent(v.week)}/print`, { print: true });
    printError = failed ? { ...failed, week: v.week } : null;
    if (!dead) paint();
  });

  /** The re-check's verdict and its lines. */
  function verdict() {
    if (!check) return [];
    if (check.busy) return [el('p', { cls: 'muted', text: tx('review.recheck.busy') })];
    if (check.error) return [el('p', { cls: 'alert', text: tx('review.recheck.failed', { code: check.error }) })];
    const c = /** @type {ReviewCheck} */ (check.check);
    const retention = c.differences.filter((d) => d.explainedBy === 'retention');
    const lines = c.differences.map((d) => {
      const before = d.signed?.count ?? 0;
      const after = d.now?.count ?? 0;
      const what = after < before ? tx('review.recheck.removed') : after > before ? tx('review.recheck.added') : '';
      return el(
        'li',
        { cls: d.explainedBy ? 'rv-explained' : 'rv-changed', attrs: { 'data-testid': 'review-recheck-difference', 'data-table': d.table, 'data-explained': d.explainedBy ?? '' } },
        changeLine(ctx, { table: d.table, day: d.day, before, after }),
        ...(d.explainedBy ? [el('span', { cls: 'pill pill-info rv-explained-pill', text: tx('review.recheck.retention') })] : what ? [el('span', { cls: 'pill pill-warn', text: what })] : []),
      );
    });
    return [
      el('p', {
        cls: `audit-verdict-title ${c.unchanged ? 'audit-verdict-ok' : 'audit-verdict-bad'}`,
        text: tx(c.unchanged ? (retention.length ? 'review.recheck.ok.retention' : 'review.recheck.ok') : 'review.recheck.bad'),
        attrs: { 'data-testid': 'review-recheck-verdict', 'data-unchanged': String(c.unchanged) },
      }),
      ...(lines.length ? [el('ul', { cls: 'rv-recheck-list' }, ...lines)] : []),
      ...(c.findings.added.length ? [el('p', { text: tx('review.recheck.findings.added', { n: c.findings.added.length }) })] : []),
      ...(c.findings.removed.length ? [el('p', { text: tx('review.recheck.findings.removed', { n: c.findings.removed.length }) })] : []),
      ...(!c.unchanged ? [el('p', { cls: 'audit-verdict-hint', text: tx('review.recheck.bad.hint') })] : []),
      el('p', { cls: 'field-hint', text: tx('review.recheck.at', { time: ctx.time(check.at) }) }),
    ];
  }

  function paint() {
    const v = ctx.view();
    const r = v?.state === 'ready' ? v.signed : null;
    node.hidden = !r;
    if (!r) return;
    if (check && check.week !== r.week) check = null;
    if (printError && printError.week !== r.week) printError = null;
    title.textContent = tx('review.signed.title');
    by.textContent = tx('review.signed.by', { name: ctx.personName(r.signedBy) || r.signedBy, time: ctx.time(r.signedAt) });
    /** @type {[string, Node][]} */
    const rows = [
      ['review.signed.rules', document.createTextNode(String(r.rulesVersion))],
      ['review.signed.digest', el('code', { cls: 'audit-hash', text: r.digestHash, attrs: { 'data-testid': 'review-signed-digest' } })],
      ['review.signed.record', el('code', { cls: 'audit-hash', text: r.recordId })],
    ];
    facts.replaceChildren(...rows.map(([k, n]) => el('div', {}, el('dt', { text: tx(k) }), el('dd', {}, n))));
    recheck.textContent = tx(check?.busy ? 'review.recheck.busy' : 'review.recheck');
    recheck.disabled = Boolean(check?.busy);
    print.textContent = tx('review.print');
    printNote.hidden = !printError;
    printNote.textContent = printError ? tx(printError.key, printError.params) : '';
    result.hidden = !check;
    result.dataset.state = !check ? '' : check.busy ? 'busy' : check.error ? 'error' : check.check?.unchanged ? 'unchanged' : 'changed';
    result.replaceChildren(...verdict());
  }

  return {
    node,
    paint,
    /** The heading, to take the focus once a week is signed. */
    focus: () => title.focus(),
    stop() {
      dead = true;
      check = null;
    },
  };
}


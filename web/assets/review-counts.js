// @ts-check
// The counts of the weekly review, shown first (issue 16, item 4): the records looked at — entries
// (denied among them), requests of the access log (sign-ins among them), journal entries — and
// the findings by severity. data-state="ready" once they are on screen (the benchmark waits for
// it), "loading" while the week is being reviewed, "error" when it could not be.
import { el } from './dom.js';
import { count, SEVERITIES } from './review-words.js';
import { lastDayOf } from './review-week.js';

/**
 * @param {import('./page-types.js').ReviewContext} ctx
 * @param {{ retry: () => void }} options
 */
export function createCounts(ctx, { retry }) {
  const { tx } = ctx;
  /** A tile: the number, what it counts, and a line under it. */
  const tile = (name, cls = '') => {
    const n = el('span', { cls: 'rv-tile-n', attrs: { 'data-testid': `review-count-${name}` } });
    const label = el('span', { cls: 'rv-tile-label' });
    const sub = el('span', { cls: 'rv-tile-sub', attrs: { 'data-testid': `review-count-${name}-sub` } });
    return { node: el('div', { cls: `rv-tile ${cls}`, attrs: { 'data-count': name } }, n, label, sub), n, label, sub };
  };
  const tiles = {
    entries: tile('entries'),
    requests: tile('requests'),
    journal: tile('journal'),
    findings: tile('findings', 'rv-tile-findings'),
    ...Object.fromEntries(SEVERITIES.map((s) => [s, tile(s, `rv-tile-sev rv-sev-${s}`)])),
  };
  const title = el('h3', { attrs: { id: 'rv-counts-title', 'data-m': 'review.counts.title' } });
  const periodLine = el('p', { cls: 'rv-period', attrs: { 'data-testid': 'review-period' } });
  const status = el('p', { cls: 'rv-counts-status', attrs: { role: 'status', 'data-testid': 'review-counts-status' } });
  const again = el('button', { cls: 'button button-small', attrs: { type: 'button', hidden: true, 'data-testid': 'review-retry' } });
  again.addEventListener('click', retry);
  const looked = el('div', { cls: 'rv-tiles' }, tiles.entries.node, tiles.requests.node, tiles.journal.node);
  const found = el('div', { cls: 'rv-tiles rv-tiles-findings' }, tiles.findings.node, ...SEVERITIES.map((s) => tiles[s].node));
  const body = el('div', { cls: 'rv-counts-body' }, looked, found);
  const node = el(
    'section',
    { cls: 'rv-counts', attrs: { 'aria-labelledby': 'rv-counts-title', 'data-testid': 'review-counts', 'data-state': 'loading' } },
    el('div', { cls: 'rv-counts-head' }, title, periodLine),
    el('p', { cls: 'rv-status-row' }, status, again),
    body,
  );

  /** Shows the counts of the week on screen (or that it is loading, or failed). */
  function paint() {
    const v = ctx.view();
    title.textContent = tx('review.counts.title');
    node.dataset.week = v?.week ?? '';
    node.setAttribute('aria-busy', String(!v || v.state === 'loading'));
    const ready = Boolean(v && v.state === 'ready' && v.counts);
    body.hidden = !ready;
    again.hidden = v?.state !== 'error';
    again.textContent = tx('review.counts.retry');
    status.hidden = ready;
    status.className = `rv-counts-status${v?.state === 'error' ? ' alert' : ''}`;
    status.textContent = !v || v.state === 'loading' ? tx('review.counts.loading') : v.state === 'error' ? tx('review.counts.failed', { code: v.error ?? '' }) : '';
    periodLine.textContent =
      v?.period && ready
        ? tx('review.counts.period', { from: ctx.date(v.period.from.slice(0, 10)), to: ctx.date(lastDayOf(v.period.to)), tz: ctx.host.config().displayTimeZone })
        : '';
    if (!ready || !v?.counts) {
      node.dataset.state = v?.state === 'error' ? 'error' : 'loading';
      return;
    }
    const c = v.counts;
    const n = (x) => tx('review.counts.n', { n: count(x) });
    set(tiles.entries, n(c.entries), tx('review.counts.entries'), tx('review.counts.denied', { n: count(c.deniedEntries) }));
    set(tiles.requests, n(c.requests), tx('review.counts.requests'), tx('review.counts.signins', { n: count(c.signins) }));
    set(tiles.journal, n(c.journalEntries), tx('review.counts.journal'), '');
    set(tiles.findings, n(v.findings.length), tx('review.counts.findings'), '');
    for (const s of SEVERITIES) {
      const k = v.findings.filter((f) => f.severity === s).length;
      set(tiles[s], n(k), tx(`review.sev.${s}`), '');
      tiles[s].node.classList.toggle('rv-zero', k === 0);
    }
    node.dataset.state = 'ready';
  }

  /** @param {{ n: HTMLElement, label: HTMLElement, sub: HTMLElement }} t */
  function set(t, n, label, sub) {
    t.n.textContent = n;
    t.label.textContent = label;
    t.sub.textContent = sub;
    t.sub.hidden = !sub;
  }

  return { node, paint };
}


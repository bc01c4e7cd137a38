// @ts-check
// The findings of a week of the weekly review (所見), grouped by kind, the most serious first: the
// groups with their counts first (a list that goes to each group), then each group's findings —
// when, a line that sums it up, its severity, its disposition (review-disposition.js) — each
// opened with its button (Enter or Space) to its facts, the people and rooms it is about, and its
// evidence rows (review-evidence.js). A week with nothing unusual says so plainly.
import { el } from './dom.js';
import { createDispositions } from './review-disposition.js';
import { evidenceNodes, loadEvidence } from './review-evidence.js';
import { count, factRows, kindTitle, summary } from './review-words.js';

/** @typedef {import('./api-types.js').ReviewFinding} ReviewFinding */
/** @typedef {import('./review-evidence.js').EvidenceRows} EvidenceRows */

/** Findings shown at first in a group; the rest on demand. */
const FIRST = 25;

/**
 * A finding on screen: its item, its parts to word, and whether it is open.
 * @typedef {{ f: ReviewFinding, node: HTMLElement, toggle: HTMLButtonElement, time: HTMLElement, text: HTMLElement, sev: HTMLElement,
 *   evCount: HTMLElement, detail: HTMLElement, open: boolean, rows: EvidenceRows | 'loading' | null }} Item
 */
/**
 * A group of one kind: its findings, the items made of them so far (those shown: a week of many
 * findings makes only what is on screen), its section, heading, count, list and "more" button.
 * @typedef {{ kind: string, severity: string, findings: ReviewFinding[], items: Item[], node: HTMLElement, heading: HTMLElement, count: HTMLElement,
 *   list: HTMLElement, more: HTMLButtonElement, all: boolean }} Group
 */

/**
 * @param {import('./page-types.js').ReviewContext} ctx
 * @param {{ changed: () => void, reload: () => void }} options changed(): a disposition was saved
 *   (the signing form counts them); reload(): read the week again
 */
export function createFindings(ctx, { changed, reload }) {
  const { tx } = ctx;
  const dispositions = createDispositions(ctx, { changed, reload });

  const empty = el('div', { cls: 'empty rv-none', attrs: { hidden: true, 'data-testid': 'review-none' } });
  const tocTitle = el('h3', { attrs: { id: 'rv-toc-title' } });
  const toc = el('ul', { cls: 'rv-toc', attrs: { 'data-testid': 'review-groups' } });
  const tocHint = el('p', { cls: 'field-hint' });
  const tocBox = el('nav', { cls: 'rv-toc-box', attrs: { 'aria-labelledby': 'rv-toc-title', hidden: true } }, tocTitle, tocHint, toc);
  const groupsBox = el('div', { cls: 'rv-groups', attrs: { 'data-testid': 'review-findings' } });
  const node = el('div', { cls: 'rv-findings' }, empty, tocBox, groupsBox);

  /** @type {Group[]} */
  let groups = [];
  /** @type {Map<string, Item>} */
  let items = new Map();
  /** The week (and its findings) the items were built for. */
  /** @type {unknown} */
  let builtFor = null;
  let uid = 0;

  /** Builds the groups of the week on screen (once per load of a week); their items as they are shown. */
  function build() {
    const v = ctx.view();
    dispositions.reset();
    groups = [];
    items = new Map();
    builtFor = v?.state === 'ready' ? v.findings : null;
    if (!v || v.state !== 'ready') {
      groupsBox.replaceChildren();
      toc.replaceChildren();
      return;
    }
    /** @type {Map<string, Group>} */
    const byKind = new Map();
    for (const f of v.findings) {
      let g = byKind.get(f.kind);
      if (!g) {
        const id = `rv-g-${f.kind}`;
        const heading = el('h3', { cls: 'rv-group-title', attrs: { id, tabindex: '-1' } });
        const countNode = el('span', { cls: 'rv-group-count' });
        const list = el('ol', { cls: 'rv-list' });
        const more = el('button', { cls: 'button button-small rv-more', attrs: { type: 'button', hidden: true, 'data-testid': 'review-group-more' } });
        g = {
          kind: f.kind,
          severity: f.severity,
          findings: [],
          items: [],
          node: el('section', { cls: `rv-group rv-sev-${f.severity}`, attrs: { 'aria-labelledby': id, 'data-kind': f.kind, 'data-testid': 'review-group' } }, el('div', { cls: 'rv-group-head' }, heading, countNode), list, more),
          heading,
          count: countNode,
          list,
          more,
          all: false,
        };
        const group = g;
        more.addEventListener('click', () => {
          group.all = true;
          paintGroup(group);
          group.items[FIRST]?.toggle.focus();
        });
        byKind.set(f.kind, g);
        groups.push(g);
      }
      g.findings.push(f);
    }
    groupsBox.replaceChildren(...groups.map((g) => g.node));
    toc.replaceChildren(
      ...groups.map((g) => {
        const b = el('button', { cls: `rv-toc-link rv-sev-${g.severity}`, attrs: { type: 'button', 'data-kind': g.kind, 'data-testid': 'review-group-link' } });
        b.addEventListener('click', () => {
          g.heading.focus();
          g.heading.scrollIntoView({ block: 'start' });
        });
        return el('li', {}, b);
      }),
    );
  }

  /** @param {ReviewFinding} f @returns {Item} */
  function makeItem(f) {
    const id = `rv-f-${++uid}`;
    const time = el('span', { cls: 'rv-time' });
    const text = el('span', { cls: 'rv-text', attrs: { 'data-testid': 'finding-summary' } });
    const toggle = el('button', { cls: 'rv-toggle', attrs: { type: 'button', 'aria-expanded': 'false', 'aria-controls': `${id}-detail`, 'data-testid': 'finding-toggle' } }, el('span', { cls: 'rv-chevron', attrs: { 'aria-hidden': 'true' } }), time, text);
    const sev = el('span', { cls: `pill rv-pill rv-sev-${f.severity}` });
    const evCount = el('span', { cls: 'rv-ev-count' });
    const detail = el('div', { cls: 'rv-detail', attrs: { id: `${id}-detail`, hidden: true, 'data-testid': 'finding-detail' } });
    const nodeItem = el(
      'li',
      { cls: `rv-finding rv-sev-${f.severity}`, attrs: { 'data-key': f.key, 'data-kind': f.kind, 'data-testid': 'review-finding' } },
      el('div', { cls: 'rv-finding-head' }, toggle, el('span', { cls: 'rv-finding-meta' }, sev, evCount)),
      dispositions.node(f),
      detail,
    );
    /** @type {Item} */
    const item = { f, node: nodeItem, toggle, time, text, sev, evCount, detail, open: false, rows: null };
    toggle.addEventListener('click', () => void setOpen(item, !item.open));
    return item;
  }

  /**
   * Opens (or closes) a finding: the first time, its people's names and its evidence rows are read.
   * @param {Item} item
   * @param {boolean} open
   */
  async function setOpen(item, open) {
    item.open = open;
    paintItem(item);
    const v = ctx.view();
    if (!open || item.rows || !v?.period) return;
    item.rows = 'loading';
    paintItem(item);
    const [rows] = await Promise.all([loadEvidence(ctx.host, item.f, v.period), ctx.learnPeople(item.f.personIds)]);
    if (items.get(item.f.key) !== item) return;
    item.rows = rows;
    paintItem(item);
  }

  /** @param {Item} item */
  function paintItem(item) {
    const f = item.f;
    const title = kindTitle(ctx, f.kind);
    item.time.textContent = ctx.time(f.at);
    item.text.textContent = summary(ctx, f);
    item.sev.textContent = tx(`review.sev.${f.severity}`);
    item.evCount.textContent = tx('review.f.evidence.n', { n: count(f.evidenceCount) });
    item.toggle.setAttribute('aria-expanded', String(item.open));
    item.toggle.setAttribute('aria-label', `${tx('review.f.toggle', { title, time: ctx.time(f.at) })}: ${item.text.textContent}`);
    item.node.classList.toggle('rv-open', item.open);
    item.detail.hidden = !item.open;
    dispositions.paint(f);
    if (item.open) item.detail.replaceChildren(...detailNodes(item));
    else item.detail.replaceChildren();
  }

  /** The facts, people, rooms, badges, media and evidence of an open finding. @param {Item} item */
  function detailNodes(item) {
    const f = item.f;
    const me = ctx.me();
    const people = f.personIds.map((id) => {
      const name = ctx.personName(id);
      return id === me.id ? tx('review.f.you', { name: name || me.name }) : name || id;
    });
    const sep = ctx.host.lang() === 'ja' ? '、' : ', ';
    const facts = factRows(ctx, f);
    // Whom and what it is about, by id, unless the facts already name them so.
    const said = new Set(facts.map(([, v]) => v));
    const rooms = f.roomIds.map((id) => ctx.roomName(id) || id);
    /** @type {[string, string][]} */
    const rows = [
      ...facts,
      ...(/** @type {[string, string][]} */ (
        [
          ['review.f.people', people.every((p) => said.has(p)) ? '' : people.join(sep)],
          ['review.f.rooms', rooms.every((r) => said.has(r) || said.has(rooms.join('、'))) ? '' : rooms.join(sep)],
          ['review.f.badges', f.badgeIds.join(sep)],
          ['review.f.media', f.mediumIds.join(sep)],
        ]
          .filter(([, v]) => v)
          .map(([k, v]) => [tx(k), v])
      )),
    ];
    return [
      el('h4', { cls: 'rv-detail-title', text: tx('review.f.facts') }),
      el('dl', { cls: 'audit-facts rv-facts', attrs: { 'data-testid': 'finding-facts' } }, ...rows.map(([k, v]) => el('div', {}, el('dt', { text: k }), el('dd', { text: v })))),
      el('h4', { cls: 'rv-detail-title', text: tx('review.ev.title') }),
      ...evidenceNodes(ctx, f, item.rows),
    ];
  }

  /** @param {Group} g */
  function paintGroup(g) {
    g.heading.textContent = kindTitle(ctx, g.kind);
    g.count.textContent = tx('review.group.count', { n: count(g.findings.length) });
    const want = g.all ? g.findings.length : Math.min(FIRST, g.findings.length);
    while (g.items.length < want) {
      const item = makeItem(g.findings[g.items.length]);
      g.items.push(item);
      items.set(item.f.key, item);
    }
    const shown = g.items.slice(0, want);
    if (g.list.childElementCount !== shown.length) g.list.replaceChildren(...shown.map((i) => i.node));
    for (const i of shown) paintItem(i);
    g.more.hidden = want === g.findings.length;
    g.more.textContent = tx('review.group.more', { n: count(g.findings.length - want) });
  }

  /** Words the findings of the week on screen (built again when the week or its findings changed). */
  function paint() {
    const v = ctx.view();
    if ((v?.state === 'ready' ? v.findings : null) !== builtFor) build();
    const ready = v?.state === 'ready';
    const none = ready && v.findings.length === 0;
    empty.hidden = !none;
    if (none) {
      const signable = !v.signed && v.over && ctx.is('responsible');
      empty.replaceChildren(
        el('p', { cls: 'rv-none-title', text: tx('review.none.title') }),
        el('p', { text: tx('review.none.body') }),
        ...(signable ? [el('p', { text: tx('review.none.sign') })] : []),
      );
    }
    tocBox.hidden = !ready || !groups.length;
    tocTitle.textContent = tx('review.groups.title');
    tocHint.textContent = tx('review.groups.hint');
    for (const link of toc.querySelectorAll('button')) {
      const g = groups.find((x) => x.kind === /** @type {HTMLElement} */ (link).dataset.kind);
      if (!g) continue;
      link.replaceChildren(
        el('span', { cls: `pill rv-pill rv-sev-${g.severity}`, text: tx(`review.sev.${g.severity}`) }),
        el('span', { cls: 'rv-toc-title', text: kindTitle(ctx, g.kind) }),
        el('span', { cls: 'rv-toc-count', text: tx('review.group.count', { n: count(g.findings.length) }) }),
      );
    }
    groupsBox.hidden = !ready;
    for (const g of groups) paintGroup(g);
  }

  return {
    node,
    paint,
    /** Has every finding a disposition? The ones without, in order. */
    missing: () => (ctx.view()?.findings ?? []).filter((f) => !dispositions.given(f)),
    /** Brings a finding into view and focuses its disposition (or its button). @param {string} key */
    focus(key) {
      const g = groups.find((x) => x.findings.some((f) => f.key === key));
      if (g && !items.has(key)) {
        g.all = true;
        paintGroup(g);
      }
      const item = items.get(key);
      if (!item) return;
      item.node.scrollIntoView({ block: 'center' });
      (dispositions.control(item.f) ?? item.toggle).focus();
    },
    stop() {
      dispositions.stop();
      groups = [];
      items = new Map();
    },
  };
}

// @ts-check
// A medium opened below the basket (media.js): its facts, what can be printed or done with it,
// and its chain of custody, each step with its signatures and receipt.
import { has } from './i18n.js';
import { el } from './dom.js';

/** @param {import('./media.js').MediaContext} ctx */
export function createMediumDetail(ctx) {
  const { tx, sg } = ctx;

  /** @param {import('./api-types.js').CustodyStep} step */
  function stepItem(step) {
    const action = has('en', `media.step.${step.action}`) ? tx(`media.step.${step.action}`) : step.action;
    const who = [step.holder?.name, step.location?.name].filter(Boolean).join(' / ');
    const r = step.record;
    const presence = r ? (r.presenceVerified ? tx('media.presence.verified', { room: r.roomName ?? '' }) : tx('media.presence.unverified', { place: r.place ?? '—' })) : '';
    return el(
      'li',
      { cls: `step step-${step.action}`, attrs: { 'data-testid': 'custody-step', 'data-action': step.action } },
      el('div', { cls: 'step-main' }, el('time', { cls: 'step-time', text: ctx.formatTime(step.at), attrs: { datetime: step.at } }), el('strong', { cls: 'step-action', text: action }), ...(who ? [el('span', { cls: 'step-who', text: who })] : [])),
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
                  sg.signedLine(g),
                  ' ',
                  el('span', { cls: 'step-signed-at', text: ctx.formatTime(g.signedAt) }),
                  ...(g.hasDrawnImage ? [' ', el('span', { cls: 'pill pill-drawn', text: tx('media.chain.drawn') })] : []),
                ),
              ),
            ),
          ]
        : []),
      ...(r ? [el('p', { cls: 'step-receipt' }, el('button', { cls: 'button button-small', text: tx('media.receipt'), attrs: { type: 'button', 'data-receipt': r.receiptUrl, 'data-testid': 'step-receipt', 'aria-label': tx('media.receipt.label', { id: ctx.shortId(r.id) }) } }))] : []),
    );
  }

  function render() {
    const box = document.getElementById('media-detail');
    const s = ctx.state();
    if (!s || !box) return;
    const cur = s.current;
    box.hidden = !cur;
    if (!cur) {
      box.replaceChildren();
      return;
    }
    const m = cur.medium;
    if (!('label' in m)) {
      box.replaceChildren(el('p', { cls: 'empty-inline', text: tx('media.chain.loading') }));
      return;
    }
    /** @type {[string, string | null][]} */
    const facts = [
      ['media.detail.where', ctx.whereNow(m)],
      ['media.detail.depositor', m.depositorName],
      ['media.detail.kind', sg.kindWord(m.kind)],
      ['media.detail.home', `${m.roomName} / ${m.homeLocationName}`],
      ['media.detail.classification', has('en', `classification.${m.classification}`) ? tx(`classification.${m.classification}`) : m.classification],
      ['media.detail.since', ctx.formatTime(m.statusChangedAt)],
    ];
    const inBasket = s.basket.some((b) => b.id === m.id);
    const actions = [
      el('button', { cls: 'button button-small', text: tx('media.detail.print_label'), attrs: { type: 'button', 'data-print': `/api/media/${encodeURIComponent(m.id)}/label`, 'data-testid': 'print-label' } }),
      el('button', { cls: 'button button-small', text: tx('media.detail.print_custody'), attrs: { type: 'button', 'data-print': `/api/media/${encodeURIComponent(m.id)}/custody/print`, 'data-testid': 'print-custody' } }),
      ...(inBasket ? [] : [el('button', { cls: 'button button-small', text: tx('media.detail.add'), attrs: { type: 'button', 'data-add': m.id, 'data-testid': 'detail-add' } })]),
      ...(m.status === 'in_transit' && m.transferId && ctx.canWrite()
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
        el('span', { cls: `status status-${m.status}`, text: sg.statusWord(m.status), attrs: { 'data-testid': 'detail-status' } }),
      ),
      el('dl', { cls: 'medium-facts' }, ...facts.map(([k, v]) => el('div', {}, el('dt', { text: tx(k) }), el('dd', { text: v ?? '' })))),
      ...(m.description ? [el('p', { cls: 'medium-description', text: m.description })] : []),
      el('p', { cls: 'medium-actions' }, ...actions),
      el('h4', { cls: 'chain-title', text: tx('media.chain') }),
      chain,
    );
  }

  return { render };
}

// @ts-check
// Signing a week of the weekly review, at the bottom of its findings (issue 16, item 2): the
// responsible person, scan first — their badge read into the name field names them (only they can
// sign) and the PIN takes the focus — then Enter signs (POST /api/reviews/:week/sign) with the
// digest of the records shown. What the server refuses is said in words: records changed since
// they were shown (409 records_changed: the tables and days, and the findings are read again),
// signed already, the week not over, dispositions missing, a wrong PIN. Badges and PINs never stay
// in the form (signing.js).
import { el } from './dom.js';
import { deskState, translate } from './screen.js';
import { clearSecrets, createSigning } from './signing.js';
import { changeLine, count } from './review-words.js';
import { lastDayOf } from './review-week.js';

/**
 * What the review says at the form (not a signature's problem): a message key, its numbers, and
 * the lines under it (differences by table and day, or findings).
 * @typedef {{ key: string, params?: Record<string, unknown>, changes?: { table: string, day: string, before: number | null, after: number | null }[],
 *   ok?: boolean }} SignNote
 */

/**
 * @param {import('./page-types.js').ReviewContext} ctx
 * @param {{ missing: () => import('./api-types.js').ReviewFinding[], goTo: (key: string) => void, signed: (review: import('./api-types.js').SignedReview) => void,
 *   reload: () => Promise<void>, tell: (key: string) => void }} options signed(review): the week was signed; reload(): read
 *   the week again; tell(key): a message for the screen (the form is gone: the week was signed)
 */
export function createSignForm(ctx, { missing, goTo, signed, reload, tell }) {
  const { tx, host } = ctx;
  const session = host.session();
  const desk = session ? deskState(session, {}) : null;
  const sg = createSigning({ host, state: () => desk });
  const formNode = el('form', { cls: 'form rv-sign-form', attrs: { novalidate: true, 'data-testid': 'review-sign-form' } });
  const form = sg.newForm('review', formNode, { alertId: 'review-sign-error', submitKey: 'review.sign.submit', submitId: 'review-sign-submit', signerField: /^signer/ });
  const me = ctx.me();
  const row = sg.signerRow(form, 'reviewer', { who: () => ({ only: [me], onlyKey: 'review.sign.only' }) });
  form.signers.push(row);
  // The review's signature is the badge and PIN only (no drawn signature: the API takes none).
  const drawn = row.node.querySelector('.signer-drawn');
  if (drawn instanceof HTMLElement) drawn.hidden = true;
  formNode.append(form.summary, row.node, el('div', { cls: 'form-actions' }, form.submit));

  const title = el('h3', { attrs: { id: 'rv-sign-title' } });
  const intro = el('p', { cls: 'rv-sign-intro' });
  const progress = el('p', { cls: 'rv-sign-progress', attrs: { 'data-testid': 'review-sign-progress' } });
  const goMissing = el('button', { cls: 'button button-small', attrs: { type: 'button', 'data-testid': 'review-sign-missing' } });
  const missingLine = el('p', { cls: 'rv-sign-missing' }, el('span'), goMissing);
  const digest = el('p', { cls: 'field-hint rv-digest', attrs: { 'data-testid': 'review-sign-digest' } });
  const note = el('div', { cls: 'alert rv-sign-note', attrs: { role: 'alert', tabindex: '-1', hidden: true, 'data-testid': 'review-sign-note' } });
  const closed = el('p', { cls: 'notice rv-sign-closed', attrs: { hidden: true, 'data-testid': 'review-sign-closed' } });
  const node = el('section', { cls: 'rv-sign', attrs: { 'aria-labelledby': 'rv-sign-title', 'data-testid': 'review-sign' } }, title, intro, progress, missingLine, digest, note, closed, formNode);

  /** @type {SignNote | null} */
  let said = null;
  /** The week the note is about (a note does not follow to another week). */
  let saidFor = '';

  goMissing.addEventListener('click', () => {
    const first = missing()[0];
    if (first) goTo(first.key);
  });
  formNode.addEventListener('submit', (e) => {
    e.preventDefault();
    void submit();
  });

  /** @param {SignNote | null} n */
  function say(n) {
    said = n;
    saidFor = ctx.view()?.week ?? '';
    paint();
    if (n) note.focus();
  }

  async function submit() {
    const v = ctx.view();
    if (!v || v.state !== 'ready' || !v.digest || form.busy) return;
    said = null;
    if (!sg.readyToSend(form)) {
      paint();
      return;
    }
    const left = missing();
    if (left.length) {
      clearSecrets(formNode);
      say({ key: 'review.err.dispositions_missing', params: { n: left.length } });
      return;
    }
    const week = v.week;
    const body = { digest: v.digest, signer: { personId: row.picker?.value() ?? '', badge: row.badge.value.trim(), pin: row.pin.value } };
    form.busy = true;
    form.submit.disabled = true;
    form.submit.textContent = tx('media.form.busy');
    sg.clearErrors(form);
    const res = await host.api('POST', `/api/reviews/${encodeURIComponent(week)}/sign`, { body });
    // Answered, accepted or refused: no badge or PIN stays in the form.
    clearSecrets(formNode);
    form.busy = false;
    form.submit.disabled = false;
    form.submit.textContent = tx('review.sign.submit');
    if (ctx.view()?.week !== week || res.status === 401) return;
    const details = Array.isArray(res.data?.error?.details) ? res.data.error.details : [];
    const code = res.code ?? '';
    if (res.status === 201 && res.data) {
      said = null;
      signed(res.data);
    } else if (code === 'records_changed') {
      // The signature covers what was seen: the records changed since, so the week is read again.
      const changes = details.map((d) => {
        const m = /^digest\.([a-z_]+)\.(\d{4}-\d{2}-\d{2})$/.exec(String(d?.field ?? ''));
        const n = /:\s*(\d+)\s*→\s*(\d+)/.exec(String(d?.message ?? ''));
        return m ? { table: m[1], day: m[2], before: n ? Number(n[1]) : null, after: n ? Number(n[2]) : null } : null;
      });
      say({ key: 'review.err.records_changed', changes: /** @type {NonNullable<SignNote['changes']>} */ (changes.filter(Boolean)) });
      await reload();
      paint();
    } else if (code === 'already_signed') {
      said = null;
      tell('review.err.already_signed');
      await reload();
    } else if (code === 'week_not_over') say({ key: 'review.err.week_not_over' });
    else if (code === 'dispositions_missing') {
      await reload();
      say({ key: 'review.err.dispositions_missing', params: { n: Math.max(details.length, missing().length) } });
    } else if (details.some((d) => d?.code === 'own_finding')) say({ key: 'review.err.own_finding' });
    else if (code === 'signer_not_you') say({ key: 'review.err.signer_not_you' });
    else if (res.status === 403 && code === 'forbidden') say({ key: 'review.err.forbidden' });
    else {
      // A signature's problem (a wrong PIN, a revoked badge, a locked PIN…): at the signer's row.
      const focus = sg.showErrors(form, sg.explain(res));
      /** @type {HTMLElement} */ (focus ?? form.summary).focus();
      form.summary.scrollIntoView({ block: 'nearest' });
    }
  }

  /** Words the form for the week on screen; hidden where there is nothing to sign. */
  function paint() {
    const v = ctx.view();
    if (said && saidFor !== (v?.week ?? '')) said = null;
    const ready = v?.state === 'ready';
    const signable = Boolean(ready && v && !v.signed);
    node.hidden = !signable;
    if (!v || !signable) return;
    title.textContent = tx('review.sign.title');
    const total = v.findings.length;
    const left = missing();
    intro.textContent = tx(total ? 'review.sign.intro' : 'review.sign.intro.none');
    progress.hidden = !total;
    progress.textContent = tx('review.sign.progress', { done: count(total - left.length), total: count(total) });
    progress.dataset.state = left.length ? 'missing' : 'complete';
    missingLine.hidden = !left.length;
    /** @type {HTMLElement} */ (missingLine.firstElementChild).textContent = tx('review.sign.missing', { n: count(left.length) });
    goMissing.textContent = tx('review.sign.missing.go');
    digest.textContent = tx('review.sign.digest', { hash: v.digestHash.slice(0, 16) });
    digest.title = v.digestHash;
    // Who may sign, and when: the responsible person, once the week is over.
    const reason = !ctx.is('responsible') ? tx('review.sign.not_responsible') : !v.over && v.period ? tx('review.sign.not_over', { date: ctx.date(lastDayOf(v.period.to)) }) : '';
    closed.hidden = !reason;
    closed.textContent = reason;
    formNode.hidden = Boolean(reason);
    intro.hidden = Boolean(reason);
    digest.hidden = Boolean(reason);
    note.hidden = !said;
    note.className = `rv-sign-note ${said?.ok ? 'notice' : 'alert'}`;
    note.replaceChildren(
      ...(said
        ? [
            el('p', { text: tx(said.key, said.params) }),
            ...(said.changes?.length ? [el('ul', { attrs: { 'data-testid': 'review-sign-changes' } }, ...said.changes.map((c) => el('li', { text: changeLine(ctx, c) })))] : []),
          ]
        : []),
    );
    row.title.textContent = tx('media.who.reviewer');
    sg.renderSigners(form);
    sg.paintErrors(form);
    translate(formNode, tx);
    form.submit.textContent = tx(form.busy ? 'media.form.busy' : 'review.sign.submit');
  }

  return {
    node,
    paint,
    /** A week was left or the screen: the badge and PIN typed go (issue 14, item 3), and any note. */
    leave() {
      clearSecrets(formNode);
      row.picker?.clear();
    },
    /** A new week on screen: its own form, nothing said yet. */
    reset() {
      said = null;
      clearSecrets(formNode);
      row.picker?.clear();
      sg.clearErrors(form);
    },
  };
}

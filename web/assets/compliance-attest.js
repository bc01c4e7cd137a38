// @ts-check
// Attesting a clause on the compliance screen (遵守の表明, issue 18): for a clause decided by a
// person (OUT rows, E6.4 until doors are controlled), the responsible person themself writes what
// they checked and signs scan first — their badge read into the name field names them and the PIN
// takes the focus — then Enter records it (POST /api/compliance/attestations). A wrong PIN, a
// badge not theirs, a missing note are said in words next to the field. Badges and PINs never
// stay in the form: it is cleared after every answer (signing.js).
import { el } from './dom.js';
import { deskState, translate } from './screen.js';
import { clearSecrets, createSigning } from './signing.js';

/**
 * @param {import('./compliance.js').ComplianceContext} ctx
 * @param {{ row: () => import('./api-types.js').ComplianceRow | null, close: () => void }} options
 */
export function createAttestForm(ctx, { row, close }) {
  const { tx, host } = ctx;
  const session = host.session();
  const desk = session ? deskState(session, {}) : null;
  const sg = createSigning({ host, state: () => desk });
  const formNode = el('form', { cls: 'form cp-attest-form', attrs: { novalidate: true, 'data-testid': 'compliance-attest-form' } });
  const form = sg.newForm('attestation', formNode, { alertId: 'cp-attest-error', submitKey: 'cp.at.submit', submitId: 'cp-attest-submit', signerField: /^signer/, needs: () => ['note'] });
  const note = el('textarea', { attrs: { rows: 3, maxlength: 2000 } });
  const noteField = sg.field(form, 'note', 'cp.at.note', note, { hintKey: 'cp.at.note.hint' });
  const signer = sg.signerRow(form, 'attester', { who: () => ({ only: [ctx.me()], onlyKey: 'cp.at.only' }) });
  form.signers.push(signer);
  // The attestation is signed by badge and PIN only (the API takes no drawn signature).
  const drawn = signer.node.querySelector('.signer-drawn');
  if (drawn instanceof HTMLElement) drawn.hidden = true;
  const cancel = el('button', { cls: 'button', attrs: { type: 'button', 'data-m': 'cp.at.cancel', 'data-testid': 'compliance-attest-cancel' } });
  formNode.append(form.summary, noteField, signer.node, el('div', { cls: 'form-actions' }, form.submit, cancel));

  const title = el('h3', { attrs: { id: 'cp-attest-title' } });
  const clause = el('p', { cls: 'cp-attest-clause' });
  const intro = el('p', { cls: 'field-hint' });
  const refused = el('p', { cls: 'notice', attrs: { hidden: true, 'data-testid': 'compliance-attest-refused' } });
  const node = el('section', { cls: 'cp-attest', attrs: { 'aria-labelledby': 'cp-attest-title', hidden: true, 'data-testid': 'compliance-attest-section' } }, title, clause, intro, refused, formNode);

  cancel.addEventListener('click', () => close());
  node.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !document.querySelector('.picker-list:not([hidden])')) {
      event.preventDefault();
      close();
    }
  });
  formNode.addEventListener('submit', (event) => {
    event.preventDefault();
    void submit();
  });

  async function submit() {
    const r = row();
    if (!r || form.busy) return;
    const text = note.value.trim();
    if (!sg.readyToSend(form)) {
      paint();
      return;
    }
    const body = { clauseId: r.id, note: text, signer: { personId: signer.picker?.value() ?? '', badge: signer.badge.value.trim(), pin: signer.pin.value } };
    form.busy = true;
    paint();
    const res = await host.api('POST', '/api/compliance/attestations', { body });
    // Answered, accepted or refused: no badge or PIN stays in the form.
    clearSecrets(formNode);
    form.busy = false;
    if (res.status === 401) return;
    if (res.status === 201 && res.data) {
      note.value = '';
      signer.picker?.clear();
      close();
      ctx.tell(tx('cp.at.done', { id: r.id, until: ctx.time(res.data.expiresAt) }));
      await ctx.reload();
      return;
    }
    const focus = sg.showErrors(form, sg.explain(res));
    paint();
    /** @type {HTMLElement} */ (focus ?? form.summary).focus();
  }

  function paint() {
    const r = row();
    node.hidden = !r;
    if (!r) return;
    const lang = host.lang() === 'en' ? 'en' : 'ja';
    title.textContent = tx('cp.at.title', { id: r.id });
    clause.textContent = `${r.id} ${r.title[lang]} — ${r.statusWords[lang]}`;
    intro.textContent = tx('cp.at.intro.default');
    const responsible = ctx.is('responsible');
    refused.hidden = responsible;
    refused.textContent = responsible ? '' : tx('cp.at.not_responsible');
    formNode.hidden = !responsible;
    sg.renderSigners(form);
    sg.paintErrors(form);
    translate(node, tx);
    form.submit.disabled = form.busy;
    form.submit.textContent = tx(form.busy ? 'media.form.busy' : 'cp.at.submit');
  }

  return {
    node,
    paint,
    /** Focus on the first field: the note (the badge follows). */
    focus() {
      setTimeout(() => note.focus(), 0);
    },
    /** The form was closed or the screen left: the badge and PIN typed go, and the note. */
    leave() {
      clearSecrets(formNode);
      note.value = '';
      signer.picker?.clear();
      sg.clearErrors(form);
    },
    /** Another clause: a fresh form. */
    reset() {
      clearSecrets(formNode);
      note.value = '';
      signer.picker?.clear();
      sg.clearErrors(form);
    },
  };
}

// @ts-check
// Recording a drill on the compliance screen (訓練の記録, issue 18 part 2): a fire drill (火災訓練,
// E9.1) or a migration drill to the standby site (移行訓練, E9.2) — when it was held (never in the
// future), who led it, who took part (picked one at a time by name or badge; the leader is counted
// by the server), what was found, and for a migration the standby site (POST /api/drills,
// journaled). The last drills are listed under it (GET /api/drills). For administrators,
// responsible and authorised persons (compliance:write).
import { el } from './dom.js';
import { deskState, siteNow, siteTime, translate } from './screen.js';
import { createSigning } from './signing.js';
import { createPicker } from './person-picker.js';

/**
 * @param {import('./compliance.js').ComplianceContext} ctx
 */
export function createDrillForm(ctx) {
  const { tx, host } = ctx;
  const session = host.session();
  const desk = session ? deskState(session, {}) : null;
  const sg = createSigning({ host, state: () => desk });
  const formNode = el('form', { cls: 'form cp-drill-form', attrs: { novalidate: true, 'data-testid': 'drill-form' } });
  const kind = sg.select(['fire', 'migration'].map((k) => el('option', { attrs: { value: k, 'data-m': `cp.dr.kind.${k}` } })));
  const heldAt = el('input', { attrs: { type: 'datetime-local' } });
  const findings = el('textarea', { attrs: { rows: 3, maxlength: 5000 } });
  const standby = el('input', { attrs: { type: 'text', maxlength: 300 } });
  const form = sg.newForm('drill', formNode, {
    alertId: 'cp-drill-error',
    submitKey: 'cp.dr.submit',
    submitId: 'drill-submit',
    needs: () => ['heldAt', 'leader', 'findings', ...(kind.value === 'migration' ? ['standbySite'] : [])],
  });
  /** @type {import('./person-picker.js').PersonLite[]} */
  let participants = [];
  const participantPicker = createPicker({
    host,
    who: () => ({}),
    testid: 'drill-participant',
    onPick: (p) => {
      if (!participants.some((x) => x.id === p.id)) participants = [...participants, p];
      participantPicker.clear();
      paint();
      participantPicker.input.focus();
    },
  });
  const chips = el('ul', { cls: 'cp-chips', attrs: { 'data-testid': 'drill-participants', 'aria-live': 'polite' } });
  const participantLabel = el('label', { attrs: { for: participantPicker.input.id, 'data-m': 'cp.dr.participant' } });
  const participantHint = el('p', { cls: 'field-hint', attrs: { 'data-m': 'cp.dr.participant.hint' } });
  const standbyField = sg.field(form, 'standbySite', 'cp.dr.standby', standby);
  formNode.append(
    form.summary,
    el(
      'div',
      { cls: 'cp-grid' },
      sg.field(form, 'kind', 'cp.dr.kind', kind),
      sg.field(form, 'heldAt', 'cp.dr.held_at', heldAt),
      sg.personField(form, 'leader', 'cp.dr.leader'),
      standbyField,
    ),
    el('div', { cls: 'field' }, participantLabel, participantPicker.node, participantHint, chips),
    sg.field(form, 'findings', 'cp.dr.findings', findings, { hintKey: 'cp.dr.findings.hint' }),
    el('div', { cls: 'form-actions' }, form.submit),
  );
  const done = el('p', { cls: 'notice', attrs: { role: 'status', tabindex: '-1', hidden: true, 'data-testid': 'drill-done' } });
  const recent = el('ul', { cls: 'cp-recent', attrs: { 'data-testid': 'drill-recent' } });
  const node = el(
    'section',
    { cls: 'cp-card cp-drills', attrs: { 'aria-labelledby': 'cp-drill-title', 'data-testid': 'drill-section' } },
    el('h3', { attrs: { id: 'cp-drill-title', 'data-m': 'cp.dr.title' } }),
    el('p', { cls: 'field-hint', attrs: { 'data-m': 'cp.dr.intro' } }),
    done,
    formNode,
    el('h4', { attrs: { 'data-m': 'cp.dr.recent' } }),
    recent,
  );

  /** @type {import('./api-types.js').Drill[] | null} */
  let drills = null;
  let said = '';

  kind.addEventListener('change', () => paint());
  chips.addEventListener('click', (event) => {
    const b = /** @type {HTMLElement} */ (event.target).closest('[data-remove]');
    if (!(b instanceof HTMLElement)) return;
    participants = participants.filter((p) => p.id !== b.dataset.remove);
    paint();
    participantPicker.input.focus();
  });
  formNode.addEventListener('submit', (event) => {
    event.preventDefault();
    void submit();
  });

  async function load() {
    const res = await host.api('GET', '/api/drills', { background: true });
    if (res.status === 200 && Array.isArray(res.data?.items)) drills = res.data.items.slice(0, 5);
    paint();
  }

  async function submit() {
    if (form.busy) return;
    said = '';
    if (!sg.readyToSend(form)) {
      paint();
      return;
    }
    const leaderId = sg.valueOf(form, 'leader');
    const ids = participants.map((p) => p.id);
    const body = {
      kind: kind.value,
      heldAt: siteTime(heldAt.value, ctx.tz()),
      leaderPersonId: leaderId,
      participantIds: ids.length ? ids : [leaderId],
      findings: findings.value.trim(),
      ...(kind.value === 'migration' ? { standbySite: standby.value.trim() } : {}),
    };
    form.busy = true;
    paint();
    const res = await host.api('POST', '/api/drills', { body });
    form.busy = false;
    if (res.status === 401) return;
    if (res.status === 201 && res.data) {
      said = tx('cp.dr.done', { kind: tx(`cp.dr.kind.${res.data.kind}`), time: ctx.time(res.data.heldAt) });
      clear();
      paint();
      done.focus();
      await Promise.all([load(), ctx.reload()]);
      return;
    }
    const focus = sg.showErrors(form, sg.explain(res));
    paint();
    /** @type {HTMLElement} */ (focus ?? form.summary).focus();
  }

  /** Empties the form (after a drill is recorded, or the sign-in ends). */
  function clear() {
    participants = [];
    participantPicker.clear();
    form.fields.leader?.picker?.clear();
    findings.value = '';
    standby.value = '';
    heldAt.value = '';
    kind.value = 'fire';
    sg.clearErrors(form);
  }

  function paint() {
    if (!heldAt.value) heldAt.value = siteNow(ctx.tz()).time;
    heldAt.max = siteNow(ctx.tz()).time;
    standbyField.hidden = kind.value !== 'migration';
    chips.replaceChildren(
      ...(participants.length
        ? participants.map((p) =>
            el(
              'li',
              { cls: 'cp-chip', attrs: { 'data-person-id': p.id } },
              el('span', { text: p.name }),
              el('button', { cls: 'button button-small', text: tx('cp.dr.remove'), attrs: { type: 'button', 'data-remove': p.id, 'aria-label': `${tx('cp.dr.remove')} ${p.name}` } }),
            ),
          )
        : [el('li', { cls: 'field-hint', text: tx('cp.dr.participants.none') })]),
    );
    done.hidden = !said;
    done.textContent = said;
    recent.replaceChildren(
      ...(drills === null
        ? []
        : drills.length
          ? drills.map((d) => el('li', { attrs: { 'data-testid': 'drill-line', 'data-kind': d.kind }, text: tx('cp.dr.line', { time: ctx.time(d.heldAt), kind: tx(`cp.dr.kind.${d.kind}`), leader: d.leaderName, n: d.participantIds.length }) }))
          : [el('li', { cls: 'field-hint', text: tx('cp.dr.recent.none') })]),
    );
    participantPicker.paint();
    sg.renderSigners(form);
    sg.paintErrors(form);
    translate(node, tx);
    form.submit.disabled = form.busy;
    form.submit.textContent = tx(form.busy ? 'media.form.busy' : 'cp.dr.submit');
  }

  return {
    node,
    paint,
    load,
    clear() {
      clear();
      drills = null;
      said = '';
    },
  };
}

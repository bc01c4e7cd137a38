// @ts-check
// The disposition of each finding of the weekly review (処置: explained, reported to the depositor,
// incident opened) with its comment, given by the responsible person and saved as a draft as they
// go (PUT /api/reviews/:week/dispositions/:key on every change; cleared with DELETE), so that
// nothing is lost when the sign-in ends after 5 idle minutes. A finding about oneself is given its
// disposition by another responsible person: said at the finding, and in words should the server
// refuse it (400 own_finding). Others see the drafts; a signed week shows what was signed.
import { el } from './dom.js';
import { DISPOSITIONS } from './review-words.js';

/** @typedef {import('./api-types.js').ReviewFinding} ReviewFinding */
/** @typedef {import('./api-types.js').ReviewDisposition} ReviewDisposition */

/** Typing in a comment is saved this long after the last key (and at once when the field is left). */
const COMMENT_DELAY_MS = 700;

/**
 * One finding's disposition on screen: the controls, the draft as saved, and the save under way.
 * @typedef {{ key: string, node: HTMLElement, select: HTMLSelectElement, comment: HTMLTextAreaElement, status: HTMLElement, hint: HTMLElement,
 *   saved: ReviewDisposition | null, saving: boolean, again: boolean, timer: number,
 *   note: { key: string, params?: Record<string, unknown>, error?: boolean } | null }} Slot
 */

/**
 * @param {import('./page-types.js').ReviewContext} ctx
 * @param {{ changed: () => void, reload: () => void }} options changed(): a draft was saved or
 *   cleared (the count before signing); reload(): the findings are read again (the week changed under us)
 */
export function createDispositions(ctx, { changed, reload }) {
  const { tx } = ctx;
  /** @type {Map<string, Slot>} */
  const slots = new Map();
  let dead = false;
  let uid = 0;

  const isOwn = (/** @type {ReviewFinding} */ f) => f.personIds.includes(ctx.me().id);
  /** Does the signed-in user give dispositions in the week on screen (not yet signed)? */
  const mayGive = () => {
    const v = ctx.view();
    return Boolean(v && !v.signed && ctx.may('reviews:sign'));
  };
  /** May they give this finding its disposition? Not one about themselves (the server says so too). */
  const editable = (/** @type {ReviewFinding} */ f) => mayGive() && !isOwn(f);

  /** The disposition of a finding now: signed, or the draft saved. */
  function current(/** @type {ReviewFinding} */ f) {
    const v = ctx.view();
    if (v?.signed) return f.disposition ? { disposition: f.disposition, comment: f.comment ?? '', personId: f.dispositionBy ?? '' } : null;
    return slots.get(f.key)?.saved ?? v?.drafts.get(f.key) ?? null;
  }

  /**
   * The node of a finding's disposition (built once per week on screen).
   * @param {ReviewFinding} f
   */
  function node(f) {
    const id = `rv-d-${++uid}`;
    const select = el('select', { attrs: { id: `${id}-select`, 'data-testid': 'finding-disposition', 'aria-describedby': `${id}-status ${id}-hint` } });
    const comment = el('textarea', { attrs: { id: `${id}-comment`, rows: 2, maxlength: 2000, 'data-testid': 'finding-comment', 'aria-describedby': `${id}-status` } });
    const status = el('p', { cls: 'rv-d-status', attrs: { id: `${id}-status`, role: 'status', 'data-testid': 'finding-saved' } });
    const hint = el('p', { cls: 'field-hint rv-d-hint', attrs: { id: `${id}-hint` } });
    const wrap = el('div', { cls: 'rv-d', attrs: { 'data-testid': 'finding-disposition-box' } });
    const draft = ctx.view()?.drafts.get(f.key) ?? null;
    /** @type {Slot} */
    const slot = { key: f.key, node: wrap, select, comment, status, hint, saved: draft, saving: false, again: false, timer: 0, note: null };
    slots.set(f.key, slot);
    select.replaceChildren(...['', ...DISPOSITIONS].map((d) => el('option', { attrs: { value: d } })));
    select.value = draft?.disposition ?? '';
    comment.value = draft?.comment ?? '';
    select.addEventListener('change', () => {
      clearTimeout(slot.timer);
      void save(f, slot);
    });
    comment.addEventListener('input', () => {
      clearTimeout(slot.timer);
      slot.note = select.value ? slot.note : { key: 'review.d.needs' };
      if (!select.value) paintSlot(f, slot);
      slot.timer = window.setTimeout(() => void save(f, slot), COMMENT_DELAY_MS);
    });
    comment.addEventListener('change', () => {
      clearTimeout(slot.timer);
      void save(f, slot);
    });
    // Ctrl+Enter in the comment: saved now, and on to the next finding's disposition.
    comment.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter' || !(e.ctrlKey || e.metaKey) || e.isComposing) return;
      e.preventDefault();
      clearTimeout(slot.timer);
      void save(f, slot);
      const all = [...document.querySelectorAll('[data-testid="finding-disposition"]:not(:disabled)')];
      /** @type {HTMLElement | undefined} */ (all[all.indexOf(select) + 1])?.focus();
    });
    paintSlot(f, slot);
    return wrap;
  }

  /**
   * Saves the disposition and comment of a finding as they are in its controls (or clears the
   * draft when no disposition is chosen). One request at a time per finding: a change made while
   * one is under way is sent once it has been answered.
   * @param {ReviewFinding} f
   * @param {Slot} slot
   */
  async function save(f, slot) {
    const v = ctx.view();
    // A finding about oneself is not sent from here; should it be all the same (its control
    // enabled by other means), the server refuses it and the refusal is said in words.
    if (!v || !mayGive()) return;
    if (slot.saving) {
      slot.again = true;
      return;
    }
    const disposition = slot.select.value;
    const comment = slot.comment.value.trim();
    const saved = slot.saved;
    if (!disposition) {
      slot.note = comment ? { key: 'review.d.needs' } : null;
      if (!saved) {
        paintSlot(f, slot);
        return;
      }
    } else if (saved && saved.disposition === disposition && (saved.comment ?? '') === comment) {
      paintSlot(f, slot);
      return;
    }
    slot.saving = true;
    slot.note = { key: 'review.d.saving' };
    paintSlot(f, slot);
    const path = `/api/reviews/${encodeURIComponent(v.week)}/dispositions/${encodeURIComponent(f.key)}`;
    const res = disposition
      ? await ctx.host.api('PUT', path, { body: comment ? { disposition, comment } : { disposition } })
      : await ctx.host.api('DELETE', path);
    slot.saving = false;
    if (dead || ctx.view() !== v || slots.get(f.key) !== slot) return;
    const code = String(res.data?.error?.details?.[0]?.code ?? res.code ?? '');
    if (res.status === 200 && res.data) {
      slot.saved = /** @type {ReviewDisposition} */ (res.data);
      v.drafts.set(f.key, slot.saved);
      slot.note = { key: 'review.d.saved', params: { time: ctx.time(slot.saved.updatedAt) } };
    } else if (res.status === 204 || (res.status === 404 && !disposition)) {
      slot.saved = null;
      v.drafts.delete(f.key);
      slot.note = { key: 'review.d.cleared' };
    } else if (res.status === 401) {
      return; // the sign-in ended: the screen is cleared
    } else {
      // Refused: the controls show what is saved, and why in words.
      slot.select.value = slot.saved?.disposition ?? '';
      if (code === 'own_finding') slot.note = { key: 'review.d.own_finding', error: true };
      else if (code === 'unknown_finding') slot.note = { key: 'review.d.unknown_finding', error: true };
      else if (code === 'already_signed') slot.note = { key: 'review.d.already_signed', error: true };
      else slot.note = { key: 'review.d.failed', params: { code: code || `HTTP ${res.status || 'network'}` }, error: true };
      paintSlot(f, slot);
      if (code === 'unknown_finding' || code === 'already_signed') reload();
      return;
    }
    paintSlot(f, slot);
    changed();
    if (slot.again) {
      slot.again = false;
      void save(f, slot);
    }
  }

  /**
   * Words a finding's disposition: the controls (editable; shown but disabled for a finding about
   * oneself, with why), or what is given (read only: signed, or for those who do not give them).
   * @param {ReviewFinding} f
   * @param {Slot} slot
   */
  function paintSlot(f, slot) {
    const v = ctx.view();
    const given = current(f);
    slot.node.dataset.state = given ? 'given' : 'missing';
    slot.node.dataset.disposition = given?.disposition ?? '';
    if (!mayGive()) {
      // Read only: the disposition signed, the draft so far, or that there is none yet.
      const lines = [];
      if (given) {
        const by = given.personId ? ctx.personName(given.personId) : '';
        lines.push(
          el(
            'p',
            { cls: 'rv-d-given', attrs: { 'data-testid': 'finding-given' } },
            el('strong', { text: tx(v?.signed ? 'review.d.final' : 'review.d.draft', { disposition: tx(`review.d.${given.disposition}`) }) }),
            ...(by ? [el('span', { cls: 'rv-d-by', text: ` ${tx('review.d.by', { name: by })}` })] : []),
          ),
        );
        if (given.comment) lines.push(el('p', { cls: 'rv-d-comment', text: given.comment, attrs: { 'data-testid': 'finding-given-comment' } }));
      } else lines.push(el('p', { cls: 'rv-d-given muted', text: tx('review.d.missing'), attrs: { 'data-testid': 'finding-given' } }));
      slot.node.classList.add('rv-d-readonly');
      slot.node.replaceChildren(...lines);
      return;
    }
    const own = isOwn(f);
    slot.node.classList.remove('rv-d-readonly');
    slot.node.classList.toggle('rv-d-own', own);
    if (!slot.node.contains(slot.select)) {
      slot.node.replaceChildren(
        el('div', { cls: 'field rv-d-field' }, el('label', { attrs: { for: slot.select.id, 'data-m': 'review.d.label' } }), slot.select),
        el('div', { cls: 'field rv-d-field rv-d-comment-field' }, el('label', { attrs: { for: slot.comment.id, 'data-m': 'review.d.comment' } }), slot.comment),
        el('div', { cls: 'rv-d-notes' }, slot.status, slot.hint),
      );
    }
    for (const label of slot.node.querySelectorAll('[data-m]')) label.textContent = tx(/** @type {HTMLElement} */ (label).dataset.m ?? '');
    [...slot.select.options].forEach((o) => (o.textContent = tx(o.value ? `review.d.${o.value}` : 'review.d.none')));
    slot.select.disabled = own;
    slot.comment.disabled = own;
    slot.comment.placeholder = own ? '' : tx('review.d.comment.ph');
    /** @type {Slot['note']} */
    const note = slot.note ?? (own ? { key: 'review.d.own' } : slot.saved ? savedNote(slot.saved) : null);
    slot.status.textContent = note ? tx(note.key, note.params) : '';
    slot.status.classList.toggle('rv-d-error', Boolean(note?.error));
    slot.status.dataset.state = slot.saving ? 'saving' : note?.error ? 'error' : own ? 'own' : slot.saved ? 'saved' : '';
    slot.hint.textContent = slot.select.value === 'reported' && !own ? tx('review.d.reported.hint') : '';
    slot.hint.hidden = !slot.hint.textContent;
    slot.select.setAttribute('aria-invalid', String(Boolean(note?.error)));
  }

  /** "Draft saved (time)", or who saved it when someone else did. */
  function savedNote(/** @type {ReviewDisposition} */ d) {
    const time = ctx.time(d.updatedAt);
    return d.personId && d.personId !== ctx.me().id && ctx.personName(d.personId) ? { key: 'review.d.saved.by', params: { name: ctx.personName(d.personId), time } } : { key: 'review.d.saved', params: { time } };
  }

  return {
    node,
    /** Words every finding's disposition again (a language switch, names learnt). */
    paint(/** @type {ReviewFinding} */ f) {
      const slot = slots.get(f.key);
      if (slot) paintSlot(f, slot);
    },
    /** Has this finding a disposition (signed, or a draft saved)? */
    given: (/** @type {ReviewFinding} */ f) => Boolean(current(f)),
    /** The control to focus for this finding (its disposition), if it can be given here. */
    control: (/** @type {ReviewFinding} */ f) => (editable(f) ? slots.get(f.key)?.select ?? null : null),
    /** A new week on screen: the slots of the last one go. */
    reset() {
      for (const s of slots.values()) clearTimeout(s.timer);
      slots.clear();
    },
    stop() {
      dead = true;
      for (const s of slots.values()) clearTimeout(s.timer);
      slots.clear();
    },
  };
}

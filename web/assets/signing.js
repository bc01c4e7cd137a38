// @ts-check
// Signing on the spot, shared by the screens that record signed events — the media screens
// (media.js, intake.js) and the destruction screens (destruction.js), all loaded on first use so
// that the door page stays light:
// - people pickers (people inside the room first, by the door log), signer rows (person, badge,
//   PIN, optional drawn signature), witnesses added on the same screen, the room-or-place choice;
// - a form's errors in words: the headline, one line per problem naming the witness or the field,
//   the message at the row or field itself, a wrong PIN cleared and focused.
// A "form" here is a plain object: { kind, node, fields, signers, summary, roomId(), … } (Form,
// below; made by newForm); the screens add what they need (where(), needs(), locate(), …).
import { t, has, addMessages } from './i18n.js';
import { el } from './dom.js';
import { MEDIA_MESSAGES } from './media-messages.js';
import { KINDS, MEDIUM_CODE, STATUSES, translate } from './screen.js';

addMessages(MEDIA_MESSAGES);

/** @typedef {import('./api-types.js').Person} Person */
/** @typedef {import('./api-types.js').Medium} Medium */
/** @typedef {import('./api-types.js').ErrorDetail} ErrorDetail */
/**
 * A labelled field: its wrapper, control, error line and label key; `who` words it in an error
 * line (a message key, or a function); `person`: a person select.
 * @typedef {{ wrap: HTMLElement, control: HTMLElement, error: HTMLElement, labelKey: string, who?: string | (() => string), person?: boolean }} Field
 */
/**
 * A signer: who (a person select, none at a check-in), badge, PIN and drawn signature.
 * @typedef {{ kind: string, person: HTMLSelectElement | null, badge: HTMLInputElement, pin: HTMLInputElement, pad: ReturnType<typeof signaturePad>,
 *   node: HTMLElement, title: HTMLElement, error: HTMLElement, remove: HTMLButtonElement | null, filter?: (p: Person) => boolean }} SignerRow
 */
/**
 * Whom or what an error is about: a signer's row, a field, or a medium sent.
 * @typedef {{ who?: string, name?: string, row?: SignerRow, fieldName?: string, medium?: Medium | { id: string, label: string } | null }} Target
 */
/**
 * What went wrong, kept as data to be worded again on a language switch: the headline, one item per
 * problem (a detail of the server's answer, or a local check's message key), and the server's
 * message when it gave no details.
 * @typedef {{ head: [string, Record<string, unknown>], items: { detail?: ErrorDetail, target?: Target, key?: string, params?: Record<string, unknown>, code: string }[], fallback: string }} Errors
 */
/**
 * A form of the signing toolkit (newForm): its <form>, fields, signers, alert (summary) and submit
 * button; roomId() answers the room whose people are listed first. A screen adds what it needs:
 * needs() (the fields required now), where() (room, place or none: whereControl), fillParties(),
 * applyMethod() (shows the fields of the choice made), signerField (the API fields of the first
 * signer), fieldOf (API field → form field), locate(field, detail), words (code → message key),
 * mediaSent and sentRoomId (what was sent, to word the refusal).
 * @typedef {object} Form
 * @property {string} kind
 * @property {HTMLFormElement} node
 * @property {Record<string, Field>} fields
 * @property {SignerRow[]} signers
 * @property {HTMLElement | null} signersBox
 * @property {boolean} busy
 * @property {Errors | null} errors
 * @property {HTMLElement} summary
 * @property {HTMLButtonElement} submit
 * @property {() => string} roomId
 * @property {() => string[]} [needs]
 * @property {() => string} [where]
 * @property {HTMLSelectElement} [roomSelect]
 * @property {HTMLInputElement} [placeInput]
 * @property {() => void} [fillParties]
 * @property {() => void} [applyMethod]
 * @property {RegExp} [signerField]
 * @property {Record<string, string>} [fieldOf]
 * @property {(field: string, detail?: ErrorDetail) => Target | null} [locate]
 * @property {Record<string, string>} [words]
 * @property {(Medium | { id: string, label: string })[]} [mediaSent]
 * @property {string} [sentRoomId]
 */

// What a signer may type: PINs have 6 to 12 digits (4–5 digit PINs from before the security
// review still verify, and are then answered pin_change_required).
const PIN_FORMAT = /^\d{4,12}$/;
const SIGNATURE_CODES = ['wrong_pin', 'unknown_badge', 'badge_not_of_person', 'badge_revoked', 'badge_expired', 'pin_locked', 'pin_busy', 'pin_not_set', 'pin_change_required'];
/**
 * API fields named by the common forms, and the form field that shows their error.
 * @type {Record<string, string>}
 */
const FIELD_OF = {
  fromPersonId: 'from',
  toPersonId: 'to',
  escortPersonId: 'escort',
  holderPersonId: 'holder',
  carrierOrgId: 'carrier',
  trackingNo: 'tracking',
  destination: 'destination',
  locationId: 'location',
  roomId: 'where',
  place: 'where',
  note: 'note',
  receivedByName: 'received',
};

let uid = 0;

/**
 * A signature drawn with a finger, pen or mouse (pointer events), kept as a PNG data URL.
 * Optional: the signature that counts is the badge + PIN.
 */
export function signaturePad() {
  const canvas = el('canvas', { cls: 'sig-canvas', attrs: { width: 600, height: 160, role: 'img', 'data-testid': 'signer-canvas' } });
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
  let drawn = false;
  let last = null;
  const pen = () => {
    ctx.lineWidth = 3.2;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.strokeStyle = '#111';
    ctx.fillStyle = '#111';
  };
  pen();
  const pos = (e) => {
    const r = canvas.getBoundingClientRect();
    return [((e.clientX - r.left) * canvas.width) / r.width, ((e.clientY - r.top) * canvas.height) / r.height];
  };
  canvas.addEventListener('pointerdown', (e) => {
    e.preventDefault();
    canvas.setPointerCapture(e.pointerId);
    last = pos(e);
    ctx.beginPath();
    ctx.arc(last[0], last[1], 1.6, 0, Math.PI * 2);
    ctx.fill();
    drawn = true;
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!last) return;
    const events = typeof e.getCoalescedEvents === 'function' && e.getCoalescedEvents().length ? e.getCoalescedEvents() : [e];
    ctx.beginPath();
    ctx.moveTo(last[0], last[1]);
    for (const ev of events) {
      const p = pos(ev);
      ctx.lineTo(p[0], p[1]);
      last = p;
    }
    ctx.stroke();
  });
  for (const type of ['pointerup', 'pointercancel', 'lostpointercapture']) canvas.addEventListener(type, () => (last = null));
  return {
    canvas,
    clear() {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      pen();
      drawn = false;
    },
    value: () => (drawn ? canvas.toDataURL('image/png') : undefined),
  };
}

/**
 * The signing toolkit of one screen. ctx: { host, state() (the screen's session state —
 * { people, rooms, occupancy: Map(roomId → Set of person ids inside) } — or null),
 * onMediumCode?(form, text) (a medium's QR code read into a badge field) }.
 * @param {{ host: import('./page-types.js').Host, state: () => import('./screen.js').DeskState | null, onMediumCode?: (form: Form, text: string) => void }} ctx
 */
export function createSigning(ctx) {
  const { host } = ctx;
  const tx = (key, params) => t(host.lang(), key, params);
  const people = () => ctx.state()?.people ?? [];
  const roomName = (id) => ctx.state()?.rooms.find((r) => r.id === id)?.name ?? '';

  // ---- words

  const statusWord = (st) => (STATUSES.includes(st) ? tx(`media.status.${st}`) : String(st));
  const kindWord = (k) => (KINDS.includes(k) ? tx(`media.kind.${k}`) : String(k));
  const roleWords = (list) => list.map((r) => (has('en', `role.${r}`) ? tx(`role.${r}`) : r)).join('・');
  const personLabel = (p) => tx('media.person.option', { name: p.name, roles: [roleWords(p.roles ?? []), p.orgKind === 'depositor' ? p.orgName : ''].filter(Boolean).join('・') });
  const personName = (id) => people().find((p) => p.id === id)?.name ?? '';
  /** "高橋 権限（権限者）— 廃棄立会い": who signed, as what. */
  const signedLine = (g) => tx('media.chain.signed', { name: g.signerName, roles: roleWords(g.signerRoles), meaning: host.lang() === 'ja' ? g.meaningJa : g.meaning });
  const button = (key, attrs = {}, cls = 'button button-small') => el('button', { cls, attrs: { type: 'button', 'data-m': key, ...attrs } });

  // ---- fields and people

  /**
   * A labelled field; its error line is filled by paintErrors(). `who` words the field in an error
   * line when it differs from the label (a message key, or a function answering the words);
   * `person` says the control is a person select (the error
   * line names the person chosen).
   * @param {{ fields: Record<string, Field> }} form
   * @param {string} name
   * @param {string} labelKey
   * @param {HTMLElement} control
   * @param {{ hintKey?: string, cls?: string, who?: string | (() => string), person?: boolean }} [options]
   */
  function field(form, name, labelKey, control, { hintKey, cls, who, person } = {}) {
    const id = `mf-${++uid}`;
    control.id = id;
    control.setAttribute('name', name);
    control.setAttribute('data-testid', `f-${name}`);
    const error = el('p', { cls: 'field-error', attrs: { id: `${id}-error`, 'data-testid': `f-${name}-error`, hidden: true } });
    const hint = hintKey ? el('p', { cls: 'field-hint', attrs: { id: `${id}-hint`, 'data-m': hintKey } }) : null;
    control.setAttribute('aria-describedby', [hint ? `${id}-hint` : '', `${id}-error`].filter(Boolean).join(' '));
    const wrap = el('div', { cls: `field${cls ? ` ${cls}` : ''}`, attrs: { 'data-f': name } }, el('label', { attrs: { for: id, 'data-m': labelKey } }), control, ...(hint ? [hint] : []), error);
    form.fields[name] = { wrap, control, error, labelKey, who, person };
    return wrap;
  }

  /** @param {HTMLElement[]} [options] */
  function select(options = []) {
    return el('select', {}, ...options);
  }

  /**
   * Fills a person select: people inside the room first (door log), then everybody else.
   * @param {HTMLSelectElement} sel
   * @param {string} roomId
   * @param {(p: Person) => boolean} [filter]
   */
  function fillPeople(sel, roomId, filter = () => true) {
    const current = sel.value;
    const list = people().filter(filter);
    const inside = roomId ? ctx.state()?.occupancy.get(roomId) : null;
    const option = (p) => el('option', { text: personLabel(p), attrs: { value: p.id } });
    /** @type {HTMLElement[]} */
    const children = [el('option', { text: tx('media.choose'), attrs: { value: '' } })];
    if (inside && inside.size) {
      const inRoom = list.filter((p) => inside.has(p.id));
      const others = list.filter((p) => !inside.has(p.id));
      if (inRoom.length) children.push(el('optgroup', { attrs: { label: tx('media.people.inside', { room: roomName(roomId) }) } }, ...inRoom.map(option)));
      if (others.length) children.push(el('optgroup', { attrs: { label: tx('media.people.others') } }, ...others.map(option)));
    } else children.push(...list.map(option));
    sel.replaceChildren(...children);
    if (list.some((p) => p.id === current)) sel.value = current;
  }

  // ---- signers

  /**
   * One signer: who (a person select — only people passing `filter` — except for a check-in where
   * the badge says who), their badge, their PIN, and an optional drawn signature.
   * @param {Form} form
   * @param {string} kind holder, returner, receiver, witness, inspector, present…
   * @param {{ person?: boolean, filter?: (p: Person) => boolean }} [options]
   * @returns {SignerRow}
   */
  function signerRow(form, kind, { person: withPerson = true, filter } = {}) {
    const pad = signaturePad();
    const rid = `ms-${++uid}`;
    const title = el('h4', { cls: 'signer-title', attrs: { id: `${rid}-title` } });
    const person = withPerson ? el('select', { attrs: { id: `${rid}-person`, 'data-testid': 'signer-person', 'aria-describedby': `${rid}-error` } }) : null;
    const badge = el('input', { attrs: { id: `${rid}-badge`, type: 'password', autocomplete: 'one-time-code', autocapitalize: 'off', spellcheck: 'false', maxlength: 512, 'data-testid': 'signer-badge', 'aria-describedby': `${rid}-badge-hint ${rid}-error` } });
    const pin = el('input', { attrs: { id: `${rid}-pin`, type: 'password', inputmode: 'numeric', autocomplete: 'off', maxlength: 12, 'data-testid': 'signer-pin', 'aria-describedby': `${rid}-error` } });
    const error = el('p', { cls: 'field-error signer-error', attrs: { id: `${rid}-error`, 'data-testid': 'signer-error', hidden: true } });
    const clear = button('media.f.drawn.clear', { 'data-testid': 'signer-canvas-clear' });
    const cells = [
      ...(person ? [el('div', { cls: 'field' }, el('label', { attrs: { for: `${rid}-person`, 'data-m': 'media.f.name' } }), person)] : []),
      el('div', { cls: 'field' }, el('label', { attrs: { for: `${rid}-badge`, 'data-m': 'media.f.badge' } }), badge, el('p', { cls: 'field-hint', attrs: { id: `${rid}-badge-hint`, 'data-m': 'media.f.badge.hint' } })),
      el('div', { cls: 'field field-pin' }, el('label', { attrs: { for: `${rid}-pin`, 'data-m': 'media.f.pin' } }), pin),
    ];
    const remove = kind === 'witness' ? el('button', { cls: 'button button-small button-danger signer-remove', attrs: { type: 'button', 'data-testid': 'signer-remove' } }) : null;
    const node = el(
      'fieldset',
      { cls: 'signer', attrs: { 'aria-labelledby': `${rid}-title`, 'data-testid': kind === 'witness' ? 'witness' : 'signer', 'data-kind': kind } },
      el('div', { cls: 'signer-head' }, title, ...(remove ? [remove] : [])),
      el('div', { cls: 'signer-fields' }, ...cells),
      error,
      el(
        'details',
        { cls: 'signer-drawn' },
        el('summary', { attrs: { 'data-m': 'media.f.drawn', 'data-testid': 'signer-drawn' } }),
        el('div', { cls: 'sig-pad' }, pad.canvas, el('div', { cls: 'sig-tools' }, el('p', { cls: 'field-hint', attrs: { 'data-m': 'media.f.drawn.hint' } }), clear)),
      ),
    );
    /** @type {SignerRow} */
    const row = { kind, person, badge, pin, pad, node, title, error, remove, filter };
    person?.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && person.value) {
        e.preventDefault();
        badge.focus();
      }
    });
    badge.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.isComposing) {
        e.preventDefault();
        const value = badge.value.trim();
        // A medium's QR code read into a badge field: it is a medium, not a signature.
        if (MEDIUM_CODE.test(value)) {
          badge.value = '';
          ctx.onMediumCode?.(form, value);
          return;
        }
        if (value) pin.focus();
      }
    });
    pin.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter' || e.isComposing) return;
      e.preventDefault();
      const i = form.signers.indexOf(row);
      const next = form.signers[i + 1];
      if (next) (next.person ?? next.badge).focus();
      else form.node.requestSubmit();
    });
    clear.addEventListener('click', () => pad.clear());
    remove?.addEventListener('click', () => {
      form.signers = form.signers.filter((r) => r !== row);
      node.remove();
      renderSigners(form);
      (form.signers[form.signers.length - 1]?.pin ?? form.node.querySelector('button'))?.focus();
    });
    return row;
  }

  /**
   * @param {Form} form
   * @param {SignerRow} row
   */
  function whoOfRow(form, row) {
    if (row.kind === 'witness') return tx('media.who.witness', { n: form.signers.indexOf(row) + 1 });
    return tx(`media.who.${row.kind}`);
  }

  /** @param {Form} form */
  function renderSigners(form) {
    for (const row of form.signers) {
      const who = whoOfRow(form, row);
      row.title.textContent = who;
      row.pad.canvas.setAttribute('aria-label', tx('media.f.drawn.label', { who }));
      if (row.remove) {
        row.remove.textContent = tx('media.witness.remove');
        row.remove.setAttribute('aria-label', tx('media.witness.remove.label', { n: form.signers.indexOf(row) + 1 }));
        row.remove.hidden = form.signers.length < 2;
      }
      if (row.person) fillPeople(row.person, form.roomId(), row.filter);
    }
  }

  /**
   * A witness more, in the witnesses' box (witnessesBox made it).
   * @param {Form} form
   */
  function addWitness(form, focus = true) {
    const row = signerRow(form, 'witness');
    form.signers.push(row);
    /** @type {HTMLElement} */ (form.signersBox).append(row.node);
    renderSigners(form);
    translate(row.node, tx);
    if (focus) row.person?.focus();
    return row;
  }

  /**
   * The witnesses' box with its "add a witness" button (one witness row to begin with, added by the caller).
   * @param {Form} form
   */
  function witnessesBox(form) {
    form.signersBox = el('div', { cls: 'signers', attrs: { 'data-testid': 'witnesses' } });
    const add = button('media.witness.add', { 'data-testid': 'witness-add' });
    add.addEventListener('click', () => addWitness(form));
    return [form.signersBox, el('p', { cls: 'witness-add' }, add)];
  }

  /**
   * Room (presence checked by the door log) or a named place (not verified); `optional` adds
   * "not given". rooms: the rooms; defaultRoom(): the room chosen first and used for "people inside"
   * when none is chosen; onChange(): the room or the choice changed.
   * @param {Form} form
   * @param {{ optional?: boolean, rooms: import('./api-types.js').Room[], defaultRoom: () => string, onChange: () => void }} options
   */
  function whereControl(form, { optional = false, rooms, defaultRoom, onChange }) {
    const roomSel = select(rooms.map((r) => el('option', { text: r.name, attrs: { value: r.id } })));
    roomSel.setAttribute('name', 'room');
    roomSel.setAttribute('data-testid', 'f-room');
    roomSel.setAttribute('aria-labelledby', 'mf-where-room-label');
    /** @type {HTMLSelectElement} */ (roomSel).value = defaultRoom();
    const place = el('input', { attrs: { type: 'text', name: 'place', maxlength: 200, autocomplete: 'off', 'data-testid': 'f-place', 'aria-labelledby': 'mf-where-place-label', 'data-m-ph': 'media.f.place.hint' } });
    const choices = [...(optional ? ['none'] : []), 'room', 'place'];
    const radio = (v) => el('input', { attrs: { type: 'radio', name: 'where', value: v, checked: v === (optional ? 'none' : 'room'), 'data-testid': `f-where-${v}` } });
    const error = el('p', { cls: 'field-error', attrs: { 'data-testid': 'f-where-error', hidden: true } });
    const box = el(
      'fieldset',
      { cls: 'field where', attrs: { 'data-f': 'where' } },
      el('legend', { attrs: { 'data-m': 'media.f.where' } }),
      ...choices.map((v) =>
        el(
          'div',
          { cls: 'where-choice' },
          el('label', { cls: 'check', attrs: { id: `mf-where-${v}-label` } }, radio(v), el('span', { attrs: { 'data-m': `media.f.where.${v}` } })),
          ...(v === 'room' ? [roomSel] : v === 'place' ? [place] : []),
        ),
      ),
      error,
    );
    form.fields.where = { wrap: box, control: roomSel, error, labelKey: 'media.f.where' };
    const where = () => /** @type {HTMLInputElement | null} */ (box.querySelector('input[name="where"]:checked'))?.value ?? 'room';
    form.where = where;
    form.roomId = () => (where() === 'room' ? roomSel.value : defaultRoom());
    form.roomSelect = roomSel;
    form.placeInput = place;
    const sync = () => {
      roomSel.disabled = where() !== 'room';
      place.disabled = where() !== 'place';
    };
    box.addEventListener('change', (e) => {
      sync();
      const name = /** @type {HTMLInputElement} */ (e.target).name;
      if (name === 'where' && where() === 'place') place.focus();
      if (name === 'where' || name === 'room') onChange();
    });
    sync();
    return box;
  }

  /**
   * { roomId } or { place } as the form says, or nothing.
   * @param {Form} form
   * @returns {{ roomId?: string, place?: string }}
   */
  function whereBody(form) {
    const w = form.where?.() ?? 'none';
    if (w === 'room') return { roomId: /** @type {HTMLSelectElement} */ (form.roomSelect).value };
    if (w === 'place') return { place: /** @type {HTMLInputElement} */ (form.placeInput).value.trim() };
    return {};
  }

  /**
   * What a signer gives: the API's SignerInput.
   * @param {SignerRow} row
   */
  function signerBody(row) {
    /** @type {{ badge: string, pin: string, personId?: string, drawnSignature?: string }} */
    const body = { badge: row.badge.value.trim(), pin: row.pin.value };
    if (row.person) body.personId = row.person.value;
    const drawn = row.pad.value();
    if (drawn) body.drawnSignature = drawn;
    return body;
  }

  // ---- errors in words

  const fieldWho = (form, name) => {
    const f = form.fields[name];
    if (!f) return '';
    return typeof f.who === 'function' ? f.who() : tx(f.who ?? f.labelKey);
  };

  /** "立会人 2" / "受け手" … for a field named in an API error, and the person's name when known. */
  function whoOfField(form, fieldPath, detail) {
    const f = String(fieldPath ?? '').replace(/^body\.?/, '').replace(/^params\.?/, '');
    const w = /^witnesses\.(\d+)/.exec(f);
    if (w) {
      const row = form.signers[Number(w[1])];
      return { who: tx('media.who.witness', { n: Number(w[1]) + 1 }), name: row?.person ? personName(row.person.value) : '', row };
    }
    const located = form.locate?.(f, detail);
    if (located) return located;
    if (form.signerField?.test(f)) {
      const row = form.signers[0];
      return { who: whoOfRow(form, row), name: row?.person ? personName(row.person.value) : '', row };
    }
    const name = [f, f.split('.')[0]].map((k) => form.fieldOf?.[k] ?? FIELD_OF[k] ?? k).find((k) => form.fields[k]);
    if (name) {
      const ff = form.fields[name];
      return { who: fieldWho(form, name), name: ff.person ? personName(/** @type {HTMLSelectElement} */ (ff.control).value) : '', fieldName: name };
    }
    const m = /^(mediaIds|foundMediaIds)\.(\d+)/.exec(f);
    if (m) return { who: '', name: '', medium: form.mediaSent?.[Number(m[2])] ?? null };
    return { who: '', name: '' };
  }

  /** What went wrong with one detail, in words. */
  function detailWhat(form, d, target) {
    const code = String(d?.code ?? '');
    if (SIGNATURE_CODES.includes(code)) return tx(`media.err.${code}`);
    if (code === 'not_present') return tx('media.err.not_present', { room: roomName(form.sentRoomId) || '' });
    if (code.startsWith('medium_')) return tx('media.err.medium_status', { label: target.medium?.label ?? d.message, status: statusWord(code.slice(7)) });
    if (code === 'not_holder') return tx('media.err.not_holder', { label: target.medium?.label ?? d.message, holder: target.medium?.holder?.name ?? '' });
    // A form may word a shared code its own way (form.words: code → message key).
    const key = form.words?.[code] ?? `media.err.${code}`;
    if (has('en', key)) return tx(key, { label: target.medium?.label ?? d.message, holder: '' });
    const path = String(d?.field ?? '');
    if (/\.pin$/.test(path) || path === 'body.pin') return tx('media.err.pin_format');
    if (code === 'too_small' || code === 'invalid_type') return tx('media.err.required');
    return String(d?.message ?? code);
  }

  /**
   * What went wrong, kept as data so that it is worded again on a language switch: the headline
   * (what happened as a whole) and one item per problem — a server detail, or a local check.
   */
  function explain(res) {
    const details = Array.isArray(res.data?.error?.details) ? res.data.error.details : [];
    /** @type {Errors['head']} */
    let head = ['media.fail.other', { code: res.code ?? `HTTP ${res.status}` }];
    if (res.status === 0) head = ['media.fail.network', {}];
    else if (res.code === 'signature_invalid') head = ['media.fail.signature', {}];
    else if (res.status === 423) head = ['media.fail.locked', { minutes: Math.max(1, Math.ceil(Number(res.headers.get('Retry-After') || 60) / 60)) }];
    else if (res.code === 'not_present') head = ['media.fail.not_present', {}];
    else if (res.status === 400 || res.status === 413) head = ['media.fail.invalid', {}];
    else if (res.status === 409) head = ['media.fail.conflict', {}];
    else if (res.status === 403) head = ['media.fail.forbidden', {}];
    else if (res.status === 404) head = ['media.fail.not_found', {}];
    else if (res.status === 503) head = ['media.fail.database_unavailable', {}];
    const fallback = details.length === 0 && res.status === 409 && res.data?.error?.message ? String(res.data.error.message) : '';
    return { head, items: details.map((d) => ({ detail: d, code: String(d?.code ?? '') })), fallback };
  }

  /** The words of one item now: who it is about, what is wrong, the line for the alert. */
  function wordItem(form, item) {
    let target;
    let what;
    if (item.detail) {
      target = whoOfField(form, item.detail.field, item.detail);
      what = detailWhat(form, item.detail, target);
    } else {
      target = { ...item.target };
      if (target.row) {
        target.who = whoOfRow(form, target.row);
        target.name = target.row.person ? personName(target.row.person.value) : '';
      } else if (target.fieldName) target.who = fieldWho(form, target.fieldName);
      what = tx(item.key, item.params);
    }
    let line = what;
    if (target.who) line = target.name ? tx('media.err.field.named', { who: target.who, what, name: target.name }) : tx('media.err.field', { who: target.who, what });
    return { target, what, line };
  }

  /** Writes the form's errors (the alert, and the message at each row or field) in the page language. */
  function paintErrors(form) {
    const src = form.errors;
    for (const f of Object.values(form.fields)) {
      f.error.hidden = true;
      f.error.textContent = '';
      f.wrap.classList.remove('field-invalid');
    }
    for (const row of form.signers) {
      row.error.hidden = true;
      row.error.textContent = '';
      row.node.classList.remove('signer-invalid');
    }
    if (!src) {
      form.summary.hidden = true;
      form.summary.replaceChildren();
      return;
    }
    const worded = src.items.map((item) => ({ item, ...wordItem(form, item) }));
    const lines = [...worded.map((w) => w.line), ...(src.fallback ? [src.fallback] : [])];
    form.summary.replaceChildren(el('p', { text: tx(src.head[0], src.head[1]) }), ...(lines.length ? [el('ul', {}, ...lines.map((l) => el('li', { text: l })))] : []));
    form.summary.hidden = false;
    for (const { target, what } of worded) {
      if (target.row) {
        const row = target.row;
        row.error.textContent = [row.error.textContent, what].filter(Boolean).join(' ');
        row.error.hidden = false;
        row.node.classList.add('signer-invalid');
      } else if (target.fieldName && form.fields[target.fieldName]) {
        const f = form.fields[target.fieldName];
        f.error.textContent = [f.error.textContent, what].filter(Boolean).join(' ');
        f.error.hidden = false;
        f.wrap.classList.add('field-invalid');
      }
    }
  }

  function clearErrors(form) {
    form.errors = null;
    paintErrors(form);
    for (const f of Object.values(form.fields)) f.control.removeAttribute('aria-invalid');
    for (const row of form.signers) for (const c of [row.person, row.badge, row.pin]) c?.removeAttribute('aria-invalid');
  }

  /** Shows the errors; marks the controls, clears a wrong PIN or badge, and answers where the focus goes. */
  function showErrors(form, errors) {
    form.errors = errors;
    paintErrors(form);
    let focus = null;
    for (const item of errors.items) {
      const target = item.detail ? whoOfField(form, item.detail.field, item.detail) : item.target;
      const code = item.code;
      if (target.row) {
        const row = target.row;
        const ctl = ['wrong_pin', 'pin_format', 'pin_locked', 'pin_busy', 'pin_change_required'].includes(code) ? row.pin : code === 'person' ? row.person : SIGNATURE_CODES.includes(code) || code === 'badge' ? row.badge : (row.person ?? row.badge);
        ctl?.setAttribute('aria-invalid', 'true');
        if (['wrong_pin', 'pin_change_required', 'pin_not_set'].includes(code)) row.pin.value = '';
        if (['unknown_badge', 'badge_not_of_person', 'badge_revoked', 'badge_expired'].includes(code)) row.badge.value = '';
        focus ??= ctl;
      } else if (target.fieldName && form.fields[target.fieldName]) {
        const f = form.fields[target.fieldName];
        f.control.setAttribute('aria-invalid', 'true');
        focus ??= f.control;
      }
    }
    return focus;
  }

  /**
   * What the form says before anything is sent: the fields it needs now (form.needs()), the place
   * when "other place" is chosen, people chosen, badges scanned, PINs typed (signers on screen).
   */
  function localCheck(form) {
    const items = [];
    for (const name of form.needs?.() ?? []) {
      const f = form.fields[name];
      if (f && !/** @type {HTMLInputElement} */ (f.control).value.trim()) {
        items.push({ target: { fieldName: name }, key: f.control instanceof HTMLSelectElement ? 'media.err.choose' : 'media.err.required', params: {}, code: 'required' });
      }
    }
    if (form.where && form.where() === 'place' && !/** @type {HTMLInputElement} */ (form.placeInput).value.trim()) {
      items.push({ target: { fieldName: 'where' }, key: 'media.err.required', params: {}, code: 'required' });
    }
    for (const row of form.signers) {
      if (row.node.closest('[hidden]')) continue;
      if (row.person && !row.person.value) items.push({ target: { row }, key: 'media.err.choose', params: {}, code: 'person' });
      if (!row.badge.value.trim()) items.push({ target: { row }, key: 'media.err.badge_missing', params: {}, code: 'badge' });
      if (!PIN_FORMAT.test(row.pin.value)) items.push({ target: { row }, key: 'media.err.pin_format', params: {}, code: 'pin_format' });
    }
    return items.length ? { head: ['media.fail.local', {}], items, fallback: '' } : null;
  }

  /** Checks locally, then shows what is wrong and focuses it; answers whether the form may be sent. */
  function readyToSend(form) {
    clearErrors(form);
    const local = localCheck(form);
    if (!local) return true;
    /** @type {HTMLElement | null} */ (showErrors(form, local))?.focus();
    return false;
  }

  /** Shows a refusal of the server, focuses what to fix (or the alert) and brings it into view. */
  function showRefusal(form, res) {
    const focus = showErrors(form, explain(res));
    /** @type {HTMLElement} */ (focus ?? form.summary).focus();
    form.summary.scrollIntoView({ block: 'nearest' });
  }

  /**
   * POSTs the form's request, its submit button saying "recording…" meanwhile; answers the response.
   * @param {Form} form
   * @param {string} path
   * @param {unknown} body
   */
  async function post(form, path, body) {
    const key = form.submit.dataset.m;
    const label = (k) => {
      form.submit.dataset.m = k;
      form.submit.textContent = tx(k);
    };
    form.busy = true;
    form.submit.disabled = true;
    label('media.form.busy');
    const res = await host.api('POST', path, { body });
    form.busy = false;
    form.submit.disabled = false;
    label(key);
    return res;
  }

  /**
   * Sends the form: on 201, done(data) — while current() still says the form is the one on screen;
   * a refusal is shown at the form (a 401 has ended the sign-in already).
   * @param {Form} form
   * @param {string} path
   * @param {unknown} body
   * @param {{ current: () => boolean, done: (answer) => unknown }} handlers
   */
  async function send(form, path, body, { current, done }) {
    const res = await post(form, path, body);
    if (!current()) return;
    if (res.status === 201 && res.data) await done(res.data);
    else if (res.status !== 401) showRefusal(form, res);
  }

  /** The alert box at the top of a form (role=alert, focusable). */
  const formAlert = (testid = 'form-error') => el('div', { cls: 'alert form-alert', attrs: { role: 'alert', 'data-testid': testid, tabindex: '-1', hidden: true } });

  /**
   * A form object: its node (a <form>), no fields or signers yet, its alert (testid alertId) and
   * its submit button (label submitKey, testid submitId); `extra` adds to it (roomId() answers no
   * room until then).
   * @template {Record<string, unknown>} T
   * @param {string} kind
   * @param {HTMLFormElement} node
   * @param {{ alertId?: string, submitKey: string, submitId?: string } & T} options
   * @returns {Form & Omit<T, 'alertId' | 'submitKey' | 'submitId'>}
   */
  function newForm(kind, node, { alertId, submitKey, submitId = 'form-submit', ...extra }) {
    return {
      kind,
      node,
      fields: {},
      signers: [],
      signersBox: null,
      busy: false,
      errors: null,
      roomId: () => '',
      summary: formAlert(alertId),
      submit: el('button', { cls: 'button button-primary', attrs: { type: 'submit', 'data-testid': submitId, 'data-m': submitKey } }),
      ...extra,
    };
  }

  /**
   * The presence line (door log, or a place not verified) and who signed, for a recorded result.
   * @param {import('./api-types.js').SignedRecordSummary} record
   * @param {{ roomId?: string | null, place?: string | null }} where
   */
  const recordLines = (record, { roomId, place }) => [
    el('p', { cls: `result-presence${record.presenceVerified ? '' : ' warn'}`, text: record.presenceVerified ? tx('media.presence.verified', { room: roomName(roomId) }) : tx('media.presence.unverified', { place: place ?? '—' }) }),
    ...(record.signatures?.length ? [el('ul', { cls: 'result-signers' }, ...record.signatures.map((g) => el('li', { text: signedLine(g) })))] : []),
  ];

  return {
    statusWord,
    kindWord,
    roleWords,
    personLabel,
    personName,
    button,
    field,
    select,
    fillPeople,
    signerRow,
    renderSigners,
    addWitness,
    witnessesBox,
    whereControl,
    whereBody,
    signerBody,
    explain,
    paintErrors,
    clearErrors,
    showErrors,
    readyToSend,
    send,
    formAlert,
    newForm,
    recordLines,
    signedLine,
  };
}

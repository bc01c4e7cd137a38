// @ts-check
// Signing on the spot, shared by the screens that record signed events — the media screens
// (media.js, intake.js) and the destruction screens (destruction.js), all loaded on first use so
// that the door page stays light:
// - person pickers (person-picker.js: scanned or searched, offering only the people who may act:
//   inside the room where the server checks presence, with the role needed), signer rows (person,
//   badge, PIN, optional drawn signature) — scan first: a badge scanned into the person field names
//   the signer, is kept as their badge and the PIN field takes the focus — witnesses added on the
//   same screen, the room-or-place choice;
// - badges and PINs are cleared from the form after every answer of the server, accepted or
//   refused (issue 14, item 3), and from a screen when it is left (clearSecrets);
// - a form's errors in words: the headline, one line per problem naming the witness or the field,
//   the message at the row or field itself, a wrong PIN cleared and focused.
// A "form" here is a plain object: { kind, node, fields, signers, summary, roomId(), … } (Form,
// below; made by newForm); the screens add what they need (where(), needs(), locate(), …).
import { t, has, addMessages } from './i18n.js';
import { el } from './dom.js';
import { MEDIA_MESSAGES } from './media-messages.js';
import { KINDS, MEDIUM_CODE, STATUSES, translate } from './screen.js';
import { createPicker } from './person-picker.js';

addMessages(MEDIA_MESSAGES);

/** @typedef {import('./api-types.js').Person} Person */
/** @typedef {import('./api-types.js').Medium} Medium */
/** @typedef {import('./api-types.js').ErrorDetail} ErrorDetail */
/**
 * A labelled field: its wrapper, control, error line and label key; `who` words it in an error
 * line (a message key, or a function); `picker`: a person field (person-picker.js).
 * @typedef {{ wrap: HTMLElement, control: HTMLElement, error: HTMLElement, labelKey: string, who?: string | (() => string), picker?: Picker }} Field
 */
/** @typedef {ReturnType<typeof createPicker>} Picker */
/** @typedef {import('./person-picker.js').Who} Who */
/** @typedef {import('./person-picker.js').PersonLite} PersonLite */
/**
 * A signer: who (a person picker and its input), badge, PIN and drawn signature; `sendPerson`:
 * the request names the signer (personId) — a check-in does not (the badge says who).
 * @typedef {{ kind: string, person: HTMLInputElement | null, picker: Picker | null, sendPerson: boolean, badge: HTMLInputElement, pin: HTMLInputElement,
 *   pad: ReturnType<typeof signaturePad>, node: HTMLElement, title: HTMLElement, error: HTMLElement, remove: HTMLButtonElement | null }} SignerRow
 */
/**
 * Whom or what an error is about: a signer's row, a field, or a medium sent.
 * @typedef {{ who?: string, name?: string, row?: SignerRow, fieldName?: string, medium?: Medium | { id: string, label: string } | null }} Target
 */
/**
 * What went wrong, kept as data to be worded again on a language switch: the headline, one item per
 * problem (a detail of the server's answer, or a local check's message key), and the server's
 * message when it gave no details.
 * @typedef {{ head: [string, Record<string, unknown>], items: { detail?: ErrorDetail, target?: Target, key?: string, params?: Record<string, unknown>, code: string }[], fallback: string,
 *   cleared?: boolean }} Errors
 */
/**
 * A form of the signing toolkit (newForm): its <form>, fields, signers, alert (summary) and submit
 * button; roomId() answers the form's room. A screen adds what it needs: presenceRoom() (the
 * room where the server checks presence, '' when it does not: whereControl; else roomId()),
 * witnessRoles (the first witness holds one of them: E1.3, E7.4),
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
 * @property {() => string} [presenceRoom]
 * @property {string[]} [witnessRoles]
 * @property {(id: string) => HTMLElement | null} [mediumSlot]
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
 * @property {(Medium | { id: string, label: string, kind?: string })[]} [mediaSent]
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
 * Clears every badge and PIN typed or scanned under root (inputs marked data-secret, and a badge
 * being scanned into a person field): after every answer of the server, and when a screen or a
 * sub-view is left (issue 14, item 3).
 * @param {ParentNode} root
 */
export function clearSecrets(root) {
  for (const input of root.querySelectorAll('input[data-secret]')) /** @type {HTMLInputElement} */ (input).value = '';
  for (const input of root.querySelectorAll('input.picker-secret')) {
    /** @type {HTMLInputElement} */ (input).value = '';
    input.classList.remove('picker-secret');
  }
  // A person field no longer says "badge checked": that badge is gone (person-picker.js).
  for (const input of root.querySelectorAll('input[data-picker]')) input.dispatchEvent(new Event('secrets-cleared'));
}

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
  const roomName = (id) => ctx.state()?.rooms.find((r) => r.id === id)?.name ?? '';
  /**
   * The people met on this screen (found by a picker, named by a badge): their names by id.
   * @type {Map<string, PersonLite>}
   */
  const known = new Map();
  const learn = (p) => void known.set(p.id, p);

  // ---- words

  const statusWord = (st) => (STATUSES.includes(st) ? tx(`media.status.${st}`) : String(st));
  const kindWord = (k) => (KINDS.includes(k) ? tx(`media.kind.${k}`) : String(k));
  const roleWords = (list) => list.map((r) => (has('en', `role.${r}`) ? tx(`role.${r}`) : r)).join('・');
  const personName = (id) => known.get(id)?.name ?? '';
  /** "高橋 権限（権限者）— 廃棄立会い": who signed, as what. */
  const signedLine = (g) => tx('media.chain.signed', { name: g.signerName, roles: roleWords(g.signerRoles), meaning: host.lang() === 'ja' ? g.meaningJa : g.meaning });
  const button = (key, attrs = {}, cls = 'button button-small') => el('button', { cls, attrs: { type: 'button', 'data-m': key, ...attrs } });

  // ---- fields and people

  /**
   * A labelled field; its error line is filled by paintErrors(). `who` words the field in an error
   * line when it differs from the label (a message key, or a function answering the words);
   * `picker`: the control is a person picker's input (the error line names the person chosen).
   * @param {{ fields: Record<string, Field> }} form
   * @param {string} name
   * @param {string} labelKey
   * @param {HTMLElement} control
   * @param {{ hintKey?: string, cls?: string, who?: string | (() => string), picker?: Picker }} [options]
   */
  function field(form, name, labelKey, control, { hintKey, cls, who, picker } = {}) {
    const id = picker ? control.id : `mf-${++uid}`;
    control.id = id;
    control.setAttribute('name', name);
    control.setAttribute('data-testid', `f-${name}`);
    const error = el('p', { cls: 'field-error', attrs: { id: `${id}-error`, 'data-testid': `f-${name}-error`, hidden: true } });
    const hint = hintKey ? el('p', { cls: 'field-hint', attrs: { id: `${id}-hint`, 'data-m': hintKey } }) : null;
    const notes = picker ? [picker.hint, picker.note] : hint ? [hint] : [];
    control.setAttribute('aria-describedby', [...notes.map((n) => n.id), `${id}-error`].join(' '));
    const wrap = el('div', { cls: `field${cls ? ` ${cls}` : ''}`, attrs: { 'data-f': name } }, el('label', { attrs: { for: id, 'data-m': labelKey } }), picker ? picker.node : control, ...notes, error);
    form.fields[name] = { wrap, control, error, labelKey, who, picker };
    return wrap;
  }

  /** @param {HTMLElement[]} [options] */
  function select(options = []) {
    return el('select', {}, ...options);
  }

  /**
   * The room where the server checks this form's presence ('' where it does not: another place).
   * @param {Form} form
   */
  const presenceRoom = (form) => (form.presenceRoom ? form.presenceRoom() : form.roomId());

  /**
   * Who a picker of this form offers: the people inside its room (where the server checks
   * presence), and what `extra` adds (a role, an organisation, only some people).
   * @param {Form} form
   * @param {() => Who} [extra]
   * @returns {() => Who}
   */
  const scopeOf = (form, extra) => () => {
    const roomId = presenceRoom(form);
    return { ...(roomId ? { roomId, roomLabel: roomName(roomId) } : {}), ...(extra?.() ?? {}) };
  };

  /**
   * A person field (issue 14, item 3): searched by name, reading or organisation, or a badge
   * scanned into it; offers only who may act (scopeOf). Chosen by the user, the focus moves on to
   * the next field.
   * @param {Form} form
   * @param {string} name
   * @param {string} labelKey
   * @param {{ who?: () => Who, whoKey?: string, cls?: string }} [options]
   */
  function personField(form, name, labelKey, { who, whoKey, cls } = {}) {
    const picker = createPicker({
      host,
      who: scopeOf(form, who),
      testid: `f-${name}`,
      learn,
      onPick: () => focusAfter(form, picker.input),
    });
    return field(form, name, labelKey, picker.input, { who: whoKey, cls, picker });
  }

  /**
   * Moves the focus to the form's next field after `from` (a person chosen: on to what follows).
   * @param {Form} form
   * @param {HTMLElement} from
   */
  function focusAfter(form, from) {
    const all = [...form.node.querySelectorAll('input:not([type="hidden"]), select, textarea, button[type="submit"]')].filter(
      (n) => !(/** @type {HTMLInputElement} */ (n).disabled) && !n.closest('[hidden]') && !n.closest('.picker-list'),
    );
    const next = all[all.indexOf(from) + 1];
    /** @type {HTMLElement | undefined} */ (next)?.focus();
  }

  /**
   * The value of a form's field: the person chosen in a person field, else the text.
   * @param {Form} form
   * @param {string} name
   */
  function valueOf(form, name) {
    const f = form.fields[name];
    if (!f) return '';
    return f.picker ? f.picker.value() : (/** @type {HTMLInputElement} */ (f.control).value ?? '').trim();
  }

  /**
   * Words the form's pickers again (a language switch) and lists again whom they offer (the room
   * or a choice changed).
   * @param {Form} form
   */
  function refreshPickers(form) {
    for (const f of Object.values(form.fields)) f.picker?.refresh();
    for (const row of form.signers) row.picker?.refresh();
  }

  // ---- signers

  /**
   * One signer: who (a person picker: scan the badge there, or search the name), their badge, their
   * PIN, and an optional drawn signature. `who` narrows whom the picker offers (inside the form's
   * room always, where the server checks presence); a first witness holds one of form.witnessRoles.
   * `sendPerson: false`: the request does not name the signer (a check-in: the badge says who).
   * @param {Form} form
   * @param {string} kind holder, returner, receiver, witness, inspector, present…
   * @param {{ who?: () => Who, sendPerson?: boolean }} [options]
   * @returns {SignerRow}
   */
  function signerRow(form, kind, { who, sendPerson = true } = {}) {
    const pad = signaturePad();
    const rid = `ms-${++uid}`;
    const title = el('h4', { cls: 'signer-title', attrs: { id: `${rid}-title` } });
    const badge = el('input', { attrs: { id: `${rid}-badge`, type: 'password', autocomplete: 'one-time-code', autocapitalize: 'off', spellcheck: 'false', maxlength: 512, 'data-testid': 'signer-badge', 'data-secret': '', 'aria-describedby': `${rid}-badge-hint ${rid}-error` } });
    const pin = el('input', { attrs: { id: `${rid}-pin`, type: 'password', inputmode: 'numeric', autocomplete: 'off', maxlength: 12, 'data-testid': 'signer-pin', 'data-secret': '', 'aria-describedby': `${rid}-error` } });
    const error = el('p', { cls: 'field-error signer-error', attrs: { id: `${rid}-error`, 'data-testid': 'signer-error', hidden: true } });
    const clear = button('media.f.drawn.clear', { 'data-testid': 'signer-canvas-clear' });
    /** @type {SignerRow} */
    const row = { kind, person: null, picker: null, sendPerson, badge, pin, pad, node: el('fieldset'), title, error, remove: null };
    // Whose badge is in the badge field (scanned into the person field, or typed there).
    let badgeOf = '';
    const roles = () => (kind === 'witness' && form.signers.indexOf(row) === 0 && form.witnessRoles?.length ? { roles: form.witnessRoles } : {});
    const picker = createPicker({
      host,
      who: scopeOf(form, () => ({ ...roles(), ...(who?.() ?? {}) })),
      testid: 'signer-person',
      learn,
      // Scan first: the badge that named the signer is their badge; the PIN is next.
      onPick: (p, scanned) => {
        if (scanned) {
          badge.value = scanned;
          badgeOf = p.id;
          pin.value = '';
          pin.focus();
        } else {
          if (badgeOf !== p.id) badge.value = '';
          (badge.value ? pin : badge).focus();
        }
      },
      onClear: () => {
        badge.value = '';
        badgeOf = '';
      },
    });
    row.picker = picker;
    row.person = picker.input;
    picker.input.setAttribute('aria-describedby', `${picker.hint.id} ${picker.note.id} ${rid}-error`);
    const cells = [
      el('div', { cls: 'field field-person' }, el('label', { attrs: { for: picker.input.id, 'data-m': 'media.f.name' } }), picker.node, picker.hint, picker.note),
      el('div', { cls: 'field' }, el('label', { attrs: { for: `${rid}-badge`, 'data-m': 'media.f.badge' } }), badge, el('p', { cls: 'field-hint', attrs: { id: `${rid}-badge-hint`, 'data-m': 'media.f.badge.hint' } })),
      el('div', { cls: 'field field-pin' }, el('label', { attrs: { for: `${rid}-pin`, 'data-m': 'media.f.pin' } }), pin),
    ];
    const remove = kind === 'witness' ? el('button', { cls: 'button button-small button-danger signer-remove', attrs: { type: 'button', 'data-testid': 'signer-remove' } }) : null;
    row.remove = remove;
    row.node = el(
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
    badge.addEventListener('input', () => (badgeOf = ''));
    badge.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter' || e.isComposing) return;
      e.preventDefault();
      const value = badge.value.trim();
      // A medium's QR code read into a badge field: it is a medium, not a signature.
      if (MEDIUM_CODE.test(value)) {
        badge.value = '';
        ctx.onMediumCode?.(form, value);
        return;
      }
      if (!value) return;
      // The badge names its holder in the person field (or says why it cannot sign here).
      if (badgeOf && badgeOf === picker.value()) pin.focus();
      else void picker.scan(value);
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
      row.node.remove();
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
    for (const [i, row] of form.signers.entries()) {
      const who = whoOfRow(form, row);
      // The first witness holds the role the rule asks for (E1.3, E7.4): the title says so.
      row.title.textContent = row.kind === 'witness' && i === 0 && form.witnessRoles?.length ? tx('media.who.witness.role', { who, roles: roleWords(form.witnessRoles) }) : who;
      row.pad.canvas.setAttribute('aria-label', tx('media.f.drawn.label', { who }));
      if (row.remove) {
        row.remove.textContent = tx('media.witness.remove');
        row.remove.setAttribute('aria-label', tx('media.witness.remove.label', { n: i + 1 }));
        row.remove.hidden = form.signers.length < 2 || (i === 0 && Boolean(form.witnessRoles?.length));
      }
      row.picker?.paint();
    }
    for (const f of Object.values(form.fields)) f.picker?.paint();
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
   * The witnesses' box with its "add a witness" button (one witness row to begin with, added by
   * the caller); `roles`: the first witness holds one of them.
   * @param {Form} form
   * @param {string[]} [roles]
   */
  function witnessesBox(form, roles) {
    if (roles) form.witnessRoles = roles;
    form.signersBox = el('div', { cls: 'signers', attrs: { 'data-testid': 'witnesses' } });
    const add = button('media.witness.add', { 'data-testid': 'witness-add' });
    add.addEventListener('click', () => addWitness(form));
    return [form.signersBox, el('p', { cls: 'witness-add' }, add)];
  }

  /**
   * Room (presence checked by the door log) or a named place (not verified); `optional` adds
   * "not given". rooms: the rooms; defaultRoom(): the room chosen first; onChange(): the room or
   * the choice changed (the pickers offer the people inside the room chosen: they list again).
   * @param {Form} form
   * @param {{ optional?: boolean, rooms: import('./api-types.js').Room[], defaultRoom: () => string, onChange?: () => void }} options
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
    // The server checks presence only in a room chosen (issue 14, item 3: the pickers offer those inside).
    form.presenceRoom = () => (where() === 'room' ? roomSel.value : '');
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
      if (name === 'where' || name === 'room') {
        refreshPickers(form);
        onChange?.();
      }
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
    if (row.picker && row.sendPerson) body.personId = row.picker.value();
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
      return { who: tx('media.who.witness', { n: Number(w[1]) + 1 }), name: row?.picker?.person()?.name ?? '', row };
    }
    const located = form.locate?.(f, detail);
    if (located) return located;
    if (form.signerField?.test(f)) {
      const row = form.signers[0];
      return { who: whoOfRow(form, row), name: row?.picker?.person()?.name ?? '', row };
    }
    const name = [f, f.split('.')[0]].map((k) => form.fieldOf?.[k] ?? FIELD_OF[k] ?? k).find((k) => form.fields[k]);
    if (name) {
      const ff = form.fields[name];
      return { who: fieldWho(form, name), name: ff.picker?.person()?.name ?? '', fieldName: name };
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
    if (has('en', key)) return tx(key, { label: target.medium?.label ?? d.message, holder: '', kind: target.medium?.kind ? kindWord(target.medium.kind) : '' });
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
    return { head, items: details.map((d) => ({ detail: d, code: String(d?.code ?? '') })), fallback, cleared: true };
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
        target.name = target.row.picker?.person()?.name ?? '';
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
    for (const m of form.mediaSent ?? []) {
      const slot = form.mediumSlot?.(m.id);
      if (slot) {
        slot.hidden = true;
        slot.textContent = '';
      }
    }
    if (!src) {
      form.summary.hidden = true;
      form.summary.replaceChildren();
      return;
    }
    const worded = src.items.map((item) => ({ item, ...wordItem(form, item) }));
    const lines = [...worded.map((w) => w.line), ...(src.fallback ? [src.fallback] : [])];
    // Every answer clears the badges and PINs (issue 14, item 3): the alert says so, to sign again.
    const cleared = src.cleared && form.signers.some((row) => !row.node.closest('[hidden]'));
    form.summary.replaceChildren(
      el('p', { text: tx(src.head[0], src.head[1]) }),
      ...(lines.length ? [el('ul', {}, ...lines.map((l) => el('li', { text: l })))] : []),
      ...(cleared ? [el('p', { cls: 'form-alert-cleared', text: tx('media.fail.cleared'), attrs: { 'data-testid': 'form-cleared' } })] : []),
    );
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
      } else if (target.medium && form.mediumSlot?.(target.medium.id)) {
        // A problem of one medium (a method or level that does not fit it) is said next to it.
        const slot = /** @type {HTMLElement} */ (form.mediumSlot(target.medium.id));
        slot.textContent = [slot.textContent, what].filter(Boolean).join(' ');
        slot.hidden = false;
      }
    }
  }

  function clearErrors(form) {
    form.errors = null;
    paintErrors(form);
    for (const f of Object.values(form.fields)) f.control.removeAttribute('aria-invalid');
    for (const row of form.signers) for (const c of [row.person, row.badge, row.pin]) c?.removeAttribute('aria-invalid');
  }

  /**
   * Shows the errors; marks the controls and answers where the focus goes. After the server's
   * answer the badges and PINs are gone (clearSecrets): a signer's problem focuses their person
   * field, where their badge is scanned again (scan first).
   */
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
        focus ??= errors.cleared ? (row.person ?? row.badge) : ctl;
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
      if (f && !valueOf(form, name)) {
        items.push({ target: { fieldName: name }, key: f.control instanceof HTMLSelectElement || f.picker ? 'media.err.choose' : 'media.err.required', params: {}, code: 'required' });
      }
    }
    if (form.where && form.where() === 'place' && !/** @type {HTMLInputElement} */ (form.placeInput).value.trim()) {
      items.push({ target: { fieldName: 'where' }, key: 'media.err.required', params: {}, code: 'required' });
    }
    for (const row of form.signers) {
      if (row.node.closest('[hidden]')) continue;
      if (row.picker && !row.picker.value()) items.push({ target: { row }, key: 'media.err.choose', params: {}, code: 'person' });
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
    // Answered, accepted or refused: no badge or PIN stays in the form (issue 14, item 3).
    clearSecrets(form.node);
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
    personName,
    learn,
    button,
    field,
    select,
    personField,
    valueOf,
    refreshPickers,
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

// @ts-check
// A person field that is searched and scanned (issue 14, items 3 and 6 of "the front desk in daily
// use": scan-first forms and pickers). Used by the signing forms (signing.js) for every person a
// form names — a signer, a witness, the giver and the receiver of a handover, an escort, a
// performer, an approver.
// - Scan first: a badge scanned into the field (a badge token tb1_…, or an IC card reader's fast
//   burst of keys ending in Enter) is asked about (POST /api/badges/identify, the token in the body
//   only): the holder's name appears and they are chosen; the badge is handed to the caller (a
//   signer row keeps it as that signer's badge) and never stays in the field. An unknown, revoked
//   or expired badge, or a holder who may not act here, is said in words and nothing is chosen.
// - Search: typing looks people up on the server by a part of the name, the reading (furigana;
//   hiragana finds katakana) or the organisation (GET /api/people?q=…), among the people who may
//   act only: inside the room where the server checks presence (insideRoomId), with the role
//   needed, of the organisation needed, never anyone who has left (active=true). Arrow keys and
//   Enter choose; so does a click.
// A Japanese IME left on turns a reader's keys into kana: the keys' places (event.code) still say
// what the reader typed, so a burst is read from them.
import { t, has } from './i18n.js';
import { el } from './dom.js';

/** A badge token as printed in the QR code (server/badges/tokens.ts). */
export const BADGE_TOKEN = /^tb1_[A-Za-z0-9_-]{44}$/;
/** A reader types a key every few milliseconds; people do not type 8 keys this fast. */
const BURST_GAP_MS = 50;
const BURST_MIN = 8;
/** An IC card's UID as readers type it: hex digits, maybe with separators. */
const CARD_UID = /^[0-9A-Fa-f][0-9A-Fa-f:\s-]{6,63}$/;
const SEARCH_DELAY_MS = 150;
const PAGE = 30;

/**
 * A person as the picker knows them (from a search, a badge or the caller).
 * @typedef {{ id: string, name: string, reading?: string | null, orgId?: string, orgName?: string, orgKind?: string, roles?: string[] }} PersonLite
 */
/**
 * Who may be chosen here: inside a room (presence checked by the server), holding one of roles,
 * of the depositor or of ours (orgKind), of one organisation (orgId, orgLabel its name), or only
 * these people (only: e.g. the holder of the media returned; onlyKey: the hint's words then, a
 * message key with {names}, when it is not the media's holder).
 * @typedef {{ roomId?: string, roomLabel?: string, roles?: string[], orgKind?: 'depositor' | 'ours', orgId?: string, orgLabel?: string,
 *   only?: PersonLite[], onlyKey?: string }} Who
 */

/** Full-width ASCII (an IME left on) as half-width. */
const halfWidth = (s) => s.replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/\u3000/g, ' ');

/**
 * The character a key stands for: its key, or — while an IME composes (key "Process") — its place
 * on the keyboard (letters, digits, - and _ are where US and JIS layouts agree or the token allows).
 * @param {KeyboardEvent} e
 */
function keyChar(e) {
  if (e.ctrlKey || e.altKey || e.metaKey) return '';
  if (e.key.length === 1 && e.key >= '!' && e.key <= '~') return e.key;
  const letter = /^Key([A-Z])$/.exec(e.code);
  if (letter) return e.shiftKey ? letter[1] : letter[1].toLowerCase();
  const digit = /^Digit(\d)$/.exec(e.code);
  if (digit && !e.shiftKey) return digit[1];
  if (e.code === 'Minus') return e.shiftKey ? '_' : '-';
  if (e.code === 'IntlRo' && e.shiftKey) return '_';
  return '';
}

/**
 * Watches the keys typed into an input for a reader's burst. take(event) at Enter answers the
 * burst just typed (at least 8 keys, none more than 50 ms after the one before, Enter as fast), or ''.
 * @param {HTMLInputElement} input
 */
export function burstWatch(input) {
  let buf = '';
  let last = 0;
  input.addEventListener(
    'keydown',
    (e) => {
      if (e.key === 'Enter' || e.key === 'Shift') return;
      const ch = keyChar(e);
      if (!ch) {
        buf = '';
        return;
      }
      buf = buf && e.timeStamp - last <= BURST_GAP_MS ? buf + ch : ch;
      last = e.timeStamp;
    },
    true,
  );
  return {
    /** @param {KeyboardEvent} enter */
    take(enter) {
      const b = buf;
      buf = '';
      return b.length >= BURST_MIN && enter.timeStamp - last <= BURST_GAP_MS * 2 ? b : '';
    },
    /** Is a reader typing now (a fast run of keys under way)? */
    typing: () => buf.length >= 4 && performance.now() - last <= BURST_GAP_MS * 4,
    reset() {
      buf = '';
    },
  };
}

/**
 * What was scanned, if the text at Enter is a badge: a token (typed or pasted), or a reader's
 * burst (a token, or a card UID). '' when it is a name being typed.
 * @param {string} value the field's text
 * @param {string} burst the burst just typed (burstWatch)
 */
export function scannedBadge(value, burst) {
  const text = halfWidth(value).trim();
  if (BADGE_TOKEN.test(text)) return text;
  if (BADGE_TOKEN.test(burst)) return burst;
  if (burst && CARD_UID.test(burst)) return burst;
  return '';
}

let uid = 0;

/**
 * A person picker. host: the page; who(): who may be chosen now; onPick(person, badge): someone
 * was chosen by the user (badge: the badge scanned, '' when chosen by name); onClear(): the choice
 * was undone (the text changed, or a badge scanned named nobody who may act); learn(person): a
 * person seen (the screens name people by id). testid names the input (data-testid).
 * @param {{ host: import('./page-types.js').Host, who: () => Who, testid: string, onPick?: (person: PersonLite, badge: string) => void,
 *   onClear?: () => void, learn?: (person: PersonLite) => void }} options
 */
export function createPicker({ host, who, testid, onPick, onClear, learn }) {
  const id = `pp-${++uid}`;
  const tx = (key, params) => t(host.lang(), key, params);
  const input = el('input', {
    attrs: {
      id,
      type: 'text',
      role: 'combobox',
      'aria-autocomplete': 'list',
      'aria-expanded': 'false',
      'aria-controls': `${id}-list`,
      autocomplete: 'off',
      autocapitalize: 'off',
      spellcheck: 'false',
      maxlength: 512,
      'data-testid': testid,
      'data-picker': '',
    },
  });
  const list = el('ul', { cls: 'picker-list', attrs: { id: `${id}-list`, role: 'listbox', 'data-testid': 'picker-list', hidden: true } });
  const hint = el('p', { cls: 'field-hint picker-hint', attrs: { id: `${id}-hint`, 'data-testid': 'picker-hint' } });
  const note = el('p', { cls: 'picker-note', attrs: { id: `${id}-note`, role: 'status', 'data-testid': 'picker-note' } });
  const node = el('div', { cls: 'picker' }, input, list);
  const burst = burstWatch(input);

  /** @type {PersonLite | null} */
  let chosen = null;
  /** @type {PersonLite[]} */
  let options = [];
  let more = false;
  let active = -1;
  /** 'idle' | 'loading' | 'done' */
  let listState = 'idle';
  let seq = 0;
  let timer = 0;
  /** @type {{ key: string, params?: Record<string, unknown>, state: string } | null} */
  let message = null;
  /** A scan answered while an IME still composes: its text is dropped when the composition ends. */
  let swallow = false;

  const roleWords = (roles) => roles.map((r) => (has('en', `role.${r}`) ? tx(`role.${r}`) : r)).join(tx('picker.roles.sep'));

  /** "第1処理室に在室中の責任者・権限者": whom the list offers, in words. */
  function scopeWords() {
    const w = who();
    const whom = w.only?.length
      ? w.only.map((p) => p.name).join('・')
      : w.roles?.length
        ? tx('picker.who.roles', { roles: roleWords(w.roles) })
        : w.orgId
          ? tx('picker.who.org', { org: w.orgLabel ?? '' })
          : w.orgKind
            ? tx(`picker.who.${w.orgKind}`)
            : null;
    if (!w.roomId) return whom ?? tx('picker.who.all');
    return tx('picker.scope.inside', { who: whom ?? tx('picker.who.anyone'), room: w.roomLabel ?? '' });
  }

  /** "株式会社テスト受託・責任者・権限者": a person's organisation and roles. */
  function optionText(p) {
    const roles = (p.roles ?? []).map((r) => (has('en', `role.${r}`) ? tx(`role.${r}`) : r));
    return [p.orgName, ...roles].filter(Boolean).join(host.lang() === 'ja' ? '・' : ', ');
  }

  /** The text of the last search answered (the list's data-query, with its data-state: what is on screen). */
  let searched = '';

  function paint() {
    const { only, onlyKey } = who();
    hint.textContent = only ? tx(onlyKey ?? 'picker.hint.only', { names: only.map((p) => p.name).join('・') }) : tx('picker.hint', { scope: scopeWords() });
    note.textContent = message ? tx(message.key, message.params) : '';
    note.dataset.state = message?.state ?? '';
    const open = !list.hidden;
    input.setAttribute('aria-expanded', String(open));
    list.dataset.state = listState;
    list.dataset.query = searched;
    if (!open) {
      input.removeAttribute('aria-activedescendant');
      list.replaceChildren();
      return;
    }
    const items = options.map((p, i) =>
      el(
        'li',
        { cls: 'picker-option', attrs: { id: `${id}-o${i}`, role: 'option', 'aria-selected': String(i === active), 'data-index': i, 'data-person-id': p.id, 'data-testid': 'picker-option' } },
        el('span', { cls: 'picker-name', text: p.name }),
        ...(p.reading ? [el('span', { cls: 'picker-reading', text: p.reading })] : []),
        el('span', { cls: 'picker-meta', text: optionText(p) }),
      ),
    );
    const info = (key) => el('li', { cls: 'picker-info', text: tx(key), attrs: { role: 'presentation' } });
    if (listState === 'loading' && !options.length) items.push(info('picker.loading'));
    else if (listState === 'done' && !options.length) items.push(info(input.value.trim() ? 'picker.none' : 'picker.none.scope'));
    else if (listState === 'idle' && !options.length) items.push(info('picker.type'));
    if (more) items.push(info('picker.more'));
    list.replaceChildren(...items);
    if (active >= 0) {
      input.setAttribute('aria-activedescendant', `${id}-o${active}`);
      document.getElementById(`${id}-o${active}`)?.scrollIntoView({ block: 'nearest' });
    } else input.removeAttribute('aria-activedescendant');
  }

  const say = (key, params = {}, state = 'error') => {
    message = { key, params, state };
    paint();
  };

  function close() {
    list.hidden = true;
    active = -1;
    paint();
  }

  function openList() {
    list.hidden = false;
    paint();
  }

  /**
   * The people who may be chosen whose name, reading or organisation contains text (all of them
   * when text is empty and the scope is narrow: a room, a role or an organisation).
   * @param {string} text
   * @returns {Promise<{ items: PersonLite[], more: boolean } | null>}
   */
  async function find(text) {
    const w = who();
    if (w.only) {
      const q = text.trim();
      return { items: w.only.filter((p) => !q || p.name.includes(q) || (p.reading ?? '').includes(q)), more: false };
    }
    if (!text && !w.roomId && !w.roles?.length && !w.orgId) return { items: [], more: false };
    /** @type {Record<string, string>} */
    const base = { active: 'true', limit: String(PAGE) };
    if (text) base.q = text.slice(0, 100);
    if (w.roomId) base.insideRoomId = w.roomId;
    if (w.orgId) base.orgId = w.orgId;
    const roles = w.roles?.length ? w.roles : [''];
    const answers = await Promise.all(roles.map((r) => host.api('GET', `/api/people?${new URLSearchParams({ ...base, ...(r ? { role: r } : {}) })}`)));
    if (answers.some((a) => a.status !== 200)) return null;
    /** @type {Map<string, PersonLite>} */
    const found = new Map();
    for (const a of answers) for (const p of a.data.items) found.set(p.id, p);
    let items = [...found.values()];
    if (w.orgKind === 'depositor') items = items.filter((p) => p.orgKind === 'depositor');
    if (w.orgKind === 'ours') items = items.filter((p) => p.orgKind !== 'depositor');
    items.sort((a, b) => (a.reading || a.name).localeCompare(b.reading || b.name, 'ja'));
    return { items, more: answers.some((a) => Boolean(a.data.nextCursor)) };
  }

  async function search() {
    clearTimeout(timer);
    const text = input.value.trim();
    const my = ++seq;
    listState = 'loading';
    openList();
    const res = await find(text);
    if (my !== seq) return;
    if (!res) {
      listState = 'idle';
      options = [];
      more = false;
      say('picker.failed');
      return;
    }
    options = res.items;
    more = res.more;
    searched = text;
    for (const p of options) learn?.(p);
    active = options.length === 1 ? 0 : -1;
    listState = text || who().roomId || who().roles?.length || who().orgId || who().only ? 'done' : 'idle';
    if (!list.hidden) paint();
  }

  /**
   * Chooses a person (null: nobody). badge: the badge that identified them.
   * @param {PersonLite | null} person
   */
  function set(person, badge = '', notify = true) {
    chosen = person;
    input.value = person?.name ?? '';
    input.classList.remove('picker-secret');
    if (person) learn?.(person);
    seq += 1;
    close();
    if (person && notify) onPick?.(person, badge);
  }

  /**
   * Why this person may not be chosen here, in words, or null.
   * @param {PersonLite} p
   */
  async function refusal(p) {
    const w = who();
    if (w.only && !w.only.some((x) => x.id === p.id)) return { key: 'picker.err.only', params: { name: p.name, only: w.only.map((x) => x.name).join('・') } };
    if (w.roles?.length && !(p.roles ?? []).some((r) => w.roles?.includes(r))) return { key: 'picker.err.role', params: { name: p.name, roles: roleWords(w.roles) } };
    if (w.orgKind || w.orgId) {
      const res = await host.api('GET', `/api/people/${encodeURIComponent(p.id)}`);
      if (res.status !== 200) return { key: 'picker.failed', params: {} };
      const full = res.data;
      Object.assign(p, { reading: full.reading, orgId: full.orgId, orgKind: full.orgKind });
      if (w.orgKind === 'depositor' && full.orgKind !== 'depositor') return { key: 'picker.err.not_depositor', params: { name: p.name } };
      if (w.orgKind === 'ours' && full.orgKind === 'depositor') return { key: 'picker.err.depositor', params: { name: p.name } };
      if (w.orgId && full.orgId !== w.orgId) return { key: 'picker.err.org', params: { name: p.name, org: w.orgLabel ?? '' } };
    }
    if (w.roomId) {
      const res = await host.api('GET', `/api/rooms/${encodeURIComponent(w.roomId)}/occupancy`);
      if (res.status !== 200) return { key: 'picker.failed', params: {} };
      /** @type {{ personId: string }[]} */
      const inside = res.data.occupants ?? [];
      if (!inside.some((o) => o.personId === p.id)) return { key: 'picker.err.not_inside', params: { name: p.name, room: w.roomLabel ?? '' } };
    }
    return null;
  }

  /**
   * Whose badge this is (POST /api/badges/identify): the holder, or why not in words.
   * @param {string} badge
   * @returns {Promise<{ person: PersonLite } | { key: string, params: Record<string, unknown> } | null>} null: the sign-in ended
   */
  async function identify(badge) {
    const res = await host.api('POST', '/api/badges/identify', { body: { badge } });
    if (res.status === 200) return { person: { ...res.data.person } };
    if (res.status === 401) return null;
    if (res.status === 404) return { key: 'picker.badge.unknown_badge', params: {} };
    const code = String(res.code ?? '');
    if (res.status === 409 && ['badge_revoked', 'badge_expired', 'badge_not_yet_valid', 'person_left'].includes(code)) return { key: `picker.badge.${code}`, params: {} };
    return { key: 'picker.badge.failed', params: { code: code || `HTTP ${res.status || 'network'}` } };
  }

  /**
   * A badge was scanned here (or into the signer's badge field: from): its holder is chosen if
   * they may act here; answers the person chosen, or null (the reason is said under the field).
   * @param {string} badge
   */
  async function scan(badge) {
    const my = ++seq;
    clearTimeout(timer);
    chosen = null;
    input.value = '';
    input.classList.remove('picker-secret');
    close();
    say('picker.badge.pending', {}, 'pending');
    const found = await identify(badge);
    if (my !== seq) return null;
    if (!found) {
      message = null;
      paint();
      return null;
    }
    if (!('person' in found)) {
      say(found.key, found.params);
      onClear?.();
      return null;
    }
    const why = await refusal(found.person);
    if (my !== seq) return null;
    if (why) {
      say(why.key, why.params);
      onClear?.();
      return null;
    }
    say('picker.badge.ok', { name: found.person.name, org: found.person.orgName ?? '' }, 'ok');
    set(found.person, badge);
    return found.person;
  }

  input.addEventListener('focus', () => input.select());
  // The badges were cleared (signing.js clearSecrets): "badge checked" no longer holds.
  input.addEventListener('secrets-cleared', () => {
    // A badge still being checked is dropped too: its answer would bring it back.
    if (message?.state === 'pending') seq += 1;
    if (message?.state === 'ok' || message?.state === 'pending') {
      message = null;
      paint();
    }
  });
  input.addEventListener('click', () => {
    if (list.hidden && !input.classList.contains('picker-secret')) void search();
  });
  input.addEventListener('input', () => {
    const text = halfWidth(input.value);
    // A token being scanned never shows, and is never searched for.
    const secret = text.startsWith('tb1_') || burst.typing();
    input.classList.toggle('picker-secret', secret);
    if (chosen && input.value !== chosen.name) {
      chosen = null;
      onClear?.();
    }
    if (message?.state !== 'pending') message = null;
    clearTimeout(timer);
    if (secret) {
      seq += 1;
      close();
      return;
    }
    timer = setTimeout(() => void search(), SEARCH_DELAY_MS);
  });
  input.addEventListener('compositionend', () => {
    if (!swallow) return;
    swallow = false;
    setTimeout(() => {
      input.value = chosen?.name ?? '';
    }, 0);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (list.hidden) {
        void search();
        return;
      }
      if (!options.length) return;
      active = e.key === 'ArrowDown' ? Math.min(options.length - 1, active + 1) : Math.max(0, active - 1);
      paint();
    } else if (e.key === 'Escape' && !list.hidden) {
      e.preventDefault();
      e.stopPropagation();
      close();
    } else if (e.key === 'Enter') {
      const badge = scannedBadge(input.value, burst.take(e));
      if (badge) {
        e.preventDefault();
        if (e.isComposing) swallow = true;
        void scan(badge);
        return;
      }
      if (e.isComposing) return;
      e.preventDefault();
      if (chosen && input.value === chosen.name) {
        onPick?.(chosen, '');
        return;
      }
      if (active >= 0 && options[active]) set(options[active]);
      else if (options.length === 1 && listState === 'done') set(options[0]);
      else if (input.value.trim()) void search();
    }
  });
  input.addEventListener('blur', () => {
    // Leaving the field: a name typed in full that only one person has is chosen.
    setTimeout(() => {
      if (document.activeElement === input) return;
      const text = input.value.trim();
      const exact = options.filter((p) => p.name === text || p.reading === text);
      if (!chosen && exact.length === 1 && listState === 'done') set(exact[0]);
      if (input.classList.contains('picker-secret')) {
        input.value = '';
        input.classList.remove('picker-secret');
      }
      close();
    }, 150);
  });
  // A click on an option chooses it; the focus stays in the field.
  list.addEventListener('mousedown', (e) => e.preventDefault());
  list.addEventListener('click', (e) => {
    const li = /** @type {Element} */ (e.target).closest('[data-index]');
    const p = li ? options[Number(/** @type {HTMLElement} */ (li).dataset.index)] : null;
    if (p) set(p);
  });

  paint();
  return {
    node,
    input,
    hint,
    note,
    /** The id of the person chosen, or ''. */
    value: () => chosen?.id ?? '',
    /** The person chosen, or null. */
    person: () => chosen,
    /** Chooses this person (or nobody) without moving on: a form's first choice. */
    set: (person) => {
      message = null;
      set(person, '', false);
    },
    scan,
    /** Whom it offers changed (a room or a method chosen), or the language: words again, and the list. */
    refresh() {
      paint();
      if (!list.hidden) void search();
    },
    /** Nothing chosen, nothing said, nothing typed. */
    clear() {
      seq += 1;
      chosen = null;
      message = null;
      input.value = '';
      input.classList.remove('picker-secret');
      close();
    },
    /** A message under the field (key and params), or none. */
    say: (key, params = {}, state = 'error') => (key ? say(key, params, state) : ((message = null), paint())),
    paint,
  };
}

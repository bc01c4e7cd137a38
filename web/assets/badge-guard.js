// @ts-check
// A badge is never typed into a sign-in form (issue 14, item 2). When a desk has signed itself out
// (idle, E3.6), the focus is in the user name: the next person's badge, read by a USB reader that
// types like a keyboard and ends with Enter, would land there and be sent as a user name (or a
// password), be logged as a failed sign-in, and record nothing at the door. Input that looks like
// a badge is refused and cleared at once, and never submitted:
// - the badge token (a QR code's content, server/badges/tokens.ts: tb1_ + 44 URL-safe characters),
//   however it arrived (typed, pasted); a token being typed is cleared from its "tb1_" on, when its
//   characters come faster than a person types;
// - an IC card's UID as a reader types it: a burst of at least READER_MIN_CHARS hex digits (with
//   the separators the server accepts, server/badges/routes.ts) ending in Enter, its keys on
//   average less than READER_GAP_MS apart (a reader types at a steady pace; the average, rather
//   than every gap, lets a busy computer's hiccup pass). Fast typing alone is not enough: password
//   managers' auto-type types passwords at machine speed too.
// The keys that follow a refused reading (the rest of it and its Enter) are swallowed until the
// reader pauses. The sign-in form's own badge field (administrators' second factor) is not guarded.

/** A badge token anywhere in the value. */
export const BADGE_TOKEN = /tb1_[A-Za-z0-9_-]{44}/;
/** At most this many ms between a reader's keys (a person types slower). */
export const READER_GAP_MS = 35;
/** A reading has at least this many characters. */
export const READER_MIN_CHARS = 6;
/** A longer gap than this starts a new burst. */
const BURST_BREAK_MS = 150;
/** The reader has finished: the keys of a refused reading are swallowed until one comes this much later (or its Enter). */
const PAUSE_MS = 1000;
const CARD_UID = /^[0-9A-Fa-f:\s-]+$/;
const MODIFIERS = ['Shift', 'CapsLock', 'Control', 'Alt', 'Meta', 'AltGraph'];

/**
 * Is this burst of keys a card reader's UID?
 * @param {string} run
 */
export function looksLikeCardUid(run) {
  return run.length >= READER_MIN_CHARS && CARD_UID.test(run) && (run.match(/[0-9A-Fa-f]/g)?.length ?? 0) >= READER_MIN_CHARS;
}

/**
 * Guards these fields: `refused(input)` is called once a badge read into one of them was cleared.
 * @param {HTMLInputElement[]} inputs
 * @param {(input: HTMLInputElement) => void} refused
 */
export function guardAgainstBadges(inputs, refused) {
  for (const input of inputs) {
    /** The current burst of keys (with their times), the time of the last key, and whether keys are being swallowed. */
    const st = { keys: /** @type {Array<{ key: string, at: number }>} */ ([]), last: -Infinity, swallow: false };
    const run = () => st.keys.map((k) => k.key).join('');
    /** Were the burst's keys, `gaps` gaps from its first key to `until`, on average faster than a person types? */
    const fast = (until, gaps) => gaps >= 1 && st.keys.length > 0 && (until - st.keys[0].at) / gaps < READER_GAP_MS;

    const refuse = () => {
      input.value = '';
      st.keys = [];
      st.swallow = true;
      refused(input);
    };

    // Capture: before the page's own keydown handlers on the field (Enter moves on, or submits).
    input.addEventListener(
      'keydown',
      (event) => {
        if (event.isComposing) return;
        const now = event.timeStamp;
        const gap = now - st.last;
        st.last = now;
        if (st.swallow) {
          if (gap < PAUSE_MS) {
            event.preventDefault();
            event.stopImmediatePropagation();
            if (event.key === 'Enter') st.swallow = false; // the reading ends with its Enter
            return;
          }
          st.swallow = false;
        }
        if (event.key === 'Enter') {
          const reader = gap < BURST_BREAK_MS && looksLikeCardUid(run()) && fast(now, st.keys.length);
          st.keys = [];
          if (reader || BADGE_TOKEN.test(input.value)) {
            event.preventDefault();
            event.stopImmediatePropagation();
            refuse();
            st.swallow = false;
          }
          return;
        }
        if (MODIFIERS.includes(event.key)) return; // a reader presses Shift for capitals
        if (event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey) {
          if (gap >= BURST_BREAK_MS) st.keys = [];
          st.keys.push({ key: event.key, at: now });
        } else st.keys = [];
      },
      { capture: true },
    );

    input.addEventListener('input', () => {
      if (st.swallow) {
        input.value = '';
        return;
      }
      // A whole token (typed or pasted), or one being typed faster than a person types.
      const typing = run();
      const last = st.keys[st.keys.length - 1];
      if (BADGE_TOKEN.test(input.value) || (typing.includes('tb1_') && input.value.includes('tb1_') && last && fast(last.at, st.keys.length - 1))) refuse();
    });
  }
}

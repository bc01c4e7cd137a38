// A one-pass check that a journal payload's text is already in canonical form (RFC 8785 as
// canonicalJson writes it), without building the value — the verifier's hot path (issue 19:
// the whole journal at ≥ 200,000 entries/s; JSON.parse + JSON.stringify + a sorted-keys walk cost
// it about 3 µs an entry).
//
// It only ever *confirms*: `true` means the text is canonical; `false` means "not sure" and the
// caller decides the slow way (verify-range.ts isCanonicalPayload). So it accepts a deliberately
// narrow form — no whitespace, keys strictly increasing by UTF-16 code units, strings without any
// escape, control character or surrogate, numbers exactly as JavaScript prints them — and leaves
// everything else (escapes, astral characters, deep nesting) to the full canonicalisation.
// test/unit/canonical-scan.test.ts checks that everything it accepts the slow way accepts too.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MAX_DEPTH = 64;

// The text being scanned and the position in it: module state, so that the scan allocates
// nothing per call (it runs once per journal entry on the verifier's threads; one call at a time).
let text = '';
let i = 0;

/** True when `payload` is surely one JSON value in canonical form; false when it is not, or not surely. */
export function surelyCanonical(payload: string): boolean {
  text = payload;
  i = 0;
  const ok = value(0) && i === text.length;
  text = '';
  return ok;
}

/** A string without escapes, control characters or surrogates, its opening quote at i: the index of its closing quote, or -1. */
function plainString(): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === QUOTE) return j;
    if (c === BACKSLASH || c < 0x20 || (c >= 0xd800 && c <= 0xdfff)) return -1;
  }
  return -1;
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/** A JSON number at i, as JavaScript prints it (RFC 8785 §3.2.2.3); false otherwise. */
function number(): boolean {
  const start = i;
  if (text.charCodeAt(i) === 0x2d /* - */) i++;
  if (!isDigit(text.charCodeAt(i))) return false;
  if (text.charCodeAt(i) === 0x30) i++;
  else while (isDigit(text.charCodeAt(i))) i++;
  let plainInteger = true;
  if (text.charCodeAt(i) === 0x2e /* . */) {
    plainInteger = false;
    i++;
    if (!isDigit(text.charCodeAt(i))) return false;
    while (isDigit(text.charCodeAt(i))) i++;
  }
  const e = text.charCodeAt(i);
  if (e === 0x65 || e === 0x45 /* e E */) {
    plainInteger = false;
    i++;
    const sign = text.charCodeAt(i);
    if (sign === 0x2b || sign === 0x2d) i++;
    if (!isDigit(text.charCodeAt(i))) return false;
    while (isDigit(text.charCodeAt(i))) i++;
  }
  const token = text.slice(start, i);
  // A short integer without a leading zero (the grammar above) and not "-0" prints as itself.
  if (plainInteger && i - start <= 15 && token !== '-0') return true;
  return String(Number(token)) === token;
}

function value(depth: number): boolean {
  if (depth > MAX_DEPTH || i >= text.length) return false;
  const c = text.charCodeAt(i);
  if (c === QUOTE) {
    const end = plainString();
    if (end < 0) return false;
    i = end + 1;
    return true;
  }
  if (c === 0x7b /* { */) {
    i++;
    if (text.charCodeAt(i) === 0x7d /* } */) {
      i++;
      return true;
    }
    let previous: string | null = null;
    for (;;) {
      if (text.charCodeAt(i) !== QUOTE) return false;
      const end = plainString();
      if (end < 0) return false;
      const key = text.slice(i + 1, end);
      // Strictly increasing: sorted as RFC 8785 sorts (UTF-16 code units), no key twice.
      if (previous !== null && !(previous < key)) return false;
      previous = key;
      i = end + 1;
      if (text.charCodeAt(i) !== 0x3a /* : */) return false;
      i++;
      if (!value(depth + 1)) return false;
      const next = text.charCodeAt(i);
      i++;
      if (next === 0x7d /* } */) return true;
      if (next !== 0x2c /* , */) return false;
    }
  }
  if (c === 0x5b /* [ */) {
    i++;
    if (text.charCodeAt(i) === 0x5d /* ] */) {
      i++;
      return true;
    }
    for (;;) {
      if (!value(depth + 1)) return false;
      const next = text.charCodeAt(i);
      i++;
      if (next === 0x5d /* ] */) return true;
      if (next !== 0x2c /* , */) return false;
    }
  }
  if (c === 0x74 /* t */ && text.startsWith('true', i)) {
    i += 4;
    return true;
  }
  if (c === 0x66 /* f */ && text.startsWith('false', i)) {
    i += 5;
    return true;
  }
  if (c === 0x6e /* n */ && text.startsWith('null', i)) {
    i += 4;
    return true;
  }
  return number();
}

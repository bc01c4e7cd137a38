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

// The same check on the payload's UTF-8 bytes as COPY sends them (issue 19: the verifier's byte
// path, verify-range.ts RangeChecker.chunk). It must confirm only what surelyCanonical confirms on
// the decoded text — and only bytes that are that text's own UTF-8 — so inside strings it takes
// well-formed sequences of two or three bytes (BMP, no surrogates: there UTF-8 byte order is
// UTF-16 code-unit order, so keys compare alike) and refuses four-byte (astral) ones, whose
// UTF-16 order differs, and anything malformed; outside strings only ASCII.

const NO_BYTES = new Uint8Array(0);
let bytes: Uint8Array = NO_BYTES;
let end = 0;

/** True when bytes[start, stop) is surely the UTF-8 of one JSON value in canonical form (as surelyCanonical, on bytes). */
export function surelyCanonicalBytes(source: Uint8Array, start: number, stop: number): boolean {
  bytes = source;
  i = start;
  end = stop;
  const ok = byteValue(0) && i === end;
  bytes = NO_BYTES; // not to keep the caller's chunk alive
  return ok;
}

/** A plain string's closing quote (its opening one at i), or -1: no escape, control byte or unsure UTF-8. */
function plainStringBytes(): number {
  for (let j = i + 1; j < end; j++) {
    const c = bytes[j]!;
    if (c === QUOTE) return j;
    if (c < 0x80) {
      if (c === BACKSLASH || c < 0x20) return -1;
      continue;
    }
    if (c < 0xc2) return -1; // a continuation byte without its lead, or an overlong lead
    if (c < 0xe0) {
      if (j + 1 >= end || (bytes[j + 1]! & 0xc0) !== 0x80) return -1;
      j += 1;
      continue;
    }
    if (c >= 0xf0 || j + 2 >= end) return -1; // astral (or not UTF-8): the text path judges
    const c1 = bytes[j + 1]!;
    if ((c1 & 0xc0) !== 0x80 || (bytes[j + 2]! & 0xc0) !== 0x80) return -1;
    if ((c === 0xe0 && c1 < 0xa0) || (c === 0xed && c1 >= 0xa0)) return -1; // overlong, or a surrogate
    j += 2;
  }
  return -1;
}

const isDigitByte = (c: number | undefined) => c !== undefined && c >= 0x30 && c <= 0x39;

/** A JSON number at i, as JavaScript prints it (number() on bytes). */
function numberBytes(): boolean {
  const start = i;
  if (bytes[i] === 0x2d /* - */ && i < end) i++;
  if (i >= end || !isDigitByte(bytes[i])) return false;
  if (bytes[i] === 0x30) i++;
  else while (i < end && isDigitByte(bytes[i])) i++;
  let plainInteger = true;
  if (i < end && bytes[i] === 0x2e /* . */) {
    plainInteger = false;
    i++;
    if (i >= end || !isDigitByte(bytes[i])) return false;
    while (i < end && isDigitByte(bytes[i])) i++;
  }
  const e = i < end ? bytes[i] : undefined;
  if (e === 0x65 || e === 0x45 /* e E */) {
    plainInteger = false;
    i++;
    const sign = i < end ? bytes[i] : undefined;
    if (sign === 0x2b || sign === 0x2d) i++;
    if (i >= end || !isDigitByte(bytes[i])) return false;
    while (i < end && isDigitByte(bytes[i])) i++;
  }
  const length = i - start;
  if (plainInteger && length <= 15 && !(length === 2 && bytes[start] === 0x2d && bytes[start + 1] === 0x30)) return true;
  let token = '';
  for (let k = start; k < i; k++) token += String.fromCharCode(bytes[k]!);
  return String(Number(token)) === token;
}

/** bytes[a, a + n) and bytes[b, b + m) (two keys' contents): is the first strictly before the second? */
function keyBefore(a: number, n: number, b: number, m: number): boolean {
  const common = n < m ? n : m;
  for (let k = 0; k < common; k++) {
    const x = bytes[a + k]!;
    const y = bytes[b + k]!;
    if (x !== y) return x < y;
  }
  return n < m;
}

function wordAt(word: string): boolean {
  if (i + word.length > end) return false;
  for (let k = 0; k < word.length; k++) if (bytes[i + k] !== word.charCodeAt(k)) return false;
  i += word.length;
  return true;
}

function byteValue(depth: number): boolean {
  if (depth > MAX_DEPTH || i >= end) return false;
  const c = bytes[i]!;
  if (c === QUOTE) {
    const close = plainStringBytes();
    if (close < 0) return false;
    i = close + 1;
    return true;
  }
  if (c === 0x7b /* { */) {
    i++;
    if (i < end && bytes[i] === 0x7d /* } */) {
      i++;
      return true;
    }
    let previousStart = -1;
    let previousLength = 0;
    for (;;) {
      if (i >= end || bytes[i] !== QUOTE) return false;
      const close = plainStringBytes();
      if (close < 0) return false;
      const keyStart = i + 1;
      const keyLength = close - keyStart;
      // Strictly increasing (RFC 8785's UTF-16 order: the same as byte order here), no key twice.
      if (previousStart >= 0 && !keyBefore(previousStart, previousLength, keyStart, keyLength)) return false;
      previousStart = keyStart;
      previousLength = keyLength;
      i = close + 1;
      if (i >= end || bytes[i] !== 0x3a /* : */) return false;
      i++;
      if (!byteValue(depth + 1)) return false;
      if (i >= end) return false;
      const next = bytes[i]!;
      i++;
      if (next === 0x7d /* } */) return true;
      if (next !== 0x2c /* , */) return false;
    }
  }
  if (c === 0x5b /* [ */) {
    i++;
    if (i < end && bytes[i] === 0x5d /* ] */) {
      i++;
      return true;
    }
    for (;;) {
      if (!byteValue(depth + 1)) return false;
      if (i >= end) return false;
      const next = bytes[i]!;
      i++;
      if (next === 0x5d /* ] */) return true;
      if (next !== 0x2c /* , */) return false;
    }
  }
  if (c === 0x74 /* t */) return wordAt('true');
  if (c === 0x66 /* f */) return wordAt('false');
  if (c === 0x6e /* n */) return wordAt('null');
  return numberBytes();
}

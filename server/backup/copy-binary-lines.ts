// COPY binary written straight from a backup's row lines (issue 17, item 5: the embedded restore
// with a margin on a slow host). Parsing each line as JSON into strings, then each string into its
// binary form, was most of the restore's reader thread, and the database's thread waited on it.
// Here the values are read from the line's bytes: a uuid's hex, a timestamp's digits, a bigint's
// digits and a text's UTF-8 go into the batch without a string being made.
//
// Only the writer's own form is read this way (`…"values":["…",null,…]}`, each value a string
// without escapes or null). Anything else goes the long way, which writes the same bytes or
// refuses the same way: a value with an escape or in another form through its text
// (./copy-binary.ts), a line not quite in that form through JSON.parse (the caller's `valuesOf`).
// test/unit/backup-copy-binary-lines.test.ts compares the two byte for byte.
import type { RowSource } from './format.js';
import { BinaryWriter, endBinaryCopy, isTextType, NotBinaryEncodable, PG_EPOCH, startBinaryCopy, utcSeconds, writeBinaryRow, writeEmptyArray, writerFor, writeTimestampField, type FieldWriter } from './copy-binary.js';

/**
 * Writes the field whose characters start at `at` (after the opening quote) and returns the index
 * of the closing quote; or returns -1, having written nothing, to have the value read as text.
 */
type ByteReader = (w: BinaryWriter, line: Buffer, at: number) => number;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const DASH = 0x2d;
const PLUS = 0x2b;
const COLON = 0x3a;
const DOT = 0x2e;
const SPACE = 0x20;

/** The value of `n` ASCII digits at line[i…], or -1 if they are not all digits. */
function digits(line: Buffer, i: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const d = line[i + k]! - 48;
    if (!(d >= 0 && d <= 9)) return -1;
    v = v * 10 + d;
  }
  return v;
}

/**
 * Text as UTF-8: the line's bytes as they are, when they are valid UTF-8 (checked as they are
 * passed, as Node's isUtf8 would) and hold no escape or control character. Not valid UTF-8: the
 * long way decodes it as the whole line's JSON.parse would (U+FFFD).
 */
const textReader: ByteReader = (w, line, at) => {
  let i = at;
  for (;;) {
    const c = line[i];
    if (c === QUOTE) break;
    if (c === undefined || c === BACKSLASH || c < 0x20) return -1;
    if (c < 0x80) i++;
    else {
      const n = utf8SequenceLength(line, i);
      if (n === 0) return -1;
      i += n;
    }
  }
  w.field(line, at, i);
  return i;
};

const isContinuation = (b: number | undefined) => b !== undefined && (b & 0xc0) === 0x80;

/** The length of the well-formed UTF-8 sequence at line[i] (a byte ≥ 0x80), or 0: no overlong forms, surrogates, or code points past U+10FFFF. */
export function utf8SequenceLength(line: Uint8Array, i: number): number {
  const c = line[i]!;
  const c1 = line[i + 1];
  if (c >= 0xc2 && c <= 0xdf) return isContinuation(c1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (!isContinuation(c1) || !isContinuation(line[i + 2])) return 0;
    if ((c === 0xe0 && c1! < 0xa0) || (c === 0xed && c1! > 0x9f)) return 0;
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (!isContinuation(c1) || !isContinuation(line[i + 2]) || !isContinuation(line[i + 3])) return 0;
    if ((c === 0xf0 && c1! < 0x90) || (c === 0xf4 && c1! > 0x8f)) return 0;
    return 4;
  }
  return 0;
}

/** An array's most frequent value, `{}`, as copy-binary.ts writes it; any other the long way. */
function emptyArrayReader(elementOid: number): ByteReader {
  return (w, line, at) => {
    if (line[at] !== 0x7b /* { */ || line[at + 1] !== 0x7d /* } */ || line[at + 2] !== QUOTE) return -1;
    writeEmptyArray(w, elementOid);
    return at + 2;
  };
}

const uuidReader: ByteReader = (w, line, at) => (line[at + 36] === QUOTE && w.uuidField(line, at) ? at + 36 : -1);

/** Up to 15 characters (a sign included), as copy-binary.ts writes without a BigInt; longer ones the long way. */
const bigintReader: ByteReader = (w, line, at) => {
  let i = at;
  const negative = line[i] === DASH;
  if (negative) i++;
  const first = i;
  let v = 0;
  for (;;) {
    const c = line[i];
    if (c === QUOTE) break;
    const d = c! - 48;
    if (!(d >= 0 && d <= 9)) return -1;
    v = v * 10 + d;
    i++;
  }
  if (i === first || i - at > 15) return -1;
  w.int32(8);
  w.int64n(negative ? -v : v);
  return i;
};

/** The day of the last timestamp read (yyyymmdd) and its seconds since 1970: a batch's timestamps mostly share their day. */
let lastDay = { key: -1, seconds: 0 };

/** `YYYY-MM-DD HH:MM:SS[.f{1,6}]±HH[:MM[:SS]]`, PostgreSQL's ISO output, in the plain range; anything else the long way. */
const timestamptzReader: ByteReader = (w, line, at) => {
  if (line[at + 4] !== DASH || line[at + 7] !== DASH || line[at + 10] !== SPACE || line[at + 13] !== COLON || line[at + 16] !== COLON) return -1;
  const y = digits(line, at, 4);
  const mo = digits(line, at + 5, 2);
  const d = digits(line, at + 8, 2);
  const h = digits(line, at + 11, 2);
  const mi = digits(line, at + 14, 2);
  const s = digits(line, at + 17, 2);
  if (y < 1000 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59) return -1;
  let i = at + 19;
  let micros = 0;
  if (line[i] === DOT) {
    i++;
    let n = 0;
    while (n < 7 && digits(line, i + n, 1) >= 0) n++;
    if (n === 0 || n > 6) return -1;
    micros = digits(line, i, n) * 10 ** (6 - n);
    i += n;
  }
  const sign = line[i] === PLUS ? 1 : line[i] === DASH ? -1 : 0;
  if (sign === 0) return -1;
  const oh = digits(line, i + 1, 2);
  if (oh < 0) return -1;
  i += 3;
  let om = 0;
  let os = 0;
  if (line[i] === COLON) {
    om = digits(line, i + 1, 2);
    if (om < 0) return -1;
    i += 3;
    if (line[i] === COLON) {
      os = digits(line, i + 1, 2);
      if (os < 0) return -1;
      i += 3;
    }
  }
  if (line[i] !== QUOTE) return -1;
  const key = y * 10000 + mo * 100 + d;
  if (key !== lastDay.key) {
    let seconds: number;
    try {
      seconds = utcSeconds(y, mo, d, 0, 0, 0);
    } catch {
      return -1; // an impossible day (Feb 30): the long way refuses it
    }
    lastDay = { key, seconds };
  }
  const seconds = lastDay.seconds + h * 3600 + mi * 60 + s - sign * (oh * 3600 + om * 60 + os) - PG_EPOCH;
  writeTimestampField(w, seconds, micros);
  return i;
};

/** The byte reader of a type, where there is one (the types of the large tables); the others go the long way. */
function byteReaderFor(type: string): ByteReader | null {
  if (isTextType(type)) return textReader;
  switch (type) {
    case 'uuid':
      return uuidReader;
    case 'bigint':
      return bigintReader;
    case 'timestamp with time zone':
      return timestamptzReader;
    case 'text[]':
      return emptyArrayReader(25);
    case 'smallint[]':
      return emptyArrayReader(21);
    default:
      return null;
  }
}

/**
 * The JSON string whose opening quote is at `at`: its value and the index of its closing quote;
 * null if it is unterminated, holds a raw control character or a bad escape (the line is then
 * not JSON).
 */
function jsonStringAt(line: Buffer, at: number): { value: string; end: number } | null {
  let i = at + 1;
  let escaped = false;
  for (;;) {
    const c = line[i];
    if (c === QUOTE) break;
    if (c === undefined || c < 0x20) return null;
    if (c === BACKSLASH) {
      escaped = true;
      i += 2;
    } else i++;
  }
  if (!escaped) return { value: line.toString('utf8', at + 1, i), end: i };
  try {
    return { value: JSON.parse(line.toString('utf8', at, i + 1)) as string, end: i };
  } catch {
    return null;
  }
}

/**
 * One row from a row line's values (from `start`, just after the `[`); false, with nothing
 * written, if they are not exactly one string or null per column, then `]}` at the line's end.
 * A value the type's writer refuses also gives false: the line read as JSON then says whether the
 * line is wrong (BackupFileError) or the value (NotBinaryEncodable, as from the parsed row).
 */
function writeLine(w: BinaryWriter, fields: readonly FieldWriter[], readers: ReadonlyArray<ByteReader | null>, line: Buffer, start: number): boolean {
  const rowStart = w.length;
  w.int16(fields.length);
  let p = start;
  for (let i = 0; i < fields.length; i++) {
    if (i > 0) {
      if (line[p] !== COMMA) return undo(w, rowStart);
      p++;
    }
    const c = line[p];
    if (c === 0x6e /* n */ && line[p + 1] === 0x75 && line[p + 2] === 0x6c && line[p + 3] === 0x6c) {
      w.int32(-1);
      p += 4;
      continue;
    }
    if (c !== QUOTE) return undo(w, rowStart);
    const reader = readers[i];
    const end = reader ? reader(w, line, p + 1) : -1;
    if (end >= 0) {
      p = end + 1;
      continue;
    }
    const text = jsonStringAt(line, p);
    if (!text) return undo(w, rowStart);
    try {
      fields[i]!(w, text.value);
    } catch (err) {
      // Refused, or in the wrong column of a line with a value too few: the line read as JSON
      // tells which (a BackupFileError for the line, else the same refusal).
      if (err instanceof NotBinaryEncodable) return undo(w, rowStart);
      throw err;
    }
    p = text.end + 1;
  }
  if (line[p] !== 0x5d /* ] */ || line[p + 1] !== 0x7d /* } */ || p + 2 !== line.length) return undo(w, rowStart);
  return true;
}

function undo(w: BinaryWriter, length: number): false {
  w.length = length;
  return false;
}

/**
 * A writer of COPY binary batches for these columns from rows given as row lines or as values,
 * or null when one of their types is not written in binary. `valuesStart`: where the values of
 * the table's row lines begin (format.ts rowValuesStart); `valuesOf(line, index)`: the values of a
 * line not in the writer's own form, read as JSON (it throws for a line that is not a row).
 */
export function binaryLineEncoder(types: readonly string[]): ((rows: readonly RowSource[], valuesStart: number, valuesOf: (line: Buffer, index: number) => ReadonlyArray<string | null>) => Uint8Array<ArrayBuffer>) | null {
  const writers = types.map(writerFor);
  if (writers.some((f) => f === null)) return null;
  const fields = writers as FieldWriter[];
  const readers = types.map(byteReaderFor);
  // One writer for every batch: its memory, grown once, is reused (the batch handed over is a copy).
  const w = new BinaryWriter();
  return (rows, valuesStart, valuesOf) => {
    startBinaryCopy(w);
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      if (!Buffer.isBuffer(row)) writeBinaryRow(w, fields, row as ReadonlyArray<string | null>);
      else if (!writeLine(w, fields, readers, row, valuesStart)) writeBinaryRow(w, fields, valuesOf(row, r));
    }
    return endBinaryCopy(w);
  };
}

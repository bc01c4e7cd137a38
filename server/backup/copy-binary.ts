// PostgreSQL's COPY binary format, written from the text values a backup holds (issue 17, item 5:
// the embedded restore at ≥ 50,000 rows/s). The embedded database spends most of a COPY in text
// input functions — timestamps above all (parsing a date and time and its offset), then uuids,
// integers and arrays; fed the binary form it only copies bytes. The restore's reader thread
// therefore turns each batch into COPY binary, side by side with the database's thread.
//
// Only the column types the schema uses are written (binaryColumnsFor names them); a table with
// another type, or a value in a form this file does not read (a timestamp 'infinity', an array
// with bounds, a bytea in escape form…), goes as COPY text instead — never guessed.
//
// The format: https://www.postgresql.org/docs/current/sql-copy.html ("Binary Format"): a header,
// per row a 16-bit field count then each field as a 32-bit length (−1 for NULL) and its bytes in
// the type's binary (send/receive) form, and a 16-bit −1 trailer. All integers big-endian.

/** A value this file will not write in binary: the batch goes as COPY text. */
export class NotBinaryEncodable extends Error {
  override name = 'NotBinaryEncodable';
}

export type FieldWriter = (w: BinaryWriter, text: string) => void;

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** Microseconds and days from 1970-01-01 to PostgreSQL's epoch, 2000-01-01 UTC. */
export const PG_EPOCH = 946_684_800;
const PG_EPOCH_DAYS = 10_957;

/** A growable big-endian byte buffer. */
export class BinaryWriter {
  private buf: Buffer;
  length = 0;

  constructor(initialBytes = 1 << 20) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  // The integers are written byte by byte (a Uint8Array keeps the low 8 bits of each): the
  // Buffer methods' checks cost a tenth of the restore's encoding. Callers pass values in range.
  int16(v: number): void {
    this.room(2);
    const b = this.buf;
    const o = this.length;
    b[o] = v >> 8;
    b[o + 1] = v;
    this.length = o + 2;
  }

  int32(v: number): void {
    this.room(4);
    this.put32(v, this.length);
    this.length += 4;
  }

  private put32(v: number, o: number): void {
    const b = this.buf;
    b[o] = v >>> 24;
    b[o + 1] = v >>> 16;
    b[o + 2] = v >>> 8;
    b[o + 3] = v;
  }

  int64(v: bigint): void {
    this.room(8);
    this.length = this.buf.writeBigInt64BE(v, this.length);
  }

  /** A whole number within ±2^53 as a 64-bit integer, without a BigInt. */
  int64n(v: number): void {
    this.room(8);
    const hi = Math.floor(v / 4294967296);
    this.put32(hi, this.length);
    this.put32(v - hi * 4294967296, this.length + 4);
    this.length += 8;
  }

  /** 32 hex digits of a uuid (lower case, with its four dashes) as 16 bytes; false if it is not one. */
  uuid(t: string): boolean {
    if (t.length !== 36 || t.charCodeAt(8) !== 45 || t.charCodeAt(13) !== 45 || t.charCodeAt(18) !== 45 || t.charCodeAt(23) !== 45) return false;
    this.room(16);
    let o = this.length;
    for (let i = 0; i < 36; i += 2) {
      if (i === 8 || i === 13 || i === 18 || i === 23) i++;
      const hi = HEX[t.charCodeAt(i)] ?? -1;
      const lo = HEX[t.charCodeAt(i + 1)] ?? -1;
      if (hi < 0 || lo < 0) return false;
      this.buf[o++] = (hi << 4) | lo;
    }
    this.length = o;
    return true;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /**
   * A uuid field from its 36 characters at src[at…] as PostgreSQL writes them (lower-case hex,
   * four dashes); false, with nothing written, if they are not that.
   */
  uuidField(src: Buffer, at: number): boolean {
    if (at + 36 > src.length || src[at + 8] !== 45 || src[at + 13] !== 45 || src[at + 18] !== 45 || src[at + 23] !== 45) return false;
    this.room(20);
    const b = this.buf;
    const o = this.length + 4;
    for (let k = 0; k < 16; k++) {
      const i = at + UUID_DIGIT_PAIRS[k]!;
      const hi = HEX_BYTE[src[i]!]!;
      const lo = HEX_BYTE[src[i + 1]!]!;
      if ((hi | lo) < 0) return false;
      b[o + k] = (hi << 4) | lo;
    }
    this.put32(16, this.length);
    this.length = o + 16;
    return true;
  }

  /** A length-prefixed field of the bytes src[start, end). */
  field(src: Buffer, start: number, end: number): void {
    const n = end - start;
    this.room(4 + n);
    this.put32(n, this.length);
    const o = this.length + 4;
    // A short field byte by byte: a call into Buffer.copy costs more than the copy.
    if (n <= 64) {
      const b = this.buf;
      for (let k = 0; k < n; k++) b[o + k] = src[start + k]!;
    } else src.copy(this.buf, o, start, end);
    this.length = o + n;
  }

  /** A length-prefixed field of UTF-8 text. */
  textField(s: string): void {
    const max = s.length * 3;
    this.room(4 + max);
    const n = this.buf.write(s, this.length + 4, 'utf8');
    this.put32(n, this.length);
    this.length += 4 + n;
  }

  /** The bytes written, as an ArrayBuffer of their own (to hand to another thread without a copy). */
  take(): Uint8Array<ArrayBuffer> {
    const out = new Uint8Array(new ArrayBuffer(this.length));
    out.set(this.buf.subarray(0, this.length));
    this.length = 0;
    return out;
  }
}

/** Lower-case hex digits by character code (-1: not one): PostgreSQL writes uuids and bytea in lower case. */
export const HEX: Int8Array = (() => {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < 10; i++) t[48 + i] = i;
  for (let i = 0; i < 6; i++) t[97 + i] = 10 + i;
  return t;
})();

/** Where each byte's two hex digits begin in a uuid's 36 characters. */
const UUID_DIGIT_PAIRS = Uint8Array.of(0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34);

/** HEX by byte value, every byte covered. */
const HEX_BYTE: Int8Array = (() => {
  const t = new Int8Array(256).fill(-1);
  t.set(HEX);
  return t;
})();

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INTEGER = /^-?\d{1,19}$/;
/** PostgreSQL's ISO output of a timestamp with time zone: date, time, up to six fraction digits, offset ±HH[:MM[:SS]]. */
const TIMESTAMPTZ = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?$/;
const DATE = /^(\d{4})-(\d\d)-(\d\d)$/;

function int(bits: 16 | 32 | 64): FieldWriter {
  return (w, t) => {
    if (!INTEGER.test(t)) throw new NotBinaryEncodable(`not an integer: ${t.slice(0, 40)}`);
    if (bits === 64) {
      w.int32(8);
      // Up to 15 digits (and a sign) is exact as a number (below 2^53); longer ones go through a BigInt.
      if (t.length <= 15) w.int64n(Number(t));
      else {
        const big = BigInt(t);
        if (big < INT64_MIN || big > INT64_MAX) throw new NotBinaryEncodable(`out of range: ${t}`);
        w.int64(big);
      }
      return;
    }
    const n = Number(t);
    if (bits === 16 ? n < -32768 || n > 32767 : n < -2147483648 || n > 2147483647) throw new NotBinaryEncodable(`out of range: ${t}`);
    w.int32(bits / 8);
    if (bits === 16) w.int16(n);
    else w.int32(n);
  };
}

const textWriter: FieldWriter = (w, t) => w.textField(t);

const boolWriter: FieldWriter = (w, t) => {
  if (t !== 't' && t !== 'f') throw new NotBinaryEncodable(`not a boolean: ${t.slice(0, 10)}`);
  w.int32(1);
  w.bytes(Uint8Array.of(t === 't' ? 1 : 0));
};

const uuidWriter: FieldWriter = (w, t) => {
  const at = w.length;
  w.int32(16);
  if (!w.uuid(t)) {
    w.length = at;
    throw new NotBinaryEncodable(`not a uuid: ${t.slice(0, 40)}`);
  }
};

/** Seconds since 1970 of a UTC wall-clock time; years 1000–9999 only (Date.UTC's two-digit years never arise). */
export function utcSeconds(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  if (y < 1000 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) throw new NotBinaryEncodable('a time out of the plain range');
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  // Date.UTC rolls over an impossible day (Feb 30); PostgreSQL never writes one, but never guess.
  const back = new Date(ms);
  if (back.getUTCDate() !== d || back.getUTCMonth() !== mo - 1) throw new NotBinaryEncodable('not a calendar date');
  return ms / 1000;
}

/** The last date seen and its seconds since 1970 (a batch's timestamps mostly share their day). */
let lastDay = { text: '', seconds: 0 };

const timestamptzWriter: FieldWriter = (w, t) => {
  const m = TIMESTAMPTZ.exec(t);
  if (!m) throw new NotBinaryEncodable(`a timestamp in another form: ${t.slice(0, 40)}`);
  const day = t.slice(0, 10);
  if (day !== lastDay.text) lastDay = { text: day, seconds: utcSeconds(Number(m[1]), Number(m[2]), Number(m[3]), 0, 0, 0) };
  const h = Number(m[4]);
  const mi = Number(m[5]);
  const sec = Number(m[6]);
  if (h > 23 || mi > 59 || sec > 59) throw new NotBinaryEncodable('a time out of the plain range');
  const offset = (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 3600 + Number(m[10] ?? 0) * 60 + Number(m[11] ?? 0));
  const seconds = lastDay.seconds + h * 3600 + mi * 60 + sec - offset - PG_EPOCH;
  const micros = m[7] ? Number(m[7]) * 10 ** (6 - m[7].length) : 0;
  writeTimestampField(w, seconds, micros);
};

/** A timestamp field: whole seconds since PostgreSQL's epoch and microseconds. */
export function writeTimestampField(w: BinaryWriter, seconds: number, micros: number): void {
  w.int32(8);
  // Exact as a number up to year 2255 (±2^53 µs); beyond, a BigInt.
  const total = seconds * 1_000_000 + micros;
  if (Math.abs(total) < Number.MAX_SAFE_INTEGER) w.int64n(total);
  else w.int64(BigInt(seconds) * 1_000_000n + BigInt(micros));
}

const dateWriter: FieldWriter = (w, t) => {
  const m = DATE.exec(t);
  if (!m) throw new NotBinaryEncodable(`a date in another form: ${t.slice(0, 40)}`);
  w.int32(4);
  w.int32(utcSeconds(Number(m[1]), Number(m[2]), Number(m[3]), 0, 0, 0) / 86400 - PG_EPOCH_DAYS);
};

const byteaWriter: FieldWriter = (w, t) => {
  if (!t.startsWith('\\x') || (t.length - 2) % 2 !== 0 || !/^[0-9a-f]*$/.test(t.slice(2))) throw new NotBinaryEncodable('a bytea not in hex form');
  const b = Buffer.from(t.slice(2), 'hex');
  w.int32(b.length);
  w.bytes(b);
};

/**
 * The elements of a one-dimensional array literal as PostgreSQL writes it (`{a,"b c",NULL}`):
 * unquoted elements, or double-quoted with backslash escapes; unquoted NULL is a null.
 */
export function parseArrayLiteral(t: string): Array<string | null> {
  if (t === '{}') return [];
  if (t[0] !== '{' || t[t.length - 1] !== '}' || t[1] === '{') throw new NotBinaryEncodable('an array with bounds or dimensions');
  const out: Array<string | null> = [];
  let i = 1;
  for (;;) {
    if (t[i] === '"') {
      let s = '';
      i++;
      while (t[i] !== '"') {
        if (i >= t.length) throw new NotBinaryEncodable('an unterminated array element');
        if (t[i] === '\\') i++;
        s += t[i];
        i++;
      }
      i++;
      out.push(s);
    } else {
      let j = i;
      while (j < t.length - 1 && t[j] !== ',') j++;
      const raw = t.slice(i, j);
      if (raw === '' || /["\\{}\s]/.test(raw)) throw new NotBinaryEncodable('an array element in another form');
      out.push(raw.toUpperCase() === 'NULL' ? null : raw);
      i = j;
    }
    if (t[i] === '}' && i === t.length - 1) return out;
    if (t[i] !== ',') throw new NotBinaryEncodable('an array literal in another form');
    i++;
  }
}

/** The empty array field: no dimensions, no nulls, the element type. */
export function writeEmptyArray(w: BinaryWriter, elementOid: number): void {
  w.int32(12);
  w.int32(0);
  w.int32(0);
  w.int32(elementOid);
}

/** An array column (one dimension, lower bound 1) of text or smallint elements. */
function arrayWriter(elementOid: 25 | 21): FieldWriter {
  const element = elementOid === 25 ? textWriter : int(16);
  return (w, t) => {
    if (t === '{}') {
      writeEmptyArray(w, elementOid);
      return;
    }
    const elements = parseArrayLiteral(t);
    const inner = new BinaryWriter(64);
    const hasNull = elements.some((e) => e === null);
    inner.int32(elements.length === 0 ? 0 : 1);
    inner.int32(hasNull ? 1 : 0);
    inner.int32(elementOid);
    if (elements.length > 0) {
      inner.int32(elements.length);
      inner.int32(1);
      for (const e of elements) {
        if (e === null) inner.int32(-1);
        else element(inner, e);
      }
    }
    const bytes = inner.take();
    w.int32(bytes.length);
    w.bytes(bytes);
  };
}

/** The writer of each type the restore writes in binary (format_type names). */
/** Whether a column of this type (format_type) holds plain text: text, or character varying with or without a length. */
export function isTextType(type: string): boolean {
  return type === 'text' || /^character varying(\(\d+\))?$/.test(type);
}

export function writerFor(type: string): FieldWriter | null {
  if (isTextType(type)) return textWriter;
  switch (type) {
    case 'bigint':
      return int(64);
    case 'integer':
      return int(32);
    case 'smallint':
      return int(16);
    case 'boolean':
      return boolWriter;
    case 'uuid':
      return uuidWriter;
    case 'timestamp with time zone':
      return timestamptzWriter;
    case 'date':
      return dateWriter;
    case 'bytea':
      return byteaWriter;
    case 'text[]':
      return arrayWriter(25);
    case 'smallint[]':
      return arrayWriter(21);
    default:
      return null;
  }
}

/** A writer of COPY binary batches for these columns, or null when one of their types is not written in binary. */
export function binaryCopyEncoder(types: readonly string[]): ((rows: ReadonlyArray<ReadonlyArray<string | null>>) => Uint8Array<ArrayBuffer>) | null {
  const writers = types.map(writerFor);
  if (writers.some((w) => w === null)) return null;
  const fields = writers as FieldWriter[];
  // One writer for every batch: its memory, grown once, is reused (take() copies what it hands over).
  const w = new BinaryWriter();
  return (rows) => {
    startBinaryCopy(w);
    for (const row of rows) writeBinaryRow(w, fields, row);
    return endBinaryCopy(w);
  };
}

/** The format's header, at the start of a reused writer. */
export function startBinaryCopy(w: BinaryWriter): void {
  w.length = 0;
  w.bytes(SIGNATURE);
  w.int32(0); // flags: no OIDs
  w.int32(0); // no header extension
}

/** One row from its text values. */
export function writeBinaryRow(w: BinaryWriter, fields: readonly FieldWriter[], row: ReadonlyArray<string | null>): void {
  if (row.length !== fields.length) throw new NotBinaryEncodable('a row with another number of columns');
  w.int16(fields.length);
  for (let i = 0; i < fields.length; i++) {
    const v = row[i];
    if (v === null || v === undefined) w.int32(-1);
    else fields[i]!(w, v);
  }
}

/** The trailer; the bytes written, handed over. */
export function endBinaryCopy(w: BinaryWriter): Uint8Array<ArrayBuffer> {
  w.int16(-1);
  return w.take();
}

/** COPY binary output that is not what the reader asked for: the backup stops rather than guess. */
export class MalformedBinaryCopy extends Error {
  override name = 'MalformedBinaryCopy';
}

/**
 * The fields of the one row a `COPY (SELECT …) TO … WITH (FORMAT binary)` wrote, as views into
 * `bytes` (null for a NULL field), or null when it wrote no row. Read strictly: the signature, no
 * header extension, exactly `fields` fields, lengths inside the data, one row, the trailer, and
 * nothing after it.
 */
export function readSingleBinaryCopyRow(bytes: Uint8Array, fields: number): Array<Uint8Array | null> | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (why: string): never => {
    throw new MalformedBinaryCopy(`COPY binary output: ${why}`);
  };
  const need = (at: number, n: number) => {
    if (at + n > bytes.length) fail('cut short');
  };
  need(0, SIGNATURE.length + 8);
  for (let i = 0; i < SIGNATURE.length; i++) if (bytes[i] !== SIGNATURE[i]) fail('no signature');
  let at = SIGNATURE.length;
  if (view.getInt32(at) !== 0) fail('unexpected header flags');
  if (view.getInt32(at + 4) !== 0) fail('unexpected header extension');
  at += 8;
  need(at, 2);
  const count = view.getInt16(at);
  at += 2;
  if (count === -1) {
    if (at !== bytes.length) fail('bytes after the trailer');
    return null;
  }
  if (count !== fields) fail(`${count} fields where ${fields} were expected`);
  const out: Array<Uint8Array | null> = [];
  for (let f = 0; f < fields; f++) {
    need(at, 4);
    const length = view.getInt32(at);
    at += 4;
    if (length === -1) {
      out.push(null);
      continue;
    }
    if (length < 0) fail('a negative field length');
    need(at, length);
    out.push(bytes.subarray(at, at + length));
    at += length;
  }
  need(at, 2);
  if (view.getInt16(at) !== -1) fail('more than one row');
  if (at + 2 !== bytes.length) fail('bytes after the trailer');
  return out;
}

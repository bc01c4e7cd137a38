// Checking a run of consecutive journal entries of one chain (issue 19, "verifying the whole
// journal at ≥ 200,000 entries/s"): the per-entry work of `verifyJournal`, shared by the walk on
// one thread (the embedded database, short journals) and by the verifier threads that check
// ranges side by side on PostgreSQL (verify-threads.ts). Pure: it is given the rows — as values
// (entry), COPY text lines (line) or COPY's raw bytes (chunk: the threads' path) — and says what it
// found; nothing here reads the database.
//
// Per entry, in this order (the first failure is the answer): the seq follows the last one
// (missing_entry), the payload is JSON in canonical form (not_canonical), it names the previous
// entry's hash (broken_link), its content hashes to its stored hash (hash_mismatch), a signed
// hash-chain checkpoint at this seq names this hash (checkpoint_mismatch). On the main chain each
// entry is also a leaf of the Merkle tree (RFC 9162 §2.1): the range keeps the compact range of
// its leaves, and the snapshots of it the caller asks for (tree sizes to compare with a root).
import crypto from 'node:crypto';
import { surelyCanonical, surelyCanonicalBytes } from './canonical-scan.js';
import { canonicalJson } from './canonical.js';

/** What the first problem found is (verify.ts's answer names it). */
export type BadEntryReason =
  | 'missing_entry' // a sequence number is absent (an entry was deleted)
  | 'broken_link' // prev_hash does not match the previous entry's hash
  | 'hash_mismatch' // the entry's content does not hash to its stored hash (it was changed)
  | 'not_canonical' // the stored payload is not canonical JSON (it was rewritten)
  | 'checkpoint_mismatch' // a signed checkpoint names a different hash for this entry
  | 'checkpoint_beyond_head' // a signed checkpoint proves entries that are no longer there
  | 'checkpoint_signature_invalid'
  | 'tree_mismatch'; // the Merkle tree (issue 19) or a C2SP checkpoint names another root for the journal up to this entry

export interface BadEntry {
  chain: string;
  seq: number;
  reason: BadEntryReason;
  message: string;
}

/** The columns a range reads as rows, in this order: seq, at (ISO 8601 UTC, ms), actor, action, subject, payload, prev_hash, hash. */
export const RANGE_COLUMNS_SQL = (at: string) =>
  `seq::text AS seq, to_char(${at} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, actor, action, subject, payload, prev_hash, hash`;

/**
 * The same columns for COPY, `at` in PostgreSQL's own output form — on a connection set to
 * COPY_SESSION_SQL, "2026-12-06 07:52:00.123+00" — which the checker turns into the ISO form
 * (to_char cost the database about a fifth of its time sending the rows).
 */
export const RANGE_COPY_COLUMNS_SQL = 'seq, at, actor, action, subject, payload, prev_hash, hash';
export const COPY_SESSION_SQL = "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'";

/** "2026-12-06 07:52:00.123+00" (or without a fraction) → "2026-12-06T07:52:00.123Z" (as to_char's MS: milliseconds, cut); null for any other form. */
export function isoOfUtcText(text: string): string | null {
  const n = text.length;
  if (n < 22 || text.charCodeAt(10) !== 0x20 || text.charCodeAt(4) !== 0x2d || !text.endsWith('+00')) return null;
  let ms = '000';
  if (n > 22) {
    if (text.charCodeAt(19) !== 0x2e /* . */ || n > 29) return null;
    ms = (text.slice(20, n - 3) + '00').slice(0, 3);
  } else if (n !== 22) return null;
  return `${text.slice(0, 10)}T${text.slice(11, 19)}.${ms}Z`;
}

/** A node of a compact range: the root of a complete subtree of 2^level leaves. */
export interface RangeNode {
  level: number;
  hash: Buffer;
}

export interface RangeTask {
  chain: string;
  /** The first and last seq of the range (inclusive). */
  from: number;
  to: number;
  /** Build the Merkle leaves (the main chain). `from − 1` must then be a multiple of the range's power-of-two length. */
  tree: boolean;
  /** Hash-chain checkpoints inside the range: seq → the hash each names, and when it was signed. */
  expect: Array<[number, Array<{ hash: string; at: string }>]>;
  /** Tree sizes inside the range whose compact range the caller wants (to compare a root). */
  snapshotSizes: number[];
}

export interface RangeResult {
  from: number;
  to: number;
  /** Entries checked (those before the first problem). */
  checked: number;
  /** The first and last seq found, and what they link to / are. */
  firstSeq: number | null;
  firstPrevHash: string | null;
  lastSeq: number | null;
  lastHash: string | null;
  /** The first problem inside the range (links to the range before it are the caller's to check). */
  bad: BadEntry | null;
  /** The compact range of the leaves checked, left to right. */
  nodes: RangeNode[];
  /** Tree size → the compact range of the leaves of this range up to that size. */
  snapshots: Array<[number, RangeNode[]]>;
}

const COPY_ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
const unescapeCopy = (field: string): string => (field.includes('\\') ? field.replace(/\\(.)/g, (_, c: string) => COPY_ESCAPES[c] ?? c) : field);

/**
 * Is this payload text canonical JSON (RFC 8785)? A fast test first — JSON.stringify gives the same
 * text and every object's keys are in sorted order, which together imply the canonical form —
 * and the full canonicalisation only when it fails (e.g. integer-like keys, which JavaScript
 * enumerates first).
 */
export function isCanonicalPayload(text: string, value: unknown): boolean {
  if (JSON.stringify(value) === text && keysSorted(value)) return true;
  try {
    return canonicalJson(value) === text;
  } catch {
    return false;
  }
}

function keysSorted(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (Array.isArray(value)) return value.every(keysSorted);
  const keys = Object.keys(value);
  for (let i = 1; i < keys.length; i++) if (!(keys[i - 1]! < keys[i]!)) return false;
  return keys.every((k) => keysSorted((value as Record<string, unknown>)[k]));
}

// A leaf is SHA-256(0x00 ‖ the entry hash's 32 bytes) (RFC 9162 §2.1; tlog.ts's leafHashOfEntry,
// without its checks: the hash was just recomputed), a node SHA-256(0x01 ‖ left ‖ right).
const leafInput = Buffer.alloc(33);
const nodeInput = Buffer.alloc(65);
nodeInput[0] = 0x01;

function nodeOf(left: Buffer, right: Buffer): Buffer {
  nodeInput.set(left, 1);
  nodeInput.set(right, 33);
  return crypto.hash('sha256', nodeInput, 'buffer');
}

/** Appends whole subtrees (left to right) to a compact range's stack. */
export function appendNodes(stack: RangeNode[], nodes: RangeNode[]): void {
  for (const n of nodes) {
    let node = n;
    while (stack.length > 0 && stack[stack.length - 1]!.level === node.level) {
      const left = stack.pop()!;
      node = { level: node.level + 1, hash: nodeOf(left.hash, node.hash) };
    }
    stack.push(node);
  }
}

/** The root of a compact range (RFC 9162's MTH of the leaves it covers, from the first). */
export function rootOfNodes(stack: RangeNode[]): Buffer {
  let r = stack[stack.length - 1]!.hash;
  for (let i = stack.length - 2; i >= 0; i--) r = nodeOf(stack[i]!.hash, r);
  return r;
}

// The byte path (issue 19: ~25 % less CPU per entry than decoding, splitting and re-encoding every
// row). RangeChecker.chunk reads COPY's bytes as they come and builds the hashed text of a row
// straight from them; a row it cannot be sure of — any backslash (a COPY escape), a quote, a
// control or non-ASCII byte in actor, action or subject, a payload the byte scan does not
// confirm, an unusual seq, time or hash — goes the text way (line()), so the answer is the same
// for every input (test/unit/verify-range-bytes.test.ts).
const NEWLINE = 0x0a;
const TAB = 0x09;
/** A SHA-256 hash as the journal stores it: 64 lowercase hex digits. */
const HEX_LENGTH = 64;

/** The value of each byte as a lowercase hex digit (what crypto's 'hex' writes), −1 for any other byte. */
const HEX_VALUE = new Int8Array(256).fill(-1);
for (let d = 0; d < 16; d++) HEX_VALUE['0123456789abcdef'.charCodeAt(d)] = d;

const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));
// The hashed text's fixed parts (journal.ts entryHashOfCanonical; the chain's part is the checker's own).
const ACTION_OPEN = utf8('{"action":"');
const ACTOR_OPEN = utf8('","actor":"');
const AT_OPEN = utf8('","at":"');
const PREV_HASH_OPEN = utf8(',"prevHash":"');
const SEQ_OPEN = utf8('","seq":');
const SUBJECT_OPEN = utf8(',"subject":"');
const CLOSE = utf8('"}');
/** The ISO form of `at` (to_char's "YYYY-MM-DD"T"HH24:MI:SS.MS"Z"") is always this long. */
const ISO_LENGTH = 24;

/** Rows the byte path leaves to the text path are decoded alone; the BOM is kept, as LineSplitter keeps it after a stream's start. */
const rowDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

const isDigitByte = (c: number) => c >= 0x30 && c <= 0x39;

/** Writes source[from, to) at target[at]; the index after it. */
function put(target: Uint8Array, at: number, source: Uint8Array, from: number, to: number): number {
  // A loop is cheaper than a subarray view for the short fields.
  if (to - from > 48) {
    target.set(source.subarray(from, to), at);
    return at + to - from;
  }
  for (let k = from; k < to; k++) target[at++] = source[k]!;
  return at;
}

function latin1(source: Uint8Array, from: number, to: number): string {
  return Buffer.from(source.buffer, source.byteOffset + from, to - from).toString('latin1');
}

/** Checks the entries of one range, fed as COPY text lines (RANGE_COLUMNS_SQL) or COPY bytes (chunk), in seq order. */
export class RangeChecker {
  private readonly result: RangeResult;
  private readonly expect: Map<number, Array<{ hash: string; at: string }>>;
  private readonly snapshotAt: Set<number>;
  private expected: number;
  private prevHash: string | null = null;
  /** The byte path keeps the last hash as its 64 hex bytes (prevHashHex) and makes it a string only when asked: then prevHash and result.lastHash are stale. */
  private prevHashInBytes = false;
  private readonly prevHashHex = new Uint8Array(HEX_LENGTH);
  private done = false;

  // The compact range of the leaves so far, as two stacks: no object per leaf, and each hash a
  // 32-character latin1 string — a Buffer per hash (an ArrayBuffer with memory of its own) cost
  // more than the rest of the entry's work. result.nodes is made from them when asked.
  private readonly stackLevels: number[] = [];
  private readonly stackHashes: string[] = [];
  private stackDepth = 0;

  // The byte path's scratch: a row's start carried over from the previous chunk, the hashed text, the stored hash.
  private carry = new Uint8Array(1024);
  private carryLength = 0;
  private scratch = new Uint8Array(1024);
  /** Views of the scratch's first n bytes, by n (the hashed text's length varies little: no view per entry). */
  private scratchViews: Uint8Array[] = [];
  private readonly storedHash = new Uint8Array(32);
  private readonly iso = new Uint8Array(ISO_LENGTH);
  /** '","chain":"…","payload":' for this checker's chain. */
  private readonly chainPart: Uint8Array;
  private atStreamStart = true;

  constructor(private readonly task: RangeTask) {
    this.result = { from: task.from, to: task.to, checked: 0, firstSeq: null, firstPrevHash: null, lastSeq: null, lastHash: null, bad: null, nodes: [], snapshots: [] };
    this.expect = new Map(task.expect);
    this.snapshotAt = new Set(task.snapshotSizes);
    this.expected = task.from;
    this.chainPart = utf8(`","chain":${JSON.stringify(task.chain)},"payload":`);
    this.iso[10] = 0x54; // T
    this.iso[19] = 0x2e; // .
    this.iso[23] = 0x5a; // Z
  }

  /** False once a problem was found: the rest of the range need not be read. */
  get open(): boolean {
    return !this.done;
  }

  private fail(seq: number, reason: BadEntry['reason'], message: string): void {
    this.result.bad = { chain: this.task.chain, seq, reason, message };
    this.done = true;
  }

  /** One COPY text line of RANGE_COPY_COLUMNS_SQL (fields escaped as COPY escapes them). */
  line(line: string): void {
    if (this.done) return;
    const f = line.split('\t');
    const at = f.length === 8 ? isoOfUtcText(f[1]!) : null;
    if (at === null) return this.fail(this.expected, 'not_canonical', `Entry ${this.expected} could not be read.`);
    this.entry(f[0]!, at, unescapeCopy(f[2]!), unescapeCopy(f[3]!), unescapeCopy(f[4]!), unescapeCopy(f[5]!), f[6]!, f[7]!);
  }

  /** One entry's columns as they are (RANGE_COLUMNS_SQL, read as a row). */
  entry(seqText: string, at: string, actor: string, action: string, subject: string, payload: string, prevHash: string, hash: string): void {
    if (this.done) return;
    const r = this.result;
    if (this.prevHashInBytes) {
      this.prevHash = latin1(this.prevHashHex, 0, HEX_LENGTH);
      r.lastHash = this.prevHash;
      this.prevHashInBytes = false;
    }
    const seq = Number(seqText);
    if (r.firstSeq === null) {
      r.firstSeq = seq;
      r.firstPrevHash = prevHash;
    } else if (seq !== this.expected) {
      return this.fail(this.expected, 'missing_entry', `Entry ${this.expected} is missing (the next entry found is ${seq}).`);
    }
    // The first entry's place is the caller's to check (it knows what came before the range).
    this.expected = seq + 1;
    // The one-pass check confirms almost every payload; what it is not sure of is judged in full.
    if (!surelyCanonical(payload)) {
      let value: unknown;
      try {
        value = JSON.parse(payload);
      } catch {
        return this.fail(seq, 'not_canonical', `Entry ${seq} has a payload that is not JSON.`);
      }
      if (!isCanonicalPayload(payload, value)) return this.fail(seq, 'not_canonical', `Entry ${seq} has a payload that is not in canonical form; it was rewritten.`);
    }
    if (this.prevHash !== null && prevHash !== this.prevHash) return this.fail(seq, 'broken_link', `Entry ${seq} does not link to entry ${seq - 1}.`);
    // journal.ts entryHashOfCanonical, over the same bytes (the payload is canonical: checked above).
    const s = JSON.stringify;
    const computed = crypto.hash(
      'sha256',
      `{"action":${s(action)},"actor":${s(actor)},"at":${s(at)},"chain":${s(this.task.chain)},"payload":${payload},"prevHash":${s(prevHash)},"seq":${seq},"subject":${s(subject)}}`,
      'hex',
    );
    if (computed !== hash) return this.fail(seq, 'hash_mismatch', `Entry ${seq} was changed after it was written.`);
    const other = this.expect.get(seq)?.find((cp) => cp.hash !== hash);
    if (other) return this.fail(seq, 'checkpoint_mismatch', `The signed checkpoint of ${other.at} names another hash for entry ${seq}: the journal up to it was rewritten.`);
    if (this.task.tree) {
      leafInput.write(hash, 1, 'hex');
      this.pushLeaf(crypto.hash('sha256', leafInput, 'binary'));
      if (this.snapshotAt.has(seq)) r.snapshots.push([seq, this.nodesNow()]);
    }
    this.prevHash = hash;
    r.lastSeq = seq;
    r.lastHash = hash;
    r.checked++;
  }

  /** COPY text bytes of RANGE_COPY_COLUMNS_SQL as they arrive: rows (and UTF-8 sequences) may be cut anywhere between chunks. */
  chunk(bytes: Uint8Array): void {
    if (this.done) return;
    const n = bytes.length;
    let pos = 0;
    if (this.carryLength > 0) {
      const newline = bytes.indexOf(NEWLINE);
      if (newline < 0) return this.keep(bytes, 0, n);
      this.keep(bytes, 0, newline);
      const length = this.carryLength;
      this.carryLength = 0;
      this.row(this.carry, 0, length);
      pos = newline + 1;
    }
    while (pos < n && !this.done) {
      const newline = bytes.indexOf(NEWLINE, pos);
      if (newline < 0) return this.keep(bytes, pos, n);
      this.row(bytes, pos, newline);
      pos = newline + 1;
    }
  }

  /** The end of the COPY bytes: a last row without its line break is still a row (as LineSplitter.end). */
  end(): void {
    if (this.carryLength === 0) return;
    const length = this.carryLength;
    this.carryLength = 0;
    this.row(this.carry, 0, length, true);
  }

  finish(): RangeResult {
    const r = this.result;
    if (this.prevHashInBytes) r.lastHash = latin1(this.prevHashHex, 0, HEX_LENGTH);
    r.nodes = this.nodesNow();
    return r;
  }

  /** Appends bytes[from, to) to the carried-over start of a row. */
  private keep(bytes: Uint8Array, from: number, to: number): void {
    const needed = this.carryLength + to - from;
    if (needed > this.carry.length) {
      const larger = new Uint8Array(Math.max(needed, this.carry.length * 2));
      larger.set(this.carry.subarray(0, this.carryLength));
      this.carry = larger;
    }
    this.carry.set(bytes.subarray(from, to), this.carryLength);
    this.carryLength = needed;
  }

  private row(bytes: Uint8Array, start: number, stop: number, last = false): void {
    if (!this.rowOfBytes(bytes, start, stop)) {
      // LineSplitter's decoder drops a BOM only at the very start of the stream.
      const text = (this.atStreamStart ? new TextDecoder('utf-8') : rowDecoder).decode(bytes.subarray(start, stop));
      // As LineSplitter.end, a last row that is nothing (a lone BOM) is no row.
      if (!(last && text === '')) this.line(text);
    }
    this.atStreamStart = false;
  }

  /**
   * One row checked on its bytes, as entry() checks it: false (and nothing changed) when the row is
   * not of the plain form this path is sure of, for line() to judge.
   */
  private rowOfBytes(b: Uint8Array, start: number, stop: number): boolean {
    // The last two fields are the hashes, 64 hex digits each, after a tab.
    const hashStart = stop - HEX_LENGTH;
    const prevStart = hashStart - 1 - HEX_LENGTH;
    const payloadStop = prevStart - 1;
    if (payloadStop <= start || b[hashStart - 1] !== TAB || b[payloadStop] !== TAB) return false;

    // seq: digits as JavaScript prints the number (no leading zero; exact: at most 15 digits).
    let p = start;
    let seq = 0;
    while (p < payloadStop && isDigitByte(b[p]!)) seq = seq * 10 + (b[p++]! - 0x30);
    const seqStop = p;
    if (b[p] !== TAB || seqStop === start || seqStop - start > 15 || (b[start] === 0x30 && seqStop - start > 1)) return false;
    p++;

    p = this.isoOfBytes(b, p, payloadStop);
    if (p < 0) return false;
    p++;
    const actorStart = p;
    p = plainFieldEnd(b, p, payloadStop);
    if (p < 0) return false;
    const actorStop = p++;
    const actionStart = p;
    p = plainFieldEnd(b, p, payloadStop);
    if (p < 0) return false;
    const actionStop = p++;
    const subjectStart = p;
    p = plainFieldEnd(b, p, payloadStop);
    if (p < 0) return false;
    const subjectStop = p++;
    const payloadStart = p;

    for (let k = prevStart; k < payloadStop + 1 + HEX_LENGTH; k++) if (HEX_VALUE[b[k]!]! < 0) return false;
    const stored = this.storedHash;
    for (let k = 0, h = hashStart; k < 32; k++, h += 2) {
      const high = HEX_VALUE[b[h]!]!;
      const low = HEX_VALUE[b[h + 1]!]!;
      if ((high | low) < 0) return false;
      stored[k] = (high << 4) | low;
    }
    // Confirms the payload is canonical, and that its bytes are the decoded text's UTF-8 (the hashed bytes).
    if (!surelyCanonicalBytes(b, payloadStart, payloadStop)) return false;

    // From here on the row is this path's: entry()'s checks, in entry()'s order.
    const r = this.result;
    if (r.firstSeq === null) {
      r.firstSeq = seq;
      r.firstPrevHash = latin1(b, prevStart, prevStart + HEX_LENGTH);
    } else if (seq !== this.expected) {
      this.fail(this.expected, 'missing_entry', `Entry ${this.expected} is missing (the next entry found is ${seq}).`);
      return true;
    }
    this.expected = seq + 1;
    const prevHex = this.prevHashHex;
    if (!this.prevHashInBytes && this.prevHash !== null) {
      Buffer.from(prevHex.buffer, prevHex.byteOffset, HEX_LENGTH).write(this.prevHash, 'latin1');
      this.prevHashInBytes = true;
    }
    if (this.prevHashInBytes) {
      for (let k = 0; k < HEX_LENGTH; k++) {
        if (prevHex[k] !== b[prevStart + k]) {
          this.fail(seq, 'broken_link', `Entry ${seq} does not link to entry ${seq - 1}.`);
          return true;
        }
      }
    }

    // The hashed text, byte for byte as entry() makes it.
    const needed = 160 + this.chainPart.length + (stop - start);
    if (needed > this.scratch.length) {
      this.scratch = new Uint8Array(Math.max(needed, this.scratch.length * 2));
      this.scratchViews = [];
    }
    const s = this.scratch;
    let w = put(s, 0, ACTION_OPEN, 0, ACTION_OPEN.length);
    w = put(s, w, b, actionStart, actionStop);
    w = put(s, w, ACTOR_OPEN, 0, ACTOR_OPEN.length);
    w = put(s, w, b, actorStart, actorStop);
    w = put(s, w, AT_OPEN, 0, AT_OPEN.length);
    w = put(s, w, this.iso, 0, ISO_LENGTH);
    w = put(s, w, this.chainPart, 0, this.chainPart.length);
    w = put(s, w, b, payloadStart, payloadStop);
    w = put(s, w, PREV_HASH_OPEN, 0, PREV_HASH_OPEN.length);
    w = put(s, w, b, prevStart, prevStart + HEX_LENGTH);
    w = put(s, w, SEQ_OPEN, 0, SEQ_OPEN.length);
    w = put(s, w, b, start, seqStop);
    w = put(s, w, SUBJECT_OPEN, 0, SUBJECT_OPEN.length);
    w = put(s, w, b, subjectStart, subjectStop);
    w = put(s, w, CLOSE, 0, CLOSE.length);
    const view = (this.scratchViews[w] ??= s.subarray(0, w));
    // 'binary' (latin1): the 32 bytes as a string's characters (a Buffer per hash costs more; see stackHashes).
    const computed = crypto.hash('sha256', view, 'binary');
    for (let k = 0; k < 32; k++) {
      if (computed.charCodeAt(k) !== stored[k]) {
        this.fail(seq, 'hash_mismatch', `Entry ${seq} was changed after it was written.`);
        return true;
      }
    }
    if (this.expect.size > 0) {
      const hash = latin1(b, hashStart, stop);
      const other = this.expect.get(seq)?.find((cp) => cp.hash !== hash);
      if (other) {
        this.fail(seq, 'checkpoint_mismatch', `The signed checkpoint of ${other.at} names another hash for entry ${seq}: the journal up to it was rewritten.`);
        return true;
      }
    }
    if (this.task.tree) {
      leafInput.set(stored, 1); // the stored hash: the same bytes as the computed one
      this.pushLeaf(crypto.hash('sha256', leafInput, 'binary'));
      if (this.snapshotAt.has(seq)) r.snapshots.push([seq, this.nodesNow()]);
    }
    for (let k = 0; k < HEX_LENGTH; k++) prevHex[k] = b[hashStart + k]!;
    this.prevHashInBytes = true;
    r.lastSeq = seq;
    r.checked++;
    return true;
  }

  /**
   * `at` at b[p] in the plain form isoOfUtcText reads ("2026-12-06 07:52:00" + up to 6 fraction
   * digits + "+00"), written as its ISO form into this.iso (milliseconds cut, as to_char's MS):
   * the index of the tab after it, or −1 for any other form (isoOfUtcText judges those).
   */
  private isoOfBytes(b: Uint8Array, p: number, limit: number): number {
    if (p + 22 > limit) return -1;
    const iso = this.iso;
    for (let k = 0; k < 19; k++) {
      const c = b[p + k]!;
      if (k === 4 || k === 7) {
        if (c !== 0x2d /* - */) return -1;
      } else if (k === 10) {
        if (c !== 0x20) return -1;
        continue; // the ISO form has its T there
      } else if (k === 13 || k === 16) {
        if (c !== 0x3a /* : */) return -1;
      } else if (!isDigitByte(c)) return -1;
      iso[k] = c;
    }
    let q = p + 19;
    let digits = 0;
    if (b[q] === 0x2e /* . */) {
      q++;
      while (q < limit && isDigitByte(b[q]!)) {
        if (digits < 3) iso[20 + digits] = b[q]!;
        digits++;
        q++;
      }
      if (digits === 0 || digits > 6) return -1;
    }
    for (let k = digits; k < 3; k++) iso[20 + k] = 0x30;
    if (q + 3 >= limit || b[q] !== 0x2b /* + */ || b[q + 1] !== 0x30 || b[q + 2] !== 0x30 || b[q + 3] !== TAB) return -1;
    return q + 3;
  }

  /** One more leaf of the compact range (appendNodes, on the two stacks). */
  private pushLeaf(leaf: string): void {
    let hash = leaf;
    let level = 0;
    let depth = this.stackDepth;
    while (depth > 0 && this.stackLevels[depth - 1] === level) {
      depth--;
      const left = this.stackHashes[depth]!;
      for (let k = 0; k < 32; k++) {
        nodeInput[1 + k] = left.charCodeAt(k);
        nodeInput[33 + k] = hash.charCodeAt(k);
      }
      hash = crypto.hash('sha256', nodeInput, 'binary');
      level++;
    }
    this.stackLevels[depth] = level;
    this.stackHashes[depth] = hash;
    this.stackDepth = depth + 1;
  }

  /** The compact range so far as RangeNodes. */
  private nodesNow(): RangeNode[] {
    const nodes: RangeNode[] = [];
    for (let k = 0; k < this.stackDepth; k++) nodes.push({ level: this.stackLevels[k]!, hash: Buffer.from(this.stackHashes[k]!, 'latin1') });
    return nodes;
  }
}

/**
 * The end of a field at b[p] that JSON.stringify writes as it is between quotes — printable ASCII
 * without `"` or `\` (so no COPY escape either) — before `limit`: the index of its tab, or −1.
 */
function plainFieldEnd(b: Uint8Array, p: number, limit: number): number {
  for (; p < limit; p++) {
    const c = b[p]!;
    if (c === TAB) return p;
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return -1;
  }
  return -1;
}

/** Splits COPY text arriving in chunks into whole lines. */
export class LineSplitter {
  private rest = '';
  private readonly decoder = new TextDecoder('utf-8');

  /** The complete lines of this chunk (the last, partial one is kept for the next). */
  push(chunk: Uint8Array): string[] {
    const text = this.rest + this.decoder.decode(chunk, { stream: true });
    const lines = text.split('\n');
    this.rest = lines.pop()!;
    return lines;
  }

  end(): string[] {
    const tail = this.rest + this.decoder.decode();
    this.rest = '';
    return tail ? [tail] : [];
  }
}

// Checking a run of consecutive journal entries of one chain (issue 19, "verifying the whole
// journal at ≥ 200,000 entries/s"): the per-entry work of `verifyJournal`, shared by the walk on
// one thread (the embedded database, short journals) and by the verifier threads that check
// ranges side by side on PostgreSQL (verify-threads.ts). Pure: it is given the rows as COPY text
// lines and says what it found; nothing here reads the database.
//
// Per entry, in this order (the first failure is the answer): the seq follows the last one
// (missing_entry), the payload is JSON in canonical form (not_canonical), it names the previous
// entry's hash (broken_link), its content hashes to its stored hash (hash_mismatch), a signed
// hash-chain checkpoint at this seq names this hash (checkpoint_mismatch). On the main chain each
// entry is also a leaf of the Merkle tree (RFC 9162 §2.1): the range keeps the compact range of
// its leaves, and the snapshots of it the caller asks for (tree sizes to compare with a root).
import crypto from 'node:crypto';
import { surelyCanonical } from './canonical-scan.js';
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

const leafInput = Buffer.alloc(33);
const nodeInput = Buffer.alloc(65);
nodeInput[0] = 0x01;

/** SHA-256(0x00 ‖ the entry hash's 32 bytes): the leaf of RFC 9162 §2.1 (tlog.ts's leafHashOfEntry, without its checks: the hash was just recomputed). */
function leafOf(hashHex: string): Buffer {
  leafInput.write(hashHex, 1, 'hex');
  return crypto.hash('sha256', leafInput, 'buffer');
}

function nodeOf(left: Buffer, right: Buffer): Buffer {
  left.copy(nodeInput, 1);
  right.copy(nodeInput, 33);
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

/** Checks the entries of one range, fed as COPY text lines (RANGE_COLUMNS_SQL), in seq order. */
export class RangeChecker {
  private readonly result: RangeResult;
  private readonly expect: Map<number, Array<{ hash: string; at: string }>>;
  private readonly snapshotAt: Set<number>;
  private expected: number;
  private prevHash: string | null = null;
  private done = false;

  constructor(private readonly task: RangeTask) {
    this.result = { from: task.from, to: task.to, checked: 0, firstSeq: null, firstPrevHash: null, lastSeq: null, lastHash: null, bad: null, nodes: [], snapshots: [] };
    this.expect = new Map(task.expect);
    this.snapshotAt = new Set(task.snapshotSizes);
    this.expected = task.from;
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
    const seq = Number(seqText);
    const r = this.result;
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
      appendNodes(r.nodes, [{ level: 0, hash: leafOf(hash) }]);
      if (this.snapshotAt.has(seq)) r.snapshots.push([seq, r.nodes.map((n) => ({ level: n.level, hash: n.hash }))]);
    }
    this.prevHash = hash;
    r.lastSeq = seq;
    r.lastHash = hash;
    r.checked++;
  }

  finish(): RangeResult {
    return this.result;
  }
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

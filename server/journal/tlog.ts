// The journal as a Merkle tree (issue 19): RFC 9162 §2.1 hashing, and the inclusion and
// consistency proofs of §2.1.3 and §2.1.4 — produced and verified. Pure functions over byte
// strings: the server (tree.ts) gives them the stored hashes it reads from PostgreSQL, and the
// offline verifier (proof-file.ts, `tachiai verify-proof`) needs nothing but this file.
//
//   leaf hash      = SHA-256(0x00 ‖ 32 raw bytes of the journal entry's hash); leaf i = entry seq i+1
//   interior node  = SHA-256(0x01 ‖ left ‖ right)
//
// A *stored node* is the hash of a complete subtree: `level` k covers 2^k leaves, `index` i the
// leaves [i·2^k, (i+1)·2^k). Every hash a proof or a root needs is either a stored node or is
// computed from stored nodes along the right edge of the tree, so producing a proof is done in
// two passes: `plan` lists the stored nodes the computation needs (they are read from the
// database in one query), then the computation runs over them. Tree sizes are JavaScript
// numbers (exact up to 2^53); no 32-bit bit operations are used.
import crypto from 'node:crypto';

export const HASH_SIZE = 32;

export interface NodeId {
  level: number;
  index: number;
}

/** A reader of stored nodes (complete subtrees). */
export type NodeReader = (level: number, index: number) => Buffer;

export const nodeKey = (level: number, index: number): string => `${level}:${index}`;

// One-shot hashing over a scratch buffer (crypto.hash, no Hash object per node): a proof over a
// tree of 10 million entries recomputes some 850 nodes inside its tiles, and this halves their cost.
// Safe to share: nothing awaits between filling the buffer and hashing it.
const leafInput = Buffer.alloc(1 + HASH_SIZE);
const nodeInput = Buffer.alloc(1 + 2 * HASH_SIZE);
nodeInput[0] = 0x01;

export function leafHash(entryHash: Buffer): Buffer {
  if (entryHash.length !== HASH_SIZE) return crypto.createHash('sha256').update(Buffer.of(0x00)).update(entryHash).digest();
  entryHash.copy(leafInput, 1);
  return crypto.hash('sha256', leafInput, 'buffer');
}

/** The leaf hash of a journal entry whose hash is given in hex (the journal's form). */
export function leafHashOfEntry(entryHashHex: string): Buffer {
  if (!/^[0-9a-f]{64}$/.test(entryHashHex)) throw new Error('an entry hash is 64 lower-case hex digits');
  return leafHash(Buffer.from(entryHashHex, 'hex'));
}

export function nodeHash(left: Buffer, right: Buffer): Buffer {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) return crypto.createHash('sha256').update(Buffer.of(0x01)).update(left).update(right).digest();
  left.copy(nodeInput, 1);
  right.copy(nodeInput, 1 + HASH_SIZE);
  return crypto.hash('sha256', nodeInput, 'buffer');
}

/** MTH({}) — the hash of the empty tree (RFC 9162 §2.1.1). */
export const EMPTY_ROOT = crypto.createHash('sha256').digest();

/** The largest power of two strictly smaller than n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPowerOfTwo(n: number): boolean {
  return n >= 1 && Number.isInteger(Math.log2(n)) && 2 ** Math.log2(n) === n;
}

/**
 * MTH(D[lo:hi]) for a range as RFC 9162's recursions produce them (lo is a multiple of the
 * largest power of two ≤ hi − lo): a stored node when the range is a complete subtree, else the
 * left complete subtree and the rest.
 */
function rangeHash(lo: number, hi: number, read: NodeReader): Buffer {
  const n = hi - lo;
  if (n <= 0) throw new Error('empty range');
  if (isPowerOfTwo(n) && lo % n === 0) return read(Math.log2(n), lo / n);
  const k = splitPoint(n);
  return nodeHash(rangeHash(lo, lo + k, read), rangeHash(lo + k, hi, read));
}

/** PATH(m, D[lo:hi]) of RFC 9162 §2.1.3.1, leaf first. */
function path(m: number, lo: number, hi: number, read: NodeReader): Buffer[] {
  const n = hi - lo;
  if (n === 1) return [];
  const k = splitPoint(n);
  if (m < k) return [...path(m, lo, lo + k, read), rangeHash(lo + k, hi, read)];
  return [...path(m - k, lo + k, hi, read), rangeHash(lo, lo + k, read)];
}

/** SUBPROOF(m, D[lo:hi], b) of RFC 9162 §2.1.4.1. */
function subproof(m: number, lo: number, hi: number, b: boolean, read: NodeReader): Buffer[] {
  const n = hi - lo;
  if (m === n) return b ? [] : [rangeHash(lo, hi, read)];
  const k = splitPoint(n);
  if (m <= k) return [...subproof(m, lo, lo + k, b, read), rangeHash(lo + k, hi, read)];
  return [...subproof(m - k, lo + k, hi, false, read), rangeHash(lo, lo + k, read)];
}

export function treeRoot(size: number, read: NodeReader): Buffer {
  return size === 0 ? EMPTY_ROOT : rangeHash(0, size, read);
}

/** The inclusion proof of leaf `index` in the tree of `size` leaves (0 ≤ index < size). */
export function inclusionProof(index: number, size: number, read: NodeReader): Buffer[] {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) throw new RangeError(`no leaf ${index} in a tree of ${size}`);
  return path(index, 0, size, read);
}

/** The consistency proof from the tree of `from` leaves to the tree of `to` leaves (0 < from ≤ to). */
export function consistencyProof(from: number, to: number, read: NodeReader): Buffer[] {
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 1 || from > to) throw new RangeError(`no consistency proof from ${from} to ${to}`);
  return subproof(from, 0, to, true, read);
}

/**
 * The stored nodes a computation needs: it is run once with a reader that records what it is
 * asked and answers a placeholder (the computation's shape depends on sizes only).
 */
export function plan(compute: (read: NodeReader) => unknown): NodeId[] {
  const seen = new Map<string, NodeId>();
  const placeholder = Buffer.alloc(HASH_SIZE);
  compute((level, index) => {
    seen.set(nodeKey(level, index), { level, index });
    return placeholder;
  });
  return [...seen.values()];
}

/** The stored nodes whose hashes make up the root of a tree of `size` (one per set bit of size). */
export function rootNodes(size: number): NodeId[] {
  return size === 0 ? [] : plan((read) => treeRoot(size, read));
}

const half = (x: number) => Math.floor(x / 2);
const odd = (x: number) => x % 2 === 1;

/**
 * RFC 9162 §2.1.3.2: verifies that `leaf` is leaf `index` of the tree of `size` with root `root`.
 */
export function verifyInclusion(index: number, size: number, leaf: Buffer, proof: Buffer[], root: Buffer): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  if (leaf.length !== HASH_SIZE || root.length !== HASH_SIZE || proof.some((p) => p.length !== HASH_SIZE)) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && r.equals(root);
}

/**
 * RFC 9162 §2.1.4.2: verifies that the tree of `from` leaves with root `fromRoot` is a prefix of
 * the tree of `to` leaves with root `toRoot`. Equal sizes need equal roots and an empty proof;
 * from 0 is consistent with anything (and has an empty proof).
 */
export function verifyConsistency(from: number, to: number, fromRoot: Buffer, toRoot: Buffer, proof: Buffer[]): boolean {
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || from > to) return false;
  if (fromRoot.length !== HASH_SIZE || toRoot.length !== HASH_SIZE || proof.some((p) => p.length !== HASH_SIZE)) return false;
  if (from === 0) return proof.length === 0;
  if (from === to) return proof.length === 0 && fromRoot.equals(toRoot);
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(from) ? [fromRoot, ...proof] : [...proof];
  let fn = from - 1;
  let sn = to - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && fr.equals(fromRoot) && sr.equals(toRoot);
}

/**
 * A compact range over the leaves [0, n): the roots of its complete subtrees, largest first —
 * enough to extend the tree one leaf at a time and to read its root at any size, in O(log n)
 * memory (the full verification of the journal walks it).
 */
export class CompactRange {
  private readonly stack: Array<{ level: number; hash: Buffer }> = [];
  size = 0;

  append(leaf: Buffer): void {
    let node = { level: 0, hash: leaf };
    while (this.stack.length > 0 && this.stack[this.stack.length - 1]!.level === node.level) {
      const left = this.stack.pop()!;
      node = { level: node.level + 1, hash: nodeHash(left.hash, node.hash) };
    }
    this.stack.push(node);
    this.size += 1;
  }

  root(): Buffer {
    if (this.stack.length === 0) return EMPTY_ROOT;
    let r = this.stack[this.stack.length - 1]!.hash;
    for (let i = this.stack.length - 2; i >= 0; i--) r = nodeHash(this.stack[i]!.hash, r);
    return r;
  }
}

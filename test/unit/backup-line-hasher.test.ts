// The restore's content hash takes adjacent lines of one decompressed piece in one update
// (server/backup/format.ts LineHasher; issue 17, item 5). Whatever the lines' memory, it must equal
// the writer's hash: every line followed by a newline — lines in one piece, a line joined from two
// pieces, and lines that lie side by side in memory without a newline between them.
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LineHasher } from '../../server/backup/format.js';

const naive = (lines: Buffer[]) => {
  const h = crypto.createHash('sha256');
  for (const l of lines) h.update(l).update('\n');
  return h.digest('hex');
};
const hashed = (lines: Buffer[]) => {
  const h = crypto.createHash('sha256');
  const hasher = new LineHasher(h);
  for (const l of lines) hasher.line(l);
  hasher.flush();
  return h.digest('hex');
};

describe('the restore content hash of lines', () => {
  it('equals one update per line plus newline, for lines of one piece, joined lines and adjacent memory without a newline', () => {
    const piece = Buffer.from('{"a":1}\n{"b":"立会い"}\n\n{"c":3}\n');
    const inPiece = [piece.subarray(0, 7), piece.subarray(8, 24), piece.subarray(25, 25), piece.subarray(26, 33)];
    expect(hashed(inPiece)).toBe(naive(inPiece));
    // A line joined from two pieces (its own memory), between lines of a piece.
    const joined = Buffer.concat([Buffer.from('{"x":'), Buffer.from('9}')]);
    const mixed = [inPiece[0]!, joined, inPiece[1]!, inPiece[3]!];
    expect(hashed(mixed)).toBe(naive(mixed));
    // Side by side in memory, one byte apart, but that byte is not a newline: two lines, not one run.
    const tricky = Buffer.from('{"p":1}X{"q":2}');
    const apart = [tricky.subarray(0, 7), tricky.subarray(8, 15)];
    expect(hashed(apart)).toBe(naive(apart));
    // Nothing hashed: the empty content's hash.
    expect(hashed([])).toBe(naive([]));
  });

  it('gives another hash when a line differs by one byte', () => {
    const a = Buffer.from('{"a":1}\n{"b":2}\n');
    const b = Buffer.from('{"a":1}\n{"b":3}\n');
    expect(hashed([a.subarray(0, 7), a.subarray(8, 15)])).not.toBe(hashed([b.subarray(0, 7), b.subarray(8, 15)]));
  });
});

// The intake chainer hashes entries with entryHashOfCanonical (server/journal/journal.ts), which
// assembles the canonical text around the already-canonical payload instead of re-serialising it.
// It must give exactly entryHash's result, which verification uses.
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../server/journal/canonical.js';
import { entryHash, entryHashOfCanonical, GENESIS_HASH } from '../../server/journal/journal.js';

const payloads: unknown[] = [
  {},
  { roomId: '6f1c0c1e-7c55-4d3b-9a0e-3f1d2b6a9c10', badgeId: null, personId: null, direction: 'in', decision: 'denied', reason: 'unknown_badge', at: '2026-11-25T06:00:00.123Z' },
  { 名前: '入室 太郎', 部署: '第一処理室', note: '"quoted" \\ back\\slash\nnew line\ttab \u0001 control', emoji: '😀🔐' },
  { n: [0, -0, 1.5, 1e21, 1e-7, -123456789012345, 2 ** 53], nested: { z: [{ b: 1, a: 2 }], a: { y: true, x: false } } },
  { zzz: 1, aaa: 2, AAA: 3, _u: 4, '10': 5, '9': 6, 'é': 7, 'e\u0301': 8 },
];

describe('entryHashOfCanonical', () => {
  it('equals entryHash for canonical payloads of every shape, any actor, subject, time and sequence number', () => {
    let prevHash = GENESIS_HASH;
    payloads.forEach((value, i) => {
      const entry = {
        chain: 'main',
        seq: i === 4 ? 9_007_199_254_740_991 : i + 1,
        at: new Date(Date.UTC(2026, 10, 25, 6, 0, 0, i * 7)),
        actor: i % 2 ? 'system:door' : '0b7c2d1e-5f3a-4c6b-8d9e-1a2b3c4d5e6f',
        action: 'door.scan',
        subject: `entry:${1000 + i}`,
        payload: canonicalJson(value),
        prevHash,
      };
      const fast = entryHashOfCanonical(entry);
      expect(fast, JSON.stringify(value)).toBe(entryHash(entry));
      prevHash = fast;
    });
  });
});

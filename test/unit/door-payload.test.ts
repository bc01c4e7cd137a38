// The door writes its journal payload without the general canonical serialiser
// (scanJournalPayload in server/door/scan.ts); it must be byte for byte what canonicalJson writes,
// or verification would report the entries as not canonical.
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../server/journal/canonical.js';
import { scanJournalPayload } from '../../server/door/scan.js';

describe('scanJournalPayload', () => {
  it('equals canonicalJson for granted, denied and unknown-badge scans', () => {
    const cases = [
      { roomId: 'r-1', badgeId: 'b-1', personId: 'p-1', direction: 'in', decision: 'granted', reason: null, at: '2026-11-25T06:00:00.123Z' },
      { roomId: 'r-2', badgeId: null, personId: null, direction: 'in', decision: 'denied', reason: 'unknown_badge', at: '2026-11-25T06:00:01.000Z' },
      { roomId: 'r"3\\', badgeId: 'b\n2', personId: '人', direction: 'out', decision: 'denied', reason: 'not_inside', at: '2026-01-01T00:00:00.000Z' },
    ];
    for (const c of cases) expect(scanJournalPayload(c)).toBe(canonicalJson(c));
  });
});

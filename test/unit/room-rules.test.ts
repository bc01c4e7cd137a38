// The room rules beyond the access list as plain functions (server/door/rules.ts, issue 20 part 5):
// the occupancy limit (room_full) after every other check, timed anti-passback (a stale presence
// no longer blocks re-entry; toggling enters), the two-person rule's step (alone / wait / pair),
// and the exit that leaves one person alone. Clause: E6.1 (only permitted persons enter).
import { describe, expect, it } from 'vitest';
import { decideScan, ENTRY_REASONS, isStalePresence, leavesOneAlone, ROOM_RULE_REASONS, twoPersonStep, type ScanFacts } from '../../server/door/rules.js';

const NOW = new Date('2026-11-23T10:00:00+09:00');
const HOUR = 3_600_000;

function base(): ScanFacts {
  return {
    now: NOW,
    timeZone: 'Asia/Tokyo',
    room: { kind: 'secure', hours: null, requiresTraining: false },
    badge: { revoked: false, validFrom: new Date('2026-01-01T00:00:00Z'), validUntil: null },
    person: { isVisitor: false, isExternal: false },
    inside: false,
    onAccessList: true,
    ndaValid: true,
    trainedWithinYear: true,
    hostInside: false,
  };
}

describe('occupancy limit', () => {
  it('entering a full room is room_full; below the limit, or without one, granted', () => {
    expect(decideScan({ ...base(), occupancy: { count: 3, limit: 3 } }, 'in')).toEqual({ direction: 'in', decision: 'denied', reason: 'room_full' });
    expect(decideScan({ ...base(), occupancy: { count: 4, limit: 3 } }, 'in').reason).toBe('room_full');
    expect(decideScan({ ...base(), occupancy: { count: 2, limit: 3 } }, 'in').decision).toBe('granted');
    expect(decideScan({ ...base(), occupancy: { count: 99, limit: null } }, 'in').decision).toBe('granted');
    expect(decideScan(base(), 'in').decision).toBe('granted');
  });
  it('comes after the person\'s own checks (their reason is given first), and never stops an exit', () => {
    expect(decideScan({ ...base(), onAccessList: false, occupancy: { count: 3, limit: 3 } }, 'in').reason).toBe('not_on_access_list');
    expect(decideScan({ ...base(), inside: true, occupancy: { count: 3, limit: 3 } }, 'in').reason).toBe('already_inside');
    expect(decideScan({ ...base(), inside: true, occupancy: { count: 9, limit: 3 } }, 'out')).toEqual({ direction: 'out', decision: 'granted', reason: null });
  });
  it('its reasons are entry reasons', () => {
    for (const r of ROOM_RULE_REASONS) expect(ENTRY_REASONS).toContain(r);
  });
});

describe('timed anti-passback', () => {
  const stale = (hoursAgo: number, limit: number | null) => ({ ...base(), inside: true, insideSince: new Date(NOW.getTime() - hoursAgo * HOUR), antiPassbackHours: limit });
  it('a presence older than N hours no longer blocks re-entry; a younger one does; off: always blocks', () => {
    expect(isStalePresence(stale(13, 12))).toBe(true);
    expect(isStalePresence(stale(12, 12))).toBe(true);
    expect(isStalePresence(stale(11.9, 12))).toBe(false);
    expect(isStalePresence(stale(100, null))).toBe(false);
    expect(isStalePresence({ ...stale(100, 12), inside: false })).toBe(false);
    expect(decideScan(stale(13, 12), 'in')).toEqual({ direction: 'in', decision: 'granted', reason: null });
    expect(decideScan(stale(11, 12), 'in').reason).toBe('already_inside');
    expect(decideScan(stale(13, null), 'in').reason).toBe('already_inside');
  });
  it('toggling over a stale presence enters; an explicit exit still leaves', () => {
    expect(decideScan(stale(13, 12)).direction).toBe('in');
    expect(decideScan(stale(1, 12)).direction).toBe('out');
    expect(decideScan(stale(13, 12), 'out')).toEqual({ direction: 'out', decision: 'granted', reason: null });
  });
  it('replacing one\'s own stale presence is not refused by a full room (nobody is added)', () => {
    expect(decideScan({ ...stale(13, 12), occupancy: { count: 3, limit: 3 } }, 'in').decision).toBe('granted');
  });
});

describe('two-person rule (二人制)', () => {
  const later = new Date(NOW.getTime() + 5000);
  const earlier = new Date(NOW.getTime() - 1);
  it('nobody inside, nobody waiting: wait (pending_second_person)', () => {
    expect(twoPersonStep({ othersInside: 0, waiting: null, personId: 'a', now: NOW })).toBe('wait');
  });
  it('another person waiting within the window: pair; the window ran out, or it is oneself: wait', () => {
    expect(twoPersonStep({ othersInside: 0, waiting: { personId: 'a', expiresAt: later }, personId: 'b', now: NOW })).toBe('pair');
    expect(twoPersonStep({ othersInside: 0, waiting: { personId: 'a', expiresAt: earlier }, personId: 'b', now: NOW })).toBe('wait');
    expect(twoPersonStep({ othersInside: 0, waiting: { personId: 'a', expiresAt: NOW }, personId: 'b', now: NOW })).toBe('wait');
    expect(twoPersonStep({ othersInside: 0, waiting: { personId: 'a', expiresAt: later }, personId: 'a', now: NOW })).toBe('wait');
  });
  it('someone inside already: entering alone makes two or more', () => {
    expect(twoPersonStep({ othersInside: 1, waiting: null, personId: 'a', now: NOW })).toBe('alone');
    expect(twoPersonStep({ othersInside: 3, waiting: { personId: 'b', expiresAt: later }, personId: 'a', now: NOW })).toBe('alone');
  });
  it('an exit that leaves exactly one person inside is the lone_person case', () => {
    expect(leavesOneAlone(1)).toBe(true);
    expect(leavesOneAlone(0)).toBe(false);
    expect(leavesOneAlone(2)).toBe(false);
  });
});

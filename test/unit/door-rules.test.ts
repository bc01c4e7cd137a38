// The decision at the door as plain functions (server/door/rules.ts): every reason in the
// documented order, the out direction, toggling, and opening hours on the site's wall clock
// (Asia/Tokyo) across the UTC day boundary. Clauses: E6.1 (access lists), E5 (training),
// M6.2 (visitors confined / escorted), M6.3 (NDA), anti-passback.
import { describe, expect, it } from 'vitest';
import { decideScan, DENY_REASONS, withinHours, type DenyReason, type Direction, type ScanFacts } from '../../server/door/rules.js';
import type { OpeningHours } from '../../server/rooms/service.js';

const TZ = 'Asia/Tokyo';
/** Monday 2026-11-23, 10:00 JST. */
const NOW = new Date('2026-11-23T10:00:00+09:00');
const WEEKDAYS_0830_1900: OpeningHours = { days: [1, 2, 3, 4, 5], from: '08:30', to: '19:00' };

/** Facts that pass every check (a contractor's staff member, outside, entering a secure room in opening hours). */
function base(): ScanFacts {
  return {
    now: NOW,
    timeZone: TZ,
    room: { kind: 'secure', hours: WEEKDAYS_0830_1900, requiresTraining: false },
    badge: { revoked: false, validFrom: new Date('2026-01-01T00:00:00Z'), validUntil: new Date('2027-01-01T00:00:00Z') },
    person: { isVisitor: false, isExternal: false },
    inside: false,
    onAccessList: true,
    // Irrelevant for this person and room, but true so that one mutation can fail each check.
    ndaValid: true,
    trainedWithinYear: true,
    hostInside: false,
  };
}

type Mutation = (f: ScanFacts) => void;

/** For each entering reason, a change to the base facts that fails exactly that check. */
const FAIL_ENTERING: Array<[DenyReason, Mutation]> = [
  ['unknown_badge', (f) => { f.badge = null; f.person = null; }],
  ['badge_revoked', (f) => { if (f.badge) f.badge.revoked = true; }],
  ['badge_expired', (f) => { if (f.badge) f.badge.validUntil = new Date(NOW.getTime() - 1000); }],
  ['not_on_access_list', (f) => { f.onAccessList = false; }],
  ['outside_hours', (f) => { f.room.hours = { days: [1, 2, 3, 4, 5], from: '13:00', to: '14:00' }; }],
  ['nda_missing', (f) => { if (f.person) f.person.isExternal = true; f.ndaValid = false; }],
  ['training_missing', (f) => { f.room.requiresTraining = true; f.trainedWithinYear = false; }],
  // A visitor (with the base's valid NDA, so only the escort check fails) and no host inside.
  ['escort_required', (f) => { if (f.person) f.person.isVisitor = true; f.hostInside = false; }],
  ['already_inside', (f) => { f.inside = true; }],
];

function facts(...mutations: Mutation[]): ScanFacts {
  const f = base();
  for (const m of mutations) m(f);
  return f;
}

describe('decideScan: entering, every reason in the documented order (E6.1, E5, M6.2, M6.3, anti-passback)', () => {
  it('the base facts are granted, direction in', () => {
    expect(decideScan(base(), 'in')).toEqual({ direction: 'in', decision: 'granted', reason: null });
    expect(decideScan(base())).toEqual({ direction: 'in', decision: 'granted', reason: null });
  });

  it('the documented order is the order of DENY_REASONS', () => {
    expect(FAIL_ENTERING.map(([r]) => r)).toEqual(DENY_REASONS.filter((r) => r !== 'not_inside'));
  });

  for (const [reason, mutate] of FAIL_ENTERING) {
    it(`a fact set failing only "${reason}" is denied with ${reason}`, () => {
      expect(decideScan(facts(mutate), 'in')).toEqual({ direction: 'in', decision: 'denied', reason });
    });
  }

  // Every pair of failing checks: the earlier one is reported.
  for (let i = 0; i < FAIL_ENTERING.length; i++) {
    for (let j = i + 1; j < FAIL_ENTERING.length; j++) {
      const [first, m1] = FAIL_ENTERING[i]!;
      const [second, m2] = FAIL_ENTERING[j]!;
      it(`failing ${first} and ${second} reports ${first}`, () => {
        expect(decideScan(facts(m1, m2), 'in')).toMatchObject({ decision: 'denied', reason: first });
        expect(decideScan(facts(m2, m1), 'in')).toMatchObject({ decision: 'denied', reason: first });
      });
    }
  }

  it('failing every check at once reports unknown_badge', () => {
    expect(decideScan(facts(...FAIL_ENTERING.map(([, m]) => m)), 'in')).toEqual({ direction: 'in', decision: 'denied', reason: 'unknown_badge' });
  });

  it('unknown_badge when only the person is missing (badge row without person facts)', () => {
    const f = base();
    f.person = null;
    expect(decideScan(f, 'in')).toMatchObject({ decision: 'denied', reason: 'unknown_badge' });
  });
});

describe('decideScan: badge validity period', () => {
  it('valid_until exactly now is expired; one millisecond later is still valid', () => {
    expect(decideScan(facts((f) => { f.badge!.validUntil = NOW; }), 'in')).toMatchObject({ reason: 'badge_expired' });
    expect(decideScan(facts((f) => { f.badge!.validUntil = new Date(NOW.getTime() + 1); }), 'in')).toMatchObject({ decision: 'granted' });
  });
  it('a badge not yet valid (valid_from in the future) is refused as badge_expired; valid_from = now is valid', () => {
    expect(decideScan(facts((f) => { f.badge!.validFrom = new Date(NOW.getTime() + 1); }), 'in')).toMatchObject({ reason: 'badge_expired' });
    expect(decideScan(facts((f) => { f.badge!.validFrom = NOW; }), 'in')).toMatchObject({ decision: 'granted' });
  });
  it('no valid_until means no end', () => {
    expect(decideScan(facts((f) => { f.badge!.validUntil = null; }), 'in')).toMatchObject({ decision: 'granted' });
  });
});

describe('decideScan: leaving (anti-passback) and toggling', () => {
  const inside: Mutation = (f) => { f.inside = true; };

  it('out while inside is granted even when every entering-only check would fail (people can always leave)', () => {
    const f = facts(
      inside,
      (x) => { x.onAccessList = false; },
      (x) => { x.room.hours = { days: [6], from: '01:00', to: '02:00' }; },
      (x) => { x.person!.isExternal = true; x.person!.isVisitor = true; x.ndaValid = false; x.hostInside = false; },
      (x) => { x.room.requiresTraining = true; x.trainedWithinYear = false; },
    );
    expect(decideScan(f, 'out')).toEqual({ direction: 'out', decision: 'granted', reason: null });
  });

  it('out while not inside is not_inside', () => {
    expect(decideScan(base(), 'out')).toEqual({ direction: 'out', decision: 'denied', reason: 'not_inside' });
  });

  it('out: the badge checks still come first (unknown, revoked, expired before not_inside)', () => {
    const [, unknown] = FAIL_ENTERING[0]!;
    const [, revoked] = FAIL_ENTERING[1]!;
    const [, expired] = FAIL_ENTERING[2]!;
    expect(decideScan(facts(unknown), 'out')).toEqual({ direction: 'out', decision: 'denied', reason: 'unknown_badge' });
    expect(decideScan(facts(inside, revoked), 'out')).toEqual({ direction: 'out', decision: 'denied', reason: 'badge_revoked' });
    expect(decideScan(facts(inside, expired), 'out')).toEqual({ direction: 'out', decision: 'denied', reason: 'badge_expired' });
    expect(decideScan(facts(revoked, expired), 'out')).toMatchObject({ reason: 'badge_revoked' });
    expect(decideScan(facts(expired), 'out')).toMatchObject({ reason: 'badge_expired' });
  });

  it('in while inside is already_inside (explicit direction)', () => {
    expect(decideScan(facts(inside), 'in')).toEqual({ direction: 'in', decision: 'denied', reason: 'already_inside' });
  });

  it('without a direction: outside toggles to in, inside toggles to out', () => {
    expect(decideScan(base())).toEqual({ direction: 'in', decision: 'granted', reason: null });
    expect(decideScan(facts(inside))).toEqual({ direction: 'out', decision: 'granted', reason: null });
  });

  it('without a direction, a toggle never produces already_inside or not_inside', () => {
    for (const isInside of [false, true]) {
      const d = decideScan(facts((f) => { f.inside = isInside; }));
      expect(d.reason === 'already_inside' || d.reason === 'not_inside').toBe(false);
    }
  });

  it('a toggled scan that is denied keeps the toggled direction (unknown badge: in; revoked while inside: out)', () => {
    expect(decideScan(facts(FAIL_ENTERING[0]![1]))).toEqual({ direction: 'in', decision: 'denied', reason: 'unknown_badge' });
    expect(decideScan(facts(inside, FAIL_ENTERING[1]![1]))).toEqual({ direction: 'out', decision: 'denied', reason: 'badge_revoked' });
    expect(decideScan(facts((f) => { f.onAccessList = false; }))).toEqual({ direction: 'in', decision: 'denied', reason: 'not_on_access_list' });
  });

  it('the requested direction wins over the toggle', () => {
    for (const dir of ['in', 'out'] as Direction[]) {
      for (const isInside of [false, true]) {
        expect(decideScan(facts((f) => { f.inside = isInside; }), dir).direction).toBe(dir);
      }
    }
  });
});

describe('decideScan: visitors, external people, NDA, training, escort (M6.2, M6.3, E5)', () => {
  type Who = { isVisitor: boolean; isExternal: boolean };
  const STAFF: Who = { isVisitor: false, isExternal: false };
  const EXTERNAL: Who = { isVisitor: false, isExternal: true };
  const VISITOR: Who = { isVisitor: true, isExternal: true };
  const INTERNAL_VISITOR: Who = { isVisitor: true, isExternal: false };

  function decide(who: Who, o: { kind?: 'secure' | 'reception'; nda?: boolean; host?: boolean; training?: boolean; trained?: boolean }) {
    return decideScan(
      facts((f) => {
        f.person = { ...who };
        f.room.kind = o.kind ?? 'secure';
        f.ndaValid = o.nda ?? false;
        f.hostInside = o.host ?? false;
        f.room.requiresTraining = o.training ?? false;
        f.trainedWithinYear = o.trained ?? false;
      }),
      'in',
    );
  }

  it('M6.3: the contractor’s own staff need no NDA and no host in a secure room', () => {
    expect(decide(STAFF, {})).toMatchObject({ decision: 'granted' });
  });
  it('M6.3: an external (non-visitor) person needs a valid NDA in a secure room, but no escort', () => {
    expect(decide(EXTERNAL, { nda: false, host: true })).toMatchObject({ decision: 'denied', reason: 'nda_missing' });
    expect(decide(EXTERNAL, { nda: true, host: false })).toMatchObject({ decision: 'granted' });
  });
  it('M6.3: a visitor without NDA is refused for the NDA even with a host inside', () => {
    expect(decide(VISITOR, { nda: false, host: true })).toMatchObject({ decision: 'denied', reason: 'nda_missing' });
  });
  it('M6.3: a person with the visitor role needs an NDA even if their organisation is the contractor', () => {
    expect(decide(INTERNAL_VISITOR, { nda: false, host: true })).toMatchObject({ decision: 'denied', reason: 'nda_missing' });
    expect(decide(INTERNAL_VISITOR, { nda: true, host: true })).toMatchObject({ decision: 'granted' });
  });
  it('M6.2: a visitor with an NDA needs a host inside a secure room', () => {
    expect(decide(VISITOR, { nda: true, host: false })).toMatchObject({ decision: 'denied', reason: 'escort_required' });
    expect(decide(VISITOR, { nda: true, host: true })).toMatchObject({ decision: 'granted' });
    expect(decide(INTERNAL_VISITOR, { nda: true, host: false })).toMatchObject({ decision: 'denied', reason: 'escort_required' });
  });
  it('M6.2: in a reception room nobody needs an NDA or a host', () => {
    for (const who of [STAFF, EXTERNAL, VISITOR, INTERNAL_VISITOR]) {
      expect(decide(who, { kind: 'reception', nda: false, host: false })).toMatchObject({ decision: 'granted' });
    }
  });
  it('E5: a room that requires training refuses everyone untrained (also in reception), and training comes before escort', () => {
    for (const who of [STAFF, EXTERNAL, VISITOR]) {
      expect(decide(who, { nda: true, host: true, training: true, trained: false })).toMatchObject({ reason: 'training_missing' });
      expect(decide(who, { nda: true, host: true, training: true, trained: true })).toMatchObject({ decision: 'granted' });
    }
    expect(decide(STAFF, { kind: 'reception', training: true, trained: false })).toMatchObject({ reason: 'training_missing' });
    expect(decide(VISITOR, { nda: true, host: false, training: true, trained: false })).toMatchObject({ reason: 'training_missing' });
    expect(decide(VISITOR, { nda: true, host: false, training: true, trained: true })).toMatchObject({ reason: 'escort_required' });
  });
  it('E5: NDA comes before training', () => {
    expect(decide(EXTERNAL, { nda: false, training: true, trained: false })).toMatchObject({ reason: 'nda_missing' });
  });
  it('E5: a room without the requirement lets the untrained in', () => {
    expect(decide(STAFF, { training: false, trained: false })).toMatchObject({ decision: 'granted' });
  });
});

describe('withinHours: opening hours on the site wall clock (Asia/Tokyo), across the UTC day boundary', () => {
  const at = (iso: string) => new Date(iso);
  const h = WEEKDAYS_0830_1900;

  it('no hours means always open', () => {
    expect(withinHours(null, at('2026-11-29T03:00:00+09:00'), TZ)).toBe(true);
  });

  it('Monday 08:29 JST (Sunday 23:29 UTC) is closed; 08:29:59 still closed', () => {
    expect(withinHours(h, at('2026-11-23T08:29:00+09:00'), TZ)).toBe(false);
    expect(withinHours(h, at('2026-11-23T08:29:59.999+09:00'), TZ)).toBe(false);
  });
  it('Monday 08:30 JST (Sunday 23:30 UTC, a Sunday in UTC) is open', () => {
    expect(at('2026-11-23T08:30:00+09:00').getUTCDay()).toBe(0);
    expect(withinHours(h, at('2026-11-23T08:30:00+09:00'), TZ)).toBe(true);
  });
  it('Monday 09:00 JST (the first hour of Monday in UTC) is open', () => {
    expect(withinHours(h, at('2026-11-23T09:00:00+09:00'), TZ)).toBe(true);
  });
  it('Monday 18:59 JST open, 18:59:59 open, 19:00 closed (the end is exclusive)', () => {
    expect(withinHours(h, at('2026-11-23T18:59:00+09:00'), TZ)).toBe(true);
    expect(withinHours(h, at('2026-11-23T18:59:59+09:00'), TZ)).toBe(true);
    expect(withinHours(h, at('2026-11-23T19:00:00+09:00'), TZ)).toBe(false);
  });
  it('Friday 18:59 JST open; Saturday at 10:00 JST closed; Sunday closed', () => {
    expect(withinHours(h, at('2026-11-27T18:59:00+09:00'), TZ)).toBe(true);
    expect(withinHours(h, at('2026-11-28T10:00:00+09:00'), TZ)).toBe(false);
    expect(withinHours(h, at('2026-11-29T10:00:00+09:00'), TZ)).toBe(false);
  });
  it('the weekday is the Tokyo weekday, not the UTC one: Saturday 05:00 JST (Friday 20:00 UTC) closed, Monday 05:00 JST (Sunday 20:00 UTC) open', () => {
    const earlyHours: OpeningHours = { days: [1, 2, 3, 4, 5], from: '00:00', to: '23:59' };
    expect(withinHours(earlyHours, at('2026-11-28T05:00:00+09:00'), TZ)).toBe(false);
    expect(withinHours(earlyHours, at('2026-11-23T05:00:00+09:00'), TZ)).toBe(true);
  });
  it('ISO weekdays: 7 is Sunday, 6 is Saturday, 1 is Monday', () => {
    expect(withinHours({ days: [7], from: '00:00', to: '23:59' }, at('2026-11-29T12:00:00+09:00'), TZ)).toBe(true);
    expect(withinHours({ days: [6], from: '00:00', to: '23:59' }, at('2026-11-28T12:00:00+09:00'), TZ)).toBe(true);
    expect(withinHours({ days: [6], from: '00:00', to: '23:59' }, at('2026-11-29T12:00:00+09:00'), TZ)).toBe(false);
    expect(withinHours({ days: [1], from: '00:00', to: '23:59' }, at('2026-11-23T00:00:00+09:00'), TZ)).toBe(true);
    expect(withinHours({ days: [1], from: '00:00', to: '23:59' }, at('2026-11-22T23:59:00+09:00'), TZ)).toBe(false);
  });
  it('the time zone argument is used (the same instant is open in Tokyo and closed in UTC)', () => {
    const instant = at('2026-11-23T08:30:00+09:00'); // Sunday 23:30 UTC
    expect(withinHours(h, instant, TZ)).toBe(true);
    expect(withinHours(h, instant, 'UTC')).toBe(false);
  });
  it('decideScan uses the hours: Monday 08:29 JST denied outside_hours, 08:30 granted, Saturday denied', () => {
    const scanAt = (iso: string) => decideScan(facts((f) => { f.now = at(iso); }), 'in');
    expect(scanAt('2026-11-23T08:29:00+09:00')).toMatchObject({ decision: 'denied', reason: 'outside_hours' });
    expect(scanAt('2026-11-23T08:30:00+09:00')).toMatchObject({ decision: 'granted' });
    expect(scanAt('2026-11-23T18:59:00+09:00')).toMatchObject({ decision: 'granted' });
    expect(scanAt('2026-11-23T19:00:00+09:00')).toMatchObject({ decision: 'denied', reason: 'outside_hours' });
    expect(scanAt('2026-11-28T10:00:00+09:00')).toMatchObject({ decision: 'denied', reason: 'outside_hours' });
  });
  it('leaving is allowed outside the hours', () => {
    const f = facts((x) => { x.now = at('2026-11-28T23:00:00+09:00'); x.inside = true; });
    expect(decideScan(f, 'out')).toMatchObject({ decision: 'granted' });
    expect(decideScan(f)).toMatchObject({ direction: 'out', decision: 'granted' });
  });
});

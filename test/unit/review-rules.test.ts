// The weekly access review's rules (server/reviews/rules.ts), clause E4.2: each kind of finding on
// its own, over facts built here (no database): the case that produces it — with its key, kind,
// severity, evidence (entry ids, access-log ids, journal sequence numbers), evidenceCount, people,
// rooms, badges and facts — and the near misses that must not, with thresholds at their
// boundaries. Times are on the site's clock, Asia/Tokyo (UTC+9, no summer time): every instant is
// written with its +09:00 offset, and the boundary cases name the UTC instant too, since a rule that
// read hours or days in UTC would be off by nine hours there. Also E6.5 (exits holding media),
// E2.10 (reads of media records), E1.2 (after-hours media alerts), E4.1 (inspection discrepancies).
import { describe, expect, it } from 'vitest';
import {
  allFindings,
  DEFAULT_REVIEW_SETTINGS,
  EVIDENCE_CAP,
  FINDING_KINDS,
  findAdminChanges,
  findAntiPassback,
  findBadgeTwoRooms,
  findDeniedScans,
  findDoorFlags,
  findFailedSignins,
  findForbidden,
  findLeftAccountUse,
  findLockouts,
  findLongStays,
  findMediaIssues,
  findDoorAlarms,
  type DoorAlarmFact,
  findMediaReads,
  findNewAddresses,
  findOutsideHours,
  findProbing,
  findSigninsOutsideHours,
  findTwoAddresses,
  findTwoRooms,
  findUnknownBadges,
  type AddressHop,
  type BadgeHop,
  type DeniedScan,
  type Finding,
  type FlaggedEntry,
  type JournalChange,
  type MediaIssue,
  type MediaReads,
  type OverlappingStay,
  type RequestRow,
  type ReviewSettings,
  type SigninAttempt,
  type Stay,
} from '../../server/reviews/rules.js';

const TZ = 'Asia/Tokyo';
const SETTINGS = DEFAULT_REVIEW_SETTINGS;
const settings = (over: Partial<ReviewSettings>): ReviewSettings => ({ ...DEFAULT_REVIEW_SETTINGS, ...over });

// ---- Time ---------------------------------------------------------------------------------------

/** Monday 2026-11-23 on the site's clock (ISO week 2026-W48). */
const MONDAY = '2026-11-23';
/** An instant on the site's clock: jst('09:30') is Monday 09:30 JST; seconds optional. */
const jst = (time: string, day = MONDAY) => new Date(`${day}T${time.length === 5 ? `${time}:00` : time}+09:00`);
const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const plus = (d: Date, ms: number) => new Date(d.getTime() + ms);
const T0 = jst('10:00');

// ---- Builders: facts with ordinary defaults; each test changes only what it is about -------------

let nextId = 1;
const id = () => String(nextId++);

function denied(over: Partial<DeniedScan> = {}): DeniedScan {
  return {
    id: id(),
    at: T0,
    room_id: 'room-vault',
    room_name: '保管室',
    person_id: 'person-sato',
    person_name: '佐藤',
    badge_id: 'badge-sato',
    reason: 'not_on_access_list',
    hint: '…4821',
    ...over,
  };
}

/** Denials of one badge at the given minutes after T0 (other fields as `over`). */
const deniedAt = (minutesAfter: number[], over: Partial<DeniedScan> = {}) => minutesAfter.map((m) => denied({ at: plus(T0, m * MIN), ...over }));

const WEEKDAYS_8_TO_20 = { days: [1, 2, 3, 4, 5], from: '08:00', to: '20:00' };

function stay(over: Partial<Stay> = {}): Stay {
  return {
    person_id: 'person-sato',
    person_name: '佐藤',
    room_id: 'room-vault',
    room_name: '保管室',
    hours: WEEKDAYS_8_TO_20,
    in_id: id(),
    in_at: jst('09:00'),
    out_id: id(),
    out_at: jst('17:00'),
    ...over,
  };
}

/** A stay still open (no exit yet). */
const openStay = (over: Partial<Stay> = {}) => stay({ out_id: null, out_at: null, ...over });

function overlap(over: Partial<OverlappingStay> = {}): OverlappingStay {
  return {
    person_id: 'person-sato',
    person_name: '佐藤',
    room_id: 'room-lab',
    room_name: '解析室',
    in_id: id(),
    in_at: T0,
    other_room_id: 'room-vault',
    other_room_name: '保管室',
    other_in_id: id(),
    other_out_id: id(),
    ...over,
  };
}

/** A badge let in at the lab `after` the vault (by default 2 minutes). */
function hop(over: Partial<BadgeHop> & { after?: number } = {}): BadgeHop {
  const { after = 2 * MIN, ...rest } = over;
  const prevAt = rest.prev_at ?? T0;
  return {
    id: id(),
    at: plus(prevAt, after),
    badge_id: 'badge-sato',
    person_id: 'person-sato',
    person_name: '佐藤',
    room_id: 'room-lab',
    room_name: '解析室',
    prev_id: id(),
    prev_at: prevAt,
    prev_room_id: 'room-vault',
    prev_room_name: '保管室',
    ...rest,
  };
}

function flagged(flags: string[], over: Partial<FlaggedEntry> = {}): FlaggedEntry {
  return { id: id(), at: T0, room_id: 'room-vault', room_name: '保管室', person_id: 'person-sato', person_name: '佐藤', flags, ...over };
}

function signin(over: Partial<SigninAttempt> = {}): SigninAttempt {
  return { id: id(), at: T0, account_id: 'account-sato', person_id: 'person-sato', username: 'sato', status: 200, source_ip: '10.0.0.5', ...over };
}

/** Failed sign-ins (401) of one user name at the given minutes after T0. */
const failsAt = (minutesAfter: number[], over: Partial<SigninAttempt> = {}) => minutesAfter.map((m) => signin({ at: plus(T0, m * MIN), status: 401, ...over }));

/** The account used from 10.0.0.9 `after` it was used from 10.0.0.5 (by default 3 minutes). */
function addressHop(over: Partial<AddressHop> & { after?: number } = {}): AddressHop {
  const { after = 3 * MIN, ...rest } = over;
  const prevAt = rest.prev_at ?? T0;
  return {
    id: id(),
    at: plus(prevAt, after),
    account_id: 'account-sato',
    person_id: 'person-sato',
    username: 'sato',
    source_ip: '10.0.0.9',
    prev_id: id(),
    prev_at: prevAt,
    prev_ip: '10.0.0.5',
    ...rest,
  };
}

function request(over: Partial<RequestRow> = {}): RequestRow {
  return { id: id(), at: T0, account_id: 'account-sato', person_id: 'person-sato', username: 'sato', method: 'GET', path: '/api/people', status: 403, ...over };
}

function mediaReads(over: Partial<MediaReads> = {}): MediaReads {
  return { account_id: 'account-suzuki', person_id: 'person-suzuki', username: 'suzuki', roles: ['guard'], count: 2, first_at: T0, ids: ['701', '702'], ...over };
}

function change(over: Partial<JournalChange> = {}): JournalChange {
  return { seq: nextId++, at: T0, actor: 'person:person-admin', action: 'people.roles_changed', subject: 'person:person-sato', ...over };
}

function mediaIssue(over: Partial<MediaIssue> = {}): MediaIssue {
  return {
    kind: 'after_hours_media',
    id: id(),
    at: jst('21:30'),
    room_id: 'room-vault',
    room_name: '保管室',
    medium_ids: ['medium-1'],
    labels: ['HDD-001'],
    person_id: 'person-sato',
    person_name: '佐藤',
    detail: null,
    journal_seq: 9001,
    ...over,
  };
}

type Facts = Parameters<typeof allFindings>[0];
/** The facts of a period in which nothing at all happened. */
function noFacts(over: Partial<Facts> = {}): Facts {
  return {
    denied: [],
    overlaps: [],
    hops: [],
    stays: [],
    flagged: [],
    signins: [],
    newAddresses: [],
    addressHops: [],
    forbidden: [],
    mediaReads: [],
    leftUse: [],
    adminChanges: [],
    mediaIssues: [],
    end: jst('00:00', '2026-11-30'),
    timeZone: TZ,
    settings: SETTINGS,
    ...over,
  };
}

const ids = <T extends { id: string }>(xs: T[]) => xs.map((x) => x.id);
const only = (findings: Finding[]): Finding => {
  expect(findings).toHaveLength(1);
  return findings[0]!;
};

// ---- Door: denied scans, probing, unknown badges, anti-passback -----------------------------------

describe('E4.2 denied scans, grouped by person (or badge) and reason', () => {
  it('groups the denials of one person for one reason into one warning naming every entry and room', () => {
    const ds = [denied({ at: jst('09:00') }), denied({ at: jst('13:00'), room_id: 'room-lab', room_name: '解析室' }), denied({ at: jst('10:00', '2026-11-25') })];
    const f = only(findDeniedScans(ds));
    expect(f).toEqual({
      key: 'denied_scans:p:person-sato:not_on_access_list',
      kind: 'denied_scans',
      severity: 'warning',
      at: '2026-11-23T00:00:00.000Z', // 09:00 JST
      personIds: ['person-sato'],
      roomIds: ['room-vault', 'room-lab'],
      badgeIds: ['badge-sato'],
      mediumIds: [],
      facts: { person: '佐藤', reason: 'not_on_access_list', count: 3, rooms: '保管室、解析室' },
      evidence: { entries: ids(ds), accessLog: [], journal: [] },
      evidenceCount: 3,
    });
  });

  it('a different reason, or a different person, is a finding of its own', () => {
    const findings = findDeniedScans([
      denied({ reason: 'not_on_access_list' }),
      denied({ reason: 'outside_hours' }),
      denied({ person_id: 'person-ito', person_name: '伊藤', badge_id: 'badge-ito' }),
    ]);
    expect(findings.map((f) => f.key)).toEqual([
      'denied_scans:p:person-sato:not_on_access_list',
      'denied_scans:p:person-sato:outside_hours',
      'denied_scans:p:person-ito:not_on_access_list',
    ]);
    expect(findings.map((f) => f.evidenceCount)).toEqual([1, 1, 1]);
  });

  it('without a person the badge groups them; without a badge either, the hint', () => {
    const byBadge = denied({ person_id: null, person_name: null, reason: 'badge_revoked' });
    const byHint = denied({ person_id: null, person_name: null, badge_id: null, hint: '…0007', reason: 'badge_revoked' });
    const findings = findDeniedScans([byBadge, byHint]);
    expect(findings.map((f) => f.key)).toEqual(['denied_scans:b:badge-sato:badge_revoked', 'denied_scans:h:…0007:badge_revoked']);
    expect(findings[0]!.personIds).toEqual([]);
    expect(findings[1]!.badgeIds).toEqual([]);
  });

  it('leaves unknown badges and anti-passback to their own kinds', () => {
    expect(findDeniedScans([denied({ reason: 'unknown_badge', person_id: null, badge_id: null }), denied({ reason: 'already_inside' }), denied({ reason: 'not_inside' })])).toEqual([]);
  });

  it('no denials, no finding', () => {
    expect(findDeniedScans([])).toEqual([]);
  });

  it('issue 20: waiting for a second person (二人制) is no denial to explain, nor probing; a wait that ran out is', () => {
    expect(findDeniedScans([denied({ reason: 'pending_second_person' }), denied({ reason: 'pending_second_person' })])).toEqual([]);
    const waits = deniedAt([0, 1, 2]).map((d) => ({ ...d, reason: 'pending_second_person' }));
    expect(findProbing(waits, SETTINGS)).toEqual([]);
    expect(only(findDeniedScans([denied({ reason: 'second_person_timeout' })])).facts.reason).toBe('second_person_timeout');
    expect(only(findDeniedScans([denied({ reason: 'room_full' })])).facts.reason).toBe('room_full');
  });
});

describe('E4.2 probing: a burst of 3 or more denials of one badge within 10 minutes', () => {
  it('3 denials within 10 minutes (the first and last exactly 10 minutes apart) are a burst: an alert naming them', () => {
    const ds = deniedAt([0, 4, 10]);
    const f = only(findProbing(ds, SETTINGS));
    expect(f).toEqual({
      key: `probing:b:badge-sato:${T0.toISOString()}`,
      kind: 'probing',
      severity: 'alert',
      at: '2026-11-23T01:00:00.000Z',
      personIds: ['person-sato'],
      roomIds: ['room-vault'],
      badgeIds: ['badge-sato'],
      mediumIds: [],
      facts: { person: '佐藤', hint: '…4821', count: 3, rooms: '保管室', minutes: 10 },
      evidence: { entries: ids(ds), accessLog: [], journal: [] },
      evidenceCount: 3,
    });
  });

  it('3 denials spread over 11 minutes are not a burst', () => {
    expect(findProbing(deniedAt([0, 5, 11]), SETTINGS)).toEqual([]);
  });

  it('3 denials spread over 10 minutes and 1 second are not a burst', () => {
    const ds = [denied({ at: T0 }), denied({ at: plus(T0, 5 * MIN) }), denied({ at: plus(T0, 10 * MIN + SEC) })];
    expect(findProbing(ds, SETTINGS)).toEqual([]);
  });

  it('2 denials are not a burst, however close', () => {
    expect(findProbing(deniedAt([0, 0.1]), SETTINGS)).toEqual([]);
  });

  it('counts denials for any reason and in any room, and sorts them by time first', () => {
    const ds = [
      denied({ at: plus(T0, 8 * MIN), reason: 'outside_hours', room_id: 'room-lab', room_name: '解析室' }),
      denied({ at: T0, reason: 'not_on_access_list' }),
      denied({ at: plus(T0, 3 * MIN), reason: 'already_inside' }),
    ];
    const f = only(findProbing(ds, SETTINGS));
    expect(f.evidence.entries).toEqual([ds[1]!.id, ds[2]!.id, ds[0]!.id]);
    expect(f.roomIds).toEqual(['room-vault', 'room-lab']);
    expect(f.facts.rooms).toBe('保管室、解析室');
    expect(f.at).toBe(T0.toISOString());
  });

  it('a long burst extends into one finding rather than producing overlapping duplicates', () => {
    const ds = deniedAt([0, 4, 8, 12, 16, 20]);
    const f = only(findProbing(ds, SETTINGS));
    expect(f.facts.count).toBe(6);
    expect(f.evidence.entries).toEqual(ids(ds));
    expect(f.evidenceCount).toBe(6);
  });

  it('an extended burst names every denial, including one that did not complete a window by itself', () => {
    // 0, 1, 2 is a burst; 11.5 is within 10 minutes of 2 only (two denials); 12 completes 2–11.5–12.
    const ds = deniedAt([0, 1, 2, 11.5, 12]);
    const f = only(findProbing(ds, SETTINGS));
    expect(f.evidence.entries).toEqual(ids(ds));
    expect(f.facts.count).toBe(5);
  });

  it('two bursts an hour apart are two findings, each with its own key and denials', () => {
    const first = deniedAt([0, 1, 2]);
    const second = deniedAt([60, 61, 62]);
    const stray = deniedAt([30]);
    const findings = findProbing([...first, ...stray, ...second], SETTINGS);
    expect(findings.map((f) => f.key)).toEqual([`probing:b:badge-sato:${T0.toISOString()}`, `probing:b:badge-sato:${plus(T0, HOUR).toISOString()}`]);
    expect(findings.map((f) => f.evidence.entries)).toEqual([ids(first), ids(second)]);
  });

  it('denials of different badges do not add up', () => {
    const ds = [...deniedAt([0, 1]), ...deniedAt([2], { badge_id: 'badge-ito', person_id: 'person-ito' })];
    expect(findProbing(ds, SETTINGS)).toEqual([]);
  });

  it('unknown values count by their hint; a denial with neither badge nor hint counts for nothing', () => {
    const unknown = deniedAt([0, 1, 2], { reason: 'unknown_badge', person_id: null, person_name: null, badge_id: null, hint: '…9999' });
    const anonymous = deniedAt([0, 1, 2], { reason: 'unknown_badge', person_id: null, person_name: null, badge_id: null, hint: null });
    const f = only(findProbing([...unknown, ...anonymous], SETTINGS));
    expect(f.key).toBe(`probing:h:…9999:${T0.toISOString()}`);
    expect(f.personIds).toEqual([]);
    expect(f.badgeIds).toEqual([]);
    expect(f.facts.hint).toBe('…9999');
    expect(f.evidence.entries).toEqual(ids(unknown));
  });

  it('the count and the window are settings', () => {
    const ds = deniedAt([0, 14]);
    expect(findProbing(ds, settings({ burstCount: 2, burstMinutes: 15 }))).toHaveLength(1);
    expect(findProbing(ds, settings({ burstCount: 2, burstMinutes: 13 }))).toEqual([]);
    expect(findProbing(deniedAt([0, 1, 2]), settings({ burstCount: 4 }))).toEqual([]);
  });
});

describe('E4.2 unknown badge values, grouped by their hint', () => {
  it('groups the values no badge matches by hint: a warning with the rooms and entries', () => {
    const a = denied({ reason: 'unknown_badge', person_id: null, person_name: null, badge_id: null, hint: '…9999' });
    const b = denied({ reason: 'unknown_badge', person_id: null, person_name: null, badge_id: null, hint: '…9999', at: jst('11:00'), room_id: 'room-lab', room_name: '解析室' });
    const c = denied({ reason: 'unknown_badge', person_id: null, person_name: null, badge_id: null, hint: '…1234' });
    const findings = findUnknownBadges([a, b, c]);
    expect(findings).toHaveLength(2);
    expect(findings[0]).toEqual({
      key: 'unknown_badge:…9999',
      kind: 'unknown_badge',
      severity: 'warning',
      at: T0.toISOString(),
      personIds: [],
      roomIds: ['room-vault', 'room-lab'],
      badgeIds: [],
      mediumIds: [],
      facts: { hint: '…9999', count: 2, rooms: '保管室、解析室' },
      evidence: { entries: [a.id, b.id], accessLog: [], journal: [] },
      evidenceCount: 2,
    });
    expect(findings[1]!.key).toBe('unknown_badge:…1234');
  });

  it('a value without a hint is grouped under the empty hint', () => {
    const f = only(findUnknownBadges([denied({ reason: 'unknown_badge', badge_id: null, person_id: null, hint: null })]));
    expect(f.key).toBe('unknown_badge:');
    expect(f.facts.hint).toBe('');
  });

  it('denials of known badges are not unknown badges', () => {
    expect(findUnknownBadges([denied({ reason: 'not_on_access_list' }), denied({ reason: 'badge_revoked' })])).toEqual([]);
  });
});

describe('E4.2 anti-passback denials, by person and room', () => {
  it('in while inside and out while not inside, in one room, are one info finding', () => {
    const ds = [denied({ reason: 'already_inside' }), denied({ reason: 'not_inside', at: jst('12:00') })];
    const f = only(findAntiPassback(ds));
    expect(f).toEqual({
      key: 'anti_passback:person-sato:room-vault',
      kind: 'anti_passback',
      severity: 'info',
      at: T0.toISOString(),
      personIds: ['person-sato'],
      roomIds: ['room-vault'],
      badgeIds: ['badge-sato'],
      mediumIds: [],
      facts: { person: '佐藤', room: '保管室', count: 2 },
      evidence: { entries: ids(ds), accessLog: [], journal: [] },
      evidenceCount: 2,
    });
  });

  it('another room is another finding; other reasons are none', () => {
    const findings = findAntiPassback([denied({ reason: 'already_inside' }), denied({ reason: 'already_inside', room_id: 'room-lab', room_name: '解析室' }), denied({ reason: 'outside_hours' })]);
    expect(findings.map((f) => f.key)).toEqual(['anti_passback:person-sato:room-vault', 'anti_passback:person-sato:room-lab']);
  });
});

// ---- Door: impersonation or cloned badges ----------------------------------------------------------

describe('E4.2 possible impersonation: one person inside two rooms at the same time', () => {
  it('an alert naming both rooms and the entries of both stays', () => {
    const o = overlap();
    const f = only(findTwoRooms([o]));
    expect(f).toEqual({
      key: `two_rooms:person-sato:${o.in_id}`,
      kind: 'two_rooms',
      severity: 'alert',
      at: T0.toISOString(),
      personIds: ['person-sato'],
      roomIds: ['room-vault', 'room-lab'],
      badgeIds: [],
      mediumIds: [],
      facts: { person: '佐藤', room: '解析室', otherRoom: '保管室' },
      evidence: { entries: [o.other_in_id, o.other_out_id!, o.in_id], accessLog: [], journal: [] },
      evidenceCount: 3,
    });
  });

  it('the other stay still open has no exit to name', () => {
    const o = overlap({ other_out_id: null });
    expect(only(findTwoRooms([o])).evidence.entries).toEqual([o.other_in_id, o.in_id]);
  });

  it('no overlaps, no finding', () => {
    expect(findTwoRooms([])).toEqual([]);
  });
});

describe('E4.2 possible cloned badge: one badge let in at two different rooms within 5 minutes', () => {
  it('exactly 5 minutes apart is a hop: an alert naming both entries', () => {
    const h = hop({ after: 5 * MIN });
    const f = only(findBadgeTwoRooms([h], SETTINGS));
    expect(f).toEqual({
      key: `badge_two_rooms:badge-sato:${h.id}`,
      kind: 'badge_two_rooms',
      severity: 'alert',
      at: T0.toISOString(),
      personIds: ['person-sato'],
      roomIds: ['room-vault', 'room-lab'],
      badgeIds: ['badge-sato'],
      mediumIds: [],
      facts: { person: '佐藤', room: '保管室', otherRoom: '解析室', seconds: 300 },
      evidence: { entries: [h.prev_id, h.id], accessLog: [], journal: [] },
      evidenceCount: 2,
    });
  });

  it('5 minutes and 1 second apart is not', () => {
    expect(findBadgeTwoRooms([hop({ after: 5 * MIN + SEC })], SETTINGS)).toEqual([]);
  });

  it('the same room twice is not a hop', () => {
    expect(findBadgeTwoRooms([hop({ room_id: 'room-vault', room_name: '保管室', after: 30 * SEC })], SETTINGS)).toEqual([]);
  });

  it('a badge of nobody known still names the badge', () => {
    const f = only(findBadgeTwoRooms([hop({ person_id: null, person_name: null })], SETTINGS));
    expect(f.personIds).toEqual([]);
    expect(f.badgeIds).toEqual(['badge-sato']);
  });

  it('the minutes are a setting', () => {
    const h = hop({ after: 8 * MIN });
    expect(findBadgeTwoRooms([h], SETTINGS)).toEqual([]);
    expect(findBadgeTwoRooms([h], settings({ badgeHopMinutes: 10 }))).toHaveLength(1);
  });
});

// ---- Door: presence outside opening hours, long stays ------------------------------------------------

describe('E4.2 presence outside a room’s opening hours (Asia/Tokyo wall clock)', () => {
  const END = jst('00:00', '2026-11-30'); // the end of week 2026-W48

  it('a stay within the hours of one day is nothing', () => {
    expect(findOutsideHours([stay({ in_at: jst('09:00'), out_at: jst('17:00') })], END, TZ)).toEqual([]);
  });

  it('still inside after closing: a warning naming the entry and the exit', () => {
    const s = stay({ in_at: jst('18:00'), out_at: jst('21:15') });
    const f = only(findOutsideHours([s], END, TZ));
    expect(f).toEqual({
      key: `outside_hours_presence:${s.in_id}`,
      kind: 'outside_hours_presence',
      severity: 'warning',
      at: '2026-11-23T09:00:00.000Z',
      personIds: ['person-sato'],
      roomIds: ['room-vault'],
      badgeIds: [],
      mediumIds: [],
      facts: { person: '佐藤', room: '保管室', in: '2026-11-23T09:00:00.000Z', out: '2026-11-23T12:15:00.000Z', hours: '08:00–20:00' },
      evidence: { entries: [s.in_id, s.out_id!], accessLog: [], journal: [] },
      evidenceCount: 2,
    });
  });

  it('leaving exactly at closing (20:00:00 JST = 11:00:00Z) is within the hours; one second later is not', () => {
    expect(new Date('2026-11-23T11:00:00Z').getTime()).toBe(jst('20:00').getTime());
    expect(findOutsideHours([stay({ out_at: new Date('2026-11-23T11:00:00Z') })], END, TZ)).toEqual([]);
    expect(findOutsideHours([stay({ out_at: new Date('2026-11-23T11:00:01Z') })], END, TZ)).toHaveLength(1);
  });

  it('entering at 07:59 JST (22:59Z on Sunday) is before opening; at 08:00 JST (23:00Z on Sunday) it is not', () => {
    // In UTC these entries fall on a Sunday and across a day from their exit: a rule reading UTC would flag both.
    const early = stay({ in_at: new Date('2026-11-22T22:59:00Z'), out_at: new Date('2026-11-23T01:00:00Z') });
    const onTime = stay({ in_at: new Date('2026-11-22T23:00:00Z'), out_at: new Date('2026-11-23T01:00:00Z') });
    expect(early.in_at.getTime()).toBe(jst('07:59').getTime());
    expect(onTime.in_at.getTime()).toBe(jst('08:00').getTime());
    const findings = findOutsideHours([early, onTime], END, TZ);
    expect(findings.map((f) => f.key)).toEqual([`outside_hours_presence:${early.in_id}`]);
  });

  it('inside at 21:00 JST, though 12:00 in UTC is within 08:00–20:00', () => {
    const s = stay({ in_at: new Date('2026-11-23T12:00:00Z'), out_at: new Date('2026-11-23T12:30:00Z') });
    expect(findOutsideHours([s], END, TZ)).toHaveLength(1);
  });

  it('overnight: entering and leaving within the hours but on different days (across midnight) is a finding', () => {
    const s = stay({ in_at: jst('19:00'), out_at: jst('09:00', '2026-11-24') });
    const f = only(findOutsideHours([s], END, TZ));
    expect(f.facts.out).toBe('2026-11-24T00:00:00.000Z');
  });

  it('a day the room is closed (Saturday) is outside the hours', () => {
    expect(findOutsideHours([stay({ in_at: jst('10:00', '2026-11-28'), out_at: jst('11:00', '2026-11-28') })], END, TZ)).toHaveLength(1);
  });

  it('a room without opening hours is never outside them', () => {
    expect(findOutsideHours([stay({ hours: null, in_at: jst('02:00'), out_at: jst('23:00', '2026-11-25') })], END, TZ)).toEqual([]);
  });

  it('an open stay is measured to `end`: nothing while `end` is within the hours, a finding with no exit once it is not', () => {
    const s = openStay({ in_at: jst('10:00') });
    expect(findOutsideHours([s], jst('15:00'), TZ)).toEqual([]);
    expect(findOutsideHours([s], jst('20:00'), TZ)).toEqual([]);
    const f = only(findOutsideHours([s], jst('20:00:01'), TZ));
    expect(f.facts.out).toBeNull();
    expect(f.evidence.entries).toEqual([s.in_id]);
    expect(f.evidenceCount).toBe(1);
    // Still inside when the week ends (Monday 00:00 JST): overnight.
    expect(findOutsideHours([s], END, TZ)).toHaveLength(1);
  });
});

describe('E4.2 stays longer than 12 hours (a forgotten exit, tailgating out)', () => {
  const END = jst('00:00', '2026-11-30');

  it('exactly 12 hours is not too long; 12 hours and 1 second is: a warning naming the entry and exit', () => {
    const exact = stay({ in_at: jst('08:00'), out_at: jst('20:00') });
    const over = stay({ in_at: jst('08:00'), out_at: jst('20:00:01') });
    expect(findLongStays([exact], END, SETTINGS)).toEqual([]);
    expect(only(findLongStays([over], END, SETTINGS))).toEqual({
      key: `long_stay:${over.in_id}`,
      kind: 'long_stay',
      severity: 'warning',
      at: '2026-11-22T23:00:00.000Z',
      personIds: ['person-sato'],
      roomIds: ['room-vault'],
      badgeIds: [],
      mediumIds: [],
      facts: { person: '佐藤', room: '保管室', hours: 12, stillInside: 0 },
      evidence: { entries: [over.in_id, over.out_id!], accessLog: [], journal: [] },
      evidenceCount: 2,
    });
  });

  it('an open stay is measured to `end` and says it is still inside', () => {
    const s = openStay({ in_at: jst('08:00') });
    expect(findLongStays([s], jst('20:00'), SETTINGS)).toEqual([]);
    const f = only(findLongStays([s], jst('09:30', '2026-11-24'), SETTINGS));
    expect(f.facts).toEqual({ person: '佐藤', room: '保管室', hours: 25, stillInside: 1 });
    expect(f.evidence.entries).toEqual([s.in_id]);
  });

  it('applies to rooms without opening hours too', () => {
    expect(findLongStays([stay({ hours: null, in_at: jst('00:00'), out_at: jst('13:00') })], END, SETTINGS)).toHaveLength(1);
  });

  it('the limit is a setting', () => {
    const s = stay({ in_at: jst('09:00'), out_at: jst('17:30') });
    expect(findLongStays([s], END, SETTINGS)).toEqual([]);
    expect(findLongStays([s], END, settings({ longStayHours: 8 }))).toHaveLength(1);
  });
});

describe('E4.2 manual exits by a guard, and exits while holding media (E6.5)', () => {
  it('a manual exit is an info finding naming its entry', () => {
    const e = flagged(['manual_exit']);
    expect(only(findDoorFlags([e]))).toEqual({
      key: `manual_exit:${e.id}`,
      kind: 'manual_exit',
      severity: 'info',
      at: T0.toISOString(),
      personIds: ['person-sato'],
      roomIds: ['room-vault'],
      badgeIds: [],
      mediumIds: [],
      facts: { person: '佐藤', room: '保管室' },
      evidence: { entries: [e.id], accessLog: [], journal: [] },
      evidenceCount: 1,
    });
  });

  it('an exit holding media (E6.5) is a warning', () => {
    const e = flagged(['holding_media']);
    const f = only(findDoorFlags([e]));
    expect(f.key).toBe(`exit_holding_media:${e.id}`);
    expect(f.kind).toBe('exit_holding_media');
    expect(f.severity).toBe('warning');
    expect(f.evidence.entries).toEqual([e.id]);
  });

  it('issue 20: a re-entry over a presence older than the room\'s timed anti-passback is a warning naming its entry', () => {
    const e = flagged(['stale_presence_replaced']);
    const f = only(findDoorFlags([e]));
    expect(f.key).toBe(`stale_presence_replaced:${e.id}`);
    expect(f.kind).toBe('stale_presence_replaced');
    expect(f.severity).toBe('warning');
    expect(f.evidence.entries).toEqual([e.id]);
    // The two-person rule's flag is no finding.
    expect(findDoorFlags([flagged(['two_person'])])).toEqual([]);
  });

  it('both flags on one exit are two findings; other flags none', () => {
    const e = flagged(['holding_media', 'manual_exit']);
    expect(findDoorFlags([e]).map((f) => f.kind)).toEqual(['manual_exit', 'exit_holding_media']);
    expect(findDoorFlags([flagged([]), flagged(['offline_queued'])])).toEqual([]);
  });

  it('a manual exit of nobody known names no person', () => {
    expect(only(findDoorFlags([flagged(['manual_exit'], { person_id: null, person_name: null })])).personIds).toEqual([]);
  });
});

// ---- Sign-ins (the access log) ----------------------------------------------------------------------

describe('E4.2 bursts of failed sign-ins: 5 or more of one user name within 10 minutes', () => {
  it('5 failures within 10 minutes: an alert naming the access-log rows and the addresses', () => {
    const fails = [...failsAt([0, 2.5, 5]), ...failsAt([7.5, 10], { source_ip: '203.0.113.7' })];
    const f = only(findFailedSignins(fails, SETTINGS));
    expect(f).toEqual({
      key: `failed_signins:sato:${T0.toISOString()}`,
      kind: 'failed_signins',
      severity: 'alert',
      at: T0.toISOString(),
      personIds: ['person-sato'],
      roomIds: [],
      badgeIds: [],
      mediumIds: [],
      facts: { username: 'sato', count: 5, addresses: '10.0.0.5, 203.0.113.7', minutes: 10 },
      evidence: { entries: [], accessLog: ids(fails), journal: [] },
      evidenceCount: 5,
    });
  });

  it('4 failures are not a burst', () => {
    expect(findFailedSignins(failsAt([0, 1, 2, 3]), SETTINGS)).toEqual([]);
  });

  it('5 failures over 10 minutes and 1 second are not a burst', () => {
    const fails = [...failsAt([0, 2, 4, 6]), signin({ status: 401, at: plus(T0, 10 * MIN + SEC) })];
    expect(findFailedSignins(fails, SETTINGS)).toEqual([]);
  });

  it('user names are compared without case: Sato, SATO and sato are one name', () => {
    const fails = [
      ...failsAt([0], { username: 'Sato' }),
      ...failsAt([1], { username: 'SATO' }),
      ...failsAt([2, 3], { username: 'sato' }),
      ...failsAt([4], { username: 'sAtO', account_id: null, person_id: null }),
    ];
    const f = only(findFailedSignins(fails, SETTINGS));
    expect(f.key).toBe(`failed_signins:sato:${T0.toISOString()}`);
    expect(f.facts.username).toBe('sato');
    expect(f.personIds).toEqual(['person-sato']);
  });

  it('only 401s count: successes and lockouts in between do not make or break a burst', () => {
    const fails = failsAt([0, 1, 2, 3]);
    const others = [signin({ at: plus(T0, 4 * MIN), status: 200 }), signin({ at: plus(T0, 5 * MIN), status: 423 })];
    expect(findFailedSignins([...fails, ...others], SETTINGS)).toEqual([]);
    const f = only(findFailedSignins([...fails, ...others, ...failsAt([6])], SETTINGS));
    expect(f.evidenceCount).toBe(5);
  });

  it('a long run of failures extends one burst, naming every failure', () => {
    const fails = failsAt([0, 2, 4, 6, 8, 10, 12, 14, 16, 18.5]);
    const f = only(findFailedSignins(fails, SETTINGS));
    expect(f.evidence.accessLog).toEqual(ids(fails));
    expect(f.facts.count).toBe(10);
  });

  it('an extended burst names every failure, including one that did not complete a window by itself', () => {
    // 0–4 is a burst; 11.5 has only four within 10 minutes (2, 3, 4, 11.5); 12 completes 2–12.
    const fails = failsAt([0, 1, 2, 3, 4, 11.5, 12]);
    const f = only(findFailedSignins(fails, SETTINGS));
    expect(f.evidence.accessLog).toEqual(ids(fails));
    expect(f.facts.count).toBe(7);
  });

  it('two bursts far apart are two findings; two user names never add up', () => {
    const findings = findFailedSignins([...failsAt([0, 1, 2, 3, 4]), ...failsAt([120, 121, 122, 123, 124]), ...failsAt([0, 1], { username: 'ito' })], SETTINGS);
    expect(findings.map((f) => f.key)).toEqual([`failed_signins:sato:${T0.toISOString()}`, `failed_signins:sato:${plus(T0, 2 * HOUR).toISOString()}`]);
    expect(findFailedSignins([...failsAt([0, 1, 2]), ...failsAt([3, 4], { username: 'ito' })], SETTINGS)).toEqual([]);
  });

  it('the count and the window are settings', () => {
    expect(findFailedSignins(failsAt([0, 1, 2]), settings({ failedSigninCount: 3 }))).toHaveLength(1);
    expect(findFailedSignins(failsAt([0, 5, 10, 15, 20]), settings({ failedSigninMinutes: 20 }))).toHaveLength(1);
  });
});

describe('E4.2 lockouts (423), by user name', () => {
  it('the refusals of a locked account, names compared without case: one warning', () => {
    const xs = [signin({ status: 423, username: 'Sato' }), signin({ status: 423, username: 'sato', at: jst('15:00') })];
    expect(only(findLockouts(xs))).toEqual({
      key: 'lockout:sato',
      kind: 'lockout',
      severity: 'warning',
      at: T0.toISOString(),
      personIds: ['person-sato'],
      roomIds: [],
      badgeIds: [],
      mediumIds: [],
      facts: { username: 'sato', count: 2 },
      evidence: { entries: [], accessLog: ids(xs), journal: [] },
      evidenceCount: 2,
    });
  });

  it('failed and successful sign-ins are not lockouts', () => {
    expect(findLockouts([signin({ status: 401 }), signin({ status: 200 }), signin({ status: 429 })])).toEqual([]);
  });
});

describe('E4.2 sign-ins outside the site’s working hours (default Monday–Friday 08:00–20:00 JST)', () => {
  it('a sign-in at 07:59 JST (22:59Z on Sunday): an info finding naming it', () => {
    const a = signin({ at: new Date('2026-11-22T22:59:00Z') });
    expect(a.at.getTime()).toBe(jst('07:59').getTime());
    expect(only(findSigninsOutsideHours([a], SETTINGS, TZ))).toEqual({
      key: `signin_outside_hours:${a.id}`,
      kind: 'signin_outside_hours',
      severity: 'info',
      at: '2026-11-22T22:59:00.000Z',
      personIds: ['person-sato'],
      roomIds: [],
      badgeIds: [],
      mediumIds: [],
      facts: { username: 'sato', address: '10.0.0.5', hours: '08:00–20:00' },
      evidence: { entries: [], accessLog: [a.id], journal: [] },
      evidenceCount: 1,
    });
  });

  it('08:00 JST (23:00Z on Sunday) and 19:59 JST are within the hours; 20:00 JST is not', () => {
    const at0800 = signin({ at: new Date('2026-11-22T23:00:00Z') });
    const at1959 = signin({ at: jst('19:59:59') });
    const at2000 = signin({ at: jst('20:00') });
    expect(findSigninsOutsideHours([at0800, at1959, at2000], SETTINGS, TZ).map((f) => f.evidence.accessLog)).toEqual([[at2000.id]]);
  });

  it('Saturday and Sunday are outside the hours, even at noon', () => {
    const sat = signin({ at: jst('12:00', '2026-11-28') });
    const sun = signin({ at: jst('12:00', '2026-11-29') });
    expect(findSigninsOutsideHours([sat, sun], SETTINGS, TZ)).toHaveLength(2);
  });

  it('only successful sign-ins of an account count', () => {
    const night = jst('23:00');
    expect(findSigninsOutsideHours([signin({ at: night, status: 401 }), signin({ at: night, status: 423 }), signin({ at: night, account_id: null, person_id: null })], SETTINGS, TZ)).toEqual([]);
  });

  it('the working hours are a setting', () => {
    const sat = signin({ at: jst('12:00', '2026-11-28') });
    const everyDay = settings({ workingHours: { days: [1, 2, 3, 4, 5, 6, 7], from: '06:00', to: '22:00' } });
    expect(findSigninsOutsideHours([sat], everyDay, TZ)).toEqual([]);
    expect(only(findSigninsOutsideHours([signin({ at: jst('22:00') })], everyDay, TZ)).facts.hours).toBe('06:00–22:00');
  });
});

describe('E4.2 a sign-in from an address not seen for the account in the previous 90 days', () => {
  it('each such sign-in (already chosen by the read model) is a warning naming it', () => {
    const a = signin({ source_ip: '198.51.100.4' });
    expect(findNewAddresses([a])).toEqual([
      {
        key: `new_address:${a.id}`,
        kind: 'new_address',
        severity: 'warning',
        at: T0.toISOString(),
        personIds: ['person-sato'],
        roomIds: [],
        badgeIds: [],
        mediumIds: [],
        facts: { username: 'sato', address: '198.51.100.4' },
        evidence: { entries: [], accessLog: [a.id], journal: [] },
        evidenceCount: 1,
      },
    ]);
    expect(findNewAddresses([])).toEqual([]);
  });
});

describe('E4.2 one account used from two source addresses within 10 minutes', () => {
  it('exactly 10 minutes apart: an alert naming both requests and both addresses', () => {
    const h = addressHop({ after: 10 * MIN });
    expect(only(findTwoAddresses([h], SETTINGS))).toEqual({
      key: `two_addresses:account-sato:${T0.toISOString()}`,
      kind: 'two_addresses',
      severity: 'alert',
      at: T0.toISOString(),
      personIds: ['person-sato'],
      roomIds: [],
      badgeIds: [],
      mediumIds: [],
      facts: { username: 'sato', addresses: '10.0.0.5, 10.0.0.9', count: 1, minutes: 10 },
      evidence: { entries: [], accessLog: [h.prev_id, h.id], journal: [] },
      evidenceCount: 2,
    });
  });

  it('the same address is nothing; 10 minutes and 1 second, or 11 minutes, apart is nothing', () => {
    expect(findTwoAddresses([addressHop({ source_ip: '10.0.0.5' })], SETTINGS)).toEqual([]);
    expect(findTwoAddresses([addressHop({ after: 10 * MIN + SEC }), addressHop({ after: 11 * MIN })], SETTINGS)).toEqual([]);
  });

  it('the hops of one account are one finding (shared rows named once); another account is another', () => {
    const first = addressHop({ id: '501', prev_id: '500', prev_at: T0 });
    const back = addressHop({ id: '502', prev_id: '501', prev_at: first.at, prev_ip: '10.0.0.9', source_ip: '10.0.0.5' });
    const other = addressHop({ account_id: 'account-ito', person_id: 'person-ito', username: 'ito', prev_at: jst('15:00') });
    const findings = findTwoAddresses([first, back, other], SETTINGS);
    expect(findings.map((f) => f.key)).toEqual([`two_addresses:account-sato:${T0.toISOString()}`, `two_addresses:account-ito:${jst('15:00').toISOString()}`]);
    expect(findings[0]!.evidence.accessLog).toEqual(['500', '501', '502']);
    expect(findings[0]!.evidenceCount).toBe(3);
    expect(findings[0]!.facts.count).toBe(2);
    expect(findings[0]!.facts.addresses).toBe('10.0.0.5, 10.0.0.9');
  });

  it('the minutes are a setting', () => {
    const h = addressHop({ after: 20 * MIN });
    expect(findTwoAddresses([h], SETTINGS)).toEqual([]);
    expect(findTwoAddresses([h], settings({ twoAddressesMinutes: 30 }))).toHaveLength(1);
  });
});

// ---- Requests: 403s, media reads (E2.10), use after leaving ----------------------------------------

describe('E4.2 requests refused with 403, grouped by account', () => {
  it('the 403s of one account are one warning with the distinct paths tried', () => {
    const rs = [request({ path: '/api/people' }), request({ method: 'POST', path: '/api/rooms', at: jst('11:00') }), request({ path: '/api/people', at: jst('12:00') })];
    expect(only(findForbidden(rs))).toEqual({
      key: 'forbidden:account-sato',
      kind: 'forbidden',
      severity: 'warning',
      at: T0.toISOString(),
      personIds: ['person-sato'],
      roomIds: [],
      badgeIds: [],
      mediumIds: [],
      facts: { username: 'sato', count: 3, paths: 'GET /api/people, POST /api/rooms' },
      evidence: { entries: [], accessLog: ids(rs), journal: [] },
      evidenceCount: 3,
    });
  });

  it('two accounts are two findings; without an account, the user name groups them', () => {
    const findings = findForbidden([request(), request({ account_id: 'account-ito', person_id: 'person-ito', username: 'ito' }), request({ account_id: null, person_id: null, username: 'ghost' })]);
    expect(findings.map((f) => f.key)).toEqual(['forbidden:account-sato', 'forbidden:account-ito', 'forbidden:name:ghost']);
  });

  it('lists at most 5 paths, and keeps the first 50 rows as evidence while counting all of them', () => {
    const rs = Array.from({ length: EVIDENCE_CAP + 10 }, (_, i) => request({ path: `/api/media/${i}`, at: plus(T0, i * SEC) }));
    const f = only(findForbidden(rs));
    expect(EVIDENCE_CAP).toBe(50);
    expect(f.evidence.accessLog).toEqual(ids(rs).slice(0, 50));
    expect(f.evidenceCount).toBe(60);
    expect(f.facts.count).toBe(60);
    expect(String(f.facts.paths).split(', ')).toHaveLength(5);
  });
});

describe('E4.2 reads of media records (E2.10) by anyone not responsible or authorised', () => {
  it('one info finding per account, naming the reads', () => {
    const r = mediaReads();
    expect(only(findMediaReads([r]))).toEqual({
      key: 'media_read:account-suzuki',
      kind: 'media_read',
      severity: 'info',
      at: T0.toISOString(),
      personIds: ['person-suzuki'],
      roomIds: [],
      badgeIds: [],
      mediumIds: [],
      facts: { username: 'suzuki', roles: 'guard', count: 2 },
      evidence: { entries: [], accessLog: ['701', '702'], journal: [] },
      evidenceCount: 2,
    });
  });

  it('the count carries beyond the evidence cap: 50 rows named, 120 counted', () => {
    const all = Array.from({ length: 120 }, (_, i) => String(1000 + i));
    const f = only(findMediaReads([mediaReads({ roles: ['guard', 'auditor'], count: 120, ids: all })]));
    expect(f.evidence.accessLog).toEqual(all.slice(0, EVIDENCE_CAP));
    expect(f.evidenceCount).toBe(120);
    expect(f.facts).toEqual({ username: 'suzuki', roles: 'guard, auditor', count: 120 });
  });

  it('no reads, no finding', () => {
    expect(findMediaReads([])).toEqual([]);
  });
});

describe('E4.2 any use of an account whose person has left', () => {
  it('the requests of one account are one alert naming them', () => {
    const rs = [request({ status: 200 }), request({ status: 401, method: 'POST', path: '/api/auth/login', at: jst('11:00') })];
    expect(only(findLeftAccountUse(rs))).toEqual({
      key: 'left_account_use:account-sato',
      kind: 'left_account_use',
      severity: 'alert',
      at: T0.toISOString(),
      personIds: ['person-sato'],
      roomIds: [],
      badgeIds: [],
      mediumIds: [],
      facts: { username: 'sato', count: 2 },
      evidence: { entries: [], accessLog: ids(rs), journal: [] },
      evidenceCount: 2,
    });
  });

  it('two accounts are two findings; a row without an account is none', () => {
    const findings = findLeftAccountUse([request(), request({ account_id: 'account-ito', person_id: 'person-ito' }), request({ account_id: null })]);
    expect(findings.map((f) => f.key)).toEqual(['left_account_use:account-sato', 'left_account_use:account-ito']);
  });
});

// ---- The journal and media ----------------------------------------------------------------------------

describe('E4.2 administrative changes from the journal, listed for confirmation', () => {
  it('each change is an info finding naming its journal entry; a person subject names the person', () => {
    const c = change({ seq: 42 });
    expect(only(findAdminChanges([c]))).toEqual({
      key: 'admin_change:42',
      kind: 'admin_change',
      severity: 'info',
      at: T0.toISOString(),
      personIds: ['person-sato'],
      roomIds: [],
      badgeIds: [],
      mediumIds: [],
      facts: { action: 'people.roles_changed', subject: 'person:person-sato', actor: 'person:person-admin' },
      evidence: { entries: [], accessLog: [], journal: [42] },
      evidenceCount: 1,
    });
  });

  it('maps room: and badge: subjects; any other subject names none of them', () => {
    const [room, badge, org, site] = findAdminChanges([
      change({ action: 'rooms.access_granted', subject: 'room:room-vault' }),
      change({ action: 'badges.revoked', subject: 'badge:badge-sato' }),
      change({ action: 'orgs.consent_recorded', subject: 'org:org-1' }),
      change({ action: 'site.renamed', subject: 'site' }),
    ]);
    expect([room!.personIds, room!.roomIds, room!.badgeIds]).toEqual([[], ['room-vault'], []]);
    expect([badge!.personIds, badge!.roomIds, badge!.badgeIds]).toEqual([[], [], ['badge-sato']]);
    for (const f of [org!, site!]) expect([f.personIds, f.roomIds, f.badgeIds, f.mediumIds]).toEqual([[], [], [], []]);
  });
});

describe('E4.2 media: after-hours alerts (E1.2), inspection discrepancies (E4.1), open transfers', () => {
  it('an after-hours alert (E1.2) is a warning naming the media, the room, the holder and its journal entry', () => {
    const m = mediaIssue({ medium_ids: ['medium-1', 'medium-2'], labels: ['HDD-001', 'HDD-002'] });
    expect(only(findMediaIssues([m]))).toEqual({
      key: `after_hours_media:${m.id}`,
      kind: 'after_hours_media',
      severity: 'warning',
      at: '2026-11-23T12:30:00.000Z',
      personIds: ['person-sato'],
      roomIds: ['room-vault'],
      badgeIds: [],
      mediumIds: ['medium-1', 'medium-2'],
      facts: { labels: 'HDD-001、HDD-002', room: '保管室', person: '佐藤', detail: null },
      evidence: { entries: [], accessLog: [], journal: [9001] },
      evidenceCount: 1,
    });
  });

  it('an inspection discrepancy (E4.1) is a warning; an open transfer is info, without room or journal entry', () => {
    const inspection = mediaIssue({ kind: 'inspection_discrepancy', journal_seq: null, detail: '1 missing, 0 unexpected' });
    const transfer = mediaIssue({ kind: 'open_transfer', room_id: null, room_name: null, journal_seq: null, detail: '大阪データセンター' });
    const [i, t] = findMediaIssues([inspection, transfer]);
    expect([i!.key, i!.kind, i!.severity, i!.facts.detail]).toEqual([`inspection_discrepancy:${inspection.id}`, 'inspection_discrepancy', 'warning', '1 missing, 0 unexpected']);
    expect(i!.evidence).toEqual({ entries: [], accessLog: [], journal: [] });
    expect(i!.evidenceCount).toBe(0);
    expect([t!.key, t!.kind, t!.severity, t!.roomIds, t!.mediumIds]).toEqual([`open_transfer:${transfer.id}`, 'open_transfer', 'info', [], ['medium-1']]);
  });
});

// ---- All findings of a period ----------------------------------------------------------------------

describe('E4.2 allFindings: every kind, the most serious first, then by kind and time', () => {
  it('a period in which nothing happened has no findings', () => {
    expect(allFindings(noFacts())).toEqual([]);
  });

  it('ordinary traffic gives no findings', () => {
    const findings = allFindings(
      noFacts({
        stays: [stay(), stay({ person_id: 'person-ito', in_at: jst('08:30', '2026-11-24'), out_at: jst('19:30', '2026-11-24') })],
        signins: [signin({ at: jst('08:45') }), signin({ at: jst('13:00', '2026-11-27') }), signin({ status: 401, at: jst('09:00') })],
        hops: [hop({ after: 20 * MIN })],
        addressHops: [addressHop({ source_ip: '10.0.0.5' })],
        flagged: [flagged([])],
      }),
    );
    expect(findings).toEqual([]);
  });

  it('every rule is wired in: one planted fact of each kind gives each kind of finding', () => {
    const facts = noFacts({
      denied: [...deniedAt([0, 1, 2]), denied({ reason: 'unknown_badge', badge_id: null, person_id: null }), denied({ reason: 'already_inside' })],
      overlaps: [overlap()],
      hops: [hop()],
      stays: [stay({ in_at: jst('19:00'), out_at: jst('09:00', '2026-11-24') }), stay({ hours: null, in_at: jst('08:00'), out_at: jst('21:00') })],
      flagged: [flagged(['manual_exit', 'holding_media']), flagged(['stale_presence_replaced'])],
      signins: [...failsAt([0, 1, 2, 3, 4]), signin({ status: 423 }), signin({ at: jst('22:00') })],
      newAddresses: [signin({ source_ip: '198.51.100.4' })],
      addressHops: [addressHop()],
      forbidden: [request()],
      mediaReads: [mediaReads()],
      leftUse: [request({ status: 200 })],
      adminChanges: [change()],
      mediaIssues: [mediaIssue(), mediaIssue({ kind: 'inspection_discrepancy' }), mediaIssue({ kind: 'open_transfer' })],
      doorAlarms: [doorAlarm()],
    });
    const kinds = new Set(allFindings(facts).map((f) => f.kind));
    expect([...kinds].sort()).toEqual([...FINDING_KINDS].sort());
  });

  it('orders alert before warning before info, then by kind, then by time', () => {
    const findings = allFindings(
      noFacts({
        adminChanges: [change({ at: jst('09:00') })], // info, admin_change
        signins: [signin({ at: jst('22:00') }), signin({ at: jst('21:00') })], // info, signin_outside_hours (given late first)
        forbidden: [request({ at: jst('08:00') })], // warning, forbidden
        denied: [denied({ at: jst('12:00') })], // warning, denied_scans
        leftUse: [request({ at: jst('23:00') })], // alert, left_account_use
        overlaps: [overlap({ in_at: jst('23:30') }), overlap({ in_at: jst('06:00'), person_id: 'person-ito' })], // alert, two_rooms
      }),
    );
    expect(findings.map((f) => [f.severity, f.kind, f.at])).toEqual([
      ['alert', 'two_rooms', jst('06:00').toISOString()],
      ['alert', 'two_rooms', jst('23:30').toISOString()],
      ['alert', 'left_account_use', jst('23:00').toISOString()],
      ['warning', 'denied_scans', jst('12:00').toISOString()],
      ['warning', 'forbidden', jst('08:00').toISOString()],
      ['info', 'signin_outside_hours', jst('21:00').toISOString()],
      ['info', 'signin_outside_hours', jst('22:00').toISOString()],
      ['info', 'admin_change', jst('09:00').toISOString()],
    ]);
  });

  it('the same time orders by key, so the order is stable', () => {
    const a = flagged(['manual_exit'], { id: '900' });
    const b = flagged(['manual_exit'], { id: '800' });
    expect(allFindings(noFacts({ flagged: [a, b] })).map((f) => f.key)).toEqual(['manual_exit:800', 'manual_exit:900']);
  });

  it('passes end, time zone and settings to the rules that need them', () => {
    const open = openStay({ hours: null, in_at: jst('08:00') });
    expect(allFindings(noFacts({ stays: [open], end: jst('20:00') }))).toEqual([]);
    expect(allFindings(noFacts({ stays: [open], end: jst('20:00:01') })).map((f) => f.kind)).toEqual(['long_stay']);
    expect(allFindings(noFacts({ stays: [open], end: jst('17:00'), settings: settings({ longStayHours: 8 }) })).map((f) => f.kind)).toEqual(['long_stay']);
    // 10:00 JST on Monday is 01:00 UTC: within the hours in Tokyo, not in UTC.
    const s = signin({ at: jst('10:00') });
    expect(allFindings(noFacts({ signins: [s] }))).toEqual([]);
    expect(allFindings(noFacts({ signins: [s], timeZone: 'UTC' })).map((f) => f.kind)).toEqual(['signin_outside_hours']);
  });
});

// ---- Door alarms (issue 20, E6.4) ------------------------------------------------------------

function doorAlarm(over: Partial<DoorAlarmFact> = {}): DoorAlarmFact {
  return { id: 'alarm-1', kind: 'forced', at: new Date('2026-11-24T01:00:00Z'), door_id: 'door-1', door_name: '正面扉', room_id: 'room-1', room_name: '第1処理室', acknowledged_by: '受付 花子', note: '巡回で確認', journal_seq: 42, ...over };
}

describe('door alarms (issue 20, E6.4)', () => {
  it('every door alarm of the period is a finding: a forced door an alert, the others warnings, with the journal entry as evidence', () => {
    const f = findDoorAlarms([doorAlarm(), doorAlarm({ id: 'alarm-2', kind: 'held_open', journal_seq: null, acknowledged_by: null, note: null }), doorAlarm({ id: 'alarm-3', kind: 'lone_person', door_id: null, door_name: null })]);
    expect(f.map((x) => [x.key, x.severity])).toEqual([['door_alarm:alarm-1', 'alert'], ['door_alarm:alarm-2', 'warning'], ['door_alarm:alarm-3', 'warning']]);
    expect(f[0]!.facts).toEqual({ alarm: 'forced', door: '正面扉', room: '第1処理室', actor: '受付 花子', detail: '巡回で確認' });
    expect(f[0]!.evidence.journal).toEqual([42]);
    expect(f[1]!.evidence.journal).toEqual([]);
    expect(f[2]!.roomIds).toEqual(['room-1']);
  });
  it('no door alarm, no finding', () => expect(findDoorAlarms([])).toEqual([]));
});

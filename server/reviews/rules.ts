// The weekly access review's rules (E4.2): each kind of finding is a plain function over facts
// read from the database (./facts.read-model.ts), unit-tested on its own
// (test/unit/review-rules.test.ts). Every finding names its evidence — entry ids, access-log ids,
// journal sequence numbers — and the people, rooms, badges and media it is about. RULES_VERSION
// is stored with a signed review, so that a later re-check computes it with the same rules.
import { withinHours } from '../door/rules.js';
import type { OpeningHours } from '../rooms/rules.js';

export const RULES_VERSION = 1;

export interface ReviewSettings {
  /** Denials of one badge that make a burst (probing), and the window. */
  burstCount: number;
  burstMinutes: number;
  /** One badge let in at two different rooms within this many minutes (a clone?). */
  badgeHopMinutes: number;
  /** A stay longer than this (a forgotten exit, tailgating out). */
  longStayHours: number;
  /** Failed sign-ins of one user name that make a burst, and the window. */
  failedSigninCount: number;
  failedSigninMinutes: number;
  /** How far back a sign-in's source address is looked for. */
  newAddressLookbackDays: number;
  /** One account from two addresses within this many minutes. */
  twoAddressesMinutes: number;
  /** The site's working hours (sign-ins outside them are listed). */
  workingHours: OpeningHours;
}

export const DEFAULT_REVIEW_SETTINGS: ReviewSettings = {
  burstCount: 3,
  burstMinutes: 10,
  badgeHopMinutes: 5,
  longStayHours: 12,
  failedSigninCount: 5,
  failedSigninMinutes: 10,
  newAddressLookbackDays: 90,
  twoAddressesMinutes: 10,
  workingHours: { days: [1, 2, 3, 4, 5], from: '08:00', to: '20:00' },
};

export const FINDING_KINDS = [
  'denied_scans',
  'probing',
  'unknown_badge',
  'anti_passback',
  'two_rooms',
  'badge_two_rooms',
  'outside_hours_presence',
  'long_stay',
  'manual_exit',
  'exit_holding_media',
  // Issue 20: a re-entry over a presence older than the room's timed anti-passback (no exit recorded).
  'stale_presence_replaced',
  'failed_signins',
  'lockout',
  'new_address',
  'two_addresses',
  'signin_outside_hours',
  'forbidden',
  'media_read',
  'left_account_use',
  'admin_change',
  'after_hours_media',
  'inspection_discrepancy',
  'open_transfer',
  'door_alarm',
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

/** Alerts need the depositor's attention; warnings an explanation; info is listed for confirmation. */
export type Severity = 'alert' | 'warning' | 'info';

export interface Evidence {
  entries: string[];
  accessLog: string[];
  journal: number[];
}

export interface Finding {
  /** Stable within a review: the kind and what it is about. */
  key: string;
  kind: FindingKind;
  severity: Severity;
  /** When it (first) happened, ISO 8601 UTC. */
  at: string;
  personIds: string[];
  roomIds: string[];
  badgeIds: string[];
  mediumIds: string[];
  /** Words for the screen and the printout (names, counts, reasons), never secrets. */
  facts: Record<string, string | number | null>;
  evidence: Evidence;
  /** How many evidence rows there are (the lists keep the first EVIDENCE_CAP of each). */
  evidenceCount: number;
}

export const EVIDENCE_CAP = 50;

const iso = (d: Date) => d.toISOString();
const minutes = (n: number) => n * 60_000;
const uniq = <T>(xs: Array<T | null | undefined>): T[] => [...new Set(xs.filter((x): x is T => x !== null && x !== undefined))];

function evidence(entries: string[] = [], accessLog: string[] = [], journal: number[] = []): { evidence: Evidence; evidenceCount: number } {
  return {
    evidence: { entries: entries.slice(0, EVIDENCE_CAP), accessLog: accessLog.slice(0, EVIDENCE_CAP), journal: journal.slice(0, EVIDENCE_CAP) },
    evidenceCount: entries.length + accessLog.length + journal.length,
  };
}

// ---- Door facts -----------------------------------------------------------------------------

export interface DeniedScan {
  id: string;
  at: Date;
  room_id: string;
  room_name: string;
  person_id: string | null;
  person_name: string | null;
  badge_id: string | null;
  reason: string;
  hint: string | null;
}

const ANTI_PASSBACK = new Set(['already_inside', 'not_inside']);
/**
 * The two-person rule's first answer (issue 20): the person waits for a second one — the rule
 * working, not a refusal to explain. A wait nobody completed is recorded as second_person_timeout,
 * which is a denial like any other.
 */
const waitingForSecond = (d: { reason: string | null }) => d.reason === 'pending_second_person';

/** Denied scans of known badges, by person (or badge) and reason; anti-passback and unknown badges have kinds of their own. */
export function findDeniedScans(denied: DeniedScan[]): Finding[] {
  const groups = groupBy(denied, (d) => {
    if (d.reason === 'unknown_badge' || ANTI_PASSBACK.has(d.reason) || waitingForSecond(d)) return null;
    const who = d.person_id ? `p:${d.person_id}` : d.badge_id ? `b:${d.badge_id}` : `h:${d.hint ?? ''}`;
    return `denied_scans:${who}:${d.reason}`;
  });
  return [...groups].map(([key, ds]) => ({
    key,
    kind: 'denied_scans',
    severity: 'warning',
    at: iso(ds[0]!.at),
    personIds: uniq(ds.map((d) => d.person_id)),
    roomIds: uniq(ds.map((d) => d.room_id)),
    badgeIds: uniq(ds.map((d) => d.badge_id)),
    mediumIds: [],
    facts: { person: ds[0]!.person_name, reason: ds[0]!.reason, count: ds.length, rooms: uniq(ds.map((d) => d.room_name)).join('、') },
    ...evidence(ds.map((d) => d.id)),
  }));
}

/**
 * Runs of at least `count` items within `windowMinutes` of one another, in time order: a run grows
 * while each new item still completes a window that reaches back into it (every item since its
 * last one joins, not only the one completing the window); otherwise a new run begins.
 */
export function bursts<T extends { at: Date }>(items: T[], count: number, windowMinutes: number): T[][] {
  const xs = [...items].sort((a, b) => a.at.getTime() - b.at.getTime());
  const out: T[][] = [];
  let start = 0;
  let run: T[] | null = null;
  let runEnd = -1; // the index in xs of the run's last item
  for (let i = 0; i < xs.length; i++) {
    while (xs[i]!.at.getTime() - xs[start]!.at.getTime() > minutes(windowMinutes)) start++;
    if (i - start + 1 < count) continue;
    if (run && start <= runEnd) run.push(...xs.slice(runEnd + 1, i + 1));
    else {
      run = xs.slice(start, i + 1);
      out.push(run);
    }
    runEnd = i;
  }
  return out;
}

/** Items grouped by a key (null: left out), in their order. */
function groupBy<T>(items: T[], keyOf: (x: T) => string | null): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const x of items) {
    const key = keyOf(x);
    if (key === null) continue;
    const list = groups.get(key);
    if (list) list.push(x);
    else groups.set(key, [x]);
  }
  return groups;
}

/** 3 or more denials of one badge (or of one unknown value) within 10 minutes: someone probing the doors. */
export function findProbing(denied: DeniedScan[], settings: ReviewSettings): Finding[] {
  const byBadge = groupBy(denied, (d) => (waitingForSecond(d) ? null : d.badge_id ? `b:${d.badge_id}` : d.hint ? `h:${d.hint}` : null));
  return [...byBadge].flatMap(([badge, ds]) =>
    bursts(ds, settings.burstCount, settings.burstMinutes).map((burst): Finding => ({
      key: `probing:${badge}:${iso(burst[0]!.at)}`,
      kind: 'probing',
      severity: 'alert',
      at: iso(burst[0]!.at),
      personIds: uniq(burst.map((d) => d.person_id)),
      roomIds: uniq(burst.map((d) => d.room_id)),
      badgeIds: uniq(burst.map((d) => d.badge_id)),
      mediumIds: [],
      facts: { person: burst[0]!.person_name, hint: burst[0]!.hint, count: burst.length, rooms: uniq(burst.map((d) => d.room_name)).join('、'), minutes: settings.burstMinutes },
      ...evidence(burst.map((d) => d.id)),
    })),
  );
}

/** Values no badge matches, by what the reader typed (its last characters). */
export function findUnknownBadges(denied: DeniedScan[]): Finding[] {
  const byHint = groupBy(denied, (d) => (d.reason === 'unknown_badge' ? (d.hint ?? '') : null));
  return [...byHint].map(([hint, ds]) => ({
    key: `unknown_badge:${hint}`,
    kind: 'unknown_badge',
    severity: 'warning',
    at: iso(ds[0]!.at),
    personIds: [],
    roomIds: uniq(ds.map((d) => d.room_id)),
    badgeIds: [],
    mediumIds: [],
    facts: { hint, count: ds.length, rooms: uniq(ds.map((d) => d.room_name)).join('、') },
    ...evidence(ds.map((d) => d.id)),
  }));
}

/** Anti-passback denials (in while inside, out while not inside), by person and room. */
export function findAntiPassback(denied: DeniedScan[]): Finding[] {
  const groups = groupBy(denied, (d) => (ANTI_PASSBACK.has(d.reason) ? `anti_passback:${d.person_id ?? d.badge_id}:${d.room_id}` : null));
  return [...groups].map(([key, ds]) => ({
    key,
    kind: 'anti_passback',
    severity: 'info',
    at: iso(ds[0]!.at),
    personIds: uniq(ds.map((d) => d.person_id)),
    roomIds: [ds[0]!.room_id],
    badgeIds: uniq(ds.map((d) => d.badge_id)),
    mediumIds: [],
    facts: { person: ds[0]!.person_name, room: ds[0]!.room_name, count: ds.length },
    ...evidence(ds.map((d) => d.id)),
  }));
}

export interface OverlappingStay {
  person_id: string;
  person_name: string;
  room_id: string;
  room_name: string;
  in_id: string;
  in_at: Date;
  other_room_id: string;
  other_room_name: string;
  other_in_id: string;
  other_out_id: string | null;
}

/** One person inside two rooms at the same time (by the door log): impersonation or a cloned badge. */
export function findTwoRooms(overlaps: OverlappingStay[]): Finding[] {
  return overlaps.map((o) => ({
    key: `two_rooms:${o.person_id}:${o.in_id}`,
    kind: 'two_rooms',
    severity: 'alert',
    at: iso(o.in_at),
    personIds: [o.person_id],
    roomIds: uniq([o.other_room_id, o.room_id]),
    badgeIds: [],
    mediumIds: [],
    facts: { person: o.person_name, room: o.room_name, otherRoom: o.other_room_name },
    ...evidence(uniq([o.other_in_id, o.other_out_id, o.in_id])),
  }));
}

export interface BadgeHop {
  id: string;
  at: Date;
  badge_id: string;
  person_id: string | null;
  person_name: string | null;
  room_id: string;
  room_name: string;
  prev_id: string;
  prev_at: Date;
  prev_room_id: string;
  prev_room_name: string;
}

/** One badge let in at two different rooms within a few minutes, the first not left: a cloned badge? */
export function findBadgeTwoRooms(hops: BadgeHop[], settings: ReviewSettings): Finding[] {
  return hops
    .filter((h) => h.room_id !== h.prev_room_id && h.at.getTime() - h.prev_at.getTime() <= minutes(settings.badgeHopMinutes))
    .map((h) => ({
      key: `badge_two_rooms:${h.badge_id}:${h.id}`,
      kind: 'badge_two_rooms',
      severity: 'alert',
      at: iso(h.prev_at),
      personIds: uniq([h.person_id]),
      roomIds: [h.prev_room_id, h.room_id],
      badgeIds: [h.badge_id],
      mediumIds: [],
      facts: { person: h.person_name, room: h.prev_room_name, otherRoom: h.room_name, seconds: Math.round((h.at.getTime() - h.prev_at.getTime()) / 1000) },
      ...evidence([h.prev_id, h.id]),
    }));
}

export interface Stay {
  person_id: string;
  person_name: string;
  room_id: string;
  room_name: string;
  hours: OpeningHours | null;
  in_id: string;
  in_at: Date;
  out_id: string | null;
  /** null: still inside at the end of the period (or now). */
  out_at: Date | null;
}

/**
 * Presence outside a room's opening hours: entered or still inside outside them, or across a day
 * (overnight). `end` is when an open stay is looked at (the period's end, or now).
 */
export function findOutsideHours(stays: Stay[], end: Date, timeZone: string): Finding[] {
  const out: Finding[] = [];
  for (const s of stays) {
    if (!s.hours) continue;
    const last = new Date((s.out_at ?? end).getTime() - 1000);
    const days = (d: Date) => d.toLocaleDateString('en-CA', { timeZone });
    if (withinHours(s.hours, s.in_at, timeZone) && withinHours(s.hours, last, timeZone) && days(s.in_at) === days(last)) continue;
    out.push({
      key: `outside_hours_presence:${s.in_id}`,
      kind: 'outside_hours_presence',
      severity: 'warning',
      at: iso(s.in_at),
      personIds: [s.person_id],
      roomIds: [s.room_id],
      badgeIds: [],
      mediumIds: [],
      facts: { person: s.person_name, room: s.room_name, in: iso(s.in_at), out: s.out_at ? iso(s.out_at) : null, hours: `${s.hours.from}–${s.hours.to}` },
      ...evidence(uniq([s.in_id, s.out_id])),
    });
  }
  return out;
}

/** Stays longer than the limit (12 hours): a forgotten exit, or someone who left without scanning. */
export function findLongStays(stays: Stay[], end: Date, settings: ReviewSettings): Finding[] {
  return stays
    .filter((s) => (s.out_at ?? end).getTime() - s.in_at.getTime() > settings.longStayHours * 3_600_000)
    .map((s) => ({
      key: `long_stay:${s.in_id}`,
      kind: 'long_stay',
      severity: 'warning',
      at: iso(s.in_at),
      personIds: [s.person_id],
      roomIds: [s.room_id],
      badgeIds: [],
      mediumIds: [],
      facts: { person: s.person_name, room: s.room_name, hours: Math.floor(((s.out_at ?? end).getTime() - s.in_at.getTime()) / 3_600_000), stillInside: s.out_at ? 0 : 1 },
      ...evidence(uniq([s.in_id, s.out_id])),
    }));
}

export interface FlaggedEntry {
  id: string;
  at: Date;
  room_id: string;
  room_name: string;
  person_id: string | null;
  person_name: string | null;
  flags: string[];
}

const FLAG_FINDINGS = {
  manual_exit: { kind: 'manual_exit', severity: 'info' },
  holding_media: { kind: 'exit_holding_media', severity: 'warning' },
  // Timed anti-passback (issue 20): the person entered again with no exit recorded since an entry
  // older than the room's limit — where were they meanwhile? A missed exit scan, or a tailgate.
  stale_presence_replaced: { kind: 'stale_presence_replaced', severity: 'warning' },
} as const satisfies Record<string, { kind: FindingKind; severity: Severity }>;

/** Exits recorded by a guard by hand, exits while holding media (E6.5), re-entries over a stale presence: one finding each. */
export function findDoorFlags(flagged: FlaggedEntry[]): Finding[] {
  const out: Finding[] = [];
  for (const e of flagged) {
    for (const flag of ['manual_exit', 'holding_media', 'stale_presence_replaced'] as const) {
      if (!e.flags.includes(flag)) continue;
      const { kind, severity } = FLAG_FINDINGS[flag];
      out.push({
        key: `${kind}:${e.id}`,
        kind,
        severity,
        at: iso(e.at),
        personIds: uniq([e.person_id]),
        roomIds: [e.room_id],
        badgeIds: [],
        mediumIds: [],
        facts: { person: e.person_name, room: e.room_name },
        ...evidence([e.id]),
      });
    }
  }
  return out;
}

// ---- Sign-in facts (the access log) -----------------------------------------------------------

export interface SigninAttempt {
  id: string;
  at: Date;
  account_id: string | null;
  person_id: string | null;
  username: string | null;
  status: number;
  source_ip: string | null;
}

/** 5 or more failed sign-ins of one user name within 10 minutes (guessing). */
export function findFailedSignins(attempts: SigninAttempt[], settings: ReviewSettings): Finding[] {
  const byName = groupBy(attempts, (a) => (a.status === 401 ? (a.username ?? '').toLowerCase() : null));
  return [...byName].flatMap(([name, fails]) =>
    bursts(fails, settings.failedSigninCount, settings.failedSigninMinutes).map((burst): Finding => ({
      key: `failed_signins:${name}:${iso(burst[0]!.at)}`,
      kind: 'failed_signins',
      severity: 'alert',
      at: iso(burst[0]!.at),
      personIds: uniq(burst.map((a) => a.person_id)),
      roomIds: [],
      badgeIds: [],
      mediumIds: [],
      facts: { username: name, count: burst.length, addresses: uniq(burst.map((a) => a.source_ip)).join(', '), minutes: settings.failedSigninMinutes },
      ...evidence([], burst.map((a) => a.id)),
    })),
  );
}

/** Sign-ins refused because the account was locked (423), by user name. */
export function findLockouts(attempts: SigninAttempt[]): Finding[] {
  const byName = groupBy(attempts, (a) => (a.status === 423 ? (a.username ?? '').toLowerCase() : null));
  return [...byName].map(([name, xs]) => ({
    key: `lockout:${name}`,
    kind: 'lockout',
    severity: 'warning',
    at: iso(xs[0]!.at),
    personIds: uniq(xs.map((a) => a.person_id)),
    roomIds: [],
    badgeIds: [],
    mediumIds: [],
    facts: { username: name, count: xs.length },
    ...evidence([], xs.map((a) => a.id)),
  }));
}

/** Successful sign-ins outside the site's working hours. */
export function findSigninsOutsideHours(attempts: SigninAttempt[], settings: ReviewSettings, timeZone: string): Finding[] {
  return attempts
    .filter((a) => a.status === 200 && a.account_id && !withinHours(settings.workingHours, a.at, timeZone))
    .map((a) => ({
      key: `signin_outside_hours:${a.id}`,
      kind: 'signin_outside_hours',
      severity: 'info',
      at: iso(a.at),
      personIds: uniq([a.person_id]),
      roomIds: [],
      badgeIds: [],
      mediumIds: [],
      facts: { username: a.username, address: a.source_ip, hours: `${settings.workingHours.from}–${settings.workingHours.to}` },
      ...evidence([], [a.id]),
    }));
}

/** A successful sign-in from a source address the account had not used in the previous 90 days (facts already filtered). */
export function findNewAddresses(signins: SigninAttempt[]): Finding[] {
  return signins.map((a) => ({
    key: `new_address:${a.id}`,
    kind: 'new_address',
    severity: 'warning',
    at: iso(a.at),
    personIds: uniq([a.person_id]),
    roomIds: [],
    badgeIds: [],
    mediumIds: [],
    facts: { username: a.username, address: a.source_ip },
    ...evidence([], [a.id]),
  }));
}

export interface AddressHop {
  id: string;
  at: Date;
  account_id: string;
  person_id: string | null;
  username: string | null;
  source_ip: string;
  prev_id: string;
  prev_at: Date;
  prev_ip: string;
}

/** One account used from two source addresses within 10 minutes (a shared or stolen account). */
export function findTwoAddresses(hops: AddressHop[], settings: ReviewSettings): Finding[] {
  const byAccount = groupBy(hops, (h) => (h.source_ip === h.prev_ip || h.at.getTime() - h.prev_at.getTime() > minutes(settings.twoAddressesMinutes) ? null : h.account_id));
  return [...byAccount].map(([account, hs]) => ({
    key: `two_addresses:${account}:${iso(hs[0]!.prev_at)}`,
    kind: 'two_addresses',
    severity: 'alert',
    at: iso(hs[0]!.prev_at),
    personIds: uniq(hs.map((h) => h.person_id)),
    roomIds: [],
    badgeIds: [],
    mediumIds: [],
    facts: { username: hs[0]!.username, addresses: uniq(hs.flatMap((h) => [h.prev_ip, h.source_ip])).join(', '), count: hs.length, minutes: settings.twoAddressesMinutes },
    ...evidence([], uniq(hs.flatMap((h) => [h.prev_id, h.id]))),
  }));
}

export interface RequestRow {
  id: string;
  at: Date;
  account_id: string | null;
  person_id: string | null;
  username: string | null;
  method: string;
  path: string;
  status: number;
}

/** Requests refused with 403 — someone tried what their role does not allow — by account. */
export function findForbidden(rows: RequestRow[]): Finding[] {
  const byAccount = groupBy(rows, (r) => r.account_id ?? `name:${r.username ?? ''}`);
  return [...byAccount].map(([account, rs]) => ({
    key: `forbidden:${account}`,
    kind: 'forbidden',
    severity: 'warning',
    at: iso(rs[0]!.at),
    personIds: uniq(rs.map((r) => r.person_id)),
    roomIds: [],
    badgeIds: [],
    mediumIds: [],
    facts: { username: rs[0]!.username, count: rs.length, paths: uniq(rs.map((r) => `${r.method} ${r.path}`)).slice(0, 5).join(', ') },
    ...evidence([], rs.map((r) => r.id)),
  }));
}

export interface MediaReads {
  account_id: string;
  person_id: string | null;
  username: string | null;
  roles: string[];
  count: number;
  first_at: Date;
  ids: string[];
}

/** Reads of media records by anyone who is not responsible or authorised (E2.10), for confirmation. */
export function findMediaReads(reads: MediaReads[]): Finding[] {
  return reads.map((r) => ({
    key: `media_read:${r.account_id}`,
    kind: 'media_read',
    severity: 'info',
    at: iso(r.first_at),
    personIds: uniq([r.person_id]),
    roomIds: [],
    badgeIds: [],
    mediumIds: [],
    facts: { username: r.username, roles: r.roles.join(', '), count: r.count },
    evidence: { entries: [], accessLog: r.ids.slice(0, EVIDENCE_CAP), journal: [] },
    evidenceCount: r.count,
  }));
}

/** Any use of an account after its person left (E1.1: sign-in ends at once). */
export function findLeftAccountUse(rows: RequestRow[]): Finding[] {
  const byAccount = groupBy(rows, (r) => r.account_id);
  return [...byAccount].map(([account, rs]) => ({
    key: `left_account_use:${account}`,
    kind: 'left_account_use',
    severity: 'alert',
    at: iso(rs[0]!.at),
    personIds: uniq(rs.map((r) => r.person_id)),
    roomIds: [],
    badgeIds: [],
    mediumIds: [],
    facts: { username: rs[0]!.username, count: rs.length },
    ...evidence([], rs.map((r) => r.id)),
  }));
}

// ---- The journal and media ---------------------------------------------------------------------

export interface JournalChange {
  seq: number;
  at: Date;
  actor: string;
  action: string;
  subject: string;
}

/** Administrative changes in the period, listed for the reviewer to confirm. */
export function findAdminChanges(changes: JournalChange[]): Finding[] {
  return changes.map((c) => ({
    key: `admin_change:${c.seq}`,
    kind: 'admin_change',
    severity: 'info',
    at: iso(c.at),
    personIds: c.subject.startsWith('person:') ? [c.subject.slice(7)] : [],
    roomIds: c.subject.startsWith('room:') ? [c.subject.slice(5)] : [],
    badgeIds: c.subject.startsWith('badge:') ? [c.subject.slice(6)] : [],
    mediumIds: [],
    facts: { action: c.action, subject: c.subject, actor: c.actor },
    ...evidence([], [], [c.seq]),
  }));
}

export interface MediaIssue {
  kind: 'after_hours_media' | 'inspection_discrepancy' | 'open_transfer';
  id: string;
  at: Date;
  room_id: string | null;
  room_name: string | null;
  medium_ids: string[];
  labels: string[];
  person_id: string | null;
  person_name: string | null;
  detail: string | null;
  journal_seq: number | null;
}

/** After-hours alerts (E1.2), inspection discrepancies (E4.1), transfers still open. */
export function findMediaIssues(issues: MediaIssue[]): Finding[] {
  return issues.map((m) => ({
    key: `${m.kind}:${m.id}`,
    kind: m.kind,
    severity: m.kind === 'open_transfer' ? 'info' : 'warning',
    at: iso(m.at),
    personIds: uniq([m.person_id]),
    roomIds: uniq([m.room_id]),
    badgeIds: [],
    mediumIds: m.medium_ids,
    facts: { labels: m.labels.join('、'), room: m.room_name, person: m.person_name, detail: m.detail },
    ...evidence([], [], m.journal_seq === null ? [] : [m.journal_seq]),
  }));
}

// ---- Door alarms (issue 20, E6.4) ----------------------------------------------------------

export interface DoorAlarmFact {
  id: string;
  kind: 'forced' | 'held_open' | 'offline' | 'repeated_denials' | 'lone_person';
  at: Date;
  door_id: string | null;
  door_name: string | null;
  room_id: string;
  room_name: string;
  acknowledged_by: string | null;
  note: string | null;
  journal_seq: number | null;
}

/**
 * Every door alarm raised in the period: a forced door is an alert (someone entered a room that
 * stays locked without the system letting them); the others are warnings to explain.
 */
export function findDoorAlarms(alarms: DoorAlarmFact[]): Finding[] {
  return alarms.map((a) => ({
    key: `door_alarm:${a.id}`,
    kind: 'door_alarm',
    severity: a.kind === 'forced' ? 'alert' : 'warning',
    at: iso(a.at),
    personIds: [],
    roomIds: [a.room_id],
    badgeIds: [],
    mediumIds: [],
    facts: { alarm: a.kind, door: a.door_name, room: a.room_name, actor: a.acknowledged_by, detail: a.note },
    ...evidence([], [], a.journal_seq === null ? [] : [a.journal_seq]),
  }));
}

const SEVERITY_ORDER: Record<Severity, number> = { alert: 0, warning: 1, info: 2 };

/** Every finding of a period's facts, the most serious first, then by kind and time. */
export function allFindings(f: {
  denied: DeniedScan[];
  overlaps: OverlappingStay[];
  hops: BadgeHop[];
  stays: Stay[];
  flagged: FlaggedEntry[];
  signins: SigninAttempt[];
  newAddresses: SigninAttempt[];
  addressHops: AddressHop[];
  forbidden: RequestRow[];
  mediaReads: MediaReads[];
  leftUse: RequestRow[];
  adminChanges: JournalChange[];
  mediaIssues: MediaIssue[];
  doorAlarms?: DoorAlarmFact[];
  end: Date;
  timeZone: string;
  settings: ReviewSettings;
}): Finding[] {
  const findings = [
    ...findDeniedScans(f.denied),
    ...findProbing(f.denied, f.settings),
    ...findUnknownBadges(f.denied),
    ...findAntiPassback(f.denied),
    ...findTwoRooms(f.overlaps),
    ...findBadgeTwoRooms(f.hops, f.settings),
    ...findOutsideHours(f.stays, f.end, f.timeZone),
    ...findLongStays(f.stays, f.end, f.settings),
    ...findDoorFlags(f.flagged),
    ...findFailedSignins(f.signins, f.settings),
    ...findLockouts(f.signins),
    ...findNewAddresses(f.newAddresses),
    ...findTwoAddresses(f.addressHops, f.settings),
    ...findSigninsOutsideHours(f.signins, f.settings, f.timeZone),
    ...findForbidden(f.forbidden),
    ...findMediaReads(f.mediaReads),
    ...findLeftAccountUse(f.leftUse),
    ...findAdminChanges(f.adminChanges),
    ...findMediaIssues(f.mediaIssues),
    ...findDoorAlarms(f.doorAlarms ?? []),
  ];
  return findings.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || FINDING_KINDS.indexOf(a.kind) - FINDING_KINDS.indexOf(b.kind) || a.at.localeCompare(b.at) || a.key.localeCompare(b.key));
}

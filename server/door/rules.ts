// The decision at the door, as a plain function of the facts (easy to test, same on every server).
//
// Checked in this order; the first that fails is the reason given:
//   1. badge known                       unknown_badge
//   2. badge not revoked                 badge_revoked
//   3. badge within its validity period  badge_expired
//   — entering only —
//   4. on the room's access list (E6.1)  not_on_access_list
//   5. within the room's hours           outside_hours
//   6. NDA valid, for people from outside the contractor, in secure rooms (M6.3)  nda_missing
//   7. training within 12 months, where the room requires it (E5)                 training_missing
//   8. visitors in a secure room need a host from the access list inside (M6.2)   escort_required
//   9. anti-passback: not already inside                                          already_inside
//      (timed anti-passback, a room setting: a presence older than N hours no longer blocks;
//      the entry is granted, replaces that presence and is flagged stale_presence_replaced)
//  10. the room's occupancy limit, if any: fewer inside than the limit            room_full
//  — then, in a two-person room (二人制), at the write (twoPersonStep below):
//  11. nobody inside and nobody waiting: the first person waits for a second      pending_second_person
//      (answered at once, not granted); a second authorised person within the window: both granted;
//      a first person whose window ran out is recorded                         second_person_timeout
//   — leaving —
//   4. anti-passback: inside                                                     not_inside
//      (never denied otherwise — fire safety — even when it leaves one person alone in a
//      two-person room: that raises the lone_person alarm instead)
// Without a requested direction the door toggles: out when inside, in otherwise (a stale
// presence under timed anti-passback counts as not inside).
import type { OpeningHours, RoomKind } from '../rooms/service.js';
import { zonedParts } from '../shared/time.js';

export const DENY_REASONS = [
  'unknown_badge',
  'badge_revoked',
  'badge_expired',
  'not_on_access_list',
  'outside_hours',
  'nda_missing',
  'training_missing',
  'escort_required',
  'already_inside',
  'not_inside',
] as const;
export type DenyReason = (typeof DENY_REASONS)[number];
export type Direction = 'in' | 'out';

export interface ScanFacts {
  now: Date;
  timeZone: string;
  room: { kind: RoomKind; hours: OpeningHours | null; requiresTraining: boolean };
  /** null when the presented value matches no badge. */
  badge: { revoked: boolean; validFrom: Date; validUntil: Date | null } | null;
  person: { isVisitor: boolean; isExternal: boolean } | null;
  inside: boolean;
  onAccessList: boolean;
  ndaValid: boolean;
  trainedWithinYear: boolean;
  hostInside: boolean;
  /** The room's occupancy limit (null: none) and how many are inside now; absent: no limit. */
  occupancy?: { count: number; limit: number | null } | undefined;
  /** Timed anti-passback: a presence older than this many hours no longer blocks re-entry (null: off). */
  antiPassbackHours?: number | null | undefined;
  /** Since when the person is inside, when they are (needed with antiPassbackHours). */
  insideSince?: Date | null | undefined;
}

/** Reasons only a door's reader over MQTT can be given (issue 20), after the rules of decideScan. */
export const DOOR_DENY_REASONS = ['late'] as const;
/**
 * Reasons of the room rules beyond the access list (issue 20 part 5): the occupancy limit and the
 * two-person rule (二人制). `pending_second_person` answers a lone first scan (the door stays shut,
 * nobody is let in yet); `second_person_timeout` records that the window ran out.
 */
export const ROOM_RULE_REASONS = ['room_full', 'pending_second_person', 'second_person_timeout'] as const;
/** Every reason an entry can carry. */
export const ENTRY_REASONS = [...DENY_REASONS, ...DOOR_DENY_REASONS, ...ROOM_RULE_REASONS] as const;
export type EntryReason = (typeof ENTRY_REASONS)[number];

export interface ScanDecision {
  direction: Direction;
  decision: 'granted' | 'denied';
  reason: EntryReason | null;
}

/** Is `now` within the opening hours, on the site's wall clock? No hours = always open. */
export function withinHours(hours: OpeningHours | null, now: Date, timeZone: string): boolean {
  if (!hours) return true;
  const p = zonedParts(now, timeZone);
  const isoWeekday = ((new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay() + 6) % 7) + 1;
  if (!hours.days.includes(isoWeekday)) return false;
  const minutes = p.hour * 60 + p.minute;
  const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  return minutes >= toMinutes(hours.from) && minutes < toMinutes(hours.to);
}

/**
 * Timed anti-passback: is the person's presence older than the room's limit (so it no longer
 * blocks re-entry)? Never with the setting off or when they are not inside.
 */
export function isStalePresence(f: Pick<ScanFacts, 'inside' | 'now' | 'antiPassbackHours' | 'insideSince'>): boolean {
  if (!f.inside || !f.antiPassbackHours || !f.insideSince) return false;
  return f.now.getTime() - f.insideSince.getTime() >= f.antiPassbackHours * 3_600_000;
}

export function decideScan(f: ScanFacts, requested?: Direction): ScanDecision {
  const stale = isStalePresence(f);
  const direction: Direction = requested ?? (f.inside && !stale ? 'out' : 'in');
  const deny = (reason: EntryReason): ScanDecision => ({ direction, decision: 'denied', reason });
  if (!f.badge || !f.person) return deny('unknown_badge');
  if (f.badge.revoked) return deny('badge_revoked');
  if (f.badge.validFrom > f.now || (f.badge.validUntil && f.badge.validUntil <= f.now)) return deny('badge_expired');
  if (direction === 'out') {
    return f.inside ? { direction, decision: 'granted', reason: null } : deny('not_inside');
  }
  if (!f.onAccessList) return deny('not_on_access_list');
  if (!withinHours(f.room.hours, f.now, f.timeZone)) return deny('outside_hours');
  const secure = f.room.kind === 'secure';
  if (secure && (f.person.isExternal || f.person.isVisitor) && !f.ndaValid) return deny('nda_missing');
  if (f.room.requiresTraining && !f.trainedWithinYear) return deny('training_missing');
  if (secure && f.person.isVisitor && !f.hostInside) return deny('escort_required');
  if (f.inside && !stale) return deny('already_inside');
  // Replacing one's own stale presence does not add anyone to the room.
  if (!f.inside && f.occupancy && f.occupancy.limit !== null && f.occupancy.count >= f.occupancy.limit) return deny('room_full');
  return { direction, decision: 'granted', reason: null };
}

/** What a granted entry into a two-person room does (二人制; decided under the room's guard). */
export type TwoPersonStep = 'alone' | 'wait' | 'pair';

/**
 * The two-person rule for an entry that every other rule granted: someone is inside already —
 * entering makes them two or more, granted alone; another person is waiting and their window is
 * still open — the two are paired and both granted; otherwise this person waits for a second one
 * (pending_second_person). The same person scanning again while waiting just waits again.
 */
export function twoPersonStep(f: { othersInside: number; waiting: { personId: string; expiresAt: Date } | null; personId: string; now: Date }): TwoPersonStep {
  if (f.othersInside > 0) return 'alone';
  if (f.waiting && f.waiting.personId !== f.personId && f.waiting.expiresAt > f.now) return 'pair';
  return 'wait';
}

/** A two-person room (二人制) with exactly this many inside holds one person alone: the lone_person alarm. */
export function leavesOneAlone(inside: number): boolean {
  return inside === 1;
}

/**
 * A scan from a door's reader (issue 20): the decision of decideScan, except that a message that
 * arrived late (a broker outage held it; older than DOOR_SCAN_MAX_AGE_SECONDS) is recorded but
 * never unlocks — the person at the door has long gone or scanned again (E6.4: the room stays
 * locked). A scan the rules deny keeps the rules' reason.
 */
export function atTheDoor(ruled: ScanDecision, facts: { late: boolean }): ScanDecision {
  if (facts.late && ruled.decision === 'granted') return { direction: ruled.direction, decision: 'denied', reason: 'late' };
  return ruled;
}

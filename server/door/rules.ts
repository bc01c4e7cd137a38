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
//   — leaving —
//   4. anti-passback: inside                                                     not_inside
// Without a requested direction the door toggles: out when inside, in otherwise.
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
}

/** Reasons only a door's reader over MQTT can be given (issue 20), after the rules of decideScan. */
export const DOOR_DENY_REASONS = ['late'] as const;
/** Every reason an entry can carry. */
export const ENTRY_REASONS = [...DENY_REASONS, ...DOOR_DENY_REASONS] as const;
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

export function decideScan(f: ScanFacts, requested?: Direction): ScanDecision {
  const direction: Direction = requested ?? (f.inside ? 'out' : 'in');
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
  if (f.inside) return deny('already_inside');
  return { direction, decision: 'granted', reason: null };
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

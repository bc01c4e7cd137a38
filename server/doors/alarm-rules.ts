// The door alarms' rules (issue 20, E6.4 rooms stay locked), as plain functions: no database, no
// clock — every time is a fact. Unit-tested in test/unit/door-alarm-rules.test.ts; the service
// (./alarms.ts) reads the facts and raises what these decide, once, in the database.

export const DOOR_ALARM_KINDS = ['forced', 'held_open', 'offline', 'repeated_denials', 'lone_person'] as const;
export type DoorAlarmKind = (typeof DOOR_ALARM_KINDS)[number];

/** The default of doors.held_open_seconds. */
export const DEFAULT_HELD_OPEN_SECONDS = 30;

export interface DoorStateFacts {
  contact: 'open' | 'closed';
  lock: 'locked' | 'unlocked';
  rex: boolean;
}

/**
 * Is a state message newer than what is stored? Ordered by the controller's own time; a message
 * of the same time is no news (a resend). Nothing stored yet: anything is newer.
 */
export function isNewer(storedAt: Date | null, at: Date): boolean {
  return storedAt === null || at.getTime() > storedAt.getTime();
}

/** The contact went from closed (or unknown) to open with this message. */
export function contactOpened(before: 'open' | 'closed' | null, after: 'open' | 'closed'): boolean {
  return after === 'open' && before !== 'open';
}

/**
 * A forced door: the contact opened while the lock was locked, with no request-to-exit in this
 * message, and neither a granted scan at this door nor a request-to-exit within `graceSeconds`
 * before it. An unlocked lock means the controller released it (a granted scan, a remote unlock,
 * a fire release): not forced.
 */
export function isForced(f: {
  opened: boolean;
  state: DoorStateFacts;
  at: Date;
  lastRexAt: Date | null;
  lastGrantAt: Date | null;
  graceSeconds: number;
}): boolean {
  if (!f.opened) return false;
  if (f.state.lock === 'unlocked' || f.state.rex) return false;
  const recent = (d: Date | null) => d !== null && f.at.getTime() - d.getTime() <= f.graceSeconds * 1000;
  return !recent(f.lastRexAt) && !recent(f.lastGrantAt);
}

/** Held open: the contact is open and has been since longer than the door's limit. */
export function isHeldOpen(f: { contact: 'open' | 'closed' | null; openedAt: Date | null; heldOpenSeconds: number; now: Date }): boolean {
  return f.contact === 'open' && f.openedAt !== null && f.now.getTime() - f.openedAt.getTime() > f.heldOpenSeconds * 1000;
}

/**
 * Offline: the last heartbeat (or, never one, the door's registration) is older than the limit.
 * Our receive time is used, never the controller's clock.
 */
export function isOffline(f: { heartbeatReceivedAt: Date | null; registeredAt: Date; now: Date; offlineSeconds: number }): boolean {
  const since = f.heartbeatReceivedAt ?? f.registeredAt;
  return f.now.getTime() - since.getTime() > f.offlineSeconds * 1000;
}

/** Repeated denials: `limit` or more denied scans at one door within the window. */
export function tooManyDenials(deniedInWindow: number, limit: number): boolean {
  return deniedInWindow >= limit;
}

/** Whether an alarm of this kind ends its condition when the door closes (forced, held open). */
export const clearsOnClose = (kind: DoorAlarmKind): boolean => kind === 'forced' || kind === 'held_open';

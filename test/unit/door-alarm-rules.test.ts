// The door alarms' rules (issue 20, E6.4 rooms stay locked) as plain functions: which state is
// newer, when an opening is forced, when a door is held open or its controller offline, when
// denials are too many.
import { describe, expect, it } from 'vitest';
import { clearsOnClose, contactOpened, isForced, isHeldOpen, isNewer, isOffline, tooManyDenials } from '../../server/doors/alarm-rules.js';

const T = new Date('2026-12-06T03:00:00.000Z');
const ago = (ms: number) => new Date(T.getTime() - ms);
const locked = { contact: 'open' as const, lock: 'locked' as const, rex: false };

describe('state ordering', () => {
  it('a state is stored only when newer than the stored one (by the controller\'s time)', () => {
    expect(isNewer(null, T)).toBe(true);
    expect(isNewer(ago(1), T)).toBe(true);
    expect(isNewer(T, T)).toBe(false);
    expect(isNewer(T, ago(1))).toBe(false);
  });
  it('the contact opens from closed or unknown, not from open', () => {
    expect(contactOpened(null, 'open')).toBe(true);
    expect(contactOpened('closed', 'open')).toBe(true);
    expect(contactOpened('open', 'open')).toBe(false);
    expect(contactOpened('open', 'closed')).toBe(false);
  });
});

describe('forced door', () => {
  const base = { opened: true, state: locked, at: T, lastRexAt: null, lastGrantAt: null, graceSeconds: 10 };
  it('forced: opened while locked, no exit button, no granted scan', () => expect(isForced(base)).toBe(true));
  it('not forced: no opening (already open, or closing)', () => expect(isForced({ ...base, opened: false })).toBe(false));
  it('not forced: the lock was released (a granted scan, a remote unlock, a fire release)', () => expect(isForced({ ...base, state: { ...locked, lock: 'unlocked' } })).toBe(false));
  it('not forced: the exit button in this message, or within the grace', () => {
    expect(isForced({ ...base, state: { ...locked, rex: true } })).toBe(false);
    expect(isForced({ ...base, lastRexAt: ago(10_000) })).toBe(false);
    expect(isForced({ ...base, lastRexAt: ago(10_001) })).toBe(true);
  });
  it('not forced: a granted scan at the door within the grace; forced after it', () => {
    expect(isForced({ ...base, lastGrantAt: ago(9_000) })).toBe(false);
    expect(isForced({ ...base, lastGrantAt: ago(11_000) })).toBe(true);
  });
});

describe('held open, offline, repeated denials', () => {
  it('held open: open for longer than the door\'s limit', () => {
    expect(isHeldOpen({ contact: 'open', openedAt: ago(30_000), heldOpenSeconds: 30, now: T })).toBe(false);
    expect(isHeldOpen({ contact: 'open', openedAt: ago(30_001), heldOpenSeconds: 30, now: T })).toBe(true);
    expect(isHeldOpen({ contact: 'closed', openedAt: ago(90_000), heldOpenSeconds: 30, now: T })).toBe(false);
    expect(isHeldOpen({ contact: null, openedAt: null, heldOpenSeconds: 30, now: T })).toBe(false);
  });
  it('offline: no heartbeat within the limit, counted from the registration when there never was one', () => {
    expect(isOffline({ heartbeatReceivedAt: ago(30_000), registeredAt: ago(1e9), now: T, offlineSeconds: 30 })).toBe(false);
    expect(isOffline({ heartbeatReceivedAt: ago(30_001), registeredAt: ago(1e9), now: T, offlineSeconds: 30 })).toBe(true);
    expect(isOffline({ heartbeatReceivedAt: null, registeredAt: ago(5_000), now: T, offlineSeconds: 30 })).toBe(false);
    expect(isOffline({ heartbeatReceivedAt: null, registeredAt: ago(31_000), now: T, offlineSeconds: 30 })).toBe(true);
  });
  it('repeated denials: the limit reached', () => {
    expect(tooManyDenials(4, 5)).toBe(false);
    expect(tooManyDenials(5, 5)).toBe(true);
  });
  it('closing the door ends the forced and held-open conditions only', () => {
    expect(clearsOnClose('forced')).toBe(true);
    expect(clearsOnClose('held_open')).toBe(true);
    expect(clearsOnClose('offline')).toBe(false);
    expect(clearsOnClose('repeated_denials')).toBe(false);
  });
});

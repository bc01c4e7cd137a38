// The door protocol's plain parts (issue 20), without a broker: the MAC covers every field of a
// command, the lock's checks (own door, MAC, expiry, nonce) in order, the command of a resent scan
// is the same command, a late scan never unlocks (E6.4), topics and message limits, and the
// sealing of command keys.
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { commandFor, commandMac, commandMacValid, MAX_MESSAGE_BYTES, parseDoorTopic, parseJsonMessage, scanMessage, sharedSubscription, type CommandMessage } from '../../server/doors/protocol.js';
import { DoorLock, describeVerdict } from '../../server/doors/simulator.js';
import { atTheDoor, DENY_REASONS } from '../../server/door/rules.js';
import { sealCommandKey, unsealCommandKey } from '../../server/doors/service.js';

const key = crypto.randomBytes(32);
const door = crypto.randomUUID();
const settings = { unlockMs: 4000, ttlSeconds: 10 };
const at = new Date('2026-12-06T05:00:00.000Z');
const granted = (messageId = 'm-1', decidedAt = at) => commandFor(key, { door, messageId, decision: 'granted', reason: null, decidedAt }, settings);

describe('commands', () => {
  it('an unlock names the door, the scan, the duration, an expiry, a nonce; a denial stays locked with its reason', () => {
    expect(granted()).toMatchObject({ door, scan: 'm-1', action: 'unlock', durationMs: 4000, expiresAt: '2026-12-06T05:00:10.000Z', decision: 'granted', reason: null });
    const denied = commandFor(key, { door, messageId: 'm-2', decision: 'denied', reason: 'not_on_access_list', decidedAt: at }, settings);
    expect(denied).toMatchObject({ action: 'stay_locked', durationMs: 0, reason: 'not_on_access_list' });
    expect(commandMacValid(key, granted())).toBe(true);
  });

  it('the same scan gets the very same command (nonce included); another scan another nonce', () => {
    expect(granted('m-1')).toEqual(granted('m-1'));
    expect(granted('m-1').nonce).not.toBe(granted('m-9').nonce);
    // The nonce depends on the door's key: another door's key gives another nonce for the same ids.
    expect(commandFor(crypto.randomBytes(32), { door, messageId: 'm-1', decision: 'granted', reason: null, decidedAt: at }, settings).nonce).not.toBe(granted('m-1').nonce);
  });

  it('the MAC covers every field: changing any one of them breaks it', () => {
    const c = granted();
    const changes: Array<Partial<CommandMessage>> = [
      { door: crypto.randomUUID() },
      { scan: 'm-2' },
      { action: 'stay_locked' },
      { durationMs: 60_000 },
      { expiresAt: '2026-12-06T06:00:00.000Z' },
      { nonce: 'A'.repeat(22) },
      { decision: 'denied' },
      { reason: 'late' },
    ];
    for (const change of changes) expect(commandMacValid(key, { ...c, ...change }), JSON.stringify(change)).toBe(false);
    expect(commandMacValid(crypto.randomBytes(32), c)).toBe(false);
    expect(commandMac(key, c)).toBe(c.mac);
  });
});

describe('the lock (the simulated controller\'s checks)', () => {
  const lockAt = (t: number) => new DoorLock(door, key, () => t);
  const bytes = (c: unknown) => Buffer.from(JSON.stringify(c));

  it('obeys a good unlock once: a replay of it is refused while it is valid', () => {
    const lock = lockAt(at.getTime() + 1000);
    expect(lock.check(bytes(granted()))).toEqual({ kind: 'unlocked', scan: 'm-1', durationMs: 4000 });
    expect(lock.isUnlocked()).toBe(true);
    expect(lock.check(bytes(granted()))).toEqual({ kind: 'refused', why: 'replayed', scan: 'm-1' });
  });

  it('refuses a forged, an expired, another door\'s and a malformed command, and stays locked', () => {
    const lock = lockAt(at.getTime() + 1000);
    expect(lock.check(bytes({ ...granted(), durationMs: 60_000 }))).toMatchObject({ kind: 'refused', why: 'forged' });
    expect(lock.check(bytes({ ...granted(), mac: '0'.repeat(64) }))).toMatchObject({ kind: 'refused', why: 'forged' });
    expect(lockAt(at.getTime() + 10_000).check(bytes(granted()))).toMatchObject({ kind: 'refused', why: 'late' });
    const other = crypto.randomUUID();
    expect(lock.check(bytes(commandFor(key, { door: other, messageId: 'x', decision: 'granted', reason: null, decidedAt: at }, settings)))).toMatchObject({ kind: 'refused', why: 'wrong_door' });
    expect(lock.check(Buffer.from('{'))).toEqual({ kind: 'refused', why: 'malformed' });
    expect(lock.check(bytes({ ...granted(), extra: 1 }))).toEqual({ kind: 'refused', why: 'malformed' });
    expect(lock.isUnlocked()).toBe(false);
  });

  it('a denial is obeyed as "stays locked: reason"; the printed lines', () => {
    const lock = lockAt(at.getTime());
    const v = lock.check(bytes(commandFor(key, { door, messageId: 'd', decision: 'denied', reason: 'badge_revoked', decidedAt: at }, settings)));
    expect(v).toEqual({ kind: 'stays_locked', scan: 'd', reason: 'badge_revoked' });
    expect(lock.isUnlocked()).toBe(false);
    expect(describeVerdict(v)).toBe('stays locked: badge_revoked');
    expect(describeVerdict({ kind: 'unlocked', scan: 'x', durationMs: 5000 })).toBe('UNLOCKED for 5000 ms');
    expect(describeVerdict({ kind: 'refused', why: 'replayed' })).toContain('REFUSED (replayed)');
  });
});

describe('E6.4: a late scan never unlocks (atTheDoor)', () => {
  it('a grant that arrived late is denied as late; a denial keeps its reason; in time nothing changes', () => {
    expect(atTheDoor({ direction: 'in', decision: 'granted', reason: null }, { late: true })).toEqual({ direction: 'in', decision: 'denied', reason: 'late' });
    expect(atTheDoor({ direction: 'out', decision: 'granted', reason: null }, { late: true })).toEqual({ direction: 'out', decision: 'denied', reason: 'late' });
    for (const reason of DENY_REASONS) expect(atTheDoor({ direction: 'in', decision: 'denied', reason }, { late: true }).reason).toBe(reason);
    expect(atTheDoor({ direction: 'in', decision: 'granted', reason: null }, { late: false })).toEqual({ direction: 'in', decision: 'granted', reason: null });
  });
});

describe('topics and messages', () => {
  it('parses only this site\'s door topics', () => {
    expect(parseDoorTopic('tokyo-dc1', `tachiai/tokyo-dc1/doors/${door}/scan`)).toEqual({ doorId: door, kind: 'scan' });
    expect(parseDoorTopic('tokyo-dc1', `tachiai/osaka/doors/${door}/scan`)).toBeNull();
    expect(parseDoorTopic('tokyo-dc1', `tachiai/tokyo-dc1/doors/not-a-uuid/scan`)).toBeNull();
    expect(parseDoorTopic('tokyo-dc1', `tachiai/tokyo-dc1/doors/${door}/open`)).toBeNull();
    expect(parseDoorTopic('tokyo-dc1', `tachiai/tokyo-dc1/doors/${door}/scan/extra`)).toBeNull();
    expect(sharedSubscription('tokyo-dc1', 'scan')).toBe('$share/tachiai/tachiai/tokyo-dc1/doors/+/scan');
  });

  it('drops what is over 4 KB, not UTF-8 JSON or not an object; the scan schema is strict', () => {
    expect(parseJsonMessage(Buffer.alloc(MAX_MESSAGE_BYTES + 1, 0x20))).toEqual({ ok: false, why: 'oversized' });
    expect(parseJsonMessage(Buffer.from([0xc3, 0x28]))).toEqual({ ok: false, why: 'malformed' });
    expect(parseJsonMessage(Buffer.from('[1]'))).toEqual({ ok: false, why: 'malformed' });
    expect(parseJsonMessage(Buffer.from('null'))).toEqual({ ok: false, why: 'malformed' });
    expect(parseJsonMessage(Buffer.from('{"a":1}'))).toEqual({ ok: true, value: { a: 1 } });
    const good = { id: 'r1:42', presented: '04A1B2C3', direction: 'in', at: at.toISOString() };
    expect(scanMessage.safeParse(good).success).toBe(true);
    expect(scanMessage.safeParse({ ...good, extra: 1 }).success).toBe(false);
    expect(scanMessage.safeParse({ ...good, id: 'a b' }).success).toBe(false);
    expect(scanMessage.safeParse({ ...good, direction: 'up' }).success).toBe(false);
    expect(scanMessage.safeParse({ ...good, at: 'yesterday' }).success).toBe(false);
    expect(scanMessage.safeParse({ ...good, presented: '' }).success).toBe(false);
  });
});

describe('command keys at rest', () => {
  const app = { secrets: { badgeKey: crypto.randomBytes(48) } } as unknown as Parameters<typeof sealCommandKey>[0];
  it('are sealed (random each time), open only for their door and under the same server secret', () => {
    const k = crypto.randomBytes(32);
    const sealed = sealCommandKey(app, door, k);
    expect(sealed).not.toContain(k.toString('base64url'));
    expect(sealCommandKey(app, door, k)).not.toBe(sealed);
    expect(unsealCommandKey(app, door, sealed)).toEqual(k);
    expect(() => unsealCommandKey(app, crypto.randomUUID(), sealed)).toThrow();
    const otherServer = { secrets: { badgeKey: crypto.randomBytes(48) } } as unknown as Parameters<typeof sealCommandKey>[0];
    expect(() => unsealCommandKey(otherServer, door, sealed)).toThrow();
  });
});

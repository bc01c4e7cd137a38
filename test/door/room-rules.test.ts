// Room rules beyond the access list (issue 20 part 5), over HTTP against a real database: the
// settings (administrators, journaled, 4xx for bad input), the occupancy limit (room_full) held by
// the database under simultaneous entries — on two servers with PostgreSQL — and shown on the
// occupancy view and the muster list; the two-person rule (二人制): a lone first scan waits
// (pending_second_person), a second authorised person within the window lets both in, a window
// that runs out is recorded (second_person_timeout), simultaneous scans pair exactly once, exits
// are never denied; timed anti-passback: a presence older than N hours no longer blocks re-entry
// and the entry is flagged for the weekly review. Clauses: E6.1, E6.2 (every scan recorded).
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { drainIntake } from '../../server/journal/intake.js';
import { checkDoorTimers } from '../../server/doors/alarms.js';
import { startTestServer, withSecondServer as withSecondServerOf, type TestServer } from '../helpers/server.js';
import { ok } from '../helpers/api.js';
import { usingPostgres } from '../helpers/db.js';
import { expirePairs } from '../../server/door/room-guard.js';

let s: TestServer;
let token: string;
let contractorOrgId: string;

beforeAll(async () => {
  s = await startTestServer({ scryptCost: 1024 });
  token = await s.adminToken();
  const orgs = await request(s.url).get('/api/orgs').set(auth());
  contractorOrgId = orgs.body.items.find((o: { kind: string }) => o.kind === 'contractor').id;
});
afterAll(async () => {
  await s?.close();
});

function auth(t = token) {
  return { authorization: `Bearer ${t}` };
}

let n = 0;
async function newRoom(): Promise<string> {
  n += 1;
  return (await ok(await request(s.url).post('/api/rooms').set(auth()).send({ name: `規則室${n}`, kind: 'secure' }), 201)).id;
}
async function enrolled(roomId: string): Promise<{ personId: string; token: string }> {
  n += 1;
  const p = await ok(await request(s.url).post('/api/people').set(auth()).send({ name: `規則 次郎${n}`, orgId: contractorOrgId, roles: ['staff'] }), 201);
  const b = await ok(await request(s.url).post('/api/badges').set(auth()).send({ personId: p.id }), 201);
  await ok(await request(s.url).post(`/api/rooms/${roomId}/access`).set(auth()).send({ personId: p.id }), 201);
  return { personId: p.id, token: b.token };
}
type Rules = { twoPerson?: { enabled: boolean; windowSeconds?: number }; occupancyLimit?: number | null; antiPassbackHours?: number | null };
async function setRules(roomId: string, rules: Rules) {
  return ok(await request(s.url).put(`/api/rooms/${roomId}/rules`).set(auth()).send({ twoPerson: { enabled: false }, occupancyLimit: null, antiPassbackHours: null, ...rules }), 200);
}
async function scan(url: string, roomId: string, badge: string, direction?: 'in' | 'out') {
  return ok(await request(url).post('/api/scans').set(auth()).send({ roomId, badge, ...(direction ? { direction } : {}) }), 201);
}
const inside = async (roomId: string) => ((await s.ctx.db.knex('presence').where({ room_id: roomId }).select('person_id')) as Array<{ person_id: string }>).map((r) => r.person_id).sort();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const withSecondServer = <T>(run: (url: string) => Promise<T>) => withSecondServerOf(s.ctx, run);

describe('room rules: the settings', () => {
  it('are off for a new room; an administrator sets them (journaled, before and after); the room shows them', async () => {
    const room = await newRoom();
    const fresh = await ok(await request(s.url).get(`/api/rooms/${room}`).set(auth()), 200);
    expect(fresh.rules).toEqual({ twoPerson: { enabled: false, windowSeconds: 5 }, occupancyLimit: null, antiPassbackHours: null });
    const set = await setRules(room, { twoPerson: { enabled: true }, occupancyLimit: 4, antiPassbackHours: 12 });
    expect(set.rules).toEqual({ twoPerson: { enabled: true, windowSeconds: 5 }, occupancyLimit: 4, antiPassbackHours: 12 });
    await setRules(room, { twoPerson: { enabled: true, windowSeconds: 10 } });
    const again = await ok(await request(s.url).get(`/api/rooms/${room}`).set(auth()), 200);
    expect(again.rules).toEqual({ twoPerson: { enabled: true, windowSeconds: 10 }, occupancyLimit: null, antiPassbackHours: null });
    await drainIntake(s.ctx.db.knex);
    const journal = (await s.ctx.db.knex('journal_entries').where({ subject: `room:${room}`, action: 'rooms.rules_set' }).orderBy('seq')) as Array<{ payload: string; actor: string }>;
    expect(journal).toHaveLength(2);
    expect(JSON.parse(journal[1]!.payload)).toEqual({
      before: { twoPerson: { enabled: true, windowSeconds: 5 }, occupancyLimit: 4, antiPassbackHours: 12 },
      after: { twoPerson: { enabled: true, windowSeconds: 10 }, occupancyLimit: null, antiPassbackHours: null },
    });
  });

  it('bad input is 400, an unknown room 404, not an administrator 403 — and nothing changes', async () => {
    const room = await newRoom();
    const put = (body: unknown, t = token, id = room) => request(s.url).put(`/api/rooms/${id}/rules`).set(auth(t)).send(body as object);
    const good = { twoPerson: { enabled: false }, occupancyLimit: null, antiPassbackHours: null };
    await ok(await put({ ...good, occupancyLimit: 0 }), 400);
    await ok(await put({ ...good, occupancyLimit: 2.5 }), 400);
    await ok(await put({ ...good, antiPassbackHours: -1 }), 400);
    await ok(await put({ ...good, twoPerson: { enabled: true, windowSeconds: 0 } }), 400);
    await ok(await put({ ...good, twoPerson: { enabled: true, windowSeconds: 121 } }), 400);
    await ok(await put({ twoPerson: { enabled: true } }), 400);
    await ok(await put({ ...good, extra: 1 }), 400);
    // The two-person rule lets two in at once: a limit of one would let nobody in.
    const contradictory = await ok(await put({ ...good, twoPerson: { enabled: true }, occupancyLimit: 1 }), 400);
    expect(contradictory.error.details[0].field).toBe('body.occupancyLimit');
    await ok(await put(good, token, crypto.randomUUID()), 404);
    const guard = await s.createUser({ roles: ['guard'], password: 'Tq9#pW4$zN' });
    await ok(await put({ ...good, occupancyLimit: 3 }, await s.login(guard)), 403);
    const responsible = await s.createUser({ roles: ['responsible'], password: 'Tq9#pW4$zN' });
    await ok(await put({ ...good, occupancyLimit: 3 }, await s.login(responsible)), 403);
    expect((await ok(await request(s.url).get(`/api/rooms/${room}`).set(auth()), 200)).rules.occupancyLimit).toBeNull();
  });
});

describe('occupancy limit (room_full)', () => {
  it('the entry above the limit is denied room_full and recorded; leaving makes room again; exits are never denied', async () => {
    const room = await newRoom();
    await setRules(room, { occupancyLimit: 2 });
    const [a, b, c] = [await enrolled(room), await enrolled(room), await enrolled(room)];
    expect((await scan(s.url, room, a.token, 'in')).decision).toBe('granted');
    expect((await scan(s.url, room, b.token, 'in')).decision).toBe('granted');
    expect(await scan(s.url, room, c.token, 'in')).toMatchObject({ decision: 'denied', reason: 'room_full', direction: 'in' });
    // Lowering the limit below who is inside never keeps anyone in.
    await setRules(room, { occupancyLimit: 1 });
    expect(await scan(s.url, room, a.token, 'out')).toMatchObject({ decision: 'granted', direction: 'out' });
    expect(await scan(s.url, room, c.token, 'in')).toMatchObject({ decision: 'denied', reason: 'room_full' });
    await setRules(room, { occupancyLimit: 2 });
    expect(await scan(s.url, room, c.token, 'in')).toMatchObject({ decision: 'granted' });
    const denied = await s.ctx.db.knex('entries').where({ room_id: room, reason: 'room_full' });
    expect(denied).toHaveLength(2);
  });

  it('the occupancy view and the muster list show the limit and the count', async () => {
    const room = await newRoom();
    await setRules(room, { occupancyLimit: 3 });
    const a = await enrolled(room);
    await scan(s.url, room, a.token, 'in');
    const view = await ok(await request(s.url).get(`/api/rooms/${room}/occupancy`).set(auth()), 200);
    expect(view).toMatchObject({ count: 1, limit: 3, twoPerson: false });
    const muster = await request(s.url).get(`/api/rooms/${room}/muster?lang=ja`).set(auth());
    expect(muster.status).toBe(200);
    expect(muster.text).toContain('1 / 定員 3');
    const plain = await newRoom();
    expect(await ok(await request(s.url).get(`/api/rooms/${plain}/occupancy`).set(auth()), 200)).toMatchObject({ count: 0, limit: null });
  });

  it('12 people entering at once a room for 5 (one server): exactly 5 granted, 7 room_full', async () => {
    const room = await newRoom();
    await setRules(room, { occupancyLimit: 5 });
    const people = await Promise.all(Array.from({ length: 12 }, () => enrolled(room)));
    const results = await Promise.all(people.map((p) => scan(s.url, room, p.token, 'in')));
    expect(results.filter((r) => r.decision === 'granted')).toHaveLength(5);
    expect(results.filter((r) => r.decision === 'denied').map((r) => r.reason)).toEqual(Array(7).fill('room_full'));
    expect(await inside(room)).toHaveLength(5);
  });

  it.runIf(usingPostgres)('30 people entering at once through two servers a room for 10: exactly 10 granted (the database holds the limit)', async () => {
    const room = await newRoom();
    await setRules(room, { occupancyLimit: 10 });
    const people = await Promise.all(Array.from({ length: 30 }, () => enrolled(room)));
    const results = await withSecondServer((other) => Promise.all(people.map((p, i) => scan(i % 2 ? other : s.url, room, p.token, 'in'))));
    expect(results.filter((r) => r.decision === 'granted')).toHaveLength(10);
    expect(new Set(results.filter((r) => r.decision === 'denied').map((r) => r.reason))).toEqual(new Set(['room_full']));
    expect(await inside(room)).toHaveLength(10);
    expect(await s.ctx.db.knex('entries').where({ room_id: room })).toHaveLength(30);
  });
});

describe('two-person rule (二人制)', () => {
  it('a lone first scan answers pending_second_person at once: not granted, nobody inside, recorded', async () => {
    const room = await newRoom();
    await setRules(room, { twoPerson: { enabled: true, windowSeconds: 5 } });
    const a = await enrolled(room);
    const first = await scan(s.url, room, a.token, 'in');
    expect(first).toMatchObject({ decision: 'denied', reason: 'pending_second_person', direction: 'in', flags: ['two_person'] });
    expect(await inside(room)).toEqual([]);
    expect(await s.ctx.db.knex('door_pairs').where({ room_id: room }).first()).toMatchObject({ person_id: a.personId });
  });

  it('a second authorised person within the window: both granted and recorded, both inside; the door of the second scan opens', async () => {
    const room = await newRoom();
    await setRules(room, { twoPerson: { enabled: true } });
    const [a, b] = [await enrolled(room), await enrolled(room)];
    await scan(s.url, room, a.token, 'in');
    const second = await scan(s.url, room, b.token);
    expect(second).toMatchObject({ decision: 'granted', direction: 'in', flags: ['two_person'], person: { id: b.personId } });
    expect(await inside(room)).toEqual([a.personId, b.personId].sort());
    const rows = (await s.ctx.db.knex('entries').where({ room_id: room }).orderBy('id')) as Array<{ id: string; person_id: string; decision: string; reason: string | null; flags: string[] }>;
    expect(rows.map((r) => [r.person_id, r.decision, r.reason, r.flags])).toEqual([
      [a.personId, 'denied', 'pending_second_person', ['two_person']],
      [a.personId, 'granted', null, ['two_person']],
      [b.personId, 'granted', null, ['two_person']],
    ]);
    expect(await s.ctx.db.knex('door_pairs').where({ room_id: room })).toHaveLength(0);
    // A third person joins an occupied room alone.
    const c = await enrolled(room);
    expect(await scan(s.url, room, c.token, 'in')).toMatchObject({ decision: 'granted', flags: [] });
    await drainIntake(s.ctx.db.knex);
    const events = await s.ctx.db.knex('journal_entries').where({ action: 'door.scan' }).whereIn('subject', rows.map((r) => `entry:${r.id}`));
    expect(events).toHaveLength(3);
  });

  it('the same person twice, or a person not on the access list, never completes the pair', async () => {
    const room = await newRoom();
    await setRules(room, { twoPerson: { enabled: true } });
    const a = await enrolled(room);
    expect((await scan(s.url, room, a.token, 'in')).reason).toBe('pending_second_person');
    expect((await scan(s.url, room, a.token, 'in')).reason).toBe('pending_second_person');
    n += 1;
    const outsider = await ok(await request(s.url).post('/api/people').set(auth()).send({ name: `部外 者${n}`, orgId: contractorOrgId, roles: ['staff'] }), 201);
    const badge = await ok(await request(s.url).post('/api/badges').set(auth()).send({ personId: outsider.id }), 201);
    expect((await scan(s.url, room, badge.token, 'in')).reason).toBe('not_on_access_list');
    expect(await inside(room)).toEqual([]);
  });

  it('a window that runs out is recorded as second_person_timeout (once); a later second scan waits anew', async () => {
    const room = await newRoom();
    await setRules(room, { twoPerson: { enabled: true, windowSeconds: 1 } });
    const [a, b] = [await enrolled(room), await enrolled(room)];
    await scan(s.url, room, a.token, 'in');
    await sleep(1200);
    expect(await expirePairs(s.ctx)).toBeGreaterThanOrEqual(1);
    expect(await expirePairs(s.ctx)).toBe(0);
    const timedOut = await s.ctx.db.knex('entries').where({ room_id: room, reason: 'second_person_timeout' });
    expect(timedOut).toHaveLength(1);
    expect(timedOut[0]).toMatchObject({ person_id: a.personId, decision: 'denied', direction: 'in' });
    expect((await scan(s.url, room, b.token, 'in')).reason).toBe('pending_second_person');
    expect(await inside(room)).toEqual([]);
  });

  it('a window that ran out is recorded by the next scan too, which then waits itself', async () => {
    const room = await newRoom();
    await setRules(room, { twoPerson: { enabled: true, windowSeconds: 1 } });
    const [a, b] = [await enrolled(room), await enrolled(room)];
    await scan(s.url, room, a.token, 'in');
    await sleep(1200);
    expect((await scan(s.url, room, b.token, 'in')).reason).toBe('pending_second_person');
    expect(await s.ctx.db.knex('entries').where({ room_id: room, reason: 'second_person_timeout', person_id: a.personId })).toHaveLength(1);
  });

  it('exits are never denied: one of two leaves (the other is alone), then the last leaves', async () => {
    const room = await newRoom();
    await setRules(room, { twoPerson: { enabled: true } });
    const [a, b] = [await enrolled(room), await enrolled(room)];
    await scan(s.url, room, a.token, 'in');
    await scan(s.url, room, b.token, 'in');
    expect(await scan(s.url, room, a.token, 'out')).toMatchObject({ decision: 'granted', direction: 'out' });
    expect(await inside(room)).toEqual([b.personId]);
    expect(await scan(s.url, room, b.token)).toMatchObject({ decision: 'granted', direction: 'out' });
    expect(await inside(room)).toEqual([]);
  });

  it('one person left alone in a two-person room raises one lone_person alarm naming them, whichever exit left them so; it clears when they are not alone any more', async () => {
    const room = await newRoom();
    await setRules(room, { twoPerson: { enabled: true } });
    const [a, b] = [await enrolled(room), await enrolled(room)];
    await scan(s.url, room, a.token, 'in');
    await scan(s.url, room, b.token, 'in');
    const lone = () => s.ctx.db.knex('door_alarms').where({ room_id: room, kind: 'lone_person' }).orderBy('raised_at');
    // Two inside: nothing.
    await checkDoorTimers(s.ctx);
    expect(await lone()).toHaveLength(0);
    expect(await scan(s.url, room, a.token, 'out')).toMatchObject({ decision: 'granted' });
    // Every server checks (twice here, at once): one alarm, naming who is alone.
    await Promise.all([checkDoorTimers(s.ctx), checkDoorTimers(s.ctx)]);
    await checkDoorTimers(s.ctx);
    const raised = await lone();
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ door_id: null, cleared_at: null, acknowledged_at: null });
    expect(raised[0].detail).toMatchObject({ personId: b.personId });
    // B leaves: the condition ends (the alarm stays open until a guard acknowledges it) and is not raised again.
    await scan(s.url, room, b.token, 'out');
    await checkDoorTimers(s.ctx);
    const after = await lone();
    expect(after).toHaveLength(1);
    expect(after[0].cleared_at).not.toBeNull();
    expect(after[0].acknowledged_at).toBeNull();
  });

  it('10 people scanning at once, in pairs of rooms: each room gets exactly one pairing', async () => {
    const rooms = await Promise.all([newRoom(), newRoom()]);
    for (const r of rooms) await setRules(r, { twoPerson: { enabled: true, windowSeconds: 30 } });
    const people = await Promise.all(rooms.flatMap((r) => [enrolled(r), enrolled(r)]));
    const results = await Promise.all(people.map((p, i) => scan(s.url, rooms[Math.floor(i / 2)]!, p.token, 'in')));
    for (const [i, room] of rooms.entries()) {
      const mine = results.slice(i * 2, i * 2 + 2);
      expect(mine.map((r) => r.decision).sort()).toEqual(['denied', 'granted']);
      expect(await inside(room)).toHaveLength(2);
      expect(await s.ctx.db.knex('entries').where({ room_id: room, decision: 'granted' })).toHaveLength(2);
    }
  });

  it.runIf(usingPostgres)('two servers, two doors, 8 people scanning into an empty two-person room at once: exactly one pairing, everyone else alone or waiting, never one person inside alone', async () => {
    for (let round = 0; round < 3; round += 1) {
      const room = await newRoom();
      await setRules(room, { twoPerson: { enabled: true, windowSeconds: 30 } });
      const people = await Promise.all(Array.from({ length: 8 }, () => enrolled(room)));
      const results = await withSecondServer((other) => Promise.all(people.map((p, i) => scan(i % 2 ? other : s.url, room, p.token, 'in'))));
      const pairs = (await s.ctx.db.knex('entries').where({ room_id: room, decision: 'granted' }).whereRaw("'two_person' = ANY (flags)")) as unknown[];
      expect(pairs, 'one pairing: two granted entries flagged two_person').toHaveLength(2);
      // The first of the eight waited; the second paired; the other six joined an occupied room.
      expect(results.filter((r) => r.reason === 'pending_second_person')).toHaveLength(1);
      expect(await inside(room)).toHaveLength(8);
    }
  });
});

describe('timed anti-passback', () => {
  it('without it, a forgotten exit blocks re-entry (already_inside); with N hours, an older presence is replaced and flagged', async () => {
    const room = await newRoom();
    const a = await enrolled(room);
    await scan(s.url, room, a.token, 'in');
    // The exit was never scanned: the presence is 13 hours old.
    await s.ctx.db.knex('presence').where({ room_id: room, person_id: a.personId }).update({ entered_at: s.ctx.db.knex.raw("now() - interval '13 hours'") });
    expect(await scan(s.url, room, a.token, 'in')).toMatchObject({ decision: 'denied', reason: 'already_inside' });
    await setRules(room, { antiPassbackHours: 24 });
    expect(await scan(s.url, room, a.token, 'in')).toMatchObject({ decision: 'denied', reason: 'already_inside' });
    await setRules(room, { antiPassbackHours: 12 });
    const again = await scan(s.url, room, a.token, 'in');
    expect(again).toMatchObject({ decision: 'granted', direction: 'in', flags: ['stale_presence_replaced'] });
    const row = await s.ctx.db.knex('presence').where({ room_id: room, person_id: a.personId }).first();
    expect(String(row.entry_id)).toBe(again.entryId);
    expect(Date.now() - new Date(row.entered_at).getTime()).toBeLessThan(60_000);
    // Fresh again: the next entry is blocked, and toggling now leaves.
    expect(await scan(s.url, room, a.token, 'in')).toMatchObject({ decision: 'denied', reason: 'already_inside' });
    expect(await scan(s.url, room, a.token)).toMatchObject({ decision: 'granted', direction: 'out' });
    // The weekly access review lists the re-entry as a finding naming its entry (E4.2).
    const from = encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString());
    const to = encodeURIComponent(new Date(Date.now() + 1000).toISOString());
    await sleep(1100);
    const review = await ok(await request(s.url).get(`/api/reviews/findings?from=${from}&to=${to}`).set(auth()), 200);
    const found = review.findings.filter((f: { kind: string }) => f.kind === 'stale_presence_replaced');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ key: `stale_presence_replaced:${again.entryId}`, severity: 'warning', personIds: [a.personId], roomIds: [room] });
  });

  it('a toggling scan over a stale presence enters; two re-entries at once: one replaces, one is already_inside', async () => {
    const room = await newRoom();
    await setRules(room, { antiPassbackHours: 1 });
    const a = await enrolled(room);
    await scan(s.url, room, a.token, 'in');
    await s.ctx.db.knex('presence').where({ room_id: room, person_id: a.personId }).update({ entered_at: s.ctx.db.knex.raw("now() - interval '2 hours'") });
    expect(await scan(s.url, room, a.token)).toMatchObject({ decision: 'granted', direction: 'in', flags: ['stale_presence_replaced'] });
    await s.ctx.db.knex('presence').where({ room_id: room, person_id: a.personId }).update({ entered_at: s.ctx.db.knex.raw("now() - interval '2 hours'") });
    const both = await Promise.all([scan(s.url, room, a.token, 'in'), scan(s.url, room, a.token, 'in')]);
    expect(both.map((r) => r.decision).sort()).toEqual(['denied', 'granted']);
    expect(both.find((r) => r.decision === 'denied')!.reason).toBe('already_inside');
  });
});

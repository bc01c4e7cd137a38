// People, their appointments and their leaving (E1.1), NDAs (M6.3), trainings (E5), the
// subcontractor consent before badges (E8), and badges themselves: unguessable URL-safe tokens
// never stored, PIN rules and the PIN lockout (E3.11 i applied to badge PINs).
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { holderSetsPin } from '../helpers/pins.js';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.js';
import { ok, DAY, iso } from '../helpers/api.js';
import { checkBadgePin } from '../../server/badges/service.js';

let s: TestServer;
let token: string;
let contractorOrgId: string;
let depositorIds: string[] = [];

beforeAll(async () => {
  // The PIN/password hashing cost is not under test here; the lowest cost keeps this file fast.
  s = await startTestServer({ scryptCost: 1024 });
  token = await s.adminToken();
  const orgs = await request(s.url).get('/api/orgs').set(auth());
  contractorOrgId = orgs.body.items.find((o: { kind: string }) => o.kind === 'contractor').id;
  // Two depositors: a leave notifies each of them (E1.1).
  depositorIds = [await newOrg('depositor', '預託元 第一株式会社'), await newOrg('depositor', '預託元 第二株式会社')];
});
afterAll(async () => {
  await s?.close();
});

/**
 * A person with an account. The password is fixed: the helper's random default sometimes breaks
 * the password policy (its hex part can hold a run such as "123" or "abc"), making tests flaky.
 */
function withAccount(roles: string[]) {
  return s.createUser({ roles, password: 'Tq9#pW4$zN' });
}

function auth(t = token) {
  return { authorization: `Bearer ${t}` };
}



async function newOrg(kind: string, name = `${kind} ${crypto.randomBytes(2).toString('hex')}`): Promise<string> {
  return (await ok(await request(s.url).post('/api/orgs').set(auth()).send({ name, kind }), 201)).id;
}

let n = 0;
async function newPerson(roles: string[] = ['staff'], orgId = contractorOrgId): Promise<string> {
  n += 1;
  return (await ok(await request(s.url).post('/api/people').set(auth()).send({ name: `社員 ${n}号`, orgId, roles }), 201)).id;
}

/** A badge, with a first PIN set as its holder would (none when `pin` is null). */
async function newBadge(personId: string, pin: string | null = '258013') {
  const badge = await ok(await request(s.url).post('/api/badges').set(auth()).send({ personId }), 201);
  if (pin) await holderSetsPin(s.ctx, badge.id, pin);
  return badge;
}

async function newRoom(): Promise<string> {
  n += 1;
  return (await ok(await request(s.url).post('/api/rooms').set(auth()).send({ name: `室 ${n}`, kind: 'secure' }), 201)).id;
}

async function appointments(personId: string) {
  return (await ok(await request(s.url).get(`/api/people/${personId}/appointments`).set(auth()), 200)).items as Array<{
    role: string;
    change: string;
    at: string;
    note: string | null;
    byPersonId: string | null;
    byName: string | null;
    byActor: string;
  }>;
}

const countOf = async (table: string) => Number((await s.ctx.db.knex(table).count({ n: '*' }))[0]!.n);

describe('appointments history (E1.1)', () => {
  it('creating a person with roles records one "appointed" row per role, by whom and when', async () => {
    const before = Date.now();
    const personId = await newPerson(['responsible', 'staff']);
    const items = await appointments(personId);
    expect(items.map((i) => [i.role, i.change]).sort()).toEqual([
      ['responsible', 'appointed'],
      ['staff', 'appointed'],
    ]);
    for (const i of items) {
      expect(i.byPersonId).toBe(s.admin.personId);
      expect(i.byName).toBe(s.admin.name);
      expect(i.at).toMatch(/\+09:00$/);
      expect(new Date(i.at).getTime()).toBeGreaterThanOrEqual(before - 2000);
    }
  });

  it('PUT /api/people/:id/roles adds and removes: appointed/dismissed rows with who, when and the note', async () => {
    const personId = await newPerson(['staff']);
    const responsible = await withAccount(['responsible']);
    const rt = await s.login(responsible);
    const updated = await ok(await request(s.url).put(`/api/people/${personId}/roles`).set(auth(rt)).send({ roles: ['authorized', 'responsible'], note: '人事異動 2026-04' }), 200);
    expect(updated.roles.sort()).toEqual(['authorized', 'responsible']);
    const items = await appointments(personId);
    expect(items).toHaveLength(4);
    expect(items[0]).toMatchObject({ role: 'staff', change: 'appointed' });
    const later = items.slice(1);
    expect(later.map((i) => `${i.change}:${i.role}`).sort()).toEqual(['appointed:authorized', 'appointed:responsible', 'dismissed:staff']);
    for (const i of later) expect(i).toMatchObject({ byPersonId: responsible.personId, byName: responsible.name, note: '人事異動 2026-04' });

    // the same roles again: no change, no new rows
    await ok(await request(s.url).put(`/api/people/${personId}/roles`).set(auth(rt)).send({ roles: ['responsible', 'authorized'] }), 200);
    expect(await appointments(personId)).toHaveLength(4);
    // unknown role → 400, unknown person → 404
    expect((await request(s.url).put(`/api/people/${personId}/roles`).set(auth()).send({ roles: ['king'] })).status).toBe(400);
    expect((await request(s.url).put(`/api/people/${crypto.randomUUID()}/roles`).set(auth()).send({ roles: ['staff'] })).status).toBe(404);
  });

  it('a responsible user cannot appoint or dismiss admin (403) and nothing is recorded', async () => {
    const responsible = await withAccount(['responsible']);
    const rt = await s.login(responsible);
    const personId = await newPerson(['staff']);
    const r1 = await request(s.url).put(`/api/people/${personId}/roles`).set(auth(rt)).send({ roles: ['staff', 'admin'] });
    expect(r1.status).toBe(403);
    expect(r1.body.error.code).toBe('forbidden');
    expect(await appointments(personId)).toHaveLength(1);
    expect((await ok(await request(s.url).get(`/api/people/${personId}`).set(auth()), 200)).roles).toEqual(['staff']);
    // creating an admin: 403 as well
    const people0 = await countOf('people');
    expect((await request(s.url).post('/api/people').set(auth(rt)).send({ name: '昇格 試行', orgId: contractorOrgId, roles: ['admin'] })).status).toBe(403);
    expect(await countOf('people')).toBe(people0);
    // dismissing the administrator: 403
    expect((await request(s.url).put(`/api/people/${s.admin.personId}/roles`).set(auth(rt)).send({ roles: [] })).status).toBe(403);
    // an administrator may
    await ok(await request(s.url).put(`/api/people/${personId}/roles`).set(auth()).send({ roles: ['staff', 'admin'] }), 200);
    expect((await appointments(personId)).map((i) => `${i.change}:${i.role}`)).toContain('appointed:admin');
  });
});

describe('leaving (E1.1): resignations and transfers take effect at once', () => {
  interface Leaver {
    user: TestUser;
    token: string;
    badges: Array<{ id: string; token: string }>;
    rooms: string[];
  }

  async function leaver(): Promise<Leaver> {
    const user = await withAccount(['staff', 'authorized']);
    const t = await s.login(user);
    const badges = [await newBadge(user.personId), await newBadge(user.personId, '975318')];
    const rooms = [await newRoom(), await newRoom()];
    for (const room of rooms) await ok(await request(s.url).post(`/api/rooms/${room}/access`).set(auth()).send({ personId: user.personId }), 201);
    // signed in and working
    await ok(await request(s.url).get(`/api/people/${user.personId}`).set(auth(t)), 200);
    return { user, token: t, badges, rooms };
  }

  async function unchanged(l: Leaver) {
    const person = await ok(await request(s.url).get(`/api/people/${l.user.personId}`).set(auth()), 200);
    expect(person.leftAt).toBeNull();
    const badges = await ok(await request(s.url).get(`/api/badges?personId=${l.user.personId}`).set(auth()), 200);
    expect(badges.items.map((b: { status: string }) => b.status)).toEqual(['valid', 'valid']);
    expect(await s.ctx.db.knex('room_access').where({ person_id: l.user.personId }).count({ n: '*' }).then((r) => Number(r[0]!.n))).toBe(2);
    expect(await s.ctx.db.knex('notifications').where({ person_id: l.user.personId }).count({ n: '*' }).then((r) => Number(r[0]!.n))).toBe(0);
    expect((await request(s.url).get(`/api/people/${l.user.personId}`).set(auth(l.token))).status).toBe(200);
    expect((await appointments(l.user.personId)).every((a) => a.change === 'appointed')).toBe(true);
  }

  it('revokes every badge and room access, ends the sessions (401 at once), dismisses the roles and notifies each depositor', async () => {
    const l = await leaver();
    const res = await ok(await request(s.url).post(`/api/people/${l.user.personId}/leave`).set(auth()).send({ reason: 'resigned' }), 200);
    expect(res).toMatchObject({ revokedBadges: 2, removedRoomAccess: 2, endedSessions: 1 });
    expect(res.person.leftAt).toMatch(/\+09:00$/);
    expect(res.person.leftReason).toBe('resigned');
    expect(res.notificationIds).toHaveLength(depositorIds.length);

    // the leaver's session is over at once: ended in the database by the leave itself (not only
    // refused later because the person has left) and the account is disabled
    const knex = s.ctx.db.knex;
    const account = await knex('accounts').where({ person_id: l.user.personId }).first('id', 'disabled_at');
    expect(account.disabled_at).not.toBeNull();
    const sessions = await knex('sessions').where({ account_id: account.id });
    expect(sessions.length).toBeGreaterThan(0);
    for (const session of sessions) expect(session).toMatchObject({ ended_at: expect.any(Date), end_reason: 'account_disabled' });
    const after = await request(s.url).get(`/api/people/${l.user.personId}`).set(auth(l.token));
    expect(after.status).toBe(401);
    // and they cannot sign in again
    expect((await request(s.url).post('/api/auth/login').send({ username: l.user.username, password: l.user.password })).status).toBe(401);

    const badges = await ok(await request(s.url).get(`/api/badges?personId=${l.user.personId}`).set(auth()), 200);
    expect(badges.items).toHaveLength(2);
    for (const b of badges.items) expect(b).toMatchObject({ status: 'revoked', revokedReason: 'left' });
    for (const room of l.rooms) {
      const list = await ok(await request(s.url).get(`/api/rooms/${room}/access`).set(auth()), 200);
      expect(list.items.map((i: { personId: string }) => i.personId)).not.toContain(l.user.personId);
      const scan = await ok(await request(s.url).post('/api/scans').set(auth()).send({ roomId: room, badge: l.badges[0]!.token }), 201);
      expect(scan).toMatchObject({ decision: 'denied', reason: 'badge_revoked' });
    }
    const dismissed = (await appointments(l.user.personId)).filter((a) => a.change === 'dismissed');
    expect(dismissed.map((a) => a.role).sort()).toEqual(['authorized', 'staff']);
    for (const d of dismissed) expect(d).toMatchObject({ note: 'resigned', byPersonId: s.admin.personId });

    // one open notification per depositor, naming the person
    const open = await ok(await request(s.url).get('/api/notifications?open=true').set(auth()), 200);
    const mine = open.items.filter((i: { personId: string }) => i.personId === l.user.personId);
    expect(mine.map((i: { depositorOrgId: string }) => i.depositorOrgId).sort()).toEqual([...depositorIds].sort());
    for (const i of mine) {
      expect(i.kind).toBe('personnel_change');
      expect(i.message).toContain(l.user.name);
      expect(i.acknowledgedAt).toBeNull();
    }
    // the journal holds the leave
    const j = await s.ctx.db.knex('journal_entries').where({ action: 'people.left', subject: `person:${l.user.personId}` }).first();
    expect(JSON.parse(j.payload)).toMatchObject({ reason: 'resigned', revokedBadges: 2, removedRoomAccess: 2 });

    // acknowledge one: it leaves the open list; twice → 409; unknown → 404
    const first = mine[0].id as string;
    const ack = await ok(await request(s.url).post(`/api/notifications/${first}/acknowledge`).set(auth()), 200);
    expect(ack.acknowledgedAt).toMatch(/\+09:00$/);
    expect(ack.acknowledgedBy).toBe(s.admin.personId);
    const open2 = await ok(await request(s.url).get('/api/notifications?open=true').set(auth()), 200);
    const ids2 = open2.items.map((i: { id: string }) => i.id);
    expect(ids2).not.toContain(first);
    expect(ids2).toContain(mine[1].id);
    const closed = await ok(await request(s.url).get('/api/notifications?open=false').set(auth()), 200);
    expect(closed.items.map((i: { id: string }) => i.id)).toContain(first);
    const again = await request(s.url).post(`/api/notifications/${first}/acknowledge`).set(auth());
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('already_acknowledged');
    expect((await request(s.url).post(`/api/notifications/${crypto.randomUUID()}/acknowledge`).set(auth())).status).toBe(404);

    // leaving twice → 409, nothing more recorded
    const notes0 = await countOf('notifications');
    const twice = await request(s.url).post(`/api/people/${l.user.personId}/leave`).set(auth()).send({ reason: 'transferred' });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('already_left');
    expect(await countOf('notifications')).toBe(notes0);
    expect((await ok(await request(s.url).get(`/api/people/${l.user.personId}`).set(auth()), 200)).leftReason).toBe('resigned');

    // someone who left gets no new badge, no room access, no role change
    expect((await request(s.url).post('/api/badges').set(auth()).send({ personId: l.user.personId })).status).toBe(409);
    expect((await request(s.url).post(`/api/rooms/${l.rooms[0]}/access`).set(auth()).send({ personId: l.user.personId })).status).toBe(409);
    expect((await request(s.url).put(`/api/people/${l.user.personId}/roles`).set(auth()).send({ roles: ['staff'] })).status).toBe(409);
  });

  it('a transfer with a past effectiveAt records that time', async () => {
    const l = await leaver();
    const when = new Date(Date.now() - 3 * DAY);
    const res = await ok(await request(s.url).post(`/api/people/${l.user.personId}/leave`).set(auth()).send({ reason: 'transferred', effectiveAt: when.toISOString() }), 200);
    expect(new Date(res.person.leftAt).getTime()).toBe(when.getTime());
    expect(res.person.leftReason).toBe('transferred');
    expect(res.revokedBadges).toBe(2);
  });

  it('a future effectiveAt → 400 and nothing changes', async () => {
    const l = await leaver();
    const res = await request(s.url).post(`/api/people/${l.user.personId}/leave`).set(auth()).send({ reason: 'resigned', effectiveAt: iso(7 * DAY) });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain('body.effectiveAt');
    await unchanged(l);
  });

  it('bad reason → 400; unknown person → 404; neither changes anything', async () => {
    const l = await leaver();
    expect((await request(s.url).post(`/api/people/${l.user.personId}/leave`).set(auth()).send({ reason: 'fired' })).status).toBe(400);
    expect((await request(s.url).post(`/api/people/${l.user.personId}/leave`).set(auth()).send({})).status).toBe(400);
    const notes0 = await countOf('notifications');
    const journal0 = await countOf('journal_entries');
    expect((await request(s.url).post(`/api/people/${crypto.randomUUID()}/leave`).set(auth()).send({ reason: 'resigned' })).status).toBe(404);
    expect(await countOf('notifications')).toBe(notes0);
    expect(await countOf('journal_entries')).toBe(journal0);
    await unchanged(l);
  });

  it('all in one transaction: a failure at the very last step (the notification) leaves no partial change', async () => {
    const l = await leaver();
    const knex = s.ctx.db.knex;
    // Make the depositor notification — written after the badges, room access, accounts and
    // appointments — fail for this one person, as a database fault would.
    await knex.raw(
      `CREATE FUNCTION test_fail_notification() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NEW.person_id = '${l.user.personId}'::uuid THEN RAISE EXCEPTION 'injected failure'; END IF;
         RETURN NEW;
       END $$`,
    );
    await knex.raw('CREATE TRIGGER test_fail_notification BEFORE INSERT ON notifications FOR EACH ROW EXECUTE FUNCTION test_fail_notification()');
    try {
      const journal0 = await countOf('journal_entries');
      const res = await request(s.url).post(`/api/people/${l.user.personId}/leave`).set(auth()).send({ reason: 'resigned' });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(JSON.stringify(res.body)).not.toContain('injected failure');
      expect(await countOf('journal_entries')).toBe(journal0);
      await unchanged(l);
      const account = await knex('accounts').where({ person_id: l.user.personId }).first('disabled_at');
      expect(account.disabled_at).toBeNull();
    } finally {
      await knex.raw('DROP TRIGGER test_fail_notification ON notifications');
      await knex.raw('DROP FUNCTION test_fail_notification()');
    }
    // without the fault the same request succeeds
    await ok(await request(s.url).post(`/api/people/${l.user.personId}/leave`).set(auth()).send({ reason: 'resigned' }), 200);
  });
});

describe('NDAs (M6.3) and trainings (E5): records with validation', () => {
  it('NDA: recorded and listed; expiresAt before (or equal to) signedAt → 400; unknown person → 404; nothing recorded on failure', async () => {
    const personId = await newPerson(['visitor'], await newOrg('visitor_company'));
    const signedAt = '2026-04-01T10:00:00+09:00';
    const nda = await ok(await request(s.url).post('/api/ndas').set(auth()).send({ personId, signedAt, expiresAt: '2027-03-31T23:59:59+09:00', documentRef: '念書 No.12' }), 201);
    expect(nda).toMatchObject({ personId, documentRef: '念書 No.12', signedAt: '2026-04-01T10:00:00.000+09:00', expiresAt: '2027-03-31T23:59:59.000+09:00' });
    const listed = await ok(await request(s.url).get(`/api/ndas?personId=${personId}`).set(auth()), 200);
    expect(listed.items.map((i: { id: string }) => i.id)).toEqual([nda.id]);

    const ndas0 = await countOf('ndas');
    const bad = await request(s.url).post('/api/ndas').set(auth()).send({ personId, signedAt, expiresAt: '2026-03-01T00:00:00+09:00', documentRef: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { field: string }) => d.field)).toContain('body.expiresAt');
    expect((await request(s.url).post('/api/ndas').set(auth()).send({ personId, signedAt, expiresAt: signedAt, documentRef: 'x' })).status).toBe(400);
    expect((await request(s.url).post('/api/ndas').set(auth()).send({ personId: crypto.randomUUID(), signedAt, documentRef: 'x' })).status).toBe(404);
    expect((await request(s.url).post('/api/ndas').set(auth()).send({ personId, signedAt })).status).toBe(400);
    expect((await request(s.url).post('/api/ndas').set(auth()).send({ personId, signedAt: '2026-04-01 10:00', documentRef: 'x' })).status).toBe(400);
    expect((await request(s.url).post('/api/ndas').set(auth()).send({ personId, signedAt: 'yesterday', documentRef: 'x' })).status).toBe(400);
    expect(await countOf('ndas')).toBe(ndas0);
  });

  it('training: recorded with participants and listed per person; unknown participant → 404 and nothing recorded; duplicates/empty → 400', async () => {
    const a = await newPerson();
    const b = await newPerson();
    const body = { title: '情報セキュリティ教育 2026', heldAt: '2026-05-10T14:00:00+09:00', instructor: '講師 一郎', method: '集合研修', content: '預託情報保護要領、監視、個人情報保護、ウイルス対策、ソフトウェア、懲戒', participantIds: [a, b] };
    const t = await ok(await request(s.url).post('/api/trainings').set(auth()).send(body), 201);
    expect(t).toMatchObject({ title: body.title, instructor: body.instructor, method: body.method, content: body.content, heldAt: '2026-05-10T14:00:00.000+09:00' });
    expect([...t.participantIds].sort()).toEqual([a, b].sort());
    const forA = await ok(await request(s.url).get(`/api/trainings?personId=${a}`).set(auth()), 200);
    expect(forA.items.map((i: { id: string }) => i.id)).toEqual([t.id]);
    const forOther = await ok(await request(s.url).get(`/api/trainings?personId=${await newPerson()}`).set(auth()), 200);
    expect(forOther.items).toEqual([]);

    const trainings0 = await countOf('trainings');
    const participants0 = await countOf('training_participants');
    const journal0 = await countOf('journal_entries');
    const unknown = await request(s.url).post('/api/trainings').set(auth()).send({ ...body, participantIds: [a, crypto.randomUUID()] });
    expect(unknown.status).toBe(404);
    expect((await request(s.url).post('/api/trainings').set(auth()).send({ ...body, participantIds: [a, a] })).status).toBe(400);
    expect((await request(s.url).post('/api/trainings').set(auth()).send({ ...body, participantIds: [] })).status).toBe(400);
    const { instructor: _omit, ...noInstructor } = body;
    expect((await request(s.url).post('/api/trainings').set(auth()).send(noInstructor)).status).toBe(400);
    expect((await request(s.url).post('/api/trainings').set(auth()).send({ ...body, heldAt: 'last week' })).status).toBe(400);
    expect(await countOf('trainings')).toBe(trainings0);
    expect(await countOf('training_participants')).toBe(participants0);
    expect(await countOf('journal_entries')).toBe(journal0);
  });

  it('staff may read but not record NDAs or trainings (403)', async () => {
    const staff = await withAccount(['staff']);
    const st = await s.login(staff);
    const personId = await newPerson();
    expect((await request(s.url).post('/api/ndas').set(auth(st)).send({ personId, signedAt: iso(-DAY), documentRef: 'x' })).status).toBe(403);
    expect((await request(s.url).post('/api/trainings').set(auth(st)).send({ title: 't', heldAt: iso(-DAY), instructor: 'i', method: 'm', content: 'c', participantIds: [personId] })).status).toBe(403);
  });
});

describe('E8: a subcontractor’s people get badges only after the depositor’s written consent', () => {
  it('409 consent_missing until POST /api/orgs/:id/consents; then 201', async () => {
    const sub = await newOrg('subcontractor', '再委託 株式会社');
    const personId = await newPerson(['staff'], sub);
    const badges0 = await countOf('badges');
    const refused = await request(s.url).post('/api/badges').set(auth()).send({ personId });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('consent_missing');
    expect(await countOf('badges')).toBe(badges0);

    // an expired consent and one granted only in the future do not count
    const expired = await ok(await request(s.url).post(`/api/orgs/${sub}/consents`).set(auth()).send({ grantedAt: iso(-800 * DAY), expiresAt: iso(-400 * DAY), documentRef: '承諾書 2024' }), 201);
    expect(expired.validNow).toBe(false);
    const future = await ok(await request(s.url).post(`/api/orgs/${sub}/consents`).set(auth()).send({ grantedAt: iso(30 * DAY), documentRef: '承諾書 予定' }), 201);
    expect(future.validNow).toBe(false);
    expect((await request(s.url).post('/api/badges').set(auth()).send({ personId })).body.error.code).toBe('consent_missing');

    const consent = await ok(await request(s.url).post(`/api/orgs/${sub}/consents`).set(auth()).send({ depositorOrgId: depositorIds[0], grantedAt: iso(-DAY), documentRef: '再委託承諾書 No.7' }), 201);
    expect(consent).toMatchObject({ orgId: sub, validNow: true });
    const badge = await ok(await request(s.url).post('/api/badges').set(auth()).send({ personId }), 201);
    expect(badge.personId).toBe(personId);
  });

  it('consents: only for subcontractors (and disposal vendors); the depositor must be a depositor; unknown org → 404', async () => {
    const c = await request(s.url).post(`/api/orgs/${contractorOrgId}/consents`).set(auth()).send({ grantedAt: iso(-DAY), documentRef: 'x' });
    expect(c.status).toBe(409);
    expect(c.body.error.code).toBe('consent_not_applicable');
    const sub = await newOrg('subcontractor');
    expect((await request(s.url).post(`/api/orgs/${sub}/consents`).set(auth()).send({ depositorOrgId: contractorOrgId, grantedAt: iso(-DAY), documentRef: 'x' })).status).toBe(400);
    expect((await request(s.url).post(`/api/orgs/${crypto.randomUUID()}/consents`).set(auth()).send({ grantedAt: iso(-DAY), documentRef: 'x' })).status).toBe(404);
    // A consent that ends before (or when) it begins is refused at the field, and nothing is recorded.
    const before = await s.ctx.db.knex('org_consents').where({ org_id: sub }).count<{ count: string }[]>({ count: '*' });
    const grantedAt = iso(-DAY);
    for (const expiresAt of [iso(-2 * DAY), grantedAt]) {
      const bad = await request(s.url).post(`/api/orgs/${sub}/consents`).set(auth()).send({ grantedAt, expiresAt, documentRef: 'x' });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details).toEqual([expect.objectContaining({ field: 'body.expiresAt', code: 'before_granted' })]);
    }
    expect(await s.ctx.db.knex('org_consents').where({ org_id: sub }).count<{ count: string }[]>({ count: '*' })).toEqual(before);
  });

  it('people of other organisations need no consent', async () => {
    for (const kind of ['visitor_company', 'carrier', 'depositor']) {
      const personId = await newPerson(['visitor'], await newOrg(kind));
      await newBadge(personId);
    }
  });
});

describe('badges: tokens, storage and PINs (E6.3)', () => {
  it('the token is tb1_ + 44 URL-safe characters (≥ 128 bits); two badges of one person have unrelated tokens', async () => {
    const personId = await newPerson();
    const a = await newBadge(personId);
    const b = await newBadge(personId);
    for (const t of [a.token, b.token]) expect(t).toMatch(/^tb1_[A-Za-z0-9_-]{44}$/);
    // 44 base64url characters carry 264 bits; at least the random nonce (22 chars, 128 bits) differs
    expect(a.token).not.toBe(b.token);
    const sameAt = [...a.token.slice(4)].filter((ch, i) => ch === b.token[4 + i]).length;
    expect(sameAt).toBeLessThan(10); // ~0.7 expected by chance
    expect(a.token.slice(4, 26)).not.toBe(b.token.slice(4, 26));
    // not derived from the person: the person id does not appear in it
    expect(a.token).not.toContain(personId.replace(/-/g, '').slice(0, 8));
    // many tokens: all distinct
    const more = await Promise.all(Array.from({ length: 6 }, () => newBadge(personId)));
    expect(new Set([a.token, b.token, ...more.map((m) => m.token)]).size).toBe(8);
  });

  it('the badges table holds no token (every column searched), and the API never shows it again', async () => {
    const personId = await newPerson();
    const badge = await newBadge(personId);
    const rows = (await s.ctx.db.knex.raw('SELECT b::text AS t FROM badges b')).rows as Array<{ t: string }>;
    const all = rows.map((r) => r.t).join('\n');
    expect(all).not.toContain(badge.token);
    expect(all).not.toContain(badge.token.slice(26)); // the MAC part
    expect(all).not.toContain(s.admin.badgeToken);
    const one = await ok(await request(s.url).get(`/api/badges/${badge.id}`).set(auth()), 200);
    expect(JSON.stringify(one)).not.toContain(badge.token);
    expect('token' in one).toBe(false);
    const list = await request(s.url).get(`/api/badges?personId=${personId}`).set(auth());
    expect(list.text).not.toContain(badge.token);
    // and the journal neither
    const journal = (await s.ctx.db.knex.raw('SELECT j::text AS t FROM journal_entries j')).rows as Array<{ t: string }>;
    expect(journal.map((r) => r.t).join('\n')).not.toContain(badge.token);
  });

  it('review finding 1: a PIN at issuance is refused (400, body.pin); validUntil in the past → 400; unknown person → 404; issued without a PIN', async () => {
    const personId = await newPerson();
    const badges0 = await countOf('badges');
    for (const pin of ['123456', '482913', '12a4', '', null]) {
      const res = await request(s.url).post('/api/badges').set(auth()).send({ personId, pin });
      expect(res.status, `pin ${JSON.stringify(pin)}`).toBe(400);
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain('body.pin');
    }
    expect((await request(s.url).post('/api/badges').set(auth()).send({ personId, validUntil: iso(-DAY) })).status).toBe(400);
    expect((await request(s.url).post('/api/badges').set(auth()).send({ personId: crypto.randomUUID() })).status).toBe(404);
    expect(await countOf('badges')).toBe(badges0);
    const withEnd = await ok(await request(s.url).post('/api/badges').set(auth()).send({ personId, validUntil: iso(30 * DAY) }), 201);
    expect(withEnd.validUntil).toMatch(/\+09:00$/);
    expect(withEnd).toMatchObject({ status: 'valid', pinSet: false, pinSetAt: null });
    const row = await s.ctx.db.knex('badges').where({ id: withEnd.id }).first();
    expect(row.pin_hash).toBeNull();
    // the holder's PIN is stored keyed with the server's pepper and hashed, never in clear
    await holderSetsPin(s.ctx, withEnd.id, '730461');
    const set = await s.ctx.db.knex('badges').where({ id: withEnd.id }).first();
    expect(JSON.stringify(set)).not.toContain('730461');
    expect(set.pin_hash).toMatch(/^pin1\$scrypt\$/);
    expect(await ok(await request(s.url).get(`/api/badges/${withEnd.id}`).set(auth()), 200)).toMatchObject({ pinSet: true, pinSetHow: 'cli' });
  });

  it('checkBadgePin: right PIN ok; 4 wrong then right resets; 5 wrong lock (pin_locked) even for the right PIN; journal badges.pin_locked', async () => {
    const personId = await newPerson();
    const badge = await newBadge(personId, '482915');
    expect(await checkBadgePin(s.ctx, badge.token, '482915')).toMatchObject({ ok: true });
    for (let i = 0; i < 4; i++) expect(await checkBadgePin(s.ctx, badge.token, '000000')).toMatchObject({ ok: false, reason: 'wrong_pin' });
    expect(await checkBadgePin(s.ctx, badge.token, '482915')).toMatchObject({ ok: true });
    // the counter was reset: four more wrong PINs do not lock
    for (let i = 0; i < 4; i++) expect(await checkBadgePin(s.ctx, badge.token, '111111')).toMatchObject({ ok: false, reason: 'wrong_pin' });
    expect(await checkBadgePin(s.ctx, badge.token, '482915')).toMatchObject({ ok: true });
    expect(await s.ctx.db.knex('journal_entries').where({ action: 'badges.pin_locked', subject: `badge:${badge.id}` }).first()).toBeUndefined();

    for (let i = 0; i < 5; i++) expect(await checkBadgePin(s.ctx, badge.token, '222222')).toMatchObject({ ok: false, reason: 'wrong_pin' });
    const locked = await checkBadgePin(s.ctx, badge.token, '482915');
    expect(locked).toMatchObject({ ok: false, reason: 'pin_locked' });
    expect(locked.ok === false && locked.retryAfterSeconds).toBeGreaterThan(14 * 60);
    const j = await s.ctx.db.knex('journal_entries').where({ action: 'badges.pin_locked', subject: `badge:${badge.id}` });
    expect(j).toHaveLength(1);
    expect(JSON.parse(j[0].payload)).toMatchObject({ failures: 5, lockMinutes: 15 });

    // once the lock has run out the right PIN works again
    await s.ctx.db.knex('badges').where({ id: badge.id }).update({ pin_locked_until: new Date(Date.now() - 1000) });
    expect(await checkBadgePin(s.ctx, badge.token, '482915')).toMatchObject({ ok: true });
  });

  it('checkBadgePin: unknown, revoked and expired badges are refused before the PIN is looked at', async () => {
    expect(await checkBadgePin(s.ctx, `tb1_${crypto.randomBytes(33).toString('base64url')}`, '1234')).toMatchObject({ ok: false, reason: 'unknown_badge' });
    const personId = await newPerson();
    const revoked = await newBadge(personId, '120934');
    await ok(await request(s.url).post(`/api/badges/${revoked.id}/revoke`).set(auth()).send({ reason: 'returned' }), 200);
    expect(await checkBadgePin(s.ctx, revoked.token, '120934')).toMatchObject({ ok: false, reason: 'badge_revoked' });
    const expired = await newBadge(personId, '120934');
    await s.ctx.db.knex('badges').where({ id: expired.id }).update({ valid_until: new Date(Date.now() - 1000) });
    expect(await checkBadgePin(s.ctx, expired.token, '120934')).toMatchObject({ ok: false, reason: 'badge_expired' });
    // a badge whose holder has not set a PIN signs nothing, and the attempt counts nothing
    const fresh = await newBadge(personId, null);
    expect(await checkBadgePin(s.ctx, fresh.token, '120934')).toMatchObject({ ok: false, reason: 'pin_not_set' });
    expect((await s.ctx.db.knex('badges').where({ id: fresh.id }).first()).pin_failures).toBe(0);
    // wrong PINs on a refused badge count nothing
    expect((await s.ctx.db.knex('badges').where({ id: expired.id }).first()).pin_failures).toBe(0);
  });

  it('revoke: reasons validated (400), unknown badge 404, the badge shows revoked with its reason', async () => {
    const personId = await newPerson();
    const b = await newBadge(personId);
    expect((await request(s.url).post(`/api/badges/${b.id}/revoke`).set(auth()).send({ reason: 'stolen?' })).status).toBe(400);
    expect((await request(s.url).post(`/api/badges/${crypto.randomUUID()}/revoke`).set(auth()).send({ reason: 'lost' })).status).toBe(404);
    const r = await ok(await request(s.url).post(`/api/badges/${b.id}/revoke`).set(auth()).send({ reason: 'returned' }), 200);
    expect(r).toMatchObject({ status: 'revoked', revokedReason: 'returned' });
    expect(r.revokedAt).toMatch(/\+09:00$/);
  });
});

describe('the journal holds after all of the above', () => {
  it('GET /api/journal/verify → ok', async () => {
    const v = await ok(await request(s.url).get('/api/journal/verify').set(auth()), 200);
    expect(v.ok).toBe(true);
  });
});

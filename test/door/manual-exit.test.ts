// A person whose badge was revoked while inside (e.g. recorded as having left) cannot scan out;
// the guard records the exit by hand so occupancy and the muster list stay true (E6.2, E9.1).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { verifyJournal } from '../../server/journal/verify.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
let token: string;
beforeAll(async () => {
  s = await startTestServer({ scryptCost: 1024 });
  token = await s.adminToken();
});
afterAll(async () => {
  await s?.close();
});
const auth = (t = token) => ({ authorization: `Bearer ${t}` });

describe('manual exit', () => {
  it('records the exit of someone whose badge was revoked inside, once, with who and why', async () => {
    const room = (await request(s.url).post('/api/rooms').set(auth()).send({ name: '第2処理室', kind: 'secure' })).body;
    const orgs = (await request(s.url).get('/api/orgs').set(auth())).body.items;
    const person = (await request(s.url).post('/api/people').set(auth()).send({ name: '中村 陽介', orgId: orgs[0].id, roles: ['staff'] })).body;
    const badge = (await request(s.url).post('/api/badges').set(auth()).send({ personId: person.id })).body;
    await request(s.url).post(`/api/rooms/${room.id}/access`).set(auth()).send({ personId: person.id }).expect(201);
    expect((await request(s.url).post('/api/scans').set(auth()).send({ roomId: room.id, badge: badge.token })).body.decision).toBe('granted');
    await request(s.url).post(`/api/people/${person.id}/leave`).set(auth()).send({ reason: 'resigned' }).expect(200);

    const out = await request(s.url).post('/api/scans').set(auth()).send({ roomId: room.id, badge: badge.token, direction: 'out' });
    expect(out.body).toMatchObject({ decision: 'denied', reason: 'badge_revoked' });
    expect((await request(s.url).get(`/api/rooms/${room.id}/occupancy`).set(auth())).body.count).toBe(1);

    const staff = await s.createUser({ roles: ['staff'], password: 'Tq9#pW4$zN' });
    const path = `/api/rooms/${room.id}/occupancy/${person.id}/exit`;
    expect((await request(s.url).post(path).set(auth(await s.login(staff))).send({ note: 'x' })).status).toBe(403);
    expect((await request(s.url).post(path).set(auth()).send({})).status).toBe(400);

    const exit = await request(s.url).post(path).set(auth()).send({ note: '入館証失効後、受付で退室を確認' });
    expect(exit.status, JSON.stringify(exit.body)).toBe(201);
    expect(exit.body).toMatchObject({ person: { id: person.id, name: '中村 陽介' }, flags: ['manual_exit'] });
    expect(exit.body.at).toMatch(/\+09:00$/);
    expect((await request(s.url).get(`/api/rooms/${room.id}/occupancy`).set(auth())).body.count).toBe(0);
    const entry = await s.ctx.db.knex('entries').where({ id: exit.body.entryId }).first();
    expect(entry).toMatchObject({ direction: 'out', decision: 'granted', flags: ['manual_exit'], person_id: person.id });
    const journal = await s.ctx.db.knex('journal_entries').where({ action: 'door.manual_exit' }).first();
    expect(JSON.parse(journal.payload)).toMatchObject({ personId: person.id, note: '入館証失効後、受付で退室を確認' });

    const again = await request(s.url).post(path).set(auth()).send({ note: 'twice' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('not_inside');
    expect((await verifyJournal(s.ctx.db.knex, s.ctx.secrets.signing)).ok).toBe(true);
  });
});

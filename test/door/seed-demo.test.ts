// `tachiai seed-demo`: the demo site works for the door flows and can only be created once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { seedDemo, type DemoSite } from '../../server/demo/seed.js';
import { verifyJournal } from '../../server/journal/verify.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
let site: DemoSite;
beforeAll(async () => {
  s = await startTestServer({ scryptCost: 1024 });
  site = await seedDemo(s.ctx);
});
afterAll(async () => {
  await s?.close();
});

describe('seed-demo', () => {
  it('creates rooms and people whose accounts and badges work at the door', async () => {
    const guard = site.people.find((p) => p.roles.includes('guard'))!;
    const token = await s.login({ username: guard.username!, password: guard.password! });
    const secure = site.rooms.find((r) => r.kind === 'secure')!;
    const responsible = site.people.find((p) => p.roles.includes('responsible'))!;
    const visitor = site.people.find((p) => p.roles.includes('visitor'))!;
    const scan = (badge: string) => request(s.url).post('/api/scans').set('authorization', `Bearer ${token}`).send({ roomId: secure.id, badge, direction: 'in' });
    expect((await scan(responsible.badgeToken)).body).toMatchObject({ decision: 'granted', person: { name: responsible.name } });
    // The visitor has an NDA but no training: the secure room requires one (E5).
    expect((await scan(visitor.badgeToken)).body).toMatchObject({ decision: 'denied', reason: 'training_missing' });
    expect((await verifyJournal(s.ctx.db.knex, s.ctx.secrets.signing)).ok).toBe(true);
  });

  it('has locked storage with media that the demo people can check out and return (E1.2)', async () => {
    expect(site.locations.map((l) => l.kind).sort()).toEqual(['cabinet', 'safe']);
    expect(site.media.length).toBeGreaterThanOrEqual(5);
    const staff = site.people.find((p) => p.roles.includes('staff') && p.username)!;
    const token = await s.login({ username: staff.username!, password: staff.password! });
    const auth = { authorization: `Bearer ${token}` };
    const secure = site.rooms.find((r) => r.kind === 'secure')!;
    const me = (await request(s.url).get('/api/auth/me').set(auth)).body;
    const admin = { authorization: `Bearer ${await s.adminToken()}` };
    expect((await request(s.url).post('/api/scans').set(admin).send({ roomId: secure.id, badge: staff.badgeToken, direction: 'in' })).body.decision).toBe('granted');
    const medium = site.media[0]!;
    const out = await request(s.url).post(`/api/media/${medium.id}/checkout`).set(auth).send({ personId: me.user.personId, badge: staff.badgeToken, pin: staff.badgePin });
    expect(out.status, JSON.stringify(out.body)).toBe(201);
    const locations = (await request(s.url).get('/api/locations').set(auth)).body.items;
    const back = await request(s.url).post(`/api/media/${medium.id}/checkin`).set(auth).send({ locationId: locations[0].id, badge: staff.badgeToken, pin: staff.badgePin });
    expect(back.status, JSON.stringify(back.body)).toBe(201);
  });

  it('refuses to run twice', async () => {
    await expect(seedDemo(s.ctx)).rejects.toThrow(/already/);
  });
});

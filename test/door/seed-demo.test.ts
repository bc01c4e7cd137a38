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

  it('refuses to run twice', async () => {
    await expect(seedDemo(s.ctx)).rejects.toThrow(/already/);
  });
});

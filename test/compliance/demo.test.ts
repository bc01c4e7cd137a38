// The demo site (`tachiai seed-demo`) in the compliance view (issue 18): records that satisfy
// some clauses and break others, so that every kind of status can be tried — and the responsible
// person of the demo attests an OUT clause with their own badge and PIN.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { seedDemo, type DemoSite } from '../../server/demo/seed.js';
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

describe('the demo site in the compliance view', () => {
  it('shows the rows it was built to show, read by the demo auditor-like reader (authorised person)', async () => {
    const authorised = site.people.find((p) => p.roles.includes('authorized'))!;
    const token = await s.login({ username: authorised.username!, password: authorised.password! });
    const res = await request(s.url).get('/api/compliance').set('authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    const rows = Object.fromEntries((res.body.rows as Array<{ id: string; status: string; reasons: Array<{ code: string; params: Record<string, unknown> }> }>).map((r) => [r.id, r]));
    // E1.1: the staff member has not met the depositor's contact yet.
    expect(rows['E1.1']).toMatchObject({ status: 'attention', reasons: [{ code: 'no_interview', params: { role: 'staff', person: '高橋 翔' } }] });
    // E5.2: topic c was left out of the training (and the visitor took none: E5.1).
    expect(rows['E5.2']!.status).toBe('attention');
    expect(rows['E5.2']!.reasons).toContainEqual(expect.objectContaining({ code: 'topics_missing', params: { person: '佐藤 健一', topics: 'c' } }));
    expect(rows['E5.1']).toMatchObject({ status: 'attention', reasons: [{ code: 'untrained', params: { people: '渡辺 さくら' } }] });
    // E9.1: a manager and a drill 45 days ago; E9.2: no migration drill yet.
    expect(rows['E9.1']!.status).toBe('ok');
    expect(rows['E9.2']!.status).toBe('missing');
    // E8: the subcontractor has its consent.
    expect(rows['E8.1']!.status).toBe('ok');
  });

  it('the demo\'s responsible person attests E2.4 with badge and PIN', async () => {
    const responsible = site.people.find((p) => p.roles.includes('responsible'))!;
    const token = await s.login({ username: responsible.username!, password: responsible.password! });
    const personId = (await request(s.url).get('/api/auth/me').set('authorization', `Bearer ${token}`)).body.user.personId as string;
    const res = await request(s.url)
      .post('/api/compliance/attestations')
      .set('authorization', `Bearer ${token}`)
      .send({ clauseId: 'E2.4', note: 'サーバーの Telnet とリモートアクセスが無効であることを確認', signer: { personId, badge: responsible.badgeToken, pin: responsible.badgePin } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const view = await request(s.url).get('/api/compliance').set('authorization', `Bearer ${token}`);
    expect(view.body.rows.find((r: { id: string }) => r.id === 'E2.4').status).toBe('ok');
  });
});

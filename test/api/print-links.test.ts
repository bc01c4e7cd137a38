// Printables that can be reopened (issue "the front desk in daily use", item 5): a short-lived
// print link bound to the signed-in user and one document opens the page without the bearer token
// (a new window, chromium --print-to-pdf); another user, another document, or after its time: no.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { custodySite, type CustodySite } from '../helpers/custody.js';

let s: TestServer;
let site: CustodySite;
beforeAll(async () => {
  s = await startTestServer({ scryptCost: 1024 });
  site = await custodySite(s);
});
afterAll(async () => {
  await s?.close();
});

const link = (path: string, token?: string) => site.call('post', '/api/print-links', { path }, token);

describe('print links', () => {
  it('open the page without a bearer token, for a few minutes; the token is kept as a digest and the access log has the path only', async () => {
    const m = await site.medium('PL-1');
    const made = await link(`/api/media/${m.id}/label`);
    expect(made.status).toBe(201);
    expect(made.body.url).toMatch(new RegExp(`^/api/media/${m.id}/label\\?pl=[A-Za-z0-9_-]{32}$`));
    const page = await request(s.url).get(made.body.url);
    expect(page.status).toBe(200);
    expect(page.text).toContain('PL-1');
    expect(page.text).toContain('<meta name="referrer" content="no-referrer">');
    expect((await request(s.url).get(made.body.url)).status).toBe(200); // reopened (a print preview, then the print)
    const token = made.body.url.split('pl=')[1];
    expect(JSON.stringify(await s.ctx.db.knex('print_links').select('*'))).not.toContain(token);
    await new Promise((r) => setTimeout(r, 150));
    const paths = (await s.ctx.db.knex('access_log').where('path', 'like', `/api/media/${m.id}/label%`).pluck('path')) as string[];
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.join(' ')).not.toContain(token);
  });

  it('refused for another document (403), another user (403), after its time (410), unknown (401)', async () => {
    const m = await site.medium('PL-2');
    const other = await site.medium('PL-3');
    const made = (await link(`/api/media/${m.id}/label`)).body.url as string;
    const token = made.split('pl=')[1];
    const elsewhere = await request(s.url).get(`/api/media/${other.id}/label?pl=${token}`);
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.body.error.code).toBe('print_link_other_document');
    const someone = await s.createUser({ roles: ['auditor'] });
    const asOther = await request(s.url).get(made).set({ authorization: `Bearer ${await s.login(someone)}` });
    expect(asOther.status).toBe(403);
    expect(asOther.body.error.code).toBe('print_link_other_user');
    expect((await request(s.url).get(`/api/media/${m.id}/label?pl=${'x'.repeat(32)}`)).status).toBe(401);
    await s.ctx.db.knex('print_links').update({ expires_at: s.ctx.db.knex.raw("now() - interval '1 second'") });
    const late = await request(s.url).get(made);
    expect(late.status).toBe(410);
    expect(late.body.error.code).toBe('print_link_expired');
  });

  it('keeps the printing rules: a certificate print is still recorded first (E2.14), and the link carries the print number', async () => {
    const performer = await site.person('印刷 実施者', ['staff']);
    const authorized = await site.person('印刷 権限者', ['authorized']);
    for (const p of [performer, authorized]) await site.enter(p);
    const m = await site.medium('PL-CERT', { kind: 'paper' });
    const d = await site.ok('post', '/api/destructions', { mediaIds: [m.id], method: 'shred', securityLevel: 'P-4', performedById: performer.id, witnesses: [site.signer(authorized)], roomId: site.roomId }, 201);
    const print = await site.ok('post', `/api/destructions/${d.id}/prints`, { present: site.signer(authorized) }, 201);
    const made = (await link(print.certificateUrl)).body.url as string;
    expect(made).toContain('print=1');
    const page = await request(s.url).get(made);
    expect(page.status).toBe(200);
    expect(page.text).toContain(d.certificateNo);
    // a link to the same certificate without the print number is another document
    expect((await request(s.url).get(`/api/destructions/${d.id}/certificate?pl=${made.split('pl=')[1]}`)).status).toBe(403);
    // the link gives no more than its user may read: a guard's link to a certificate is refused like the guard
    const guard = await s.createUser({ roles: ['guard'] });
    const guardLink = await link(print.certificateUrl, await s.login(guard));
    expect((await request(s.url).get(guardLink.body.url)).status).toBe(403);
  });

  it('only pages of this server: a foreign or odd address is 400', async () => {
    for (const path of ['https://evil.example/api/x', '/etc/passwd', '/api/../etc/passwd', 'javascript:alert(1)']) {
      expect((await link(path)).status, path).toBe(400);
    }
  });
});

// One name for the site (issue "the house", item 6): SITE_ID is made on first start if not
// configured, then fixed; display names follow the configuration (journaled); the site is named
// on the public settings, printed documents and checkpoint files.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { ensureSite } from '../../server/system/site.js';
import { ConfigError } from '../../server/config.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ scryptCost: 1024 });
});
afterAll(async () => {
  await s?.close();
});

describe('the site', () => {
  it('is made once with a generated id when none is configured, and then fixed', async () => {
    const first = await ensureSite(s.ctx.db.knex, { siteId: undefined, siteNameJa: undefined, siteNameEn: undefined });
    expect(first.id).toMatch(/^site-[0-9a-f]{6}$/);
    expect(await ensureSite(s.ctx.db.knex, { siteId: undefined, siteNameJa: undefined, siteNameEn: undefined })).toEqual(first);
    expect(await s.ctx.db.knex('journal_entries').where({ action: 'site.created' })).toHaveLength(1);
    // A different SITE_ID later stops the start with a clear message; the same one is fine.
    await expect(ensureSite(s.ctx.db.knex, { siteId: 'osaka-dc2', siteNameJa: undefined, siteNameEn: undefined })).rejects.toBeInstanceOf(ConfigError);
    await expect(ensureSite(s.ctx.db.knex, { siteId: 'osaka-dc2', siteNameJa: undefined, siteNameEn: undefined })).rejects.toThrow(`this database belongs to site "${first.id}"`);
    expect((await ensureSite(s.ctx.db.knex, { siteId: first.id, siteNameJa: undefined, siteNameEn: undefined })).id).toBe(first.id);
  });

  it('takes new display names from the configuration, journaled; the id stays', async () => {
    const renamed = await ensureSite(s.ctx.db.knex, { siteId: undefined, siteNameJa: '東京第1データセンター', siteNameEn: 'Tokyo DC 1' });
    expect(renamed).toMatchObject({ nameJa: '東京第1データセンター', nameEn: 'Tokyo DC 1' });
    expect(await s.ctx.db.knex('journal_entries').where({ action: 'site.renamed' })).toHaveLength(1);
  });

  it('is on the public settings (the page shows it) and in the checkpoint file', async () => {
    const config = await request(s.url).get('/api/config');
    expect(config.body.site).toMatchObject({ id: expect.stringMatching(/^site-/), nameJa: expect.any(String), nameEn: expect.any(String) });
    const token = await s.adminToken();
    await request(s.url).post('/api/journal/checkpoints').set({ authorization: `Bearer ${token}` }).send({});
    const cp = await request(s.url).get('/api/journal/checkpoints/latest').set({ authorization: `Bearer ${token}` });
    expect(cp.status).toBe(200);
    expect(cp.body.site).toBe(config.body.site.id);
  });
});

// What scan-first forms and the audit tab's lists stand on (issue 14, items 3 and 4): a person's
// reading (furigana), people searched by name / reading / organisation and narrowed to those who
// may act (role, inside the room, not left); a badge scanned into a person field naming its
// holder; media searched and sorted by label, paged in that order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { custodySite, type CustodySite, type SitePerson } from '../helpers/custody.js';

let s: TestServer;
let site: CustodySite;
let yamada: SitePerson;
let suzuki: SitePerson;
let carrierOrg: string;

beforeAll(async () => {
  s = await startTestServer({ scryptCost: 1024 });
  site = await custodySite(s);
  carrierOrg = (await site.ok('post', '/api/orgs', { name: 'ヤマト運輸株式会社', kind: 'carrier' }, 201)).id;
  yamada = await site.person('山田 花子', ['staff']);
  suzuki = await site.person('鈴木 一郎', ['responsible']);
  await site.call('patch', `/api/people/${yamada.id}`, { reading: 'やまだ はなこ' });
  await site.call('patch', `/api/people/${suzuki.id}`, { reading: 'ｽｽﾞｷ　イチロウ' });
  await site.enter(yamada);
});
afterAll(async () => {
  await s?.close();
});

const people = async (query: string) => (await site.ok('get', `/api/people?limit=500&${query}`, undefined, 200)).items as Array<{ id: string; name: string; reading: string | null }>;
const ids = (list: Array<{ id: string }>) => list.map((p) => p.id);

describe('a person\'s reading (furigana)', () => {
  it('is stored in katakana, from hiragana or half-width kana, and shown with the person', async () => {
    expect((await site.ok('get', `/api/people/${yamada.id}`, undefined, 200)).reading).toBe('ヤマダ ハナコ');
    expect((await site.ok('get', `/api/people/${suzuki.id}`, undefined, 200)).reading).toBe('スズキ イチロウ');
    const created = await site.ok('post', '/api/people', { name: '佐藤 次郎', reading: 'さとう じろう', orgId: site.contractorOrgId, roles: ['staff'] }, 201);
    expect(created.reading).toBe('サトウ ジロウ');
  });

  it('is kana or Latin letters; bad input is 400 and changes nothing; null clears it; each change is journaled', async () => {
    for (const reading of ['山田', '<script>', 'やまだ1', '']) {
      const res = await site.call('patch', `/api/people/${yamada.id}`, { reading });
      expect(res.status, reading).toBe(400);
      expect(res.body.error.details[0].field).toBe('body.reading');
    }
    expect((await site.call('patch', `/api/people/${yamada.id}`, { reading: 'x', name: 'other' })).status).toBe(400);
    expect((await site.ok('get', `/api/people/${yamada.id}`, undefined, 200)).reading).toBe('ヤマダ ハナコ');
    const other = await site.ok('post', '/api/people', { name: 'John Smith', orgId: site.contractorOrgId, roles: ['staff'] }, 201);
    expect((await site.call('patch', `/api/people/${other.id}`, { reading: "O'Brien-Smith" })).body.reading).toBe("O'Brien-Smith");
    expect((await site.call('patch', `/api/people/${other.id}`, { reading: null })).body.reading).toBeNull();
    const journal = (await site.ok('get', '/api/journal?limit=500', undefined, 200)).items.filter((e: { action: string; subject: string }) => e.action === 'people.reading_changed' && e.subject === `person:${other.id}`);
    expect(journal.map((e: { payload: { reading: string | null } }) => e.payload.reading)).toEqual([null, "O'Brien-Smith"]);
    expect((await site.call('patch', `/api/people/00000000-0000-4000-8000-000000000000`, { reading: 'あ' })).status).toBe(404);
  });
});

describe('people for a picker: GET /api/people?q=&role=&insideRoomId=&active=', () => {
  it('q finds by name, by reading in either kana or half-width, by organisation; case and spaces do not matter', async () => {
    expect(ids(await people(`q=${encodeURIComponent('山田')}`))).toEqual([yamada.id]);
    expect(ids(await people(`q=${encodeURIComponent('やまだ')}`))).toEqual([yamada.id]);
    expect(ids(await people(`q=${encodeURIComponent('ﾔﾏﾀﾞﾊﾅ')}`))).toEqual([yamada.id]);
    expect(ids(await people(`q=${encodeURIComponent('すずき　いち')}`))).toEqual([suzuki.id]);
    const driver = await site.ok('post', '/api/people', { name: 'Driver Ken', orgId: carrierOrg, roles: ['visitor'] }, 201);
    expect(ids(await people(`q=${encodeURIComponent('ヤマト')}`))).toEqual([driver.id]);
    expect(ids(await people('q=DRIVER%20ken'))).toEqual([driver.id]);
    // LIKE's own signs are searched for, not obeyed
    expect(await people('q=%25')).toEqual([]);
    expect(await people('q=_')).toEqual([]);
  });

  it('role and insideRoomId narrow to those who may act; active leaves out people who left', async () => {
    const responsible = await people('role=responsible');
    expect(ids(responsible)).toContain(suzuki.id);
    expect(ids(responsible)).not.toContain(yamada.id);
    expect(ids(await people(`insideRoomId=${site.roomId}`))).toEqual([yamada.id]);
    expect(await people(`insideRoomId=${site.roomId}&role=responsible`)).toEqual([]);
    const leaver = await site.person('退職 予定', ['staff']);
    await site.ok('post', `/api/people/${leaver.id}/leave`, { reason: 'resigned' }, 200);
    expect(ids(await people('active=true'))).not.toContain(leaver.id);
    expect(ids(await people(''))).toContain(leaver.id);
  });

  it('bad filters are 400', async () => {
    for (const query of ['role=king', 'insideRoomId=x', 'active=yes', `q=${'x'.repeat(101)}`, 'q=']) {
      expect((await site.call('get', `/api/people?${query}`)).status, query).toBe(400);
    }
  });
});

describe('POST /api/badges/identify: a badge scanned into a person field', () => {
  it('names the holder of a valid badge, and nothing for anything else', async () => {
    const res = await site.ok('post', '/api/badges/identify', { badge: yamada.badge }, 200);
    expect(res).toEqual({ badgeId: yamada.badgeId, person: { id: yamada.id, name: '山田 花子', orgName: expect.any(String), roles: ['staff'] } });
    const unknown = await site.call('post', '/api/badges/identify', { badge: 'tb1_not-a-real-badge' });
    expect(unknown.status).toBe(404);
    expect(JSON.stringify(unknown.body)).not.toContain('山田');
    const lost = await site.person('紛失 太郎', ['staff']);
    await site.ok('post', `/api/badges/${lost.badgeId}/revoke`, { reason: 'lost' }, 200);
    const revoked = await site.call('post', '/api/badges/identify', { badge: lost.badge });
    expect(revoked.status).toBe(409);
    expect(revoked.body.error.code).toBe('badge_revoked');
    expect(JSON.stringify(revoked.body)).not.toContain('紛失');
    expect((await site.call('post', '/api/badges/identify', {})).status).toBe(400);
  });

  it('needs a sign-in; the badge travels in the body, never in an address', async () => {
    const request = (await import('supertest')).default;
    expect((await request(s.url).post('/api/badges/identify').send({ badge: yamada.badge })).status).toBe(401);
    await s.ctx.db.knex.raw('SELECT 1');
    const paths = (await site.ok('get', '/api/access-log?limit=500', undefined, 200)).items.map((e: { path: string }) => e.path);
    expect(paths).toContain('/api/badges/identify');
    expect(paths.join('\n')).not.toContain(yamada.badge);
  });
});

describe('media for the audit tab: GET /api/media?q=&sort=label', () => {
  it('q finds a part of the label; sort=label orders A→Z and pages in that order', async () => {
    for (const label of ['ZZ-LBL-3', 'aa-lbl-2', 'MM-LBL-1', 'ab-lbl-10', 'AB-LBL-09']) await site.medium(label);
    await site.medium('OTHER-1');
    const found = (await site.ok('get', '/api/media?q=lbl&sort=label', undefined, 200)).items.map((m: { label: string }) => m.label);
    expect(found).toEqual(['aa-lbl-2', 'AB-LBL-09', 'ab-lbl-10', 'MM-LBL-1', 'ZZ-LBL-3']);
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Array<{ label: string }>; nextCursor: string | null } = await site.ok('get', `/api/media?q=LBL&sort=label&limit=2${cursor ? `&cursor=${cursor}` : ''}`, undefined, 200);
      paged.push(...page.items.map((m) => m.label));
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged).toEqual(found);
    expect((await site.ok('get', '/api/media?q=%EF%BD%8C%EF%BD%82%EF%BD%8C', undefined, 200)).items).toHaveLength(5); // full-width ｌｂｌ
    expect((await site.call('get', '/api/media?sort=size')).status).toBe(400);
    const newest = await site.ok('get', '/api/media?limit=1', undefined, 200);
    expect((await site.call('get', `/api/media?sort=label&cursor=${newest.nextCursor}`)).status).toBe(400);
  });
});

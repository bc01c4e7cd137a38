// Issue 18, item 4: a signed monthly report prints exactly what was signed. The draft reads today's
// names (of the depositor, the rooms, the people); the signed report keeps them in its signed
// content, so renaming the depositor, the room, the holder, the inspector and the person present
// at its print (E2.14) after signing (the room through the API, the others in their tables) changes neither its JSON nor its A4 page — which still
// matches the journal — while the draft of the same month shows the new names.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { verifyDeep } from '../../server/integrity/deep-verify.js';
import { reportCheckCode } from '../../server/reports/service.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { custodySite, PIN, type CustodySite, type SitePerson } from '../helpers/custody.js';
import { holderSetsPin } from '../helpers/pins.js';

const TZ = 'Asia/Tokyo';
let s: TestServer;
let site: CustodySite;
let responsible: SitePerson & { token: string };
let authorized: SitePerson;
let holder: SitePerson;
let lastMonth = '';

const OLD = { depositor: '株式会社預託元', room: '第1処理室', holder: '保持 一郎', authorized: '立会 二郎' };
const NEW = { depositor: '株式会社改名後', room: '改名後の部屋', holder: '改名 一郎', authorized: '改名 二郎' };

beforeAll(async () => {
  s = await startTestServer({ scryptCost: 1024 });
  s.ctx.config.publicUrl = s.url;
  site = await custodySite(s);
  const u = await s.createUser({ roles: ['responsible'], name: '責任 三郎' });
  const b = await site.ok('post', '/api/badges', { personId: u.personId }, 201);
  await holderSetsPin(s.ctx, b.id, PIN);
  responsible = { id: u.personId, name: '責任 三郎', badge: b.token, badgeId: b.id, pin: PIN, token: await s.login(u) };
  authorized = await site.person(OLD.authorized, ['authorized']);
  holder = await site.person(OLD.holder, ['staff']);
  for (const p of [authorized, holder]) await site.enter(p);
  // Last month: one medium checked out to the holder (still out at the month's end), one stored
  // and inspected by the authorised person.
  const out = await site.medium('名前-001');
  const kept = await site.medium('名前-002');
  await site.ok('post', '/api/custody/checkouts', { mediaIds: [out.id], personId: holder.id, badge: holder.badge, pin: holder.pin }, 201);
  await site.ok('post', '/api/inspections', { locationId: site.cabinetId, foundMediaIds: [kept.id], inspector: site.signer(authorized) }, 201);
  const k = s.ctx.db.knex;
  await k.raw("UPDATE custody_steps SET at = at - interval '1 month'");
  await k.raw("UPDATE inspections SET at = at - interval '1 month'");
  const [y, m] = new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit' }).format(new Date()).slice(0, 7).split('-').map(Number) as [number, number];
  lastMonth = m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}, 120_000);

afterAll(async () => {
  await s?.close();
});

describe('a signed monthly report keeps the names it was signed with', () => {
  it('renamed after signing: the JSON, the A4 page and its print line keep the old names; the draft shows the new ones; all intact', async () => {
    const draftOf = async () => (await site.call('get', `/api/monthly-reports/draft?depositorOrgId=${site.depositorOrgId}&month=${lastMonth}`)).body;
    const before = await draftOf();
    expect(before.depositorName).toBe(OLD.depositor);
    expect(before.holdings.media.map((x: { place: string }) => x.place).sort()).toEqual([`${OLD.room} キャビネットA`, OLD.holder].sort());
    expect(before.inspections[0]).toMatchObject({ inspector: OLD.authorized, location: `${OLD.room} キャビネットA` });

    const signed = await site.call('post', '/api/monthly-reports', { depositorOrgId: site.depositorOrgId, month: lastMonth, signer: site.signer(responsible) }, responsible.token);
    expect(signed.status, JSON.stringify(signed.body)).toBe(201);
    const report = signed.body;
    const print = await site.ok('post', `/api/monthly-reports/${report.id}/prints`, { present: site.signer(authorized) }, 201);

    // Renamed: the room (PATCH /api/rooms/:id); the depositor, the holder, and the inspector who
    // is also the person present at the print in their tables (no route renames an organisation
    // or a person: as a merger or a change of name would be entered).
    expect((await site.call('patch', `/api/rooms/${site.roomId}`, { name: NEW.room })).status).toBe(200);
    await s.ctx.db.knex('organisations').where({ id: site.depositorOrgId }).update({ name: NEW.depositor });
    for (const [p, name] of [[holder, NEW.holder], [authorized, NEW.authorized]] as const) await s.ctx.db.knex('people').where({ id: p.id }).update({ name });

    // The draft reads today's names…
    const after = await draftOf();
    expect(after.depositorName).toBe(NEW.depositor);
    expect(after.holdings.media.map((x: { place: string }) => x.place).sort()).toEqual([`${NEW.room} キャビネットA`, NEW.holder].sort());
    expect(after.inspections[0]).toMatchObject({ inspector: NEW.authorized });

    // …the signed report what was signed: its JSON,
    const got = (await site.call('get', `/api/monthly-reports/${report.id}`)).body;
    expect(got.content.depositorName).toBe(OLD.depositor);
    expect(JSON.stringify(got.content)).not.toMatch(new RegExp(Object.values(NEW).join('|')));
    expect(got.content.inspections[0]).toMatchObject({ inspector: OLD.authorized, location: `${OLD.room} キャビネットA` });
    // its A4 page, the recorded print with its print line (the person present as the print's record names them),
    const page = await site.call('get', `${print.pageUrl}&lang=ja`);
    expect(page.status).toBe(200);
    for (const name of Object.values(OLD)) expect(page.text).toContain(name);
    for (const name of Object.values(NEW)) expect(page.text).not.toContain(name);
    expect(page.text).toMatch(new RegExp(`立会い権限者 ${OLD.authorized}`));
    expect(page.text).not.toContain('data-status="mismatch"');
    // and the preview in English.
    const en = (await site.call('get', `${report.pageUrl}?lang=en`)).text;
    expect(en).toContain(OLD.depositor);
    expect(en).not.toContain(NEW.depositor);

    // Nothing was changed behind the application's back: the report is intact.
    const code = reportCheckCode(report.id, s.ctx.secrets.badgeKey);
    expect((await request(s.url).get(`/verify/report/${report.reportNo}?c=${code}&format=json`)).body.status).toBe('valid');
    expect(await verifyDeep(s.ctx.db.knex, s.ctx.secrets.signing)).toMatchObject({ ok: true, monthlyReports: 1 });
  });
});

// The monthly report of a depositor with 500 media and 2,000 custody steps in the month (issue 18:
// it renders within 2 s — the time is printed here, not asserted; tests do not time things). The
// rows are written straight into the tables (the API would take minutes to make them); the report
// must rebuild each medium's month-end state from them, list the destructions and transfers one by
// one, and show nothing of a second depositor whose media move in the same month.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { custodySite, PIN, type CustodySite } from '../helpers/custody.js';
import { holderSetsPin } from '../helpers/pins.js';
import { monthPeriod } from '../../server/reports/content.js';

const TZ = 'Asia/Tokyo';
let s: TestServer;
let site: CustodySite;
let depositorB = '';
let month = '';
let responsible: { id: string; badge: string; pin: string; token: string };

const monthOf = (d: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit' }).format(d).slice(0, 7);

beforeAll(async () => {
  s = await startTestServer({ scryptCost: 1024 });
  site = await custodySite(s);
  const k = s.ctx.db.knex;
  const [y, m] = monthOf(new Date()).split('-').map(Number) as [number, number];
  month = m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
  const { from, to } = monthPeriod(month, new Date(), TZ);
  depositorB = (await site.ok('post', '/api/orgs', { name: '株式会社ベータ預託', kind: 'depositor' }, 201)).id;
  const holder = await site.person('保管 三郎', ['staff']);
  const u = await s.createUser({ roles: ['responsible'], name: '責任 一郎' });
  const b = await site.ok('post', '/api/badges', { personId: u.personId }, 201);
  await holderSetsPin(s.ctx, b.id, PIN);
  responsible = { id: u.personId, badge: b.token, pin: PIN, token: await s.login(u) };

  const before = new Date(from.getTime() - 86_400_000);
  const insertMedia = async (depositor: string, prefix: string, n: number) => {
    const rows = Array.from({ length: n }, (_, i) => ({ label: `${prefix}-${String(i).padStart(4, '0')}`, kind: 'usb', depositor_org_id: depositor, classification: 'secret', home_location_id: site.cabinetId, location_id: site.cabinetId, status: 'stored', status_changed_at: before }));
    const ids = ((await k('media').insert(rows).returning(['id'])) as Array<{ id: string }>).map((r) => r.id);
    await k.batchInsert('custody_steps', ids.map((id) => ({ medium_id: id, action: 'registered', from_status: null, to_status: 'stored', location_id: site.cabinetId, actor: 'test', at: before, details: '{}' })), 500);
    return ids;
  };
  const a = await insertMedia(site.depositorOrgId, 'LA', 500);
  const bIds = await insertMedia(depositorB, 'LB', 50);

  // 2,000 steps of A in the month: 850 check-out / check-in pairs over media 0–299, then 100
  // destructions (400–499), 100 transfers (300–399) and 100 check-outs (0–99) that are still out at
  // the month's end.
  let t = from.getTime() + 3_600_000;
  const next = () => new Date((t += 60_000));
  const steps: Array<Record<string, unknown>> = [];
  const step = (medium: string, action: string, from_status: string | null, to_status: string, extra: Record<string, unknown> = {}) =>
    steps.push({ medium_id: medium, action, from_status, to_status, actor: 'test', at: next(), details: '{}', location_id: to_status === 'stored' ? site.cabinetId : null, holder_person_id: to_status === 'checked_out' ? holder.id : null, ...extra });
  for (let i = 0; i < 850; i++) {
    step(a[i % 300]!, 'checkout', 'stored', 'checked_out');
    step(a[i % 300]!, 'checkin', 'checked_out', 'stored');
  }
  for (let i = 400; i < 500; i++) step(a[i]!, 'destroy', 'stored', 'destroyed', { details: JSON.stringify({ certificateNo: `D-TEST-${i}` }) });
  for (let i = 300; i < 400; i++) step(a[i]!, 'transfer_send', 'stored', 'in_transit', { details: JSON.stringify({ destination: '大阪センター' }) });
  for (let i = 0; i < 100; i++) step(a[i]!, 'checkout', 'stored', 'checked_out');
  // B moves in the same month too.
  for (const id of bIds) step(id, 'destroy', 'stored', 'destroyed', { details: JSON.stringify({ certificateNo: 'D-BETA-1' }) });
  // After the month's end: A's checked-out media come back (today's status is not the month's).
  for (let i = 0; i < 100; i++) steps.push({ medium_id: a[i]!, action: 'checkin', from_status: 'checked_out', to_status: 'stored', actor: 'test', at: new Date(to.getTime() + 3_600_000 + i), details: '{}', location_id: site.cabinetId });
  await k.batchInsert('custody_steps', steps, 500);
  await k.raw('ANALYZE custody_steps');
  await k.raw('ANALYZE media');
}, 240_000);

afterAll(async () => {
  await s?.close();
});

describe('a depositor with 500 media and 2,000 custody steps in the month', () => {
  it('the report rebuilds the month\'s end and lists the month (the time is printed)', async () => {
    const started = performance.now();
    const res = await site.call('get', `/api/monthly-reports/draft?depositorOrgId=${site.depositorOrgId}&month=${month}`);
    const jsonMs = performance.now() - started;
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(200);
    const c = res.body;
    expect(c.counts.steps).toBe(2000);
    expect(c.holdings.groups).toEqual([
      { status: 'stored', place: '第1処理室 キャビネットA', count: 200 },
      { status: 'checked_out', place: '', count: 100 },
      { status: 'in_transit', place: '', count: 100 },
    ]);
    expect(c.holdings.gone).toEqual({ destroyed: 100 });
    expect(c.holdings.media).toHaveLength(400);
    expect(c.events.filter((e: { kind: string }) => e.kind === 'destruction')).toHaveLength(100);
    expect(c.events.filter((e: { kind: string }) => e.kind === 'transfer').every((e: { destination: string }) => e.destination === '大阪センター')).toBe(true);
    expect(c.counts.checkout).toBe(950);
    const text = JSON.stringify(c);
    expect(text).not.toContain('LB-');
    expect(text).not.toContain('D-BETA-1');

    const pageStarted = performance.now();
    const page = await site.call('get', `/api/monthly-reports/draft?depositorOrgId=${site.depositorOrgId}&month=${month}&format=html`);
    const pageMs = performance.now() - pageStarted;
    expect(page.status).toBe(200);
    expect(page.text.match(/LA-\d{4}/g)!.length).toBeGreaterThanOrEqual(400 + 200);

    const signStarted = performance.now();
    const signed = await site.call('post', '/api/monthly-reports', { depositorOrgId: site.depositorOrgId, month, signer: { personId: responsible.id, badge: responsible.badge, pin: responsible.pin } }, responsible.token);
    const signMs = performance.now() - signStarted;
    expect(signed.status, JSON.stringify(signed.body).slice(0, 300)).toBe(201);
    const printedStarted = performance.now();
    const printed = await site.call('get', `${signed.body.pageUrl}?lang=ja`);
    const printedMs = performance.now() - printedStarted;
    expect(printed.status).toBe(200);
    expect(printed.text).toContain(signed.body.reportNo);
    // eslint-disable-next-line no-console
    console.log(
      `monthly report, 500 media / 2,000 steps (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}): draft JSON ${jsonMs.toFixed(0)} ms, draft page ${pageMs.toFixed(0)} ms, signing ${signMs.toFixed(0)} ms, signed page ${printedMs.toFixed(0)} ms (${(printed.text.length / 1024).toFixed(0)} KiB)`,
    );
  });
});

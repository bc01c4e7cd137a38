// The printed badge (E6.3: everyone entering wears a name plate): GET /api/badges/:id/card renders
// the person's name, organisation, role and validity with a QR code. Rendered in real Chromium,
// screenshotted, the QR decoded by Debian's zbarimg, and the decoded text used at the door.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { Browser } from 'playwright-core';
import { launchBrowser, screenshot } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ok } from '../helpers/api.js';

const run = promisify(execFile);

let s: TestServer;
let browser: Browser;
let token: string;
let orgId: string;
let personId: string;
let roomId: string;
let badge: { id: string; token: string };

const NAME = '山田 花子';
const ORG = '株式会社テスト受託';

function auth(t = token) {
  return { authorization: `Bearer ${t}` };
}


beforeAll(async () => {
  [s, browser] = await Promise.all([startTestServer({ scryptCost: 1024 }), launchBrowser()]);
  token = await s.adminToken();
  const orgs = await ok(await request(s.url).get('/api/orgs').set(auth()), 200);
  orgId = orgs.items.find((o: { name: string }) => o.name === ORG).id;
  personId = (await ok(await request(s.url).post('/api/people').set(auth()).send({ name: NAME, orgId, roles: ['responsible', 'staff'] }), 201)).id;
  badge = await ok(await request(s.url).post('/api/badges').set(auth()).send({ personId, validUntil: '2030-03-31T12:00:00+09:00', cardUid: '04:11:22:33:44:55:66' }), 201);
  roomId = (await ok(await request(s.url).post('/api/rooms').set(auth()).send({ name: '第1処理室', kind: 'secure' }), 201)).id;
  await ok(await request(s.url).post(`/api/rooms/${roomId}/access`).set(auth()).send({ personId }), 201);
});

afterAll(async () => {
  await browser?.close();
  await s?.close();
});

function tokyoDate(d: Date): string {
  const p = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
  return p.replace(/-/g, '/');
}

describe('the printed badge card (E6.3)', () => {
  it('GET /api/badges/:id/card: HTML with the Japanese name, organisation, role, validity, a QR code and the print stylesheet', async () => {
    const res = await request(s.url).get(`/api/badges/${badge.id}/card`).set(auth());
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html; charset=utf-8/);
    const html = res.text;
    expect(html).toContain(`<div class="name">${NAME}</div>`);
    expect(html).toContain(`<div class="org">${ORG}</div>`);
    expect(html).toMatch(/<div class="role">[^<]*責任者[^<]*<\/div>/);
    expect(html).toMatch(/<div class="role">[^<]*担当者[^<]*<\/div>/);
    const validFrom = tokyoDate(new Date());
    // a date standing alone carries its weekday (issue 14, item 7)
    expect(html).toMatch(new RegExp(`有効期間 Valid: ${validFrom}（[日月火水木金土]） – 2030/03/31（日）`));
    expect(html).toMatch(/<div class="qr"><svg[^>]*>/);
    expect(html).toContain('<link rel="stylesheet" href="/assets/print.css">');
    expect(html).toContain('IC …5566');
    // no scripts, no inline styles (the CSP forbids them)
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\sstyle=/i);
    // printing is recorded
    const j = await s.ctx.db.knex('journal_entries').where({ action: 'badges.card_printed', subject: `badge:${badge.id}` }).first();
    expect(j).toBeTruthy();
  });

  it('a badge without an end date says so', async () => {
    const b = await ok(await request(s.url).post('/api/badges').set(auth()).send({ personId }), 201);
    const res = await request(s.url).get(`/api/badges/${b.id}/card`).set(auth());
    expect(res.status).toBe(200);
    expect(res.text).toContain('無期限 no end');
  });

  it('names are escaped: markup in a name is shown, not run', async () => {
    const p = await ok(await request(s.url).post('/api/people').set(auth()).send({ name: '<b>太郎</b> & "次郎"', orgId, roles: ['staff'] }), 201);
    const b = await ok(await request(s.url).post('/api/badges').set(auth()).send({ personId: p.id }), 201);
    const res = await request(s.url).get(`/api/badges/${b.id}/card`).set(auth());
    expect(res.text).toContain('&lt;b&gt;太郎&lt;/b&gt; &amp; &quot;次郎&quot;');
    expect(res.text).not.toContain('<b>太郎</b>');
  });

  it('in Chromium: the screenshot’s QR code decodes (zbarimg) to the badge token, and that text is granted at the door', async () => {
    const page = await browser.newPage({ viewport: { width: 600, height: 400 } });
    try {
      await page.setExtraHTTPHeaders({ authorization: `Bearer ${token}` });
      const res = await page.goto(`${s.url}/api/badges/${badge.id}/card`);
      expect(res?.status()).toBe(200);
      await page.waitForLoadState('networkidle');
      await page.evaluate(() => document.fonts.ready);
      // the print stylesheet was applied (the card has its ID-1 width, 85.6 mm ≈ 323.5 CSS px)
      const card = await page.locator('.card').boundingBox();
      expect(card).not.toBeNull();
      expect(Math.abs(card!.width - (85.6 / 25.4) * 96)).toBeLessThan(2);
      expect(Math.abs(card!.height - (54 / 25.4) * 96)).toBeLessThan(2);

      // nothing is cut off or overlapping inside the card
      const layout = await page.evaluate(() => {
        const box = (sel: string) => {
          const r = document.querySelector(sel)!.getBoundingClientRect();
          return { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
        };
        // Horizontal overflow only: CJK glyphs overhang a 1.2 line box by a pixel or two
        // vertically, which is ink, not clipping.
        const clipped = ['.name', '.org', '.role', '.valid', '.card-foot', '.card-head', '.who'].filter((sel) => {
          const el = document.querySelector(sel) as HTMLElement;
          return el.scrollWidth > el.clientWidth + 1;
        });
        return { card: box('.card'), photo: box('.photo'), who: box('.who'), qr: box('.qr svg'), head: box('.card-head'), foot: box('.card-foot'), valid: box('.valid'), clipped };
      });
      const inside = (b: { left: number; top: number; right: number; bottom: number }) =>
        b.left >= layout.card.left - 0.5 && b.right <= layout.card.right + 0.5 && b.top >= layout.card.top - 0.5 && b.bottom <= layout.card.bottom + 0.5;
      const overlap = (a: typeof layout.card, b: typeof layout.card) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
      expect(layout.clipped).toEqual([]);
      for (const k of ['photo', 'who', 'qr', 'head', 'foot', 'valid'] as const) expect(inside(layout[k]), `${k} inside the card`).toBe(true);
      expect(overlap(layout.photo, layout.who)).toBe(false);
      expect(overlap(layout.who, layout.qr)).toBe(false);
      expect(overlap(layout.qr, layout.foot)).toBe(false);
      expect(overlap(layout.head, layout.qr)).toBe(false);
      expect(overlap(layout.valid, layout.foot)).toBe(false);

      // a Japanese font is actually used for the name (no tofu boxes from a missing font)
      const fontOk = await page.evaluate(() => document.fonts.check('12pt "Noto Sans CJK JP"', '山田 花子'));
      expect(fontOk).toBe(true);

      const file = await screenshot(page, 'badge-card');
      const { stdout } = await run('/usr/bin/zbarimg', ['--raw', '-q', file]);
      const decoded = stdout.trim();
      expect(decoded).toBe(badge.token);

      const scan = await ok(await request(s.url).post('/api/scans').set(auth()).send({ roomId, badge: decoded }), 201);
      expect(scan).toMatchObject({ decision: 'granted', direction: 'in', person: { id: personId, name: NAME } });
    } finally {
      await page.close();
    }
  });

  // A long name and organisation must not push the footer (badge number, IC hint) off the card:
  // print.css clamps them inside the card body.
  it('a long foreign name and organisation still fit on the card (footer not cut off)', async () => {
    const org = await ok(await request(s.url).post('/api/orgs').set(auth()).send({ name: '株式会社エヌ・ティ・ティ・データ・フィナンシャル・コア 東日本第二事業本部', kind: 'visitor_company' }), 201);
    const p = await ok(await request(s.url).post('/api/people').set(auth()).send({ name: 'アレクサンドラ・ヴィクトリア・ミハイロフスカヤ', orgId: org.id, roles: ['visitor'] }), 201);
    const b = await ok(await request(s.url).post('/api/badges').set(auth()).send({ personId: p.id, cardUid: 'AB:CD:EF:01' }), 201);
    const page = await browser.newPage({ viewport: { width: 600, height: 400 } });
    try {
      await page.setExtraHTTPHeaders({ authorization: `Bearer ${token}` });
      await page.goto(`${s.url}/api/badges/${b.id}/card`);
      await page.evaluate(() => document.fonts.ready);
      const file = await screenshot(page, 'badge-card-long-name');
      const { stdout } = await run('/usr/bin/zbarimg', ['--raw', '-q', file]);
      expect(stdout.trim()).toBe(b.token);
      const { card, foot } = await page.evaluate(() => {
        const r = (sel: string) => document.querySelector(sel)!.getBoundingClientRect().toJSON() as { top: number; bottom: number };
        return { card: r('.card'), foot: r('.card-foot') };
      });
      expect(foot.bottom).toBeLessThanOrEqual(card.bottom + 0.5);
    } finally {
      await page.close();
    }
  });

  it('a revoked badge is not printed (409); unknown badge 404; a guard (badges:read only) may not print (403)', async () => {
    const b = await ok(await request(s.url).post('/api/badges').set(auth()).send({ personId }), 201);
    await ok(await request(s.url).post(`/api/badges/${b.id}/revoke`).set(auth()).send({ reason: 'lost' }), 200);
    const revoked = await request(s.url).get(`/api/badges/${b.id}/card`).set(auth());
    expect(revoked.status).toBe(409);
    expect(revoked.body.error.code).toBe('badge_revoked');
    expect((await request(s.url).get('/api/badges/00000000-0000-4000-8000-000000000000/card').set(auth())).status).toBe(404);
    // (a fixed password: the helper's random one sometimes breaks the password policy)
    const guard = await s.createUser({ roles: ['guard'], password: 'Tq9#pW4$zN' });
    const gt = await s.login(guard);
    expect((await request(s.url).get(`/api/badges/${badge.id}/card`).set(auth(gt))).status).toBe(403);
    expect((await request(s.url).get(`/api/badges/${badge.id}/card`)).status).toBe(401);
  });
});

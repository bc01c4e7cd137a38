// The front desk in a real browser (Chromium) with the room rules and the fire release (issue 20
// parts 5–6): a first scan in a two-person room (二人制) shows an amber "waiting for a second person"
// card — not a refusal — and the second person's scan lets both in; a fire release in force shows a
// red banner on the desk, which goes when the release ends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { Browser } from 'playwright-core';
import { launchBrowser, screenshot } from '../helpers/browser.js';
import { activeTestId, openWatchedPage, readBadge, signIn, text, withPage } from '../helpers/page.js';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.js';

let server: TestServer;
let browser: Browser;
let token = '';
let orgId = '';
let guard: TestUser;
let room = '';

async function send(method: 'post' | 'put', path: string, body: object) {
  const res = await request(server.url)[method](path).set('Authorization', `Bearer ${token}`).send(body);
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}
async function personWithBadge(name: string) {
  const person = await send('post', '/api/people', { name, orgId, roles: ['staff'] });
  const badge = await send('post', '/api/badges', { personId: person.id });
  await send('post', `/api/rooms/${room}/access`, { personId: person.id });
  return { id: person.id as string, token: badge.token as string };
}

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer({ scryptCost: 1024 }), launchBrowser()]);
  token = await server.adminToken();
  orgId = (await request(server.url).get('/api/orgs').set('Authorization', `Bearer ${token}`)).body.items[0].id;
  room = (await send('post', '/api/rooms', { name: '二人制室', kind: 'secure' })).id;
  await send('put', `/api/rooms/${room}/rules`, { twoPerson: { enabled: true, windowSeconds: 30 }, occupancyLimit: 4, antiPassbackHours: null });
  guard = await server.createUser({ roles: ['guard'], name: '受付 次郎', password: 'Gk7#vQ2$mX9p' });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});


describe('front desk: two-person rule and fire release', () => {
  it('a lone first scan shows 二人制 — 二人目の入室待ち (amber, not a refusal); the second scan lets both in', async () => {
    const [a, b] = [await personWithBadge('一人目 太郎'), await personWithBadge('二人目 花子')];
    await withPage(() => openWatchedPage(browser, server.url, { locale: 'ja-JP' }), async ({ page }) => {
      await signIn(page, guard);
      await expect.poll(() => activeTestId(page)).toBe('scan-input');
      await page.getByTestId('scan-room').selectOption(room);
      await expect.poll(() => activeTestId(page)).toBe('scan-input');
      expect(await readBadge(page, a.token)).toMatchObject({ decision: 'denied', reason: 'pending_second_person' });
      const result = page.getByTestId('scan-result');
      await expect.poll(() => result.getAttribute('data-state')).toBe('waiting');
      expect(await text(page, 'scan-verdict')).toBe('二人制 — 二人目の入室待ち');
      expect(await text(page, 'scan-person')).toBe('一人目 太郎');
      expect(await text(page, 'scan-reason')).toContain('もう一人の入室許可者');
      await screenshot(page, 'door-two-person-waiting-ja');
      expect(await readBadge(page, b.token)).toMatchObject({ decision: 'granted', flags: ['two_person'] });
      await expect.poll(() => result.getAttribute('data-state')).toBe('granted');
      expect(await text(page, 'scan-verdict')).toBe('入室許可');
      // The occupancy board shows the count against the limit, and that the room is two-person.
      const card = page.locator(`[data-testid="occupancy-room"][data-room-id="${room}"]`);
      await expect.poll(() => card.getByTestId('occupancy-count').innerText(), { timeout: 10_000 }).toBe('2名／定員4名');
      expect(await card.getByTestId('occupancy-two-person').innerText()).toBe('二人制');
      await screenshot(page, 'door-two-person-paired-ja');
    });
  });

  it('a fire release in force shows a red banner on the desk (in English here); it goes when the release ends', async () => {
    await withPage(() => openWatchedPage(browser, server.url, { locale: 'en-GB' }), async ({ page }) => {
      await signIn(page, guard);
      await expect.poll(() => activeTestId(page)).toBe('scan-input');
      expect(await page.getByTestId('fire-banner').isVisible()).toBe(false);
      await send('post', '/api/fire-release', { reason: '火災報知器の発報' });
      await expect.poll(() => page.getByTestId('fire-banner').isVisible(), { timeout: 10_000 }).toBe(true);
      expect(await text(page, 'fire-banner')).toContain('Fire alarm: every door is released');
      expect(await page.getByTestId('fire-banner').getAttribute('role')).toBe('alert');
      await screenshot(page, 'door-fire-release-en');
      await send('post', '/api/fire-release/end', { note: '復旧' });
      await expect.poll(() => page.getByTestId('fire-banner').isVisible(), { timeout: 10_000 }).toBe(false);
    });
  });
});

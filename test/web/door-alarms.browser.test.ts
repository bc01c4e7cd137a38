// Door alarms at the front desk (issue 20, E6.4), in Chromium: the open alarms show in red on top
// of the desk as soon as the desk's poll reads them from the database (raised here by the doors
// module's own functions, as the broker worker and the timers do), the count is in the window's
// title, a new alarm sounds (Web Audio, after the guard's first key), the guard acknowledges one
// by keyboard only (Alt+A, the note, Enter) and it goes; an empty note is refused on the page;
// the doors show their contact, lock and whether their controller reports. Japanese and English;
// no console error, no CSP violation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, screenshot } from '../helpers/browser.js';
import { activeTestId, openWatchedPage, signIn, withPage } from '../helpers/page.js';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.js';
import { custodySite, type CustodySite } from '../helpers/custody.js';
import { raiseDoorAlarm, recordDoorState, recordHeartbeat } from '../../server/doors/alarms.js';

let server: TestServer;
let browser: Browser;
let site: CustodySite;
let guard: TestUser;
let doors: Array<{ id: string; roomId: string; name: string }>;

beforeAll(async () => {
  // The second door never reports (registered a minute before the 30 s limit) and shows offline.
  [server, browser] = await Promise.all([startTestServer({ scryptCost: 1024, doorOfflineSeconds: 30 }), launchBrowser()]);
  site = await custodySite(server);
  guard = await server.createUser({ roles: ['guard'], name: '受付 花子', password: 'Gk7#vQ2$mX9p' });
  doors = [];
  for (const name of ['正面扉', '裏口']) {
    const d = await site.ok('post', '/api/doors', { roomId: site.roomId, name }, 201);
    doors.push({ id: d.id, roomId: d.roomId, name });
  }
  await server.ctx.db.knex('doors').where({ id: doors[1]!.id }).update({ created_at: server.ctx.db.knex.raw("now() - interval '2 minutes'") });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const raise = (kind: 'forced' | 'held_open' | 'offline', door: { id: string; roomId: string }) =>
  server.ctx.db.knex.transaction((trx) => raiseDoorAlarm(server.ctx, trx, { kind, roomId: door.roomId, doorId: door.id }));

describe('door alarms at the front desk', () => {
  it('show at once in red with the count in the title and a sound; acknowledged by keyboard with a note; the doors\' state', async () => {
    const [front, back] = doors as [{ id: string; roomId: string; name: string }, { id: string; roomId: string; name: string }];
    await recordHeartbeat(server.ctx, front.id, new Date());
    await recordDoorState(server.ctx, front, { at: new Date().toISOString(), contact: 'open', lock: 'locked', rex: false });
    const forced = await server.ctx.db.knex('door_alarms').where({ door_id: front.id, kind: 'forced' }).first();
    expect(forced).toBeDefined();
    await raise('offline', back);

    // Counts the oscillators the page starts: the alarm's sound.
    const init = () => {
      const w = window as unknown as { __beeps: number; AudioContext: typeof AudioContext };
      w.__beeps = 0;
      const Base = w.AudioContext;
      w.AudioContext = class extends Base {
        override createOscillator() {
          w.__beeps += 1;
          return super.createOscillator();
        }
      };
    };
    await withPage(() => openWatchedPage(browser, server.url, { locale: 'ja-JP', viewport: { width: 1366, height: 900 }, init }), async ({ page }) => {
      await signIn(page, guard);
      const banner = page.getByTestId('alarm-banner');
      await expect.poll(() => banner.isVisible()).toBe(true);
      await expect.poll(() => page.getByTestId('alarm-item').count()).toBe(2);
      expect(await banner.innerText()).toContain('扉の警報 2 件');
      expect(await banner.innerText()).toContain('こじ開け（許可なく開扉）');
      expect(await banner.innerText()).toContain('制御装置が応答なし');
      await expect.poll(() => page.title()).toMatch(/^\(2\) /);
      // The doors: the front door open and reporting, the back door offline.
      const rows = page.getByTestId('door-row');
      await expect.poll(() => rows.count()).toBe(2);
      const frontRow = page.locator(`[data-testid="door-row"]`, { hasText: '正面扉' });
      expect(await frontRow.getAttribute('data-online')).toBe('true');
      expect(await frontRow.innerText()).toContain('開');
      const backRow = page.locator(`[data-testid="door-row"]`, { hasText: '裏口' });
      expect(await backRow.getAttribute('data-online')).toBe('false');
      expect(await backRow.innerText()).toContain('応答なし');
      // The scan input keeps the focus meanwhile (the reader needs no click).
      await expect.poll(() => activeTestId(page)).toBe('scan-input');

      // A new alarm, raised by "another server" (the database): shown and sounded within the poll.
      await page.keyboard.press('Shift');
      const beepsBefore = await page.evaluate(() => (window as unknown as { __beeps: number }).__beeps);
      const t0 = Date.now();
      await raise('held_open', back);
      await expect.poll(() => page.getByTestId('alarm-item').count(), { timeout: 5000 }).toBe(3);
      expect(Date.now() - t0).toBeLessThan(3000);
      await expect.poll(() => page.evaluate(() => (window as unknown as { __beeps: number }).__beeps)).toBeGreaterThan(beepsBefore);
      await expect.poll(() => page.title()).toMatch(/^\(3\) /);
      await screenshot(page, 'door-alarms-desk-ja');

      // Alt+A: the note of the oldest alarm (the forced door); an empty note is refused on the page.
      await page.keyboard.press('Alt+a');
      await expect.poll(() => activeTestId(page)).toBe('alarm-note');
      await page.keyboard.press('Enter');
      await expect.poll(() => banner.innerText()).toContain('確認メモを入力してください。');
      await page.keyboard.type('現場確認、施錠済み');
      const answer = page.waitForResponse((r) => r.url().includes('/acknowledge'));
      await page.keyboard.press('Enter');
      expect((await answer).status()).toBe(200);
      await expect.poll(() => page.getByTestId('alarm-item').count()).toBe(2);
      await expect.poll(() => page.title()).toMatch(/^\(2\) /);
      const acked = await server.ctx.db.knex('door_alarms').where({ id: forced.id }).first();
      expect(acked.note).toBe('現場確認、施錠済み');
      expect(acked.acknowledged_by_name).toBe('受付 花子');
      // Back to the scan input.
      await expect.poll(() => activeTestId(page)).toBe('scan-input');

      // English.
      await page.getByTestId('lang-switch').click();
      await expect.poll(() => banner.innerText()).toContain('2 door alarm(s)');
      expect(await banner.innerText()).toContain('Controller offline');
      await screenshot(page, 'door-alarms-desk-en');

      // Every alarm acknowledged: the banner goes, the title loses its count.
      for (let i = 0; i < 2; i += 1) {
        await page.keyboard.press('Alt+a');
        await page.keyboard.type('checked');
        await page.keyboard.press('Enter');
        await expect.poll(() => page.getByTestId('alarm-item').count()).toBe(1 - i);
      }
      await expect.poll(() => banner.count()).toBe(0);
      await expect.poll(() => page.title()).not.toMatch(/^\(\d+\) /);
    });
  }, 90_000);
});

// The door (入退室) page in a real browser (Debian's Chromium via playwright-core), against a real
// server: a USB badge reader typing into the focused scan input (no click), granted and denied
// decisions in words (E6.1), the live log streaming to a second browser (E6.2), the occupancy board,
// exits recorded there by hand, and the printable evacuation list (E9.1), the registration forms (people, badges, access lists),
// and the page's weight and speed. Data is set up through the API as the administrator.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { Browser, Page, Route } from 'playwright-core';
import { launchBrowser, screenshot, SCREENSHOT_DIR } from '../helpers/browser.js';
import { activeTestId, openWatchedPage, popupOf, readBadge, signIn, text, withPage } from '../helpers/page.js';
import { holderSetsPin } from '../helpers/pins.js';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.js';

let server: TestServer;
let browser: Browser;
let token = '';
let tokenAt = 0;
let orgId = '';
let guard: TestUser;
let confirmer: { id: string; name: string; token: string; pin: string };
const rooms = { secure: '', reception: '' };

/** The administrator's bearer token, renewed before the server's idle timeout. */
async function adminToken(): Promise<string> {
  if (!token || Date.now() - tokenAt > 3 * 60_000) {
    token = await server.adminToken();
    tokenAt = Date.now();
  }
  return token;
}

async function post(path: string, body: object) {
  const res = await request(server.url).post(path).set('Authorization', `Bearer ${await adminToken()}`).send(body);
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A person with a badge (PIN 482913, set as its holder would), on the given rooms' access lists; optionally with the badge revoked. */
async function personWithBadge(name: string, opts: { rooms?: string[]; revoked?: boolean; roles?: string[] } = {}) {
  const person = await post('/api/people', { name, orgId, roles: opts.roles ?? ['staff'] });
  const badge = await post('/api/badges', { personId: person.id });
  await holderSetsPin(server.ctx, badge.id, '482913');
  for (const roomId of opts.rooms ?? []) await post(`/api/rooms/${roomId}/access`, { personId: person.id });
  if (opts.revoked) await post(`/api/badges/${badge.id}/revoke`, { reason: 'lost' });
  return { id: person.id as string, name, token: badge.token as string, pin: '482913' };
}

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  const orgs = await request(server.url).get('/api/orgs').set('Authorization', `Bearer ${await adminToken()}`);
  orgId = orgs.body.items[0].id;
  rooms.secure = (await post('/api/rooms', { name: '第1処理室', kind: 'secure' })).id;
  rooms.reception = (await post('/api/rooms', { name: '応接室A', kind: 'reception' })).id;
  guard = await server.createUser({ roles: ['guard'], name: '受付 花子', password: 'Gk7#vQ2$mX9p' });
  // Confirms PINs at the desk: an authorised person who issued no badge.
  confirmer = await personWithBadge('確認 権限者', { roles: ['authorized'] });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** A fresh browser context with a watched page that also records the notes it plays (Web Audio), e.g. "sine:880". */
const openPage = (locale: string, viewport?: { width: number; height: number }, ignore?: RegExp) =>
  openWatchedPage(browser, server.url, {
    locale,
    ...(viewport ? { viewport } : {}),
    ...(ignore ? { ignore } : {}),
    init: () => {
      const w = window as unknown as { __tones: string[] };
      w.__tones = [];
      if (typeof OscillatorNode !== 'undefined') {
        const start = OscillatorNode.prototype.start;
        OscillatorNode.prototype.start = function (this: OscillatorNode, ...args: [number?]) {
          w.__tones.push(`${this.type}:${this.frequency.value}`);
          return start.apply(this, args);
        };
      }
    },
  });

/** The notes played since the last call. */
const tones = (page: Page) =>
  page.evaluate(() => {
    const w = window as unknown as { __tones: string[] };
    return w.__tones.splice(0);
  });

/** Signs in as the administrator and opens the registration forms. */
async function openAdmin(page: Page) {
  await signIn(page, server.admin, server.admin.badgeToken, server.admin.badgePin);
  await page.getByTestId('door-tab-admin').click();
  await page.getByTestId('admin-panel-person').waitFor();
}

async function chooseScanRoom(page: Page, roomId: string) {
  await page.getByTestId('scan-room').selectOption(roomId);
  await expect.poll(() => activeTestId(page)).toBe('scan-input');
}

describe('door: scanning at the front desk', () => {
  it('(a) a badge read into the focused scan input, without a click, shows 入室許可 and the name', async () => {
    const p = await personWithBadge('山田 花子', { rooms: [rooms.secure] });
    await withPage(() => openPage('ja-JP', { width: 1280, height: 800 }), async (w) => {
      const { page } = w;
      await signIn(page, guard);
      // After sign-in the scan input has the focus: the reader needs no click.
      await expect.poll(() => activeTestId(page)).toBe('scan-input');
      expect(await page.getByTestId('door-tab-admin').isVisible()).toBe(false); // guards do not register people
      expect(await page.getByTestId('scan-input').getAttribute('type')).toBe('password');
      await chooseScanRoom(page, rooms.secure);
      expect(await page.evaluate(() => localStorage.getItem('tachiai.room'))).toBe(rooms.secure);

      const scan = await readBadge(page, p.token);
      expect(scan).toMatchObject({ decision: 'granted', direction: 'in', person: { name: '山田 花子' } });
      const result = page.getByTestId('scan-result');
      await expect.poll(() => result.getAttribute('data-state')).toBe('granted');
      expect(await text(page, 'scan-verdict')).toBe('入室許可');
      expect(await text(page, 'scan-person')).toBe('山田 花子');
      expect(await result.innerText()).toContain('第1処理室');
      // No door has a controller on this site: the desk says nothing of doors (the space is the scan's).
      expect(await page.getByTestId('door-alarms').isVisible()).toBe(false);
      // On a 1280 × 800 screen the decision is in view without scrolling, under the previous-session notice.
      const box = (await result.boundingBox())!;
      expect(box.y + box.height).toBeLessThanOrEqual(800);
      expect(await page.evaluate(() => window.scrollY)).toBe(0);
      // A short rising two-note cue for a granted scan.
      await expect.poll(() => tones(page)).toEqual(['sine:880', 'sine:1320']);
      // The input is cleared and keeps the focus; the token is nowhere on the page.
      expect(await page.getByTestId('scan-input').inputValue()).toBe('');
      expect(await activeTestId(page)).toBe('scan-input');
      expect(await page.content()).not.toContain(p.token);
      // The scan is in the log at once, in Japanese.
      const row = page.locator(`[data-testid="log-row"][data-entry-id="${scan.entryId}"]`);
      await row.waitFor();
      expect(await row.innerText()).toMatch(/山田 花子[\s\S]*第1処理室[\s\S]*入室[\s\S]*許可/);
      await screenshot(page, 'door-granted-ja');

      // A click on plain text elsewhere on the scan screen gives the focus back to the scan input.
      await page.getByTestId('occupancy').locator('h3').click();
      await expect.poll(() => activeTestId(page)).toBe('scan-input');
      await page.getByTestId('direction-out').click();
      await expect.poll(() => activeTestId(page)).toBe('scan-input');
      expect(await page.getByTestId('direction-out').getAttribute('aria-pressed')).toBe('true');
      await page.keyboard.press('Escape'); // back to automatic
      expect(await page.getByTestId('direction-auto').getAttribute('aria-pressed')).toBe('true');

      // The result stays about five seconds, then the screen is ready for the next badge.
      await expect.poll(() => result.getAttribute('data-state'), { timeout: 9000 }).toBe('idle');
      expect(await text(page, 'scan-verdict')).toBe('読み取り待ち');

      // The room is remembered for the next sign-in on this computer.
      await page.reload();
      await page.waitForSelector('html:not(.i18n-pending)');
      await signIn(page, guard);
      await expect.poll(() => page.getByTestId('scan-room').inputValue()).toBe(rooms.secure);
      await expect.poll(() => activeTestId(page)).toBe('scan-input');
    });
  });

  it('(a2) the scan input has the focus after sign-in even when the door is ready before the next frame (a busy machine)', async () => {
    // On a loaded machine the browser's next frame can come after the door has loaded its rooms: the
    // sign-in's frame callback (focus on the previous-session heading) then came last and took the
    // focus from the scan input, and the badge reader typed into nothing (seen in CI). Here frames are
    // held back, once signing in starts, until the door's room list is filled.
    const p = await personWithBadge('遅延 次郎', { rooms: [rooms.secure] });
    await withPage(
      () =>
        openWatchedPage(browser, server.url, {
          init: () => {
            const w = window as unknown as { __holdFrames?: boolean };
            const raf = window.requestAnimationFrame.bind(window);
            window.requestAnimationFrame = (cb) => {
              const later = () => {
                if (w.__holdFrames && !document.querySelector('#scan-room option')) setTimeout(later, 10);
                else setTimeout(() => raf(cb), w.__holdFrames ? 100 : 0);
              };
              later();
              return 0;
            };
          },
        }),
      async ({ page }) => {
        await expect.poll(() => activeTestId(page)).toBe('username');
        await page.evaluate(() => {
          (window as unknown as { __holdFrames: boolean }).__holdFrames = true;
        });
        await signIn(page, guard);
        await page.locator('#scan-room option').first().waitFor({ state: 'attached' });
        // Past the held frame: the focus stays on the scan input, and a badge read there is decided.
        await page.waitForTimeout(300);
        expect(await activeTestId(page)).toBe('scan-input');
        await chooseScanRoom(page, rooms.secure);
        expect(await readBadge(page, p.token)).toMatchObject({ decision: 'granted', person: { name: '遅延 次郎' } });
      },
    );
  });

  it('(b) a revoked badge is denied with its reason in words; so are unknown badges and wrong directions', async () => {
    const revoked = await personWithBadge('佐藤 次郎', { rooms: [rooms.secure], revoked: true });
    const outsider = await personWithBadge('高橋 三郎');
    await withPage(() => openPage('ja-JP'), async (w) => {
      const { page } = w;
      await signIn(page, guard);
      await chooseScanRoom(page, rooms.secure);

      const scan = await readBadge(page, revoked.token);
      expect(scan).toMatchObject({ decision: 'denied', reason: 'badge_revoked' });
      await expect.poll(() => page.getByTestId('scan-result').getAttribute('data-state')).toBe('denied');
      expect(await text(page, 'scan-verdict')).toBe('拒否');
      expect(await text(page, 'scan-person')).toBe('佐藤 次郎');
      expect(await text(page, 'scan-reason')).toBe('失効した入館証です');
      // A different, low cue for a denied scan.
      await expect.poll(() => tones(page)).toEqual(['square:196', 'square:196']);
      await screenshot(page, 'door-denied-ja');
      expect(await page.content()).not.toContain(revoked.token);

      // Not on the access list.
      expect(await readBadge(page, outsider.token)).toMatchObject({ reason: 'not_on_access_list' });
      await expect.poll(() => text(page, 'scan-reason')).toBe('この部屋の入室許可者ではありません');
      // A badge the system does not know: no name, the reason in words.
      expect(await readBadge(page, 'tb1_not-a-real-badge')).toMatchObject({ reason: 'unknown_badge' });
      await expect.poll(() => text(page, 'scan-reason')).toBe('登録されていない入館証です');
      expect(await page.getByTestId('scan-person').isVisible()).toBe(false);
      // ↓ asks for an exit; the person is not inside (anti-passback).
      const inside = await personWithBadge('中村 四郎', { rooms: [rooms.secure] });
      await page.keyboard.press('ArrowDown');
      expect(await page.getByTestId('direction-out').getAttribute('aria-pressed')).toBe('true');
      const out = await readBadge(page, inside.token);
      expect(out).toMatchObject({ decision: 'denied', direction: 'out', reason: 'not_inside' });
      await expect.poll(() => text(page, 'scan-reason')).toBe('入室の記録がないため、退室を記録できません');
      // ↑ then an entry, and once more: already inside.
      await page.keyboard.press('ArrowUp');
      expect(await readBadge(page, inside.token)).toMatchObject({ decision: 'granted', direction: 'in' });
      expect(await readBadge(page, inside.token)).toMatchObject({ decision: 'denied', reason: 'already_inside' });
      await expect.poll(() => text(page, 'scan-reason')).toBe('すでに在室中です（退室の記録がありません）');
      // The log names every reason in words, never a code.
      const log = await text(page, 'log-body');
      expect(log).toContain('失効した入館証です');
      expect(log).toContain('この部屋の入室許可者ではありません');
      expect(log).not.toMatch(/badge_revoked|not_on_access_list|unknown_badge|not_inside/);

      // The same screen in English.
      await page.getByTestId('lang-switch').click();
      expect(await text(page, 'scan-verdict')).toBe('Denied');
      expect(await text(page, 'scan-reason')).toBe('Already inside (no exit recorded)');
      expect(await text(page, 'log-body')).toContain('This badge has been revoked');
    });
  });

  it('(g) someone leaving while holding a checked-out medium: the exit is recorded with an amber clean-desk warning, marked in the log (E6.5)', async () => {
    const holder = await personWithBadge('中村 保持', { rooms: [rooms.secure] });
    const other = await personWithBadge('小林 手ぶら', { rooms: [rooms.secure] });
    for (const p of [holder, other]) await post('/api/scans', { roomId: rooms.secure, badge: p.token, direction: 'in' });
    const depositor = await post('/api/orgs', { name: '株式会社預託元', kind: 'depositor' });
    const cabinet = await post('/api/locations', { name: 'キャビネットA', kind: 'cabinet', roomId: rooms.secure });
    const m = await post('/api/media', { label: 'USB-CD-1', kind: 'usb', depositorOrgId: depositor.id, locationId: cabinet.id });
    await post('/api/custody/checkouts', { mediaIds: [m.id], personId: holder.id, badge: holder.token, pin: '482913' });
    await withPage(() => openPage('ja-JP'), async (w) => {
      const { page } = w;
      await signIn(page, guard);
      await chooseScanRoom(page, rooms.secure);
      // Empty-handed: a plain exit, no warning.
      await readBadge(page, other.token);
      await expect.poll(() => text(page, 'scan-verdict')).toBe('退室');
      expect(await page.getByTestId('scan-flag').isVisible()).toBe(false);
      // Holding the medium: the exit is recorded (granted) and the warning shows under the decision.
      const scan = await readBadge(page, holder.token);
      expect(scan).toMatchObject({ decision: 'granted', direction: 'out', flags: ['holding_media'] });
      await expect.poll(() => text(page, 'scan-person')).toBe('中村 保持');
      expect(await text(page, 'scan-verdict')).toBe('退室');
      expect(await text(page, 'scan-flag')).toBe('持出し中の媒体を持ったまま退室しました（クリーンデスク違反の可能性）');
      // The line in the live log is marked; so it is after a reload (from the entry list).
      const row = page.locator(`[data-testid="log-row"][data-entry-id="${scan.entryId}"]`);
      await row.waitFor();
      expect(await row.getAttribute('data-flags')).toBe('holding_media');
      expect(await row.getByTestId('log-flag').innerText()).toBe('媒体を持ったまま退室');
      expect(await page.locator('[data-testid="log-row"][data-flags]').count()).toBe(1);
      await screenshot(page, 'door-clean-desk-ja');
      await page.getByTestId('lang-switch').click();
      expect(await text(page, 'scan-flag')).toBe('Left the room while holding checked-out media (clean desk)');
      await page.getByTestId('lang-switch').click();
      await page.reload();
      await page.waitForSelector('html:not(.i18n-pending)');
      await signIn(page, guard);
      await page.locator(`[data-testid="log-row"][data-entry-id="${scan.entryId}"] [data-testid="log-flag"]`).waitFor();
    });
  });
});

describe('door: live log and occupancy', () => {
  it('(c) a second browser sees a scan appear in its live log without reloading, and reconnects after a drop', async () => {
    const p = await personWithBadge('伊藤 五郎', { rooms: [rooms.reception] });
    const desk = await openPage('ja-JP');
    const watcher = await openPage('en-US');
    try {
      // The watcher's first stream is cut off: the page must reconnect by itself.
      let cut = 0;
      await watcher.page.route('**/api/entries/live*', async (route) => {
        if (cut++ === 0) await route.abort('connectionreset');
        else await route.continue();
      });
      await signIn(watcher.page, server.admin, server.admin.badgeToken, server.admin.badgePin);
      await expect.poll(() => watcher.page.getByTestId('live-status').getAttribute('data-state'), { timeout: 15_000 }).toBe('live');
      expect(cut).toBeGreaterThanOrEqual(2);
      expect(await text(watcher.page, 'live-status')).toBe('Live');

      await signIn(desk.page, guard);
      await chooseScanRoom(desk.page, rooms.reception);
      const scan = await readBadge(desk.page, p.token);
      expect(scan.decision).toBe('granted');

      const row = watcher.page.locator(`[data-testid="log-row"][data-entry-id="${scan.entryId}"]`);
      await row.waitFor({ timeout: 10_000 });
      const first = watcher.page.getByTestId('log-row').first();
      expect(await first.getAttribute('data-entry-id')).toBe(scan.entryId); // newest on top
      expect(await row.innerText()).toMatch(/伊藤 五郎[\s\S]*応接室A[\s\S]*In[\s\S]*Granted/);
      // The occupancy board of the watcher follows too.
      const card = watcher.page.locator(`[data-testid="occupancy-room"][data-room-id="${rooms.reception}"]`);
      await expect.poll(() => card.innerText()).toContain('伊藤 五郎');
      await screenshot(watcher.page, 'door-live-en');

      // A denied scan shows up with its reason in the watcher's language.
      const stranger = await personWithBadge('渡辺 六郎');
      const denied = await readBadge(desk.page, stranger.token);
      const deniedRow = watcher.page.locator(`[data-testid="log-row"][data-entry-id="${denied.entryId}"]`);
      await deniedRow.waitFor({ timeout: 10_000 });
      expect(await deniedRow.innerText()).toContain('Not on this room’s access list');

      // Showing one room only filters the log.
      await watcher.page.getByTestId('log-room').selectOption(rooms.secure);
      await expect.poll(() => watcher.page.locator(`[data-entry-id="${scan.entryId}"]`).count()).toBe(0);
      await watcher.page.getByTestId('log-room').selectOption('');
      await row.waitFor();

      for (const w of [desk, watcher]) {
        expect(await w.cspViolations()).toEqual([]);
        expect(w.errors.filter((e) => !e.includes('ERR_CONNECTION_RESET'))).toEqual([]);
      }
    } finally {
      await desk.context.close();
      await watcher.context.close();
    }
  });

  it('(d) the occupancy board shows who is inside and since when, and the evacuation list opens', async () => {
    const p = await personWithBadge('小林 七海', { rooms: [rooms.secure] });
    await withPage(() => openPage('ja-JP'), async (w) => {
      const { page } = w;
      await signIn(page, guard);
      await chooseScanRoom(page, rooms.secure);
      const scan = await readBadge(page, p.token);
      expect(scan.decision).toBe('granted');

      const card = page.locator(`[data-testid="occupancy-room"][data-room-id="${rooms.secure}"]`);
      const occupant = card.locator(`[data-testid="occupant"][data-person-id="${p.id}"]`);
      await occupant.waitFor();
      expect(await occupant.innerText()).toMatch(/小林 七海[\s\S]*株式会社テスト受託[\s\S]*\d{2}:\d{2}:\d{2}から/);
      expect(await card.innerText()).toContain('セキュリティ区画');
      const other = page.locator(`[data-testid="occupancy-room"][data-room-id="${rooms.reception}"]`);
      expect(await other.isVisible()).toBe(true);
      await screenshot(page, 'door-occupancy-ja');
      // On a phone-sized screen nothing is cut off or scrolls sideways.
      await page.setViewportSize({ width: 390, height: 844 });
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await screenshot(page, 'door-occupancy-ja-narrow');
      await page.setViewportSize({ width: 1280, height: 900 });

      // The evacuation list: fetched with the token, opened in a new tab, styled by /assets/print.css.
      const popup = await popupOf(page, () => card.getByTestId('muster-button').click());
      const body = await popup.locator('body').innerText();
      expect(body).toContain('避難者確認リスト');
      expect(body).toContain('第1処理室');
      expect(body).toContain('小林 七海');
      const sheet = await popup.evaluate(() => Array.from(document.styleSheets).map((s) => ({ href: s.href, rules: s.cssRules.length })));
      expect(sheet).toHaveLength(1);
      expect(sheet[0]!.href).toBe(`${server.url}/assets/print.css`);
      expect(sheet[0]!.rules).toBeGreaterThan(5);
      expect(await popup.evaluate(() => getComputedStyle(document.querySelector('main')!).maxWidth)).not.toBe('none');
      await screenshot(popup, 'door-muster-ja');
      expect(await w.cspViolations(popup)).toEqual([]);
      await popup.close();
      // Back on the front desk, the scan input has the focus again.
      await page.bringToFront();
      await expect.poll(() => activeTestId(page)).toBe('scan-input');
    });
  });
});

describe('door: manual exit', () => {
  /** Every manual exit this page sends (POST …/occupancy/:personId/exit). */
  const exitRequests = (page: Page) => {
    const sent: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && /\/occupancy\/[^/]+\/exit$/.test(r.url())) sent.push(r.url());
    });
    return sent;
  };
  const isExit = (r: { url(): string; request(): { method(): string } }) => /\/occupancy\/[^/]+\/exit$/.test(r.url()) && r.request().method() === 'POST';

  it('(h) a guard records an exit by hand from the occupancy board: the person leaves the board and the live log marks the exit (manual_exit)', async () => {
    const p = await personWithBadge('森 一樹', { rooms: [rooms.secure] });
    await withPage(() => openPage('ja-JP', { width: 1280, height: 900 }), async (w) => {
      const { page } = w;
      const sent = exitRequests(page);
      await signIn(page, guard);
      await chooseScanRoom(page, rooms.secure);
      expect(await readBadge(page, p.token)).toMatchObject({ decision: 'granted', direction: 'in' });
      const card = page.locator(`[data-testid="occupancy-room"][data-room-id="${rooms.secure}"]`);
      const occupant = card.locator(`[data-testid="occupant"][data-person-id="${p.id}"]`);
      await occupant.waitFor();

      // A small button in the person's row opens the form in that row, the reason field focused.
      const button = occupant.getByTestId('exit-button');
      expect(await button.innerText()).toBe('退室を記録');
      expect(await button.getAttribute('aria-label')).toBe('森 一樹さんの退室を記録');
      await button.click();
      const form = occupant.getByTestId('exit-form');
      await form.waitFor();
      await expect.poll(() => activeTestId(page)).toBe('exit-note');
      expect(await form.locator('label').innerText()).toBe('理由（例: 入館証の紛失、読み取り機の故障）');
      expect(await form.getByTestId('exit-submit').innerText()).toMatch(/^退室を記録する\s*Enter$/);
      expect(await form.getByTestId('exit-cancel').innerText()).toMatch(/^取り消す\s*Esc$/);
      expect(await page.getByTestId('exit-note').getAttribute('maxlength')).toBe('500');
      expect(await occupant.getByTestId('exit-button').count()).toBe(0);
      // The scan input does not take the focus back while the form is open, even after a click on plain text.
      await page.getByTestId('occupancy').locator('h3').click();
      await page.waitForTimeout(200);
      expect(await activeTestId(page)).not.toBe('scan-input');
      await page.getByTestId('exit-note').focus();

      // Enter without a reason: said at the field, nothing sent.
      await page.keyboard.press('Enter');
      await expect.poll(() => text(page, 'exit-error')).toBe('理由を入力してください。');
      expect(await page.getByTestId('exit-note').getAttribute('aria-invalid')).toBe('true');
      expect(await activeTestId(page)).toBe('exit-note');
      // A badge read by the USB reader while the form has the focus: neither sent nor left on screen.
      await page.keyboard.type(p.token, { delay: 1 });
      await page.keyboard.press('Enter');
      await expect.poll(() => text(page, 'exit-error')).toBe('入館証が読み取られたため、入力欄を消去しました。理由を入力してください。');
      expect(await page.getByTestId('exit-note').inputValue()).toBe('');
      expect(sent).toEqual([]);

      await page.keyboard.type('入館証紛失のため、受付で退室を確認');
      // Typing clears the message.
      await expect.poll(() => page.getByTestId('exit-error').count()).toBe(0);
      expect(await page.getByTestId('exit-note').getAttribute('aria-invalid')).toBeNull();
      await screenshot(page, 'door-manual-exit-form-ja');
      await page.getByTestId('occupancy').screenshot({ path: path.join(SCREENSHOT_DIR, 'door-manual-exit-board-ja.png') });
      // On a phone-sized screen the form fits too.
      await page.setViewportSize({ width: 390, height: 844 });
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await form.scrollIntoViewIfNeeded();
      await screenshot(page, 'door-manual-exit-form-ja-narrow');
      await page.setViewportSize({ width: 1280, height: 900 });
      expect(await activeTestId(page)).toBe('exit-note');

      const answer = page.waitForResponse(isExit);
      await page.keyboard.press('Enter');
      const res = await answer;
      expect(res.status()).toBe(201);
      const exit = await res.json();
      expect(exit).toMatchObject({ person: { id: p.id, name: '森 一樹' }, flags: ['manual_exit'] });
      expect(sent).toHaveLength(1);

      // Off the board, a short confirmation, and the scan input has the focus again.
      await expect.poll(() => occupant.count()).toBe(0);
      await expect.poll(() => text(page, 'door-notice')).toBe('森 一樹さんの退室を記録しました。');
      expect(await page.getByTestId('door-notice').getAttribute('class')).toMatch(/^notice\b/);
      await expect.poll(() => activeTestId(page)).toBe('scan-input');

      // The live log shows the exit, marked as recorded by hand (informational, not the amber warning).
      const row = page.locator(`[data-testid="log-row"][data-entry-id="${exit.entryId}"]`);
      await row.waitFor();
      expect(await row.innerText()).toMatch(/森 一樹[\s\S]*第1処理室[\s\S]*退室[\s\S]*許可[\s\S]*手動で記録した退室/);
      expect(await row.getAttribute('data-flags')).toBe('manual_exit');
      expect(await row.getAttribute('class')).not.toContain('log-flagged');
      expect(await row.getByTestId('log-flag').getAttribute('class')).toContain('pill-info');

      // The entry list says the same: the newest entry of the room is this exit.
      const list = await request(server.url).get(`/api/entries?roomId=${rooms.secure}`).set('Authorization', `Bearer ${await adminToken()}`);
      expect(list.status).toBe(200);
      expect(list.body.items[0]).toMatchObject({ id: exit.entryId, person: { id: p.id }, direction: 'out', decision: 'granted', flags: ['manual_exit'] });
      // Once in the log, though both the answer and the stream brought it.
      expect(await page.locator(`[data-testid="log-row"][data-entry-id="${exit.entryId}"]`).count()).toBe(1);

      await page.getByTestId('lang-switch').click();
      expect(await row.getByTestId('log-flag').innerText()).toBe('Exit recorded by hand');
      expect(await text(page, 'door-notice')).toBe('Exit of 森 一樹 recorded.');
      // Back in Japanese (the log redrawn, without the new-line highlight) for the screenshot.
      await page.getByTestId('lang-switch').click();
      await screenshot(page, 'door-manual-exit-log-ja');
    });
  });

  it('(i) Escape closes the form and records nothing; an exit recorded elsewhere first is refused as "no longer inside"', async () => {
    const p = await personWithBadge('Alex Morgan', { rooms: [rooms.secure] });
    const q = await personWithBadge('Sam Lee', { rooms: [rooms.secure] });
    await post('/api/scans', { roomId: rooms.secure, badge: p.token, direction: 'in' });
    // The browser logs the 409 answer; the page says it in words.
    await withPage(() => openPage('en-US', undefined, /status of 409/), async (w) => {
      const { page } = w;
      const sent = exitRequests(page);
      await signIn(page, guard);
      await chooseScanRoom(page, rooms.secure);
      const card = page.locator(`[data-testid="occupancy-room"][data-room-id="${rooms.secure}"]`);
      const occupant = card.locator(`[data-testid="occupant"][data-person-id="${p.id}"]`);
      await occupant.waitFor();
      expect(await occupant.getByTestId('exit-button').innerText()).toBe('Record exit');
      await occupant.getByTestId('exit-button').click();
      await expect.poll(() => activeTestId(page)).toBe('exit-note');
      expect(await occupant.getByTestId('exit-form').locator('label').innerText()).toBe('Reason (e.g. lost badge, reader out of order)');
      await page.keyboard.type('reader');
      // Someone scans in meanwhile: the board is redrawn, the form keeps its text and the focus.
      await post('/api/scans', { roomId: rooms.secure, badge: q.token, direction: 'in' });
      await card.locator(`[data-testid="occupant"][data-person-id="${q.id}"]`).waitFor();
      expect(await activeTestId(page)).toBe('exit-note');
      await page.keyboard.type(' out of order');
      expect(await page.getByTestId('exit-note').inputValue()).toBe('reader out of order');

      // Escape: the form closes, nothing is recorded, the scan input has the focus.
      await page.keyboard.press('Escape');
      await expect.poll(() => page.getByTestId('exit-form').count()).toBe(0);
      await expect.poll(() => activeTestId(page)).toBe('scan-input');
      expect(await occupant.isVisible()).toBe(true);
      expect(await page.getByTestId('direction-auto').getAttribute('aria-pressed')).toBe('true');
      expect(sent).toEqual([]);
      const mine = await request(server.url).get(`/api/entries?personId=${p.id}`).set('Authorization', `Bearer ${await adminToken()}`);
      expect(mine.body.items.map((e: { direction: string; flags: string[] }) => [e.direction, e.flags])).toEqual([['in', []]]);

      // The exit is recorded elsewhere (another desk) before this page reloads its board: held here,
      // so the person is still listed when the form is sent, and the server answers 409 not_inside.
      await occupant.getByTestId('exit-button').click();
      await expect.poll(() => activeTestId(page)).toBe('exit-note');
      await page.keyboard.type('Badge lost');
      const held: Route[] = [];
      let hold = true;
      await page.route('**/api/rooms/*/occupancy', (route) => (hold ? void held.push(route) : route.continue()));
      await post(`/api/rooms/${rooms.secure}/occupancy/${p.id}/exit`, { note: 'Recorded at the other desk' });
      await page.locator('[data-testid="log-row"][data-flags="manual_exit"]', { hasText: 'Alex Morgan' }).waitFor();
      expect(await occupant.getByTestId('exit-form').count()).toBe(1);
      const answer = page.waitForResponse(isExit);
      await page.keyboard.press('Enter');
      const res = await answer;
      expect(res.status()).toBe(409);
      expect((await res.json()).error.code).toBe('not_inside');
      await expect.poll(() => text(page, 'door-notice')).toBe('This person is no longer inside.');
      expect(await page.getByTestId('door-notice').getAttribute('class')).toMatch(/^notice\b/);
      await expect.poll(() => page.getByTestId('exit-form').count()).toBe(0);
      await expect.poll(() => activeTestId(page)).toBe('scan-input');
      // The board is reloaded: the person is gone.
      expect(held.length).toBeGreaterThan(0);
      hold = false;
      for (const route of held) await route.continue();
      await page.unroute('**/api/rooms/*/occupancy');
      await expect.poll(() => occupant.count()).toBe(0);
      const exits = await request(server.url).get(`/api/entries?personId=${p.id}`).set('Authorization', `Bearer ${await adminToken()}`);
      expect(exits.body.items.filter((e: { flags: string[] }) => e.flags.includes('manual_exit'))).toHaveLength(1);

      // Someone who scans out while the form is open for them: the form closes with the same words.
      const other = card.locator(`[data-testid="occupant"][data-person-id="${q.id}"]`);
      await other.getByTestId('exit-button').click();
      await expect.poll(() => activeTestId(page)).toBe('exit-note');
      await post('/api/scans', { roomId: rooms.secure, badge: q.token, direction: 'out' });
      await expect.poll(() => other.count()).toBe(0);
      expect(await page.getByTestId('exit-form').count()).toBe(0);
      await expect.poll(() => activeTestId(page)).toBe('scan-input');
      expect(await text(page, 'door-notice')).toBe('This person is no longer inside.');
      expect(sent).toHaveLength(1);
    });
  });

  it('(j) without scans:write (an auditor) the board has no "Record exit" button', async () => {
    const p = await personWithBadge('清水 三奈', { rooms: [rooms.secure] });
    await post('/api/scans', { roomId: rooms.secure, badge: p.token, direction: 'in' });
    const auditor = await server.createUser({ roles: ['auditor'], name: '監査 次郎', password: 'Rb5#tL8$wQ2k' });
    await withPage(() => openPage('ja-JP'), async (w) => {
      const { page } = w;
      await signIn(page, auditor);
      const occupant = page.locator(`[data-testid="occupancy-room"][data-room-id="${rooms.secure}"] [data-testid="occupant"][data-person-id="${p.id}"]`);
      await occupant.waitFor();
      expect(await page.getByTestId('exit-button').count()).toBe(0);
    });
  });
});

describe('door: registration forms', () => {
  it('(e) an admin registers an organisation and a person, issues a badge, adds them to the access list, then scans in', async () => {
    // A form refused (400) is logged by the browser; the page shows it in words.
    await withPage(() => openPage('ja-JP', undefined, /status of 400/), async (w) => {
      const { page } = w;
      await openAdmin(page);

      // An organisation (this company's partner, a contractor), by keyboard.
      await page.getByTestId('admin-tab-org').click();
      await page.getByTestId('admin-org-name').fill('株式会社協力警備');
      await page.getByTestId('admin-org-kind').selectOption('contractor');
      await page.getByTestId('admin-org-name').press('Enter');
      await expect.poll(() => text(page, 'admin-org-status')).toBe('組織「株式会社協力警備」を登録しました。');

      // A person: empty form first, to see the API's validation messages at the fields.
      await page.getByTestId('admin-tab-person').click();
      await page.getByTestId('admin-person-submit').click();
      await expect.poll(() => text(page, 'admin-person-status')).toBe('入力内容に誤りがあります。各項目のメッセージを確認してください。');
      expect(await text(page, 'admin-person-name-error')).toBe('入力してください。');
      expect(await page.getByTestId('admin-person-orgId-error').isVisible()).toBe(false); // the new organisation is chosen
      expect(await text(page, 'admin-person-roles-error')).toBe('1つ以上選んでください。');
      expect(await page.getByTestId('admin-person-name').getAttribute('aria-invalid')).toBe('true');
      await expect.poll(() => activeTestId(page)).toBe('admin-person-name');
      await screenshot(page, 'door-admin-person-ja');
      await page.keyboard.type('鈴木 一郎');
      // The new organisation was chosen for the next person already.
      expect(await page.getByTestId('admin-person-orgId').locator('option:checked').innerText()).toBe('株式会社協力警備（自社（受託者））');
      await page.getByTestId('admin-person-roles').getByText('担当者').click();
      await page.getByTestId('admin-person-phone').fill('03-1234-5678');
      await page.getByTestId('admin-person-submit').click();
      await expect.poll(() => text(page, 'admin-person-status')).toBe('鈴木 一郎さんを登録しました。');
      expect(await page.getByTestId('admin-person-name-error').isVisible()).toBe(false);

      // A badge: issued without a PIN (the issuer never chooses it, review finding 1).
      await page.getByTestId('admin-tab-badge').click();
      const holder = page.getByTestId('admin-badge-personId');
      expect(await holder.locator('option:checked').innerText()).toBe('鈴木 一郎（株式会社協力警備）');
      expect(await page.getByTestId('admin-badge-form').locator('input[inputmode="numeric"]').count()).toBe(0);
      await screenshot(page, 'door-admin-ja');
      const issued = page.waitForResponse((r) => r.url().endsWith('/api/badges') && r.request().method() === 'POST');
      await page.getByTestId('admin-badge-submit').click();
      const badge = await (await issued).json();
      expect(badge.token).toMatch(/\S{20,}/);
      expect(badge.pinSet).toBe(false);
      await expect.poll(() => text(page, 'admin-badge-status')).toContain('鈴木 一郎さんの入館証を発行しました');
      expect(await page.content()).not.toContain(badge.token);

      // Its printable card opens in a new tab, 85.6 × 54 mm, with the QR code.
      const card = await popupOf(page, () => page.getByTestId('admin-badge-print').click());
      expect(await card.locator('.name').innerText()).toBe('鈴木 一郎');
      expect(await card.locator('.qr svg').count()).toBe(1);
      const size = await card.evaluate(() => {
      const r = document.querySelector('.card')!.getBoundingClientRect();
      return { w: r.width, h: r.height };
      });
      expect(Math.abs(size.w - (85.6 / 25.4) * 96)).toBeLessThan(2);
      expect(Math.abs(size.h - (54 / 25.4) * 96)).toBeLessThan(2);
      await screenshot(card, 'door-badge-card');
      expect(await w.cspViolations(card)).toEqual([]);
      await card.close();

      // The holder sets the PIN, a confirmer (not the issuer) signs: a trivial PIN and a PIN typed
      // differently twice are refused at the field; every secret is cleared after each answer.
      await page.getByTestId('admin-tab-pin').click();
      const fillPin = async (pin: string, again: string) => {
        await page.getByTestId('admin-pin-badge').fill(badge.token);
        await page.getByTestId('admin-pin-newPin').fill(pin);
        await page.getByTestId('admin-pin-newPinConfirm').fill(again);
        await page.getByTestId('admin-pin-confirmerId').selectOption(confirmer.id);
        await page.getByTestId('admin-pin-confirmerBadge').fill(confirmer.token);
        await page.getByTestId('admin-pin-confirmerPin').fill(confirmer.pin);
        await page.getByTestId('admin-pin-submit').click();
      };
      await fillPin('583920', '583921');
      await expect.poll(() => text(page, 'admin-pin-newPinConfirm-error')).toBe('確認用の暗証番号が一致しません。');
      await fillPin('123456', '123456');
      await expect.poll(() => text(page, 'admin-pin-newPin-error')).toBe('推測されやすい番号です（同じ数字の繰り返し・連番・よく使われる番号）。別の番号にしてください。');
      for (const id of ['badge', 'newPin', 'newPinConfirm', 'confirmerBadge', 'confirmerPin']) expect(await page.getByTestId(`admin-pin-${id}`).inputValue(), id).toBe('');
      await screenshot(page, 'door-admin-pin-ja');
      await fillPin('583920', '583920');
      await expect.poll(() => text(page, 'admin-pin-status'), { timeout: 15_000 }).toBe('鈴木 一郎さんの暗証番号を設定しました。入館証で署名できます。');
      for (const id of ['badge', 'newPin', 'newPinConfirm', 'confirmerBadge', 'confirmerPin']) expect(await page.getByTestId(`admin-pin-${id}`).inputValue(), id).toBe('');
      expect((await request(server.url).get(`/api/badges/${badge.id}`).set('Authorization', `Bearer ${await adminToken()}`)).body.pinSet).toBe(true);


      // The access list of the secure room.
      await page.getByTestId('admin-tab-access').click();
      await page.getByTestId('admin-access-roomId').selectOption(rooms.secure);
      expect(await page.getByTestId('admin-access-personId').locator('option:checked').innerText()).toBe('鈴木 一郎（株式会社協力警備）');
      await page.getByTestId('admin-access-submit').click();
      await expect.poll(() => text(page, 'admin-access-status')).toBe('鈴木 一郎さんを第1処理室の入室許可者に追加しました。');
      await page.locator('[data-testid="admin-access-item"]', { hasText: '鈴木 一郎' }).waitFor();
      await screenshot(page, 'door-admin-access-ja');

      // Back to the front desk: the scan input has the focus; the new badge opens the door.
      await page.getByTestId('door-tab-desk').click();
      await expect.poll(() => activeTestId(page)).toBe('scan-input');
      await chooseScanRoom(page, rooms.secure);
      const scan = await readBadge(page, badge.token);
      expect(scan).toMatchObject({ decision: 'granted', person: { name: '鈴木 一郎' } });
      await expect.poll(() => text(page, 'scan-verdict')).toBe('入室許可');
      expect(await text(page, 'scan-person')).toBe('鈴木 一郎');
    });
  });

  it('an admin records an NDA, a training and a leave, and acknowledges the notice to the depositor', async () => {
    const leaver = await personWithBadge('加藤 八重', { rooms: [rooms.secure] });
    await withPage(() => openPage('ja-JP'), async (w) => {
      const { page } = w;
      await openAdmin(page);

      await page.getByTestId('admin-tab-nda').click();
      await page.getByTestId('admin-nda-personId').selectOption(leaver.id);
      await page.getByTestId('admin-nda-documentRef').fill('NDA-2026-014');
      await page.getByTestId('admin-nda-submit').click();
      await expect.poll(() => text(page, 'admin-nda-status')).toBe('加藤 八重さんの秘密保持契約を登録しました。');

      await page.getByTestId('admin-tab-training').click();
      await page.getByTestId('admin-training-title').fill('預託情報保護研修');
      await page.getByTestId('admin-training-instructor').fill('管理 太郎');
      await page.getByTestId('admin-training-method').fill('集合研修');
      await page.getByTestId('admin-training-content').fill('預託情報保護要領、個人情報保護、ウイルス対策');
      await page.getByTestId('admin-training-participantIds').getByText('加藤 八重').click();
      await page.getByTestId('admin-training-submit').click();
      await expect.poll(() => text(page, 'admin-training-status')).toBe('教育研修「預託情報保護研修」を記録しました（受講者1名）。');

      await page.getByTestId('admin-tab-leave').click();
      await page.getByTestId('admin-leave-personId').selectOption(leaver.id);
      await page.getByTestId('admin-leave-reason').selectOption('resigned');
      await page.getByTestId('admin-leave-submit').click();
      await expect.poll(() => text(page, 'admin-leave-confirm-error')).toBe('内容を確認のうえ、チェックを入れてください。');
      await page.getByTestId('admin-leave-confirm').check();
      await page.getByTestId('admin-leave-submit').click();
      await expect.poll(() => text(page, 'admin-leave-status')).toBe(
      '加藤 八重さんの退職を登録しました。入館証1枚と入室許可1件を取り消し、預託元への通知を作成しました。',
      );

      await page.getByTestId('admin-tab-notifications').click();
      const notice = page.getByTestId('admin-notification').first();
      await notice.waitFor();
      expect(await notice.innerText()).toMatch(/加藤 八重さん（株式会社テスト受託）が.+付で退職しました。入館証と入室許可はすべて取り消し済みです。/);
      const before = await page.getByTestId('admin-notification').count();
      await notice.getByTestId('admin-notification-ack').click();
      await expect.poll(() => text(page, 'admin-notifications-status')).toBe('通知を確認済みにしました。');
      await expect.poll(() => page.getByTestId('admin-notification').count()).toBe(before - 1);

      // The forms follow the language switch without losing what is on screen.
      await page.getByTestId('lang-switch').click();
      expect(await text(page, 'admin-notifications-status')).toBe('Notice acknowledged.');
      expect(await text(page, 'admin-tab-leave')).toBe('Record a leave');
      await page.getByTestId('admin-tab-leave').click();
      expect(await text(page, 'admin-leave-status')).toBe(
      'The resignation of 加藤 八重 is recorded: 1 badge(s) and 1 room access grant(s) revoked, and a notice to the depositor created.',
      );
      expect(await page.locator('label[for="f-leave-effectiveAt"]').innerText()).toBe('Effective at (optional)');
      await screenshot(page, 'door-admin-en');

      // The revoked badge is now refused at the door.
      await page.getByTestId('door-tab-desk').click();
      await chooseScanRoom(page, rooms.secure);
      expect(await readBadge(page, leaver.token)).toMatchObject({ decision: 'denied', reason: 'badge_revoked' });
    });
  });
});

describe('door: subcontracting consent (E8.1–E8.3)', () => {
  const issueBadgeInForm = async (page: Page, personId: string) => {
    await page.getByTestId('admin-tab-badge').click();
    await page.getByTestId('admin-badge-personId').selectOption(personId);
    await page.getByTestId('admin-badge-submit').click();
  };

  it('a subcontractor\'s person gets no badge until the depositor\'s written consent is recorded in its form', async () => {
    const sub = await post('/api/orgs', { name: '株式会社再委託データ', kind: 'subcontractor' });
    const depositor = await post('/api/orgs', { name: '株式会社預託元', kind: 'depositor' });
    const worker = await post('/api/people', { name: '松本 九郎', orgId: sub.id, roles: ['staff'] });
    // The refusals (409, 400) are logged by the browser; the page shows them in words.
    await withPage(() => openPage('ja-JP', undefined, /status of 40[09]/), async (w) => {
      const { page } = w;
      await openAdmin(page);

      await issueBadgeInForm(page, worker.id);
      await expect.poll(() => text(page, 'admin-badge-status')).toBe(
        '再委託先の人の入館証は、預託元の書面による承諾を登録してから発行できます（「再委託の承諾の登録」で登録します）。',
      );

      // The consent form offers only subcontractors and disposal vendors, and only depositors as the consenting party.
      await page.getByTestId('admin-tab-consent').click();
      const offered = await page.getByTestId('admin-consent-orgId').locator('option').allInnerTexts();
      expect(offered).toContain('株式会社再委託データ（再委託先）');
      expect(offered.some((o) => o.includes('株式会社テスト受託'))).toBe(false);
      const depositors = await page.getByTestId('admin-consent-depositorOrgId').locator('option').allInnerTexts();
      expect(depositors).toContain('株式会社預託元');
      expect(depositors.some((o) => o.includes('株式会社再委託データ'))).toBe(false);
      // Nothing chosen: refused at the field, nothing sent.
      await page.getByTestId('admin-consent-submit').click();
      await expect.poll(() => text(page, 'admin-consent-orgId-error')).toBe('選択してください。');
      await page.getByTestId('admin-consent-orgId').selectOption(sub.id);
      await page.getByTestId('admin-consent-depositorOrgId').selectOption(depositor.id);
      await page.getByTestId('admin-consent-documentRef').fill('承諾書 2026-003（総務部 書庫A）');
      // Ending before the day of consent: refused by the server at the field, nothing recorded.
      await page.getByTestId('admin-consent-expiresAt').fill('2020-01-31');
      await page.getByTestId('admin-consent-submit').click();
      await expect.poll(() => text(page, 'admin-consent-expiresAt-error')).toBe('承諾日より後の日付を指定してください。');
      await page.getByTestId('admin-consent-expiresAt').fill('');
      const recorded = page.waitForResponse((r) => r.url().endsWith(`/api/orgs/${sub.id}/consents`) && r.request().method() === 'POST');
      await page.getByTestId('admin-consent-submit').click();
      expect((await recorded).status()).toBe(201);
      await expect.poll(() => text(page, 'admin-consent-status')).toBe('株式会社再委託データについて、預託元の書面による承諾を登録しました。');
      await screenshot(page, 'door-admin-consent-ja');

      // Now the same badge is issued.
      await issueBadgeInForm(page, worker.id);
      await expect.poll(() => text(page, 'admin-badge-status')).toContain('松本 九郎さんの入館証を発行しました');

      await page.getByTestId('lang-switch').click();
      await page.getByTestId('admin-tab-consent').click();
      expect(await text(page, 'admin-tab-consent')).toBe('Record a subcontracting consent');
      expect(await page.locator('label[for="f-consent-grantedAt"]').innerText()).toBe('Consent given on');
    });
    // Recorded as entered, with the journal entry the route writes.
    const journal = await request(server.url)
      .get('/api/journal')
      .query({ subject: `org:${sub.id}`, action: 'orgs.consent_recorded' })
      .set('Authorization', `Bearer ${await adminToken()}`);
    expect(journal.body.items).toHaveLength(1);
    expect(journal.body.items[0].payload).toMatchObject({ depositorOrgId: depositor.id, documentRef: '承諾書 2026-003（総務部 書庫A）' });
  });
});

describe('door: speed and weight', () => {
  it('(f) the front-desk page weighs under 150 KB and is interactive in well under a second', async () => {
    await withPage(() => openPage('ja-JP'), async (w) => {
      const { page } = w;
      const domContentLoaded = () =>
      page.evaluate(() => {
        const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
        return nav.domContentLoadedEventEnd - nav.startTime;
      });
      const firstLoad = await domContentLoaded();
      expect(firstLoad).toBeGreaterThan(0);
      // Timings are printed, not asserted (a loaded CI machine would make them flaky; the benchmark
      // measures speed): the bounds below only catch a page that hangs.
      expect(firstLoad).toBeLessThan(15_000);

      // Everything a guard's browser downloads: the page, its assets, sign-in and the door's data.
      await signIn(page, guard);
      // From the sign-in answer to a ready scan screen: door.js loaded, rooms, occupancy, log, stream.
      await page.waitForFunction(() => document.activeElement?.id === 'scan-input' && document.querySelector('[data-testid="occupancy-room"]'));
      const ready = await page.evaluate(() => {
      const login = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).find((e) => e.name.endsWith('/api/auth/login'))!;
      return performance.now() - login.responseEnd;
      });
      expect(ready).toBeLessThan(15_000);
      await expect.poll(() => page.getByTestId('live-status').getAttribute('data-state')).toBe('live');
      const weight = await page.evaluate(() => {
      const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')] as PerformanceResourceTiming[];
      const own = entries.filter((e) => !new URL(e.name).pathname.startsWith('/api/'));
      return {
        files: own.map((e) => new URL(e.name).pathname),
        assets: own.reduce((n, e) => n + e.transferSize, 0),
        total: entries.reduce((n, e) => n + e.transferSize, 0),
        // The page and its assets once unpacked (the door's data, which grows with the log, is
        // counted in what is sent but not here).
        decoded: own.reduce((n, e) => n + e.decodedBodySize, 0),
      };
      });
      expect(weight.files).toEqual(expect.arrayContaining(['/', '/assets/app.js', '/assets/i18n.js', '/assets/door.js', '/assets/style.css']));
      expect(weight.files).not.toContain('/assets/admin.js'); // loaded only with the registration forms
      // Really transferred (not from a cache), gzip-compressed: far less than the decoded size.
      expect(weight.assets).toBeGreaterThan(10 * 1024);
      expect(weight.assets).toBeLessThan(weight.decoded / 2);
      // The requirement: the page *sends* under 150 KB. Unpacked, the page and its files stay
      // under a budget of their own, so that growth is a decision (type comments, issue 13).
      expect(weight.total).toBeLessThan(150 * 1024);
      expect(weight.decoded).toBeLessThan(200 * 1024);

      // The page's own cost, without the renderer start-up: a reload (assets revalidated, max-age 0).
      await page.reload();
      await page.waitForSelector('html:not(.i18n-pending)');
      const dcl = await domContentLoaded();
      expect(dcl).toBeGreaterThan(0);
      expect(dcl).toBeLessThan(15_000);
      console.log(
      `door page: ${weight.total} B in all (${weight.assets} B page and assets); DOMContentLoaded ${Math.round(dcl)} ms (first load ${Math.round(firstLoad)} ms); scan screen ready ${Math.round(ready)} ms after sign-in`,
      );
    });
  });
});

// Door stations in a real browser (issue 14, item 1; docs/operations.md "Door stations"): an
// administrator registers one in 登録・管理 → 入口端末 and sees its credential once, with the
// enrolment QR code (decoded here by zbarimg) and the address; a kiosk opens that address and is
// enrolled; a badge read there is decided and shown large, then cleared; the kiosk survives a
// reload; when it cannot reach the server it says so in red at once, refuses the reader's input and
// queues nothing; a guard signing in there sees the room's live log and who is inside, which go
// with the guard's idle sign-out while scans keep being recorded; revoking the station in the
// registration screen stops the kiosk at its next scan.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { Browser, Page, Request } from 'playwright-core';
import { launchBrowser, screenshot } from '../helpers/browser.js';
import { activeTestId, openWatchedPage, signIn, text, type Watched } from '../helpers/page.js';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.js';
import { custodySite, type CustodySite, type SitePerson } from '../helpers/custody.js';

const run = promisify(execFile);

let server: TestServer;
let browser: Browser;
let site: CustodySite;
let guard: TestUser;
let alice: SitePerson;
let bob: SitePerson;
let carol: SitePerson;
/** The kiosk's enrolment, from the registration screen. */
let station: { id: string; credential: string; enrolUrl: string };
let admin: Watched;
let kiosk: Watched;

/** Records the notes played (Web Audio), e.g. "sine:880", as door.browser.test.ts does. */
function recordTones() {
  const w = window as unknown as { __tones: string[] };
  w.__tones = [];
  if (typeof OscillatorNode !== 'undefined') {
    const start = OscillatorNode.prototype.start;
    OscillatorNode.prototype.start = function (this: OscillatorNode, ...args: [number?]) {
      w.__tones.push(`${this.type}:${this.frequency.value}`);
      return start.apply(this, args);
    };
  }
}
const tones = (page: Page) => page.evaluate(() => (window as unknown as { __tones: string[] }).__tones.splice(0));

/** What a USB reader does: the badge's characters fast, then Enter. */
async function read(page: Page, badge: string) {
  await page.keyboard.type(badge, { delay: 1 });
  await page.keyboard.press('Enter');
}

/** A reading at the kiosk that reaches the server: its answer. */
async function readAtKiosk(page: Page, badge: string) {
  const answer = page.waitForResponse((r) => r.url().endsWith('/api/scans') && r.request().method() === 'POST');
  await read(page, badge);
  const res = await answer;
  expect(res.request().headers().authorization).toBe(`Bearer ${station.credential}`);
  // Exactly what the reader typed, not a character lost.
  expect(res.request().postDataJSON()).toEqual({ roomId: site.roomId, badge });
  return { status: res.status(), body: await res.json() };
}

const entriesOf = async (personId: string) =>
  (await site.ok('get', `/api/entries?personId=${personId}&limit=100`, undefined, 200)).items as Array<{ id: string; decision: string; direction: string; roomId: string }>;

/** Console errors other than the browser's notes about answers the test provoked (aborted or refused requests). */
const EXPECTED_CONSOLE = /Failed to load resource|net::ERR_FAILED|status of (401|403|503)/;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer({ scryptCost: 1024 }), launchBrowser()]);
  site = await custodySite(server);
  alice = await site.person('山田 花子', ['staff']);
  bob = await site.person('佐藤 次郎', ['staff']);
  carol = await site.person('鈴木 三郎', ['staff']);
  guard = await server.createUser({ roles: ['guard'], name: '受付 警備子', password: 'Gk7#vQ2$mX9p' });
  // As if PUBLIC_URL were configured: the enrolment QR code then holds the whole address.
  server.ctx.config.publicUrl = server.url;
});

afterAll(async () => {
  await kiosk?.context.close();
  await admin?.context.close();
  await browser?.close();
  await server?.close();
});

describe('door stations: registration, the kiosk, offline, the guard, revocation', () => {
  it('an administrator registers a station under 登録・管理 → 入口端末: the credential once, its QR code and address, then the list', async () => {
    admin = await openWatchedPage(browser, server.url, { locale: 'ja-JP', viewport: { width: 1366, height: 900 } });
    const { page } = admin;
    await admin.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await signIn(page, server.admin, server.admin.badgeToken, server.admin.badgePin);
    await page.getByTestId('door-tab-admin').click();
    await page.getByTestId('admin-tab-station').click();
    expect(await text(page, 'admin-tab-station')).toBe('入口端末');
    // The empty state says what a station is for and how to get one.
    await expect.poll(() => text(page, 'admin-stations-empty')).toContain('まだ入口端末は登録されていません');
    await screenshot(page, 'station-admin-empty-ja');

    await page.getByTestId('admin-station-roomId').selectOption(site.roomId);
    await page.getByTestId('admin-station-name').fill('第1処理室 入口');
    const answer = page.waitForResponse((r) => r.url().endsWith('/api/door-stations') && r.request().method() === 'POST');
    await page.getByTestId('admin-station-submit').click();
    const res = await answer;
    expect(res.status()).toBe(201);
    const body = await res.json();
    station = { id: body.id, credential: body.credential, enrolUrl: body.enrolUrl };
    expect(station.enrolUrl).toBe(`${server.url}/station.html#enrol=${station.credential}`);

    // Shown once, with the warning, the QR code (an <img> from a data: URL), the address and the credential.
    const issued = page.getByTestId('admin-station-issued');
    await issued.waitFor();
    expect(await text(page, 'admin-station-once')).toBe('この認証情報は一度だけ表示されます。閉じると二度と表示できません。端末の登録を終えるまで、この表示を閉じないでください。');
    expect(await issued.innerText()).toContain('「第1処理室 入口」（第1処理室）');
    expect(await page.getByTestId('admin-station-address').inputValue()).toBe(station.enrolUrl);
    expect(await text(page, 'admin-station-credential')).toBe(station.credential);
    const qr = page.getByTestId('admin-station-qr');
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(await qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    expect(await issued.locator('svg').count()).toBe(0); // never inserted as markup
    // The QR code, as a phone or the kiosk's camera reads it: the enrolment address.
    const qrFile = await screenshot(page, 'station-admin-issued-ja');
    const qrShot = qrFile.replace(/\.png$/, '-qr.png');
    await qr.screenshot({ path: qrShot });
    const decoded = (await run('/usr/bin/zbarimg', ['--raw', '-q', qrShot])).stdout.trim();
    expect(decoded).toBe(station.enrolUrl);
    // The focus is on the credential's heading, for a screen reader to read the warning first.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('admin-station-issued-title');

    // Copy the address.
    await page.getByTestId('admin-station-copy').click();
    await expect.poll(() => text(page, 'admin-station-copied')).toBe('コピーしました。');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(station.enrolUrl);

    // The list: active, not connected yet.
    const row = page.locator(`[data-testid="admin-station"][data-station-id="${station.id}"]`);
    await row.waitFor();
    expect(await row.innerText()).toMatch(/第1処理室 入口[\s\S]*第1処理室[\s\S]*使用中[\s\S]*まだ接続していません/);
    await page.setViewportSize({ width: 800, height: 900 });
    await screenshot(page, 'station-admin-issued-ja-800');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(800);
    await page.setViewportSize({ width: 1366, height: 900 });

    // Closed: gone for good from the page.
    await page.getByTestId('admin-station-dismiss').click();
    expect(await issued.isVisible()).toBe(false);
    expect(await page.content()).not.toContain(station.credential);
    expect(await activeTestId(page)).toBe('admin-station-roomId');
  });

  it('without PUBLIC_URL the QR code holds no site address: the screen says to open the address shown, which is whole', async () => {
    server.ctx.config.publicUrl = undefined;
    try {
      const { page } = admin;
      await page.getByTestId('admin-station-roomId').selectOption(site.otherRoomId);
      await page.getByTestId('admin-station-name').fill('第2処理室 入口');
      const answer = page.waitForResponse((r) => r.url().endsWith('/api/door-stations') && r.request().method() === 'POST');
      await page.getByTestId('admin-station-submit').click();
      const body = await (await answer).json();
      expect(body.enrolUrl).toBe(`/station.html#enrol=${body.credential}`);
      await page.getByTestId('admin-station-issued').waitFor();
      expect(await page.getByTestId('admin-station-address').inputValue()).toBe(`${server.url}/station.html#enrol=${body.credential}`);
      expect(await text(page, 'admin-station-issued')).toContain('PUBLIC_URL');
      await page.getByTestId('admin-station-dismiss').click();
      // The list, active first: both stations.
      await expect.poll(() => page.getByTestId('admin-station').count()).toBe(2);
    } finally {
      server.ctx.config.publicUrl = server.url;
    }
  });

  it('a browser without an enrolment says how to enrol it; a broken enrolment address says so', async () => {
    const w = await openWatchedPage(browser, `${server.url}/station.html`, { locale: 'ja-JP', viewport: { width: 1366, height: 768 } });
    try {
      const { page } = w;
      expect(await text(page, 'station-setup-title')).toBe('この端末は入口端末として登録されていません');
      expect(await text(page, 'station-setup-how')).toContain('「入退室」→「登録・管理」→「入口端末」');
      expect(await page.getByTestId('station-reader').isVisible()).toBe(false);
      expect(await page.getByTestId('station-guard-open').isVisible()).toBe(false);
      await screenshot(page, 'station-none-ja');
      // A broken enrolment address is named as such, and taken out of the address bar.
      await page.goto(`${server.url}/station.html#enrol=tds1_short`);
      await page.waitForSelector('html:not(.i18n-pending)');
      expect(await text(page, 'station-setup-title')).toBe('この登録用アドレスは正しくありません');
      expect(page.url()).toBe(`${server.url}/station.html`);
      expect(await page.evaluate(() => localStorage.getItem('tachiai.station'))).toBeNull();
      expect(w.errors).toEqual([]);
      expect(await w.cspViolations()).toEqual([]);
    } finally {
      await w.context.close();
    }
  });

  it('the kiosk opens the enrolment address: enrolled, the address bar cleaned; a badge is decided large, then cleared; a reload keeps it', async () => {
    kiosk = await openWatchedPage(browser, station.enrolUrl, { locale: 'ja-JP', viewport: { width: 1366, height: 768 }, init: recordTones, ignore: EXPECTED_CONSOLE });
    const { page } = kiosk;
    // The credential is kept, and is no longer in the address bar (replaced, not a new history entry).
    expect(page.url()).toBe(`${server.url}/station.html`);
    expect(await page.evaluate(() => localStorage.getItem('tachiai.station'))).toBe(station.credential);
    await expect.poll(() => text(page, 'station-room')).toBe('第1処理室');
    expect(await text(page, 'station-name')).toBe('第1処理室 入口');
    await expect.poll(() => activeTestId(page)).toBe('station-input');
    expect(await text(page, 'station-verdict')).toBe('読み取り待ち');
    // Unattended: no log, no names.
    expect(await page.getByTestId('station-guard').isVisible()).toBe(false);
    expect(await page.getByTestId('live-log').isVisible()).toBe(false);
    await screenshot(page, 'station-idle-ja');
    await page.setViewportSize({ width: 800, height: 600 });
    await screenshot(page, 'station-idle-ja-800');
    await page.setViewportSize({ width: 1366, height: 768 });

    // A known badge: granted, the name, the rising cue; the input cleared; the token nowhere.
    const granted = await readAtKiosk(page, alice.badge);
    expect(granted.status).toBe(201);
    expect(granted.body).toMatchObject({ decision: 'granted', direction: 'in', person: { name: '山田 花子' }, roomId: site.roomId });
    await expect.poll(() => page.getByTestId('station-result').getAttribute('data-state')).toBe('granted');
    expect(await text(page, 'station-verdict')).toBe('入室許可');
    expect(await text(page, 'station-person')).toBe('山田 花子');
    await expect.poll(() => tones(page)).toEqual(['sine:880', 'sine:1320']);
    expect(await page.getByTestId('station-input').inputValue()).toBe('');
    expect(await page.content()).not.toContain(alice.badge);
    expect(await activeTestId(page)).toBe('station-input');
    await screenshot(page, 'station-granted-ja');
    await page.setViewportSize({ width: 800, height: 600 });
    await screenshot(page, 'station-granted-ja-800');
    await page.setViewportSize({ width: 1366, height: 768 });
    // After a few seconds the decision, and the name with it, are gone.
    await expect.poll(() => page.getByTestId('station-result').getAttribute('data-state'), { timeout: 9000 }).toBe('idle');
    expect(await page.locator('body').innerText()).not.toContain('山田 花子');

    // An unknown badge: denied, with the reason in words and the low cue.
    const denied = await readAtKiosk(page, 'tb1_not-a-real-badge');
    expect(denied.body).toMatchObject({ decision: 'denied', reason: 'unknown_badge' });
    await expect.poll(() => text(page, 'station-verdict')).toBe('拒否');
    expect(await text(page, 'station-reason')).toBe('登録されていない入館証です');
    expect(await page.getByTestId('station-person').isVisible()).toBe(false);
    await expect.poll(() => tones(page)).toEqual(['square:196', 'square:196']);
    await screenshot(page, 'station-denied-ja');
    await page.setViewportSize({ width: 800, height: 600 });
    await screenshot(page, 'station-denied-ja-800');
    await page.setViewportSize({ width: 1366, height: 768 });

    // The same screen in English, and back.
    await page.getByTestId('lang-switch').click();
    expect(await text(page, 'station-reason')).toBe('This badge is not registered');
    expect(await text(page, 'station-verdict')).toBe('Denied');
    await screenshot(page, 'station-denied-en');
    await expect.poll(() => activeTestId(page)).toBe('station-input');
    await page.getByTestId('lang-switch').click();
    expect(await page.evaluate(() => localStorage.getItem('tachiai.lang'))).toBe('ja');

    // A reload (or a server restart): still enrolled, checked again with the server.
    const me = page.waitForResponse((r) => r.url().endsWith('/api/door-stations/me'));
    await page.reload();
    expect((await me).status()).toBe(200);
    await expect.poll(() => text(page, 'station-room')).toBe('第1処理室');
    await expect.poll(() => activeTestId(page)).toBe('station-input');
    // A reader typing while a button has the focus, or a click on nothing, still lands in the input.
    await page.getByTestId('lang-switch').focus();
    const again = await readAtKiosk(page, 'tb1_another-unknown-badge');
    expect(again.body).toMatchObject({ decision: 'denied' });
    await page.getByTestId('lang-switch').focus();
    await page.getByTestId('station-room').click();
    await expect.poll(() => activeTestId(page)).toBe('station-input');
    // The station was seen by the server: the registration list says when.
    const listed = (await site.ok('get', '/api/door-stations', undefined, 200)).items.find((s: { id: string }) => s.id === station.id);
    expect(listed.lastSeenAt).not.toBeNull();
  });

  it('offline: the red banner at once with the alarm, the reader refused, nothing queued; back when the server answers', async () => {
    const { page } = kiosk;
    await tones(page);
    /** Every scan the kiosk tries to send. */
    const scansSent: Request[] = [];
    const onRequest = (r: Request) => {
      if (r.url().endsWith('/api/scans')) scansSent.push(r);
    };
    page.on('request', onRequest);
    try {
      // The network is gone: every API call fails.
      await page.route('**/api/**', (route) => route.abort('internetdisconnected'));
      await read(page, bob.badge);
      const banner = page.getByTestId('station-offline');
      await banner.waitFor();
      expect(await text(page, 'station-offline')).toContain('サーバーに接続できません — この端末での読み取りは記録されていません');
      await expect.poll(() => text(page, 'station-reason')).toBe('サーバーに接続できないため、記録されていません。接続が戻ってから、もう一度読み取ってください。');
      await expect.poll(() => tones(page)).toContain('sawtooth:660');
      expect(scansSent).toHaveLength(1); // that scan was tried once, and failed
      await screenshot(page, 'station-offline-ja');
      await page.setViewportSize({ width: 800, height: 600 });
      await screenshot(page, 'station-offline-ja-800');
      await page.setViewportSize({ width: 1366, height: 768 });

      // While offline, a badge is refused at once: cleared, the alarm, nothing sent.
      await read(page, carol.badge);
      expect(await page.getByTestId('station-input').inputValue()).toBe('');
      await expect.poll(() => tones(page)).toContain('sawtooth:660');
      // Typed without its Enter yet: nothing stays in the input to be sent later.
      await page.keyboard.type(carol.badge, { delay: 1 });
      expect(await page.getByTestId('station-input').inputValue()).toBe('');
      expect(scansSent).toHaveLength(1);
      await expect.poll(() => page.getByTestId('station-result').getAttribute('data-state'), { timeout: 15_000 }).toBe('unavailable');
      expect(await text(page, 'station-verdict')).toBe('読み取りできません');

      // The server answers again: the banner goes by itself (health checked every 2 s).
      await page.unroute('**/api/**');
      await banner.waitFor({ state: 'hidden', timeout: 10_000 });
      await expect.poll(() => page.getByTestId('station-result').getAttribute('data-state')).toBe('idle');
      // The Enter of what was typed offline sends nothing: nothing was kept.
      await page.keyboard.press('Enter');
      await page.waitForTimeout(500);
      expect(scansSent).toHaveLength(1);
      expect(await entriesOf(bob.id)).toEqual([]);
      expect(await entriesOf(carol.id)).toEqual([]);
    } finally {
      page.off('request', onRequest);
      await page.unroute('**/api/**');
    }
  });

  it('a server that stops answering (3 s) or answers 503 counts as offline too; a 403 is said in words; down at load: said, and retried', async () => {
    const { page } = kiosk;
    // The request hangs far longer than the kiosk waits: offline must show while it still hangs
    // (its own 3 s limit, not the request's end) — a fact, not a timing, on a busy machine too.
    let ended = false;
    await page.route('**/api/scans', async (route) => {
      await new Promise((r) => setTimeout(r, 20_000));
      ended = true;
      await route.abort().catch(() => undefined);
    });
    try {
      await read(page, bob.badge);
      await page.getByTestId('station-offline').waitFor({ timeout: 15_000 });
      expect(ended).toBe(false);
      expect(await text(page, 'station-reason')).toContain('サーバーの応答がありません');
    } finally {
      await page.unroute('**/api/scans');
    }
    await page.getByTestId('station-offline').waitFor({ state: 'hidden', timeout: 10_000 });
    // The database does not answer: 503 on the scan.
    await page.route('**/api/scans', (route) => route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'database_unavailable', message: 'x', details: [] } }) }));
    try {
      await read(page, bob.badge);
      await page.getByTestId('station-offline').waitFor();
    } finally {
      await page.unroute('**/api/scans');
    }
    await page.getByTestId('station-offline').waitFor({ state: 'hidden', timeout: 10_000 });
    expect(await entriesOf(bob.id)).toEqual([]);

    // Refused for another room (403 station_wrong_room): the words, not the banner.
    await page.route('**/api/scans', (route) => route.fulfill({ status: 403, contentType: 'application/json', body: JSON.stringify({ error: { code: 'station_wrong_room', message: 'x', details: [] } }) }));
    try {
      await read(page, bob.badge);
      await expect.poll(() => text(page, 'station-reason')).toBe('この入口端末は別の部屋に登録されています。管理者に連絡してください。');
      expect(await page.getByTestId('station-offline').isVisible()).toBe(false);
    } finally {
      await page.unroute('**/api/scans');
    }

    // The server is down when the kiosk (re)loads: it says so, shows its room as last confirmed, and retries.
    await page.route('**/api/**', (route) => route.abort('connectionrefused'));
    try {
      await page.reload();
      await page.waitForSelector('html:not(.i18n-pending)');
      await page.getByTestId('station-offline').waitFor();
      expect(await text(page, 'station-room')).toBe('第1処理室');
      expect(await text(page, 'station-verdict')).toBe('読み取りできません');
      const retried = page.waitForRequest((r) => r.url().endsWith('/api/health'), { timeout: 5000 });
      expect(await retried).toBeTruthy();
    } finally {
      await page.unroute('**/api/**');
    }
    await page.getByTestId('station-offline').waitFor({ state: 'hidden', timeout: 10_000 });
    await expect.poll(() => text(page, 'station-verdict')).toBe('読み取り待ち');
    expect(await page.evaluate(() => localStorage.getItem('tachiai.station'))).toBe(station.credential);
  });

  it('a guard signs in at the kiosk: the room\'s live log and who is inside, gone at the idle sign-out while scans keep being recorded', async () => {
    const { page } = kiosk;
    // Short idle time for the test (as the front desk's ?idle=). The guard moves the mouse now and
    // then (activity) until the test lets the guard go idle.
    const active = () => page.mouse.move(100 + Math.random() * 50, 300);
    await page.goto(`${server.url}/station.html?idle=6`);
    await page.waitForSelector('html:not(.i18n-pending)');
    await expect.poll(() => activeTestId(page)).toBe('station-input');
    await page.getByTestId('station-guard-open').click();
    await expect.poll(() => activeTestId(page)).toBe('station-username');
    // A badge read into the user name is refused, never sent (issue 14, item 2).
    await read(page, bob.badge);
    await expect.poll(() => text(page, 'station-signin-error')).toContain('入館証が読み取られたため、消去しました');
    expect(await page.getByTestId('station-username').inputValue()).toBe('');
    await screenshot(page, 'station-signin-ja');
    await page.setViewportSize({ width: 800, height: 600 });
    await screenshot(page, 'station-signin-ja-800');
    await page.setViewportSize({ width: 1366, height: 768 });
    await expect.poll(() => activeTestId(page)).toBe('station-username');
    await page.keyboard.type(guard.username);
    await page.keyboard.press('Enter'); // on to the password
    await page.keyboard.type(guard.password);
    const login = page.waitForResponse((r) => r.url().endsWith('/api/auth/login'));
    await page.keyboard.press('Enter');
    const loginRes = await login;
    expect(loginRes.status()).toBe(200);
    const guardToken = (await loginRes.json()).token as string;
    await page.getByTestId('station-guard').waitFor();
    expect(await text(page, 'station-guard-who')).toBe('係員: 受付 警備子');
    await expect.poll(() => activeTestId(page)).toBe('station-input');
    // Who is inside: 山田 花子, let in at this door earlier.
    await expect.poll(() => page.getByTestId('station-occupant').allInnerTexts()).toEqual([expect.stringContaining('山田 花子')]);
    await expect.poll(() => page.getByTestId('live-status').getAttribute('data-state')).toBe('live');
    // This room's log, with the earlier scans (the denied ones too).
    await expect.poll(() => text(page, 'log-body')).toContain('山田 花子');
    await active();
    // A scan now: recorded with the station's credential, in the log and the occupancy at once.
    const scan = await readAtKiosk(page, bob.badge);
    expect(scan.body).toMatchObject({ decision: 'granted', person: { name: '佐藤 次郎' } });
    await page.locator(`[data-testid="log-row"][data-entry-id="${scan.body.entryId}"]`).waitFor();
    await expect.poll(() => page.getByTestId('station-occupant').count()).toBe(2);
    await active();
    await screenshot(page, 'station-guard-ja');
    await active();
    await page.setViewportSize({ width: 800, height: 600 });
    await screenshot(page, 'station-guard-ja-800');
    await active();
    // At 800 px the log's reason column is on screen.
    const reasonCell = page.locator('[data-testid="log-row"].log-denied .log-reason').first();
    const box = (await reasonCell.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(800);
    await page.setViewportSize({ width: 1366, height: 768 });

    // No activity from the guard (the reader's badges do not count): signed out, the log and the names gone.
    const logout = page.waitForResponse((r) => r.url().endsWith('/api/auth/logout'), { timeout: 15_000 });
    const during = await readAtKiosk(page, carol.badge); // a badge at the door is not the guard's activity
    expect(during.body).toMatchObject({ decision: 'granted' });
    await page.getByTestId('station-guard').waitFor({ state: 'hidden', timeout: 15_000 });
    expect((await logout).status()).toBe(204);
    await expect.poll(() => text(page, 'station-guard-notice')).toBe('係員のサインインは、6秒間操作がなかったため終了しました。');
    expect(await page.getByTestId('log-body').innerHTML()).toBe('');
    expect(await page.getByTestId('station-occupants').innerHTML()).toBe('');
    const body = await page.locator('body').innerText();
    for (const name of ['山田 花子', '佐藤 次郎', '受付 警備子']) expect(body).not.toContain(name);
    // The guard's session is ended on the server too.
    const me = await request(server.url).get('/api/auth/me').set('Authorization', `Bearer ${guardToken}`);
    expect(me.status).toBe(401);
    // The station keeps recording: a scan after the guard left, and every scan is in the entry log.
    const after = await readAtKiosk(page, bob.badge);
    expect(after.body).toMatchObject({ decision: 'granted', direction: 'out' });
    const recorded = [...(await entriesOf(bob.id)), ...(await entriesOf(carol.id))].map((e) => e.id);
    expect(recorded).toEqual(expect.arrayContaining([scan.body.entryId, during.body.entryId, after.body.entryId]));
    expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual([]);
    expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain(guardToken);
  });

  it('at the kiosk, someone who may not read the entry log is not signed in; the sign-in form gives the reader back on Escape', async () => {
    const staff = await server.createUser({ roles: ['staff'], name: '担当 一郎' });
    const { page } = kiosk;
    await page.getByTestId('station-guard-open').click();
    await expect.poll(() => activeTestId(page)).toBe('station-username');
    await page.keyboard.type(staff.username);
    await page.keyboard.press('Tab');
    await page.keyboard.type(staff.password);
    const logout = page.waitForResponse((r) => r.url().endsWith('/api/auth/logout'));
    await page.keyboard.press('Enter');
    expect((await logout).status()).toBe(204); // the session just opened is ended at once
    await expect.poll(() => text(page, 'station-signin-error')).toContain('この画面で入退室ログを見られるのは');
    expect(await page.getByTestId('station-guard').isVisible()).toBe(false);
    await page.keyboard.press('Escape');
    await expect.poll(() => activeTestId(page)).toBe('station-input');
    expect(await page.getByTestId('station-signin').isVisible()).toBe(false);
  });

  it('a responsible person sees the stations but neither registers nor revokes them (stations:write is for administrators)', async () => {
    const responsible = await server.createUser({ roles: ['responsible'], name: '責任 次郎' });
    const w = await openWatchedPage(browser, server.url, { locale: 'ja-JP' });
    try {
      const { page } = w;
      await signIn(page, responsible);
      await page.getByTestId('door-tab-admin').click();
      await page.getByTestId('admin-tab-station').click();
      await page.locator(`[data-testid="admin-station"][data-station-id="${station.id}"]`).waitFor();
      expect(await page.getByTestId('admin-station-form').isVisible()).toBe(false);
      expect(await page.locator('#admin-station-readonly').innerText()).toBe('入口端末の登録と失効は、管理者が行います。');
      expect(await page.getByTestId('admin-station-revoke').count()).toBe(0);
      expect(w.errors).toEqual([]);
    } finally {
      await w.context.close();
    }
  });

  it('revoked in the registration screen (with a reason, confirmed first): the kiosk\'s next scan says so, for good', async () => {
    const { page } = admin;
    // The administrator's page may have signed itself out meanwhile (E3.6): sign in again.
    if (await page.getByTestId('signin-screen').isVisible()) await signIn(page, server.admin, server.admin.badgeToken, server.admin.badgePin);
    await page.getByTestId('door-tab-admin').click();
    await page.getByTestId('admin-tab-station').click();
    const row = page.locator(`[data-testid="admin-station"][data-station-id="${station.id}"]`);
    await expect.poll(() => row.innerText()).toContain('最終接続');
    await row.getByTestId('admin-station-revoke').click();
    await expect.poll(() => activeTestId(page)).toBe('admin-station-revoke-reason');
    // Confirming without a reason is refused at the field; nothing sent.
    await row.getByTestId('admin-station-revoke-confirm').click();
    await expect.poll(() => text(page, 'admin-station-revoke-error')).toBe('入力してください。');
    expect(await row.getByTestId('admin-station-revoke-form').innerText()).toContain('元には戻せません');
    await page.keyboard.type('端末の撤去');
    await screenshot(page, 'station-admin-revoke-ja');
    const revoke = page.waitForResponse((r) => r.url().endsWith(`/api/door-stations/${station.id}/revoke`));
    await page.keyboard.press('Enter');
    expect((await revoke).status()).toBe(200);
    await expect.poll(() => text(page, 'admin-station-status')).toBe('入口端末「第1処理室 入口」を失効させました。この端末での読み取りは直ちに拒否されます。');
    await expect.poll(() => row.getAttribute('data-status')).toBe('revoked');
    expect(await row.innerText()).toContain('（理由: 端末の撤去）');
    // Active first.
    expect(await page.getByTestId('admin-station').first().getAttribute('data-status')).toBe('active');

    // The kiosk's next scan: refused (401), said plainly and for good; the credential is forgotten.
    const k = kiosk.page;
    const res = await readAtKiosk(k, alice.badge);
    expect(res.status).toBe(401);
    await expect.poll(() => text(k, 'station-setup-title')).toBe('この入口端末の登録は失効しているか、見つかりません');
    expect(await text(k, 'station-setup-how')).toContain('管理者に連絡し');
    expect(await k.getByTestId('station-reader').isVisible()).toBe(false);
    expect(await k.evaluate(() => localStorage.getItem('tachiai.station'))).toBeNull();
    await screenshot(k, 'station-revoked-ja');
    await k.setViewportSize({ width: 800, height: 600 });
    await screenshot(k, 'station-revoked-ja-800');
    await k.reload();
    await k.waitForSelector('html:not(.i18n-pending)');
    expect(await text(k, 'station-setup-title')).toBe('この入口端末の登録は失効しているか、見つかりません');
    expect(await text(k, 'station-setup')).toContain('第1処理室 入口');
    // Nothing was recorded for that scan.
    expect((await entriesOf(alice.id)).map((e) => e.direction)).toEqual(['in']);

    expect(await kiosk.cspViolations()).toEqual([]);
    expect(kiosk.errors).toEqual([]);
    expect(await admin.cspViolations()).toEqual([]);
    expect(admin.errors).toEqual([]);
  });
});

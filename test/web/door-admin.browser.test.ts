// Doors with a controller and room rules in the registration screen (issue 20), in a real browser:
// an administrator registers a door of a room under 登録・管理 → 扉と制御装置 and sees its
// controller's credentials once (not after closing, not after a reload, never stored), sets its
// held-open limit, sets the room's rules (二人制 with a 10 s window, 在室上限 3) — saved, as the API
// confirms — has a bad limit (0) refused in words at the field with nothing saved, and revokes the
// door with a reason; the screen in English; a responsible person sees both without edit controls.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, screenshot } from '../helpers/browser.js';
import { activeTestId, openWatchedPage, signIn, text, withPage, type Watched } from '../helpers/page.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let browser: Browser;
let token = '';
let room = '';
let admin: Watched;
/** The door registered in the screen, with the credentials it showed once. */
let door: { id: string; mqttPassword: string; commandKey: string };

/** The browser's notes about the 400 answers this test provokes (refused values). */
const EXPECTED_CONSOLE = /status of 400/;

const get = async (path: string) => {
  const res = await request(server.url).get(path).set('Authorization', `Bearer ${token}`);
  expect(res.status).toBe(200);
  return res.body;
};

async function openAdmin(page: Page, task: 'door' | 'roomRules') {
  await page.getByTestId('door-tab-admin').click();
  await page.getByTestId(`admin-tab-${task}`).click();
}

/** Nothing of the secrets anywhere in the page, its address or its storage. */
async function noSecrets(page: Page) {
  const html = await page.content();
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  for (const secret of [door.mqttPassword, door.commandKey]) {
    expect(html).not.toContain(secret);
    expect(stored).not.toContain(secret);
    expect(page.url()).not.toContain(secret);
  }
}

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer({ scryptCost: 1024 }), launchBrowser()]);
  token = await server.adminToken();
  const res = await request(server.url).post('/api/rooms').set('Authorization', `Bearer ${token}`).send({ name: '第1処理室', kind: 'secure' });
  expect(res.status).toBe(201);
  room = res.body.id;
});

afterAll(async () => {
  await admin?.context.close();
  await browser?.close();
  await server?.close();
});

describe('registration screen: doors with a controller and room rules (issue 20)', () => {
  it('an administrator registers a door: the controller credentials once, gone after closing and after a reload', async () => {
    admin = await openWatchedPage(browser, server.url, { locale: 'ja-JP', viewport: { width: 1366, height: 900 }, ignore: EXPECTED_CONSOLE });
    const { page } = admin;
    await signIn(page, server.admin, server.admin.badgeToken, server.admin.badgePin);
    await openAdmin(page, 'door');
    expect(await text(page, 'admin-tab-door')).toBe('扉と制御装置');
    await expect.poll(() => text(page, 'admin-doors-empty')).toBe('制御装置のある扉はまだありません。ここで部屋を選び、扉の名前を付けて登録してください。');
    await screenshot(page, 'door-admin-empty-ja');

    // Keyboard: the room, Tab, the name, Enter.
    await page.getByTestId('admin-door-roomId').focus();
    await page.getByTestId('admin-door-roomId').selectOption(room);
    await page.keyboard.press('Tab');
    expect(await activeTestId(page)).toBe('admin-door-name');
    await page.keyboard.type('第1処理室 正面扉');
    const answer = page.waitForResponse((r) => r.url().endsWith('/api/doors') && r.request().method() === 'POST');
    await page.keyboard.press('Enter');
    const res = await answer;
    expect(res.status()).toBe(201);
    const body = await res.json();
    door = { id: body.id, mqttPassword: body.mqttPassword, commandKey: body.commandKey };

    const issued = page.getByTestId('admin-door-issued');
    await issued.waitFor();
    expect(await text(page, 'admin-door-once')).toBe('この認証情報は今だけ表示されます。閉じると二度と表示できません。制御装置の設置担当者に渡してから閉じてください。');
    expect(await issued.innerText()).toContain('「第1処理室 正面扉」（第1処理室）の制御装置の認証情報');
    expect(await text(page, 'admin-door-issued-id')).toBe(door.id);
    expect(await text(page, 'admin-door-mqtt-username')).toBe(body.mqttUsername);
    expect(await text(page, 'admin-door-mqtt-password')).toBe(door.mqttPassword);
    expect(await text(page, 'admin-door-command-key')).toBe(door.commandKey);
    expect(await issued.innerText()).toContain(body.topics.command);
    // The focus is on the panel's heading, for a screen reader to read the warning first.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('admin-door-issued-title');
    expect(await text(page, 'admin-door-status')).toBe('扉「第1処理室 正面扉」（第1処理室）を登録しました。');
    // Never stored, never in the address.
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
    expect(stored).not.toContain(door.mqttPassword);
    expect(page.url()).not.toContain(door.mqttPassword);
    // The list: active; the controller has not reported yet.
    const row = page.locator(`[data-testid="admin-door"][data-door-id="${door.id}"]`);
    await row.waitFor();
    expect(await row.innerText()).toMatch(/第1処理室 正面扉[\s\S]*第1処理室[\s\S]*使用中[\s\S]*制御装置 未接続/);
    expect(await row.getByTestId('admin-door-held').inputValue()).toBe('30');
    await screenshot(page, 'door-admin-issued-ja');
    await page.setViewportSize({ width: 800, height: 900 });
    await screenshot(page, 'door-admin-issued-ja-800');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(800);
    await page.setViewportSize({ width: 1366, height: 900 });

    // Closed: gone for good from the page; the focus back on the form.
    await page.getByTestId('admin-door-dismiss').click();
    expect(await issued.isVisible()).toBe(false);
    await noSecrets(page);
    expect(await activeTestId(page)).toBe('admin-door-roomId');

    // After a reload (signed in again: the session lives in the page's memory only), the list only.
    await page.reload();
    await page.waitForSelector('html:not(.i18n-pending)');
    await signIn(page, server.admin, server.admin.badgeToken, server.admin.badgePin);
    await openAdmin(page, 'door');
    await row.waitFor();
    expect(await issued.isVisible()).toBe(false);
    await noSecrets(page);
    // Nor does the API ever show them again.
    const listed = JSON.stringify(await get('/api/doors'));
    expect(listed).not.toContain(door.mqttPassword);
    expect(listed).not.toContain(door.commandKey);
  });

  it('sets the held-open limit in place (Enter); a bad value is refused in words, nothing saved', async () => {
    const { page } = admin;
    const row = page.locator(`[data-testid="admin-door"][data-door-id="${door.id}"]`);
    const held = row.getByTestId('admin-door-held');
    await held.fill('45');
    const patch = page.waitForResponse((r) => r.url().endsWith(`/api/doors/${door.id}`) && r.request().method() === 'PATCH');
    await held.press('Enter');
    expect((await patch).status()).toBe(200);
    await expect.poll(() => text(page, 'admin-door-status')).toBe('「第1処理室 正面扉」の開放継続の上限を45秒にしました。');
    expect(await activeTestId(page)).toBe('admin-door-held');
    const live = async () => (await get('/api/doors/status')).items.find((d: { id: string }) => d.id === door.id).heldOpenSeconds;
    expect(await live()).toBe(45);

    await row.getByTestId('admin-door-held').fill('0');
    const refused = page.waitForResponse((r) => r.url().endsWith(`/api/doors/${door.id}`) && r.request().method() === 'PATCH');
    await row.getByTestId('admin-door-held').press('Enter');
    expect((await refused).status()).toBe(400);
    await expect.poll(() => row.getByTestId('admin-door-held-error').innerText()).toBe('1〜3600の整数（秒）で入力してください。');
    expect(await row.getByTestId('admin-door-held').getAttribute('aria-invalid')).toBe('true');
    expect(await live()).toBe(45);
    // Typing again takes the refusal away.
    await row.getByTestId('admin-door-held').fill('45');
    expect(await row.getByTestId('admin-door-held-error').isVisible()).toBe(false);
  });

  it('sets the room rules (二人制, 10 s, 在室上限 3): saved, as the API says; a limit of 0 is refused in words at the field, nothing saved', async () => {
    const { page } = admin;
    await openAdmin(page, 'roomRules');
    expect(await text(page, 'admin-tab-roomRules')).toBe('部屋の入室規則');
    const summary = page.locator(`[data-testid="admin-room-rules-room"][data-room-id="${room}"]`);
    expect(await summary.innerText()).toMatch(/二人制なし[\s\S]*在室上限なし[\s\S]*アンチパスバック 無期限/);
    // "Change" beside the room chooses it in the form.
    await summary.getByTestId('admin-room-rules-edit').click();
    expect(await page.getByTestId('admin-roomRules-roomId').inputValue()).toBe(room);
    expect(await activeTestId(page)).toBe('admin-roomRules-twoPerson');
    // The window shows with the two-person rule only.
    expect(await page.getByTestId('admin-roomRules-windowSeconds').isVisible()).toBe(false);
    await page.keyboard.press('Space');
    await page.getByTestId('admin-roomRules-windowSeconds').waitFor();
    await page.getByTestId('admin-roomRules-windowSeconds').fill('10');
    await page.getByTestId('admin-roomRules-occupancyLimit').fill('3');
    const put = page.waitForResponse((r) => r.url().endsWith(`/api/rooms/${room}/rules`) && r.request().method() === 'PUT');
    await page.getByTestId('admin-roomRules-occupancyLimit').press('Enter');
    const saved = await put;
    expect(saved.status()).toBe(200);
    expect(saved.request().postDataJSON()).toEqual({ twoPerson: { enabled: true, windowSeconds: 10 }, occupancyLimit: 3, antiPassbackHours: null });
    await expect.poll(() => text(page, 'admin-roomRules-status')).toBe('「第1処理室」の入室規則を保存しました。');
    const rules = { twoPerson: { enabled: true, windowSeconds: 10 }, occupancyLimit: 3, antiPassbackHours: null };
    expect((await get(`/api/rooms/${room}`)).rules).toEqual(rules);
    // The form shows the rules as saved, and so does the list.
    expect(await page.getByTestId('admin-roomRules-twoPerson').isChecked()).toBe(true);
    expect(await page.getByTestId('admin-roomRules-windowSeconds').inputValue()).toBe('10');
    expect(await page.getByTestId('admin-roomRules-occupancyLimit').inputValue()).toBe('3');
    await expect.poll(() => summary.innerText()).toMatch(/二人制（待ち時間 10秒）[\s\S]*在室上限 3人[\s\S]*アンチパスバック 無期限/);
    await screenshot(page, 'door-admin-rules-ja');

    // 0: the server refuses it; said at the field, in words; nothing saved.
    await page.getByTestId('admin-roomRules-occupancyLimit').fill('0');
    const refused = page.waitForResponse((r) => r.url().endsWith(`/api/rooms/${room}/rules`) && r.request().method() === 'PUT');
    await page.getByTestId('admin-roomRules-submit').click();
    expect((await refused).status()).toBe(400);
    await expect.poll(() => text(page, 'admin-roomRules-occupancyLimit-error')).toBe('1〜10000の整数で入力してください（空欄なら上限なし）。');
    expect(await text(page, 'admin-roomRules-status')).toBe('入力内容に誤りがあります。各項目のメッセージを確認してください。');
    expect(await activeTestId(page)).toBe('admin-roomRules-occupancyLimit');
    expect(await page.getByTestId('admin-roomRules-occupancyLimit').getAttribute('aria-invalid')).toBe('true');
    expect((await get(`/api/rooms/${room}`)).rules).toEqual(rules);
    await screenshot(page, 'door-admin-rules-refused-ja');
    // Put back as saved.
    await page.getByTestId('admin-roomRules-occupancyLimit').fill('3');
  });

  it('the screen in English: no untranslated words', async () => {
    await withPage(() => openWatchedPage(browser, server.url, { locale: 'en-GB', viewport: { width: 1366, height: 900 } }), async ({ page }) => {
      await signIn(page, server.admin, server.admin.badgeToken, server.admin.badgePin);
      await openAdmin(page, 'door');
      const row = page.locator(`[data-testid="admin-door"][data-door-id="${door.id}"]`);
      await row.waitFor();
      expect(await text(page, 'admin-tab-door')).toBe('Doors and controllers');
      expect(await row.innerText()).toMatch(/第1処理室 正面扉[\s\S]*Active[\s\S]*Controller not connected yet[\s\S]*Held-open limit/);
      expect(await page.locator('#door-admin').innerText()).not.toMatch(/admin\.|door\.[a-z]/);
      await screenshot(page, 'door-admin-doors-en');
      await openAdmin(page, 'roomRules');
      const summary = page.locator(`[data-testid="admin-room-rules-room"][data-room-id="${room}"]`);
      expect(await summary.innerText()).toMatch(/Two-person rule \(wait 10 s\)[\s\S]*At most 3 inside[\s\S]*Anti-passback never lapses/);
      await page.getByTestId('admin-roomRules-roomId').selectOption(room);
      await page.getByTestId('admin-roomRules-windowSeconds').waitFor();
      expect(await page.locator('#door-admin').innerText()).not.toMatch(/admin\.|door\.[a-z]/);
      await screenshot(page, 'door-admin-rules-en');
    });
  });

  it('a responsible person sees the doors and the rules, with no edit controls (stations:write is for administrators)', async () => {
    const responsible = await server.createUser({ roles: ['responsible'], name: '責任 次郎' });
    await withPage(() => openWatchedPage(browser, server.url, { locale: 'ja-JP' }), async ({ page }) => {
      await signIn(page, responsible);
      await openAdmin(page, 'door');
      const row = page.locator(`[data-testid="admin-door"][data-door-id="${door.id}"]`);
      await row.waitFor();
      expect(await page.getByTestId('admin-door-form').isVisible()).toBe(false);
      expect(await page.locator('#admin-door-readonly').innerText()).toBe('扉の登録・設定の変更・失効は、管理者が行います。');
      expect(await row.getByTestId('admin-door-revoke').count()).toBe(0);
      expect(await row.getByTestId('admin-door-held').count()).toBe(0);
      expect(await row.getByTestId('admin-door-held-text').innerText()).toBe('開放継続の上限 45秒');
      await screenshot(page, 'door-admin-readonly-ja');
      await openAdmin(page, 'roomRules');
      const summary = page.locator(`[data-testid="admin-room-rules-room"][data-room-id="${room}"]`);
      expect(await summary.innerText()).toContain('在室上限 3人');
      expect(await page.getByTestId('admin-roomRules-form').isVisible()).toBe(false);
      expect(await page.getByTestId('admin-room-rules-edit').count()).toBe(0);
      expect(await page.locator('#admin-roomRules-readonly').innerText()).toBe('入室規則の変更は、管理者が行います。');
    });
  });

  it('revokes the door with a reason (confirmed first): revoked, as the API says', async () => {
    const { page } = admin;
    // The administrator's page may have signed itself out meanwhile (E3.6): sign in again.
    if (await page.getByTestId('signin-screen').isVisible()) await signIn(page, server.admin, server.admin.badgeToken, server.admin.badgePin);
    await openAdmin(page, 'door');
    const row = page.locator(`[data-testid="admin-door"][data-door-id="${door.id}"]`);
    await row.getByTestId('admin-door-revoke').click();
    await expect.poll(() => activeTestId(page)).toBe('admin-door-revoke-reason');
    // Without a reason: refused at the field, nothing sent.
    await page.keyboard.press('Enter');
    await expect.poll(() => text(page, 'admin-door-revoke-error')).toBe('入力してください。');
    expect(await row.getByTestId('admin-door-revoke-form').innerText()).toContain('扉は施錠されたままになります');
    await page.keyboard.type('制御装置の交換');
    await screenshot(page, 'door-admin-revoke-ja');
    const revoke = page.waitForResponse((r) => r.url().endsWith(`/api/doors/${door.id}/revoke`));
    await page.keyboard.press('Enter');
    expect((await revoke).status()).toBe(200);
    await expect.poll(() => text(page, 'admin-door-status')).toBe('扉「第1処理室 正面扉」の制御装置を失効させました。この制御装置からのメッセージは、すべて破棄されます。');
    await expect.poll(() => row.getAttribute('data-status')).toBe('revoked');
    expect(await row.innerText()).toContain('（理由: 制御装置の交換）');
    expect(await row.getByTestId('admin-door-held').count()).toBe(0);
    const listed = (await get('/api/doors')).items.find((d: { id: string }) => d.id === door.id);
    expect(listed).toMatchObject({ status: 'revoked', revokedReason: '制御装置の交換' });
    await screenshot(page, 'door-admin-revoked-ja');
    expect(await admin.cspViolations()).toEqual([]);
    expect(admin.errors).toEqual([]);
  });
});

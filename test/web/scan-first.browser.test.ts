// Scan-first forms and pickers (issue 14, items 3 and 6 of "the front desk in daily use"), in a real
// browser (Debian's Chromium via playwright-core) against a real server, across the custody forms —
// checkout, check-in, handover, transfer, inspection:
// - a badge scanned into a person field (a QR token, or an IC card reader's fast burst ending in
//   Enter) names its holder: the name appears, the person is chosen, the badge is kept as that
//   signer's badge and the PIN field takes the focus; the signature succeeds with the PIN;
// - an unknown, revoked or expired badge, or a holder who may not act here (not inside the room,
//   without the role needed), is said in words and nobody is chosen;
// - typing still works: pickers find people by a part of the name, the reading (やまだ finds 山田
//   花子, whose reading is ヤマダ ハナコ) or the organisation, and offer only those who may act —
//   inside the room where the server checks presence, with the role needed;
// - badge tokens and PINs are cleared from every form after every answer, accepted or refused, and
//   when the screen changes (another tab, another sub-view).
// Screenshots at 1366 and 800 px wide, in Japanese.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { screenshot } from '../helpers/browser.js';
import { startDeskWorld, type DeskWorld } from '../helpers/desk.js';
import { PIN, type CustodySite, type SitePerson } from '../helpers/custody.js';
import { holderSetsPin } from '../helpers/pins.js';
import { activeTestId, answerTo, openWatchedPage, pick, scanMedium, sign, signIn, text, withPage } from '../helpers/page.js';
import type { TestServer, TestUser } from '../helpers/server.js';

let world: DeskWorld;
let server: TestServer, browser: Browser, site: CustodySite, desk: TestUser;
/** Inside the room: 山田 花子 (staff, reading ヤマダ ハナコ), 田中 責任 (responsible), 鈴木 一郎 (staff, also an IC card). */
let yamada: SitePerson, tanaka: SitePerson, suzuki: SitePerson;
/** A responsible person on the access list who never came in; people whose badge was revoked, or has expired. */
let outside: SitePerson, revoked: SitePerson, expired: SitePerson;
/** 鈴木 一郎's IC card, as the reader types its UID. */
const CARD_UID = '04A1B2C3D4E5F6';
/** A well-formed badge token that no badge has. */
const UNKNOWN_TOKEN = `tb1_${'Q'.repeat(44)}`;

beforeAll(async () => {
  world = await startDeskWorld();
  ({ server, browser, site, desk } = world);
  [yamada, tanaka, suzuki, revoked, expired] = await world.inside([['山田 花子', ['staff']], ['田中 責任', ['responsible']], ['鈴木 一郎', ['staff']], ['失効 次郎', ['staff']], ['期限 三郎', ['staff']]]);
  for (const [p, reading] of [[yamada, 'ヤマダ ハナコ'], [tanaka, 'タナカ セキニン']] as const) expect((await site.call('patch', `/api/people/${p.id}`, { reading })).status).toBe(200);
  outside = await site.person('佐々木 外出', ['responsible']);
  await site.ok('post', `/api/badges/${revoked.badgeId}/revoke`, { reason: 'lost' }, 200);
  await server.ctx.db.knex('badges').where({ id: expired.badgeId }).update({ valid_until: new Date(Date.now() - 60_000) });
  const card = await site.ok('post', '/api/badges', { personId: suzuki.id, cardUid: '04:A1:B2:C3:D4:E5:F6' }, 201);
  await holderSetsPin(server.ctx, card.id, PIN);
});

afterAll(() => world?.close());

const WIDE = { width: 1366, height: 900 };
const NARROW = { width: 800, height: 900 };
// A refused request (400/404/409) is logged by the browser; the page shows it in words.
const openPage = (viewport = WIDE) => openWatchedPage(browser, server.url, { viewport, ignore: /status of (400|404|409)/ });
const medium = (id: string) => site.ok('get', `/api/media/${id}`, undefined, 200);
const noteOf = (field: Locator) => field.locator('xpath=ancestor::*[contains(@class,"field")][1]').getByTestId('picker-note');

async function openMedia(page: Page) {
  await page.getByTestId('nav-media').click();
  await page.getByTestId('media-desk').waitFor();
  await expect.poll(() => page.getByTestId('media-basket').isVisible()).toBe(true);
}

/** Signed in at the media desk, these media scanned, the form of an action open. */
async function openAction(page: Page, codes: string[], action: string) {
  await signIn(page, desk);
  await openMedia(page);
  for (const code of codes) await scanMedium(page, code);
  await page.getByTestId(`action-${action}`).click();
  const form = page.getByTestId(`form-${action}`);
  await form.waitFor();
  return form;
}

/** What a USB reader does with a badge in a person field: its keys, then Enter (no wait: the caller checks what follows). */
async function scanInto(page: Page, field: Locator, badge: string) {
  await field.focus();
  await page.keyboard.type(badge, { delay: 1 });
  await page.keyboard.press('Enter');
}

/**
 * Key events as a USB reader sends them: `keys` one after another, each stamped 5 ms after the one
 * before (the time the keyboard hardware gives an event, which the page reads as event.timeStamp:
 * a busy test machine delays their handling, not their time).
 */
async function readerKeys(page: Page, keys: Array<{ key: string; code: string; text?: string; shift?: boolean; keyCode?: number }>) {
  const cdp = await page.context().newCDPSession(page);
  const start = Date.now() / 1000;
  const sent: Promise<unknown>[] = [];
  keys.forEach((k, i) => {
    const common = { key: k.key, code: k.code, modifiers: k.shift ? 8 : 0, timestamp: start + i * 0.005, ...(k.keyCode ? { windowsVirtualKeyCode: k.keyCode } : {}) };
    sent.push(cdp.send('Input.dispatchKeyEvent', { type: k.text ? 'keyDown' : 'rawKeyDown', ...common, ...(k.text ? { text: k.text } : {}) }));
    sent.push(cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', ...common, timestamp: start + i * 0.005 + 0.002 }));
  });
  await Promise.all(sent);
  await cdp.detach();
}

const ENTER = { key: 'Enter', code: 'Enter', keyCode: 13 };

/** What an IC card reader does: the UID's keys, then Enter. */
async function readCard(page: Page, field: Locator, uid: string) {
  await field.focus();
  await readerKeys(page, [...[...uid].map((ch) => ({ key: ch, code: /\d/.test(ch) ? `Digit${ch}` : `Key${ch.toUpperCase()}`, text: ch, shift: /[A-Z]/.test(ch) })), ENTER]);
}

/** Every badge and PIN field of the page: their values. */
const secrets = (page: Page) => page.evaluate(() => Array.from(document.querySelectorAll<HTMLInputElement>('[data-testid="signer-badge"], [data-testid="signer-pin"]')).map((i) => i.value));

describe('scan first: a badge scanned into a person field names the signer', () => {
  it('checkout and check-in: the holder scans their badge into the name field, the PIN takes the focus, the signature succeeds; typing the reading works too', async () => {
    const a = await site.medium('SF-USB-1');
    const b = await site.medium('SF-USB-2');
    await withPage(() => openPage(), async (w) => {
      const { page } = w;
      const form = await openAction(page, [a.code], 'checkout');
      const row = form.getByTestId('signer');
      const name = row.getByTestId('signer-person');
      await expect.poll(() => activeTestId(page)).toBe('signer-person');
      // The reader types the token into the name field; it never shows there.
      const identify = page.waitForResponse((r) => r.url().endsWith('/api/badges/identify'));
      await scanInto(page, name, yamada.badge);
      const identified = await identify;
      expect(identified.status()).toBe(200);
      // The token travels in the body only, never in an address.
      expect(identified.url()).not.toContain('tb1_');
      expect(identified.request().postDataJSON()).toEqual({ badge: yamada.badge });
      // Her name appears, she is chosen, her badge is kept for the signature, the PIN is next.
      await expect.poll(() => activeTestId(page)).toBe('signer-pin');
      expect(await name.inputValue()).toBe('山田 花子');
      expect(await row.getByTestId('signer-badge').inputValue()).toBe(yamada.badge);
      expect(await noteOf(name).innerText()).toBe('入館証を確認しました: 山田 花子（株式会社テスト受託）');
      await page.keyboard.type(yamada.pin);
      await screenshot(page, 'scan-first-checkout-1366-ja');
      const res = await answerTo(page, '/api/custody/checkouts', () => page.keyboard.press('Enter'));
      expect(res.status()).toBe(201);
      expect(res.request().postDataJSON()).toMatchObject({ mediaIds: [a.id], personId: yamada.id, badge: yamada.badge, pin: yamada.pin });
      await expect.poll(() => text(page, 'media-result-text')).toBe('持出しを記録しました（1件、保持者: 山田 花子）。');
      expect(await medium(a.id)).toMatchObject({ status: 'checked_out', holder: { id: yamada.id } });

      // Check-in: the holder is named already; scanning her badge into the name field signs.
      await page.getByTestId('media-scan').focus();
      await scanMedium(page, a.code);
      await page.getByTestId('action-checkin').click();
      const back = page.getByTestId('form-checkin');
      await back.waitFor();
      expect(await back.getByTestId('signer-person').inputValue()).toBe('山田 花子');
      expect(await back.getByTestId('picker-hint').innerText()).toBe('選べるのは媒体を保持している 山田 花子 だけです。入館証を読み取ることもできます。');
      // Someone else's badge is not the holder's: said in words, nothing chosen, nothing kept.
      await scanInto(page, back.getByTestId('signer-person'), tanaka.badge);
      await expect.poll(() => noteOf(back.getByTestId('signer-person')).innerText()).toBe('田中 責任 はここでは選べません（選べるのは 山田 花子 です）。');
      expect(await back.getByTestId('signer-person').inputValue()).toBe('');
      expect(await back.getByTestId('signer-badge').inputValue()).toBe('');
      await scanInto(page, back.getByTestId('signer-person'), yamada.badge);
      await expect.poll(() => activeTestId(page)).toBe('signer-pin');
      await page.keyboard.type(yamada.pin);
      const checkin = await answerTo(page, '/api/custody/checkins', () => page.keyboard.press('Enter'));
      expect(checkin.status()).toBe(201);
      // A check-in names nobody: the badge says who.
      expect(checkin.request().postDataJSON()).toEqual({ mediaIds: [a.id], locationId: site.cabinetId, badge: yamada.badge, pin: yamada.pin });
      expect(await medium(a.id)).toMatchObject({ status: 'stored', holder: null });

      // Typing still works: やまだ (hiragana) finds 山田 花子 by her reading (ヤマダ ハナコ).
      await page.getByTestId('media-scan').focus();
      await scanMedium(page, b.code);
      await page.getByTestId('action-checkout').click();
      const again = page.getByTestId('form-checkout');
      await again.waitFor();
      const who = again.getByTestId('signer-person');
      await who.fill('やまだ');
      const option = again.locator(`[data-testid="picker-option"][data-person-id="${yamada.id}"]`);
      await option.waitFor();
      expect(await option.innerText()).toContain('山田 花子');
      expect(await option.innerText()).toContain('ヤマダ ハナコ');
      expect(await again.getByTestId('picker-option').count()).toBe(1);
      await screenshot(page, 'scan-first-reading-1366-ja');
      // Enter chooses her and moves on to the badge, which is scanned there.
      await who.press('Enter');
      await expect.poll(() => activeTestId(page)).toBe('signer-badge');
      expect(await who.inputValue()).toBe('山田 花子');
      await page.keyboard.type(yamada.badge, { delay: 1 });
      await page.keyboard.press('Enter');
      await expect.poll(() => activeTestId(page)).toBe('signer-pin');
      await page.keyboard.type(yamada.pin);
      expect((await answerTo(page, '/api/custody/checkouts', () => page.keyboard.press('Enter'))).status()).toBe(201);
      expect(await medium(b.id)).toMatchObject({ status: 'checked_out', holder: { id: yamada.id } });
    });
  });

  it('a handover: an IC card read fast into the name field, witnesses scanning their badges; unknown, revoked and expired badges and people who may not act are said in words, nobody chosen', async () => {
    const m = await site.medium('SF-HDD-3', { kind: 'hdd' });
    await site.ok('post', '/api/custody/checkouts', { mediaIds: [m.id], ...site.signer(yamada) }, 201);
    await withPage(() => openPage(NARROW), async (w) => {
      const { page } = w;
      const form = await openAction(page, [m.code], 'handover');
      const to = form.getByTestId('f-to');
      await expect.poll(() => activeTestId(page)).toBe('f-to');
      // The receiver's IC card: the reader types its UID fast and presses Enter.
      await readCard(page, to, CARD_UID);
      await expect.poll(() => to.inputValue()).toBe('鈴木 一郎');
      expect(await noteOf(to).innerText()).toBe('入館証を確認しました: 鈴木 一郎（株式会社テスト受託）');
      // Nobody else may be chosen with badges that do not name someone who may act here.
      const refusals: Array<[string, string]> = [
        [UNKNOWN_TOKEN, '登録されていない入館証です。だれも選ばれていません。'],
        [revoked.badge, '失効した入館証です。だれも選ばれていません。'],
        [expired.badge, '有効期限の切れた入館証です。だれも選ばれていません。'],
        [outside.badge, '佐々木 外出 は入退室記録では 第1処理室 に在室していないため、選べません。'],
      ];
      const witness1 = form.getByTestId('witness').nth(0);
      const w1 = witness1.getByTestId('signer-person');
      for (const [badge, words] of refusals) {
        await scanInto(page, w1, badge);
        await expect.poll(() => noteOf(w1).innerText()).toBe(words);
        expect(await w1.inputValue()).toBe('');
        expect(await witness1.getByTestId('signer-badge').inputValue()).toBe('');
        expect(await activeTestId(page)).toBe('signer-person');
      }
      // The first witness is the responsible person (E1.3): a staff member's badge is refused there.
      expect(await witness1.locator('h4').innerText()).toBe('立会人 1（責任者）');
      await scanInto(page, w1, suzuki.badge);
      await expect.poll(() => noteOf(w1).innerText()).toBe('鈴木 一郎 は責任者ではないため、ここでは選べません。');
      await screenshot(page, 'scan-first-refused-800-ja');
      // The responsible person scans: named, PIN next.
      await sign(page, witness1, { ...tanaka, name: '田中 責任' });
      await page.keyboard.type(tanaka.pin);
      const res = await answerTo(page, '/api/handovers', () => page.keyboard.press('Enter'));
      expect(res.status()).toBe(201);
      expect(res.request().postDataJSON()).toMatchObject({ fromPersonId: yamada.id, toPersonId: suzuki.id, roomId: site.roomId, witnesses: [{ personId: tanaka.id, badge: tanaka.badge, pin: tanaka.pin }] });
      await expect.poll(() => text(page, 'media-result-text')).toBe('受け渡しを記録しました（1件、山田 花子 → 鈴木 一郎、立会人1名が署名）。');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(800);
    });
  });

  it('pickers: found by reading, name or organisation; only the people inside the room, with the role needed, are offered', async () => {
    const m = await site.medium('SF-USB-4');
    await site.ok('post', '/api/custody/checkouts', { mediaIds: [m.id], ...site.signer(yamada) }, 201);
    await withPage(() => openPage(), async (w) => {
      const { page } = w;
      const form = await openAction(page, [m.code], 'handover');
      const to = form.getByTestId('f-to');
      /** The names a picker offers for this text (once its search is answered). */
      const offered = async (field: Locator, query: string) => {
        await field.click();
        await field.fill(query);
        if (!query) await field.press('ArrowDown');
        const list = field.locator('xpath=following-sibling::ul');
        await list.and(page.locator(`[data-state="done"][data-query="${query}"]`)).waitFor();
        return list.getByTestId('picker-option').locator('.picker-name').allInnerTexts();
      };
      expect(await form.getByTestId('picker-hint').nth(1).innerText()).toBe('候補: 第1処理室 に在室中の人。名前・ふりがな・組織名で探すか、入館証を読み取ってください。');
      // The reading, in hiragana or katakana, half- or full-width.
      expect(await offered(to, 'やまだ')).toEqual(['山田 花子']);
      expect(await offered(to, 'ﾀﾅｶ')).toEqual(['田中 責任']);
      // A part of the name; the organisation (every one of ours inside the room).
      expect(await offered(to, '一郎')).toEqual(['鈴木 一郎']);
      const ours = await offered(to, 'テスト受託');
      expect(ours).toEqual(expect.arrayContaining(['山田 花子', '田中 責任', '鈴木 一郎']));
      // Someone on the access list who is not inside is not offered, in the room…
      expect(ours).not.toContain('佐々木 外出');
      expect(await offered(to, 'ささき')).toEqual([]);
      expect(await to.locator('xpath=following-sibling::ul').innerText()).toContain('当てはまる人がいません。');
      // The first witness offers only responsible persons inside the room (E1.3).
      const w1 = form.getByTestId('witness').nth(0).getByTestId('signer-person');
      expect(await offered(w1, '')).toEqual(['田中 責任']);
      expect(await form.getByTestId('witness').nth(0).getByTestId('picker-hint').innerText()).toContain('候補: 第1処理室 に在室中の責任者。');
      await screenshot(page, 'scan-first-picker-role-1366-ja');
      // At another place (presence not checked), the responsible person who is outside is offered too.
      await form.getByTestId('f-where-place').check();
      expect((await offered(w1, '')).sort()).toEqual(['佐々木 外出', '田中 責任'].sort());
      expect(await form.getByTestId('witness').nth(0).getByTestId('picker-hint').innerText()).toContain('候補: 責任者。');
      await form.getByTestId('form-cancel').click();

      // A transfer by post: the escort is a responsible person (E1.8).
      await page.getByTestId('action-transfer').click();
      const transfer = page.getByTestId('form-transfer');
      await transfer.waitFor();
      await transfer.getByTestId('f-method-post').check();
      const escort = transfer.getByTestId('f-escort');
      // The transfer's place is not given: presence is not checked, every responsible person is offered.
      expect((await offered(escort, '')).sort()).toEqual(['佐々木 外出', '田中 責任'].sort());
      await scanInto(page, escort, yamada.badge);
      await expect.poll(() => noteOf(escort).innerText()).toBe('山田 花子 は責任者ではないため、ここでは選べません。');
      // Hand carried: anyone may carry.
      await transfer.getByTestId('f-method-hand_carry').check();
      await scanInto(page, escort, yamada.badge);
      await expect.poll(() => escort.inputValue()).toBe('山田 花子');
    });
  });

  it('the monthly inspection: the inspector scans their badge into the name field; someone not inside cannot be chosen', async () => {
    await site.medium('SF-TAPE-5', { kind: 'tape', locationId: site.safeId });
    await withPage(() => openPage(NARROW), async (w) => {
      const { page } = w;
      await signIn(page, desk);
      await openMedia(page);
      await page.getByTestId('media-tab-inspect').click();
      await page.getByTestId('inspect-location').selectOption(site.safeId);
      const form = page.getByTestId('inspect-form');
      await form.waitFor();
      const row = form.getByTestId('signer');
      await scanInto(page, row.getByTestId('signer-person'), outside.badge);
      await expect.poll(() => noteOf(row.getByTestId('signer-person')).innerText()).toBe('佐々木 外出 は入退室記録では 第1処理室 に在室していないため、選べません。');
      await sign(page, row, { ...tanaka, name: '田中 責任' });
      await page.keyboard.type(tanaka.pin);
      await screenshot(page, 'scan-first-inspection-800-ja');
      const res = await answerTo(page, '/api/inspections', () => page.keyboard.press('Enter'));
      expect(res.status()).toBe(201);
      expect(res.request().postDataJSON().inspector).toMatchObject({ personId: tanaka.id, badge: tanaka.badge, pin: tanaka.pin });
      await expect.poll(() => text(page, 'inspect-result-title')).toBe('月次点検を記録しました。');
      // Accepted: the inspector's badge and PIN are no longer in the page.
      expect(await secrets(page)).toEqual(['', '']);
    });
  });
});

describe('a reader typing while a Japanese IME is on', () => {
  it('the keys come as "Process" (the IME composes them): their places on the keyboard still give the badge', async () => {
    const m = await site.medium('SF-USB-8');
    await withPage(() => openPage(), async (w) => {
      const { page } = w;
      const form = await openAction(page, [m.code], 'checkout');
      const name = form.getByTestId('signer-person');
      await name.focus();
      // What Chromium hands the page while an IME composes: key "Process", the key's place in code.
      const place = (ch: string) => (/[a-z]/i.test(ch) ? `Key${ch.toUpperCase()}` : /\d/.test(ch) ? `Digit${ch}` : 'Minus');
      await readerKeys(page, [...[...yamada.badge].map((ch) => ({ key: 'Process', code: place(ch), shift: /[A-Z_]/.test(ch), keyCode: 229 })), ENTER]);
      await expect.poll(() => activeTestId(page)).toBe('signer-pin');
      expect(await name.inputValue()).toBe('山田 花子');
      expect(await form.getByTestId('signer-badge').inputValue()).toBe(yamada.badge);
    });
  });
});

describe('badges and PINs do not stay in the forms (issue 14, item 3)', () => {
  it('cleared after a refusal, after a success, and when the tab or the sub-view changes', async () => {
    const m = await site.medium('SF-USB-6');
    const n = await site.medium('SF-USB-7');
    await site.ok('post', '/api/custody/checkouts', { mediaIds: [m.id], ...site.signer(yamada) }, 201);
    await withPage(() => openPage(), async (w) => {
      const { page } = w;
      // A refused signature: every badge and PIN of the form is empty afterwards.
      const form = await openAction(page, [m.code], 'handover');
      await sign(page, form.getByTestId('witness').nth(0), tanaka);
      await page.keyboard.type('999999'); // not the PIN
      await scanInto(page, form.getByTestId('f-to'), suzuki.badge);
      await expect.poll(() => form.getByTestId('f-to').inputValue()).toBe('鈴木 一郎');
      expect(await secrets(page)).toEqual([tanaka.badge, '999999']);
      const refused = await answerTo(page, '/api/handovers', () => form.getByTestId('form-submit').click());
      expect(refused.status()).toBe(400);
      await expect.poll(() => secrets(page)).toEqual(['', '']);
      expect(await form.getByTestId('form-error').innerText()).toContain('入館証と暗証番号は消去しました。');
      // Scanned and typed again, then another tab: back on the media tab, nothing is left.
      await sign(page, form.getByTestId('witness').nth(0), tanaka);
      await page.keyboard.type(tanaka.pin);
      expect(await secrets(page)).toEqual([tanaka.badge, tanaka.pin]);
      await page.getByTestId('nav-door').click();
      await expect.poll(() => secrets(page)).toEqual(['', '']);
      await page.getByTestId('nav-media').click();
      await expect.poll(() => page.getByTestId('form-handover').isVisible()).toBe(true);
      expect(await secrets(page)).toEqual(['', '']);
      // The form itself stays: the people chosen are still there, only the secrets are gone.
      expect(await form.getByTestId('f-to').inputValue()).toBe('鈴木 一郎');
      expect(await form.getByTestId('witness').nth(0).getByTestId('signer-person').inputValue()).toBe('田中 責任');
      await form.getByTestId('form-cancel').click();

      // A sub-view: the inspection's signer, then the list of media and back.
      await page.getByTestId('media-tab-inspect').click();
      await page.getByTestId('inspect-location').selectOption(site.cabinetId);
      const sheet = page.getByTestId('inspect-form');
      await sheet.waitFor();
      await sign(page, sheet.getByTestId('signer'), tanaka);
      await page.keyboard.type(tanaka.pin);
      expect(await secrets(page)).toEqual([tanaka.badge, tanaka.pin]);
      await page.getByTestId('media-tab-list').click();
      await page.getByTestId('media-tab-inspect').click();
      await expect.poll(() => sheet.isVisible()).toBe(true);
      expect(await secrets(page)).toEqual(['', '']);

      // A success: the form closes, and the next one starts empty.
      await page.getByTestId('media-tab-desk').click();
      await page.getByTestId('basket-clear').click();
      await page.getByTestId('media-scan').focus();
      await scanMedium(page, n.code);
      await page.getByTestId('action-checkout').click();
      const out = page.getByTestId('form-checkout');
      await out.waitFor();
      await sign(page, out.getByTestId('signer'), suzuki);
      await page.keyboard.type(suzuki.pin);
      expect((await answerTo(page, '/api/custody/checkouts', () => page.keyboard.press('Enter'))).status()).toBe(201);
      // (the inspection's signer, in its hidden sub-view, is still empty too)
      await expect.poll(async () => (await secrets(page)).filter(Boolean)).toEqual([]);
      expect(await page.getByTestId('form-checkout').count()).toBe(0);
    });
  });
});

// Media received from the depositor, copies and transmissions on the media screens, in a real
// browser (Debian's Chromium via playwright-core) against a real server: the depositor's person
// hands two media over, typed in rows with the keyboard and registered in the same witnessed step
// (E1.3), a label taken already named at its row with nothing recorded; the depositor's permission
// to copy a medium and the copies registered under it, never more than approved (E1.7); the
// responsible person's approval of an electronic transmission (E1.4–E1.5).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { screenshot } from '../helpers/browser.js';
import type { TestServer, TestUser } from '../helpers/server.js';
import type { CustodySite, SitePerson } from '../helpers/custody.js';
import { startDeskWorld, type DeskWorld } from '../helpers/desk.js';
import { activeTestId, answerTo, openWatchedPage, pick, popupText, sign, signIn, text, withPage } from '../helpers/page.js';

let world: DeskWorld;
let server: TestServer, browser: Browser, site: CustodySite, desk: TestUser;
/** The depositor's person who hands media over, our person who receives them, the responsible witness. */
let depositorPerson: SitePerson, receiver: SitePerson, responsible: SitePerson;

beforeAll(async () => {
  world = await startDeskWorld();
  ({ server, browser, site, desk } = world);
  // The depositor's person (with an NDA on file) comes into the room to hand the media over.
  [depositorPerson, receiver, responsible] = await world.inside([['預託 太郎', ['staff'], { orgId: site.depositorOrgId }], ['鈴木 一郎', ['staff']], ['田中 責任', ['responsible']]]);
});

afterAll(() => world?.close());

const openPage = () => openWatchedPage(browser, server.url, { ignore: /status of (400|409)/ });
const byLabel = async (label: string) => (await site.ok('get', `/api/media?label=${encodeURIComponent(label)}`, undefined, 200)).items[0];

async function openView(page: Page, view: string) {
  await page.getByTestId('nav-media').click();
  await page.getByTestId('media-desk').waitFor();
  await page.getByTestId(`media-tab-${view}`).click();
  await page.getByTestId(`media-${view}`).waitFor();
}

describe('media received from the depositor', () => {
  it('two media typed in rows, witnessed, registered in one step; a taken label is named at its row', async () => {
    await site.medium('USB-TAKEN');
    await withPage(() => openPage(), async (w) => {
      const { page } = w;
      await signIn(page, desk);
      await openView(page, 'receive');
      const form = page.getByTestId('form-receive');
      await form.waitFor();
      // Only the depositor's people can hand over; only ours receive (both inside the room, the first one).
      expect(await form.getByTestId('f-room').inputValue()).toBe(site.roomId);
      const givers = await pick(page, form.getByTestId('f-from'), '', depositorPerson.id);
      expect(givers).toHaveLength(1);
      expect(givers[0]).toContain('預託 太郎');
      const receivers = await pick(page, form.getByTestId('f-to'), '', receiver.id);
      expect(receivers.join('\n')).not.toContain('預託 太郎');
      expect(receivers.join('\n')).toContain('田中 責任');

      // Row 1 with the keyboard: label, kind, location (the room's first cabinet), contents, maker, model, serial; Enter adds row 2.
      const rows = form.getByTestId('newMedia-row');
      const row1 = rows.nth(0);
      await row1.getByTestId('row-label').click();
      await page.keyboard.type('RCV-001');
      await row1.getByTestId('row-kind').selectOption('hdd');
      expect(await row1.getByTestId('row-locationId').inputValue()).toBe(site.cabinetId);
      // E1.2: top secret unless the depositor says otherwise; the choice is the depositor's terms.
      expect(await row1.getByTestId('row-classification').inputValue()).toBe('top_secret');
      expect(await row1.getByTestId('row-classification').locator('option').allInnerTexts()).toEqual(['極秘', '秘', '社外秘']);
      await row1.getByTestId('row-description').fill('顧客データ 2026年10月分');
      await row1.getByTestId('row-manufacturer').fill('Seagate');
      await row1.getByTestId('row-model').fill('ST1000DM010');
      await row1.getByTestId('row-serialNo').fill('ZA1234XY');
      await page.keyboard.press('Enter');
      await expect.poll(() => rows.count()).toBe(2);
      expect(await activeTestId(page)).toBe('row-label');
      // Row 2 takes row 1's kind and location; its label is taken already.
      await page.keyboard.type('USB-TAKEN');
      expect(await rows.nth(1).getByTestId('row-kind').inputValue()).toBe('hdd');
      await rows.nth(1).getByTestId('row-kind').selectOption('usb');
      await rows.nth(1).getByTestId('row-classification').selectOption('secret');

      // The witness, the responsible person, signs on the same screen.
      await sign(page, form.getByTestId('witness'), responsible);
      await page.keyboard.type(responsible.pin);
      await screenshot(page, 'receive-form-ja');
      expect((await answerTo(page, '/api/handovers', () => page.keyboard.press('Enter'))).status()).toBe(409);
      const alert = form.getByTestId('form-receive-error');
      await alert.waitFor();
      expect(await alert.innerText()).toContain('媒体 2 のラベル: このラベルはすでに使われています');
      expect(await rows.nth(1).locator('[data-f="label"] .field-error').innerText()).toBe('このラベルはすでに使われています');
      expect(await activeTestId(page)).toBe('row-label');
      expect(await byLabel('RCV-001')).toBeUndefined(); // nothing recorded

      // Another label, the witness signs again (the answer cleared the badge and PIN): recorded,
      // both media registered for the depositor, stored in the cabinet.
      await rows.nth(1).getByTestId('row-label').fill('RCV-002');
      expect(await form.getByTestId('signer-pin').inputValue()).toBe('');
      await sign(page, form.getByTestId('witness'), responsible);
      await page.keyboard.type(responsible.pin);
      const res = await answerTo(page, '/api/handovers', () => form.getByTestId('form-receive-submit').click());
      expect(res.status()).toBe(201);
      expect(res.request().postDataJSON()).toMatchObject({
      fromPersonId: depositorPerson.id,
      toPersonId: receiver.id,
      roomId: site.roomId,
      newMedia: [
        { label: 'RCV-001', kind: 'hdd', locationId: site.cabinetId, classification: 'top_secret', description: '顧客データ 2026年10月分', manufacturer: 'Seagate', model: 'ST1000DM010', serialNo: 'ZA1234XY' },
        { label: 'RCV-002', kind: 'usb', locationId: site.cabinetId, classification: 'secret' },
      ],
      });
      expect((await res.json()).direction).toBe('from_depositor');
      await expect.poll(() => text(page, 'receive-result-text')).toBe('預託者から受領しました（2件、預託 太郎 → 鈴木 一郎、立会人1名が署名）。');
      expect(await text(page, 'receive-result')).toContain('在室確認済み（第1処理室）');
      const m1 = await byLabel('RCV-001');
      expect(m1).toMatchObject({ status: 'stored', depositorOrgId: site.depositorOrgId, locationId: site.cabinetId, kind: 'hdd', classification: 'top_secret', manufacturer: 'Seagate', serialNo: 'ZA1234XY' });
      expect(await byLabel('RCV-002')).toMatchObject({ status: 'stored', kind: 'usb', classification: 'secret' });
      const steps = (await site.ok('get', `/api/media/${m1.id}/custody`, undefined, 200)).steps;
      expect(steps.map((s: { action: string }) => s.action)).toEqual(['received_from_depositor']);
      await screenshot(page, 'receive-done-ja');

      // Each new medium's label prints from the result, with its QR code.
      expect(await popupText(w, () => page.getByTestId('receive-label').first().click())).toContain('RCV-001');
    });
  });

  it("copies only with the depositor's approval, never more than approved; a transmission approved by the responsible person", async () => {
    const source = await site.medium('USB-SRC', { locationId: site.safeId });
    await withPage(() => openPage(), async (w) => {
      const { page } = w;
      await signIn(page, desk);
      await openView(page, 'approvals');
      // The medium to copy: its QR code read into the field.
      await page.getByTestId('copy-source').click();
      await page.keyboard.type(source.code, { delay: 1 });
      await page.keyboard.press('Enter');
      await expect.poll(() => text(page, 'copy-source-note')).toBe('複製元: USB-SRC（株式会社預託元・保管中）');
      expect(await text(page, 'copy-approvals')).toContain('この媒体の複製承認はまだありません。');
      // The approval: by a person of the medium's depositor only.
      const approve = page.getByTestId('copy-approval-form');
      const by = approve.getByTestId('f-approvedBy');
      await approve.getByTestId('f-copies').fill('2');
      expect(await pick(page, by, '', depositorPerson.id)).toHaveLength(1);
      await approve.getByTestId('f-documentRef').fill('複製承認書 2026-031');
      await approve.getByTestId('f-purpose').fill('分析用の作業コピー');
      expect((await answerTo(page, '/api/copy-approvals', () => approve.getByTestId('copy-approval-form-submit').click())).status()).toBe(201);
      await expect.poll(() => text(page, 'copy-approvals')).toContain('複製承認書 2026-031 — 預託 太郎 が承認・2部まで（作成済み 0部）・分析用の作業コピー');

      // The copies: two rows by keyboard; kind and location follow the source.
      const copies = page.getByTestId('copies-form');
      await copies.waitFor();
      expect(await copies.getByTestId('f-approval').locator('option:checked').innerText()).toBe('複製承認書 2026-031（残り 2部）');
      await expect.poll(() => activeTestId(page)).toBe('row-label');
      await page.keyboard.type('USB-SRC-C1');
      await page.keyboard.press('Enter');
      await page.keyboard.type('USB-SRC-C2');
      const rows = copies.getByTestId('copies-row');
      expect(await rows.nth(1).getByTestId('row-locationId').inputValue()).toBe(site.safeId);
      await screenshot(page, 'copies-form-ja');
      const res = await answerTo(page, '/copies', () => copies.getByTestId('copies-form-submit').click());
      expect(res.status()).toBe(201);
      expect(res.request().postDataJSON()).toMatchObject({ copies: [{ label: 'USB-SRC-C1', kind: 'usb', locationId: site.safeId }, { label: 'USB-SRC-C2' }] });
      await expect.poll(() => text(page, 'copies-made-text')).toBe('複製を2件登録しました。ラベルを印刷して貼ってください:');
      const copy = await byLabel('USB-SRC-C1');
      expect(copy).toMatchObject({ sourceMediumId: source.id, status: 'stored', depositorOrgId: site.depositorOrgId });
      expect(copy.copyApprovalId).toBeTruthy();
      // Used up: no copies form any more.
      await expect.poll(() => text(page, 'copy-approvals')).toContain('（作成済み 2部）');
      expect(await page.getByTestId('copies-form').count()).toBe(0);

      // An electronic transmission, approved by the responsible person.
      const tx = page.getByTestId('tx-form');
      const approver = tx.getByTestId('f-approver');
      await tx.getByTestId('f-medium').fill('USB-SRC-C1');
      await tx.getByTestId('f-destination').fill('sftp://upload.example.co.jp/inbox');
      await tx.getByTestId('f-encryptionMethod').fill('AES-256（パスワードは別経路）');
      // Only responsible persons approve (E1.4–E1.5).
      const offered = await pick(page, approver, '', responsible.id);
      expect(offered.join('\n')).not.toContain('鈴木 一郎');
      await tx.getByTestId('f-purpose').fill('分析結果の納品');
      const txRes = await answerTo(page, '/api/transmission-approvals', () => tx.getByTestId('tx-form-submit').click());
      expect(txRes.status()).toBe(201);
      expect(txRes.request().postDataJSON()).toMatchObject({ mediumId: copy.id, approverPersonId: responsible.id, destination: 'sftp://upload.example.co.jp/inbox' });
      await expect.poll(() => text(page, 'tx-done')).toBe('電子送信の承認を記録しました（sftp://upload.example.co.jp/inbox、承認: 田中 責任）。');
      await expect.poll(() => page.getByTestId('tx-approval').count()).toBe(1);
      await screenshot(page, 'approvals-done-ja');
    });
  });
});

// The destruction screens (廃棄) in a real browser (Debian's Chromium via playwright-core), against a
// real server: media scanned into the list by a reader typing into the page, shredding with its
// DIN 66399 level, the performer and two witnesses (one authorized) signing on the same screen, a
// wrong PIN refused in words naming the witness with nothing recorded, the certificate number
// shown large, the certificate printed with an authorised person present (E2.14) and reprinted
// (再発行 / Reprint No. 2), a wipe whose fields follow the method, media that cannot be destroyed,
// the list with its filters, CSV and the depositor's summary, and an auditor who only reads.
// Data is set up through the API as the administrator; people enter the room through the door.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { screenshot } from '../helpers/browser.js';
import type { TestServer, TestUser } from '../helpers/server.js';
import type { CustodySite, SitePerson } from '../helpers/custody.js';
import { startDeskWorld, type DeskWorld } from '../helpers/desk.js';
import { activeTestId, answerTo, openWatchedPage, popupText, scanMedium, sign, signIn, text, withPage } from '../helpers/page.js';

let server: TestServer;
let browser: Browser;
let site: CustodySite;
let desk: TestUser;
let performer: SitePerson;
let authorized: SitePerson;
let witness: SitePerson;
let responsible: SitePerson;
const CERT_NO = /^\d{4}-\d{6}$/;

let world: DeskWorld;

beforeAll(async () => {
  // The person at the desk who records (an authorized person, 権限者), and the people of the site.
  world = await startDeskWorld();
  ({ server, browser, site, desk } = world);
  [performer, authorized, witness, responsible] = await world.inside([['佐藤 実施', ['staff']], ['高橋 権限', ['authorized']], ['山本 立会', ['staff']], ['田中 責任', ['responsible']]]);
  await site.ok('post', '/api/orgs', { name: '株式会社セキュア廃棄', kind: 'disposal_vendor' }, 201);
});

afterAll(() => world?.close());

// A refused request (400/409) is logged by the browser; the page shows it in words.
const openPage = (locale = 'ja-JP') => openWatchedPage(browser, server.url, { locale, ignore: /status of (400|409)/ });
const medium = (id: string) => site.ok('get', `/api/media/${id}`, undefined, 200);
const destructions = async () => (await site.ok('get', '/api/destructions', undefined, 200)).items as Array<{ id: string; certificateNo: string }>;

async function openDestruction(page: Page) {
  await page.getByTestId('nav-destruction').click();
  await page.getByTestId('destruction-desk').waitFor();
  await expect.poll(() => page.getByTestId('destruction-items').isVisible()).toBe(true);
}

/** Witness or present person: sign in the row, then the PIN; Enter goes on (next signer, or submits). */
async function signWithPin(page: Page, row: ReturnType<Page['getByTestId']>, p: SitePerson, pin = p.pin) {
  await sign(page, row, p);
  await page.keyboard.press('Enter');
  await page.keyboard.type(pin);
}

describe('destruction at the front desk', () => {
  it('two media shredded at P-4, two witnesses (one authorized); a wrong PIN first; the certificate number, printed and reprinted', async () => {
    const hdd = await site.medium('HDD-D01', { kind: 'hdd' });
    const paper = await site.medium('PAPER-D02', { kind: 'paper' });
    await withPage(() => openPage(), async (w) => {
      const { page } = w;
      await signIn(page, desk);
      const loaded = () => page.evaluate(() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname));
      expect(await loaded()).not.toContain('/assets/destruction.js'); // the door page stays light
      await openDestruction(page);
      expect(await loaded()).toEqual(expect.arrayContaining(['/assets/destruction.js', '/assets/destruction.css', '/assets/signing.js']));
      expect(await text(page, 'destruction-items')).toContain('まだありません。');

      // The reader types while the focus is still on the tab: the keys land in the scan input.
      await scanMedium(page, hdd.code);
      await expect.poll(() => page.getByTestId('destruction-item').count()).toBe(1);
      await expect.poll(() => activeTestId(page)).toBe('destruction-scan');
      await scanMedium(page, 'PAPER-D02'); // a label typed by hand
      await expect.poll(() => page.getByTestId('destruction-item').count()).toBe(2);
      expect(await text(page, 'destruction-scan-note')).toBe('PAPER-D02 を廃棄する媒体に入れました。');
      const form = page.getByTestId('destruction-form');
      await form.waitFor();
      expect(await form.getByTestId('action-media').innerText()).toBe('対象の媒体: HDD-D01、PAPER-D02');

      // Shredding (the default): the DIN 66399 level is asked for; the wipe's fields are not shown.
      expect(await form.getByTestId('f-method-shred').isChecked()).toBe(true);
      expect(await form.getByTestId('f-securityLevel').isVisible()).toBe(true);
      expect(await form.getByTestId('f-tool').isVisible()).toBe(false);
      await form.getByTestId('f-securityLevel').selectOption('P-4');
      // The performer: people inside the room (door log) are listed first.
      expect(await form.getByTestId('f-performedById').locator('optgroup').first().getAttribute('label')).toBe('在室中: 第1処理室');
      await form.getByTestId('f-performedById').selectOption(performer.id);
      expect(await form.getByTestId('f-room').inputValue()).toBe(site.roomId);
      // The hard disk was backed up; the paper was not.
      const first = page.getByTestId('destruction-item').first();
      await first.getByTestId('item-backup').check();
      await first.getByTestId('item-backup-where').fill('バックアップ装置 B-2');

      // Witness 1 (権限者) and witness 2 sign on the same screen; witness 2 types a wrong PIN.
      const witnesses = form.getByTestId('witness');
      await signWithPin(page, witnesses.nth(0), authorized);
      await form.getByTestId('witness-add').click();
      await signWithPin(page, witnesses.nth(1), witness, '0000');
      await screenshot(page, 'destruction-form-ja');
      const no = await answerTo(page, '/api/destructions', () => page.keyboard.press('Enter'));
      expect(no.status()).toBe(400);
      expect((await no.json()).error).toMatchObject({ code: 'signature_invalid', details: [{ field: 'body.witnesses.1.pin', code: 'wrong_pin' }] });
      const alert = form.getByTestId('form-error');
      await alert.waitFor();
      expect(await alert.innerText()).toContain('署名を確認できませんでした。何も記録されていません。');
      expect(await alert.innerText()).toContain('立会人 2: PIN が違います（山本 立会）');
      expect(await witnesses.nth(1).getByTestId('signer-error').innerText()).toBe('PIN が違います');
      expect(await activeTestId(page)).toBe('signer-pin');
      await screenshot(page, 'destruction-wrong-pin-ja');
      // Nothing was recorded: both media are still stored, no destruction, no number used.
      for (const m of [hdd, paper]) expect((await medium(m.id)).status).toBe('stored');
      expect(await destructions()).toEqual([]);

      // The right PIN: recorded, one certificate for both.
      await page.keyboard.type(witness.pin);
      const res = await answerTo(page, '/api/destructions', () => page.keyboard.press('Enter'));
      expect(res.status()).toBe(201);
      const body = await res.json();
      expect(res.request().postDataJSON()).toMatchObject({
      mediaIds: [hdd.id, paper.id],
      method: 'shred',
      securityLevel: 'P-4',
      performedById: performer.id,
      roomId: site.roomId,
      mediaDetails: [
        { mediumId: hdd.id, backedUp: true, backupLocation: 'バックアップ装置 B-2' },
        { mediumId: paper.id, backedUp: false },
      ],
      });
      expect(body.certificateNo).toMatch(CERT_NO);
      await expect.poll(() => text(page, 'destruction-cert-no')).toBe(body.certificateNo);
      const result = await text(page, 'destruction-result');
      expect(result).toContain('廃棄を記録しました（2件、裁断（シュレッダー） P-4）。');
      expect(result).toContain('在室確認済み（第1処理室）');
      expect(result).toContain('高橋 権限（権限者）');
      expect(result).toContain('山本 立会（担当者）');
      for (const m of [hdd, paper]) expect((await medium(m.id)).status).toBe('destroyed');
      // The form is gone with the media; the print action has the focus.
      expect(await page.getByTestId('destruction-item').count()).toBe(0);
      expect(await activeTestId(page)).toBe('destruction-print');
      await screenshot(page, 'destruction-done-ja');

      // Printing: only responsible and authorized people can be chosen as present.
      await page.getByTestId('destruction-print').click();
      const print = page.getByTestId('print-form');
      await print.waitFor();
      expect(await text(page, 'print-card')).toContain(`廃棄証明書 ${body.certificateNo} の印刷`);
      const present = print.getByTestId('signer-person');
      expect(await present.locator(`option[value="${witness.id}"]`).count()).toBe(0);
      expect(await present.locator(`option[value="${authorized.id}"]`).count()).toBe(1);
      await signWithPin(page, print.getByTestId('signer'), authorized);
      const printed = page.waitForResponse((r) => r.url().endsWith('/prints'));
      const original = await popupText(w, () => page.keyboard.press('Enter'), 'destruction-certificate');
      expect(await (await printed).json()).toMatchObject({ printNo: 1, reprint: false });
      expect(original).toContain(body.certificateNo);
      expect(original).toContain('立会い権限者');
      expect(original).toContain('高橋 権限');
      expect(original).not.toContain('再発行');
      await expect.poll(() => text(page, 'print-done')).toBe('印刷を記録しました（第1刷）。証明書を新しいタブで開きました。');

      // A second print: recorded as print No. 2, the certificate says 再発行 / Reprint No. 2.
      await print.getByTestId('signer-badge').focus();
      await page.keyboard.type(authorized.badge, { delay: 1 });
      await page.keyboard.press('Enter');
      await page.keyboard.type(authorized.pin);
      expect(await popupText(w, () => page.keyboard.press('Enter'))).toContain('再発行 / Reprint No. 2');
      await expect.poll(() => text(page, 'print-done')).toBe('再発行として記録しました（第2刷）。証明書を新しいタブで開きました。');
      await screenshot(page, 'destruction-printed-ja');

      // A destroyed medium cannot be destroyed again: the page says why, the list stays empty.
      await page.getByTestId('print-close').click();
      await page.getByTestId('destruction-scan').focus();
      await scanMedium(page, hdd.code);
      await expect.poll(() => text(page, 'destruction-scan-note')).toBe('HDD-D01 は「廃棄済み」のため廃棄できません。廃棄できるのは保管中・持出し中の媒体だけです。');
      expect(await page.getByTestId('destruction-item').count()).toBe(0);
    });
  });

  it('a wipe: its fields follow the method, missing ones are named before anything is sent; recorded at another place', async () => {
    const ssd = await site.medium('SSD-D11', { kind: 'ssd' });
    const held = await site.medium('USB-D12');
    await site.ok('post', '/api/custody/checkouts', { mediaIds: [held.id], ...site.signer(witness) }, 201);
    await withPage(() => openPage(), async (w) => {
      const { page } = w;
      await signIn(page, desk);
      await openDestruction(page);
      await scanMedium(page, ssd.code);
      await scanMedium(page, held.code); // checked out: may be destroyed too
      await expect.poll(() => page.getByTestId('destruction-item').count()).toBe(2);
      expect(await page.getByTestId('destruction-item').nth(1).innerText()).toContain('山本 立会 が保持');
      const form = page.getByTestId('destruction-form');
      // Degaussing: the NIST SP 800-88 Rev. 2 note.
      await form.getByTestId('f-method-degauss').check();
      expect(await text(page, 'degauss-note')).toContain('NIST SP 800-88 Rev. 2 では、消磁だけでは「破壊（Destroy）」と認められず');
      // Wipe: tool, version, pattern, Clear/Purge, verified; no security level.
      await form.getByTestId('f-method-wipe').check();
      expect(await form.getByTestId('degauss-note').isVisible()).toBe(false);
      expect(await form.getByTestId('f-securityLevel').isVisible()).toBe(false);
      for (const id of ['f-tool', 'f-toolVersion', 'f-pattern', 'f-category', 'f-verified', 'f-verificationMethod']) expect(await form.getByTestId(id).isVisible()).toBe(true);
      await form.getByTestId('f-performedById').selectOption(performer.id);
      await form.getByTestId('f-where-place').check();
      await form.getByTestId('f-place').fill('第3会議室');
      await signWithPin(page, form.getByTestId('witness'), responsible);
      await page.keyboard.press('Enter');
      // Nothing sent: the tool, Clear/Purge and the verification are asked for, each at its field.
      const alert = form.getByTestId('form-error');
      await alert.waitFor();
      expect(await alert.innerText()).toContain('使用したツール・装置: 入力してください。');
      expect(await alert.innerText()).toContain('NIST SP 800-88 の区分: 選択してください。');
      expect(await alert.innerText()).toContain('消去の検証: 選択してください。');
      expect(await activeTestId(page)).toBe('f-tool');
      expect(await destructions()).toHaveLength(1);
      await page.keyboard.type('Blancco Drive Eraser');
      await form.getByTestId('f-toolVersion').fill('7.9');
      await form.getByTestId('f-category').selectOption('purge');
      await form.getByTestId('f-verified').selectOption('yes');
      await form.getByTestId('f-verificationMethod').fill('全領域の読み取りで確認');
      // Recorded afterwards: the time it happened, on the site's clock. Tomorrow is refused by the
      // server at the field, and nothing is recorded.
      const tokyoDay = (ms: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
      const yesterday = tokyoDay(Date.now() - 86_400_000);
      await form.getByTestId('f-performedAt').fill(`${tokyoDay(Date.now() + 86_400_000)}T09:00`);
      const refused = await answerTo(page, '/api/destructions', () => form.getByTestId('form-submit').click());
      expect(refused.status()).toBe(400);
      await expect.poll(() => text(page, 'f-performedAt-error')).toContain('未来の日時は指定できません');
      expect(await destructions()).toHaveLength(1);
      await form.getByTestId('f-performedAt').fill(`${yesterday}T17:30`);
      await screenshot(page, 'destruction-wipe-form-ja');
      const res = await answerTo(page, '/api/destructions', () => form.getByTestId('form-submit').click());
      expect(res.status()).toBe(201);
      expect(res.request().postDataJSON()).toMatchObject({ method: 'wipe', tool: 'Blancco Drive Eraser', toolVersion: '7.9', category: 'purge', verified: true, place: '第3会議室', performedAt: `${yesterday}T17:30:00+09:00` });
      expect(Date.parse((await res.json()).performedAt)).toBe(Date.parse(`${yesterday}T17:30:00+09:00`));
      expect(res.request().postDataJSON().securityLevel).toBeUndefined();
      await expect.poll(() => text(page, 'destruction-cert-no')).toMatch(CERT_NO);
      expect(await text(page, 'destruction-result')).toContain('在室は入退室記録で確認されていません（第3会議室）');
      for (const m of [ssd, held]) expect((await medium(m.id)).status).toBe('destroyed');

      // In English, the same screen in English words.
      await page.getByTestId('lang-switch').click();
      await expect.poll(() => text(page, 'destruction-result')).toContain('Destruction recorded (2 media, Data wipe).');
      expect(await page.getByTestId('destruction-print').innerText()).toBe('Print certificate');
      await screenshot(page, 'destruction-done-en');
    });
  });

  it('the list: filters, CSV for the depositor, the depositor summary; an auditor reads and prints nothing', async () => {
    const all = await destructions();
    expect(all.length).toBeGreaterThanOrEqual(2);
    await withPage(() => openPage(), async (w) => {
      const { page } = w;
      await signIn(page, desk);
      await openDestruction(page);
      await page.getByTestId('destruction-tab-list').click();
      await expect.poll(() => page.getByTestId('destruction-row').count()).toBe(all.length);
      expect(await page.getByTestId('destruction-row').first().innerText()).toContain(all[0]!.certificateNo);
      // By method: shredding only.
      await page.getByTestId('list-method').selectOption('shred');
      await expect.poll(() => page.getByTestId('destruction-row').count()).toBe(1);
      expect(await page.getByTestId('destruction-row').innerText()).toContain('裁断（シュレッダー） P-4');
      // The summary needs a depositor: chosen, it opens as a printable page.
      expect(await page.getByTestId('list-summary').isDisabled()).toBe(true);
      await page.getByTestId('list-method').selectOption('');
      await page.getByTestId('list-depositor').selectOption(site.depositorOrgId);
      await expect.poll(() => page.getByTestId('destruction-row').count()).toBe(all.length);
      await screenshot(page, 'destruction-list-ja');
      const report = await popupText(w, () => page.getByTestId('list-summary').click());
      expect(report).toContain('廃棄実施報告');
      expect(report).toContain('株式会社預託元 御中');
      expect(report).toContain('HDD-D01');
      // The CSV of what is listed, with Japanese headers (UTF-8 with BOM).
      const download = page.waitForEvent('download');
      await page.getByTestId('list-csv').click();
      const csv = await readFile((await (await download).path())!, 'utf8');
      expect(csv.startsWith('\uFEFF証明書番号,')).toBe(true);
      for (const d of all) expect(csv).toContain(d.certificateNo);
      expect(csv).toContain('PAPER-D02');
      // A later date range: nothing.
      await page.getByTestId('list-from').fill('2099-01-01');
      await page.getByTestId('list-to').fill('2099-01-31');
      await expect.poll(() => text(page, 'list-empty')).toBe('条件に合う廃棄の記録はありません。');
    });

    const auditor = await server.createUser({ roles: ['auditor'], name: '監査 一郎', password: 'Gk7#vQ2$mX9a' });
    await withPage(() => openPage(), async (a) => {
      const { page } = a;
      await signIn(page, auditor);
      await page.getByTestId('nav-destruction').click();
      await expect.poll(() => page.getByTestId('destruction-row').count()).toBe(all.length);
      expect(await page.getByTestId('destruction-tab-desk').count()).toBe(0);
      expect(await page.getByTestId('destruction-desk').count()).toBe(0);
      expect(await page.getByTestId('destruction-print').count()).toBe(0);
      expect(await text(page, 'destruction-root')).toContain('閲覧のみ: 監査担当は廃棄を記録できません。');
    });
  });
});

// The public certificate check opened with its check code (issue 19): the person chooses the
// downloaded proof file and enters the log's verifier key they were given, and the page checks it
// in the browser (WebCrypto Ed25519, SHA-256) — step by step, in Japanese and English: valid with
// the right key; not valid with another key, or with the record altered in the file. No CSP
// violation, no console error. The page says the check is a convenience (the command is the
// independent check).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, screenshot } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { custodySite, type CustodySite } from '../helpers/custody.js';
import { openWatchedPage, withPage } from '../helpers/page.js';
import { verifierFor } from '../../server/journal/note.js';

let server: TestServer;
let site: CustodySite;
let browser: Browser;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tachiai-proof-page-'));

beforeAll(async () => {
  server = await startTestServer({ scryptCost: 1024, publicUrl: 'https://tachiai.example.jp' });
  site = await custodySite(server);
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('checking a proof file in the browser', () => {
  it('valid with the log key; not valid with another key or an altered record', async () => {
    const performer = await site.person('廃棄 実施者', ['staff']);
    const responsible = await site.person('田中 責任', ['responsible']);
    for (const p of [performer, responsible]) await site.enter(p);
    const m = await site.medium('PC-HDD-1', { kind: 'hdd' });
    const d = await site.ok('post', '/api/destructions', { mediaIds: [m.id], method: 'physical', securityLevel: 'H-5', performedById: performer.id, witnesses: [site.signer(responsible)], roomId: site.roomId }, 201);
    const page0 = (await site.call('get', d.certificateUrl)).text;
    const code = /class="check-code">([A-Za-z0-9_-]{22})</.exec(page0)![1]!;
    const proof = (await request(server.url).get(`/verify/${d.certificateNo}/proof?c=${code}`)).text;
    const good = path.join(dir, `${d.certificateNo}.tlog-proof`);
    fs.writeFileSync(good, proof);
    const altered = path.join(dir, 'altered.tlog-proof');
    const lines = proof.split('\n');
    const extra = JSON.parse(Buffer.from(lines[1]!.slice(6), 'base64').toString('utf8'));
    extra.record.content = extra.record.content.replace('PC-HDD-1', 'PC-HDD-9');
    lines[1] = `extra ${Buffer.from(JSON.stringify(extra)).toString('base64')}`;
    fs.writeFileSync(altered, lines.join('\n'));
    const { vkey, origin } = (await request(server.url).get('/api/journal/tlog')).body;

    await withPage(() => openWatchedPage(browser, `${server.url}/verify/${d.certificateNo}?c=${code}`), async ({ page }) => {
      const form = page.getByTestId('proof-check');
      expect(await form.innerText()).toContain('独立した確認にはコマンドを使ってください');
      const result = page.getByTestId('proof-check-result');
      const run = async (file: string, key: string) => {
        await page.getByTestId('proof-check-file').setInputFiles(file);
        await page.getByTestId('proof-check-vkey').fill(key);
        await page.getByTestId('proof-check-run').click();
      };

      await run(good, vkey);
      await expect.poll(() => result.locator('.verdict').getAttribute('data-status')).toBe('valid');
      const text = await result.innerText();
      expect(text).toContain('証明ファイルは有効です');
      expect(text).toContain('The inclusion proof leads from that leaf to the signed root');
      expect(await result.locator('li.bad').count()).toBe(0);
      await screenshot(page, 'proof-check-valid');

      const other = verifierFor(origin, crypto.generateKeyPairSync('ed25519').publicKey).vkey;
      await run(good, other);
      await expect.poll(() => result.locator('.verdict').getAttribute('data-status')).toBe('invalid');
      expect(await result.innerText()).toContain('この検証鍵の正しい署名がありません');

      await run(altered, vkey);
      await expect.poll(() => result.innerText()).toContain('署名記録が、記録簿の記録の指すハッシュと一致しません');
      expect(await result.locator('.verdict').getAttribute('data-status')).toBe('invalid');

      await run(good, 'not a key');
      await expect.poll(() => result.innerText()).toContain('検証鍵（vkey）の形式が正しくありません');
    });
  }, 120_000);

  it('the page without the check code offers neither the proof file nor the check', async () => {
    const list = (await site.call('get', '/api/destructions')).body.items as Array<{ certificateNo: string }>;
    const res = await request(server.url).get(`/verify/${list[0]!.certificateNo}`);
    expect(res.text).not.toContain('proof-check');
    expect(res.text).not.toContain('<script');
  });
});

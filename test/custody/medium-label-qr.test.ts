// The printed medium label: rendered in real Chromium, screenshotted, its QR code decoded by
// Debian's zbarimg; the decoded text is the code the front desk recognises, and it opens exactly
// that medium. Printing the label to PDF gives one label-sized page.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, screenshot } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { custodySite, type CustodySite } from '../helpers/custody.js';
import { mediumIdFromCode } from '../../server/media/rules.js';

const run = promisify(execFile);
let s: TestServer;
let site: CustodySite;
let browser: Browser;

beforeAll(async () => {
  [s, browser] = await Promise.all([startTestServer({ scryptCost: 1024 }), launchBrowser()]);
  site = await custodySite(s);
});
afterAll(async () => {
  await browser?.close();
  await s?.close();
});

describe('the printed medium label', () => {
  it('its QR code decodes (zbarimg) to the medium code, which opens that medium', async () => {
    const m = await site.medium('顧客台帳-2026-001', { kind: 'paper' });
    const page = await browser.newPage({ viewport: { width: 500, height: 300 } });
    try {
      await page.setExtraHTTPHeaders({ authorization: `Bearer ${(await s.adminToken())}` });
      const res = await page.goto(`${s.url}/api/media/${m.id}/label`);
      expect(res?.status()).toBe(200);
      await page.evaluate(() => document.fonts.ready);
      const box = await page.locator('.media-label').boundingBox();
      expect(Math.abs(box!.width - (62 / 25.4) * 96)).toBeLessThan(2);
      const clipped = await page.evaluate(() => {
        const el = document.querySelector('.media-label .label-text') as HTMLElement;
        return el.scrollWidth > el.clientWidth + 1;
      });
      expect(clipped).toBe(false);
      const file = await screenshot(page, 'medium-label');
      const { stdout } = await run('/usr/bin/zbarimg', ['--raw', '-q', file]);
      const decoded = stdout.trim();
      expect(decoded).toBe(`tm1_${m.id}`);
      const id = mediumIdFromCode(decoded);
      expect(id).toBe(m.id);
      const opened = await site.ok('get', `/api/media/${id}`, undefined, 200);
      expect(opened).toMatchObject({ label: '顧客台帳-2026-001', status: 'stored' });
      // Printing is recorded.
      expect(await s.ctx.db.knex('journal_entries').where({ action: 'media.label_printed', subject: `medium:${m.id}` }).first()).toBeTruthy();
    } finally {
      await page.close();
    }
  });

  it('codes that are not a medium code are not taken for one', () => {
    expect(mediumIdFromCode('tb1_abc')).toBeNull();
    expect(mediumIdFromCode('tm1_not-a-uuid')).toBeNull();
    expect(mediumIdFromCode(' tm1_6f1c2a9e-1b2c-4d3e-8f40-123456789abc ')).toBe('6f1c2a9e-1b2c-4d3e-8f40-123456789abc');
  });
});

// The printed certificate in real Chromium: `chromium --headless --print-to-pdf`, opened through a
// print link, gives exactly one A4 page, converted to PNG with pdftoppm so a person can look at it;
// a certificate of many media runs onto numbered pages with its heading repeated; and the QR code
// on the page, decoded by zbarimg, opens the public check page, which says the certificate is valid.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { Browser } from 'playwright-core';
import { launchBrowser, screenshot, SCREENSHOT_DIR } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { custodySite, type CustodySite, type SitePerson } from '../helpers/custody.js';

const run = promisify(execFile);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let s: TestServer;
let site: CustodySite;
let browser: Browser;
let destruction: { id: string; certificateNo: string; certificateUrl: string };
let printUrl = '';
let performerId = '';
let witnesses: SitePerson[] = [];

/**
 * A certificate page printed by `chromium --headless --print-to-pdf` straight from the server,
 * through a print link (issue 14, item 5: the CLI cannot send the bearer token; the link is bound
 * to the signed-in user and this one document); answers pdfinfo's output and the text of each page
 * (pdftotext).
 */
async function printToPdf(url: string): Promise<{ info: string; text: string[]; pdf: string; dir: string }> {
  const link = await site.call('post', '/api/print-links', { path: url });
  expect(link.status, JSON.stringify(link.body)).toBe(201);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tachiai-cert-'));
  const pdf = path.join(dir, 'certificate.pdf');
  await run(CHROMIUM, ['--headless', '--no-sandbox', '--disable-gpu', '--no-pdf-header-footer', `--print-to-pdf=${pdf}`, `${s.url}${link.body.url}`], { timeout: 60_000 });
  const info = (await run('/usr/bin/pdfinfo', [pdf])).stdout;
  const pages = Number(/^Pages:\s+(\d+)$/m.exec(info)?.[1] ?? 0);
  const text: string[] = [];
  for (let n = 1; n <= pages; n++) text.push((await run('/usr/bin/pdftotext', ['-layout', '-f', String(n), '-l', String(n), pdf, '-'])).stdout);
  return { info, text, pdf, dir };
}

beforeAll(async () => {
  [s, browser] = await Promise.all([startTestServer({ scryptCost: 1024 }), launchBrowser()]);
  // The QR code names the public address the site is configured with (never the request's Host).
  s.ctx.config.publicUrl = s.url;
  site = await custodySite(s);
  const performer = await site.person('廃棄 実施者', ['staff']);
  const responsible = await site.person('田中 責任', ['responsible']);
  const authorized = await site.person('木村 権限', ['authorized']);
  for (const p of [performer, responsible, authorized]) await site.enter(p);
  performerId = performer.id;
  witnesses = [responsible, authorized];
  const vendor = (await site.ok('post', '/api/orgs', { name: '株式会社セキュア廃棄', kind: 'disposal_vendor' }, 201)).id;
  const media = [];
  for (const [label, kind, make] of [
    ['HDD-2026-0041', 'hdd', { manufacturer: 'Seagate', model: 'ST4000NM000A', serialNo: 'ZC1A2B3C' }],
    ['HDD-2026-0042', 'hdd', { manufacturer: 'WD', model: 'WD40EFPX', serialNo: 'WX12D3456789' }],
    ['SSD-2026-0007', 'ssd', { manufacturer: 'Samsung', model: 'MZ-77E1T0', serialNo: 'S6PTNL0T123456' }],
  ] as const) {
    media.push(await site.ok('post', '/api/media', { label, kind, depositorOrgId: site.depositorOrgId, locationId: site.cabinetId, ...make }, 201));
  }
  destruction = await site.ok(
    'post',
    '/api/destructions',
    {
      mediaIds: media.map((m) => m.id),
      method: 'physical',
      // each medium's own DIN 66399 level: the hard disks H-5, the SSD E-4 (issue 14, item 6)
      levels: media.map((m) => ({ mediumId: m.id, securityLevel: m.kind === 'ssd' ? 'E-4' : 'H-5' })),
      standard: 'NIST SP 800-88 Rev. 2 Destroy',
      technique: '穿孔後破砕 drilled then crushed',
      tool: 'HDD Punch PD-5',
      toolVersion: 'rev.3',
      verified: true,
      verificationMethod: '目視確認 visual inspection',
      destinationAfter: '金属リサイクル業者 metal recycler',
      vendorOrgId: vendor,
      performedById: performer.id,
      performerTitle: '情報管理課 主任',
      performerContact: '03-1234-5678',
      witnesses: [site.signer(responsible), site.signer(authorized)],
      roomId: site.roomId,
      mediaDetails: media.map((m) => ({ mediumId: m.id, backedUp: false })),
    },
    201,
  );
  const print = await site.ok('post', `/api/destructions/${destruction.id}/prints`, { present: site.signer(authorized) }, 201);
  printUrl = print.certificateUrl;
});
afterAll(async () => {
  await browser?.close();
  await s?.close();
});

describe('the printed certificate', () => {
  it('chromium --headless --print-to-pdf gives exactly one A4 page; pdftoppm makes it an image', async () => {
    const { info, text, pdf, dir } = await printToPdf(printUrl);
    try {
      expect(info).toMatch(/^Pages:\s+1$/m);
      const size = /^Page size:\s+([\d.]+) x ([\d.]+) pts/m.exec(info)!;
      expect(Math.abs(Number(size[1]) - 595.28)).toBeLessThan(2); // A4: 210 × 297 mm
      expect(Math.abs(Number(size[2]) - 841.89)).toBeLessThan(2);
      expect(text[0]).toMatch(/\s1\s*\/\s*1\s*$/); // the page number in the bottom margin
      const out = path.join(SCREENSHOT_DIR, 'certificate-pdf');
      await run('/usr/bin/pdftoppm', ['-png', '-r', '90', '-singlefile', pdf, out]);
      expect((await readFile(`${out}.png`)).length).toBeGreaterThan(10_000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a certificate of 40 media runs onto more A4 pages: each page numbered "n / N", the media heading with the certificate number repeated, every medium printed once', async () => {
    const media = [];
    for (let i = 1; i <= 40; i++) {
      const label = `USB-LOT-${String(i).padStart(3, '0')}`;
      media.push(await site.ok('post', '/api/media', { label, kind: 'usb', depositorOrgId: site.depositorOrgId, locationId: site.cabinetId, manufacturer: 'Buffalo', model: 'RUF3-K16GA', serialNo: `BF${1000 + i}` }, 201));
    }
    const many = await site.ok(
      'post',
      '/api/destructions',
      {
        mediaIds: media.map((m) => m.id),
        method: 'shred',
        securityLevel: 'E-4',
        performedById: performerId,
        witnesses: [site.signer(witnesses[0]!), site.signer(witnesses[1]!)],
        roomId: site.roomId,
        mediaDetails: media.map((m) => ({ mediumId: m.id, backedUp: false })),
      },
      201,
    );
    const print = await site.ok('post', `/api/destructions/${many.id}/prints`, { present: site.signer(witnesses[1]!) }, 201);
    const { info, text: pages, pdf, dir } = await printToPdf(print.certificateUrl);
    try {
      const count = Number(/^Pages:\s+(\d+)$/m.exec(info)![1]);
      expect(count).toBeGreaterThanOrEqual(2);
      expect(pages).toHaveLength(count);
      pages.forEach((p, i) => expect(p).toMatch(new RegExp(`廃棄証明書 Certificate of Destruction\\s+${i + 1}\\s*/\\s*${count}\\s*$`)));
      // The media table's heading, with the certificate number, on every page the table reaches.
      const tablePages = pages.filter((p) => /USB-LOT-\d{3}/.test(p));
      expect(tablePages.length).toBeGreaterThanOrEqual(2);
      for (const p of tablePages) expect(p).toContain(`Certificate No. ${many.certificateNo}`);
      // Every medium exactly once; the witnesses' section and the footer are printed.
      const all = pages.join('\n');
      for (let i = 1; i <= 40; i++) expect(all.match(new RegExp(`USB-LOT-${String(i).padStart(3, '0')}\\b`, 'g'))).toHaveLength(1);
      expect(all).toContain('Validation by witnesses');
      expect(pages[count - 1]).toContain('Record SHA-256');
      const out = path.join(SCREENSHOT_DIR, 'certificate-40-media-page');
      await run('/usr/bin/pdftoppm', ['-png', '-r', '70', pdf, out]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('its QR code (zbarimg) opens the public check page, which says valid', async () => {
    const page = await browser.newPage({ viewport: { width: 900, height: 1300 } });
    try {
      await page.setExtraHTTPHeaders({ authorization: `Bearer ${await s.adminToken()}` });
      expect((await page.goto(`${s.url}${printUrl}`))?.status()).toBe(200);
      await page.evaluate(() => document.fonts.ready);
      expect(await page.evaluate(() => document.fonts.check('12pt "Noto Sans CJK JP"', '廃棄証明書'))).toBe(true);
      await screenshot(page, 'certificate-page');
      const qr = path.join(SCREENSHOT_DIR, 'certificate-qr.png');
      await page.locator('.cert-qr svg').screenshot({ path: qr });
      const decoded = (await run('/usr/bin/zbarimg', ['--raw', '-q', qr])).stdout.trim();
      // The number and the unguessable check code (review finding 4).
      expect(decoded).toMatch(new RegExp(`^${s.url}/verify/${destruction.certificateNo}\\?c=[A-Za-z0-9_-]{22}$`));
      const check = await request(decoded).get('');
      expect(check.status).toBe(200);
      expect(check.text).toContain('data-status="valid"');
      expect(check.text).toContain(destruction.certificateNo);
      expect(check.text).toContain('株式会社預託元'); // the facts, for whoever holds the printed code
      const publicPage = await browser.newPage();
      await publicPage.goto(decoded);
      await screenshot(publicPage, 'certificate-verify');
      await publicPage.close();
    } finally {
      await page.close();
    }
  });

  it('review finding 11: without PUBLIC_URL no QR code is printed (never an address from the request), and the page says why', async () => {
    const configured = s.ctx.config.publicUrl;
    s.ctx.config.publicUrl = undefined;
    try {
      const res = await request(s.url).get(`/api/destructions/${destruction.id}/certificate`).set({ authorization: `Bearer ${await s.adminToken()}`, host: 'evil.example.com' });
      expect(res.status).toBe(200);
      expect(res.text).toContain('PUBLIC_URL');
      expect(res.text).not.toContain('evil.example.com');
      expect(res.text).not.toMatch(/class="cert-qr"><svg/);
      expect(res.text).toMatch(/class="check-code">[A-Za-z0-9_-]{22}</);
    } finally {
      s.ctx.config.publicUrl = configured;
    }
  });
});

// Makes web/favicon.ico (16, 32 and 48 px PNGs in one ICO) from web/assets/favicon.svg, drawn by
// Chromium: `npx tsx scripts/make-favicon.ts` after changing the SVG. The ICO is committed, so the
// browser gets exactly the file in git (no build step).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const WEB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'web');
const SIZES = [16, 32, 48];

const svg = readFileSync(path.join(WEB, 'assets', 'favicon.svg'), 'utf8');
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' });
const images: Buffer[] = [];
try {
  for (const size of SIZES) {
    const page = await browser.newPage({ viewport: { width: size, height: size } });
    await page.setContent(`<html><body style="margin:0">${svg.replace('<svg ', `<svg width="${size}" height="${size}" `)}</body></html>`);
    images.push(await page.screenshot({ omitBackground: true }));
    await page.close();
  }
} finally {
  await browser.close();
}
// ICO: a 6-byte header, a 16-byte entry per image, then the PNGs.
const header = Buffer.alloc(6);
header.writeUInt16LE(1, 2);
header.writeUInt16LE(images.length, 4);
let offset = header.length + 16 * images.length;
const entries = images.map((png, i) => {
  const entry = Buffer.alloc(16);
  entry.writeUInt8(SIZES[i]!, 0);
  entry.writeUInt8(SIZES[i]!, 1);
  entry.writeUInt16LE(1, 4); // colour planes
  entry.writeUInt16LE(32, 6); // bits per pixel
  entry.writeUInt32LE(png.length, 8);
  entry.writeUInt32LE(offset, 12);
  offset += png.length;
  return entry;
});
writeFileSync(path.join(WEB, 'favicon.ico'), Buffer.concat([header, ...entries, ...images]));
console.log(`web/favicon.ico: ${SIZES.join(', ')} px, ${offset} bytes`);

// The CSV exports opened as an auditor would (issue 14, item 7): LibreOffice converts each to
// xlsx (`libreoffice --headless --infilter=CSV:44,34,76,1,... --convert-to xlsx`, with and without
// special numbers detected), and the workbook is read back: the time column holds date-times (a
// number with a date format) equal to the site's clock, Japanese headers and words arrive intact,
// and no formula survives.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { custodySite, type CustodySite } from '../helpers/custody.js';

const run = promisify(execFile);

let s: TestServer;
let site: CustodySite;
let dir: string;

beforeAll(async () => {
  s = await startTestServer({ scryptCost: 1024 });
  site = await custodySite(s);
  const performer = await site.person('表計算 実施者', ['staff']);
  const witness = await site.person('表計算 責任', ['responsible']);
  for (const p of [performer, witness]) await site.enter(p);
  const usb = await site.medium('XL-USB-1', { kind: 'usb' });
  const hdd = await site.medium('XL-HDD-1', { kind: 'hdd' });
  await site.ok(
    'post',
    '/api/destructions',
    {
      mediaIds: [usb.id, hdd.id],
      method: 'physical',
      levels: [
        { mediumId: usb.id, securityLevel: 'E-3' },
        { mediumId: hdd.id, securityLevel: 'H-5' },
      ],
      standard: 'DIN 66399',
      performedById: performer.id,
      witnesses: [site.signer(witness)],
      roomId: site.roomId,
    },
    201,
  );
  dir = await mkdtemp(path.join(os.tmpdir(), 'tachiai-xlsx-'));
}, 60_000);
afterAll(async () => {
  await s?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Cell {
  ref: string;
  type: string;
  value: string;
  isDate: boolean;
}

/** The cells of the first sheet of an xlsx LibreOffice wrote (shared strings resolved, date formats known). */
async function readWorkbook(file: string): Promise<Map<string, Cell>> {
  const part = async (name: string) => (await run('unzip', ['-p', file, name], { maxBuffer: 64 << 20 })).stdout;
  const unescape = (t: string) => t.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
  const shared = [...(await part('xl/sharedStrings.xml')).matchAll(/<si>([\s\S]*?)<\/si>/g)].map((m) => unescape([...m[1]!.matchAll(/<t[^>]*>([\s\S]*?)<\/t>/g)].map((t) => t[1]).join('')));
  const styles = await part('xl/styles.xml');
  const formats = new Map([...styles.matchAll(/<numFmt numFmtId="(\d+)" formatCode="([^"]*)"/g)].map((m) => [Number(m[1]), unescape(m[2]!)]));
  const xfs = [...(/<cellXfs[^>]*>([\s\S]*?)<\/cellXfs>/.exec(styles)?.[1] ?? '').matchAll(/<xf [^>]*numFmtId="(\d+)"/g)].map((m) => Number(m[1]));
  const isDateFormat = (id: number) => (id >= 14 && id <= 22) || /[yd]/i.test((formats.get(id) ?? '').replace(/"[^"]*"|\[[^\]]*\]/g, ''));
  const cells = new Map<string, Cell>();
  for (const m of (await part('xl/worksheets/sheet1.xml')).matchAll(/<c r="([A-Z]+\d+)"([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
    const attrs = m[2]!;
    const type = /t="(\w+)"/.exec(attrs)?.[1] ?? 'n';
    const raw = /<v>([\s\S]*?)<\/v>/.exec(m[3] ?? '')?.[1] ?? /<t[^>]*>([\s\S]*?)<\/t>/.exec(m[3] ?? '')?.[1] ?? '';
    const style = Number(/s="(\d+)"/.exec(attrs)?.[1] ?? 0);
    const hasFormula = /<f>/.test(m[3] ?? '');
    expect(hasFormula, `formula in ${m[1]}`).toBe(false);
    cells.set(m[1]!, { ref: m[1]!, type, value: type === 's' ? shared[Number(raw)]! : unescape(raw), isDate: type === 'n' && isDateFormat(xfs[style] ?? 0) });
  }
  return cells;
}

/** A spreadsheet serial day number (1899-12-30 epoch) as wall-clock 'YYYY-MM-DD HH:MM:SS'. */
function serialToWall(serial: number): string {
  const ms = Math.round((serial - 25569) * 86_400) * 1000;
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

async function convert(url: string, name: string, infilter: string): Promise<Map<string, Cell>> {
  const res = await site.call('get', url);
  expect(res.status).toBe(200);
  const csv = path.join(dir, `${name}.csv`);
  await writeFile(csv, res.text);
  const out = path.join(dir, name);
  await run('libreoffice', [`-env:UserInstallation=file://${path.join(dir, 'profile')}`, '--headless', `--infilter=${infilter}`, '--convert-to', 'xlsx', '--outdir', out, csv], { timeout: 120_000 });
  return readWorkbook(path.join(out, `${name}.xlsx`));
}

/** The cells of one column, top to bottom. */
function column(cells: Map<string, Cell>, letter: string): Cell[] {
  const row = (c: Cell) => Number(new RegExp(`^${letter}(\\d+)$`).exec(c.ref)?.[1] ?? NaN);
  return [...cells.values()].filter((c) => !Number.isNaN(row(c))).sort((a, b) => row(a) - row(b));
}

// "Special numbers detected" (the 8th token) and the plain import; the language is the system's.
const FILTERS = ['CSV:44,34,76,1,,,false,true', 'CSV:44,34,76,1'];

describe('CSV exports read back by LibreOffice as date-times (issue 14)', () => {
  for (const infilter of FILTERS) {
    it(`entries, lang=ja (${infilter}): 日時 is a date-time equal to the site's clock; words intact`, async () => {
      const json = await site.ok('get', '/api/entries?limit=500', undefined, 200);
      const cells = await convert('/api/entries?format=csv&lang=ja&limit=500', `entries-${FILTERS.indexOf(infilter)}`, infilter);
      expect(cells.get('A1')!.value).toBe('日時');
      expect(cells.get('B1')!.value).toBe('日時（UTC）');
      expect(cells.get('F1')!.value).toBe('入退');
      const times = column(cells, 'A').slice(1);
      expect(times).toHaveLength(json.items.length);
      for (const [i, cell] of times.entries()) {
        expect(cell.isDate, `A${i + 2} is a date-time, not text: ${JSON.stringify(cell)}`).toBe(true);
        expect(serialToWall(Number(cell.value))).toBe(json.items[i].at.slice(0, 19).replace('T', ' '));
      }
      expect(column(cells, 'F').slice(1).every((c) => c.value === '入室' || c.value === '退室')).toBe(true);
    }, 180_000);
  }

  it('the access log without lang: English headers, codes, and date-times', async () => {
    const cells = await convert('/api/access-log?format=csv', 'access-log', FILTERS[0]!);
    expect(cells.get('A1')!.value).toBe('Time');
    const times = column(cells, 'A').slice(1);
    expect(times.length).toBeGreaterThan(3);
    expect(times.every((c) => c.isDate)).toBe(true);
    expect(column(cells, 'H').slice(1).every((c) => c.value === 'success' || c.value === 'failure')).toBe(true);
  }, 180_000);

  it('destructions, lang=ja: one row per medium with its own level; the certificate number stays text', async () => {
    const cells = await convert('/api/destructions?format=csv&lang=ja', 'destructions', FILTERS[0]!);
    expect(cells.get('A1')!.value).toBe('証明書番号');
    const rows = column(cells, 'A').slice(1).map((c) => Number(c.ref.slice(1)));
    expect(rows).toHaveLength(2);
    const byLabel = new Map(rows.map((r) => [cells.get(`E${r}`)!.value, r]));
    expect(cells.get(`A${byLabel.get('XL-USB-1')}`)).toMatchObject({ type: 's', value: expect.stringMatching(/^\d{4}-\d{6}$/) });
    expect(cells.get(`B${byLabel.get('XL-USB-1')}`)!.isDate).toBe(true);
    expect(cells.get(`F${byLabel.get('XL-USB-1')}`)!.value).toBe('USBメモリ');
    expect(cells.get(`J${byLabel.get('XL-USB-1')}`)!.value).toBe('物理破壊（穿孔・破砕）');
    expect(cells.get(`M${byLabel.get('XL-USB-1')}`)!.value).toBe('E-3');
    expect(cells.get(`M${byLabel.get('XL-HDD-1')}`)!.value).toBe('H-5');
  }, 180_000);
});

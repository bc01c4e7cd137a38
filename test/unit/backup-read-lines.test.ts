// readBackup's 'lines' reading (server/backup/format.ts; issue 17, item 5), which hands the
// restore's reader the row lines in the writer's own form as they are: the same tables, rows, line
// numbers and checks as the parsing reading, for tables whose names have the same length (the last
// name found is kept), a name written with an escape, and lines that are not in the writer's form.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { BackupFileError, readBackup, rowLineValues, type BackupItem } from '../../server/backup/format.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tachiai-read-lines-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const table = (name: string) => ({ name, primaryKey: ['a'], columns: [{ name: 'a', type: 'text' }, { name: 'b', type: 'text' }] });
const TABLES = [table('aa'), table('bb'), table('日本')];

/** An unsealed backup file of these content lines (after the header), with a matching trailer. */
function backupFile(name: string, rowLines: string[]): string {
  const header = JSON.stringify({ format: 'tachiai-backup', version: 1, createdAt: '2026-12-07T00:00:00Z', migrations: [], tables: TABLES, sequences: [], keys: {} });
  const content = [header, ...rowLines].map((l) => `${l}\n`).join('');
  const counts: Record<string, number> = {};
  for (const t of TABLES) counts[t.name] = 0;
  for (const l of rowLines) counts[(JSON.parse(l) as { table: string }).table]!++;
  const bytes = Buffer.from(content);
  const trailer = { trailer: true, counts, contentLines: rowLines.length + 1, contentBytes: bytes.length, sha256: crypto.createHash('sha256').update(bytes).digest('hex') };
  const file = path.join(dir, name);
  fs.writeFileSync(file, zlib.gzipSync(Buffer.concat([bytes, Buffer.from(`${JSON.stringify(trailer)}\n`)])));
  return file;
}

async function read(file: string, rows: 'parse' | 'lines'): Promise<Array<{ table: string; line: number; values: Array<string | null>; raw: boolean }>> {
  const out: Array<{ table: string; line: number; values: Array<string | null>; raw: boolean }> = [];
  for await (const item of readBackup(file, null, { rows }) as AsyncGenerator<BackupItem>) {
    if (item.kind !== 'rows') continue;
    item.rows.forEach((row, i) => {
      const raw = Buffer.isBuffer(row);
      out.push({ table: item.table.name, line: item.firstLine + i, values: raw ? rowLineValues(file, row, item.table, item.firstLine + i) : row, raw });
    });
  }
  return out;
}

const row = (t: string, a: string | null, b: string | null) => JSON.stringify({ table: t, values: [a, b] });

describe("readBackup's 'lines' reading", () => {
  it('gives the same tables, rows and line numbers as parsing, the writer-form lines as they are', async () => {
    const lines = [
      ...Array.from({ length: 300 }, (_, i) => row('aa', `a${i}`, i % 3 ? 'x' : null)),
      ...Array.from({ length: 300 }, (_, i) => row('bb', `b${i}`, '"quoted" \\ 立会い')),
      // The same table written with an escape in its name: not the writer's form, parsed.
      '{"table":"b\\u0062","values":["escaped","name"]}',
      ' {"table":"bb","values":["space","first"]}',
      '{"table":"bb", "values":["space","inside"]}',
      row('日本', '1', '2'),
      row('日本', '3', null),
    ];
    const file = backupFile('equal.backup', lines);
    const parsed = await read(file, 'parse');
    const asLines = await read(file, 'lines');
    expect(parsed).toHaveLength(605);
    expect(asLines.map(({ raw: _, ...r }) => r)).toEqual(parsed.map(({ raw: _, ...r }) => r));
    expect(asLines.filter((r) => !r.raw).map((r) => r.values[0])).toEqual(['escaped', 'space', 'space']);
    expect(asLines.find((r) => r.values[0] === 'b0')).toMatchObject({ table: 'bb', line: 302, raw: true });
    expect(asLines.at(-1)).toMatchObject({ table: '日本', line: 606, raw: true });
  });

  it('checks the order of tables and the counts as parsing does', async () => {
    const backwards = backupFile('order.backup', [row('bb', '1', '2'), row('aa', '1', '2')]);
    await expect(read(backwards, 'lines')).rejects.toThrow(/line 3: rows of aa appear after those of a later table/);
    const unknown = backupFile('unknown.backup', [row('aa', '1', '2')]);
    // A table the header does not name, in the writer's form.
    const content = zlib.gunzipSync(fs.readFileSync(unknown)).toString().replace('{"table":"aa"', '{"table":"cc"');
    fs.writeFileSync(unknown, zlib.gzipSync(content));
    await expect(read(unknown, 'lines')).rejects.toThrow(BackupFileError);
    await expect(read(unknown, 'lines')).rejects.toThrow(/line 2 is not a row of a table named in the header/);
  });
});

// COPY binary read straight from a backup's row lines (server/backup/copy-binary-lines.ts; issue
// 17, item 5): for every line, the bytes written are exactly those written from the values
// JSON.parse gives (./backup-copy-binary.test.ts proves those load as COPY text would), or both
// refuse the value the same way; a line not in the writer's own form goes to JSON.parse, and its
// errors are readBackup's.
import { isUtf8 } from 'node:buffer';
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { binaryCopyEncoder, NotBinaryEncodable } from '../../server/backup/copy-binary.js';
import { binaryLineEncoder, utf8SequenceLength } from '../../server/backup/copy-binary-lines.js';
import { BackupFileError, rowLineValues, rowValuesStart } from '../../server/backup/format.js';
import type { TableInfo } from '../../server/backup/catalog.js';

const TYPES = ['bigint', 'timestamp with time zone', 'uuid', 'text', 'character varying(20)', 'text[]', 'smallint[]', 'integer', 'boolean', 'date', 'bytea'] as const;
const TABLE: TableInfo = { name: 'entries', primaryKey: ['c0'], columns: TYPES.map((type, i) => ({ name: `c${i}`, type })) } as unknown as TableInfo;
const START = rowValuesStart(TABLE.name);

const lineOf = (values: ReadonlyArray<string | null>) => Buffer.from(JSON.stringify({ table: TABLE.name, values }));

/** The bytes of one batch, or the refusal's class. */
function outcome(encode: () => Uint8Array): string {
  try {
    return Buffer.from(encode()).toString('hex');
  } catch (err) {
    return `throws ${(err as Error).name}`;
  }
}

/** Both ways for one row: the line's bytes read directly, and the values parsed then written. */
function bothWays(line: Buffer): { fromLine: string; fromValues: string; longWay: number } {
  let longWay = 0;
  const fromLine = outcome(() =>
    binaryLineEncoder(TYPES)!([line], START, (l) => {
      longWay++;
      return rowLineValues('test.backup', l, TABLE, 2);
    }),
  );
  const fromValues = outcome(() => binaryCopyEncoder(TYPES)!([rowLineValues('test.backup', line, TABLE, 2)]));
  return { fromLine, fromValues, longWay };
}

const BASE = ['1', '2026-12-06 06:29:52.678+00', 'a1b2c3d4-e5f6-4789-8abc-def012345678', 'in', 'v', '{}', '{}', '7', 't', '2026-12-06', '\\x00'];
const withValue = (column: number, value: string | null) => BASE.map((v, i) => (i === column ? value : v));

const random = (n: number) => Math.floor(Math.random() * n);
const pad = (v: number, n: number) => String(v).padStart(n, '0');
const pick = <T,>(xs: readonly T[]): T => xs[random(xs.length)]!;

/** A timestamp as PostgreSQL writes it, in every form the ISO output takes, and a few it never takes. */
function randomTimestamp(): string {
  const y = pick([random(9000) + 1000, random(9000) + 1000, 999, 10000, 2000, 1970]);
  const date = `${pad(y, 4)}-${pad(random(13), 2)}-${pad(random(32), 2)}`;
  const time = `${pad(random(25), 2)}:${pad(random(61), 2)}:${pad(random(61), 2)}`;
  const fraction = pick(['', '', `.${pad(random(10 ** 6), 6)}`, `.${random(10)}`, `.${pad(random(1000), 3)}`, `.${pad(random(10 ** 7), 7)}`, '.']);
  const offset = pick(['+00', '+09', '-05', '+05:30', '-03:30', '+05:45:12', '-00:25:21', '+0', '+09:3', '', 'Z']);
  return pick([`${date} ${time}${fraction}${offset}`, `${date} ${time}${fraction}${offset}`, `${date}T${time}${offset}`, 'infinity', '-infinity', `${date} ${time}${offset} BC`]);
}

function randomBigint(): string {
  const digits = String(random(10 ** random(16))) + (Math.random() < 0.2 ? String(random(10 ** 4)) : '');
  return pick(['', '-', '', '+', ' ']) + pick([digits, digits, '007', '0', '9223372036854775807', '-9223372036854775808', '1e5', '', '１２']);
}

function randomText(): string {
  const pieces = ['a', 'in', '立会い', '😀', '"', '\\', '\t', '\n', '\u0000', '\u001f', '\u007f', '\ud800', '\udfff', '\u2028', '…', 'NULL', 'null', ',', ']}', '{}'];
  let s = '';
  for (let i = random(8); i > 0; i--) s += pick(pieces);
  return s;
}

function randomUuid(): string {
  const u = crypto.randomUUID();
  return pick([u, u, u.toUpperCase(), u.slice(1), `${u}0`, u.replace(/-/g, ''), `{${u}}`, u.replace('-', '_')]);
}

describe('COPY binary from the bytes of row lines', () => {
  it('writes, for every line the writer makes, exactly what the values give, or refuses as they do (2,000 random rows)', () => {
    for (let n = 0; n < 2000; n++) {
      const values = [randomBigint(), randomTimestamp(), randomUuid(), randomText(), randomText(), pick(['{}', '{}', '{manual_exit}', '{"a b",NULL}', '{}x', '{']), pick(['{}', '{1,2}']), String(random(100)), pick(['t', 'f']), '2026-12-06', '\\x00'].map((v) => (Math.random() < 0.05 ? null : v));
      const line = lineOf(values);
      const { fromLine, fromValues, longWay } = bothWays(line);
      expect(fromLine, JSON.stringify(values)).toBe(fromValues);
      // The writer's own lines need JSON.parse only to tell a refused value from a bad line.
      expect(longWay, `${JSON.stringify(values)} ${fromLine.slice(0, 40)}`).toBe(fromValues.startsWith('throws') ? 1 : 0);
    }
  });

  it('reads the edges of each type as the values do', () => {
    const cases: Array<[number, string | null]> = [
      [0, '-0'], [0, '007'], [0, '999999999999999'], [0, '-99999999999999'], [0, '9999999999999999'], [0, '9007199254740993'], [0, '-'], [0, ''],
      [1, '2026-12-06 06:29:52+09'], [1, '2026-12-06 06:29:52.000001-00:25:21'], [1, '1000-01-01 00:00:00+00'], [1, '9999-12-31 23:59:59.999999+14'],
      [1, '2026-02-30 00:00:00+00'], [1, '2016-12-31 23:59:60+00'], [1, '2026-12-06 06:29:52.1234567+00'], [1, '2026-12-06 06:29:52.+00'], [1, '0999-01-01 00:00:00+00'],
      [2, '00000000-0000-0000-0000-000000000000'], [2, 'ffffffff-ffff-ffff-ffff-ffffffffffff'], [2, 'A1B2C3D4-E5F6-4789-8ABC-DEF012345678'], [2, 'a1b2c3d4-e5f6-4789-8abc-def01234567'],
      [3, ''], [3, 'tab\there'], [3, 'quote " and \\ backslash'], [3, '\ud83d'], [3, '日本語😀'], [4, null],
      [5, '{}'], [5, '{single}'], [6, '{}'], [6, '{-1,NULL,32767}'],
    ];
    for (const [column, value] of cases) {
      const { fromLine, fromValues } = bothWays(lineOf(withValue(column, value)));
      expect(fromLine, `${column}: ${value}`).toBe(fromValues);
    }
  });

  it('passes valid UTF-8 through as it is and decodes invalid UTF-8 as JSON.parse of the line would', () => {
    const prefix = Buffer.from(JSON.stringify({ table: TABLE.name, values: withValue(3, 'X') }).split('"X"')[0]!);
    const suffix = Buffer.from(JSON.stringify({ table: TABLE.name, values: withValue(3, 'X') }).split('"X"')[1]!);
    const samples = [[0xe2, 0x80, 0xa6], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe3, 0x81], [0xff], [0xf0, 0x9f, 0x98, 0x80], [0x80], [0xe0, 0x9f, 0xbf]];
    for (let n = 0; n < 500; n++) samples.push(Array.from({ length: 1 + random(6) }, () => (Math.random() < 0.3 ? 0x41 : 0x80 + random(128))));
    for (const bytes of samples) {
      const line = Buffer.concat([prefix, Buffer.from('"'), Buffer.from(bytes), Buffer.from('"'), suffix]);
      const { fromLine, fromValues } = bothWays(line);
      expect(fromLine, Buffer.from(bytes).toString('hex')).toBe(fromValues);
    }
  });

  it('checks a UTF-8 sequence as Node does (every 1- to 4-byte sequence from a lead byte, and random ones)', () => {
    const walk = (b: Uint8Array) => {
      for (let i = 0; i < b.length; ) {
        if (b[i]! < 0x80) i++;
        else {
          const n = utf8SequenceLength(b, i);
          if (n === 0) return false;
          i += n;
        }
      }
      return true;
    };
    const interesting = [0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xee, 0xef, 0xf0, 0xf4, 0xf5, 0xff];
    const differ: string[] = [];
    let valid = 0;
    const check = (bytes: number[]) => {
      const b = Uint8Array.from(bytes);
      if (isUtf8(b)) valid++;
      if (walk(b) !== isUtf8(b)) differ.push(Buffer.from(b).toString('hex'));
    };
    for (let lead = 0x80; lead <= 0xff; lead++) {
      for (const a of interesting) {
        for (const b of interesting) {
          for (const bytes of [[lead], [lead, a], [lead, a, b], [lead, a, b, 0x80], [lead, a, b, 0xbf]]) check(bytes);
        }
      }
    }
    for (let n = 0; n < 20_000; n++) check(Array.from({ length: 1 + random(8) }, () => random(256)));
    expect(differ).toEqual([]);
    expect(valid).toBeGreaterThan(1000);
  });

  it('sends a line not in the writer\'s own form to JSON.parse, with readBackup\'s checks', () => {
    const good = JSON.stringify({ table: TABLE.name, values: BASE });
    // Spaces: valid JSON, read the long way, the same bytes.
    const spaced = Buffer.from(good.replace('"values":[', '"values":[ ').replace(/,"/g, ', "'));
    const spacedWays = bothWays(spaced);
    expect(spacedWays.longWay).toBe(1);
    expect(spacedWays.fromLine).toBe(bothWays(Buffer.from(good)).fromLine);
    // Two "values": JSON.parse takes the last; so does the restore.
    const twice = Buffer.from(good.replace(/\]\}$/, `],"values":${JSON.stringify(withValue(3, 'second'))}}`));
    expect(bothWays(twice).fromLine).toBe(bothWays(lineOf(withValue(3, 'second'))).fromLine);

    const refused = (line: string, message: RegExp) => {
      let error: unknown = null;
      try {
        binaryLineEncoder(TYPES)!([Buffer.from(line)], START, (l) => rowLineValues('test.backup', l, TABLE, 7));
      } catch (err) {
        error = err;
      }
      expect(error, line).toBeInstanceOf(BackupFileError);
      expect((error as Error).message).toMatch(message);
    };
    refused(JSON.stringify({ table: TABLE.name, values: BASE.slice(1) }), /line 7: a row of entries does not have its 11 values/);
    refused(JSON.stringify({ table: TABLE.name, values: [...BASE, 'x'] }), /line 7: a row of entries does not have its 11 values/);
    refused(JSON.stringify({ table: TABLE.name, values: [1, ...BASE.slice(1)] }), /line 7: a row of entries does not have its 11 values/);
    refused(good.replace('"in"', '"i\tn"'), /line 7 is not JSON/);
    refused(good.replace('"in"', '"i\\qn"'), /line 7 is not JSON/);
    refused(good.replace('"in"', '"in'), /line 7 is not JSON/);
    refused(good.replace(/\]\}$/, '],"table":"people"]}'), /line 7 is not JSON/);
    refused(good.replace(/\]\}$/, '],"table":"people"}'), /line 7 is not a row of entries/);
  });

  it('refuses a value the type does not read in binary, so that the batch goes as text', () => {
    expect(() => binaryLineEncoder(TYPES)!([lineOf(withValue(1, 'infinity'))], START, () => [])).toThrow(NotBinaryEncodable);
    expect(binaryLineEncoder(['numeric'])).toBeNull();
  });
});

// The restore's COPY binary writer (server/backup/copy-binary.ts; issue 17, item 5): rows loaded
// in binary must be exactly the rows COPY text would have loaded — for every type the schema uses,
// at the edges of each — and a value it does not read is refused (the batch then goes as text),
// never written wrong. Checked against the embedded PostgreSQL itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PGlite } from '@electric-sql/pglite';
import { binaryCopyEncoder, MalformedBinaryCopy, NotBinaryEncodable, parseArrayLiteral, readSingleBinaryCopyRow } from '../../server/backup/copy-binary.js';
import { copyText } from '../../server/backup/copy-text.js';

const TYPES = ['bigint', 'integer', 'smallint', 'boolean', 'uuid', 'timestamp with time zone', 'date', 'bytea', 'text', 'character varying(255)', 'text[]', 'smallint[]'] as const;
const COLUMNS = TYPES.map((t, i) => `c${i} ${t}`).join(', ');

const ROWS: Array<Array<string | null>> = [
  ['1', '0', '0', 't', '00000000-0000-0000-0000-000000000000', '2026-12-06 06:29:52.678+00', '2026-12-06', '\\x', '', '', '{}', '{}'],
  ['9223372036854775807', '2147483647', '32767', 'f', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '2026-12-06 15:29:52.678123+09', '2000-01-01', '\\x00ff10', 'tab\there\nline\\slash "quote" 日本語 😀', 'varchar 文字', '{manual_exit,holding_media}', '{1,2,3,7}'],
  ['-9223372036854775808', '-2147483648', '-32768', 't', 'a1b2c3d4-e5f6-4789-8abc-def012345678', '1999-12-31 23:59:59.5-05:30', '1970-01-01', '\\xdeadbeef', 'x', 'y', '{"a b","with \\"quote\\"","back\\\\slash",NULL,"NULL",""}', '{-1,NULL,32767}'],
  ['42', '7', '1', 'f', 'a1b2c3d4-e5f6-4789-8abc-def012345679', '1000-01-01 00:00:00+05:45:12', '9999-12-31', '\\x01', 'a,b{c}', 'z', '{single}', '{0}'],
  // Beyond 2^53: 16 and 17 digits, where a JavaScript number is no longer exact.
  ['9007199254740993', '1', '1', 't', 'a1b2c3d4-e5f6-4789-8abc-def01234567a', '2026-01-01 00:00:00.000001+00', '2026-01-01', '\\x02', 'a', 'b', '{}', '{}'],
  ['-12345678901234567', '2', '2', 'f', 'a1b2c3d4-e5f6-4789-8abc-def01234567b', '2026-01-01 00:00:00.999999+00', '2026-01-02', '\\x03', 'c', 'd', '{}', '{}'],
  ['43', null, null, null, null, null, null, null, null, null, null, null],
];

let db: PGlite;

beforeAll(async () => {
  db = await PGlite.create();
  await db.exec(`SET TimeZone = 'UTC'; CREATE TABLE by_text (${COLUMNS}); CREATE TABLE by_binary (${COLUMNS});`);
});

afterAll(async () => {
  await db?.close();
});

const asText = async (table: string) => (await db.query<Record<string, string | null>>(`SELECT ${TYPES.map((_, i) => `c${i}::text`).join(', ')} FROM ${table} ORDER BY c0`)).rows;

describe('COPY binary from a backup\'s text values', () => {
  it('loads exactly what COPY text loads, for every type the schema uses and at its edges', async () => {
    const encode = binaryCopyEncoder(TYPES);
    expect(encode).not.toBeNull();
    await db.query(`COPY by_text FROM '/dev/blob'`, [], { blob: new Blob([copyText(ROWS)]) });
    await db.query(`COPY by_binary FROM '/dev/blob' WITH (FORMAT binary)`, [], { blob: new Blob([encode!(ROWS)]) });
    const text = await asText('by_text');
    expect(text).toHaveLength(ROWS.length);
    expect(await asText('by_binary')).toEqual(text);
  });

  it('refuses what it does not read, so that the batch goes as COPY text', () => {
    const one = (type: string, value: string) => () => binaryCopyEncoder([type])!([[value]]);
    expect(one('timestamp with time zone', 'infinity')).toThrow(NotBinaryEncodable);
    expect(one('timestamp with time zone', '0044-03-15 12:00:00+00 BC')).toThrow(NotBinaryEncodable);
    expect(one('timestamp with time zone', '2026-02-30 00:00:00+00')).toThrow(NotBinaryEncodable);
    expect(one('timestamp with time zone', '2016-12-31 23:59:60+00')).toThrow(NotBinaryEncodable);
    expect(one('text[]', '[0:1]={a,b}')).toThrow(NotBinaryEncodable);
    expect(one('text[]', '{{a},{b}}')).toThrow(NotBinaryEncodable);
    expect(one('bytea', '\\001abc')).toThrow(NotBinaryEncodable);
    expect(one('smallint', '40000')).toThrow(NotBinaryEncodable);
    expect(one('bigint', '9223372036854775808')).toThrow(NotBinaryEncodable);
    expect(one('bigint', '-9223372036854775809')).toThrow(NotBinaryEncodable);
    expect(one('uuid', 'A1B2C3D4-E5F6-4789-8ABC-DEF012345678')).toThrow(NotBinaryEncodable);
    expect(one('boolean', 'true')).toThrow(NotBinaryEncodable);
    // A type it does not write at all: the whole table goes as text.
    expect(binaryCopyEncoder(['numeric'])).toBeNull();
    expect(binaryCopyEncoder(['jsonb', 'text'])).toBeNull();
  });

  it('reads array literals as PostgreSQL writes them', () => {
    expect(parseArrayLiteral('{}')).toEqual([]);
    expect(parseArrayLiteral('{a,NULL,"NULL","",null}')).toEqual(['a', null, 'NULL', '', null]);
    expect(parseArrayLiteral('{"a\\\\b","c\\"d","e,f"}')).toEqual(['a\\b', 'c"d', 'e,f']);
  });
});

describe('readSingleBinaryCopyRow (the backup reads a batch of content lines from the embedded database as bytes)', () => {
  async function copyOut(sql: string): Promise<Uint8Array> {
    const result = await db.query(`COPY (${sql}) TO '/dev/blob' WITH (FORMAT binary)`);
    return new Uint8Array(await result.blob!.arrayBuffer());
  }
  const text = (field: Uint8Array | null | undefined) => (field ? Buffer.from(field).toString('utf8') : field);

  it('gives the fields of the one row COPY wrote, exactly (NULL as null), and null when it wrote none', async () => {
    const bytes = await copyOut(`SELECT E'立会い\\n"quote"\\\\' AS a, NULL::text AS b, '2'::text AS c`);
    const row = readSingleBinaryCopyRow(bytes, 3)!;
    expect(row.map(text)).toEqual(['立会い\n"quote"\\', null, '2']);
    expect(readSingleBinaryCopyRow(await copyOut('SELECT 1::text WHERE false'), 1)).toBeNull();
  });

  it('refuses what is not exactly one row of the fields asked for', async () => {
    const one = await copyOut(`SELECT 'ab'::text AS a, 'c'::text AS b`);
    const two = await copyOut(`SELECT g::text, g::text FROM generate_series(1, 2) AS g`);
    const changed = (at: number, value: number) => {
      const copy = Uint8Array.from(one);
      copy[at] = value;
      return copy;
    };
    const bad: Array<[string, Uint8Array, number]> = [
      ['another signature', changed(0, 0x51), 2],
      ['header flags', changed(14, 1), 2],
      ['a header extension', changed(18, 4), 2],
      ['other field count', one, 3],
      ['cut short', one.subarray(0, one.length - 3), 2],
      ['without trailer', one.subarray(0, one.length - 2), 2],
      ['two rows', two, 2],
      ['bytes after the trailer', Uint8Array.from([...one, 0]), 2],
      ['a negative length', changed(21, 0xff), 2],
      ['a length beyond the data', changed(23, 0x7f), 2],
      ['a first field longer than the data', changed(24, 0xfe), 2],
    ];
    for (const [why, bytes, fields] of bad) expect(() => readSingleBinaryCopyRow(bytes, fields), why).toThrow(MalformedBinaryCopy);
  });
});

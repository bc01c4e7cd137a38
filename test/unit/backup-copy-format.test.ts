// The pieces of the fast backup paths (issue 17, item 5): COPY's text format as the embedded
// restore writes it for COPY FROM (checked by PostgreSQL itself, reading it back), and the WAL
// segments an online copy of the embedded files must carry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PGlite } from '@electric-sql/pglite';
import { copyText } from '../../server/backup/copy-text.js';
import { segmentsBetween } from '../../db/connection.js';

describe('COPY text format', () => {
  const awkward: Array<Array<string | null>> = [
    ['a\tb', null, '\\N', 'x\\y', 'line\nnext\r', ''],
    ['\\.', 'é 漢字 🙂', '\\', '\\t', 'a\\\\b', ' '],
    ['', '', '', '', '', ''],
    ['\b\f\v', '\\N\\N', '\t\t', '\n', '\r\n', 'end\\'],
  ];
  let db: PGlite;
  beforeAll(async () => {
    db = await PGlite.create();
    await db.exec('CREATE TABLE t (n serial, c0 text, c1 text, c2 text, c3 text, c4 text, c5 text)');
  });
  afterAll(async () => {
    await db?.close();
  });

  /** What PostgreSQL's COPY FROM reads from the text. */
  async function loaded(text: string): Promise<Array<Array<string | null>>> {
    await db.exec('TRUNCATE t; ALTER SEQUENCE t_n_seq RESTART');
    await db.query("COPY t (c0, c1, c2, c3, c4, c5) FROM '/dev/blob'", [], { blob: new Blob([text]) });
    const { rows } = await db.query<Record<string, string | null>>('SELECT c0, c1, c2, c3, c4, c5 FROM t ORDER BY n');
    return rows.map((row) => [row.c0!, row.c1!, row.c2!, row.c3!, row.c4!, row.c5!].map((v) => v ?? null));
  }

  it('is read by COPY FROM as exactly the values it was given: tabs, newlines, backslashes, NULL and the text "\\N"', async () => {
    expect(await loaded(copyText(awkward))).toEqual(awkward);
  });

  it('writes NULL as \\N and a backslash doubled, as PostgreSQL reads it', () => {
    expect(copyText([[null, '\\N', 'a\tb']])).toBe('\\N\t\\\\N\ta\\tb\n');
  });

  it('no rows, no lines', () => {
    expect(copyText([])).toBe('');
  });
});

describe('WAL segments of an online copy', () => {
  const MB16 = 16 * 1024 * 1024;

  it('runs from the start segment to the stop segment', () => {
    expect(segmentsBetween('000000010000000000000016', '000000010000000000000018', MB16)).toEqual(['000000010000000000000016', '000000010000000000000017', '000000010000000000000018']);
  });

  it('carries over into the next 4 GB (256 segments of 16 MB), not to …100', () => {
    expect(segmentsBetween('0000000100000000000000FE', '000000010000000100000001', MB16)).toEqual([
      '0000000100000000000000FE',
      '0000000100000000000000FF',
      '000000010000000100000000',
      '000000010000000100000001',
    ]);
  });

  it('a start segment whose size is unknown (it is gone) is named alone, for the caller to find missing', () => {
    expect(segmentsBetween('000000010000000000000016', '000000010000000000000018', 0)).toEqual(['000000010000000000000016']);
  });
});

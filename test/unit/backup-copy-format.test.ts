// The pieces of the fast backup paths (issue 17, item 5): COPY's text format both ways (the
// embedded copy is read with COPY TO, the embedded restore writes with COPY FROM), and the WAL
// segments an online copy of the embedded files must carry.
import { describe, expect, it } from 'vitest';
import { copyText, parseCopyText } from '../../server/backup/copy-text.js';
import { segmentsBetween } from '../../db/connection.js';

describe('COPY text format', () => {
  const awkward: Array<Array<string | null>> = [
    ['a\tb', null, '\\N', 'x\\y', 'line\nnext\r', ''],
    ['\\.', 'é 漢字 🙂', '\\', '\\t', 'a\\\\b', ' '],
    ['', '', '', '', '', ''],
  ];

  it('gives back exactly the values it was given: tabs, newlines, backslashes, NULL and the text "\\N"', () => {
    expect(parseCopyText(copyText(awkward))).toEqual(awkward);
  });

  it('writes NULL as \\N and a backslash doubled, as PostgreSQL reads it', () => {
    expect(copyText([[null, '\\N', 'a\tb']])).toBe('\\N\t\\\\N\ta\\tb\n');
  });

  it('reads the escapes COPY TO writes for control characters', () => {
    expect(parseCopyText('\\b\\f\\v\tplain\n')).toEqual([['\b\f\v', 'plain']]);
  });

  it('no rows, no lines', () => {
    expect(parseCopyText('')).toEqual([]);
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

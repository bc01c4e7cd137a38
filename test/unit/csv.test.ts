// CSV injection (security review, finding 10): every cell a spreadsheet could read as a formula
// is neutralised, whatever width or leading blanks.
import { describe, expect, it } from 'vitest';
import { csvLine, looksLikeFormula } from '../../server/shared/csv.js';

describe('csv cells', () => {
  it('neutralises formulas after leading whitespace, line breaks, full-width spaces and full-width signs', () => {
    const formulas = [
      '=1+1', '+1', '-1', '@SUM(A1)', '\t=1', '\r=1', '\n=1', ' =HYPERLINK("x")', '  @x', '\u3000=1', '\u00A0=1', '\u3000\u3000+cmd',
      '＝1+1', '＋1', '－1', '＠SUM(A1)', ' ＝1', '\u3000＠x', '\u2212 1', '\uFEFF=1', '\r\n=1',
    ];
    for (const f of formulas) {
      expect(looksLikeFormula(f), JSON.stringify(f)).toBe(true);
      const line = csvLine([f]);
      const unquoted = line.startsWith('"') ? line.slice(1) : line;
      expect(unquoted.startsWith("'"), JSON.stringify(line)).toBe(true);
    }
  });

  it('leaves ordinary cells alone, and quotes what must be quoted', () => {
    for (const plain of ['佐藤 花子', 'MB-2026-001', '2026-12-05T10:00:00+09:00', 'a=b', 'x+y', '第1処理室', '']) {
      expect(looksLikeFormula(plain), plain).toBe(false);
    }
    expect(csvLine(['a,b', 'say "hi"', 'line\nbreak'])).toBe('"a,b","say ""hi""","line\nbreak"\r\n');
  });
});

// CSV for auditors (RFC 4180, CRLF). UTF-8 with a BOM so that Excel in Japan opens it.
//
// CSV injection: a cell a spreadsheet could run as a formula is prefixed with ' (OWASP). Excel
// and LibreOffice skip leading blanks and read full-width signs as formulas too, so a cell counts
// as a formula when, after any leading spaces, tabs, line breaks, no-break or ideographic spaces,
// it starts with = + - @ or their full-width forms ＝ ＋ － ＠ (or the minus sign −) — security
// review, finding 10. Tabs and carriage returns at the start count as well.
export const CSV_BOM = '\uFEFF';

const LEADING_BLANKS = /^[\s\u00A0\u1680\u2000-\u200B\u2028\u2029\u202F\u205F\u3000\uFEFF]*/u;
const FORMULA_START = /^[=+\-@\uFF1D\uFF0B\uFF0D\uFF20\u2212\uFE62\uFE63\uFE66]/u;

/** Would a spreadsheet read this cell as a formula? */
export function looksLikeFormula(value: string): boolean {
  if (/^[\t\r\n]/.test(value)) return true;
  return FORMULA_START.test(value.replace(LEADING_BLANKS, ''));
}

function cell(value: string): string {
  const safe = looksLikeFormula(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvLine(values: string[]): string {
  return values.map(cell).join(',') + '\r\n';
}

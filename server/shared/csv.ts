// CSV for auditors (RFC 4180, CRLF). UTF-8 with a BOM so that Excel in Japan opens it.
//
// CSV injection: a cell a spreadsheet could run as a formula is prefixed with ' (OWASP). Excel
// and LibreOffice skip leading blanks and read full-width signs as formulas too, so a cell counts
// as a formula when, after any leading spaces, tabs, line breaks, no-break or ideographic spaces,
// it starts with = + - @ or their full-width forms ＝ ＋ － ＠ (or the minus sign −) — security
// review, finding 10. Tabs and carriage returns at the start count as well.
import { isoUtc, spreadsheetDateTime } from './time.js';

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

// Languages (issue 14, item 7): ?lang=ja|en chooses the headers and the words of the values
// (kinds, methods, decisions, reasons); without lang, English headers and the codes themselves,
// which stay stable for auditors' scripts.
export type CsvLang = 'ja' | 'en' | undefined;

export function csvHeaders(headers: { en: readonly string[]; ja: readonly string[] }, lang: CsvLang): string[] {
  return [...headers[lang ?? 'en']];
}

/** A code's word in the chosen language, or the code itself without one (or when no word is known). */
export function csvWord(code: string | null | undefined, words: Record<string, { ja: string; en: string }>, lang: CsvLang): string {
  if (code === null || code === undefined) return '';
  return lang ? (words[code]?.[lang] ?? code) : code;
}

/**
 * Each time is written twice: on the site's clock as 2026-12-06 01:39:14, which Excel and
 * LibreOffice read as a date-time in any locale, and in ISO 8601 UTC for machines.
 */
export const CSV_TIME_HEADERS = { en: ['Time', 'Time (UTC)'], ja: ['日時', '日時（UTC）'] } as const;

export function csvTimeCells(date: Date, timeZone: string): [string, string] {
  return [spreadsheetDateTime(date, timeZone), isoUtc(date)];
}

// @ts-check
// One way of writing a time on every screen (issue 14, item 7), as on printouts and exports:
// 2026/12/06 01:39:14 on the site's clock, in the same order in Japanese and English; a date that
// stands alone carries its weekday — 2026/12/06（日） or 2026/12/06 (Sun). (server/shared/time.ts
// writes the same for printed pages.)

/** @type {Map<string, Intl.DateTimeFormat>} */
const formats = new Map();
const WEEKDAYS = { ja: ['日', '月', '火', '水', '木', '金', '土'], en: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] };

/**
 * The wall-clock parts of an instant in a time zone, or null for something that is no time.
 * @param {string | number | Date | null | undefined} value
 * @param {string} timeZone
 */
function parts(value, timeZone) {
  const date = value instanceof Date ? value : new Date(value ?? NaN);
  if (Number.isNaN(date.getTime())) return null;
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formats.set(timeZone, format);
  }
  /** @type {Record<string, string>} */
  const p = {};
  for (const { type, value: v } of format.formatToParts(date)) p[type] = v;
  return p;
}

/**
 * "2026/12/06 01:39:14" — an instant on the site's clock.
 * @param {string | number | Date | null | undefined} value
 * @param {string} timeZone
 */
export function formatDateTime(value, timeZone) {
  const p = parts(value, timeZone);
  return p ? `${p.year}/${p.month}/${p.day} ${p.hour}:${p.minute}:${p.second}` : String(value ?? '');
}

/**
 * "2026/12/06（日）" or "2026/12/06 (Sun)" — the site's day of an instant, standing alone.
 * @param {string | number | Date | null | undefined} value
 * @param {string} timeZone
 * @param {string} lang
 */
export function formatDate(value, timeZone, lang) {
  const p = parts(value, timeZone);
  if (!p) return String(value ?? '');
  const weekday = (lang === 'ja' ? WEEKDAYS.ja : WEEKDAYS.en)[new Date(Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day))).getUTCDay()];
  return `${p.year}/${p.month}/${p.day}${lang === 'ja' ? `（${weekday}）` : ` (${weekday})`}`;
}

/**
 * "2026/12/06" — a calendar date as the API gives it ("2026-12-06"), standing alone, with its weekday.
 * @param {string} isoDate
 * @param {string} lang
 */
export function formatCalendarDate(isoDate, lang) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate ?? '');
  if (!m) return String(isoDate ?? '');
  return formatDate(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])), 'UTC', lang);
}

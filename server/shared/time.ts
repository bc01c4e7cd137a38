// Times: stored in UTC, shown in the site's time zone (Asia/Tokyo by default) as RFC 3339 with
// the offset, e.g. 2026-11-23T09:15:00.000+09:00.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

function partsFromIntl(date: Date, timeZone: string) {
  const parts = Object.fromEntries(formatterFor(timeZone).formatToParts(date).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

// A zone's UTC offset changes only at its transitions, which since 1900 fall on quarter hours of
// UTC: the offset found for the start of a quarter hour holds for all of it. Asking Intl once per
// quarter hour instead of once per timestamp keeps formatting off the busy paths (every scan's
// answer carries a time).
const QUARTER_HOUR_MS = 15 * 60_000;
const SINCE_1900_MS = Date.UTC(1900, 0, 1);
const offsets = new Map<string, Map<number, number>>();

function offsetMs(date: Date, timeZone: string): number {
  let byQuarter = offsets.get(timeZone);
  if (!byQuarter) {
    byQuarter = new Map();
    offsets.set(timeZone, byQuarter);
  }
  const quarter = Math.floor(date.getTime() / QUARTER_HOUR_MS);
  let offset = byQuarter.get(quarter);
  if (offset === undefined) {
    const start = new Date(quarter * QUARTER_HOUR_MS);
    const p = partsFromIntl(start, timeZone);
    offset = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - start.getTime();
    if (byQuarter.size >= 10_000) byQuarter.clear();
    byQuarter.set(quarter, offset);
  }
  return offset;
}

/** Wall-clock parts of an instant in a time zone. */
export function zonedParts(date: Date, timeZone: string) {
  const t = date.getTime();
  if (!Number.isFinite(t) || t < SINCE_1900_MS) return partsFromIntl(date, timeZone);
  const wall = new Date(t + offsetMs(date, timeZone));
  return {
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    hour: wall.getUTCHours(),
    minute: wall.getUTCMinutes(),
    second: wall.getUTCSeconds(),
  };
}

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');

export function toRfc3339(date: Date, timeZone: string): string {
  const p = zonedParts(date, timeZone);
  const wallAsUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  const offsetMinutes = Math.round((wallAsUtc - Math.floor(date.getTime() / 1000) * 1000) / 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const offset = `${sign}${pad(Math.floor(Math.abs(offsetMinutes) / 60))}:${pad(Math.abs(offsetMinutes) % 60)}`;
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}.${pad(date.getUTCMilliseconds(), 3)}${offset}`;
}

export function toRfc3339OrNull(date: Date | null | undefined, timeZone: string): string | null {
  return date ? toRfc3339(date, timeZone) : null;
}

// One way of writing a time for people (issue 14, item 7), on every screen, printable and export:
// 2026/12/06 01:39:14 on the site's clock, the same order in Japanese and English; a date that
// stands alone carries its weekday. Excel and LibreOffice read this form as a date-time.

const WEEKDAYS = { ja: ['日', '月', '火', '水', '木', '金', '土'], en: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] } as const;

/** 2026/12/06 01:39:14 — an instant on the site's wall clock. */
export function displayDateTime(date: Date, timeZone: string): string {
  const p = zonedParts(date, timeZone);
  return `${p.year}/${pad(p.month)}/${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`;
}

/** 2026/12/06（日） or 2026/12/06 (Sun) — the site-local day of an instant, standing alone. */
export function displayDate(date: Date, timeZone: string, lang: 'ja' | 'en'): string {
  const p = zonedParts(date, timeZone);
  const weekday = WEEKDAYS[lang][new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay()];
  return `${p.year}/${pad(p.month)}/${pad(p.day)}${lang === 'ja' ? `（${weekday}）` : ` (${weekday})`}`;
}

/**
 * 2026-12-06 01:39:14 — the site's clock in a CSV cell. The one form both spreadsheets read as a
 * date-time whatever their locale (measured: LibreOffice reads 2026/12/06 as text unless its
 * language is Japanese); the spreadsheet then shows it in the reader's own date style.
 */
export function spreadsheetDateTime(date: Date, timeZone: string): string {
  const p = zonedParts(date, timeZone);
  return `${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`;
}

/** 2026-12-05T16:39:14Z — ISO 8601 in UTC, whole seconds, for machines (the CSVs' UTC column). */
export function isoUtc(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** The site-local calendar day of an instant, YYYY-MM-DD. */
export function siteDay(now: Date, timeZone: string): string {
  const p = zonedParts(now, timeZone);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

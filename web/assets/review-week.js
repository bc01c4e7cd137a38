// @ts-check
// ISO weeks on the site's calendar, for the weekly review's week chooser (server/reviews/period.ts
// computes the same on the server): a week is written 2026-W49 and runs Monday to Sunday. Plain
// functions over calendar dates ("2026-12-06"), which are the site's dates already.

const DAY = 86_400_000;

/** @param {string} day "2026-12-06" @returns {number} that date at 00:00 UTC, in ms */
const utc = (day) => {
  const [y, m, d] = day.split('-').map(Number);
  return Date.UTC(y, m - 1, d);
};
/** @param {number} ms */
const dayOf = (ms) => new Date(ms).toISOString().slice(0, 10);

/**
 * The ISO week a calendar date falls in: "2026-W49".
 * @param {string} day
 */
export function weekOfDay(day) {
  const date = utc(day);
  const weekday = (new Date(date).getUTCDay() + 6) % 7; // Monday 0
  const thursday = new Date(date + (3 - weekday) * DAY);
  const year = thursday.getUTCFullYear();
  const jan4 = Date.UTC(year, 0, 4);
  const week1Monday = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * DAY;
  const n = Math.floor((thursday.getTime() - week1Monday) / (7 * DAY)) + 1;
  return `${year}-W${String(n).padStart(2, '0')}`;
}

/**
 * The Monday and the Sunday of a week, as calendar dates; null for something that is no week.
 * @param {string} week "2026-W49"
 * @returns {{ monday: string, sunday: string, year: number, n: number } | null}
 */
export function weekDays(week) {
  const m = /^(\d{4})-W(\d{2})$/.exec(week);
  if (!m) return null;
  const year = Number(m[1]);
  const n = Number(m[2]);
  const jan4 = Date.UTC(year, 0, 4);
  const monday = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * DAY + (n - 1) * 7 * DAY;
  return { monday: dayOf(monday), sunday: dayOf(monday + 6 * DAY), year, n };
}

/**
 * The week `n` weeks after (before, when negative) this one.
 * @param {string} week
 * @param {number} n
 */
export function shiftWeek(week, n) {
  const days = weekDays(week);
  return days ? weekOfDay(dayOf(utc(days.monday) + n * 7 * DAY)) : week;
}

/**
 * The weeks from `newest` back, `count` of them, newest first.
 * @param {string} newest
 * @param {number} count
 */
export function weeksBack(newest, count) {
  const out = [];
  for (let i = 0; i < count; i++) out.push(shiftWeek(newest, -i));
  return out;
}

/**
 * The last day of a period that ends at midnight, from its end as the API writes it, on the
 * site's clock ("2026-12-07T00:00:00+09:00" → "2026-12-06").
 * @param {string} end
 */
export function lastDayOf(end) {
  return dayOf(utc(end.slice(0, 10)) - DAY);
}

// Review periods (E4.2): an ISO week — Monday 00:00 to the next Monday 00:00 on the site's clock —
// or any period up to 31 days (computed and looked at, never signed). Plain functions.
import { ValidationError } from '../errors.js';
import { zonedParts } from '../shared/time.js';

export const MAX_PERIOD_DAYS = 31;

export interface Period {
  from: Date;
  to: Date;
  /** The ISO week (2026-W49) when the period is exactly one; null otherwise. */
  week: string | null;
}

const WEEK = /^(\d{4})-W(\d{2})$/;

/** The instant a wall-clock time of the site's zone happens (the first, if the clock repeats). */
export function siteInstant(year: number, month: number, day: number, timeZone: string, hour = 0, minute = 0): Date {
  const want = Date.UTC(year, month - 1, day, hour, minute);
  let at = want;
  for (let i = 0; i < 3; i++) {
    const p = zonedParts(new Date(at), timeZone);
    at += want - Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  }
  // East of UTC the search lands on the later of two instants when the clock repeats: take the
  // earlier one (read with the offset of the day before) if the clock shows the same time then too.
  const offsetAt = (t: number) => {
    const p = zonedParts(new Date(t), timeZone);
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - t;
  };
  const earlier = want - offsetAt(want - 86_400_000);
  if (earlier < at && offsetAt(earlier) === want - earlier) return new Date(earlier);
  return new Date(at);
}

/** Monday of ISO week `week` of `year`, as a UTC calendar date (y, m, d). */
function mondayOf(year: number, week: number): { y: number; m: number; d: number } {
  // ISO 8601: week 1 holds the year's first Thursday; its Monday is on or before 4 January.
  const jan4 = new Date(Date.UTC(year, 0, 4));
  const mondayOfWeek1 = Date.UTC(year, 0, 4 - ((jan4.getUTCDay() + 6) % 7));
  const monday = new Date(mondayOfWeek1 + (week - 1) * 7 * 86_400_000);
  return { y: monday.getUTCFullYear(), m: monday.getUTCMonth() + 1, d: monday.getUTCDate() };
}

/** How many ISO weeks a year has: 53 when it begins on a Thursday, or on a Wednesday in a leap year. */
function weeksIn(year: number): number {
  const jan1 = new Date(Date.UTC(year, 0, 1)).getUTCDay(); // Sunday 0
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return jan1 === 4 || (leap && jan1 === 3) ? 53 : 52;
}

/** The ISO week an instant falls in, on the site's clock: "2026-W49". */
export function isoWeekOf(at: Date, timeZone: string): string {
  const p = zonedParts(at, timeZone);
  const date = Date.UTC(p.year, p.month - 1, p.day);
  const weekday = (new Date(date).getUTCDay() + 6) % 7; // Monday 0
  const thursday = new Date(date + (3 - weekday) * 86_400_000);
  const year = thursday.getUTCFullYear();
  const jan4 = Date.UTC(year, 0, 4);
  const week1Monday = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * 86_400_000;
  const week = Math.floor((thursday.getTime() - week1Monday) / (7 * 86_400_000)) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** The period of an ISO week on the site's clock; 400 naming `field` when it is no week. */
export function weekPeriod(week: string, timeZone: string, field = 'week'): Period {
  const m = WEEK.exec(week);
  const year = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!m || year < 2000 || year > 2100 || n < 1 || n > weeksIn(year)) {
    throw new ValidationError('A week is written 2026-W49 (ISO 8601).', [{ field, code: 'invalid_week', message: 'an ISO week, e.g. 2026-W49' }]);
  }
  const monday = mondayOf(year, n);
  const from = siteInstant(monday.y, monday.m, monday.d, timeZone);
  const next = new Date(Date.UTC(monday.y, monday.m - 1, monday.d + 7));
  const to = siteInstant(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), timeZone);
  return { from, to, week };
}

/** A period given by its ends: not reversed, not starting in the future, at most 31 days. */
export function checkedPeriod(from: Date, to: Date, now: Date, timeZone: string): Period {
  if (to.getTime() <= from.getTime()) {
    throw new ValidationError('The period ends before it begins.', [{ field: 'query.to', code: 'before_from', message: 'must be after from' }]);
  }
  if (from.getTime() > now.getTime()) {
    throw new ValidationError('The period lies in the future.', [{ field: 'query.from', code: 'in_future', message: 'must not be in the future' }]);
  }
  if (to.getTime() - from.getTime() > MAX_PERIOD_DAYS * 86_400_000) {
    throw new ValidationError(`A period is at most ${MAX_PERIOD_DAYS} days.`, [{ field: 'query.to', code: 'too_long', message: `at most ${MAX_PERIOD_DAYS} days after from` }]);
  }
  const week = isoWeekOf(from, timeZone);
  const asWeek = weekPeriod(week, timeZone);
  return { from, to, week: asWeek.from.getTime() === from.getTime() && asWeek.to.getTime() === to.getTime() ? week : null };
}

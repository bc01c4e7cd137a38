// Review periods (server/reviews/period.ts), clause E4.2: an ISO week runs Monday 00:00 to the
// next Monday 00:00 on the site's clock (Asia/Tokyo: Sunday 15:00 UTC to Sunday 15:00 UTC); any
// other period up to 31 days can be computed and looked at but carries no week (only weeks are
// signed). Bad input → 400 naming the field: a period reversed, in the future or over 31 days, or
// a week that is not one.
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../server/errors.js';
import { checkedPeriod, isoWeekOf, MAX_PERIOD_DAYS, siteInstant, weekPeriod } from '../../server/reviews/period.js';

const TZ = 'Asia/Tokyo';
const DAY = 86_400_000;
const utc = (s: string) => new Date(s);

/** Runs `fn`, expecting a 400 that names `field` with `code`. */
function expectInvalid(fn: () => unknown, field: string, code: string) {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ValidationError);
  const v = error as ValidationError;
  expect(v.status).toBe(400);
  expect(v.details).toEqual([expect.objectContaining({ field, code })]);
}

describe('E4.2 siteInstant: a wall-clock time of the site as an instant', () => {
  it('midnight in Tokyo is 15:00 UTC the day before; hours and minutes are on the site clock', () => {
    expect(siteInstant(2026, 11, 23, TZ)).toEqual(utc('2026-11-22T15:00:00Z'));
    expect(siteInstant(2026, 11, 23, TZ, 8, 30)).toEqual(utc('2026-11-22T23:30:00Z'));
    expect(siteInstant(2027, 1, 1, TZ)).toEqual(utc('2026-12-31T15:00:00Z'));
  });

  it('works west of UTC and in UTC', () => {
    expect(siteInstant(2026, 11, 23, 'America/New_York')).toEqual(utc('2026-11-23T05:00:00Z'));
    expect(siteInstant(2026, 7, 6, 'America/New_York')).toEqual(utc('2026-07-06T04:00:00Z'));
    expect(siteInstant(2026, 11, 23, 'UTC')).toEqual(utc('2026-11-23T00:00:00Z'));
  });

  it('when the clock repeats (summer time ends) it is the first of the two instants, east and west of UTC', () => {
    // Berlin, 25 October 2026: 03:00 CEST becomes 02:00 CET at 01:00Z; 02:30 happens at 00:30Z and at 01:30Z.
    expect(siteInstant(2026, 10, 25, 'Europe/Berlin', 2, 30)).toEqual(utc('2026-10-25T00:30:00Z'));
    // New York, 1 November 2026: 02:00 EDT becomes 01:00 EST at 06:00Z; 01:30 happens at 05:30Z and at 06:30Z.
    expect(siteInstant(2026, 11, 1, 'America/New_York', 1, 30)).toEqual(utc('2026-11-01T05:30:00Z'));
    // Times that do not repeat stay where they are on that day.
    expect(siteInstant(2026, 10, 25, 'Europe/Berlin', 0, 0)).toEqual(utc('2026-10-24T22:00:00Z'));
    expect(siteInstant(2026, 10, 25, 'Europe/Berlin', 12, 0)).toEqual(utc('2026-10-25T11:00:00Z'));
  });
});

describe('E4.2 isoWeekOf: the ISO week of an instant on the site clock', () => {
  it('Monday 00:00 JST (Sunday 15:00 UTC) already belongs to the new week; a second earlier does not', () => {
    expect(isoWeekOf(utc('2026-11-22T15:00:00Z'), TZ)).toBe('2026-W48');
    expect(isoWeekOf(utc('2026-11-22T14:59:59Z'), TZ)).toBe('2026-W47');
    // The same instants in UTC are both on Sunday, week 47.
    expect(isoWeekOf(utc('2026-11-22T15:00:00Z'), 'UTC')).toBe('2026-W47');
  });

  it('weeks across the turn of the year: 2026 has 53 weeks, 2025 ends in week 1 of 2026, 2021 begins in week 53 of 2020', () => {
    expect(isoWeekOf(utc('2026-12-31T03:00:00Z'), TZ)).toBe('2026-W53');
    expect(isoWeekOf(utc('2027-01-03T14:59:59Z'), TZ)).toBe('2026-W53'); // Sunday 23:59:59 JST
    expect(isoWeekOf(utc('2027-01-03T15:00:00Z'), TZ)).toBe('2027-W01'); // Monday 4 January 00:00 JST
    expect(isoWeekOf(utc('2025-12-28T15:00:00Z'), TZ)).toBe('2026-W01'); // Monday 29 December 2025 JST
    expect(isoWeekOf(utc('2025-12-28T14:59:59Z'), TZ)).toBe('2025-W52');
    expect(isoWeekOf(utc('2021-01-01T03:00:00Z'), TZ)).toBe('2020-W53');
    expect(isoWeekOf(utc('2020-01-01T03:00:00Z'), TZ)).toBe('2020-W01');
  });
});

describe('E4.2 weekPeriod: an ISO week, Monday 00:00 to the next Monday 00:00 on the site clock', () => {
  it('2026-W48 in Tokyo: Sunday 15:00 UTC to Sunday 15:00 UTC, seven days', () => {
    expect(weekPeriod('2026-W48', TZ)).toEqual({ from: utc('2026-11-22T15:00:00Z'), to: utc('2026-11-29T15:00:00Z'), week: '2026-W48' });
  });

  it('week 1 may begin in the previous year, and week 53 end in the next', () => {
    expect(weekPeriod('2026-W01', TZ)).toEqual({ from: utc('2025-12-28T15:00:00Z'), to: utc('2026-01-04T15:00:00Z'), week: '2026-W01' });
    expect(weekPeriod('2026-W53', TZ)).toEqual({ from: utc('2026-12-27T15:00:00Z'), to: utc('2027-01-03T15:00:00Z'), week: '2026-W53' });
    expect(weekPeriod('2020-W53', TZ).from).toEqual(utc('2020-12-27T15:00:00Z'));
  });

  it('every week of 2026 and 2027 follows the one before without a gap, and all its instants are in it', () => {
    let previous = weekPeriod('2025-W52', TZ);
    for (const [year, weeks] of [[2026, 53], [2027, 52]] as const) {
      for (let n = 1; n <= weeks; n++) {
        const week = `${year}-W${String(n).padStart(2, '0')}`;
        const p = weekPeriod(week, TZ);
        expect(p.from, week).toEqual(previous.to);
        expect(p.to.getTime() - p.from.getTime(), week).toBe(7 * DAY);
        expect(isoWeekOf(p.from, TZ), week).toBe(week);
        expect(isoWeekOf(new Date(p.to.getTime() - 1), TZ), week).toBe(week);
        previous = p;
      }
    }
    expect(weekPeriod('2028-W01', TZ).from).toEqual(previous.to);
  });

  it('a week with a change of clocks is an hour longer or shorter (Europe/Berlin)', () => {
    // 2026-W43: Monday 19 October to Monday 26 October; summer time ends on Sunday the 25th.
    const autumn = weekPeriod('2026-W43', 'Europe/Berlin');
    expect(autumn.from).toEqual(utc('2026-10-18T22:00:00Z'));
    expect(autumn.to).toEqual(utc('2026-10-25T23:00:00Z'));
    // 2026-W13: summer time begins on Sunday 29 March.
    const spring = weekPeriod('2026-W13', 'Europe/Berlin');
    expect(spring.to.getTime() - spring.from.getTime()).toBe(7 * DAY - 3_600_000);
  });

  it('a week that is not one is a 400 naming the field', () => {
    for (const bad of ['2026-W00', '2026-W54', '2025-W53', '2026-48', '2026-W4', '2026W48', 'W48', '', '1999-W10', '2101-W01', ' 2026-W48']) {
      expectInvalid(() => weekPeriod(bad, TZ), 'week', 'invalid_week');
    }
    expectInvalid(() => weekPeriod('2026-W54', TZ, 'params.week'), 'params.week', 'invalid_week');
  });
});

describe('E4.2 checkedPeriod: any period up to 31 days, not reversed, not in the future', () => {
  const NOW = utc('2026-12-10T03:00:00Z');

  it('a period that is exactly an ISO week of the site carries the week', () => {
    const p = checkedPeriod(utc('2026-11-22T15:00:00Z'), utc('2026-11-29T15:00:00Z'), NOW, TZ);
    expect(p).toEqual({ from: utc('2026-11-22T15:00:00Z'), to: utc('2026-11-29T15:00:00Z'), week: '2026-W48' });
  });

  it('any other period carries none: the UTC week, a day, a week and a second', () => {
    expect(checkedPeriod(utc('2026-11-23T00:00:00Z'), utc('2026-11-30T00:00:00Z'), NOW, TZ).week).toBeNull();
    expect(checkedPeriod(utc('2026-11-22T15:00:00Z'), utc('2026-11-23T15:00:00Z'), NOW, TZ).week).toBeNull();
    expect(checkedPeriod(utc('2026-11-22T15:00:00Z'), utc('2026-11-29T15:00:01Z'), NOW, TZ).week).toBeNull();
  });

  it('ending before it begins, or where it begins, is a 400 naming query.to', () => {
    expectInvalid(() => checkedPeriod(utc('2026-11-25T00:00:00Z'), utc('2026-11-24T00:00:00Z'), NOW, TZ), 'query.to', 'before_from');
    expectInvalid(() => checkedPeriod(utc('2026-11-25T00:00:00Z'), utc('2026-11-25T00:00:00Z'), NOW, TZ), 'query.to', 'before_from');
  });

  it('beginning in the future is a 400 naming query.from; beginning now, or ending in the future, is allowed', () => {
    expectInvalid(() => checkedPeriod(new Date(NOW.getTime() + 1), new Date(NOW.getTime() + DAY), NOW, TZ), 'query.from', 'in_future');
    expect(checkedPeriod(NOW, new Date(NOW.getTime() + DAY), NOW, TZ).from).toEqual(NOW);
    expect(checkedPeriod(utc('2026-12-06T15:00:00Z'), utc('2026-12-13T15:00:00Z'), NOW, TZ).week).toBe('2026-W50');
  });

  it('31 days is allowed; 31 days and a millisecond is a 400 naming query.to', () => {
    const from = utc('2026-10-01T00:00:00Z');
    expect(MAX_PERIOD_DAYS).toBe(31);
    expect(checkedPeriod(from, new Date(from.getTime() + 31 * DAY), NOW, TZ).to).toEqual(utc('2026-11-01T00:00:00Z'));
    expectInvalid(() => checkedPeriod(from, new Date(from.getTime() + 31 * DAY + 1), NOW, TZ), 'query.to', 'too_long');
  });
});

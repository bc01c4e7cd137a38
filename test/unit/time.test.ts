// Wall-clock times in the site's zone (server/shared/time.ts): the quarter-hour offset cache must
// give exactly what Intl gives, across daylight-saving transitions and odd offsets.
import { describe, expect, it } from 'vitest';
import { displayDate, displayDateTime, isoUtc, toRfc3339, zonedParts } from '../../server/shared/time.js';

const formats = new Map<string, Intl.DateTimeFormat>();
function intlParts(date: Date, timeZone: string) {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formats.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(date).map((x) => [x.type, Number(x.value)]));
  return { year: p.year, month: p.month, day: p.day, hour: p.hour, minute: p.minute, second: p.second };
}

const ZONES = ['Asia/Tokyo', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'America/St_Johns', 'UTC'];

describe('zonedParts', () => {
  it('matches Intl every 23 minutes 7 seconds through 2026 in zones with DST, half-hour DST and 45-minute offsets', () => {
    const start = Date.UTC(2026, 0, 1);
    const end = Date.UTC(2027, 0, 1);
    for (const zone of ZONES) {
      let mismatches = 0;
      for (let t = start; t < end; t += 1_387_000) {
        const d = new Date(t);
        const got = zonedParts(d, zone);
        const want = intlParts(d, zone);
        if (JSON.stringify(got) !== JSON.stringify(want)) mismatches += 1;
      }
      expect(mismatches, zone).toBe(0);
    }
  });

  it('matches Intl on both sides of each 2026 transition, to the millisecond', () => {
    const transitions = [
      ['America/New_York', '2026-03-08T07:00:00Z'],
      ['America/New_York', '2026-11-01T06:00:00Z'],
      ['Europe/London', '2026-03-29T01:00:00Z'],
      ['Europe/London', '2026-10-25T01:00:00Z'],
      ['Australia/Lord_Howe', '2026-04-04T15:00:00Z'],
      ['Australia/Lord_Howe', '2026-10-03T15:30:00Z'],
    ] as const;
    for (const [zone, at] of transitions) {
      for (const delta of [-1, 0, 1, 60_000]) {
        const d = new Date(Date.parse(at) + delta);
        expect(zonedParts(d, zone), `${zone} ${d.toISOString()}`).toEqual(intlParts(d, zone));
      }
    }
  });

  it('writes RFC 3339 with the offset of that instant', () => {
    expect(toRfc3339(new Date('2026-11-23T00:15:00.123Z'), 'Asia/Tokyo')).toBe('2026-11-23T09:15:00.123+09:00');
    expect(toRfc3339(new Date('2026-03-08T06:59:59.999Z'), 'America/New_York')).toBe('2026-03-08T01:59:59.999-05:00');
    expect(toRfc3339(new Date('2026-03-08T07:00:00.000Z'), 'America/New_York')).toBe('2026-03-08T03:00:00.000-04:00');
    expect(toRfc3339(new Date('2026-06-01T00:00:00.000Z'), 'Asia/Kathmandu')).toBe('2026-06-01T05:45:00.000+05:45');
    expect(toRfc3339(new Date('1850-06-01T00:00:00.000Z'), 'UTC')).toBe('1850-06-01T00:00:00.000+00:00');
  });

  it('one way of writing a time for people (issue 14): 2026/12/06 01:39:14 on the site\'s clock', () => {
    const at = new Date('2026-12-05T16:39:14.987Z');
    expect(displayDateTime(at, 'Asia/Tokyo')).toBe('2026/12/06 01:39:14');
    expect(displayDateTime(at, 'UTC')).toBe('2026/12/05 16:39:14');
    expect(displayDateTime(new Date('2026-01-01T00:00:00Z'), 'America/New_York')).toBe('2025/12/31 19:00:00');
  });

  it('a date standing alone carries its weekday, in the page\'s language', () => {
    const at = new Date('2026-12-05T16:39:14Z'); // Sunday 6 December in Tokyo, Saturday in UTC
    expect(displayDate(at, 'Asia/Tokyo', 'ja')).toBe('2026/12/06（日）');
    expect(displayDate(at, 'Asia/Tokyo', 'en')).toBe('2026/12/06 (Sun)');
    expect(displayDate(at, 'UTC', 'ja')).toBe('2026/12/05（土）');
  });

  it('ISO 8601 UTC to the second for machines', () => {
    expect(isoUtc(new Date('2026-12-05T16:39:14.987Z'))).toBe('2026-12-05T16:39:14Z');
  });
});

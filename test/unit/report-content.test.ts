// The monthly report's plain functions: the month on the site's clock, and the content built from
// a month's facts (grouping of holdings, one event per record, counts).
import { describe, expect, it } from 'vitest';
import { monthOf, monthPeriod, reportContent } from '../../server/reports/content.js';
import type { MonthFacts } from '../../server/reports/facts.read-model.js';

const TZ = 'Asia/Tokyo';

describe('monthPeriod', () => {
  it('is the month on the site\'s clock: Tokyo midnight of the 1st to the next 1st', () => {
    const p = monthPeriod('2026-11', new Date('2026-12-06T00:00:00Z'), TZ);
    expect(p.from.toISOString()).toBe('2026-10-31T15:00:00.000Z');
    expect(p.to.toISOString()).toBe('2026-11-30T15:00:00.000Z');
    const dec = monthPeriod('2025-12', new Date('2026-12-06T00:00:00Z'), TZ);
    expect(dec.to.toISOString()).toBe('2025-12-31T15:00:00.000Z');
  });

  it('the current month is allowed (its draft); a month that has not begun is 400 in_future; a malformed one 400', () => {
    expect(() => monthPeriod('2026-12', new Date('2026-12-06T00:00:00Z'), TZ)).not.toThrow();
    expect(() => monthPeriod('2027-01', new Date('2026-12-06T00:00:00Z'), TZ)).toThrow(expect.objectContaining({ status: 400, details: [expect.objectContaining({ code: 'in_future' })] }));
    for (const m of ['2026-13', '2026-1', 'x']) expect(() => monthPeriod(m, new Date(), TZ)).toThrow(expect.objectContaining({ status: 400 }));
  });

  it('monthOf reads the site\'s clock (01:00 on the 1st in Tokyo is still the previous month in UTC)', () => {
    expect(monthOf(new Date('2026-11-30T16:00:00Z'), TZ)).toBe('2026-12');
  });
});

describe('reportContent', () => {
  const at = (d: string) => new Date(d);
  const facts = (over: Partial<MonthFacts>): MonthFacts => ({
    depositor: { id: 'd1', name: '預託元' },
    holdings: [],
    steps: [],
    certificates: new Map(),
    transfers: new Map(),
    inspections: [],
    reviews: [],
    appointments: [],
    trainings: [],
    drills: [],
    notices: [],
    ...over,
  });
  const period = { from: at('2026-10-31T15:00:00Z'), to: at('2026-11-30T15:00:00Z') };
  const h = (label: string, status: string, locationName: string | null = null, holderName: string | null = null) => ({ mediumId: label, label, kind: 'usb', classification: 'secret', status, locationName, roomName: locationName ? '第1処理室' : null, holderName });

  it('groups the media held by status and place; destroyed and returned ones are counted apart', () => {
    const c = reportContent('2026-11', period, facts({ holdings: [h('A', 'stored', '金庫1'), h('B', 'stored', '金庫1'), h('C', 'checked_out', null, '保管 三郎'), h('D', 'destroyed'), h('E', 'returned_to_depositor')] }), null);
    expect(c.holdings.groups).toEqual([
      { status: 'stored', place: '第1処理室 金庫1', count: 2 },
      { status: 'checked_out', place: '', count: 1 },
    ]);
    expect(c.holdings.media.map((m) => [m.label, m.place])).toEqual([['A', '第1処理室 金庫1'], ['B', '第1処理室 金庫1'], ['C', '保管 三郎']]);
    expect(c.holdings.gone).toEqual({ destroyed: 1, returned_to_depositor: 1 });
  });

  it('one event per record with its media and certificate number; check-outs and check-ins are counted, not listed', () => {
    const step = (id: string, label: string, action: string, recordId: string | null, details: Record<string, unknown> = {}) => ({ id, mediumId: label, label, action, at: at('2026-11-05T01:00:00Z'), recordId, details, toStatus: 'x' });
    const c = reportContent(
      '2026-11',
      period,
      facts({
        steps: [step('1', 'B', 'destroy', 'r1'), step('2', 'A', 'destroy', 'r1'), step('3', 'A', 'checkout', 'r2'), step('4', 'C', 'transfer_send', 'r3'), step('5', 'X1', 'copied', null, { copyApprovalId: 'ap' }), step('6', 'X2', 'copied', null, { copyApprovalId: 'ap' })],
        certificates: new Map([['r1', '2026-000007']]),
        transfers: new Map([['r3', { destination: '大阪センター', method: 'carrier' }]]),
      }),
      null,
    );
    expect(c.events.map((e) => [e.kind, e.labels, e.certificateNo, e.destination])).toEqual([
      ['destruction', ['A', 'B'], '2026-000007', null],
      ['transfer', ['C'], null, '大阪センター'],
      ['copy', ['X1', 'X2'], null, null],
    ]);
    expect(c.counts).toEqual({ steps: 6, destroy: 2, checkout: 1, transfer_send: 1, copied: 2 });
  });
});

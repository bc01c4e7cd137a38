// The monthly report's content: plain functions from the facts of one depositor's month to the
// JSON that is signed and printed (times as ISO 8601 UTC). Unit-tested in test/unit/report-content.test.ts.
import { ValidationError } from '../errors.js';
import { siteInstant } from '../reviews/period.js';
import { zonedParts } from '../shared/time.js';
import type { MonthFacts } from './facts.read-model.js';

export const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** A month on the site's clock ("2026-11"): its first instant and the next month's. 400 when in the future. */
export function monthPeriod(month: string, now: Date, timeZone: string, field = 'month'): { from: Date; to: Date } {
  const m = MONTH.exec(month);
  if (!m) throw new ValidationError('Not a month.', [{ field, code: 'invalid_month', message: 'a month such as 2026-11' }]);
  const year = Number(m[1]);
  const mon = Number(m[2]);
  const from = siteInstant(year, mon, 1, timeZone);
  const to = mon === 12 ? siteInstant(year + 1, 1, 1, timeZone) : siteInstant(year, mon + 1, 1, timeZone);
  if (from.getTime() > now.getTime()) throw new ValidationError('That month lies in the future.', [{ field, code: 'in_future', message: 'must not be in the future' }]);
  return { from, to };
}

/** The month an instant falls in, on the site's clock. */
export function monthOf(at: Date, timeZone: string): string {
  const p = zonedParts(at, timeZone);
  return `${p.year}-${String(p.month).padStart(2, '0')}`;
}

/** The kinds of event the report lists one by one (check-outs and check-ins are counted). */
export const EVENT_KINDS = ['receipt', 'handover', 'transfer', 'copy', 'destruction'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

const KIND_OF_ACTION: Record<string, EventKind | 'count'> = {
  registered: 'receipt',
  received_from_depositor: 'receipt',
  handover: 'handover',
  return_to_depositor: 'handover',
  redeposit: 'handover',
  transfer_send: 'transfer',
  transfer_receive: 'transfer',
  copied: 'copy',
  copy_made: 'copy',
  destroy: 'destruction',
  checkout: 'count',
  checkin: 'count',
};

export interface ReportEvent {
  kind: EventKind;
  action: string;
  at: string;
  /** The signed record's id (its receipt), when the step has one. */
  recordId: string | null;
  /** The destruction certificate's number. */
  certificateNo: string | null;
  destination: string | null;
  labels: string[];
}

export interface HoldingGroup {
  status: string;
  place: string;
  count: number;
}

export interface ReportContent {
  depositorOrgId: string;
  depositorName: string;
  month: string;
  from: string;
  to: string;
  holdings: {
    groups: HoldingGroup[];
    media: Array<{ label: string; kind: string; classification: string; status: string; place: string }>;
    /** Media of the depositor at the month's end that the site no longer holds (destroyed, returned). */
    gone: Record<string, number>;
  };
  events: ReportEvent[];
  counts: Record<string, number>;
  inspections: Array<{ at: string; location: string; inspector: string; recordId: string; expected: number; missing: string[]; unexpected: string[] }>;
  reviews: Array<{ week: string; signedAt: string; recordId: string; findings: Array<{ kind: string; severity: string; at: string; disposition: string; evidenceCount: number; labels: string[]; siteWide: boolean }> }>;
  people: Array<{ role: string; name: string; appointedAt: string | null; endedAt: string | null; endedReason: string | null; leftAt: string | null }>;
  trainings: Array<{ title: string; heldAt: string; method: string; participants: number }>;
  drills: Array<{ kind: string; heldAt: string; findings: string; standbySite: string | null }>;
  compliance: { asOf: string; summary: Record<string, number>; rows: Array<{ id: string; status: string; ja: string; en: string }> } | null;
  notices: Array<{ createdAt: string; kind: string; subject: string; recipient: string; status: string; sentAt: string | null }>;
}

const HELD = ['stored', 'checked_out', 'in_transit'];

/** Where a medium was at the month's end, in words that name no person of the depositor. */
function placeOf(h: MonthFacts['holdings'][number]): string {
  if (h.status === 'stored') return `${h.roomName ?? ''} ${h.locationName ?? ''}`.trim();
  if (h.status === 'checked_out') return h.holderName ?? '';
  return '';
}

/** Builds the content from the facts; `compliance` is the view's summary at the time of signing. */
export function reportContent(month: string, period: { from: Date; to: Date }, f: MonthFacts, compliance: ReportContent['compliance']): ReportContent {
  const held = f.holdings.filter((h) => HELD.includes(h.status));
  const groups = new Map<string, HoldingGroup>();
  for (const h of held) {
    const place = h.status === 'stored' ? placeOf(h) : '';
    const key = `${h.status}\u0000${place}`;
    const g = groups.get(key) ?? { status: h.status, place, count: 0 };
    g.count += 1;
    groups.set(key, g);
  }
  const gone: Record<string, number> = {};
  for (const h of f.holdings.filter((x) => !HELD.includes(x.status))) gone[h.status] = (gone[h.status] ?? 0) + 1;

  const counts: Record<string, number> = { steps: f.steps.length };
  const events: ReportEvent[] = [];
  const byKey = new Map<string, ReportEvent>();
  for (const s of f.steps) {
    const kind = KIND_OF_ACTION[s.action];
    counts[s.action] = (counts[s.action] ?? 0) + 1;
    if (!kind || kind === 'count') continue;
    // One row per record (a handover of five media is one event); steps without a record (a
    // registration, copies under one approval) group by what they share.
    const group = s.recordId ?? (typeof s.details.copyApprovalId === 'string' ? `copy:${s.details.copyApprovalId}` : `step:${s.id}`);
    const key = kind === 'copy' ? group : `${group}\u0000${s.action}`;
    const existing = byKey.get(key);
    if (existing) {
      if (!existing.labels.includes(s.label)) existing.labels.push(s.label);
      continue;
    }
    const certificateNo = s.recordId ? (f.certificates.get(s.recordId) ?? null) : null;
    const transfer = s.recordId ? f.transfers.get(s.recordId) : undefined;
    const event: ReportEvent = {
      kind,
      action: s.action,
      at: s.at.toISOString(),
      recordId: s.recordId,
      certificateNo: certificateNo ?? (typeof s.details.certificateNo === 'string' ? s.details.certificateNo : null),
      destination: transfer?.destination ?? (typeof s.details.destination === 'string' ? s.details.destination : null),
      labels: [s.label],
    };
    byKey.set(key, event);
    events.push(event);
  }
  for (const e of events) e.labels.sort();

  return {
    depositorOrgId: f.depositor.id,
    depositorName: f.depositor.name,
    month,
    from: period.from.toISOString(),
    to: period.to.toISOString(),
    holdings: {
      groups: [...groups.values()].sort((a, b) => HELD.indexOf(a.status) - HELD.indexOf(b.status) || a.place.localeCompare(b.place)),
      media: held.map((h) => ({ label: h.label, kind: h.kind, classification: h.classification, status: h.status, place: placeOf(h) })),
      gone,
    },
    events,
    counts,
    inspections: f.inspections.map((i) => ({ at: i.at.toISOString(), location: `${i.roomName} ${i.locationName}`, inspector: i.inspectorName, recordId: i.recordId, expected: i.expected, missing: i.missing, unexpected: i.unexpected })),
    reviews: f.reviews.map((r) => ({ week: r.week, signedAt: r.signedAt.toISOString(), recordId: r.recordId, findings: r.findings })),
    people: f.appointments.map((a) => ({
      role: a.role,
      name: a.personName,
      appointedAt: a.appointedAt >= period.from && a.appointedAt < period.to ? a.appointedAt.toISOString() : null,
      endedAt: a.endedAt && a.endedAt >= period.from && a.endedAt < period.to ? a.endedAt.toISOString() : null,
      endedReason: a.endedAt && a.endedAt >= period.from && a.endedAt < period.to ? a.endedReason : null,
      leftAt: a.leftAt ? a.leftAt.toISOString() : null,
    })),
    trainings: f.trainings.map((t) => ({ title: t.title, heldAt: t.heldAt.toISOString(), method: t.method, participants: t.participants })),
    drills: f.drills.map((d) => ({ kind: d.kind, heldAt: d.heldAt.toISOString(), findings: d.findings, standbySite: d.standbySite })),
    compliance,
    notices: f.notices.map((n) => ({ createdAt: n.createdAt.toISOString(), kind: n.kind, subject: n.subject, recipient: n.recipientName, status: n.status, sentAt: n.sentAt ? n.sentAt.toISOString() : null })),
  };
}

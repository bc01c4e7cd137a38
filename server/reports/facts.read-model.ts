// Read model: one depositor's month, read from the other modules' tables (media, custody steps,
// locations, rooms, people, destructions, transfers, inspections, reviews, appointments,
// trainings, drills, notices). Writes nothing. Every read names the depositor: a row about another
// depositor's media never leaves here (a medium list, an inspection's discrepancies, a review's
// findings are cut down to this depositor's media first).
import type { Knex } from 'knex';

export interface HoldingFact {
  mediumId: string;
  label: string;
  kind: string;
  classification: string;
  status: string;
  locationName: string | null;
  roomName: string | null;
  holderName: string | null;
}

export interface StepFact {
  id: string;
  mediumId: string;
  label: string;
  action: string;
  at: Date;
  recordId: string | null;
  details: Record<string, unknown>;
  toStatus: string;
}

export interface InspectionFact {
  id: string;
  at: Date;
  month: string;
  locationName: string;
  roomName: string;
  inspectorName: string;
  recordId: string;
  expected: number;
  missing: string[];
  unexpected: string[];
}

export interface ReviewFact {
  week: string;
  signedAt: Date;
  recordId: string;
  findings: Array<{ kind: string; severity: string; at: string; disposition: string; evidenceCount: number; labels: string[]; siteWide: boolean }>;
}

export interface AppointmentFact {
  role: string;
  personName: string;
  appointedAt: Date;
  endedAt: Date | null;
  endedReason: string | null;
  leftAt: Date | null;
}

export interface MonthFacts {
  depositor: { id: string; name: string };
  holdings: HoldingFact[];
  steps: StepFact[];
  certificates: Map<string, string>;
  transfers: Map<string, { destination: string; method: string }>;
  inspections: InspectionFact[];
  reviews: ReviewFact[];
  appointments: AppointmentFact[];
  trainings: Array<{ title: string; heldAt: Date; method: string; participants: number }>;
  drills: Array<{ kind: string; heldAt: Date; findings: string; standbySite: string | null }>;
  notices: Array<{ createdAt: Date; kind: string; subject: string; recipientName: string; status: string; sentAt: Date | null }>;
}

const asDate = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));
const asDateOrNull = (v: unknown): Date | null => (v === null || v === undefined ? null : asDate(v));

/** The organisation, if it is a depositor (null otherwise: unknown, or another kind). */
export async function depositorOf(db: Knex, id: string): Promise<{ id: string; name: string } | null> {
  const row = (await db('organisations').where({ id, kind: 'depositor' }).first('id', 'name')) as { id: string; name: string } | undefined;
  return row ?? null;
}

/**
 * Media at the month's end as the custody steps left them: each medium's last step before `to`
 * (by time, then by id), never today's status. Media registered later do not exist then.
 */
async function holdingsAt(db: Knex, depositorId: string, to: Date): Promise<HoldingFact[]> {
  const { rows } = await db.raw(
    `SELECT m.id, m.label, m.kind, m.classification, s.to_status, l.name AS location_name, r.name AS room_name, p.name AS holder_name
       FROM media m
       JOIN LATERAL (SELECT cs.to_status, cs.location_id, cs.holder_person_id FROM custody_steps cs
                      WHERE cs.medium_id = m.id AND cs.at < ? ORDER BY cs.at DESC, cs.id DESC LIMIT 1) s ON true
       LEFT JOIN locations l ON l.id = s.location_id
       LEFT JOIN rooms r ON r.id = l.room_id
       LEFT JOIN people p ON p.id = s.holder_person_id
      WHERE m.depositor_org_id = ?
      ORDER BY m.label`,
    [to, depositorId],
  );
  return (rows as Array<Record<string, string | null>>).map((r) => ({
    mediumId: r.id!,
    label: r.label!,
    kind: r.kind!,
    classification: r.classification!,
    status: r.to_status!,
    locationName: r.location_name ?? null,
    roomName: r.room_name ?? null,
    holderName: r.holder_name ?? null,
  }));
}

async function stepsIn(db: Knex, depositorId: string, from: Date, to: Date): Promise<StepFact[]> {
  const rows = (await db('custody_steps as cs')
    .join('media as m', 'm.id', 'cs.medium_id')
    .where('m.depositor_org_id', depositorId)
    .where('cs.at', '>=', from)
    .where('cs.at', '<', to)
    .orderBy([{ column: 'cs.at' }, { column: 'cs.id' }])
    .select('cs.id', 'cs.medium_id', 'm.label', 'cs.action', 'cs.at', 'cs.record_id', 'cs.details', 'cs.to_status')) as Array<{
    id: string | number;
    medium_id: string;
    label: string;
    action: string;
    at: Date;
    record_id: string | null;
    details: string;
    to_status: string;
  }>;
  return rows.map((r) => {
    let details: Record<string, unknown> = {};
    try {
      details = JSON.parse(r.details) as Record<string, unknown>;
    } catch {
      details = {};
    }
    return { id: String(r.id), mediumId: r.medium_id, label: r.label, action: r.action, at: asDate(r.at), recordId: r.record_id, details, toStatus: r.to_status };
  });
}

/** Reads the depositor's month. `from`/`to`: the month's first instant and the next month's. */
export async function monthFacts(db: Knex, depositor: { id: string; name: string }, from: Date, to: Date): Promise<MonthFacts> {
  const holdings = await holdingsAt(db, depositor.id, to);
  const steps = await stepsIn(db, depositor.id, from, to);
  const recordIds = [...new Set(steps.filter((s) => s.recordId).map((s) => s.recordId!))];

  const certificates = new Map<string, string>();
  const transfers = new Map<string, { destination: string; method: string }>();
  if (recordIds.length) {
    for (const r of (await db('destructions').whereIn('record_id', recordIds).select('record_id', 'certificate_no')) as Array<{ record_id: string; certificate_no: string }>) certificates.set(r.record_id, r.certificate_no);
    const t = (await db('transfers')
      .where((w) => w.whereIn('record_id', recordIds).orWhereIn('receipt_record_id', recordIds))
      .select('record_id', 'receipt_record_id', 'destination', 'method')) as Array<{ record_id: string; receipt_record_id: string | null; destination: string; method: string }>;
    for (const r of t) {
      transfers.set(r.record_id, { destination: r.destination, method: r.method });
      if (r.receipt_record_id) transfers.set(r.receipt_record_id, { destination: r.destination, method: r.method });
    }
  }

  // This depositor's media, and the rooms their homes are in: what an inspection or a finding may name.
  const own = (await db('media as m').join('locations as l', 'l.id', 'm.home_location_id').where('m.depositor_org_id', depositor.id).select('m.id', 'm.label', 'm.home_location_id', 'l.room_id')) as Array<{
    id: string;
    label: string;
    home_location_id: string;
    room_id: string;
  }>;
  const labelOf = new Map(own.map((m) => [m.id, m.label]));
  const homeLocations = [...new Set(own.map((m) => m.home_location_id))];
  const rooms = new Set(own.map((m) => m.room_id));

  const inspectionRows = (await db('inspections as i')
    .join('locations as l', 'l.id', 'i.location_id')
    .join('rooms as r', 'r.id', 'l.room_id')
    .join('people as p', 'p.id', 'i.inspector_person_id')
    .where('i.at', '>=', from)
    .where('i.at', '<', to)
    .orderBy([{ column: 'i.at' }, { column: 'i.id' }])
    .select('i.id', 'i.at', 'i.month', 'i.location_id', 'i.record_id', 'i.expected_ids', 'i.missing_ids', 'i.unexpected_ids', 'l.name as location_name', 'r.name as room_name', 'p.name as inspector_name')) as Array<{
    id: string;
    at: Date;
    month: string;
    location_id: string;
    record_id: string;
    expected_ids: string[];
    missing_ids: string[];
    unexpected_ids: string[];
    location_name: string;
    room_name: string;
    inspector_name: string;
  }>;
  const ownIds = (ids: string[]) => ids.filter((id) => labelOf.has(id));
  const inspections: InspectionFact[] = inspectionRows
    .filter((i) => homeLocations.includes(i.location_id) || ownIds([...i.expected_ids, ...i.missing_ids, ...i.unexpected_ids]).length > 0)
    .map((i) => ({
      id: i.id,
      at: asDate(i.at),
      month: i.month,
      locationName: i.location_name,
      roomName: i.room_name,
      inspectorName: i.inspector_name,
      recordId: i.record_id,
      expected: ownIds(i.expected_ids).length,
      missing: ownIds(i.missing_ids).map((id) => labelOf.get(id)!),
      unexpected: ownIds(i.unexpected_ids).map((id) => labelOf.get(id)!),
    }));

  // Weekly reviews whose week overlaps the month: the findings about this depositor's media or
  // rooms, and those about neither (site-wide); the comments stay out (free text may name anyone).
  const reviewRows = (await db('reviews').where('period_from', '<', to).where('period_to', '>', from).orderBy('period_from').select('week', 'signed_at', 'record_id', 'findings')) as Array<{
    week: string;
    signed_at: Date;
    record_id: string;
    findings: string;
  }>;
  const reviews: ReviewFact[] = reviewRows.map((r) => {
    const findings = JSON.parse(r.findings) as Array<{ kind: string; severity: string; at: string; disposition: string; evidenceCount: number; roomIds: string[]; mediumIds: string[] }>;
    return {
      week: r.week,
      signedAt: asDate(r.signed_at),
      recordId: r.record_id,
      findings: findings
        .map((f) => {
          const siteWide = f.roomIds.length === 0 && f.mediumIds.length === 0;
          const mine = f.mediumIds.filter((id) => labelOf.has(id));
          const concerns = siteWide || mine.length > 0 || f.roomIds.some((id) => rooms.has(id));
          return concerns ? { kind: f.kind, severity: f.severity, at: f.at, disposition: f.disposition, evidenceCount: f.evidenceCount, labels: mine.map((id) => labelOf.get(id)!), siteWide } : null;
        })
        .filter((f): f is NonNullable<typeof f> => f !== null),
    };
  });

  const appointmentRows = (await db('depositor_appointments as d')
    .join('people as p', 'p.id', 'd.person_id')
    .where('d.depositor_org_id', depositor.id)
    .where((w) =>
      w
        .where((x) => x.where('d.appointed_at', '>=', from).where('d.appointed_at', '<', to))
        .orWhere((x) => x.where('d.ended_at', '>=', from).where('d.ended_at', '<', to))
        .orWhere((x) => x.where('p.left_at', '>=', from).where('p.left_at', '<', to)),
    )
    .orderBy('d.appointed_at')
    .select('d.role', 'p.name', 'd.appointed_at', 'd.ended_at', 'd.ended_reason', 'p.left_at')) as Array<{ role: string; name: string; appointed_at: Date; ended_at: Date | null; ended_reason: string | null; left_at: Date | null }>;
  const appointments = appointmentRows.map((a) => ({
    role: a.role,
    personName: a.name,
    appointedAt: asDate(a.appointed_at),
    endedAt: asDateOrNull(a.ended_at),
    endedReason: a.ended_reason,
    leftAt: a.left_at && asDate(a.left_at) >= from && asDate(a.left_at) < to ? asDate(a.left_at) : null,
  }));

  const trainings = (
    (await db('trainings as t')
      .where('t.held_at', '>=', from)
      .where('t.held_at', '<', to)
      .orderBy('t.held_at')
      .select('t.title', 't.held_at', 't.method', db.raw('(SELECT count(*) FROM training_participants tp WHERE tp.training_id = t.id) AS participants'))) as Array<{ title: string; held_at: Date; method: string; participants: string | number }>
  ).map((t) => ({ title: t.title, heldAt: asDate(t.held_at), method: t.method, participants: Number(t.participants) }));

  const drills = ((await db('drills').where('held_at', '>=', from).where('held_at', '<', to).orderBy('held_at').select('kind', 'held_at', 'findings', 'standby_site')) as Array<{ kind: string; held_at: Date; findings: string; standby_site: string | null }>).map(
    (d) => ({ kind: d.kind, heldAt: asDate(d.held_at), findings: d.findings, standbySite: d.standby_site }),
  );

  const notices = (
    (await db('notices').where('org_id', depositor.id).where('created_at', '>=', from).where('created_at', '<', to).orderBy([{ column: 'created_at' }, { column: 'id' }]).select('created_at', 'kind', 'subject', 'recipient_name', 'status', 'sent_at')) as Array<{
      created_at: Date;
      kind: string;
      subject: string;
      recipient_name: string;
      status: string;
      sent_at: Date | null;
    }>
  ).map((n) => ({ createdAt: asDate(n.created_at), kind: n.kind, subject: n.subject, recipientName: n.recipient_name, status: n.status, sentAt: asDateOrNull(n.sent_at) }));

  return { depositor, holdings, steps, certificates, transfers, inspections, reviews, appointments, trainings, drills, notices };
}

/** The report of this depositor and month, if signed; and a report by its number (the public check). */
export async function reportPrint(db: Knex, reportId: string, printNo: number) {
  return (await db('monthly_report_prints as c')
    .join('people as p', 'p.id', 'c.present_person_id')
    .join('people as b', 'b.id', 'c.printed_by_person_id')
    .where({ 'c.report_id': reportId, 'c.print_no': printNo })
    .first('c.*', 'p.name as present_name', 'b.name as printed_by_name', db.raw('extract(epoch FROM now() - c.printed_at)::int AS age_seconds'))) as
    | { print_no: number; printed_by: string; printed_by_name: string; printed_at: Date; present_name: string; record_id: string; age_seconds: number }
    | undefined;
}

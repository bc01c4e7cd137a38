// Read model of the compliance view (issue 18): the facts each clause's rule decides on, read from
// the tables of the modules that own them — people (appointments per depositor, interviews,
// notifications, NDAs, trainings, consents, the fire-prevention manager), notices, custody
// alerts, media, rooms, badges, backups and restore drills, the access log, inspections, reviews —
// and the compliance module's own drills and attestations. Writes nothing. Each reader answers one
// question in a statement or two, bounded by indexes, so the whole view stays cheap on a big site.
import type { Knex } from 'knex';
import type { OpeningHours } from '../rooms/service.js';
import { roomHours } from '../rooms/rules.js';
import type { AfterHoursFact, AttestationFact, BackupFact, DepositorFact, DoorsFact, DrillFact, LocationFact, TraineeFact } from './rules.js';

const asDate = (d: Date | string): Date => (d instanceof Date ? d : new Date(d));
/** Rows grouped by a key, in their order (one pass; the view must not be quadratic in people × rows). */
function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}
const asNumber = (n: unknown): number => Number(n ?? 0);

// ---- E1.1 ----------------------------------------------------------------------------------

/** Every depositor (or the one asked about), with its appointments, interviews and the notices of its appointees' leaves. */
export async function depositorFacts(db: Knex, depositorOrgId?: string): Promise<DepositorFact[]> {
  const q = db('organisations').where({ kind: 'depositor' }).orderBy('name').select('id', 'name');
  if (depositorOrgId) q.where({ id: depositorOrgId });
  const depositors = (await q) as Array<{ id: string; name: string }>;
  if (depositors.length === 0) return [];
  const appointments = (await db('depositor_appointments as d')
    .join('people as p', 'p.id', 'd.person_id')
    .whereIn('d.depositor_org_id', depositors.map((d) => d.id))
    .where((w) => w.whereNull('d.ended_at').orWhereIn('d.ended_reason', ['resigned', 'transferred']))
    .select('d.id', 'd.depositor_org_id', 'd.role', 'd.person_id', 'd.appointed_at', 'd.ended_at', 'p.name', 'p.left_at', 'p.roles')) as Array<{
    id: string;
    depositor_org_id: string;
    role: 'responsible' | 'staff';
    person_id: string;
    appointed_at: Date;
    ended_at: Date | null;
    name: string;
    left_at: Date | null;
    roles: string[];
  }>;
  const current = appointments.filter((a) => !a.ended_at);
  const ended = appointments.filter((a) => a.ended_at);
  const interviews = current.length
    ? ((await db('appointment_interviews').whereIn('appointment_id', current.map((a) => a.id)).orderBy('held_at').select('id', 'appointment_id', 'held_at')) as Array<{ id: string; appointment_id: string; held_at: Date }>)
    : [];
  const leftPeople = [...new Set(ended.map((a) => a.person_id))];
  const notifications = leftPeople.length
    ? ((await db('notifications').where({ kind: 'personnel_change' }).whereIn('person_id', leftPeople).select('id', 'person_id', 'depositor_org_id')) as Array<{ id: string; person_id: string; depositor_org_id: string | null }>)
    : [];
  const notices = leftPeople.length
    ? ((await db('notices').whereIn('cause_subject', leftPeople.map((id) => `person:${id}`)).where({ kind: 'personnel_change' }).select('id', 'cause_subject', 'org_id', 'status')) as Array<{ id: string; cause_subject: string; org_id: string | null; status: string }>)
    : [];
  const QUALIFYING: Record<string, string[]> = { responsible: ['responsible'], staff: ['staff', 'authorized', 'responsible'] };
  return depositors.map((d) => ({
    id: d.id,
    name: d.name,
    current: current
      .filter((a) => a.depositor_org_id === d.id)
      .map((a) => ({
        id: a.id,
        role: a.role,
        personId: a.person_id,
        personName: a.name,
        personLeft: a.left_at !== null,
        holdsRole: (a.roles ?? []).some((r) => QUALIFYING[a.role]!.includes(r)),
        appointedAt: asDate(a.appointed_at),
        interviews: interviews.filter((i) => i.appointment_id === a.id).map((i) => ({ id: i.id, heldAt: asDate(i.held_at) })),
      })),
    left: ended
      .filter((a) => a.depositor_org_id === d.id)
      .map((a) => ({
        appointmentId: a.id,
        personId: a.person_id,
        personName: a.name,
        endedAt: asDate(a.ended_at!),
        notificationIds: notifications.filter((n) => n.person_id === a.person_id && n.depositor_org_id === d.id).map((n) => n.id),
        notices: notices.filter((n) => n.cause_subject === `person:${a.person_id}` && n.org_id === d.id).map((n) => ({ id: n.id, status: n.status })),
      })),
  }));
}

// ---- E1.2 ----------------------------------------------------------------------------------

/** Media checked out now, with their room's opening hours (null: the room has none). */
export async function checkedOutMedia(db: Knex): Promise<Array<{ mediumId: string; label: string; hours: OpeningHours | null }>> {
  const rows = (await db('media as m')
    .join('locations as l', 'l.id', 'm.home_location_id')
    .join('rooms as r', 'r.id', 'l.room_id')
    .where('m.status', 'checked_out')
    .orderBy('m.label')
    .limit(1000)
    .select('m.id', 'm.label', 'r.hours_days', 'r.hours_from', 'r.hours_to')) as Array<{ id: string; label: string; hours_days: number[] | null; hours_from: string | null; hours_to: string | null }>;
  return rows.map((r) => ({ mediumId: r.id, label: r.label, hours: roomHours(r) }));
}

export async function alertFacts(db: Knex): Promise<Omit<AfterHoursFact, 'heldOutsideHours'>> {
  const unack = (await db('custody_alerts as a')
    .join('media as m', 'm.id', 'a.medium_id')
    .whereNull('a.acknowledged_at')
    .orderBy('a.raised_at', 'desc')
    .limit(200)
    .select('a.id', 'a.medium_id', 'm.label', 'a.raised_at')) as Array<{ id: string | number; medium_id: string; label: string; raised_at: Date }>;
  const acked = (await db('custody_alerts').whereNotNull('acknowledged_at').orderBy('acknowledged_at', 'desc').limit(5).select('id', 'acknowledged_at')) as Array<{ id: string | number; acknowledged_at: Date }>;
  return {
    unacknowledged: unack.map((a) => ({ id: String(a.id), mediumId: a.medium_id, label: a.label, raisedAt: asDate(a.raised_at) })),
    acknowledged: acked.map((a) => ({ id: String(a.id), at: asDate(a.acknowledged_at) })),
  };
}

// ---- E2.12, E2.13 --------------------------------------------------------------------------

export async function backupFacts(db: Knex): Promise<BackupFact> {
  const ok = (await db('backups').where({ status: 'ok' }).whereNotNull('finished_at').orderBy('finished_at', 'desc').first('id', 'finished_at', 'taken_by', 'taken_by_person_id', 'medium_location')) as
    | { id: string; finished_at: Date; taken_by: string; taken_by_person_id: string | null; medium_location: string | null }
    | undefined;
  const failedQ = db('backups').where({ status: 'failed' }).orderBy('started_at', 'desc');
  if (ok) failedQ.where('started_at', '>', ok.finished_at);
  const failed = (await failedQ.first('id', 'started_at', 'error')) as { id: string; started_at: Date; error: string | null } | undefined;
  return {
    lastOk: ok ? { id: ok.id, finishedAt: asDate(ok.finished_at), takenBy: ok.taken_by, takenByPersonId: ok.taken_by_person_id, mediumLocation: ok.medium_location } : null,
    lastFailed: failed ? { id: failed.id, startedAt: asDate(failed.started_at), error: failed.error } : null,
  };
}

// ---- E2.15 ---------------------------------------------------------------------------------

/** Rows of the access log since the start of the site's day (counted up to 10,000), and the latest one's time. */
export async function accessLogFacts(db: Knex, dayStart: Date): Promise<{ rowsToday: number; lastAt: Date | null }> {
  const { rows } = await db.raw('SELECT count(*)::int AS n FROM (SELECT 1 FROM access_log WHERE at >= ? LIMIT 10000) x', [dayStart]);
  const last = (await db('access_log').max({ at: 'at' }).first()) as { at: Date | null } | undefined;
  return { rowsToday: asNumber((rows[0] as { n: number }).n), lastAt: last?.at ? asDate(last.at) : null };
}

// ---- E4.1 ----------------------------------------------------------------------------------

export async function locationFacts(db: Knex, months: string[]): Promise<LocationFact[]> {
  const locations = (await db('locations').orderBy('name').select('id', 'name')) as Array<{ id: string; name: string }>;
  const inspections = (await db('inspections').whereIn('month', months).select('id', 'location_id', 'month', 'at')) as Array<{ id: string; location_id: string; month: string; at: Date }>;
  const byLocation = groupBy(inspections, (i) => i.location_id);
  return locations.map((l) => ({ id: l.id, name: l.name, inspections: (byLocation.get(l.id) ?? []).map((i) => ({ id: i.id, month: i.month, at: asDate(i.at) })) }));
}

// ---- E4.2 ----------------------------------------------------------------------------------

export async function signedReview(db: Knex, week: string): Promise<{ week: string; recordId: string; signedAt: Date } | null> {
  const row = (await db('reviews').where({ week }).first('week', 'record_id', 'signed_at')) as { week: string; record_id: string; signed_at: Date } | undefined;
  return row ? { week: row.week, recordId: row.record_id, signedAt: asDate(row.signed_at) } : null;
}

// ---- E5 ------------------------------------------------------------------------------------

/** Everyone (not left) on a secure room's access list, with the trainings they took part in since `since`. */
export async function traineeFacts(db: Knex, since: Date): Promise<{ people: TraineeFact[]; trainingsEver: number }> {
  const people = (await db('people as p')
    .whereNull('p.left_at')
    .whereExists(db('room_access as ra').join('rooms as r', 'r.id', 'ra.room_id').whereRaw('ra.person_id = p.id').where('r.kind', 'secure'))
    .orderBy('p.name')
    .select('p.id', 'p.name')) as Array<{ id: string; name: string }>;
  const trainings = people.length
    ? ((await db('training_participants as tp')
        .join('trainings as t', 't.id', 'tp.training_id')
        .whereIn('tp.person_id', people.map((p) => p.id))
        .where('t.held_at', '>=', since)
        .select('tp.person_id', 't.id', 't.held_at', 't.topics')) as Array<{ person_id: string; id: string; held_at: Date; topics: string[] | null }>)
    : [];
  const ever = (await db('trainings').count({ n: '*' }).first()) as { n: unknown } | undefined;
  const byPerson = groupBy(trainings, (t) => t.person_id);
  return {
    people: people.map((p) => ({ personId: p.id, name: p.name, trainings: (byPerson.get(p.id) ?? []).map((t) => ({ id: t.id, heldAt: asDate(t.held_at), topics: t.topics ?? [] })) })),
    trainingsEver: asNumber(ever?.n),
  };
}

// ---- E8, M6.3 ------------------------------------------------------------------------------

const LIVE_BADGE = 'b.revoked_at IS NULL AND b.valid_from <= now() AND (b.valid_until IS NULL OR b.valid_until > now())';

export async function subcontractorFacts(db: Knex): Promise<Array<{ orgId: string; name: string; liveBadges: number; validConsentIds: string[] }>> {
  const orgs = (await db('organisations as o')
    .where('o.kind', 'subcontractor')
    .select('o.id', 'o.name', db.raw(`(SELECT count(*)::int FROM badges b JOIN people p ON p.id = b.person_id WHERE p.org_id = o.id AND p.left_at IS NULL AND ${LIVE_BADGE}) AS live_badges`))) as Array<{ id: string; name: string; live_badges: number }>;
  const consents = orgs.length
    ? ((await db('org_consents')
        .whereIn('org_id', orgs.map((o) => o.id))
        .where('granted_at', '<=', db.fn.now())
        .where((q) => q.whereNull('expires_at').orWhere('expires_at', '>', db.fn.now()))
        .select('id', 'org_id')) as Array<{ id: string; org_id: string }>)
    : [];
  const byOrg = groupBy(consents, (c) => c.org_id);
  return orgs.map((o) => ({ orgId: o.id, name: o.name, liveBadges: asNumber(o.live_badges), validConsentIds: (byOrg.get(o.id) ?? []).map((c) => c.id) }));
}

/** People from outside the contractor (not left) with a live badge and access to a secure room, with their valid NDAs (as the door judges them). */
export async function externalFacts(db: Knex): Promise<Array<{ personId: string; name: string; validNdaIds: string[] }>> {
  const people = (await db('people as p')
    .join('organisations as o', 'o.id', 'p.org_id')
    .whereNull('p.left_at')
    .whereNot('o.kind', 'contractor')
    .whereExists(db('badges as b').whereRaw('b.person_id = p.id').whereRaw(LIVE_BADGE))
    .whereExists(db('room_access as ra').join('rooms as r', 'r.id', 'ra.room_id').whereRaw('ra.person_id = p.id').where('r.kind', 'secure'))
    .orderBy('p.name')
    .select('p.id', 'p.name')) as Array<{ id: string; name: string }>;
  const ndas = people.length
    ? ((await db('ndas')
        .whereIn('person_id', people.map((p) => p.id))
        .where('signed_at', '<=', db.fn.now())
        .where((q) => q.whereNull('expires_at').orWhere('expires_at', '>', db.fn.now()))
        .select('id', 'person_id')) as Array<{ id: string; person_id: string }>)
    : [];
  const byPerson = groupBy(ndas, (n) => n.person_id);
  return people.map((p) => ({ personId: p.id, name: p.name, validNdaIds: (byPerson.get(p.id) ?? []).map((n) => n.id) }));
}

// ---- E9.1, E9.2 ----------------------------------------------------------------------------

export async function fireFacts(db: Knex): Promise<{ manager: { id: string; personName: string; appointedAt: Date } | null; lastDrill: DrillFact | null }> {
  const m = (await db('fire_prevention_managers as f').join('people as p', 'p.id', 'f.person_id').whereNull('f.ended_at').whereNull('p.left_at').first('f.id', 'p.name', 'f.appointed_at')) as
    | { id: string; name: string; appointed_at: Date }
    | undefined;
  const d = (await db('drills').where({ kind: 'fire' }).orderBy('held_at', 'desc').first('id', 'held_at')) as { id: string; held_at: Date } | undefined;
  return { manager: m ? { id: m.id, personName: m.name, appointedAt: asDate(m.appointed_at) } : null, lastDrill: d ? { id: d.id, heldAt: asDate(d.held_at) } : null };
}

export async function migrationFacts(db: Knex): Promise<{ lastManual: DrillFact | null; lastRestore: (DrillFact & { verified: boolean }) | null; lastVerifiedRestore: DrillFact | null }> {
  const manual = (await db('drills').where({ kind: 'migration' }).orderBy('held_at', 'desc').first('id', 'held_at')) as { id: string; held_at: Date } | undefined;
  const restore = (await db('restore_drills').orderBy('finished_at', 'desc').first('id', 'finished_at', 'verified')) as { id: string; finished_at: Date; verified: boolean } | undefined;
  const verified = (await db('restore_drills').where({ verified: true }).orderBy('finished_at', 'desc').first('id', 'finished_at')) as { id: string; finished_at: Date } | undefined;
  return {
    lastManual: manual ? { id: manual.id, heldAt: asDate(manual.held_at) } : null,
    lastRestore: restore ? { id: restore.id, heldAt: asDate(restore.finished_at), verified: restore.verified } : null,
    lastVerifiedRestore: verified ? { id: verified.id, heldAt: asDate(verified.finished_at) } : null,
  };
}

// ---- Attestations --------------------------------------------------------------------------

/** The latest attestation of each clause, with the signer's name. */
export async function latestAttestations(db: Knex): Promise<Map<string, AttestationFact>> {
  const { rows } = (await db.raw(
    `SELECT DISTINCT ON (a.clause_id) a.id, a.clause_id, a.record_id, a.attested_at, a.expires_at, p.name
       FROM compliance_attestations a JOIN people p ON p.id = a.signed_by
      ORDER BY a.clause_id, a.attested_at DESC, a.id DESC`,
  )) as { rows: Array<{ id: string; clause_id: string; record_id: string; attested_at: Date; expires_at: Date; name: string }> };
  return new Map(rows.map((r) => [r.clause_id, { id: r.id, clauseId: r.clause_id, recordId: r.record_id, attestedAt: asDate(r.attested_at), expiresAt: asDate(r.expires_at), signedByName: r.name }]));
}

// ---- E6.4: doors (issue 20) ---------------------------------------------------------------

/** Live doors with their last heartbeat, and the door alarms not acknowledged (doors module's tables). */
export async function doorsFacts(db: Knex): Promise<DoorsFact> {
  const doors = (await db('doors as d')
    .join('rooms as r', 'r.id', 'd.room_id')
    .leftJoin('door_status as s', 's.door_id', 'd.id')
    .whereNull('d.revoked_at')
    .orderBy([{ column: 'r.name' }, { column: 'd.name' }])
    .select('d.id', 'd.name', 'r.name as room_name', 'd.created_at', 's.heartbeat_received_at')) as Array<{ id: string; name: string; room_name: string; created_at: Date; heartbeat_received_at: Date | null }>;
  const alarms = (await db('door_alarms as a')
    .join('rooms as r', 'r.id', 'a.room_id')
    .leftJoin('doors as d', 'd.id', 'a.door_id')
    .whereNull('a.acknowledged_at')
    .orderBy('a.raised_at')
    .select('a.id', 'a.kind', 'd.name as door_name', 'r.name as room_name', 'a.raised_at')) as Array<{ id: string; kind: string; door_name: string | null; room_name: string; raised_at: Date }>;
  return {
    doors: doors.map((d) => ({ id: d.id, name: d.name, roomName: d.room_name, registeredAt: asDate(d.created_at), heartbeatReceivedAt: d.heartbeat_received_at ? asDate(d.heartbeat_received_at) : null })),
    openAlarms: alarms.map((a) => ({ id: a.id, kind: a.kind, doorName: a.door_name, roomName: a.room_name, raisedAt: asDate(a.raised_at) })),
  };
}

/** Whether this organisation is a depositor (the view for one depositor: 404 otherwise). */
export async function isDepositor(db: Knex, orgId: string): Promise<boolean> {
  return Boolean(await db('organisations').where({ id: orgId, kind: 'depositor' }).first('id'));
}

// ---- The journal's witnesses (issue 19, item 5) ------------------------------------------------

/** Open witness alarms (a witness refused a checkpoint as a fork or a rollback: 422, or a larger size than ours), newest first. */
export async function witnessAlarmFacts(db: Knex): Promise<Array<{ vkey: string; origin: string; message: string | null; at: Date }>> {
  const rows = (await db('journal_witnesses').whereNotNull('alarm_at').orderBy('alarm_at', 'desc').limit(50).select('vkey', 'origin', 'message', 'alarm_at')) as Array<{ vkey: string; origin: string; message: string | null; alarm_at: Date }>;
  return rows.map((r) => ({ vkey: r.vkey, origin: r.origin, message: r.message, at: asDate(r.alarm_at) }));
}

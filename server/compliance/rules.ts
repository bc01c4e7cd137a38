// The compliance view's rules (issue 18): one plain function per kind of clause, from facts read
// in SQL (./facts.read-model.ts) to a status with its reason and the evidence it rests on. No
// database, no clock: `now` is a fact. Each outcome has a unit test
// (test/unit/compliance-rules.test.ts).
//
// Statuses:
//   ok         the records show the rule is met (or the code enforces it at every request);
//   attention  the records show a breach, or something stale or unfinished;
//   missing    the record that would show it does not exist;
//   manual     a clause only a person can state, not attested (or never);
//   unknown    the facts could not be read — never an ok by default.

export const STATUSES = ['attention', 'missing', 'unknown', 'manual', 'ok'] as const;
export type Status = (typeof STATUSES)[number];

/** The order rows are shown in: those needing attention first. */
export const STATUS_ORDER: Record<Status, number> = { attention: 0, missing: 1, unknown: 2, manual: 3, ok: 4 };

export interface Evidence {
  /** What the id names: appointment, interview, notification, notice, alert, medium, backup, … */
  type: string;
  id: string;
  /** Where it is shown through the API, when it is. */
  href: string | null;
}

export interface Reason {
  code: string;
  params: Record<string, string | number>;
}

export interface Verdict {
  status: Status;
  reasons: Reason[];
  evidence: Evidence[];
  /** The newest record the verdict rests on, when there is one. */
  evidenceAt: Date | null;
}

/** A fact read from the database, or why it could not be. */
export type Fact<T> = { ok: true; value: T } | { ok: false; error: string };

import { isOffline } from '../doors/alarm-rules.js';

const DAY = 86_400_000;
const reason = (code: string, params: Record<string, string | number> = {}): Reason => ({ code, params });
const newest = (dates: Array<Date | null | undefined>): Date | null => dates.reduce<Date | null>((a, d) => (d && (!a || d.getTime() > a.getTime()) ? d : a), null);
/** Twelve months back, as a year back (drills, trainings). */
export const yearBefore = (now: Date): Date => {
  const d = new Date(now.getTime());
  d.setUTCFullYear(d.getUTCFullYear() - 1);
  return d;
};
const MAX_LISTED = 20;
const names = (xs: string[]) => (xs.length > MAX_LISTED ? `${xs.slice(0, MAX_LISTED).join(', ')}, … (${xs.length})` : xs.join(', '));

/** A rule over a fact that may be missing: unknown with the reason, never a default ok. */
export function withFact<T>(fact: Fact<T>, rule: (value: T) => Verdict): Verdict {
  if (!fact.ok) return { status: 'unknown', reasons: [reason('facts_unavailable', { error: fact.error })], evidence: [], evidenceAt: null };
  try {
    return rule(fact.value);
  } catch (err) {
    return { status: 'unknown', reasons: [reason('rule_failed', { error: err instanceof Error ? err.message : String(err) })], evidence: [], evidenceAt: null };
  }
}

// ---- E1.1 ----------------------------------------------------------------------------------

export interface AppointmentFact {
  id: string;
  role: 'responsible' | 'staff';
  personId: string;
  personName: string;
  personLeft: boolean;
  /** Still holds a role that qualifies (responsible; staff, authorized or responsible). */
  holdsRole: boolean;
  appointedAt: Date;
  interviews: Array<{ id: string; heldAt: Date }>;
}

export interface DepositorFact {
  id: string;
  name: string;
  /** Current appointments (not ended). */
  current: AppointmentFact[];
  /** Appointments that ended because their person resigned or was transferred. */
  left: Array<{ appointmentId: string; personId: string; personName: string; endedAt: Date; notificationIds: string[]; notices: Array<{ id: string; status: string }> }>;
}

/**
 * E1.1: each depositor has a current responsible person and staff member, each still holding the
 * role and with a recorded interview (面談) with the depositor; every leave or transfer of an
 * appointee was noticed to the depositor, and — when mail is configured — the notice delivered.
 */
export function appointmentsRule(depositors: DepositorFact[], mailConfigured: boolean): Verdict {
  if (depositors.length === 0) return { status: 'missing', reasons: [reason('no_depositor')], evidence: [], evidenceAt: null };
  const reasons: Reason[] = [];
  const evidence: Evidence[] = [];
  const dates: Array<Date | null> = [];
  let anyAppointment = false;
  for (const d of depositors) {
    const href = `/api/depositor-appointments?depositorOrgId=${d.id}`;
    for (const role of ['responsible', 'staff'] as const) {
      const a = d.current.find((x) => x.role === role);
      if (!a) {
        reasons.push(reason('not_appointed', { depositor: d.name, role }));
        continue;
      }
      anyAppointment = true;
      evidence.push({ type: 'appointment', id: a.id, href });
      dates.push(a.appointedAt);
      if (a.personLeft) reasons.push(reason('appointee_left', { depositor: d.name, role, person: a.personName }));
      else if (!a.holdsRole) reasons.push(reason('role_not_held', { depositor: d.name, role, person: a.personName }));
      if (a.interviews.length === 0) reasons.push(reason('no_interview', { depositor: d.name, role, person: a.personName }));
      for (const i of a.interviews) {
        evidence.push({ type: 'interview', id: i.id, href });
        dates.push(i.heldAt);
      }
    }
    for (const l of d.left) {
      if (l.notificationIds.length === 0) {
        reasons.push(reason('leave_not_noticed', { depositor: d.name, person: l.personName }));
        continue;
      }
      for (const id of l.notificationIds) evidence.push({ type: 'notification', id, href: '/api/notifications' });
      for (const n of l.notices) evidence.push({ type: 'notice', id: n.id, href: `/api/notices/${n.id}` });
      dates.push(l.endedAt);
      if (mailConfigured) {
        if (l.notices.some((n) => n.status === 'failed')) reasons.push(reason('notice_failed', { depositor: d.name, person: l.personName }));
        else if (!l.notices.some((n) => n.status === 'sent')) reasons.push(reason('notice_not_delivered', { depositor: d.name, person: l.personName }));
      }
    }
  }
  if (reasons.length === 0) return { status: 'ok', reasons: [reason('appointed_and_interviewed', { depositors: depositors.length })], evidence, evidenceAt: newest(dates) };
  return { status: anyAppointment ? 'attention' : 'missing', reasons, evidence, evidenceAt: newest(dates) };
}

// ---- E1.2 ----------------------------------------------------------------------------------

export interface AfterHoursFact {
  /** Media checked out now while their room (or, without room hours, the site) is outside its hours. */
  heldOutsideHours: Array<{ mediumId: string; label: string }>;
  /** After-hours alerts nobody has acknowledged. */
  unacknowledged: Array<{ id: string; mediumId: string; label: string; raisedAt: Date }>;
  /** The latest acknowledged alerts (evidence that alerts were dealt with). */
  acknowledged: Array<{ id: string; at: Date }>;
}

/** E1.2: no medium is checked out now outside working hours, and no after-hours alert waits for acknowledgement. */
export function afterHoursRule(f: AfterHoursFact): Verdict {
  const reasons: Reason[] = [];
  const evidence: Evidence[] = [];
  if (f.heldOutsideHours.length > 0) {
    reasons.push(reason('held_outside_hours', { count: f.heldOutsideHours.length, labels: names(f.heldOutsideHours.map((m) => m.label)) }));
    for (const m of f.heldOutsideHours) evidence.push({ type: 'medium', id: m.mediumId, href: `/api/media/${m.mediumId}` });
  }
  if (f.unacknowledged.length > 0) {
    reasons.push(reason('alerts_unacknowledged', { count: f.unacknowledged.length, labels: names([...new Set(f.unacknowledged.map((a) => a.label))]) }));
    for (const a of f.unacknowledged) evidence.push({ type: 'alert', id: a.id, href: '/api/custody/alerts?unacknowledged=true' });
  }
  if (reasons.length > 0) return { status: 'attention', reasons, evidence, evidenceAt: newest(f.unacknowledged.map((a) => a.raisedAt)) };
  return {
    status: 'ok',
    reasons: [reason('all_locked', { acknowledged: f.acknowledged.length })],
    evidence: f.acknowledged.map((a) => ({ type: 'alert', id: a.id, href: '/api/custody/alerts?unacknowledged=false' })),
    evidenceAt: newest(f.acknowledged.map((a) => a.at)),
  };
}

// ---- E2.12, E2.13 --------------------------------------------------------------------------

export interface BackupFact {
  /** The latest successful backup. */
  lastOk: { id: string; finishedAt: Date; takenBy: string; takenByPersonId: string | null; mediumLocation: string | null } | null;
  /** The latest attempt, if it failed after the last success. */
  lastFailed: { id: string; startedAt: Date; error: string | null } | null;
}

export const BACKUP_MAX_AGE_HOURS = 26;

/** E2.12: the last successful backup is less than 26 hours old. */
export function backupDailyRule(f: BackupFact, now: Date): Verdict {
  const failed: Evidence[] = f.lastFailed ? [{ type: 'backup', id: f.lastFailed.id, href: '/api/backups' }] : [];
  if (!f.lastOk) return { status: 'missing', reasons: [reason('no_backup'), ...(f.lastFailed ? [reason('backup_failed', { error: f.lastFailed.error ?? '' })] : [])], evidence: failed, evidenceAt: f.lastFailed?.startedAt ?? null };
  const hours = Math.floor((now.getTime() - f.lastOk.finishedAt.getTime()) / 3_600_000);
  const evidence = [{ type: 'backup', id: f.lastOk.id, href: '/api/backups' }, ...failed];
  if (now.getTime() - f.lastOk.finishedAt.getTime() >= BACKUP_MAX_AGE_HOURS * 3_600_000) {
    return { status: 'attention', reasons: [reason('backup_old', { hours, max: BACKUP_MAX_AGE_HOURS }), ...(f.lastFailed ? [reason('backup_failed', { error: f.lastFailed.error ?? '' })] : [])], evidence, evidenceAt: f.lastOk.finishedAt };
  }
  return { status: 'ok', reasons: [reason('backup_recent', { hours })], evidence, evidenceAt: f.lastOk.finishedAt };
}

/** E2.13: the last successful backup is recorded with who took it and where its medium is kept. */
export function backupCustodyRule(f: BackupFact): Verdict {
  if (!f.lastOk) return { status: 'missing', reasons: [reason('no_backup')], evidence: [], evidenceAt: null };
  const evidence = [{ type: 'backup', id: f.lastOk.id, href: '/api/backups' }];
  if (!f.lastOk.mediumLocation) return { status: 'attention', reasons: [reason('medium_location_missing')], evidence, evidenceAt: f.lastOk.finishedAt };
  if (!f.lastOk.takenBy) return { status: 'attention', reasons: [reason('taken_by_missing')], evidence, evidenceAt: f.lastOk.finishedAt };
  return { status: 'ok', reasons: [reason('backup_recorded', { takenBy: f.lastOk.takenBy, location: f.lastOk.mediumLocation })], evidence, evidenceAt: f.lastOk.finishedAt };
}

// ---- E2.15 ---------------------------------------------------------------------------------

export const MIN_RETENTION_MONTHS = 3;

/** E2.15: access-log retention of at least 3 months, and the log has rows for today. */
export function accessLogRule(f: { retentionMonths: number; rowsToday: number; lastAt: Date | null }): Verdict {
  const reasons: Reason[] = [];
  if (f.retentionMonths < MIN_RETENTION_MONTHS) reasons.push(reason('retention_short', { months: f.retentionMonths, min: MIN_RETENTION_MONTHS }));
  if (f.rowsToday === 0) reasons.push(reason('no_rows_today'));
  const evidence = [{ type: 'access_log', id: 'today', href: '/api/access-log' }];
  if (reasons.length > 0) return { status: 'attention', reasons, evidence, evidenceAt: f.lastAt };
  return { status: 'ok', reasons: [reason('access_logged', { months: f.retentionMonths, rows: f.rowsToday })], evidence, evidenceAt: f.lastAt };
}

// ---- E3.6, E3.11: settings the code enforces ------------------------------------------------

/** E3.6: sessions end after at most 5 idle minutes. */
export function sessionIdleRule(idleSeconds: number): Verdict {
  if (idleSeconds > 300) return { status: 'attention', reasons: [reason('idle_too_long', { seconds: idleSeconds })], evidence: [], evidenceAt: null };
  return { status: 'ok', reasons: [reason('idle_enforced', { seconds: idleSeconds })], evidence: [], evidenceAt: null };
}

/** E3.11: the password policy is enforced on every change; f: monthly change; i: a lockout after failures. */
export function passwordPolicyRule(s: { maxAgeDays: number; loginMaxFailures: number }): Verdict {
  const reasons: Reason[] = [];
  if (s.maxAgeDays > 31) reasons.push(reason('password_age_long', { days: s.maxAgeDays }));
  if (s.loginMaxFailures < 1) reasons.push(reason('no_lockout'));
  if (reasons.length > 0) return { status: 'attention', reasons, evidence: [], evidenceAt: null };
  return { status: 'ok', reasons: [reason('policy_enforced', { days: s.maxAgeDays, failures: s.loginMaxFailures })], evidence: [], evidenceAt: null };
}

// ---- E4.1 ----------------------------------------------------------------------------------

export interface LocationFact {
  id: string;
  name: string;
  /** Inspections of the location in the months looked at: month (YYYY-MM) → inspection id. */
  inspections: Array<{ id: string; month: string; at: Date }>;
}

/**
 * E4.1: every storage location was inspected this month — or, until the 10th, last month (the
 * month's inspection may be done in its first days).
 */
export function inspectionsRule(locations: LocationFact[], period: { thisMonth: string; lastMonth: string; dayOfMonth: number }): Verdict {
  if (locations.length === 0) return { status: 'missing', reasons: [reason('no_locations')], evidence: [], evidenceAt: null };
  const accepted = period.dayOfMonth <= 10 ? [period.thisMonth, period.lastMonth] : [period.thisMonth];
  const evidence: Evidence[] = [];
  const dates: Date[] = [];
  const late: string[] = [];
  for (const l of locations) {
    const ok = l.inspections.filter((i) => accepted.includes(i.month));
    if (ok.length === 0) late.push(l.name);
    for (const i of ok) {
      evidence.push({ type: 'inspection', id: i.id, href: `/api/inspections?month=${i.month}` });
      dates.push(i.at);
    }
  }
  if (late.length > 0) return { status: 'attention', reasons: [reason('not_inspected', { count: late.length, locations: names(late), month: period.thisMonth })], evidence, evidenceAt: newest(dates) };
  return { status: 'ok', reasons: [reason('all_inspected', { count: locations.length, months: accepted.join(', ') })], evidence, evidenceAt: newest(dates) };
}

// ---- E4.2 ----------------------------------------------------------------------------------

/** E4.2: last week's access review is signed. */
export function weeklyReviewRule(f: { lastWeek: string; lastWeekEnd: Date; siteStartedAt: Date; signed: { week: string; recordId: string; signedAt: Date } | null; overdue: string[] }): Verdict {
  if (f.signed) {
    return {
      status: f.overdue.length > 0 ? 'attention' : 'ok',
      reasons: [reason('review_signed', { week: f.signed.week }), ...(f.overdue.length > 0 ? [reason('reviews_overdue', { weeks: names(f.overdue) })] : [])],
      evidence: [{ type: 'review', id: f.signed.week, href: `/api/reviews/${f.signed.week}` }, { type: 'record', id: f.signed.recordId, href: `/api/records/${f.signed.recordId}` }],
      evidenceAt: f.signed.signedAt,
    };
  }
  if (f.siteStartedAt.getTime() >= f.lastWeekEnd.getTime()) return { status: 'missing', reasons: [reason('no_full_week', { week: f.lastWeek })], evidence: [], evidenceAt: null };
  return { status: 'attention', reasons: [reason('review_not_signed', { week: f.lastWeek }), ...(f.overdue.length > 0 ? [reason('reviews_overdue', { weeks: names(f.overdue) })] : [])], evidence: [], evidenceAt: null };
}

// ---- E5.1, E5.2 ----------------------------------------------------------------------------

export const ALL_TOPICS = ['a', 'b', 'c', 'd', 'e', 'f'] as const;

export interface TraineeFact {
  personId: string;
  name: string;
  /** Trainings within the last 12 months the person took part in. */
  trainings: Array<{ id: string; heldAt: Date; topics: string[] }>;
}

/** E5.1: everyone on a secure room's access list has a training within 12 months. */
export function trainingsRule(people: TraineeFact[], trainingsEver: number): Verdict {
  if (trainingsEver === 0) return { status: 'missing', reasons: [reason('no_training')], evidence: [], evidenceAt: null };
  const evidence = dedupe(people.flatMap((p) => p.trainings.map((t) => ({ type: 'training', id: t.id, href: '/api/trainings' }))));
  const evidenceAt = newest(people.flatMap((p) => p.trainings.map((t) => t.heldAt)));
  const untrained = people.filter((p) => p.trainings.length === 0);
  if (untrained.length > 0) return { status: 'attention', reasons: [reason('untrained', { count: untrained.length, people: names(untrained.map((p) => p.name)) })], evidence, evidenceAt };
  return { status: 'ok', reasons: [reason('all_trained', { count: people.length })], evidence, evidenceAt };
}

/** E5.2: the trainings of the last 12 months of everyone on a secure room's access list cover topics a–f between them. */
export function trainingTopicsRule(people: TraineeFact[], trainingsEver: number): Verdict {
  if (trainingsEver === 0) return { status: 'missing', reasons: [reason('no_training')], evidence: [], evidenceAt: null };
  const evidence = dedupe(people.flatMap((p) => p.trainings.map((t) => ({ type: 'training', id: t.id, href: '/api/trainings' }))));
  const evidenceAt = newest(people.flatMap((p) => p.trainings.map((t) => t.heldAt)));
  const gaps = people
    .map((p) => ({ p, missing: ALL_TOPICS.filter((topic) => !p.trainings.some((t) => t.topics.includes(topic))) }))
    .filter((g) => g.missing.length > 0);
  if (gaps.length > 0) {
    return { status: 'attention', reasons: gaps.slice(0, MAX_LISTED).map((g) => reason('topics_missing', { person: g.p.name, topics: g.missing.join(', ') })), evidence, evidenceAt };
  }
  return { status: 'ok', reasons: [reason('topics_covered', { count: people.length })], evidence, evidenceAt };
}

function dedupe(evidence: Evidence[]): Evidence[] {
  const seen = new Set<string>();
  return evidence.filter((e) => (seen.has(`${e.type}:${e.id}`) ? false : (seen.add(`${e.type}:${e.id}`), true)));
}

// ---- E8, M6.3 ------------------------------------------------------------------------------

/** E8.1/E8.2: every subcontractor whose people hold live badges has a valid consent of the depositor. */
export function consentsRule(subcontractors: Array<{ orgId: string; name: string; liveBadges: number; validConsentIds: string[] }>): Verdict {
  const withBadges = subcontractors.filter((s) => s.liveBadges > 0);
  const evidence: Evidence[] = withBadges.flatMap((s) => s.validConsentIds.map((id) => ({ type: 'consent', id, href: `/api/orgs/${s.orgId}` })));
  const lacking = withBadges.filter((s) => s.validConsentIds.length === 0);
  if (lacking.length > 0) return { status: 'attention', reasons: [reason('consent_missing', { count: lacking.length, orgs: names(lacking.map((s) => s.name)) })], evidence, evidenceAt: null };
  if (withBadges.length === 0) return { status: 'ok', reasons: [reason('no_subcontractor_badges')], evidence, evidenceAt: null };
  return { status: 'ok', reasons: [reason('consents_valid', { count: withBadges.length })], evidence, evidenceAt: null };
}

/** M6.3: every external person with a live badge and access to a secure room has a valid NDA. */
export function ndasRule(externals: Array<{ personId: string; name: string; validNdaIds: string[] }>): Verdict {
  const evidence: Evidence[] = externals.flatMap((p) => p.validNdaIds.map((id) => ({ type: 'nda', id, href: `/api/ndas?personId=${p.personId}` })));
  const lacking = externals.filter((p) => p.validNdaIds.length === 0);
  if (lacking.length > 0) return { status: 'attention', reasons: [reason('nda_missing', { count: lacking.length, people: names(lacking.map((p) => p.name)) })], evidence, evidenceAt: null };
  if (externals.length === 0) return { status: 'ok', reasons: [reason('no_externals')], evidence, evidenceAt: null };
  return { status: 'ok', reasons: [reason('ndas_valid', { count: externals.length })], evidence, evidenceAt: null };
}

// ---- E9.1, E9.2 ----------------------------------------------------------------------------

export interface DrillFact {
  id: string;
  heldAt: Date;
}

/** E9.1: a fire-prevention manager is appointed, and a fire drill was held within 12 months. */
export function fireRule(f: { manager: { id: string; personName: string; appointedAt: Date } | null; lastDrill: DrillFact | null }, now: Date): Verdict {
  const reasons: Reason[] = [];
  const evidence: Evidence[] = [];
  let missing = false;
  if (!f.manager) {
    reasons.push(reason('no_fire_manager'));
    missing = true;
  } else evidence.push({ type: 'fire_prevention_manager', id: f.manager.id, href: '/api/fire-prevention-managers' });
  if (!f.lastDrill) {
    reasons.push(reason('no_fire_drill'));
    missing = true;
  } else {
    evidence.push({ type: 'drill', id: f.lastDrill.id, href: '/api/drills?kind=fire' });
    if (f.lastDrill.heldAt.getTime() < yearBefore(now).getTime()) reasons.push(reason('fire_drill_old', { days: Math.floor((now.getTime() - f.lastDrill.heldAt.getTime()) / DAY) }));
  }
  const evidenceAt = newest([f.manager?.appointedAt, f.lastDrill?.heldAt]);
  if (reasons.length === 0) return { status: 'ok', reasons: [reason('fire_ready', { manager: f.manager!.personName })], evidence, evidenceAt };
  return { status: missing ? 'missing' : 'attention', reasons, evidence, evidenceAt };
}

/**
 * E9.2: a migration drill to the standby site within 12 months — recorded by hand, or a verified
 * restore drill (tachiai restore-drill). A failed restore drill after the last good one needs attention.
 */
export function migrationRule(f: { lastManual: DrillFact | null; lastRestore: (DrillFact & { verified: boolean }) | null; lastVerifiedRestore: DrillFact | null }, now: Date): Verdict {
  const candidates = [f.lastManual ? { ...f.lastManual, type: 'drill', href: '/api/drills?kind=migration' } : null, f.lastVerifiedRestore ? { ...f.lastVerifiedRestore, type: 'restore_drill', href: null } : null].filter(
    (c): c is DrillFact & { type: string; href: string | null } => c !== null,
  );
  const evidence: Evidence[] = candidates.map((c) => ({ type: c.type, id: c.id, href: c.href }));
  const failedRestore = f.lastRestore && !f.lastRestore.verified ? f.lastRestore : null;
  if (failedRestore) evidence.push({ type: 'restore_drill', id: failedRestore.id, href: null });
  if (candidates.length === 0) return { status: 'missing', reasons: [reason('no_migration_drill'), ...(failedRestore ? [reason('restore_drill_failed')] : [])], evidence, evidenceAt: failedRestore?.heldAt ?? null };
  const latest = candidates.reduce((a, c) => (c.heldAt.getTime() > a.heldAt.getTime() ? c : a));
  const reasons: Reason[] = [];
  if (latest.heldAt.getTime() < yearBefore(now).getTime()) reasons.push(reason('migration_drill_old', { days: Math.floor((now.getTime() - latest.heldAt.getTime()) / DAY) }));
  if (failedRestore && failedRestore.heldAt.getTime() > latest.heldAt.getTime()) reasons.push(reason('restore_drill_failed'));
  const evidenceAt = newest([latest.heldAt, failedRestore?.heldAt]);
  if (reasons.length > 0) return { status: 'attention', reasons, evidence, evidenceAt };
  return { status: 'ok', reasons: [reason('migration_drilled', { kind: latest.type })], evidence, evidenceAt };
}

// ---- Attestations and enforced clauses ------------------------------------------------------

export interface AttestationFact {
  id: string;
  clauseId: string;
  recordId: string;
  attestedAt: Date;
  expiresAt: Date;
  signedByName: string;
}

/** OUT (and what only a person can state): a valid manual attestation; expired → attention; none → manual. */
export function attestationRule(latest: AttestationFact | null, now: Date): Verdict {
  if (!latest) return { status: 'manual', reasons: [reason('attestation_needed')], evidence: [], evidenceAt: null };
  const evidence = [{ type: 'attestation', id: latest.id, href: `/api/compliance/attestations?clauseId=${latest.clauseId}` }, { type: 'record', id: latest.recordId, href: `/api/records/${latest.recordId}` }];
  if (latest.expiresAt.getTime() <= now.getTime()) return { status: 'attention', reasons: [reason('attestation_expired', { by: latest.signedByName })], evidence, evidenceAt: latest.attestedAt };
  return { status: 'ok', reasons: [reason('attested', { by: latest.signedByName })], evidence, evidenceAt: latest.attestedAt };
}

// ---- E6.4 (issue 20) -----------------------------------------------------------------------

export interface DoorsFact {
  /** Every live (not revoked) door. */
  doors: Array<{ id: string; name: string; roomName: string; registeredAt: Date; heartbeatReceivedAt: Date | null }>;
  /** Every door alarm not acknowledged. */
  openAlarms: Array<{ id: string; kind: string; doorName: string | null; roomName: string; raisedAt: Date }>;
}

/**
 * E6.4 rooms stay locked: ok while every registered door reports (a heartbeat within
 * `offlineSeconds`) and no door alarm is open; attention otherwise. A site without doors (and no
 * open alarm) is decided by the responsible person's attestation, as before the doors.
 */
export function doorsRule(f: DoorsFact, attestation: AttestationFact | null, now: Date, offlineSeconds: number): Verdict {
  if (f.doors.length === 0 && f.openAlarms.length === 0) {
    const v = attestationRule(attestation, now);
    return { ...v, reasons: [reason('no_doors'), ...v.reasons] };
  }
  const reasons: Reason[] = [];
  const evidence: Evidence[] = [];
  if (f.openAlarms.length > 0) {
    reasons.push(reason('door_alarms_open', { count: f.openAlarms.length, labels: names(f.openAlarms.map((a) => `${a.doorName ?? a.roomName}: ${a.kind}`)) }));
    for (const a of f.openAlarms) evidence.push({ type: 'door_alarm', id: a.id, href: '/api/door-alarms' });
  }
  const offline = f.doors.filter((d) => isOffline({ heartbeatReceivedAt: d.heartbeatReceivedAt, registeredAt: d.registeredAt, now, offlineSeconds }));
  if (offline.length > 0) {
    reasons.push(reason('doors_offline', { count: offline.length, labels: names(offline.map((d) => `${d.roomName} ${d.name}`)) }));
    for (const d of offline) evidence.push({ type: 'door', id: d.id, href: '/api/doors/status' });
  }
  if (reasons.length > 0) return { status: 'attention', reasons, evidence, evidenceAt: newest(f.openAlarms.map((a) => a.raisedAt)) };
  return { status: 'ok', reasons: [reason('doors_report', { doors: f.doors.length })], evidence: [], evidenceAt: newest(f.doors.map((d) => d.heartbeatReceivedAt)) };
}

/** SYS clauses the code enforces at every request: ok, saying how. */
export function enforcedRule(): Verdict {
  return { status: 'ok', reasons: [reason('enforced')], evidence: [], evidenceAt: null };
}

/** Rows needing attention first, then in clause order. */
export function sortRows<T extends { status: Status; order: number }>(rows: T[]): T[] {
  return [...rows].sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || a.order - b.order);
}

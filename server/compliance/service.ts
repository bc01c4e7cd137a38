// The compliance view (issue 18): every clause of ./clauses.ts with its status, reasons, evidence
// and freshness, decided by the plain rules of ./rules.ts over the facts of ./facts.read-model.ts;
// and the compliance module's own records — drills (E9.1, E9.2) and manual attestations of the
// clauses only a person can state, signed by the responsible person with badge + PIN (the same
// signature machinery as the weekly review). Every write is journaled in its transaction.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { AppContext } from '../context.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import { appendJournal } from '../journal/journal.js';
import { newRecordId, recordSigned, verifySigners, type SignerInput } from '../signatures/service.js';
import { withinHours } from '../door/rules.js';
import { isoWeekOf, siteInstant, weekPeriod } from '../reviews/period.js';
import { overdueWeeks } from '../reviews/service.js';
import { siteStartedAt } from '../system/site.js';
import { zonedParts } from '../shared/time.js';
import { ATTESTABLE_IDS, CLAUSE_BY_ID, CLAUSES, type Check, type Clause, type ClauseKind } from './clauses.js';
import * as facts from './facts.read-model.js';
import { listDrills, listPeopleByIds, type AttestationRow, type DrillKind, type DrillRow } from './records.read-model.js';

import {
  accessLogRule,
  afterHoursRule,
  doorsRule,
  appointmentsRule,
  attestationRule,
  backupCustodyRule,
  backupDailyRule,
  consentsRule,
  enforcedRule,
  fireRule,
  inspectionsRule,
  migrationRule,
  ndasRule,
  passwordPolicyRule,
  sessionIdleRule,
  sortRows,
  trainingsRule,
  trainingTopicsRule,
  weeklyReviewRule,
  withFact,
  yearBefore,
  type Fact,
  type Status,
  type Verdict,
} from './rules.js';

export interface ComplianceRow extends Verdict {
  clause: Clause;
  order: number;
}

/**
 * An alarm shown above the rows (issue 19, item 5): a witness refused the journal's checkpoint as
 * a fork or a rollback — open until `tachiai new-epoch` answers it or it is looked into — or the
 * alarms could not be read (never silence by default).
 */
export interface ComplianceAlarm {
  code: 'witness_alarm' | 'alarms_unreadable';
  witness: string | null;
  origin: string | null;
  message: string;
  at: Date | null;
}

export interface ComplianceView {
  asOf: Date;
  rows: ComplianceRow[];
  summary: Record<Status, number>;
  alarms: ComplianceAlarm[];
}

async function dbNow(db: Knex): Promise<Date> {
  const { rows } = await db.raw("SELECT date_trunc('milliseconds', now()) AS now");
  return (rows[0] as { now: Date }).now;
}

/** Reads one fact; a failure becomes the reason of an unknown row, never an exception of the view. */
async function read<T>(what: string, reader: () => Promise<T>): Promise<Fact<T>> {
  try {
    return { ok: true, value: await reader() };
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0]!.slice(0, 200) : String(err);
    return { ok: false, error: `${what}: ${/select|insert|update|delete/i.test(message) ? 'the database could not answer' : message}` };
  }
}

/** How many fact readers run at once on PostgreSQL (the embedded database has one connection anyway). */
const READERS_AT_ONCE = 3;

/** Runs the tasks, at most `limit` at a time; the results in the tasks' order. */
async function atMost<T extends readonly (() => Promise<unknown>)[]>(limit: number, tasks: T): Promise<{ [K in keyof T]: Awaited<ReturnType<T[K]>> }> {
  const results: unknown[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results as { [K in keyof T]: Awaited<ReturnType<T[K]>> };
}

const monthOf = (year: number, month: number) => `${year}-${String(month).padStart(2, '0')}`;

/**
 * Computes every clause's row, those needing attention first. With `depositorOrgId`, the rows
 * about depositors (E1.1) look at that depositor only; the others are the site's (404 for an
 * organisation that is no depositor).
 */
export async function computeCompliance(app: AppContext, opts: { depositorOrgId?: string | undefined } = {}): Promise<ComplianceView> {
  const db = app.db.knex;
  if (opts.depositorOrgId && !(await facts.isDepositor(db, opts.depositorOrgId))) throw new NotFoundError('depositor');
  const tz = app.config.displayTimeZone;
  const now = await dbNow(db);
  const p = zonedParts(now, tz);
  const thisMonth = monthOf(p.year, p.month);
  const lastMonth = p.month === 1 ? monthOf(p.year - 1, 12) : monthOf(p.year, p.month - 1);
  const dayStart = siteInstant(p.year, p.month, p.day, tz);
  const lastWeek = isoWeekOf(new Date(now.getTime() - 7 * 86_400_000), tz);
  const lastWeekPeriod = weekPeriod(lastWeek, tz);
  const since = yearBefore(now);

  // The readers are independent: on PostgreSQL three at a time share the pool (never all of it:
  // the door's scans need their connections meanwhile).
  const [depositors, media, alerts, backups, accessLog, locations, review, trainees, subcontractors, externals, fire, migration, attestations, doors, witnessAlarms] = await atMost(READERS_AT_ONCE, [
    () => read('appointments per depositor', () => facts.depositorFacts(db, opts.depositorOrgId)),
    () => read('media checked out', () => facts.checkedOutMedia(db)),
    () => read('after-hours alerts', () => facts.alertFacts(db)),
    () => read('the backups', () => facts.backupFacts(db)),
    () => read('access log', () => facts.accessLogFacts(db, dayStart)),
    () => read('the inspections', () => facts.locationFacts(db, [thisMonth, lastMonth])),
    () => read('weekly reviews', async () => ({ signed: await facts.signedReview(db, lastWeek), overdue: await overdueWeeks(app), startedAt: await siteStartedAt(db) })),
    () => read('the trainings', () => facts.traineeFacts(db, since)),
    () => read('subcontractors', () => facts.subcontractorFacts(db)),
    () => read('NDAs', () => facts.externalFacts(db)),
    () => read('fire prevention', () => facts.fireFacts(db)),
    () => read('migration drills', () => facts.migrationFacts(db)),
    () => read('attestations', () => facts.latestAttestations(db)),
    () => read('the doors', () => facts.doorsFacts(db)),
    () => read('the journal\'s witness alarms', () => facts.witnessAlarmFacts(db)),
  ] as const);

  const afterHours: Fact<Parameters<typeof afterHoursRule>[0]> =
    media.ok && alerts.ok
      ? {
          ok: true,
          value: {
            // A room's own hours, or the site's working hours for a room without them (E1.2).
            heldOutsideHours: media.value.filter((m) => !withinHours(m.hours ?? app.config.workingHours, now, tz)),
            ...alerts.value,
          },
        }
      : { ok: false, error: !media.ok ? media.error : (alerts as { ok: false; error: string }).error };

  const decide: Record<Check, (clause: Clause) => Verdict> = {
    appointments: () => withFact(depositors, (d) => appointmentsRule(d, Boolean(app.config.smtpUrl))),
    after_hours: () => withFact(afterHours, (f) => afterHoursRule(f)),
    backup_daily: () => withFact(backups, (b) => backupDailyRule(b, now)),
    backup_custody: () => withFact(backups, (b) => backupCustodyRule(b)),
    access_log: () => withFact(accessLog, (a) => accessLogRule({ retentionMonths: app.config.accessLogRetentionMonths, ...a })),
    session_idle: () => sessionIdleRule(app.config.sessionIdleSeconds),
    password_policy: () => passwordPolicyRule({ maxAgeDays: app.config.passwordMaxAgeDays, loginMaxFailures: app.config.loginMaxFailures }),
    inspections: () => withFact(locations, (l) => inspectionsRule(l, { thisMonth, lastMonth, dayOfMonth: p.day })),
    weekly_review: () => withFact(review, (r) => weeklyReviewRule({ lastWeek, lastWeekEnd: lastWeekPeriod.to, siteStartedAt: r.startedAt, signed: r.signed, overdue: r.overdue })),
    trainings: () => withFact(trainees, (t) => trainingsRule(t.people, t.trainingsEver)),
    training_topics: () => withFact(trainees, (t) => trainingTopicsRule(t.people, t.trainingsEver)),
    consents: () => withFact(subcontractors, (s) => consentsRule(s)),
    ndas: () => withFact(externals, (e) => ndasRule(e)),
    fire: () => withFact(fire, (f) => fireRule(f, now)),
    migration: () => withFact(migration, (m) => migrationRule(m, now)),
    attestation: (clause) => withFact(attestations, (a) => attestationRule(a.get(clause.id) ?? null, now)),
    // E6.4 (issue 20): the doors report and no alarm is open; without doors, the attestation.
    doors: (clause) => withFact(attestations, (a) => withFact(doors, (d) => doorsRule(d, a.get(clause.id) ?? null, now, app.config.doorOfflineSeconds))),
    enforced: () => enforcedRule(),
  };
  const rows = sortRows(CLAUSES.map((clause, order) => ({ clause, order, ...decide[clause.check](clause) })));
  const summary: Record<Status, number> = { attention: 0, missing: 0, unknown: 0, manual: 0, ok: 0 };
  for (const r of rows) summary[r.status] += 1;
  const alarms: ComplianceAlarm[] = witnessAlarms.ok
    ? witnessAlarms.value.map((a) => ({ code: 'witness_alarm', witness: a.vkey.split('+')[0]!, origin: a.origin, message: a.message ?? '', at: a.at }))
    : [{ code: 'alarms_unreadable', witness: null, origin: null, message: witnessAlarms.error, at: null }];
  return { asOf: now, rows, summary, alarms };
}

// ---- Drills (E9.1, E9.2) -------------------------------------------------------------------

export { DRILL_KINDS, type DrillKind } from './records.read-model.js';

export interface DrillInput {
  kind: DrillKind;
  heldAt: Date;
  leaderPersonId: string;
  participantIds: string[];
  findings: string;
  standbySite?: string | undefined;
  note?: string | undefined;
}

/** E9.1 / E9.2: records a drill held — date, leader, participants, findings; journaled. */
export async function recordDrill(trx: Knex, input: DrillInput, actor: string): Promise<DrillRow> {
  const now = await dbNow(trx);
  if (input.heldAt.getTime() > now.getTime() + 60_000) throw new ValidationError('A drill is recorded once it has been held.', [{ field: 'body.heldAt', code: 'in_future', message: 'must not be in the future' }]);
  if (new Set(input.participantIds).size !== input.participantIds.length) throw new ValidationError('A participant is listed twice.', [{ field: 'body.participantIds', code: 'duplicate', message: 'participants must not repeat' }]);
  if (input.kind === 'fire' && input.standbySite) throw new ValidationError('A standby site belongs to a migration drill.', [{ field: 'body.standbySite', code: 'not_applicable', message: 'only for kind migration' }]);
  if (input.kind === 'migration' && !input.standbySite) throw new ValidationError('A migration drill names the standby site it moved to (E9.2).', [{ field: 'body.standbySite', code: 'required', message: 'the standby site' }]);
  const ids = [...new Set([input.leaderPersonId, ...input.participantIds])];
  const found = new Set((await listPeopleByIds(trx, ids)).map((p) => p.id));
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length > 0) throw new NotFoundError('person', `Unknown person(s): ${missing.join(', ')}`);
  const id = crypto.randomUUID();
  await trx('drills').insert({ id, kind: input.kind, held_at: input.heldAt, leader_person_id: input.leaderPersonId, findings: input.findings, standby_site: input.standbySite ?? null, note: input.note ?? null, created_by: actor });
  // The leader takes part too.
  const participants = [...new Set([input.leaderPersonId, ...input.participantIds])].sort();
  await trx('drill_participants').insert(participants.map((person_id) => ({ drill_id: id, person_id })));
  await appendJournal(trx, {
    actor,
    action: 'compliance.drill_recorded',
    subject: `drill:${id}`,
    payload: { kind: input.kind, heldAt: input.heldAt.toISOString(), leaderPersonId: input.leaderPersonId, participantIds: participants, findings: input.findings, standbySite: input.standbySite ?? null, note: input.note ?? null },
  });
  return (await listDrills(trx, { id }))[0]!;
}

// ---- Attestations --------------------------------------------------------------------------

/**
 * A manual attestation of a clause the system cannot see (OUT, and E6.4 until doors are
 * controlled): the responsible person states, with their own badge and PIN and a note, that the
 * rule is met. It expires after ATTESTATION_VALID_MONTHS (default 12). Refused — nothing stored —
 * for a clause that is decided by the records (400), by someone without the responsible role or
 * with someone else's badge (403), with a wrong badge or PIN (400 / 423 when locked).
 */
export async function attestClause(app: AppContext, input: { clauseId: string; note: string; signer: SignerInput }, actor: { accountId: string; personId: string; roles: string[] }): Promise<AttestationRow> {
  const clause = CLAUSE_BY_ID.get(input.clauseId);
  if (!clause) throw new ValidationError('There is no such clause.', [{ field: 'body.clauseId', code: 'unknown_clause', message: 'a clause id such as E1.9' }]);
  if (!ATTESTABLE_IDS.includes(clause.id)) {
    throw new ValidationError(`${clause.id} is decided by the records, not by an attestation.`, [{ field: 'body.clauseId', code: 'not_attestable', message: `attestable: ${ATTESTABLE_IDS.join(', ')}` }]);
  }
  if (!actor.roles.includes('responsible')) throw new ForbiddenError('forbidden', 'A clause is attested by the responsible person (責任者).');
  if (input.signer.personId !== actor.personId) throw new ForbiddenError('signer_not_you', 'You attest with your own badge and PIN.');
  // The PIN first: a wrong one counts toward the badge's lockout, and nothing is stored.
  const signers = await verifySigners(app, [{ ...input.signer, meaning: 'attested', field: 'body.signer' }]);
  return app.db.knex.transaction(async (trx) => {
    const id = crypto.randomUUID();
    const { rows } = await trx.raw("SELECT date_trunc('milliseconds', clock_timestamp()) + make_interval(months => ?) AS expires", [app.config.attestationValidMonths]);
    const expiresAt = (rows[0] as { expires: Date }).expires;
    const record = await recordSigned(app, trx, {
      kind: 'compliance_attestation',
      id: newRecordId(),
      content: { attestationId: id, clauseId: clause.id, clauseKind: clause.kind as ClauseKind, clause: { ja: clause.ja, en: clause.en }, note: input.note, expiresAt: expiresAt.toISOString() },
      roomId: null,
      place: '遵守状況の表明 / compliance attestation',
      createdBy: actor.accountId,
      signers,
    });
    const [row] = (await trx('compliance_attestations')
      .insert({ id, clause_id: clause.id, note: input.note, record_id: record.id, signed_by: actor.personId, attested_at: record.at, expires_at: expiresAt, created_by: actor.accountId })
      .returning('*')) as AttestationRow[];
    await appendJournal(trx, { actor: actor.accountId, action: 'compliance.attested', subject: `clause:${clause.id}`, payload: { attestationId: id, recordId: record.id, note: input.note, expiresAt: expiresAt.toISOString() } });
    return row!;
  });
}

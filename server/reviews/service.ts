// The weekly access review (E4.2): compute a period's findings from the records, keep the
// reviewer's dispositions as drafts, sign a week (badge + PIN, the same machinery as handovers),
// report what is marked reported to the depositors it concerns, and re-check a signed review
// later against the records of its period.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { AppContext } from '../context.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError, type ErrorDetail } from '../errors.js';
import { appendJournal } from '../journal/journal.js';
import { newRecordId, recordSigned, verifySigners, type SignerInput } from '../signatures/service.js';
import { contactRecipients, enqueueNotices } from '../notices/service.js';
import { siteOf, siteStartedAt } from '../system/site.js';
import { displayDate } from '../shared/time.js';
import { allFindings, DEFAULT_REVIEW_SETTINGS, RULES_VERSION, type Finding, type ReviewSettings } from './rules.js';
import { checkedPeriod, isoWeekOf, weekPeriod, type Period } from './period.js';
import * as facts from './facts.read-model.js';
import { digestDifferences, digestHash, digestRowCounts, periodDigest, type DigestDifference, type PeriodDigest } from './digest.read-model.js';
import { depositorsConcerned } from './concerned.read-model.js';
import { FINDING_TITLES, type Disposition } from './words.js';

export function reviewSettings(app: AppContext): ReviewSettings {
  return {
    ...DEFAULT_REVIEW_SETTINGS,
    longStayHours: app.config.reviewLongStayHours,
    badgeHopMinutes: app.config.reviewBadgeHopMinutes,
    workingHours: app.config.workingHours,
  };
}

export interface ReviewComputation {
  period: Period;
  rulesVersion: number;
  settings: ReviewSettings;
  counts: facts.PeriodCounts;
  findings: Finding[];
  digest: PeriodDigest;
  digestHash: string;
}

async function dbNow(db: Knex): Promise<Date> {
  const { rows } = await db.raw('SELECT now() AS now');
  return (rows[0] as { now: Date }).now;
}

/** The period asked for: a week (2026-W49) or from/to (at most 31 days); never in the future. */
export async function resolvePeriod(app: AppContext, db: Knex, q: { week?: string | undefined; from?: Date | undefined; to?: Date | undefined }): Promise<Period> {
  const tz = app.config.displayTimeZone;
  const now = await dbNow(db);
  if (q.week) {
    const p = weekPeriod(q.week, tz, 'query.week');
    if (p.from.getTime() > now.getTime()) throw new ValidationError('That week lies in the future.', [{ field: 'query.week', code: 'in_future', message: 'must not be in the future' }]);
    return p;
  }
  if (!q.from || !q.to) {
    throw new ValidationError('Give a week, or from and to.', [{ field: q.from ? 'query.to' : 'query.from', code: 'required', message: 'a week (2026-W49), or from and to' }]);
  }
  return checkedPeriod(q.from, q.to, now, tz);
}

/**
 * Sorts of a week's scans and requests stay in memory (the default 4 MB spills them to disk); no
 * JIT: the journal's digest costs more than jit_above_cost, and compiling it took 170 ms that it
 * never gave back (issue 16, "Speed"; docs/performance.md).
 */
const REVIEW_SETTINGS = ["SET LOCAL work_mem = '32MB'", 'SET LOCAL jit = off'];
const reviewSettingsOn = async (db: Knex) => {
  for (const sql of REVIEW_SETTINGS) await db.raw(sql);
};
const SNAPSHOT_ID = /^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$/i;

/** Computes the findings and the digest of a period, in one consistent snapshot of the records. */
export async function computeReview(app: AppContext, period: Period, trx?: Knex): Promise<ReviewComputation> {
  const tz = app.config.displayTimeZone;
  const settings = reviewSettings(app);
  const argsOf = async (db: Knex) => {
    const now = await dbNow(db);
    const end = new Date(Math.min(period.to.getTime(), now.getTime()));
    return { from: period.from, to: period.to, end, timeZone: tz, settings };
  };
  /** The door's facts: the window passes over the period's scans. */
  const doorFacts = async (db: Knex) => {
    const args = await argsOf(db);
    const { stays, overlaps } = await facts.stayFacts(db, args);
    return { end: args.end, denied: await facts.deniedScans(db, args), stays, overlaps, hops: await facts.badgeHops(db, args), flagged: await facts.flaggedExits(db, args) };
  };
  /** The access log's, the journal's and the media's facts. */
  const otherFacts = async (db: Knex) => {
    const args = await argsOf(db);
    return {
      signins: await facts.signinAttempts(db, args),
      newAddresses: await facts.newAddressSignins(db, args),
      addressHops: await facts.addressHops(db, args),
      forbidden: await facts.forbiddenRequests(db, args),
      mediaReads: await facts.mediaReadsByOthers(db, args),
      leftUse: await facts.useAfterLeaving(db, args),
      adminChanges: await facts.adminChanges(db, args),
      mediaIssues: await facts.mediaIssues(db, args),
      doorAlarms: await facts.doorAlarms(db, args),
    };
  };
  const findingsFrom = (door: Awaited<ReturnType<typeof doorFacts>>, other: Awaited<ReturnType<typeof otherFacts>>): Finding[] =>
    allFindings({ ...door, ...other, timeZone: tz, settings });
  const digestAndCounts = async (db: Knex) => {
    const digest = await periodDigest(db, period.from, period.to, tz);
    const rare = await facts.rareCounts(db, { from: period.from, to: period.to, end: period.to, timeZone: tz, settings });
    const counts: facts.PeriodCounts = { ...digestRowCounts(digest), ...rare };
    return { digest, counts };
  };
  const result = (found: Finding[], d: { digest: PeriodDigest; counts: facts.PeriodCounts }): ReviewComputation => ({
    period,
    rulesVersion: RULES_VERSION,
    settings,
    counts: d.counts,
    findings: found,
    digest: d.digest,
    digestHash: digestHash(d.digest),
  });
  if (trx) return result(findingsFrom(await doorFacts(trx), await otherFacts(trx)), await digestAndCounts(trx));
  // One snapshot: the findings and the digest describe the same records. On PostgreSQL the
  // snapshot is shared with two more connections (pg_export_snapshot), so the door's facts, the
  // other facts and the digest — a hash of every row of the period — are read side by side.
  return app.db.knex.transaction(async (t) => {
    await t.raw('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    await reviewSettingsOn(t);
    if (app.db.kind !== 'postgres') return result(findingsFrom(await doorFacts(t), await otherFacts(t)), await digestAndCounts(t));
    const { rows } = (await t.raw('SELECT pg_export_snapshot() AS id')) as { rows: Array<{ id: string }> };
    const snapshot = rows[0]!.id;
    if (!SNAPSHOT_ID.test(snapshot)) throw new Error('unexpected snapshot id');
    const inSnapshot = <T>(read: (db: Knex) => Promise<T>) =>
      app.db.knex.transaction(async (t2) => {
        await t2.raw('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
        await t2.raw(`SET TRANSACTION SNAPSHOT '${snapshot}'`);
        await reviewSettingsOn(t2);
        return read(t2);
      });
    // All settle before this transaction ends (a failure of one must not end it under the others).
    const [door, other, d] = await Promise.allSettled([doorFacts(t), inSnapshot(otherFacts), inSnapshot(digestAndCounts)]);
    if (door.status === 'rejected') throw door.reason;
    if (other.status === 'rejected') throw other.reason;
    if (d.status === 'rejected') throw d.reason;
    return result(findingsFrom(door.value, other.value), d.value);
  });
}

// ---- Dispositions (drafts) ---------------------------------------------------------------------

export interface DispositionRow {
  week: string;
  finding_key: string;
  disposition: Disposition;
  comment: string;
  person_id: string;
  updated_at: Date;
}

export async function draftDispositions(db: Knex, week: string): Promise<DispositionRow[]> {
  return (await db('review_dispositions').where({ week }).orderBy('finding_key')) as DispositionRow[];
}

async function signedReviewRow(db: Knex, week: string): Promise<ReviewRow | undefined> {
  return (await db('reviews').where({ week }).first()) as ReviewRow | undefined;
}

/** Nobody gives the disposition of a finding about themselves. */
function assertNotOwn(finding: Finding, personId: string, field: string): void {
  if (finding.personIds.includes(personId)) {
    throw new ValidationError('A finding about yourself is given its disposition by another responsible person.', [{ field, code: 'own_finding', message: 'this finding is about you' }]);
  }
}

/** Saves (or replaces) the reviewer's disposition of one finding of a week, as a draft; journaled. */
export async function saveDisposition(app: AppContext, week: string, key: string, input: { disposition: Disposition; comment: string }, actor: { accountId: string; personId: string }): Promise<DispositionRow> {
  const period = weekPeriod(week, app.config.displayTimeZone, 'params.week');
  if (await signedReviewRow(app.db.knex, week)) throw new ConflictError('already_signed', 'This week has been signed; its dispositions can no longer change.');
  const computed = await computeReview(app, period);
  const finding = computed.findings.find((f) => f.key === key);
  if (!finding) throw new ValidationError('There is no such finding in this week.', [{ field: 'params.key', code: 'unknown_finding', message: 'not a finding of this week' }]);
  assertNotOwn(finding, actor.personId, 'params.key');
  return app.db.knex.transaction(async (trx) => {
    const [row] = (await trx('review_dispositions')
      .insert({ week, finding_key: key, disposition: input.disposition, comment: input.comment, person_id: actor.personId, updated_at: trx.fn.now() })
      .onConflict(['week', 'finding_key'])
      .merge(['disposition', 'comment', 'person_id', 'updated_at'])
      .returning('*')) as DispositionRow[];
    await appendJournal(trx, { actor: actor.accountId, action: 'reviews.disposition_saved', subject: `review:${week}`, payload: { key, disposition: input.disposition, comment: input.comment } });
    return row!;
  });
}

export async function clearDisposition(app: AppContext, week: string, key: string, actor: { accountId: string }): Promise<void> {
  weekPeriod(week, app.config.displayTimeZone, 'params.week');
  await app.db.knex.transaction(async (trx) => {
    if (await signedReviewRow(trx, week)) throw new ConflictError('already_signed', 'This week has been signed; its dispositions can no longer change.');
    const n = Number(await trx('review_dispositions').where({ week, finding_key: key }).delete());
    if (!n) throw new NotFoundError('disposition');
    await appendJournal(trx, { actor: actor.accountId, action: 'reviews.disposition_cleared', subject: `review:${week}`, payload: { key } });
  });
}

// ---- Signing -----------------------------------------------------------------------------------

export interface ReviewRow {
  id: string;
  week: string;
  period_from: Date;
  period_to: Date;
  rules_version: number;
  settings: string;
  counts: string;
  findings: string;
  digest: string;
  digest_hash: string;
  record_id: string;
  signed_by: string;
  signed_at: Date;
}

export interface SignedFinding extends Finding {
  disposition: Disposition;
  comment: string;
  dispositionBy: string;
}

/** The words of a finding for a depositor: its title and what happened, never a person's name. */
function reportWords(f: Finding, tz: string): { ja: string; en: string } {
  const when = displayDate(new Date(f.at), tz, 'ja');
  const rooms = typeof f.facts.rooms === 'string' ? f.facts.rooms : typeof f.facts.room === 'string' ? f.facts.room : '';
  const count = typeof f.facts.count === 'number' ? f.facts.count : f.evidenceCount;
  return {
    ja: `${when}${rooms ? `・${rooms}` : ''}・記録 ${count} 件`,
    en: `${displayDate(new Date(f.at), tz, 'en')}${rooms ? `, ${rooms}` : ''}, ${count} record(s)`,
  };
}

/** The advisory lock of a week's sign-off: 63 bits of a hash of the week, in the database's own key space. */
function signLockKey(week: string): string {
  return (crypto.createHash('sha256').update(`tachiai:review-sign:${week}`).digest().readBigUInt64BE(0) >> 1n).toString();
}

export async function signReview(
  app: AppContext,
  week: string,
  input: { digest: PeriodDigest; signer: SignerInput },
  actor: { accountId: string; personId: string; roles: string[] },
): Promise<ReviewRow> {
  const tz = app.config.displayTimeZone;
  const period = weekPeriod(week, tz, 'params.week');
  if (!actor.roles.includes('responsible')) throw new ForbiddenError('forbidden', 'The weekly review is signed by the responsible person (責任者).');
  if (input.signer.personId !== actor.personId) {
    throw new ForbiddenError('signer_not_you', 'You sign the review with your own badge and PIN.');
  }
  if ((await dbNow(app.db.knex)).getTime() < period.to.getTime()) {
    throw new ConflictError('week_not_over', 'A week is signed once it is over.');
  }
  // The PIN is checked first: a wrong one counts toward the badge's lockout, and nothing is stored.
  const signers = await verifySigners(app, [{ ...input.signer, meaning: 'reviewed', field: 'body.signer' }]);
  const seenHash = digestHash(input.digest);
  try {
    // Read committed, as every writer of the journal: its lock orders the entries, and a snapshot
    // older than the lock would not see the entry before ours.
    return await app.db.knex.transaction(async (trx) => {
      // Sign-offs of one week one after the other: a second one waits here, then finds the week
      // signed (409) — not its drafts gone with the first's signature.
      await trx.raw('SELECT pg_advisory_xact_lock(?::bigint)', [signLockKey(week)]);
      if (await signedReviewRow(trx, week)) throw new ConflictError('already_signed', 'This week has been signed already.');
      const computed = await computeReview(app, period, trx);
      // The signature covers what the reviewer saw: if the records changed since, say where.
      if (computed.digestHash !== seenHash) {
        const diff = digestDifferences(input.digest, computed.digest);
        throw new ConflictError(
          'records_changed',
          'The records of this week changed since the review was opened: look at the findings again, then sign.',
          diff.slice(0, 20).map((d) => ({ field: `digest.${d.table}.${d.day}`, code: 'changed', message: `${d.table} ${d.day}: ${d.signed?.count ?? 0} → ${d.now?.count ?? 0} rows` })),
        );
      }
      const drafts = new Map((await draftDispositions(trx, week)).map((d) => [d.finding_key, d]));
      const missing = computed.findings.filter((f) => !drafts.has(f.key));
      if (missing.length) {
        throw new ValidationError(
          `${missing.length} finding(s) have no disposition yet.`,
          missing.slice(0, 20).map((f) => ({ field: `findings.${f.key}`, code: 'disposition_missing', message: `${f.kind}: give a disposition` })),
          'dispositions_missing',
        );
      }
      const own: ErrorDetail[] = computed.findings.filter((f) => f.personIds.includes(drafts.get(f.key)!.person_id)).map((f) => ({ field: `findings.${f.key}`, code: 'own_finding', message: 'given by the person it is about' }));
      if (own.length) throw new ValidationError('A finding was given its disposition by the person it is about.', own);
      const signed: SignedFinding[] = computed.findings.map((f) => ({ ...f, disposition: drafts.get(f.key)!.disposition, comment: drafts.get(f.key)!.comment, dispositionBy: drafts.get(f.key)!.person_id }));
      const id = newRecordId();
      const record = await recordSigned(app, trx, {
        kind: 'weekly_review',
        id,
        content: {
          week,
          from: period.from.toISOString(),
          to: period.to.toISOString(),
          rulesVersion: RULES_VERSION,
          digest: computed.digestHash,
          counts: computed.counts,
          findings: signed.map((f) => ({ key: f.key, kind: f.kind, severity: f.severity, at: f.at, evidenceCount: f.evidenceCount, disposition: f.disposition, comment: f.comment })),
        },
        roomId: null,
        place: '週次アクセス記録点検 / weekly access review',
        createdBy: actor.accountId,
        signers,
      });
      const [row] = (await trx('reviews')
        .insert({
          id: crypto.randomUUID(),
          week,
          period_from: period.from,
          period_to: period.to,
          rules_version: RULES_VERSION,
          settings: JSON.stringify(computed.settings),
          counts: JSON.stringify(computed.counts),
          findings: JSON.stringify(signed),
          digest: JSON.stringify(computed.digest),
          digest_hash: computed.digestHash,
          record_id: record.id,
          signed_by: actor.personId,
          signed_at: record.at,
        })
        .returning('*')) as ReviewRow[];
      await trx('review_dispositions').where({ week }).delete();
      // E4.2: what the reviewer marked as reported goes to the depositors it concerns.
      const site = await siteOf(app);
      const noticeIds: string[] = [];
      for (const f of signed.filter((x) => x.disposition === 'reported')) {
        const depositors = await depositorsConcerned(trx, f);
        noticeIds.push(
          ...(await enqueueNotices(
            app,
            trx,
            {
              kind: 'weekly_review',
              facts: {
                siteName: { ja: site.nameJa, en: site.nameEn },
                week,
                period: `${displayDate(period.from, tz, 'ja')} – ${displayDate(new Date(period.to.getTime() - 1), tz, 'ja')}`,
                title: FINDING_TITLES[f.kind],
                detail: reportWords(f, tz),
                comment: f.comment,
              },
            },
            await contactRecipients(trx, depositors, 'weekly_review'),
            { subject: `review:${week}`, action: 'reviews.signed' },
            actor.accountId,
          )),
        );
      }
      await appendJournal(trx, {
        actor: actor.accountId,
        action: 'reviews.signed',
        subject: `review:${week}`,
        payload: { recordId: record.id, digest: computed.digestHash, rulesVersion: RULES_VERSION, findings: signed.length, reported: signed.filter((f) => f.disposition === 'reported').length, noticeIds },
      });
      return row!;
    });
  } catch (err) {
    // Two sign-offs at once: the week's unique key lets one in; the other is told so.
    const e = err as { code?: string; constraint?: string; message?: string };
    if (e.code === '23505' && /reviews_week/.test(`${e.constraint ?? ''} ${e.message ?? ''}`)) throw new ConflictError('already_signed', 'This week has just been signed by someone else.');
    throw err;
  }
}

export async function getSignedReview(db: Knex, week: string): Promise<ReviewRow> {
  const row = await signedReviewRow(db, week);
  if (!row) throw new NotFoundError('review', 'This week has not been signed.');
  return row;
}

export async function listSignedReviews(db: Knex, limit: number): Promise<ReviewRow[]> {
  return (await db('reviews').orderBy('period_from', 'desc').limit(limit)) as ReviewRow[];
}

/** Weeks that ended more than 7 days ago without a signed review, since the site began (at most 26 back). */
export async function overdueWeeks(app: AppContext): Promise<string[]> {
  const db = app.db.knex;
  const tz = app.config.displayTimeZone;
  const now = await dbNow(db);
  const startedAt = await siteStartedAt(db);
  const signed = new Set((await db('reviews').pluck('week')) as string[]);
  const out: string[] = [];
  let week = isoWeekOf(new Date(now.getTime() - 7 * 86_400_000), tz);
  for (let i = 0; i < 26; i++) {
    const p = weekPeriod(week, tz);
    if (p.to.getTime() <= startedAt.getTime()) break;
    if (p.to.getTime() + 7 * 86_400_000 <= now.getTime() && !signed.has(week)) out.push(week);
    week = isoWeekOf(new Date(p.from.getTime() - 86_400_000), tz);
  }
  return out;
}

export interface RecheckResult {
  week: string;
  unchanged: boolean;
  rulesVersion: number;
  differences: Array<DigestDifference & { explainedBy: 'retention' | null }>;
  findings: { added: string[]; removed: string[] };
}

/**
 * Recomputes a signed review with the rules of its version and compares it with what was signed:
 * whether the records of its period changed since (days the access-log retention has removed
 * since are explained, not tampering), and which findings appear or disappear.
 */
export async function recheckReview(app: AppContext, week: string): Promise<RecheckResult> {
  const row = await getSignedReview(app.db.knex, week);
  if (row.rules_version !== RULES_VERSION) throw new ConflictError('rules_version', `This review was computed with rules version ${row.rules_version}, which this server no longer has.`);
  const period: Period = { from: row.period_from, to: row.period_to, week };
  const now = await computeReview(app, period);
  const { rows } = await app.db.knex.raw('SELECT now() - make_interval(months => ?) AS cutoff', [app.config.accessLogRetentionMonths]);
  const cutoff = (rows[0] as { cutoff: Date }).cutoff;
  const cutoffDay = cutoff.toLocaleDateString('en-CA', { timeZone: app.config.displayTimeZone });
  const differences = digestDifferences(JSON.parse(row.digest) as PeriodDigest, now.digest).map((d) => ({
    ...d,
    // Retention deletes whole old rows only: a day at or before the cutoff with fewer rows now is explained.
    explainedBy: d.table === 'access_log' && d.day <= cutoffDay && (d.now?.count ?? 0) < (d.signed?.count ?? 0) ? ('retention' as const) : null,
  }));
  const signedFindings = JSON.parse(row.findings) as Finding[];
  const signedKeys = new Set(signedFindings.map((f) => f.key));
  const nowKeys = new Set(now.findings.map((f) => f.key));
  // A finding that rested only on access-log rows the retention has removed since is gone for that
  // reason; and once the retention reaches into the 90 days a sign-in's address is compared with,
  // an old address may look new. Neither is tampering.
  const retentionRemoved = (f: Finding) => f.evidence.entries.length === 0 && f.evidence.journal.length === 0 && f.evidence.accessLog.length > 0 && new Date(f.at).getTime() <= cutoff.getTime();
  const lookbackCut = cutoff.getTime() > period.from.getTime() - now.settings.newAddressLookbackDays * 86_400_000;
  const findings = {
    added: now.findings.filter((f) => !signedKeys.has(f.key) && !(f.kind === 'new_address' && lookbackCut)).map((f) => f.key),
    removed: signedFindings.filter((f) => !nowKeys.has(f.key) && !retentionRemoved(f)).map((f) => f.key),
  };
  return { week, rulesVersion: row.rules_version, unchanged: differences.every((d) => d.explainedBy) && findings.added.length === 0 && findings.removed.length === 0, differences, findings };
}


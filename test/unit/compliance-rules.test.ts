// The compliance view's rules (issue 18, server/compliance/rules.ts): each clause's status from
// facts, one test per outcome, at the boundaries. Clause ids in the test names.
import { describe, expect, it } from 'vitest';
import {
  doorsRule,
  accessLogRule,
  afterHoursRule,
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
  type AppointmentFact,
  type DepositorFact,
  type TraineeFact,
} from '../../server/compliance/rules.js';
import { ATTESTABLE_IDS, CLAUSES } from '../../server/compliance/clauses.js';
import { REASON_CODES, reasonWords } from '../../server/compliance/words.js';

const NOW = new Date('2026-12-06T03:00:00Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const H = 3_600_000;
const D = 24 * H;
const codes = (v: { reasons: Array<{ code: string }> }) => v.reasons.map((r) => r.code);

describe('the clause list', () => {
  it('holds every clause id once, E1.1 … E9.2 and M6.1 … M6.3, with ja and en words', () => {
    const ids = CLAUSES.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ['E1.1', 'E1.2', 'E1.9', 'E2.12', 'E2.13', 'E2.15', 'E3.11', 'E4.1', 'E4.2', 'E5.1', 'E5.2', 'E6.4', 'E8.1', 'E9.1', 'E9.2', 'M6.1', 'M6.2', 'M6.3']) expect(ids).toContain(id);
    for (const c of CLAUSES) {
      expect(c.ja.length, c.id).toBeGreaterThan(0);
      expect(c.en.length, c.id).toBeGreaterThan(0);
      if (c.check === 'enforced') expect(c.how, c.id).toBeDefined();
    }
  });

  it('decides every OUT clause by an attestation; E6.4 may be attested (while the site has no doors, E6.4 falls back on it)', () => {
    for (const c of CLAUSES.filter((x) => x.kind === 'OUT')) expect(ATTESTABLE_IDS, c.id).toContain(c.id);
    expect(ATTESTABLE_IDS).toContain('E6.4');
    expect(ATTESTABLE_IDS).not.toContain('E1.1');
  });

  it('has words for every reason code', () => {
    for (const code of REASON_CODES) {
      const w = reasonWords({ code, params: { depositor: 'X', role: 'staff', person: 'Y', count: 1, labels: 'L', error: 'e', hours: 1, max: 26, takenBy: 't', location: 'l', months: 3, min: 3, rows: 1, seconds: 300, days: 30, failures: 5, month: '2026-12', locations: 'A', week: '2026-W48', weeks: 'W', people: 'P', topics: 'a', orgs: 'O', manager: 'M', kind: 'drill', by: 'B', depositors: 1, doors: 2 } });
      expect(w.ja.length, code).toBeGreaterThan(0);
      expect(w.en.length, code).toBeGreaterThan(0);
      expect(w.en, code).not.toContain('undefined');
    }
  });
});

describe('unknown: facts that could not be read are never an ok', () => {
  it('a failed read is unknown with the reason', () => {
    const v = withFact({ ok: false, error: 'backups: the database could not answer' }, () => enforcedRule());
    expect(v.status).toBe('unknown');
    expect(v.reasons[0]!.params.error).toContain('backups');
  });
  it('a rule that throws is unknown, not ok', () => {
    const v = withFact({ ok: true, value: null as unknown as DepositorFact[] }, (d) => appointmentsRule(d, false));
    expect(v.status).toBe('unknown');
    expect(codes(v)).toEqual(['rule_failed']);
  });
});

describe('E1.1 appointments per depositor', () => {
  const appt = (role: 'responsible' | 'staff', over: Partial<AppointmentFact> = {}): AppointmentFact => ({
    id: `a-${role}`,
    role,
    personId: `p-${role}`,
    personName: role === 'responsible' ? '責任 太郎' : '担当 花子',
    personLeft: false,
    holdsRole: true,
    appointedAt: ago(30 * D),
    interviews: [{ id: `i-${role}`, heldAt: ago(29 * D) }],
    ...over,
  });
  const dep = (over: Partial<DepositorFact> = {}): DepositorFact => ({ id: 'd1', name: '預託元A', current: [appt('responsible'), appt('staff')], left: [], ...over });

  it('ok: both appointed and interviewed, with the evidence', () => {
    const v = appointmentsRule([dep()], false);
    expect(v.status).toBe('ok');
    expect(v.evidence.map((e) => e.type).sort()).toEqual(['appointment', 'appointment', 'interview', 'interview']);
    expect(v.evidenceAt).toEqual(ago(29 * D));
  });
  it('missing: no depositor registered', () => expect(appointmentsRule([], false).status).toBe('missing'));
  it('missing: a depositor with nobody appointed', () => {
    const v = appointmentsRule([dep({ current: [] })], false);
    expect(v.status).toBe('missing');
    expect(codes(v)).toEqual(['not_appointed', 'not_appointed']);
  });
  it('attention: the staff member not appointed', () => expect(codes(appointmentsRule([dep({ current: [appt('responsible')] })], false))).toEqual(['not_appointed']));
  it('attention: no interview recorded', () => {
    const v = appointmentsRule([dep({ current: [appt('responsible'), appt('staff', { interviews: [] })] })], false);
    expect(v.status).toBe('attention');
    expect(codes(v)).toEqual(['no_interview']);
  });
  it('attention: the appointee no longer holds the role', () => expect(codes(appointmentsRule([dep({ current: [appt('responsible', { holdsRole: false }), appt('staff')] })], false))).toEqual(['role_not_held']));
  it('attention: the appointee has left', () => expect(codes(appointmentsRule([dep({ current: [appt('responsible', { personLeft: true }), appt('staff')] })], false))).toEqual(['appointee_left']));
  it('attention: a leave not noticed to the depositor', () => {
    const v = appointmentsRule([dep({ left: [{ appointmentId: 'x', personId: 'p', personName: '退職 一郎', endedAt: ago(D), notificationIds: [], notices: [] }] })], false);
    expect(v.status).toBe('attention');
    expect(codes(v)).toEqual(['leave_not_noticed']);
  });
  it('ok: a leave noticed (no mail configured: the notification is enough)', () => {
    const v = appointmentsRule([dep({ left: [{ appointmentId: 'x', personId: 'p', personName: '退職 一郎', endedAt: ago(D), notificationIds: ['n1'], notices: [{ id: 'm1', status: 'queued' }] }] })], false);
    expect(v.status).toBe('ok');
    expect(v.evidence.some((e) => e.type === 'notification' && e.id === 'n1')).toBe(true);
  });
  it('attention: mail configured and the notice not delivered, or failed', () => {
    const left = (status: string) => [{ appointmentId: 'x', personId: 'p', personName: '退職 一郎', endedAt: ago(D), notificationIds: ['n1'], notices: [{ id: 'm1', status }] }];
    expect(codes(appointmentsRule([dep({ left: left('queued') })], true))).toEqual(['notice_not_delivered']);
    expect(codes(appointmentsRule([dep({ left: left('failed') })], true))).toEqual(['notice_failed']);
    expect(appointmentsRule([dep({ left: left('sent') })], true).status).toBe('ok');
  });
});

describe('E1.2 media after hours', () => {
  it('ok: nothing out, every alert acknowledged', () => {
    const v = afterHoursRule({ heldOutsideHours: [], unacknowledged: [], acknowledged: [{ id: '7', at: ago(H) }] });
    expect(v.status).toBe('ok');
    expect(v.evidence).toEqual([{ type: 'alert', id: '7', href: expect.any(String) }]);
  });
  it('attention: a medium checked out outside working hours', () => {
    const v = afterHoursRule({ heldOutsideHours: [{ mediumId: 'm1', label: 'USB-1' }], unacknowledged: [], acknowledged: [] });
    expect(v.status).toBe('attention');
    expect(codes(v)).toEqual(['held_outside_hours']);
  });
  it('attention: an after-hours alert not acknowledged', () => {
    const v = afterHoursRule({ heldOutsideHours: [], unacknowledged: [{ id: '3', mediumId: 'm1', label: 'USB-1', raisedAt: ago(H) }], acknowledged: [] });
    expect(codes(v)).toEqual(['alerts_unacknowledged']);
    expect(v.evidence[0]).toMatchObject({ type: 'alert', id: '3' });
  });
});

describe('E2.12 / E2.13 backups', () => {
  const ok = (hoursAgo: number, mediumLocation: string | null = '第2金庫') => ({ id: 'b1', finishedAt: ago(hoursAgo * H), takenBy: 'system:backup', takenByPersonId: null, mediumLocation });
  it('E2.12 missing: no backup ever', () => expect(backupDailyRule({ lastOk: null, lastFailed: null }, NOW).status).toBe('missing'));
  it('E2.12 ok: 25 h 59 min old', () => expect(backupDailyRule({ lastOk: { ...ok(0), finishedAt: ago(26 * H - 60_000) }, lastFailed: null }, NOW).status).toBe('ok'));
  it('E2.12 attention: 26 h old, and a failure after it named', () => {
    const v = backupDailyRule({ lastOk: ok(26), lastFailed: { id: 'b2', startedAt: ago(2 * H), error: 'disk full' } }, NOW);
    expect(v.status).toBe('attention');
    expect(codes(v)).toEqual(['backup_old', 'backup_failed']);
  });
  it('E2.13 missing: no backup', () => expect(backupCustodyRule({ lastOk: null, lastFailed: null }).status).toBe('missing'));
  it('E2.13 attention: where the medium is kept not recorded', () => expect(codes(backupCustodyRule({ lastOk: ok(1, null), lastFailed: null }))).toEqual(['medium_location_missing']));
  it('E2.13 ok: who and where recorded', () => expect(backupCustodyRule({ lastOk: ok(1), lastFailed: null }).status).toBe('ok'));
});

describe('E2.15 access log', () => {
  it('ok: 3 months and rows today', () => expect(accessLogRule({ retentionMonths: 3, rowsToday: 1, lastAt: NOW }).status).toBe('ok'));
  it('attention: no rows today', () => expect(codes(accessLogRule({ retentionMonths: 12, rowsToday: 0, lastAt: ago(2 * D) }))).toEqual(['no_rows_today']));
  it('attention: retention under 3 months', () => expect(codes(accessLogRule({ retentionMonths: 2, rowsToday: 5, lastAt: NOW }))).toEqual(['retention_short']));
});

describe('E3.6 / E3.11 settings the code enforces', () => {
  it('E3.6 ok at 300 s, attention at 301 s', () => {
    expect(sessionIdleRule(300).status).toBe('ok');
    expect(sessionIdleRule(301).status).toBe('attention');
  });
  it('E3.11 ok monthly with a lockout; attention beyond 31 days or without a lockout', () => {
    expect(passwordPolicyRule({ maxAgeDays: 30, loginMaxFailures: 5 }).status).toBe('ok');
    expect(codes(passwordPolicyRule({ maxAgeDays: 90, loginMaxFailures: 5 }))).toEqual(['password_age_long']);
    expect(codes(passwordPolicyRule({ maxAgeDays: 30, loginMaxFailures: 0 }))).toEqual(['no_lockout']);
  });
});

describe('E4.1 monthly inspections', () => {
  const loc = (months: string[]) => ({ id: 'l1', name: 'キャビネットA', inspections: months.map((m, i) => ({ id: `i${i}`, month: m, at: ago(D) })) });
  it('missing: no storage location', () => expect(inspectionsRule([], { thisMonth: '2026-12', lastMonth: '2026-11', dayOfMonth: 6 }).status).toBe('missing'));
  it('ok: inspected this month', () => expect(inspectionsRule([loc(['2026-12'])], { thisMonth: '2026-12', lastMonth: '2026-11', dayOfMonth: 20 }).status).toBe('ok'));
  it('ok: last month, until the 10th', () => expect(inspectionsRule([loc(['2026-11'])], { thisMonth: '2026-12', lastMonth: '2026-11', dayOfMonth: 10 }).status).toBe('ok'));
  it('attention: last month only, on the 11th', () => {
    const v = inspectionsRule([loc(['2026-11'])], { thisMonth: '2026-12', lastMonth: '2026-11', dayOfMonth: 11 });
    expect(v.status).toBe('attention');
    expect(v.reasons[0]!.params.locations).toBe('キャビネットA');
  });
});

describe('E4.2 the weekly review', () => {
  const base = { lastWeek: '2026-W48', lastWeekEnd: ago(6 * D), siteStartedAt: ago(60 * D), overdue: [] as string[] };
  it('ok: last week signed', () => expect(weeklyReviewRule({ ...base, signed: { week: '2026-W48', recordId: 'r1', signedAt: ago(D) } }).status).toBe('ok'));
  it('attention: last week not signed', () => expect(codes(weeklyReviewRule({ ...base, signed: null }))).toEqual(['review_not_signed']));
  it('attention: signed, but older weeks overdue', () => expect(weeklyReviewRule({ ...base, overdue: ['2026-W46'], signed: { week: '2026-W48', recordId: 'r1', signedAt: ago(D) } }).status).toBe('attention'));
  it('missing: the site began after last week ended', () => expect(weeklyReviewRule({ ...base, siteStartedAt: ago(2 * D), signed: null }).status).toBe('missing'));
});

describe('E5.1 / E5.2 trainings', () => {
  const person = (topics: string[][] | null): TraineeFact => ({ personId: 'p1', name: '研修 太郎', trainings: (topics ?? []).map((t, i) => ({ id: `t${i}`, heldAt: ago(100 * D), topics: t })) });
  it('missing: no training ever recorded', () => {
    expect(trainingsRule([person(null)], 0).status).toBe('missing');
    expect(trainingTopicsRule([person(null)], 0).status).toBe('missing');
  });
  it('E5.1 ok: everyone on an access list trained within 12 months', () => expect(trainingsRule([person([['a']])], 1).status).toBe('ok'));
  it('E5.1 attention: someone without a training within 12 months', () => expect(codes(trainingsRule([person(null)], 1))).toEqual(['untrained']));
  it('E5.2 ok: topics a–f covered, across two trainings', () => expect(trainingTopicsRule([person([['a', 'b', 'c'], ['d', 'e', 'f']])], 2).status).toBe('ok'));
  it('E5.2 attention: topic f never covered', () => {
    const v = trainingTopicsRule([person([['a', 'b', 'c', 'd', 'e']])], 1);
    expect(v.status).toBe('attention');
    expect(v.reasons[0]!.params.topics).toBe('f');
  });
});

describe('E8 consents, M6.3 NDAs', () => {
  it('E8 ok: no subcontractor holds a badge', () => expect(codes(consentsRule([{ orgId: 'o', name: '再委託', liveBadges: 0, validConsentIds: [] }]))).toEqual(['no_subcontractor_badges']));
  it('E8 ok: badges with a valid consent', () => expect(consentsRule([{ orgId: 'o', name: '再委託', liveBadges: 2, validConsentIds: ['c1'] }]).status).toBe('ok'));
  it('E8 attention: badges without a valid consent', () => expect(consentsRule([{ orgId: 'o', name: '再委託', liveBadges: 1, validConsentIds: [] }]).status).toBe('attention'));
  it('M6.3 ok: nobody external can enter', () => expect(ndasRule([]).status).toBe('ok'));
  it('M6.3 ok: every external person has a valid NDA', () => expect(ndasRule([{ personId: 'p', name: '外部', validNdaIds: ['n1'] }]).status).toBe('ok'));
  it('M6.3 attention: an external person without a valid NDA', () => expect(codes(ndasRule([{ personId: 'p', name: '外部', validNdaIds: [] }]))).toEqual(['nda_missing']));
});

describe('E9.1 fire, E9.2 migration', () => {
  const manager = { id: 'f1', personName: '防火 一郎', appointedAt: ago(400 * D) };
  it('E9.1 ok: a manager and a drill within 12 months', () => expect(fireRule({ manager, lastDrill: { id: 'd1', heldAt: ago(364 * D) } }, NOW).status).toBe('ok'));
  it('E9.1 missing: no manager', () => expect(codes(fireRule({ manager: null, lastDrill: { id: 'd1', heldAt: ago(D) } }, NOW))).toEqual(['no_fire_manager']));
  it('E9.1 missing: no drill ever', () => expect(fireRule({ manager, lastDrill: null }, NOW).status).toBe('missing'));
  it('E9.1 attention: the last drill more than 12 months ago', () => expect(codes(fireRule({ manager, lastDrill: { id: 'd1', heldAt: ago(366 * D) } }, NOW))).toEqual(['fire_drill_old']));
  it('E9.2 missing: no drill of either kind', () => expect(migrationRule({ lastManual: null, lastRestore: null, lastVerifiedRestore: null }, NOW).status).toBe('missing'));
  it('E9.2 ok: a verified restore drill within 12 months', () => {
    const v = migrationRule({ lastManual: null, lastRestore: { id: 'r1', heldAt: ago(D), verified: true }, lastVerifiedRestore: { id: 'r1', heldAt: ago(D) } }, NOW);
    expect(v.status).toBe('ok');
    expect(v.evidence).toEqual([{ type: 'restore_drill', id: 'r1', href: null }]);
  });
  it('E9.2 ok: a manual migration drill within 12 months', () => expect(migrationRule({ lastManual: { id: 'm1', heldAt: ago(10 * D) }, lastRestore: null, lastVerifiedRestore: null }, NOW).status).toBe('ok'));
  it('E9.2 attention: the latest drill more than 12 months ago', () => expect(codes(migrationRule({ lastManual: { id: 'm1', heldAt: ago(400 * D) }, lastRestore: null, lastVerifiedRestore: null }, NOW))).toEqual(['migration_drill_old']));
  it('E9.2 attention: a failed restore drill after the last good one', () => expect(codes(migrationRule({ lastManual: { id: 'm1', heldAt: ago(10 * D) }, lastRestore: { id: 'r2', heldAt: ago(D), verified: false }, lastVerifiedRestore: null }, NOW))).toEqual(['restore_drill_failed']));
  it('E9.2 missing: only a failed restore drill', () => expect(codes(migrationRule({ lastManual: null, lastRestore: { id: 'r2', heldAt: ago(D), verified: false }, lastVerifiedRestore: null }, NOW))).toEqual(['no_migration_drill', 'restore_drill_failed']));
});

describe('OUT attestations and enforced clauses', () => {
  const a = (expiresAt: Date) => ({ id: 'x', clauseId: 'E1.9', recordId: 'r', attestedAt: ago(D), expiresAt, signedByName: '責任 太郎' });
  it('manual: never attested', () => expect(attestationRule(null, NOW).status).toBe('manual'));
  it('ok: attested and not expired', () => expect(attestationRule(a(new Date(NOW.getTime() + 1)), NOW).status).toBe('ok'));
  it('attention: expired (at the instant of expiry)', () => expect(codes(attestationRule(a(NOW), NOW))).toEqual(['attestation_expired']));
  it('enforced: ok', () => expect(enforcedRule().status).toBe('ok'));
});

describe('order of rows', () => {
  it('attention, missing, unknown, manual, ok; then clause order', () => {
    const rows = sortRows([
      { status: 'ok' as const, order: 0 },
      { status: 'manual' as const, order: 1 },
      { status: 'attention' as const, order: 5 },
      { status: 'unknown' as const, order: 2 },
      { status: 'missing' as const, order: 3 },
      { status: 'attention' as const, order: 4 },
    ]);
    expect(rows.map((r) => `${r.status}${r.order}`)).toEqual(['attention4', 'attention5', 'missing3', 'unknown2', 'manual1', 'ok0']);
  });
});

describe('E6.4 rooms stay locked (issue 20): the doors report and no door alarm is open', () => {
  const door = (id: string, heartbeatAgoMs: number | null) => ({ id, name: `扉${id}`, roomName: '処理室', registeredAt: new Date(NOW.getTime() - 3_600_000), heartbeatReceivedAt: heartbeatAgoMs === null ? null : new Date(NOW.getTime() - heartbeatAgoMs) });
  const alarm = { id: 'a1', kind: 'forced', doorName: '扉1', roomName: '処理室', raisedAt: new Date(NOW.getTime() - 60_000) };
  const attested = { id: 'x', clauseId: 'E6.4', recordId: 'r', attestedAt: new Date(NOW.getTime() - 86_400_000), expiresAt: new Date(NOW.getTime() + 86_400_000), signedByName: '責任者' };
  it('no doors: the attestation decides, as before the doors (manual without one, ok with one)', () => {
    expect(codes(doorsRule({ doors: [], openAlarms: [] }, null, NOW, 30))).toEqual(['no_doors', 'attestation_needed']);
    expect(doorsRule({ doors: [], openAlarms: [] }, null, NOW, 30).status).toBe('manual');
    expect(doorsRule({ doors: [], openAlarms: [] }, attested, NOW, 30).status).toBe('ok');
  });
  it('ok: every door reported within the limit and no alarm is open (an attestation does not matter then)', () => {
    const v = doorsRule({ doors: [door('1', 1000), door('2', 30_000)], openAlarms: [] }, null, NOW, 30);
    expect(v.status).toBe('ok');
    expect(v.reasons[0]).toEqual({ code: 'doors_report', params: { doors: 2 } });
  });
  it('attention: an open alarm (even with an attestation)', () => {
    const v = doorsRule({ doors: [door('1', 1000)], openAlarms: [alarm] }, attested, NOW, 30);
    expect(v.status).toBe('attention');
    expect(codes(v)).toEqual(['door_alarms_open']);
    expect(v.evidence).toEqual([{ type: 'door_alarm', id: 'a1', href: '/api/door-alarms' }]);
  });
  it('attention: a door past the limit without a heartbeat, or never reporting since registered long ago', () => {
    const v = doorsRule({ doors: [door('1', 30_001), door('2', null), door('3', 0)], openAlarms: [] }, null, NOW, 30);
    expect(v.status).toBe('attention');
    expect(codes(v)).toEqual(['doors_offline']);
    expect(v.reasons[0]!.params.count).toBe(2);
  });
  it('an open alarm of a site whose doors were all revoked still needs attention', () => {
    expect(doorsRule({ doors: [], openAlarms: [alarm] }, attested, NOW, 30).status).toBe('attention');
  });
});

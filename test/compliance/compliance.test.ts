// The compliance view and its records (issue 18, parts 1 and 2), end to end through the API on a
// real database: a site whose records satisfy some clauses and break others, and every row's status
// checked as the records change — appointments per depositor with their interviews (E1.1), leaves
// noticed, after-hours media and alerts acknowledged with a note (E1.2), backups (E2.12, E2.13),
// the access log (E2.15), inspections (E4.1), the weekly review (E4.2), trainings with topics a–f
// (E5), subcontractor consents (E8), NDAs (M6.3), the fire-prevention manager and drills (E9.1),
// migration and restore drills (E9.2), manual attestations signed with badge + PIN (OUT, E6.4).
// Bad input is refused with 4xx and nothing stored; a fact that cannot be read is "unknown", never
// "ok"; JSON and CSV; permissions (auditors read, never write); every change journaled.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { custodySite, PIN, type CustodySite, type SitePerson } from '../helpers/custody.js';
import { holderSetsPin } from '../helpers/pins.js';
import { raiseAfterHoursAlerts } from '../../server/custody/service.js';
import { CLAUSES } from '../../server/compliance/clauses.js';

let s: TestServer;
let site: CustodySite;
let backupDir: string;
const knex = () => s.ctx.db.knex;

interface Row {
  id: string;
  kind: string;
  status: string;
  reasons: Array<{ code: string; params: Record<string, unknown>; ja: string; en: string }>;
  evidence: Array<{ type: string; id: string; href: string | null }>;
  evidenceAt: string | null;
  asOf: string;
  attestable: boolean;
  title: { ja: string; en: string };
}

beforeAll(async () => {
  backupDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tachiai-compliance-backup-'));
  // Site working hours that never include "now" (a minute after midnight, site time): a medium
  // checked out in a room without hours of its own is out after hours (E1.2).
  s = await startTestServer({ scryptCost: 1024, backupDir, workingHours: { days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '00:01' } });
  site = await custodySite(s);
}, 60_000);
afterAll(async () => {
  await s?.close();
  fs.rmSync(backupDir, { recursive: true, force: true });
});

async function view(token?: string): Promise<{ asOf: string; summary: Record<string, number>; rows: Row[] }> {
  const res = await site.call('get', '/api/compliance', undefined, token);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}
async function row(id: string): Promise<Row> {
  const r = (await view()).rows.find((x) => x.id === id);
  expect(r, id).toBeDefined();
  return r!;
}
const codes = (r: Row) => r.reasons.map((x) => x.code);

/** Counts of rows in tables, and the journal's head: what a refused request must leave as it was. */
async function state(tables: string[]): Promise<string> {
  const out: string[] = [];
  for (const t of tables) out.push(`${t}=${(await knex()(t).count({ n: '*' }).first())!.n}`);
  // Door scans reach the journal through its intake a moment later: count both.
  const head = await knex()('journal_entries').orderBy('seq', 'desc').first('seq');
  const waiting = (await knex()('journal_intake').count({ n: '*' }).first())!.n;
  out.push(`journal=${Number(head?.seq ?? 0) + Number(waiting)}`);
  return out.join(' ');
}
async function refused(tables: string[], send: () => Promise<request.Response>, status: number, code?: string): Promise<request.Response> {
  const before = await state(tables);
  const res = await send();
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body.error?.code).toBeTypeOf('string');
  if (code) expect(res.body.error.code).toBe(code);
  expect(await state(tables)).toBe(before);
  return res;
}

/** A person with a sign-in account, a badge with its PIN, and access to the secure room. */
async function accountWithBadge(roles: string[], name: string) {
  const u = await s.createUser({ roles, name });
  const b = await site.ok('post', '/api/badges', { personId: u.personId }, 201);
  await holderSetsPin(s.ctx, b.id, PIN);
  await site.ok('post', `/api/rooms/${site.roomId}/access`, { personId: u.personId }, 201);
  return { ...u, id: u.personId, badge: b.token as string, badgeId: b.id as string, pin: PIN, token: await s.login(u) };
}

describe('the view on a new site', () => {
  it('has one row per clause, attention first, each with kind, words and freshness', async () => {
    const v = await view();
    expect(v.rows.map((r) => r.id).sort()).toEqual(CLAUSES.map((c) => c.id).sort());
    const order = ['attention', 'missing', 'unknown', 'manual', 'ok'];
    const ranks = v.rows.map((r) => order.indexOf(r.status));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(Object.values(v.summary).reduce((a, b) => a + b, 0)).toBe(CLAUSES.length);
    for (const r of v.rows) {
      expect(['SYS', 'REC', 'OUT']).toContain(r.kind);
      expect(r.asOf).toMatch(/^\d{4}-\d{2}-\d{2}T.*\+09:00$/);
      expect(r.title.ja.length).toBeGreaterThan(0);
      expect(r.reasons.length).toBeGreaterThan(0);
      for (const reason of r.reasons) expect(reason.ja.length * reason.en.length).toBeGreaterThan(0);
    }
    const status = Object.fromEntries(v.rows.map((r) => [r.id, r.status]));
    // A depositor with nobody appointed; no backup; no drill; no manager; no training.
    expect(status).toMatchObject({ 'E1.1': 'missing', 'E2.12': 'missing', 'E2.13': 'missing', 'E9.1': 'missing', 'E9.2': 'missing', 'E5.1': 'missing', 'E5.2': 'missing' });
    // Locations never inspected; the site began this week (no full week to review).
    expect(status).toMatchObject({ 'E4.1': 'attention', 'E4.2': 'missing' });
    // OUT clauses wait for an attestation; settings and enforced rules are ok.
    expect(status).toMatchObject({ 'E1.9': 'manual', 'E2.2': 'manual', 'E6.4': 'manual', 'E3.6': 'ok', 'E3.11': 'ok', 'E2.17': 'ok', 'M6.3': 'ok', 'E8.1': 'ok' });
  });

  it('E2.15: retention and today\'s rows of the access log', async () => {
    // The access log is written just after each answer: wait for today's rows.
    let r = await row('E2.15');
    for (let i = 0; i < 40 && r.status !== 'ok'; i++) {
      await new Promise((done) => setTimeout(done, 100));
      r = await row('E2.15');
    }
    expect(r.status).toBe('ok');
    expect(r.reasons[0]!.params.months).toBe(12);
  });

  it('reads for auditors, responsible and authorised persons; not for staff or guards; drills and attestations are not the auditor\'s', async () => {
    const auditor = await s.createUser({ roles: ['auditor'] });
    const token = await s.login(auditor);
    expect((await view(token)).rows.length).toBe(CLAUSES.length);
    expect((await site.call('get', '/api/compliance/attestations', undefined, token)).status).toBe(200);
    expect((await site.call('get', '/api/drills', undefined, token)).status).toBe(200);
    await refused(['drills'], () => site.call('post', '/api/drills', { kind: 'fire', heldAt: new Date().toISOString(), leaderPersonId: auditor.personId, participantIds: [auditor.personId], findings: '問題なし' }, token), 403);
    for (const roles of [['staff'], ['guard']]) {
      const u = await s.createUser({ roles });
      expect((await site.call('get', '/api/compliance', undefined, await s.login(u))).status).toBe(403);
    }
    expect((await request(s.url).get('/api/compliance')).status).toBe(401);
  });
});

describe('E1.1: the responsible person and staff member per depositor, with the interview', () => {
  let responsible: SitePerson;
  let staff: SitePerson;
  const tables = ['depositor_appointments', 'appointment_interviews'];

  beforeAll(async () => {
    responsible = await site.person('責任 太郎', ['responsible']);
    staff = await site.person('担当 花子', ['staff']);
  });

  it('refuses what is not an appointment, storing nothing', async () => {
    const body = (over: Record<string, unknown>) => ({ depositorOrgId: site.depositorOrgId, personId: responsible.id, role: 'responsible', ...over });
    await refused(tables, () => site.call('post', '/api/depositor-appointments', body({ personId: staff.id })), 409, 'role_not_held');
    await refused(tables, () => site.call('post', '/api/depositor-appointments', body({ depositorOrgId: site.contractorOrgId })), 400);
    await refused(tables, () => site.call('post', '/api/depositor-appointments', body({ appointedAt: new Date(Date.now() + 86_400_000).toISOString() })), 400);
    await refused(tables, () => site.call('post', '/api/depositor-appointments', body({ personId: '4f1d0c52-0000-4000-8000-000000000000' })), 404);
    await refused(tables, () => site.call('post', '/api/depositor-appointments', body({ role: 'boss' })), 400);
    await refused(tables, () => site.call('post', '/api/depositor-appointments', { ...body({}), extra: 1 }), 400);
  });

  let responsibleAppt: string;
  let staffAppt: string;
  it('appointed without an interview: attention, naming what is missing', async () => {
    responsibleAppt = (await site.ok('post', '/api/depositor-appointments', { depositorOrgId: site.depositorOrgId, personId: responsible.id, role: 'responsible', note: '勤続10年' }, 201)).id;
    const a = await site.ok('post', '/api/depositor-appointments', { depositorOrgId: site.depositorOrgId, personId: staff.id, role: 'staff' }, 201);
    staffAppt = a.id;
    expect(a).toMatchObject({ role: 'staff', personName: '担当 花子', depositorName: '株式会社預託元', endedAt: null, interviews: [] });
    await refused(tables, () => site.call('post', '/api/depositor-appointments', { depositorOrgId: site.depositorOrgId, personId: staff.id, role: 'staff' }), 409, 'already_appointed');
    const r = await row('E1.1');
    expect(r.status).toBe('attention');
    expect(codes(r)).toEqual(['no_interview', 'no_interview']);
    expect(r.evidence.filter((e) => e.type === 'appointment').map((e) => e.id).sort()).toEqual([responsibleAppt, staffAppt].sort());
  });

  it('interviews recorded (面談: date, who of the depositor, who of ours): ok', async () => {
    const heldAt = new Date(Date.now() - 3_600_000).toISOString();
    await refused(tables, () => site.call('post', `/api/depositor-appointments/${responsibleAppt}/interviews`, { heldAt, depositorParticipants: ['預託 次郎'], participantIds: [staff.id] }), 400);
    await refused(tables, () => site.call('post', `/api/depositor-appointments/${responsibleAppt}/interviews`, { heldAt, depositorParticipants: [], participantIds: [responsible.id] }), 400);
    await refused(tables, () => site.call('post', `/api/depositor-appointments/${responsibleAppt}/interviews`, { heldAt: new Date(Date.now() + 7_200_000).toISOString(), depositorParticipants: ['預託 次郎'], participantIds: [responsible.id] }), 400);
    await refused(tables, () => site.call('post', `/api/depositor-appointments/4f1d0c52-0000-4000-8000-000000000000/interviews`, { heldAt, depositorParticipants: ['預託 次郎'], participantIds: [responsible.id] }), 404);
    const a = await site.ok('post', `/api/depositor-appointments/${responsibleAppt}/interviews`, { heldAt, depositorParticipants: ['預託 次郎'], participantIds: [responsible.id, staff.id], note: '初回面談' }, 201);
    expect(a.interviews).toHaveLength(1);
    expect(a.interviews[0]).toMatchObject({ depositorParticipants: ['預託 次郎'], participantIds: [responsible.id, staff.id], note: '初回面談' });
    await site.ok('post', `/api/depositor-appointments/${staffAppt}/interviews`, { heldAt, depositorParticipants: ['預託 次郎', '預託 三郎'], participantIds: [staff.id] }, 201);
    const r = await row('E1.1');
    expect(r.status).toBe('ok');
    expect(r.evidence.filter((e) => e.type === 'interview')).toHaveLength(2);
    expect(r.evidenceAt).not.toBeNull();
    const list = await site.ok('get', `/api/depositor-appointments?depositorOrgId=${site.depositorOrgId}&current=true`, undefined, 200);
    expect(list.items.map((x: { id: string }) => x.id).sort()).toEqual([responsibleAppt, staffAppt].sort());
  });

  it('the staff member leaves: the appointment ends with the leave, the depositor is notified, the row says who is missing', async () => {
    await site.ok('post', `/api/people/${staff.id}/leave`, { reason: 'resigned' }, 200);
    const ended = await knex()('depositor_appointments').where({ id: staffAppt }).first();
    expect(ended.ended_reason).toBe('resigned');
    const notified = await knex()('notifications').where({ person_id: staff.id, depositor_org_id: site.depositorOrgId });
    expect(notified).toHaveLength(1);
    const r = await row('E1.1');
    expect(r.status).toBe('attention');
    expect(codes(r)).toEqual(['not_appointed']);
    expect(r.reasons[0]!.params).toMatchObject({ role: 'staff' });
    expect(r.evidence.some((e) => e.type === 'notification' && e.id === notified[0].id)).toBe(true);
  });

  it('a successor appointed and interviewed: ok again; ending an appointment is refused twice', async () => {
    const successor = await site.person('後任 次郎', ['staff']);
    const a = await site.ok('post', '/api/depositor-appointments', { depositorOrgId: site.depositorOrgId, personId: successor.id, role: 'staff' }, 201);
    await site.ok('post', `/api/depositor-appointments/${a.id}/interviews`, { heldAt: new Date(Date.now() - 60_000).toISOString(), depositorParticipants: ['預託 次郎'], participantIds: [successor.id] }, 201);
    expect((await row('E1.1')).status).toBe('ok');
    await refused(tables, () => site.call('post', `/api/depositor-appointments/${staffAppt}/end`, { reason: 'other' }), 409, 'already_ended');
  });

  it('an appointment ended by a transfer notifies its depositor at once, on screen and by e-mail (E1.1); ended as replaced, nothing is sent', async () => {
    const contact = await site.ok('post', `/api/orgs/${site.depositorOrgId}/contacts`, { name: '預託 窓口', email: 'madoguchi@depositor.example.jp', lang: 'ja', kinds: ['personnel_change'] }, 201);
    const moved = await site.person('異動 三郎', ['staff']);
    const a = await site.ok('post', '/api/depositor-appointments', { depositorOrgId: site.depositorOrgId, personId: moved.id, role: 'staff' }, 201);
    await site.ok('post', `/api/depositor-appointments/${a.id}/end`, { reason: 'transferred', note: '営業部へ' }, 200);
    const notified = await knex()('notifications').where({ kind: 'personnel_change', person_id: moved.id });
    expect(notified.map((n: { depositor_org_id: string }) => n.depositor_org_id)).toEqual([site.depositorOrgId]);
    const notices = await knex()('notices').where({ kind: 'personnel_change', cause_subject: `person:${moved.id}` });
    expect(notices).toHaveLength(1);
    expect(notices[0].contact_id).toBe(contact.id);
    expect(notices[0].body_text).toContain('担当者としての選任を終了しました');
    expect(notices[0].body_text).not.toContain('入館証');
    expect(codes(await row('E1.1'))).not.toContain('leave_not_noticed');
    // The same person appointed again and replaced: a replacement is no personnel change.
    const again = await site.ok('post', '/api/depositor-appointments', { depositorOrgId: site.depositorOrgId, personId: moved.id, role: 'staff' }, 201);
    await site.ok('post', `/api/depositor-appointments/${again.id}/end`, { reason: 'other' }, 200);
    expect(await knex()('notifications').where({ kind: 'personnel_change', person_id: moved.id })).toHaveLength(1);
    // Two clerks end the same appointment at once: one succeeds, the other is refused, and the
    // depositor is notified once (the row lock in endDepositorAppointment; the refusal rolls back).
    const twice = await site.person('同時 五郎', ['staff']);
    const c = await site.ok('post', '/api/depositor-appointments', { depositorOrgId: site.depositorOrgId, personId: twice.id, role: 'staff' }, 201);
    const answers = await Promise.all([1, 2].map(() => site.call('post', `/api/depositor-appointments/${c.id}/end`, { reason: 'resigned' })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    expect(answers.find((a) => a.status === 409)!.body.error.code).toBe('already_ended');
    expect(await knex()('notifications').where({ kind: 'personnel_change', person_id: twice.id })).toHaveLength(1);
    expect(await knex()('notices').where({ kind: 'personnel_change', cause_subject: `person:${twice.id}` })).toHaveLength(1);
    // A staff member appointed and interviewed again, for the tests that follow.
    const next = await site.person('後任 四郎', ['staff']);
    const b = await site.ok('post', '/api/depositor-appointments', { depositorOrgId: site.depositorOrgId, personId: next.id, role: 'staff' }, 201);
    await site.ok('post', `/api/depositor-appointments/${b.id}/interviews`, { heldAt: new Date(Date.now() - 60_000).toISOString(), depositorParticipants: ['預託 次郎'], participantIds: [next.id] }, 201);
    expect((await row('E1.1')).status).toBe('ok');
  });
});

describe('E1.2: media after hours, and alerts acknowledged with a note', () => {
  let holder: SitePerson;
  let medium: { id: string };
  let alertId: string;

  it('a medium checked out outside working hours: attention naming it', async () => {
    holder = await site.person('持出 太郎', ['staff']);
    medium = await site.medium('USB-夜間');
    await site.enter(holder);
    await site.ok('post', `/api/media/${medium.id}/checkout`, { personId: holder.id, badge: holder.badge, pin: holder.pin }, 201);
    const r = await row('E1.2');
    expect(r.status).toBe('attention');
    expect(codes(r)).toEqual(['held_outside_hours']);
    expect(r.evidence).toContainEqual({ type: 'medium', id: medium.id, href: `/api/media/${medium.id}` });
  });

  it('an after-hours alert waits for acknowledgement; a note is required, once', async () => {
    // The room gets opening hours that exclude now (as if it had closed), and the check runs.
    await knex()('rooms').where({ id: site.roomId }).update({ hours_days: [1, 2, 3, 4, 5, 6, 7], hours_from: '00:00', hours_to: '00:01' });
    expect(await raiseAfterHoursAlerts(s.ctx)).toBe(1);
    alertId = String((await knex()('custody_alerts').where({ medium_id: medium.id }).first('id')).id);
    let r = await row('E1.2');
    expect(codes(r)).toEqual(['held_outside_hours', 'alerts_unacknowledged']);
    const listed = await site.ok('get', '/api/custody/alerts?unacknowledged=true', undefined, 200);
    expect(listed.items.map((a: { id: string }) => a.id)).toContain(alertId);
    const tables = ['custody_alerts'];
    await refused(tables, () => site.call('post', `/api/custody/alerts/${alertId}/acknowledge`, {}), 400);
    await refused(tables, () => site.call('post', `/api/custody/alerts/${alertId}/acknowledge`, { note: '   ' }), 400);
    await refused(tables, () => site.call('post', '/api/custody/alerts/999999/acknowledge', { note: '確認' }), 404);
    await refused(tables, () => site.call('post', '/api/custody/alerts/abc/acknowledge', { note: '確認' }), 404);
    const staffToken = await s.login(await s.createUser({ roles: ['staff'] }));
    await refused(tables, () => site.call('post', `/api/custody/alerts/${alertId}/acknowledge`, { note: '確認' }, staffToken), 403);
    const ack = await site.ok('post', `/api/custody/alerts/${alertId}/acknowledge`, { note: '残業のため。21時に返却を確認' }, 200);
    expect(ack.acknowledgement).toMatchObject({ personId: s.admin.personId, note: '残業のため。21時に返却を確認' });
    await refused(tables, () => site.call('post', `/api/custody/alerts/${alertId}/acknowledge`, { note: 'もう一度' }), 409, 'already_acknowledged');
    r = await row('E1.2');
    expect(codes(r)).toEqual(['held_outside_hours']);
  });

  it('checked back in: ok, with the acknowledged alert as evidence', async () => {
    await site.ok('post', `/api/media/${medium.id}/checkin`, { locationId: site.cabinetId, badge: holder.badge, pin: holder.pin }, 201);
    await site.leave(holder);
    await knex()('rooms').where({ id: site.roomId }).update({ hours_days: null, hours_from: null, hours_to: null });
    const r = await row('E1.2');
    expect(r.status).toBe('ok');
    expect(r.evidence).toContainEqual(expect.objectContaining({ type: 'alert', id: alertId }));
  });
});

describe('E2.12 / E2.13: backups', () => {
  it('a backup by an authorised person without where its medium is kept: E2.12 ok, E2.13 attention; with it: ok; 26 hours later: attention', async () => {
    const authorised = await accountWithBadge(['authorized'], '権限 一郎');
    const take = (mediumLocation?: string) =>
      request(s.url).post('/api/backups').set('authorization', `Bearer ${authorised.token}`).send({ signer: { personId: authorised.id, badge: authorised.badge, pin: PIN }, ...(mediumLocation ? { mediumLocation } : {}) });
    const first = await take();
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect((await row('E2.12')).status).toBe('ok');
    const custody = await row('E2.13');
    expect(custody.status).toBe('attention');
    expect(codes(custody)).toEqual(['medium_location_missing']);
    const second = await take('第2金庫');
    expect(second.status).toBe(201);
    const ok = await row('E2.13');
    expect(ok.status).toBe('ok');
    expect(ok.evidence).toEqual([{ type: 'backup', id: second.body.id, href: '/api/backups' }]);
    // As if a day and more had passed without one.
    await knex()('backups').update({ finished_at: knex().raw("now() - interval '27 hours'"), started_at: knex().raw("now() - interval '27 hours'") });
    const old = await row('E2.12');
    expect(old.status).toBe('attention');
    expect(old.reasons[0]).toMatchObject({ code: 'backup_old', params: { hours: 27, max: 26 } });
  });
});

describe('E5: trainings with the topics a–f', () => {
  it('refuses unknown or repeated topics, storing nothing', async () => {
    const base = { title: '情報セキュリティ研修', heldAt: new Date(Date.now() - 86_400_000).toISOString(), instructor: '講師 一郎', method: '集合研修', content: '預託情報保護要領', participantIds: [s.admin.personId] };
    await refused(['trainings'], () => site.call('post', '/api/trainings', { ...base, topics: ['g'] }), 400);
    await refused(['trainings'], () => site.call('post', '/api/trainings', { ...base, topics: ['a', 'a'] }), 400);
  });

  it('everyone on an access list trained within 12 months, topics a–e only: E5.1 ok, E5.2 attention; then f: ok', async () => {
    const onLists = [...new Set((await knex()('room_access').pluck('person_id')) as string[])];
    const active = (await knex()('people').whereIn('id', onLists).whereNull('left_at').pluck('id')) as string[];
    const base = { title: '情報セキュリティ研修', heldAt: new Date(Date.now() - 86_400_000).toISOString(), instructor: '講師 一郎', method: '集合研修', content: '預託情報保護要領の説明', participantIds: active };
    const t = await site.ok('post', '/api/trainings', { ...base, topics: ['a', 'b', 'c', 'd', 'e'] }, 201);
    expect(t.topics).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect((await row('E5.1')).status).toBe('ok');
    const topics = await row('E5.2');
    expect(topics.status).toBe('attention');
    expect(topics.reasons[0]!.params.topics).toBe('f');
    await site.ok('post', '/api/trainings', { ...base, title: '懲戒規定の研修', topics: ['f'] }, 201);
    expect((await row('E5.2')).status).toBe('ok');
    const listed = await site.ok('get', '/api/trainings', undefined, 200);
    expect(listed.items[0].topics).toBeInstanceOf(Array);
  });
});

describe('E8 consents and M6.3 NDAs', () => {
  it('a subcontractor\'s person with a badge and no consent: attention; the consent recorded: ok', async () => {
    // The badge is issued under a consent (E8, enforced at issuance) that has since run out.
    const sub = await site.ok('post', '/api/orgs', { name: '再委託株式会社', kind: 'subcontractor' }, 201);
    const first = await site.ok('post', `/api/orgs/${sub.id}/consents`, { depositorOrgId: site.depositorOrgId, grantedAt: new Date(Date.now() - 86_400_000).toISOString(), documentRef: '承諾書-1' }, 201);
    const p = await site.ok('post', '/api/people', { name: '再委託 一郎', orgId: sub.id, roles: ['staff'] }, 201);
    await site.ok('post', '/api/badges', { personId: p.id }, 201);
    expect((await row('E8.1')).status).toBe('ok');
    await knex()('org_consents').where({ id: first.id }).update({ expires_at: knex().raw("now() - interval '1 minute'") });
    const r = await row('E8.1');
    expect(r.status).toBe('attention');
    expect(r.reasons[0]!.params.orgs).toBe('再委託株式会社');
    const renewed = await site.ok('post', `/api/orgs/${sub.id}/consents`, { depositorOrgId: site.depositorOrgId, grantedAt: new Date(Date.now() - 60_000).toISOString(), documentRef: '承諾書-2' }, 201);
    expect((await row('E8.1')).status).toBe('ok');
    expect((await row('E8.2')).evidence).toEqual([{ type: 'consent', id: renewed.id, href: `/api/orgs/${sub.id}` }]);
  });

  it('an external person with a badge to a secure room and no NDA: attention; the NDA on file: ok', async () => {
    const visitors = await site.ok('post', '/api/orgs', { name: '訪問株式会社', kind: 'visitor_company' }, 201);
    const p = await site.ok('post', '/api/people', { name: '外部 花子', orgId: visitors.id, roles: ['visitor'] }, 201);
    await site.ok('post', '/api/badges', { personId: p.id }, 201);
    await site.ok('post', `/api/rooms/${site.roomId}/access`, { personId: p.id }, 201);
    const r = await row('M6.3');
    expect(r.status).toBe('attention');
    expect(r.reasons[0]!.params.people).toBe('外部 花子');
    const nda = await site.ok('post', '/api/ndas', { personId: p.id, signedAt: new Date(Date.now() - 60_000).toISOString(), documentRef: '念書-7' }, 201);
    const ok = await row('M6.3');
    expect(ok.status).toBe('ok');
    expect(ok.evidence).toContainEqual({ type: 'nda', id: nda.id, href: `/api/ndas?personId=${p.id}` });
  });
});

describe('E9.1: the fire-prevention manager and fire drills', () => {
  let manager: SitePerson;
  const tables = ['drills', 'drill_participants'];

  it('refuses a drill in the future, a standby site on a fire drill, unknown or repeated people', async () => {
    manager = await site.person('防火 管理', ['staff']);
    const body = (over: Record<string, unknown>) => ({ kind: 'fire', heldAt: new Date(Date.now() - 60_000).toISOString(), leaderPersonId: manager.id, participantIds: [s.admin.personId], findings: '避難完了 3分', ...over });
    await refused(tables, () => site.call('post', '/api/drills', body({ heldAt: new Date(Date.now() + 86_400_000).toISOString() })), 400);
    await refused(tables, () => site.call('post', '/api/drills', body({ standbySite: '大阪DC' })), 400);
    await refused(tables, () => site.call('post', '/api/drills', body({ participantIds: ['4f1d0c52-0000-4000-8000-000000000000'] })), 404);
    await refused(tables, () => site.call('post', '/api/drills', body({ participantIds: [s.admin.personId, s.admin.personId] })), 400);
    await refused(tables, () => site.call('post', '/api/drills', body({ findings: '' })), 400);
  });

  it('a manager without a drill: missing; a drill 13 months ago: attention; a recent one: ok', async () => {
    await refused(['fire_prevention_managers'], () => site.call('post', '/api/fire-prevention-managers', { personId: manager.id, appointedAt: new Date(Date.now() + 86_400_000).toISOString() }), 400);
    const m = await site.ok('post', '/api/fire-prevention-managers', { personId: manager.id, certificateRef: '防火管理講習 第123号' }, 201);
    expect(m).toMatchObject({ personId: manager.id, personName: '防火 管理', endedAt: null, certificateRef: '防火管理講習 第123号' });
    let r = await row('E9.1');
    expect(r.status).toBe('missing');
    expect(codes(r)).toEqual(['no_fire_drill']);
    await site.ok('post', '/api/drills', { kind: 'fire', heldAt: new Date(Date.now() - 396 * 86_400_000).toISOString(), leaderPersonId: manager.id, participantIds: [s.admin.personId], findings: '避難経路に障害物' }, 201);
    r = await row('E9.1');
    expect(r.status).toBe('attention');
    expect(codes(r)).toEqual(['fire_drill_old']);
    const d = await site.ok('post', '/api/drills', { kind: 'fire', heldAt: new Date(Date.now() - 86_400_000).toISOString(), leaderPersonId: manager.id, participantIds: [s.admin.personId], findings: '避難完了 3分、問題なし' }, 201);
    expect(d.participantIds.sort()).toEqual([manager.id, s.admin.personId].sort());
    expect(d.leaderName).toBe('防火 管理');
    r = await row('E9.1');
    expect(r.status).toBe('ok');
    expect(r.evidence).toContainEqual({ type: 'drill', id: d.id, href: '/api/drills?kind=fire' });
    expect((await site.ok('get', '/api/fire-prevention-managers', undefined, 200)).items[0].id).toBe(m.id);
  });

  it('the manager leaves: the appointment ends with the leave, and the row says none is appointed', async () => {
    await site.ok('post', `/api/people/${manager.id}/leave`, { reason: 'transferred' }, 200);
    const managers = await site.ok('get', '/api/fire-prevention-managers', undefined, 200);
    expect(managers.items[0].endedAt).not.toBeNull();
    const r = await row('E9.1');
    expect(r.status).toBe('missing');
    expect(codes(r)).toEqual(['no_fire_manager']);
    const successor = await site.person('防火 後任', ['staff']);
    await site.ok('post', '/api/fire-prevention-managers', { personId: successor.id }, 201);
    expect((await row('E9.1')).status).toBe('ok');
  });
});

describe('E9.2: migration drills and restore drills', () => {
  it('a failed restore drill alone: missing; a manual migration drill: ok; a failed restore drill after it: attention', async () => {
    const insertRestore = (verified: boolean, hoursAgo: number) =>
      knex()('restore_drills').insert({
        id: crypto.randomUUID(),
        started_at: knex().raw(`now() - interval '${hoursAgo} hours' - interval '1 minute'`),
        finished_at: knex().raw(`now() - interval '${hoursAgo} hours'`),
        backup_file: 'x.tbk',
        backup_sha256: 'ab'.repeat(32),
        target: 'scratch',
        rows: 10,
        verified,
        error: verified ? null : 'verify failed',
        run_by: 'cli:test',
      });
    await insertRestore(false, 48);
    let r = await row('E9.2');
    expect(r.status).toBe('missing');
    expect(codes(r)).toEqual(['no_migration_drill', 'restore_drill_failed']);
    const leader = s.admin.personId;
    await refused(['drills'], () => site.call('post', '/api/drills', { kind: 'migration', heldAt: new Date(Date.now() - 7_200_000).toISOString(), leaderPersonId: leader, participantIds: [leader], findings: '切替 40分' }), 400);
    const d = await site.ok('post', '/api/drills', { kind: 'migration', heldAt: new Date(Date.now() - 72 * 3_600_000).toISOString(), leaderPersonId: leader, participantIds: [leader], findings: '予備サイトへの切替 40分', standbySite: '大阪DC' }, 201);
    expect(d.standbySite).toBe('大阪DC');
    r = await row('E9.2');
    expect(r.status).toBe('attention');
    expect(codes(r)).toEqual(['restore_drill_failed']);
    await insertRestore(true, 1);
    r = await row('E9.2');
    expect(r.status).toBe('ok');
    expect(r.evidence.map((e) => e.type).sort()).toEqual(['drill', 'restore_drill']);
  });
});

describe('OUT clauses: manual attestations signed with badge + PIN', () => {
  let responsible: Awaited<ReturnType<typeof accountWithBadge>>;
  const tables = ['compliance_attestations', 'signed_records', 'signatures'];
  const attest = (body: Record<string, unknown>, token: string) => request(s.url).post('/api/compliance/attestations').set('authorization', `Bearer ${token}`).send(body);

  beforeAll(async () => {
    responsible = await accountWithBadge(['responsible'], '表明 責任者');
  });
  const good = () => ({ clauseId: 'E1.9', note: '複写機は20時に電源を切ることを確認した', signer: { personId: responsible.id, badge: responsible.badge, pin: PIN } });

  it('refused — nothing stored — without a note, with a wrong PIN, with another\'s badge, for a clause the records decide, by someone not responsible', async () => {
    await refused(tables, () => attest({ ...good(), note: undefined }, responsible.token), 400);
    await refused(tables, () => attest({ ...good(), note: ' ' }, responsible.token), 400);
    await refused(tables, () => attest({ ...good(), signer: { ...good().signer, pin: '000000' } }, responsible.token), 400, 'signature_invalid');
    await refused(tables, () => attest({ ...good(), clauseId: 'E1.1' }, responsible.token), 400);
    await refused(tables, () => attest({ ...good(), clauseId: 'E99.1' }, responsible.token), 400);
    const other = await accountWithBadge(['responsible'], '別の 責任者');
    await refused(tables, () => attest({ ...good(), signer: { personId: responsible.id, badge: other.badge, pin: PIN } }, responsible.token), 400);
    await refused(tables, () => attest({ ...good(), signer: { personId: other.id, badge: other.badge, pin: PIN } }, responsible.token), 403, 'signer_not_you');
    const authorised = await accountWithBadge(['authorized'], '権限 次郎');
    await refused(tables, () => attest({ ...good(), signer: { personId: authorised.id, badge: authorised.badge, pin: PIN } }, authorised.token), 403);
    const adminToken = await s.adminToken();
    await refused(tables, () => attest(good(), adminToken), 403);
    const auditorToken = await s.login(await s.createUser({ roles: ['auditor'] }));
    await refused(tables, () => attest(good(), auditorToken), 403);
    expect((await row('E1.9')).status).toBe('manual');
  });

  it('attested: ok with the signed record as evidence, valid 12 months; expired: attention', async () => {
    const res = await attest(good(), responsible.token);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ clauseId: 'E1.9', signedBy: responsible.id, signedByName: '表明 責任者', expired: false });
    const months = (new Date(res.body.expiresAt).getTime() - new Date(res.body.attestedAt).getTime()) / (30.4 * 86_400_000);
    expect(months).toBeGreaterThan(11.8);
    expect(months).toBeLessThan(12.2);
    const r = await row('E1.9');
    expect(r.status).toBe('ok');
    expect(r.reasons[0]!.params.by).toBe('表明 責任者');
    expect(r.evidence).toContainEqual({ type: 'record', id: res.body.recordId, href: `/api/records/${res.body.recordId}` });
    const record = await site.ok('get', `/api/records/${res.body.recordId}`, undefined, 200);
    expect(record.kind).toBe('compliance_attestation');
    expect(JSON.parse(record.content)).toMatchObject({ clauseId: 'E1.9', note: good().note });
    expect(record.signatures[0].meaning).toBe('attested');
    // As if its year had passed.
    await knex()('compliance_attestations').where({ id: res.body.id }).update({ expires_at: knex().raw("now() - interval '1 second'") });
    const expired = await row('E1.9');
    expect(expired.status).toBe('attention');
    expect(codes(expired)).toEqual(['attestation_expired']);
    const listed = await site.ok('get', '/api/compliance/attestations?clauseId=E1.9', undefined, 200);
    expect(listed.items[0]).toMatchObject({ id: res.body.id, expired: true });
  });

  it('the validity follows the setting (ATTESTATION_VALID_MONTHS)', async () => {
    (s.ctx.config as { attestationValidMonths: number }).attestationValidMonths = 3;
    try {
      const res = await attest({ ...good(), clauseId: 'E6.4', note: '扉は常時施錠、鍵は責任者が保管' }, responsible.token);
      expect(res.status).toBe(201);
      const months = (new Date(res.body.expiresAt).getTime() - new Date(res.body.attestedAt).getTime()) / (30.4 * 86_400_000);
      expect(months).toBeGreaterThan(2.9);
      expect(months).toBeLessThan(3.1);
      expect((await row('E6.4')).status).toBe('ok');
    } finally {
      (s.ctx.config as { attestationValidMonths: number }).attestationValidMonths = 12;
    }
  });
});

describe('evidence that cannot be read', () => {
  it('is unknown with the reason, never ok', async () => {
    await knex().raw('ALTER TABLE restore_drills RENAME TO restore_drills_hidden');
    try {
      const r = await row('E9.2');
      expect(r.status).toBe('unknown');
      expect(r.reasons[0]!.code).toBe('facts_unavailable');
      expect(r.reasons[0]!.en).toContain('migration drills');
      expect(JSON.stringify(r)).not.toMatch(/SELECT|relation "/);
      // The other rows are still computed.
      expect((await row('E9.1')).status).toBe('ok');
    } finally {
      await knex().raw('ALTER TABLE restore_drills_hidden RENAME TO restore_drills');
    }
    expect((await row('E9.2')).status).toBe('ok');
  });
});

describe('one depositor', () => {
  it('?depositorOrgId= looks at that depositor alone for E1.1; an unknown one or another kind of organisation is 404', async () => {
    const other = await site.ok('post', '/api/orgs', { name: '株式会社第二預託元', kind: 'depositor' }, 201);
    const site1 = await row('E1.1');
    expect(site1.status).toBe('attention');
    expect(site1.reasons.every((r) => r.params.depositor === '株式会社第二預託元')).toBe(true);
    const only = async (id: string) => (await site.ok('get', `/api/compliance?depositorOrgId=${id}`, undefined, 200)).rows.find((r: Row) => r.id === 'E1.1') as Row;
    expect((await only(site.depositorOrgId)).status).toBe('ok');
    expect((await only(other.id)).status).toBe('missing');
    expect((await site.call('get', '/api/compliance?depositorOrgId=4f1d0c52-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await site.call('get', `/api/compliance?depositorOrgId=${site.contractorOrgId}`)).status).toBe(404);
    expect((await site.call('get', '/api/compliance?depositorOrgId=abc')).status).toBe(400);
  });
});

describe('export and journal', () => {
  it('CSV: UTF-8 with BOM, one line per clause, in Japanese with lang=ja and codes without', async () => {
    const ja = await site.call('get', '/api/compliance?format=csv&lang=ja');
    expect(ja.status).toBe(200);
    expect(ja.headers['content-type']).toMatch(/^text\/csv/);
    expect(ja.text.charCodeAt(0)).toBe(0xfeff);
    const lines = ja.text.slice(1).trim().split('\r\n');
    expect(lines[0]).toMatch(/^条項,種別,状況,内容,理由,根拠/);
    expect(lines).toHaveLength(CLAUSES.length + 1);
    expect(ja.text).toContain('E1.9,対象外（表明）,要対応');
    const codesOnly = await site.call('get', '/api/compliance?format=csv');
    expect(codesOnly.text.slice(1).split('\r\n')[0]).toMatch(/^Clause,Kind,Status,Rule,Reasons,Evidence/);
    expect(codesOnly.text).toContain('E1.9,OUT,attention,');
    expect((await site.call('get', '/api/compliance?format=xml')).status).toBe(400);
  });

  it('every record written is journaled, and the journal verifies', async () => {
    const actions = new Set((await knex()('journal_entries').pluck('action')) as string[]);
    for (const a of ['people.depositor_appointed', 'people.interview_recorded', 'people.depositor_appointment_ended', 'people.fire_prevention_manager_appointed', 'custody.alert_acknowledged', 'compliance.drill_recorded', 'compliance.attested', 'trainings.recorded']) expect(actions, a).toContain(a);
    const v = await site.ok('get', '/api/journal/verify', undefined, 200);
    expect(v.ok).toBe(true);
  });
});

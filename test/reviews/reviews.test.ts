// The weekly access review (E4.2), end to end. Part one runs real traffic through the API — scans,
// sign-ins, requests — with planted anomalies of every kind the API can produce, beside ordinary
// traffic: every anomaly is found with its evidence, and nothing ordinary is. Part two builds a
// past week (rows written as they would have been then), and signs it: dispositions saved as
// drafts (never one's own), badge + PIN, the digest of what was seen (records changed meanwhile →
// 409 naming them), one review per week, reported findings become notices; then rows of the week
// are changed and deleted behind the application's back, and the re-check says so — while rows the
// access-log retention removed are not counted as tampering.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { custodySite, type CustodySite, type SitePerson } from '../helpers/custody.js';
import { raiseAfterHoursAlerts } from '../../server/custody/service.js';
import { raiseDoorAlarm } from '../../server/doors/alarms.js';
import { weekPeriod, isoWeekOf } from '../../server/reviews/period.js';

let s: TestServer;
let site: CustodySite;
let room2: string;
let started: Date;

interface Finding {
  key: string;
  kind: string;
  severity: string;
  personIds: string[];
  roomIds: string[];
  badgeIds: string[];
  facts: Record<string, unknown>;
  evidence: { entries: string[]; accessLog: string[]; journal: number[] };
  evidenceCount: number;
}

beforeAll(async () => {
  started = new Date(Date.now() - 60_000);
  s = await startTestServer({ scryptCost: 1024, trustProxy: 'loopback', workingHours: { days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '24:00' } });
  site = await custodySite(s);
  room2 = (await site.ok('post', '/api/rooms', { name: '第2処理室', kind: 'secure' }, 201)).id;
}, 60_000);
afterAll(async () => {
  await s?.close();
});

const knex = () => s.ctx.db.knex;
const scan = (roomId: string, badge: string, direction?: 'in' | 'out') => site.ok('post', '/api/scans', { roomId, badge, ...(direction ? { direction } : {}) }, 201);
async function findingsBetween(from: Date, to: Date): Promise<{ findings: Finding[]; counts: Record<string, number> }> {
  return site.ok('get', `/api/reviews/findings?from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`, undefined, 200);
}
const ofKind = (fs: Finding[], kind: string) => fs.filter((f) => f.kind === kind);
const about = (fs: Finding[], personId: string) => fs.filter((f) => f.personIds.includes(personId));
const entryIds = async (personId: string) => (await knex()('entries').where({ person_id: personId }).orderBy('id').pluck('id')).map(String);

describe('part one: real traffic with planted anomalies', () => {
  const planted: Record<string, SitePerson> = {};
  const door: { id?: string; alarmId?: string } = {};
  const ordinary: SitePerson[] = [];
  let unknownValue = '';
  let staffUser: { username: string; password: string; personId: string };
  let auditorUser: { username: string; password: string; personId: string };
  let findings: Finding[] = [];

  beforeAll(async () => {
    // Ordinary traffic: people going in and out during the day, sign-ins that work.
    for (let i = 0; i < 3; i++) {
      const p = await site.person(`通常 ${i}`, ['staff']);
      ordinary.push(p);
      await site.enter(p);
      await site.leave(p);
      await site.enter(p);
    }
    // A denial (not on the list), then the same badge probing: 3 denials within minutes.
    planted.denied = await site.person('拒否 一郎', ['staff']);
    for (let i = 0; i < 3; i++) expect((await scan(room2, planted.denied.badge)).reason).toBe('not_on_access_list');
    // Unknown values presented, 3 times.
    unknownValue = `tb1_${crypto.randomBytes(33).toString('base64url')}`;
    for (let i = 0; i < 3; i++) expect((await scan(site.roomId, unknownValue)).reason).toBe('unknown_badge');
    // Anti-passback: in twice.
    planted.passback = await site.person('二重 入室', ['staff']);
    await site.enter(planted.passback);
    expect((await scan(site.roomId, planted.passback.badge, 'in')).reason).toBe('already_inside');
    // Inside two rooms at once, by one badge within minutes.
    planted.twoRooms = await site.person('二室 同時', ['staff'], { rooms: [site.roomId, room2] });
    await site.enter(planted.twoRooms, site.roomId);
    await site.enter(planted.twoRooms, room2);
    // An exit recorded by hand.
    planted.manual = await site.person('手動 退室', ['staff']);
    await site.enter(planted.manual);
    await site.ok('post', `/api/rooms/${site.roomId}/occupancy/${planted.manual.id}/exit`, { note: '入館証を室内に置き忘れ' }, 201);
    // An exit while holding media (E6.5).
    planted.holding = await site.person('持出 退室', ['staff']);
    await site.enter(planted.holding);
    const m = await site.medium('REV-HOLD-1');
    await site.ok('post', `/api/media/${m.id}/checkout`, { personId: planted.holding.id, badge: planted.holding.badge, pin: planted.holding.pin }, 201);
    expect((await site.leave(planted.holding)).flags).toContain('holding_media');
    // Sign-ins: 5 wrong passwords, then the lockout.
    const victim = await s.createUser({ roles: ['staff'], name: '施錠 被害' });
    for (let i = 0; i < 5; i++) expect((await request(s.url).post('/api/auth/login').send({ username: victim.username, password: 'wrong-password-1' })).status).toBe(401);
    expect((await request(s.url).post('/api/auth/login').send({ username: victim.username, password: victim.password })).status).toBe(423);
    planted.lockedPersonId = { id: victim.personId } as SitePerson;
    // Requests refused with 403, and media records read by staff (E2.10).
    staffUser = await s.createUser({ roles: ['staff'], name: '閲覧 担当' });
    const staffToken = await s.login(staffUser);
    expect((await request(s.url).get('/api/access-log').set('authorization', `Bearer ${staffToken}`)).status).toBe(403);
    expect((await request(s.url).get('/api/media').set('authorization', `Bearer ${staffToken}`)).status).toBe(200);
    // One account from two addresses within minutes (behind a proxy that names the client).
    auditorUser = await s.createUser({ roles: ['auditor'], name: '二拠点 監査' });
    const auditorToken = (await request(s.url).post('/api/auth/login').set('X-Forwarded-For', '203.0.113.10').send({ username: auditorUser.username, password: auditorUser.password })).body.token;
    await request(s.url).get('/api/auth/me').set('X-Forwarded-For', '198.51.100.20').set('authorization', `Bearer ${auditorToken}`).expect(200);
    // An administrative change: roles.
    await site.call('patch', '/api/rooms/' + room2, { requiresTraining: false });
    // An after-hours alert (E1.2): a medium out of a room that is closed now.
    const closed = await site.ok('post', '/api/rooms', { name: '夜間閉鎖室', kind: 'secure', hours: { days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '00:01' } }, 201);
    const loc = await site.ok('post', '/api/locations', { name: '夜間キャビネット', kind: 'cabinet', roomId: closed.id }, 201);
    const out = await site.ok('post', '/api/media', { label: 'REV-NIGHT-1', kind: 'hdd', depositorOrgId: site.depositorOrgId, locationId: loc.id }, 201);
    await knex()('media').where({ id: out.id }).update({ status: 'checked_out', holder_person_id: planted.holding.id, location_id: null });
    expect(await raiseAfterHoursAlerts(s.ctx)).toBeGreaterThanOrEqual(1);
    // An inspection that misses a medium (E4.1).
    planted.inspector = await site.person('点検 担当', ['staff']);
    await site.enter(planted.inspector);
    await site.medium('REV-MISSING-1');
    await site.ok('post', '/api/inspections', { locationId: site.cabinetId, foundMediaIds: [], inspector: site.signer(planted.inspector) }, 201);
    // A door forced open (issue 20, E6.4), raised as the broker worker raises it.
    door.id = (await site.ok('post', '/api/doors', { roomId: site.roomId, name: '審査 正面扉' }, 201)).id;
    door.alarmId = (await knex().transaction((trx) => raiseDoorAlarm(s.ctx, trx, { kind: 'forced', roomId: site.roomId, doorId: door.id })))!.id;

    findings = (await findingsBetween(started, new Date(Date.now() + 60_000))).findings;
  }, 120_000);

  it('lists the door alarms of the period (issue 20, E6.4): a forced door is an alert, with the journal entry that raised it', async () => {
    const alarms = ofKind(findings, 'door_alarm');
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({ key: `door_alarm:${door.alarmId}`, severity: 'alert', roomIds: [site.roomId] });
    expect(alarms[0]!.facts).toMatchObject({ alarm: 'forced', door: '審査 正面扉' });
    expect(alarms[0]!.evidence.journal).toHaveLength(1);
  });

  it('finds denied scans and the probing burst of one badge, with the entries as evidence', async () => {
    const denied = about(ofKind(findings, 'denied_scans'), planted.denied!.id);
    expect(denied).toHaveLength(1);
    expect(denied[0]!.facts).toMatchObject({ reason: 'not_on_access_list', count: 3 });
    expect(denied[0]!.evidence.entries).toEqual(await entryIds(planted.denied!.id));
    const probing = ofKind(findings, 'probing').filter((f) => f.badgeIds.includes(planted.denied!.badgeId));
    expect(probing).toHaveLength(1);
    expect(probing[0]!.severity).toBe('alert');
    expect(probing[0]!.evidence.entries).toHaveLength(3);
  });

  it('finds unknown values presented (by their hint) and probes with them', async () => {
    const hint = `…${unknownValue.slice(-4)}`;
    const unknown = ofKind(findings, 'unknown_badge').find((f) => f.facts.hint === hint)!;
    expect(unknown.facts.count).toBe(3);
    expect(ofKind(findings, 'probing').some((f) => f.facts.hint === hint)).toBe(true);
    expect(JSON.stringify(findings)).not.toContain(unknownValue); // never the value itself
  });

  it('finds anti-passback denials, one person in two rooms, one badge at two rooms', async () => {
    expect(about(ofKind(findings, 'anti_passback'), planted.passback!.id)).toHaveLength(1);
    const two = about(ofKind(findings, 'two_rooms'), planted.twoRooms!.id);
    expect(two).toHaveLength(1);
    expect(two[0]!.evidence.entries).toEqual(await entryIds(planted.twoRooms!.id));
    expect(about(ofKind(findings, 'badge_two_rooms'), planted.twoRooms!.id)).toHaveLength(1);
  });

  it('finds the manual exit and the exit while holding media', async () => {
    expect(about(ofKind(findings, 'manual_exit'), planted.manual!.id)).toHaveLength(1);
    expect(about(ofKind(findings, 'exit_holding_media'), planted.holding!.id)).toHaveLength(1);
  });

  it('finds the burst of failed sign-ins and the lockout, with the access-log rows as evidence', async () => {
    const burst = ofKind(findings, 'failed_signins');
    expect(burst).toHaveLength(1);
    expect(burst[0]!.evidence.accessLog).toHaveLength(5);
    const rows = await knex()('access_log').whereIn('id', burst[0]!.evidence.accessLog).pluck('status');
    expect(rows).toEqual([401, 401, 401, 401, 401]);
    expect(ofKind(findings, 'lockout')).toHaveLength(1);
  });

  it('finds 403s, media reads by staff (E2.10), and one account from two addresses', async () => {
    expect(about(ofKind(findings, 'forbidden'), staffUser.personId)).toHaveLength(1);
    expect(about(ofKind(findings, 'media_read'), staffUser.personId)).toHaveLength(1);
    const two = about(ofKind(findings, 'two_addresses'), auditorUser.personId);
    expect(two).toHaveLength(1);
    expect(two[0]!.facts.addresses).toBe('203.0.113.10, 198.51.100.20');
  });

  it('lists administrative changes, the after-hours alert and the inspection discrepancy', async () => {
    expect(ofKind(findings, 'admin_change').some((f) => f.facts.action === 'rooms.updated')).toBe(true);
    expect(ofKind(findings, 'after_hours_media').some((f) => f.facts.labels === 'REV-NIGHT-1')).toBe(true);
    expect(ofKind(findings, 'inspection_discrepancy').some((f) => String(f.facts.labels).includes('REV-MISSING-1'))).toBe(true);
  });

  it('reports nothing about ordinary traffic', async () => {
    for (const p of ordinary) {
      const mentions = about(findings, p.id).filter((f) => f.kind !== 'admin_change'); // their registration is listed for confirmation
      expect(mentions, p.name).toEqual([]);
    }
    expect(ofKind(findings, 'new_address')).toEqual([]); // first sign-ins have no history to differ from
    expect(ofKind(findings, 'long_stay')).toEqual([]);
  });

  it('a period of more than 31 days, in the future, or reversed is 400 naming the field', async () => {
    const now = Date.now();
    const q = (from: number, to: number) => site.call('get', `/api/reviews/findings?from=${encodeURIComponent(new Date(from).toISOString())}&to=${encodeURIComponent(new Date(to).toISOString())}`);
    const long = await q(now - 40 * 86_400_000, now);
    expect([long.status, long.body.error.details[0].field]).toEqual([400, 'query.to']);
    const future = await q(now + 86_400_000, now + 2 * 86_400_000);
    expect([future.status, future.body.error.details[0].field]).toEqual([400, 'query.from']);
    const reversed = await q(now, now - 86_400_000);
    expect([reversed.status, reversed.body.error.details[0].field]).toEqual([400, 'query.to']);
    for (const week of ['2026-W54', '2026-49', 'x']) expect((await site.call('get', `/api/reviews/findings?week=${week}`)).status, week).toBe(400);
    const futureWeek = isoWeekOf(new Date(now + 14 * 86_400_000), 'Asia/Tokyo');
    expect((await site.call('get', `/api/reviews/findings?week=${futureWeek}`)).body.error.details[0].field).toBe('query.week');
  });
});

describe('part two: a past week, signed, then tampered with', () => {
  const TZ = 'Asia/Tokyo';
  let week: string;
  let period: { from: Date; to: Date };
  let responsible: SitePerson & { token: string };
  let second: SitePerson & { token: string };
  let authorized: SitePerson & { token: string };
  let overnight: SitePerson;
  let leaver: { personId: string; accountId: string };
  const at = (day: number, hh: number, mm = 0) => new Date(period.from.getTime() + day * 86_400_000 + (hh * 60 + mm) * 60_000 - 9 * 3_600_000 + 9 * 3_600_000);

  async function signedInPerson(name: string, roles: string[]): Promise<SitePerson & { token: string }> {
    const p = await site.person(name, roles);
    const username = `u${crypto.randomBytes(4).toString('hex')}`;
    const password = 'Rev!ew-pass-2026';
    await knex()('people').where({ id: p.id }).update({ email: `${username}@site.example.jp` });
    const { createAccount } = await import('../../server/auth/accounts.js');
    await knex().transaction((trx) => createAccount(s.ctx, trx, { personId: p.id, username, password, actor: 'test' }));
    return { ...p, token: await s.login({ username, password }) };
  }
  const as = (p: { token: string }) => ({ authorization: `Bearer ${p.token}` });

  beforeAll(async () => {
    week = isoWeekOf(new Date(Date.now() - 14 * 86_400_000), TZ);
    period = weekPeriod(week, TZ);
    // The site began long ago (the overdue check looks no further back than its start).
    await knex()('site_settings').update({ created_at: new Date(Date.now() - 60 * 86_400_000) });
    responsible = await signedInPerson('点検 責任者', ['responsible']);
    second = await signedInPerson('副 責任者', ['responsible']);
    authorized = await signedInPerson('点検 権限者', ['authorized']);
    overnight = await site.person('夜間 在室', ['staff']);
    const hoursRoom = await site.ok('post', '/api/rooms', { name: '日中室', kind: 'secure', hours: { days: [1, 2, 3, 4, 5], from: '08:00', to: '20:00' } }, 201);
    const leftUser = await s.createUser({ roles: ['staff'], name: '退職後 利用' });
    const account = (await knex()('accounts').where({ person_id: leftUser.personId }).first('id')).id as string;
    leaver = { personId: leftUser.personId, accountId: account };
    // The week's rows, as they would have been written then.
    const entry = (row: Record<string, unknown>) => knex()('entries').insert({ direction: 'in', decision: 'granted', flags: [], ...row });
    // Tuesday 19:00 in, Wednesday 09:00 out: overnight in a room with hours, and longer than 12 hours.
    await entry({ at: new Date(period.from.getTime() + 86_400_000 + 10 * 3_600_000), room_id: hoursRoom.id, person_id: overnight.id, badge_id: overnight.badgeId });
    await entry({ at: new Date(period.from.getTime() + 2 * 86_400_000), room_id: hoursRoom.id, person_id: overnight.id, badge_id: overnight.badgeId, direction: 'out' });
    // The responsible person was denied once: a finding about them.
    await entry({ at: new Date(period.from.getTime() + 3 * 86_400_000 + 3_600_000), room_id: room2, person_id: responsible.id, badge_id: responsible.badgeId, decision: 'denied', reason: 'not_on_access_list' });
    // A person who left on Monday, whose account is used on Thursday.
    await knex()('people').where({ id: leaver.personId }).update({ left_at: new Date(period.from.getTime() + 3_600_000), left_reason: 'resigned' });
    const log = (row: Record<string, unknown>) => knex()('access_log').insert({ method: 'GET', path: '/api/auth/me', status: 200, duration_ms: 3, source_ip: '192.0.2.1', ...row });
    await log({ at: new Date(period.from.getTime() + 3 * 86_400_000), account_id: leaver.accountId, username: 'left-user' });
    // A sign-in from an address not signed in from in 90 days (the account signed in before, from elsewhere), at 03:00 on Saturday.
    await log({ at: new Date(period.from.getTime() - 30 * 86_400_000), account_id: leaver.accountId, username: 'left-user', source_ip: '192.0.2.1' });
    const otherAccount = (await knex()('accounts').where({ person_id: authorized.id }).first('id')).id as string;
    await log({ at: new Date(period.from.getTime() - 20 * 86_400_000), account_id: otherAccount, username: 'auth', method: 'POST', path: '/api/auth/login', source_ip: '192.0.2.50' });
    // A request (not a sign-in) from the new address before: addresses are compared between sign-ins.
    await log({ at: new Date(period.from.getTime() - 10 * 86_400_000), account_id: otherAccount, username: 'auth', source_ip: '233.252.0.9' });
    await log({ at: new Date(period.from.getTime() + 5 * 86_400_000 + 3 * 3_600_000), account_id: otherAccount, username: 'auth', method: 'POST', path: '/api/auth/login', source_ip: '233.252.0.9' });
  }, 60_000);

  async function computed(who = responsible) {
    const res = await request(s.url).get(`/api/reviews/findings?week=${week}`).set(as(who));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as { findings: Finding[]; digest: Record<string, unknown>; digestHash: string; counts: Record<string, number>; dispositions: Array<{ key: string }>; signed: unknown };
  }
  const dispose = (who: { token: string }, key: string, disposition = 'explained', comment = '確認済み') =>
    request(s.url).put(`/api/reviews/${week}/dispositions/${encodeURIComponent(key)}`).set(as(who)).send({ disposition, comment });

  it('finds overnight and long stays, use after leaving, a new address, and a sign-in outside working hours', async () => {
    s.ctx.config.workingHours = { days: [1, 2, 3, 4, 5], from: '08:00', to: '20:00' };
    const c = await computed();
    const kinds = (personId: string) => about(c.findings, personId).map((f) => f.kind).sort();
    expect(kinds(overnight.id)).toEqual(['long_stay', 'outside_hours_presence']);
    expect(about(ofKind(c.findings, 'left_account_use'), leaver.personId)).toHaveLength(1);
    expect(about(ofKind(c.findings, 'new_address'), authorized.id)).toHaveLength(1);
    expect(about(ofKind(c.findings, 'signin_outside_hours'), authorized.id)).toHaveLength(1);
    expect(c.counts.entries).toBe(3);
  });

  it('is overdue before it is signed', async () => {
    expect((await site.ok('get', '/api/reviews/status', undefined, 200)).overdue).toContain(week);
  });

  it('dispositions are saved as drafts; none for a finding not in the review, nor for one about oneself; only the responsible person gives them', async () => {
    const c = await computed();
    const own = about(c.findings, responsible.id);
    expect(own.length).toBeGreaterThan(0);
    const refused = await dispose(responsible, own[0]!.key);
    expect([refused.status, refused.body.error.details[0].code]).toEqual([400, 'own_finding']);
    expect((await dispose(responsible, 'denied_scans:p:nobody:x')).body.error.details[0].code).toBe('unknown_finding');
    expect((await dispose(authorized, c.findings[0]!.key)).status).toBe(403);
    for (const f of c.findings) {
      const who = f.personIds.includes(responsible.id) ? second : responsible;
      const res = await dispose(who, f.key, f.kind === 'left_account_use' ? 'reported' : 'explained', f.kind === 'left_account_use' ? '退職者のアカウントが使われました。調査中です。' : '確認済み');
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
    expect((await computed()).dispositions).toHaveLength(c.findings.length);
  });

  it('signing: a wrong PIN or someone else than the responsible person stores nothing; records changed since they were looked at → 409 naming them', async () => {
    const c = await computed();
    const wrongPin = await request(s.url).post(`/api/reviews/${week}/sign`).set(as(responsible)).send({ digest: c.digest, signer: { personId: responsible.id, badge: responsible.badge, pin: '000000' } });
    expect(wrongPin.status).toBe(400);
    const byAuthorized = await request(s.url).post(`/api/reviews/${week}/sign`).set(as(authorized)).send({ digest: c.digest, signer: { personId: authorized.id, badge: authorized.badge, pin: authorized.pin } });
    expect(byAuthorized.status).toBe(403);
    const othersBadge = await request(s.url).post(`/api/reviews/${week}/sign`).set(as(responsible)).send({ digest: c.digest, signer: { personId: second.id, badge: second.badge, pin: second.pin } });
    expect(othersBadge.status).toBe(403);
    // A row of the week appears behind the application's back after the reviewer looked.
    const [sneaked] = await knex()('entries').insert({ at: new Date(period.from.getTime() + 4 * 86_400_000), room_id: site.roomId, direction: 'in', decision: 'denied', reason: 'unknown_badge', presented_hint: '…zzzz', flags: [] }).returning('id');
    const changed = await request(s.url).post(`/api/reviews/${week}/sign`).set(as(responsible)).send({ digest: c.digest, signer: site.signer(responsible) });
    expect(changed.status).toBe(409);
    expect(changed.body.error.code).toBe('records_changed');
    expect(changed.body.error.details[0].field).toMatch(/^digest\.entries\.\d{4}-\d{2}-\d{2}$/);
    expect(await knex()('reviews').where({ week })).toHaveLength(0);
    await knex()('entries').where({ id: (sneaked as { id: string }).id }).delete();
  });

  it('two sign-offs at once: one 201, one 409; reported findings become notices; signed, it is no longer overdue', async () => {
    await site.ok('post', `/api/orgs/${site.depositorOrgId}/contacts`, { name: '預託 窓口', email: 'review@depositor.example.jp', kinds: ['weekly_review'] }, 201);
    const c = await computed();
    const sign = () => request(s.url).post(`/api/reviews/${week}/sign`).set(as(responsible)).send({ digest: c.digest, signer: site.signer(responsible) });
    const results = await Promise.all([sign(), sign()]);
    expect(results.map((r) => r.status).sort(), JSON.stringify(results.map((r) => r.body))).toEqual([201, 409]);
    const signed = results.find((r) => r.status === 201)!.body;
    expect(signed).toMatchObject({ week, rulesVersion: 1, digestHash: c.digestHash });
    expect(signed.findings.every((f: { disposition?: string }) => f.disposition)).toBe(true);
    const notices = await knex()('notices').where({ kind: 'weekly_review' });
    expect(notices).toHaveLength(1); // the one finding marked reported, to the depositor's contact
    expect(notices[0].subject).toContain(week);
    expect(notices[0].body_text).toContain('退職者のアカウントが使われました');
    expect(notices[0].body_text).not.toContain('退職後 利用'); // no person's name goes to the depositor
    expect((await site.ok('get', '/api/reviews/status', undefined, 200)).overdue).not.toContain(week);
    expect((await site.ok('get', `/api/reviews/${week}`, undefined, 200)).recordId).toBe(signed.recordId);
    expect((await site.ok('get', `/api/records/${signed.recordId}`, undefined, 200)).kind).toBe('weekly_review');
    // Signed: dispositions no longer change.
    expect((await dispose(responsible, c.findings[0]!.key)).status).toBe(409);
  });

  it('the re-check finds nothing changed; then rows changed and deleted behind the application\'s back are named', async () => {
    expect(await site.ok('get', `/api/reviews/${week}/check`, undefined, 200)).toMatchObject({ unchanged: true, differences: [] });
    const entry = await knex()('entries').where('at', '>=', period.from).andWhere('at', '<', period.to).orderBy('id').first();
    await knex()('entries').where({ id: entry.id }).update({ presented_hint: '…edit' });
    const row = await knex()('access_log').where('at', '>=', period.from).andWhere('at', '<', period.to).orderBy('id').first();
    await knex()('access_log').where({ id: row.id }).delete();
    const check = await site.ok('get', `/api/reviews/${week}/check`, undefined, 200);
    expect(check.unchanged).toBe(false);
    expect(check.differences.map((d: { table: string; explainedBy: string | null }) => [d.table, d.explainedBy]).sort()).toEqual([
      ['access_log', null],
      ['entries', null],
    ]);
    const entriesDiff = check.differences.find((d: { table: string }) => d.table === 'entries');
    expect(entriesDiff.signed.count).toBe(entriesDiff.now.count); // changed, not removed
  });

  it('rows the access-log retention removed are not counted as tampering', async () => {
    // Put the entries row back, then let "retention" (a cut-off after the whole week) take the access log of the week.
    const months = s.ctx.config.accessLogRetentionMonths;
    try {
      const entries = await knex()('entries').where('at', '>=', period.from).andWhere('at', '<', period.to).orderBy('id');
      await knex()('entries').where({ id: entries[0].id }).update({ presented_hint: null });
      s.ctx.config.accessLogRetentionMonths = 0;
      await knex()('access_log').where('at', '>=', period.from).andWhere('at', '<', period.to).delete();
      const check = await site.ok('get', `/api/reviews/${week}/check`, undefined, 200);
      expect(check.differences.length).toBeGreaterThan(0);
      expect(check.differences.every((d: { table: string; explainedBy: string | null }) => d.table === 'access_log' && d.explainedBy === 'retention')).toBe(true);
      // The findings that rested only on those rows are gone for the same reason: not tampering either.
      expect(check.findings.removed).toEqual([]);
      expect(check.unchanged).toBe(true);
    } finally {
      s.ctx.config.accessLogRetentionMonths = months;
    }
  });

  it('prints on A4 with the findings, dispositions and signature, and exports CSV with a BOM', async () => {
    const page = await site.call('get', `/api/reviews/${week}/print`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('週次アクセス記録点検');
    expect(page.text).toContain('預託者へ報告');
    expect(page.text).toContain('点検 責任者');
    const csv = await site.call('get', `/api/reviews/findings?week=${week}&format=csv&lang=ja`);
    expect(csv.text.charCodeAt(0)).toBe(0xfeff);
    expect(csv.text.split('\r\n')[0]).toBe('\uFEFF週,重要度,種別,所見,日時,日時（UTC）,内容,根拠の件数,入退室記録ID,アクセスログID,記録簿番号,処置,コメント,キー');
  });
});

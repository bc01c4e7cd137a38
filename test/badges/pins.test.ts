// Security review findings 1, 2 and 7: a witness signature is only its holder's. Badges are issued
// without a PIN; the holder sets it in person — at the desk with a confirmer who is neither the
// issuer nor the holder, or by presenting the badge and the current PIN. PIN attempts are reserved
// before they are checked (40 concurrent tries: at most 5 checked). PINs are keyed with a pepper
// kept out of the database, have at least 6 digits and are not trivial.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.js';
import { custodySite, type CustodySite, type SitePerson } from '../helpers/custody.js';
import { holderSetsPin, legacyPin } from '../helpers/pins.js';
import { hashPin, verifySecret, verifyPin } from '../../server/shared/secret-hash.js';
import { verifyJournal } from '../../server/journal/verify.js';

let s: TestServer;
let site: CustodySite;
/** A responsible person with an account: issues badges (the attacker of finding 1). */
let issuer: TestUser;
let issuerToken: string;
/** An authorised person who confirms PINs at the desk. */
let confirmer: SitePerson;
let performer: SitePerson;

beforeAll(async () => {
  // Sign-ins and PIN changes per address are limited; the concurrency test sends 40 at once.
  s = await startTestServer({ scryptCost: 1024, signinRatePerMinute: 1000 });
  site = await custodySite(s);
  issuer = await s.createUser({ roles: ['responsible'], name: '発行 責任者' });
  issuerToken = await s.login(issuer);
  confirmer = await site.person('確認 権限者', ['authorized']);
  performer = await site.person('廃棄 実施者', ['staff']);
  await site.enter(confirmer);
  await site.enter(performer);
});
afterAll(async () => {
  await s?.close();
});

const api = () => request(s.url);
const as = (token: string) => ({ authorization: `Bearer ${token}` });
const knex = () => s.ctx.db.knex;
const codes = (res: request.Response) => (res.body.error?.details ?? []).map((d: { code: string }) => d.code);

/** A person (no account) with a fresh badge issued by `issuer`, on the room's access list, inside it. */
async function personWithNewBadge(name: string, roles: string[]) {
  const p = await site.ok('post', '/api/people', { name, orgId: site.contractorOrgId, roles }, 201);
  const b = await api().post('/api/badges').set(as(issuerToken)).send({ personId: p.id });
  expect(b.status, JSON.stringify(b.body)).toBe(201);
  await site.ok('post', `/api/rooms/${site.roomId}/access`, { personId: p.id }, 201);
  const person = { id: p.id as string, name, badge: b.body.token as string, badgeId: b.body.id as string, pin: '' };
  await site.enter(person as SitePerson);
  return person;
}

function setup(token: string, body: Record<string, unknown>) {
  return api().post('/api/badges/pin/setup').set(as(token)).send(body);
}

async function destroyWith(witness: { personId: string; badge: string; pin: string }) {
  const m = await site.medium(`PIN-${crypto.randomBytes(3).toString('hex')}`, { kind: 'paper' });
  const res = await site.call('post', '/api/destructions', { mediaIds: [m.id], method: 'shred', securityLevel: 'P-4', performedById: performer.id, witnesses: [witness], roomId: site.roomId });
  return { res, medium: m };
}

describe('finding 1: the issuer never knows or chooses a PIN', () => {
  it('a PIN given at issuance is refused (400 naming body.pin), and nothing is issued', async () => {
    const p = await site.ok('post', '/api/people', { name: '被害 太郎', orgId: site.contractorOrgId, roles: ['staff'] }, 201);
    const before = await knex()('badges').count('* as n').first();
    const res = await api().post('/api/badges').set(as(issuerToken)).send({ personId: p.id, pin: '482913' });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain('body.pin');
    expect(await knex()('badges').count('* as n').first()).toEqual(before);
  });

  it('a new badge opens doors but signs nothing: a destruction witnessed with it is refused (pin_not_set), nothing recorded', async () => {
    const victim = await personWithNewBadge('立会 花子', ['responsible']);
    const { res, medium } = await destroyWith({ personId: victim.id, badge: victim.badge, pin: '482913' });
    expect(res.status).toBe(400);
    expect(codes(res)).toContain('pin_not_set');
    expect((await site.ok('get', `/api/media/${medium.id}`, undefined, 200)).status).toBe('stored');
  });

  it('the issuer cannot confirm the PIN, nor can the holder; the journal shows no PIN set', async () => {
    const victim = await personWithNewBadge('立会 次郎', ['responsible']);
    const issuerBadge = await site.ok('post', '/api/badges', { personId: issuer.personId }, 201);
    await holderSetsPin(s.ctx, issuerBadge.id, '639174');
    const byIssuer = await setup(issuerToken, { badge: victim.badge, newPin: '583920', confirmer: { personId: issuer.personId, badge: issuerBadge.token, pin: '639174' } });
    expect(byIssuer.status).toBe(400);
    expect(byIssuer.body.error.code).toBe('confirmer_invalid');
    expect(codes(byIssuer)).toContain('confirmer_is_issuer');
    const byHolder = await setup(issuerToken, { badge: victim.badge, newPin: '583920', confirmer: { personId: victim.id, badge: victim.badge, pin: '583920' } });
    expect(codes(byHolder)).toContain('confirmer_is_holder');
    // a staff member cannot confirm
    const staff = await site.person('確認 不可', ['staff']);
    const byStaff = await setup(issuerToken, { badge: victim.badge, newPin: '583920', confirmer: site.signer(staff) });
    expect(codes(byStaff)).toContain('confirmer_role');
    expect((await knex()('badges').where({ id: victim.badgeId }).first()).pin_hash).toBeNull();
    expect(await knex()('journal_entries').where({ subject: `badge:${victim.badgeId}` }).whereIn('action', ['badges.pin_set', 'badges.pin_reset'])).toEqual([]);
  });

  it('two-person issuance: the holder types the PIN, a confirmer signs; journaled with both names; then the badge signs', async () => {
    const holder = await personWithNewBadge('新人 三郎', ['responsible']);
    const guard = await s.createUser({ roles: ['guard'], name: '受付 四郎' });
    const res = await setup(await s.login(guard), { badge: holder.badge, newPin: '583920', confirmer: site.signer(confirmer) });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ badgeId: holder.badgeId, personId: holder.id, reset: false });
    const j = await knex()('journal_entries').where({ action: 'badges.pin_set', subject: `badge:${holder.badgeId}` }).first();
    expect(JSON.parse(j.payload)).toMatchObject({ personName: '新人 三郎', confirmerName: '確認 権限者', confirmerPersonId: confirmer.id, issuerPersonId: issuer.personId });
    expect(await site.ok('get', `/api/badges/${holder.badgeId}`, undefined, 200)).toMatchObject({ pinSet: true, pinSetHow: 'confirmed' });
    const { res: signed } = await destroyWith({ personId: holder.id, badge: holder.badge, pin: '583920' });
    expect(signed.status, JSON.stringify(signed.body)).toBe(201);
  });

  it('bad input changes nothing: a trivial, short or reused PIN, a wrong confirmer PIN (which counts toward the confirmer\'s lock)', async () => {
    const holder = await personWithNewBadge('新人 五郎', ['staff']);
    const token = await s.adminToken();
    for (const [pin, code] of [['123456', 'pin_trivial'], ['000000', 'pin_trivial'], ['121212', 'pin_trivial'], ['987654', 'pin_trivial'], ['4829', 'pin_too_short'], ['48a913', 'pin_format'], ['1234567890123', 'pin_too_long']] as const) {
      const res = await setup(token, { badge: holder.badge, newPin: pin, confirmer: site.signer(confirmer) });
      expect(res.status, pin).toBe(400);
      expect(res.body.error.code, pin).toBe('pin_policy');
      expect(codes(res), pin).toContain(code);
    }
    const before = (await knex()('badges').where({ id: confirmer.badgeId }).first()).pin_failures;
    const wrong = await setup(token, { badge: holder.badge, newPin: '583920', confirmer: { ...site.signer(confirmer), pin: '999111' } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.code).toBe('signature_invalid');
    expect((await knex()('badges').where({ id: confirmer.badgeId }).first()).pin_failures).toBe(before + 1);
    expect((await knex()('badges').where({ id: holder.badgeId }).first()).pin_hash).toBeNull();
    // set once, then the same PIN again as a "reset" is refused as reused
    expect((await setup(token, { badge: holder.badge, newPin: '583920', confirmer: site.signer(confirmer) })).status).toBe(200);
    const reused = await setup(token, { badge: holder.badge, newPin: '583920', confirmer: site.signer(confirmer) });
    expect(reused.status).toBe(400);
    expect(codes(reused)).toContain('pin_reused');
    // unknown confirmer → 404; a guard without the permission of the route? guards may open the PIN screen; auditors may not
    expect((await setup(token, { badge: holder.badge, newPin: '620847', confirmer: { ...site.signer(confirmer), personId: crypto.randomUUID() } })).status).toBe(404);
    const auditor = await s.createUser({ roles: ['auditor'] });
    expect((await setup(await s.login(auditor), { badge: holder.badge, newPin: '620847', confirmer: site.signer(confirmer) })).status).toBe(403);
  });

  it('a forgotten or locked PIN is reset with a confirmer only, and the lock is lifted', async () => {
    const holder = await site.person('忘却 六郎', ['staff'], { pin: '620847' });
    for (let i = 0; i < 5; i++) await api().post('/api/badges/pin/change').send({ badge: holder.badge, currentPin: '111999', newPin: '730516' });
    const locked = await api().post('/api/badges/pin/change').send({ badge: holder.badge, currentPin: '620847', newPin: '730516' });
    expect(locked.status).toBe(423);
    expect(locked.headers['retry-after']).toBeTruthy();
    const reset = await setup(await s.adminToken(), { badge: holder.badge, newPin: '730516', confirmer: site.signer(confirmer) });
    expect(reset.status, JSON.stringify(reset.body)).toBe(200);
    expect(reset.body.reset).toBe(true);
    expect(await knex()('journal_entries').where({ action: 'badges.pin_reset', subject: `badge:${holder.badgeId}` })).toHaveLength(1);
    expect((await knex()('badges').where({ id: holder.badgeId }).first()).pin_locked_until).toBeNull();
    // the holder's new PIN works at once
    expect((await api().post('/api/badges/pin/change').send({ badge: holder.badge, currentPin: '730516', newPin: '841627' })).status).toBe(200);
  });

  it('only administrators issue badges for administrators, and an administrator\'s PIN is confirmed by another administrator', async () => {
    const adminUser = await s.createUser({ roles: ['admin'], name: '管理 次官' });
    const refused = await api().post('/api/badges').set(as(issuerToken)).send({ personId: adminUser.personId });
    expect(refused.status).toBe(403);
    const token = await s.adminToken();
    const badge = await api().post('/api/badges').set(as(token)).send({ personId: adminUser.personId });
    expect(badge.status).toBe(201);
    // the issuing administrator may not confirm; an authorised person is not enough for an admin's PIN
    const notAdmin = await setup(token, { badge: badge.body.token, newPin: '583920', confirmer: site.signer(confirmer) });
    expect(codes(notAdmin)).toContain('confirmer_role');
    // without a PIN, the badge is no second factor
    const noFactor = await api().post('/api/auth/login').send({ username: adminUser.username, password: adminUser.password, badge: badge.body.token, pin: '583920' });
    expect(noFactor.status).toBe(401);
    expect(noFactor.body.error.code).toBe('second_factor_required');
  });

  it('the holder changes their own PIN with the badge and the current PIN; a wrong one changes nothing', async () => {
    const holder = await site.person('変更 七子', ['staff'], { pin: '620847' });
    const wrong = await api().post('/api/badges/pin/change').send({ badge: holder.badge, currentPin: '620848', newPin: '730516' });
    expect(wrong.status).toBe(400);
    expect(codes(wrong)).toContain('wrong_pin');
    const trivial = await api().post('/api/badges/pin/change').send({ badge: holder.badge, currentPin: '620847', newPin: '111111' });
    expect(trivial.body.error.code).toBe('pin_policy');
    const same = await api().post('/api/badges/pin/change').send({ badge: holder.badge, currentPin: '620847', newPin: '620847' });
    expect(codes(same)).toContain('pin_reused');
    const ok = await api().post('/api/badges/pin/change').send({ badge: holder.badge, currentPin: '620847', newPin: '730516' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(await knex()('journal_entries').where({ action: 'badges.pin_changed', subject: `badge:${holder.badgeId}` })).toHaveLength(1);
    const noPin = await personWithNewBadge('未設定 八郎', ['staff']);
    const notSet = await api().post('/api/badges/pin/change').send({ badge: noPin.badge, currentPin: '620847', newPin: '730516' });
    expect(notSet.status).toBe(400);
    expect(codes(notSet)).toContain('pin_not_set');
  });

  it('existing badges keep working; a PIN shorter than 6 digits answers pin_change_required and records nothing until changed', async () => {
    const old = await site.person('旧式 九郎', ['responsible']);
    await site.enter(old);
    await legacyPin(s.ctx, old.badgeId, '4829');
    const { res, medium } = await destroyWith({ personId: old.id, badge: old.badge, pin: '4829' });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('pin_change_required');
    expect((await site.ok('get', `/api/media/${medium.id}`, undefined, 200)).status).toBe('stored');
    expect((await api().post('/api/badges/pin/change').send({ badge: old.badge, currentPin: '4829', newPin: '905182' })).status).toBe(200);
    expect((await destroyWith({ personId: old.id, badge: old.badge, pin: '905182' })).res.status).toBe(201);
    // a legacy PIN of 6 digits keeps working, and is re-hashed with the pepper when next used
    const six = await site.person('旧式 十子', ['responsible']);
    await site.enter(six);
    await legacyPin(s.ctx, six.badgeId, '905183');
    expect((await destroyWith({ personId: six.id, badge: six.badge, pin: '905183' })).res.status).toBe(201);
    expect((await knex()('badges').where({ id: six.badgeId }).first()).pin_hash).toMatch(/^pin1\$/);
  });

  it('every issuance, and a second badge for someone who holds one, is shown at the holder\'s next sign-in and listed for the review', async () => {
    const user = await s.createUser({ roles: ['staff'], name: '通知 太郎' });
    await s.login(user); // nothing yet
    const first = await api().post('/api/badges').set(as(issuerToken)).send({ personId: user.personId });
    const second = await api().post('/api/badges').set(as(issuerToken)).send({ personId: user.personId });
    const res = await api().post('/api/auth/login').send({ username: user.username, password: user.password });
    expect(res.status).toBe(200);
    expect(res.body.credentialNotices).toEqual([
      expect.objectContaining({ kind: 'issued', badgeId: first.body.id, byName: '発行 責任者', otherLiveBadges: 0 }),
      expect.objectContaining({ kind: 'issued', badgeId: second.body.id, byName: '発行 責任者', otherLiveBadges: 1 }),
    ]);
    // shown once
    expect((await api().post('/api/auth/login').send({ username: user.username, password: user.password })).body.credentialNotices).toEqual([]);
    const events = await site.ok('get', `/api/badges/events?personId=${user.personId}`, undefined, 200);
    expect(events.items.map((e: { kind: string; otherLiveBadges: number }) => [e.kind, e.otherLiveBadges])).toEqual([
      ['issued', 1],
      ['issued', 0],
    ]);
    const staff = await s.createUser({ roles: ['staff'] });
    expect((await api().get('/api/badges/events').set(as(await s.login(staff)))).status).toBe(403);
  });
});

describe('finding 2: PIN attempts are reserved before they are checked', () => {
  /** The PIN hashed at production cost (~50 ms a check), so that the concurrent requests really overlap. */
  async function slowPin(p: SitePerson) {
    await knex()('badges').where({ id: p.badgeId }).update({ pin_hash: await hashPin(p.pin, s.ctx.secrets.pinPepper, 1 << 15) });
  }

  it('40 concurrent changes with one badge (39 wrong PINs and the right one): at most 5 are checked, the rest 423', async () => {
    const holder = await site.person('並行 十一', ['staff'], { pin: '620847' });
    await slowPin(holder);
    const tries = Array.from({ length: 40 }, (_, i) => (i === 20 ? '620847' : String(700000 + i)));
    const answers = await Promise.all(tries.map((pin) => api().post('/api/badges/pin/change').send({ badge: holder.badge, currentPin: pin, newPin: '730516' })));
    const statuses = answers.map((a) => a.status);
    const checked = statuses.filter((st) => st !== 423);
    expect(checked.length, statuses.join(',')).toBeLessThanOrEqual(5);
    expect(statuses.filter((st) => st === 423).length).toBeGreaterThanOrEqual(35);
    expect(statuses.every((st) => [200, 400, 423].includes(st))).toBe(true);
  });

  it('the same on a signing route: 20 concurrent destructions witnessed with one badge and wrong PINs: at most 5 checked', async () => {
    const witness = await site.person('並行 十二', ['responsible'], { pin: '620847' });
    await slowPin(witness);
    await site.enter(witness);
    const m = await site.medium('PIN-RACE-1', { kind: 'paper' });
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        site.call('post', '/api/destructions', { mediaIds: [m.id], method: 'shred', securityLevel: 'P-4', performedById: performer.id, witnesses: [{ personId: witness.id, badge: witness.badge, pin: String(800000 + i) }], roomId: site.roomId }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((st) => st !== 423).length, statuses.join(',')).toBeLessThanOrEqual(5);
    expect(await knex()('journal_entries').where({ action: 'badges.pin_locked', subject: `badge:${witness.badgeId}` })).toHaveLength(1);
  });
});

describe('finding 7: PINs keyed with a pepper kept out of the database', () => {
  it('the stored hash does not verify without the server\'s pepper (a database copy cannot be used to try PINs)', async () => {
    const p = await site.person('胡椒 十三', ['staff'], { pin: '620847' });
    const stored = (await knex()('badges').where({ id: p.badgeId }).first()).pin_hash as string;
    expect(stored.startsWith('pin1$scrypt$')).toBe(true);
    expect(await verifySecret('620847', stored.slice('pin1$'.length))).toBe(false);
    expect((await verifyPin('620847', stored, Buffer.from('another-pepper-entirely-of-32-characters'))).ok).toBe(false);
    expect((await verifyPin('620847', stored, s.ctx.secrets.pinPepper)).ok).toBe(true);
    // and the pepper is in no table
    const dump = (await knex().raw("SELECT string_agg(t::text, '') AS all FROM (SELECT * FROM badges) t")).rows[0].all as string;
    expect(dump).not.toContain(s.ctx.secrets.pinPepper.toString('utf8'));
  });
});

describe('the journal holds', () => {
  it('verifies after all of the above', async () => {
    expect(await verifyJournal(knex(), s.ctx.secrets.signing)).toMatchObject({ ok: true });
  });
});

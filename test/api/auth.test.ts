// Sign-in, sessions and passwords against the real HTTP server (../shared/api.md "Auth").
// Every test would fail if the rule it names were removed: E2.15 (access log), E2.16 (hashed
// passwords), E2.17 (administrators also present their badge), E3.2 (previous sign-in/out),
// E3.4 (server-side sign-out), E3.6 (5-minute idle timeout), E3.11 (password policy, reuse,
// monthly change, lockout), and the permission declared by every route.
//
// One server for the whole file; each test makes its own users, so no test depends on another.
// The server runs with the lowest scrypt cost the configuration accepts: the reuse test alone
// checks some 250 hashes. The production default is asserted separately (E2.16 test).
import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { allRoutes } from '../../server/app.js';
import { issueBadge } from '../../server/badges/service.js';
import { holderSetsPin, legacyPin } from '../helpers/pins.js';
import { loadConfig } from '../../server/config.js';
import { rolesAllow, type Permission } from '../../server/auth/permissions.js';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.js';

let s: TestServer;
let adminToken: string;

const TEST_SCRYPT_COST = 1 << 10;

beforeAll(async () => {
  s = await startTestServer({ scryptCost: TEST_SCRYPT_COST });
  adminToken = await s.adminToken();
});
afterAll(async () => {
  await s?.close();
});

// ------------------------------------------------------------------------------------ helpers

const RFC3339_TOKYO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?\+09:00$/;
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

const api = () => request(s.url);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const knex = () => s.ctx.db.knex;

function login(username: string, password: string, badge?: string, pin?: string) {
  return api()
    .post('/api/auth/login')
    .send({ username, password, ...(badge !== undefined ? { badge } : {}), ...(pin !== undefined ? { pin } : {}) });
}

async function signIn(user: { username: string; password: string }, badge?: string): Promise<string> {
  const res = await login(user.username, user.password, badge);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.token as string;
}

function changePassword(token: string, currentPassword: string, newPassword: string) {
  return api().post('/api/auth/password').set(bearer(token)).send({ currentPassword, newPassword });
}

/** The session id and account id a token names. */
function claimsOf(token: string): { sid: string; sub: string; [k: string]: unknown } {
  const claims = jwt.decode(token);
  if (!claims || typeof claims === 'string') throw new Error('not a JWT');
  return claims as { sid: string; sub: string };
}

// Letters two apart in the alphabet, never the same twice in a row: a random word made of these
// can never contain a run ("aaa") or a sequence ("abc"), so it never trips the policy itself.
const SAFE_LETTERS = 'bdfhkmprtvx';
function safeWord(length: number): string {
  let out = '';
  while (out.length < length) {
    const c = SAFE_LETTERS[crypto.randomInt(SAFE_LETTERS.length)]!;
    if (c !== out[out.length - 1]) out += c;
  }
  return out;
}
const newUsername = (prefix = 'q') => `${prefix}${safeWord(8)}`;
/** A password that satisfies the policy for any user of this file. */
const goodPassword = () => `Zt7#${safeWord(6)}!Q`;

async function accountOf(username: string): Promise<{ id: string; password_hash: string; password_changed_at: Date }> {
  const row = await knex()('accounts').where({ username_key: username.toLowerCase() }).first('id', 'password_hash', 'password_changed_at');
  if (!row) throw new Error(`no account ${username}`);
  return row;
}

async function sessionRow(token: string): Promise<{ id: string; created_at: Date; last_seen_at: Date; ended_at: Date | null; end_reason: string | null }> {
  return knex()('sessions').where({ id: claimsOf(token).sid }).first();
}

/**
 * A fresh person with an account. The password is always given: the helper's own random
 * password (hex) sometimes breaks the policy itself ("123", "abc", "777").
 */
const newUser = (roles: string[]) => s.createUser({ roles, password: goodPassword() });

/** A fresh administrator with an account and a badge of their own. */
const ADMIN_PIN = '482613';

async function newAdmin(): Promise<TestUser & { badgeToken: string; badgeId: string; badgePin: string }> {
  const user = await newUser(['admin']);
  const badge = await knex().transaction((trx) => issueBadge(s.ctx, trx, { personId: user.personId, actor: 'test', actorPersonId: null }));
  await holderSetsPin(s.ctx, badge.id, ADMIN_PIN);
  return { ...user, badgeToken: badge.token, badgeId: badge.id, badgePin: ADMIN_PIN };
}

let orgId: string;
async function policyOrg(): Promise<string> {
  if (!orgId) {
    const res = await api().post('/api/orgs').set(bearer(adminToken)).send({ name: 'Hokuto Logistics 株式会社', kind: 'contractor' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    orgId = res.body.id as string;
  }
  return orgId;
}

// ------------------------------------------------------------------------ the login answer

describe('login answer (E3.2)', () => {
  it('E3.2: 200 with token, expiresAt (+09:00), user, previous times null the first time, passwordExpiresAt ≈ +30 days', async () => {
    const user = await newUser(['staff']);
    const before = Date.now();
    const res = await login(user.username, user.password);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json; charset=utf-8/i);
    expect(Object.keys(res.body).sort()).toEqual(
      ['credentialNotices', 'expiresAt', 'passwordExpired', 'passwordExpiresAt', 'previousLoginAt', 'previousLogoutAt', 'token', 'user'].sort(),
    );

    const { token, expiresAt, passwordExpiresAt } = res.body as { token: string; expiresAt: string; passwordExpiresAt: string };
    expect(token.split('.')).toHaveLength(3);
    const claims = claimsOf(token);
    expect(expiresAt).toMatch(RFC3339_TOKYO);
    expect(Math.abs(Date.parse(expiresAt) / 1000 - (claims.exp as number))).toBeLessThanOrEqual(1); // the token's real expiry
    expect(Date.parse(expiresAt)).toBeGreaterThan(before);

    expect(res.body.user).toEqual({ personId: user.personId, name: user.name, roles: ['staff'] });
    expect(res.body.previousLoginAt).toBeNull();
    expect(res.body.previousLogoutAt).toBeNull();

    expect(passwordExpiresAt).toMatch(RFC3339_TOKYO);
    const account = await accountOf(user.username);
    expect(Date.parse(passwordExpiresAt)).toBe(account.password_changed_at.getTime() + 30 * DAY);
    expect(Math.abs(Date.parse(passwordExpiresAt) - (before + 30 * DAY))).toBeLessThan(5 * MINUTE);
    expect(res.body.passwordExpired).toBe(false);

    const me = await api().get('/api/auth/me').set(bearer(token));
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ user: { personId: user.personId, name: user.name, roles: ['staff'], username: user.username }, mustChangePassword: false, permissions: ['people:read', 'orgs:read', 'rooms:read', 'media:read', 'custody:write'] });
  });

  it('E3.2: the next sign-in reports the previous session’s sign-in and sign-out times exactly', async () => {
    const user = await newUser(['staff']);
    const first = await signIn(user);
    expect((await api().post('/api/auth/logout').set(bearer(first))).status).toBe(204);
    const firstRow = await sessionRow(first);
    expect(firstRow.ended_at).toBeInstanceOf(Date);

    const second = await login(user.username, user.password);
    expect(second.status).toBe(200);
    expect(second.body.previousLoginAt).toMatch(RFC3339_TOKYO);
    expect(second.body.previousLogoutAt).toMatch(RFC3339_TOKYO);
    expect(Date.parse(second.body.previousLoginAt)).toBe(firstRow.created_at.getTime());
    expect(Date.parse(second.body.previousLogoutAt)).toBe(firstRow.ended_at!.getTime());

    // The second session is still open: the third sign-in shows its start and no sign-out yet.
    const secondRow = await sessionRow(second.body.token);
    const third = await login(user.username, user.password);
    expect(third.status).toBe(200);
    expect(Date.parse(third.body.previousLoginAt)).toBe(secondRow.created_at.getTime());
    expect(third.body.previousLogoutAt).toBeNull();
  });

  it('Conventions: a Japanese name (ideographic space, 𠮷, 髙, half-width kana, decomposed が) round-trips exactly', async () => {
    const name = '𠮷野\u3000髙橋 ﾀﾛｳ・か\u3099ん';
    const username = newUsername('jp');
    const password = goodPassword();
    const created = await api()
      .post('/api/people')
      .set(bearer(adminToken))
      .send({ name, orgId: await policyOrg(), roles: ['staff'], account: { username, password } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.name).toBe(name);

    const res = await login(username, password);
    expect(res.status).toBe(200);
    expect(res.body.user.name).toBe(name);
    const me = await api().get('/api/auth/me').set(bearer(res.body.token));
    expect(me.body.user.name).toBe(name);
    const person = await api().get(`/api/people/${created.body.id}`).set(bearer(adminToken));
    expect(person.body.name).toBe(name);
  });
});

// ---------------------------------------------------------------------- wrong credentials

describe('wrong credentials give one answer (E3.11 i)', () => {
  it('E3.11 i: wrong password, unknown user and an admin’s wrong password give the identical 401 invalid_credentials', async () => {
    const user = await newUser(['staff']);
    const admin = await newAdmin();
    const wrong = await login(user.username, 'Wrong#Pass9');
    const unknown = await login(newUsername('ghost'), 'Wrong#Pass9');
    // Without the badge and with a wrong password, nothing may reveal that the user is an admin.
    const adminWrong = await login(admin.username, 'Wrong#Pass9');
    for (const res of [wrong, unknown, adminWrong]) {
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('invalid_credentials');
      expect(res.headers['retry-after']).toBeUndefined();
    }
    expect(unknown.body).toEqual(wrong.body);
    expect(adminWrong.body).toEqual(wrong.body);
  });
});

// ------------------------------------------------------------------------------- lockout

describe('lockout after 5 failures (E3.11 i)', () => {
  async function fail(username: string, times: number): Promise<number[]> {
    const statuses: number[] = [];
    for (let i = 0; i < times; i++) statuses.push((await login(username, `Wrong#${i}Pz`)).status);
    return statuses;
  }

  it('E3.11 i: 5 failures in a row, then even the correct password gets 423 account_locked with Retry-After ≤ 15 min', async () => {
    const user = await newUser(['staff']);
    expect(await fail(user.username, 5)).toEqual([401, 401, 401, 401, 401]);
    const res = await login(user.username, user.password);
    expect(res.status).toBe(423);
    expect(res.body.error.code).toBe('account_locked');
    const retryAfter = Number(res.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(14 * 60);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
  });

  it('E3.11 i: a success before the 5th failure resets the count', async () => {
    const user = await newUser(['staff']);
    expect(await fail(user.username, 4)).toEqual([401, 401, 401, 401]);
    await signIn(user);
    // Without the reset the next failure would be the 5th in total and lock the account.
    expect(await fail(user.username, 4)).toEqual([401, 401, 401, 401]);
    await signIn(user);
  });

  it('E3.11 i: once the lock has passed the user signs in again, and the count starts afresh', async () => {
    const user = await newUser(['staff']);
    await fail(user.username, 5);
    expect((await login(user.username, user.password)).status).toBe(423);
    await knex()('login_throttle')
      .where({ username_key: user.username.toLowerCase() })
      .update({ locked_until: knex().raw("now() - interval '1 second'") });
    await signIn(user);
    expect(await fail(user.username, 4)).toEqual([401, 401, 401, 401]);
    await signIn(user);
  });

  it('E3.11 i: an unknown user name is locked exactly like a real one (no enumeration)', async () => {
    const user = await newUser(['staff']);
    const ghost = newUsername('ghost');
    const real: Array<{ status: number; body: unknown }> = [];
    const fake: Array<{ status: number; body: unknown }> = [];
    for (let i = 0; i < 6; i++) {
      const r = await login(user.username, `Wrong#${i}Pz`);
      const f = await login(ghost, `Wrong#${i}Pz`);
      real.push({ status: r.status, body: r.body });
      fake.push({ status: f.status, body: f.body });
      expect(f.headers['retry-after'] !== undefined).toBe(r.headers['retry-after'] !== undefined);
    }
    expect(real.map((r) => r.status)).toEqual([401, 401, 401, 401, 401, 423]);
    expect(fake).toEqual(real);
  });

  it('E3.11 i: failures typed in other letter cases count for the same user name', async () => {
    const user = await newUser(['staff']);
    const variants = [user.username.toUpperCase(), user.username, ` ${user.username}`, user.username.replace(/^./, (c) => c.toUpperCase()), user.username.toUpperCase()];
    for (const v of variants) expect((await login(v, 'Wrong#1Pz')).status).toBe(401);
    expect((await login(user.username, user.password)).status).toBe(423);
  });

  it('E3.11 i: 10 wrong sign-ins at once still lock the account, and at most 5 passwords were tried', async () => {
    const user = await newUser(['staff']);
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => login(user.username, `Wrong#${i}Pz`)));
    const statuses = answers.map((r) => r.status);
    for (const st of statuses) expect([401, 423]).toContain(st);
    // Each 401 means a password was checked. More than 5 would let a burst of parallel requests
    // try as many passwords as it likes before the lock takes hold.
    expect(statuses.filter((st) => st === 401).length).toBeLessThanOrEqual(5);
    const res = await login(user.username, user.password);
    expect(res.status).toBe(423);
    expect(res.body.error.code).toBe('account_locked');
  });

  it('E3.11 i: attempts counted but never finished (e.g. a crash mid-request) lock for 15 minutes, not for ever', async () => {
    const user = await newUser(['staff']);
    // The counter as a burst of requests that all died before their answer would leave it.
    await knex()('login_throttle').insert({ username_key: user.username, failures: 9 });
    const res = await login(user.username, user.password);
    expect(res.status).toBe(423);
    const row = await knex()('login_throttle').where({ username_key: user.username }).first('locked_until');
    expect(row.locked_until).toBeInstanceOf(Date);
    expect(row.locked_until.getTime() - Date.now()).toBeGreaterThan(14 * MINUTE);
    await knex()('login_throttle').where({ username_key: user.username }).update({ locked_until: knex().raw("now() - interval '1 second'") });
    await signIn(user);
  });

  it('E3.11 i: a wrong current password on POST /api/auth/password counts toward the lockout', async () => {
    const user = await newUser(['staff']);
    const token = await signIn(user);
    for (let i = 0; i < 5; i++) {
      const res = await changePassword(token, `Wrong#${i}Pz`, goodPassword());
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('current_password_incorrect');
    }
    const locked = await changePassword(token, user.password, goodPassword());
    expect(locked.status).toBe(423);
    expect(locked.body.error.code).toBe('account_locked');
    expect((await login(user.username, user.password)).status).toBe(423);
  });
});

// ------------------------------------------------------------------ administrators' badge

describe('administrators sign in with password and badge (E2.17)', () => {
  it('E2.17: an administrator without a badge gets 401 second_factor_required', async () => {
    const admin = await newAdmin();
    const res = await login(admin.username, admin.password);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('second_factor_required');
    expect(res.body.token).toBeUndefined();
  });

  it('E2.17: someone else’s badge, an unknown badge, a revoked or an expired badge: 401 invalid_credentials', async () => {
    const admin = await newAdmin();
    const other = await login(admin.username, admin.password, s.admin.badgeToken, s.admin.badgePin);
    expect(other.status).toBe(401);
    expect(other.body.error.code).toBe('invalid_credentials');

    const unknown = await login(admin.username, admin.password, 'tb1_' + 'A'.repeat(44), admin.badgePin);
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(other.body);

    await knex()('badges').where({ id: admin.badgeId }).update({ revoked_at: knex().fn.now(), revoked_reason: 'lost' });
    const revoked = await login(admin.username, admin.password, admin.badgeToken, admin.badgePin);
    expect(revoked.status).toBe(401);
    expect(revoked.body).toEqual(other.body);

    const expiring = await knex().transaction((trx) => issueBadge(s.ctx, trx, { personId: admin.personId, actor: 'test', actorPersonId: null }));
    await knex()('badges').where({ id: expiring.id }).update({ valid_until: knex().raw("now() - interval '1 minute'") });
    const expired = await login(admin.username, admin.password, expiring.token, admin.badgePin);
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual(other.body);
  });

  it('E2.17: with their own badge (token or IC card UID as the reader types it) the administrator signs in', async () => {
    const admin = await newAdmin();
    const res = await login(admin.username, admin.password, admin.badgeToken, admin.badgePin);
    expect(res.status).toBe(200);
    expect(res.body.user.roles).toEqual(['admin']);

    const card = await knex().transaction((trx) =>
      issueBadge(s.ctx, trx, { personId: admin.personId, cardUid: '04:A1:B2:C3:D4:E5:F6', actor: 'test', actorPersonId: null }),
    );
    expect(card.id).toBeTruthy();
    await holderSetsPin(s.ctx, card.id, '731946');
    expect((await login(admin.username, admin.password, '04a1b2c3d4e5f6', '731946')).status).toBe(200);
  });

  it('E2.17, review finding 13: a sign-in without the second factor counts as a failure, whatever the password: 5 lock the administrator', async () => {
    const admin = await newAdmin();
    for (let i = 0; i < 3; i++) expect((await login(admin.username, admin.password)).body.error.code).toBe('second_factor_required');
    // The badge without its PIN is no second factor either (its issuer has seen the token).
    expect((await login(admin.username, admin.password, admin.badgeToken)).body.error.code).toBe('second_factor_required');
    expect((await login(admin.username, admin.password, undefined, admin.badgePin)).body.error.code).toBe('second_factor_required');
    const res = await login(admin.username, admin.password, admin.badgeToken, admin.badgePin);
    expect(res.status).toBe(423);
    expect(res.body.error.code).toBe('account_locked');
  });

  it('review finding 1: a badge token alone is no second factor; the PIN is checked and counts toward the badge lock', async () => {
    const admin = await newAdmin();
    const wrongPin = await login(admin.username, admin.password, admin.badgeToken, '999111');
    expect(wrongPin.status).toBe(401);
    expect(wrongPin.body.error.code).toBe('invalid_credentials');
    expect((await knex()('badges').where({ id: admin.badgeId }).first('pin_failures')).pin_failures).toBe(1);
    expect((await login(admin.username, admin.password, admin.badgeToken, admin.badgePin)).status).toBe(200);
    // A badge whose PIN nobody has set yet is refused as a second factor.
    const fresh = await knex().transaction((trx) => issueBadge(s.ctx, trx, { personId: admin.personId, actor: 'test', actorPersonId: null }));
    const noPin = await login(admin.username, admin.password, fresh.token, '123987');
    expect(noPin.status).toBe(401);
    expect(noPin.body.error.code).toBe('second_factor_required');
  });

  it('review finding 1: a 4-digit PIN from before the review proves the administrator but must be changed first (403 pin_change_required)', async () => {
    const admin = await newAdmin();
    await legacyPin(s.ctx, admin.badgeId, '4826');
    const res = await login(admin.username, admin.password, admin.badgeToken, '4826');
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('pin_change_required');
    expect(res.body.token).toBeUndefined();
    expect((await api().post('/api/badges/pin/change').send({ badge: admin.badgeToken, currentPin: '4826', newPin: '583920' })).status).toBe(200);
    expect((await login(admin.username, admin.password, admin.badgeToken, '583920')).status).toBe(200);
  });

  it('E2.17 / E3.11 i: wrong badges count as failures: 5 of them lock the administrator even with the right badge', async () => {
    const admin = await newAdmin();
    for (let i = 0; i < 5; i++) expect((await login(admin.username, admin.password, s.admin.badgeToken, s.admin.badgePin)).status).toBe(401);
    const res = await login(admin.username, admin.password, admin.badgeToken, admin.badgePin);
    expect(res.status).toBe(423);
    expect(res.body.error.code).toBe('account_locked');
  });

  it('E2.17: people without the admin role need no badge', async () => {
    for (const role of ['responsible', 'authorized', 'staff', 'guard', 'auditor']) {
      const user = await newUser([role]);
      const res = await login(user.username, user.password);
      expect(res.status, role).toBe(200);
    }
  });
});

// ---------------------------------------------------------------------- tokens and sessions

describe('tokens and sessions (E3.4, E3.6)', () => {
  it('no Authorization header, another scheme, or a garbage token: 401', async () => {
    for (const path of ['/api/auth/me', '/api/people']) {
      const none = await api().get(path);
      expect(none.status).toBe(401);
      expect(none.body.error.code).toBe('unauthorized');
      const basic = await api().get(path).set('authorization', 'Basic YWRtaW46cGFzcw==');
      expect(basic.status).toBe(401);
      const garbage = await api().get(path).set(bearer('abc.def.ghi'));
      expect(garbage.status).toBe(401);
      expect(garbage.body.error.code).toBe('invalid_token');
    }
  });

  it('the token is HS256 under the server’s own secret: another secret, alg none or HS512 (right secret) are refused', async () => {
    const user = await newUser(['staff']);
    const token = await signIn(user);
    const payload = claimsOf(token);
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

    // Control: the same claims signed exactly as the server signs them are accepted, so each
    // forgery below is refused for its signature/algorithm alone.
    const genuine = jwt.sign(payload, s.ctx.secrets.jwtSecret, { algorithm: 'HS256' });
    expect((await api().get('/api/auth/me').set(bearer(genuine))).status).toBe(200);

    const forgeries = {
      otherSecret: jwt.sign(payload, crypto.randomBytes(48), { algorithm: 'HS256' }),
      algNone: `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`,
      hs512: jwt.sign(payload, s.ctx.secrets.jwtSecret, { algorithm: 'HS512' }),
      hs384: jwt.sign(payload, s.ctx.secrets.jwtSecret, { algorithm: 'HS384' }),
      expired: jwt.sign({ ...payload, iat: (payload.iat as number) - 3600, exp: Math.floor(Date.now() / 1000) - 60 }, s.ctx.secrets.jwtSecret, { algorithm: 'HS256' }),
      wrongAudience: jwt.sign({ ...payload, aud: 'someone-else' }, s.ctx.secrets.jwtSecret, { algorithm: 'HS256' }),
      unknownSession: jwt.sign({ ...payload, sid: crypto.randomUUID() }, s.ctx.secrets.jwtSecret, { algorithm: 'HS256' }),
    };
    for (const [kind, forged] of Object.entries(forgeries)) {
      const res = await api().get('/api/auth/me').set(bearer(forged));
      expect(res.status, kind).toBe(401);
      expect(res.body.error.code, kind).toBe(kind === 'expired' ? 'token_expired' : 'invalid_token');
    }
  });

  it('a token accepted once is still refused after its expiry (the verified-signature cache keeps no token alive)', async () => {
    const user = await newUser(['staff']);
    const payload = claimsOf(await signIn(user));
    const nowSeconds = Math.floor(Date.now() / 1000);
    const shortLived = jwt.sign({ ...payload, iat: nowSeconds, exp: nowSeconds + 60 }, s.ctx.secrets.jwtSecret, { algorithm: 'HS256' });
    expect((await api().get('/api/auth/me').set(bearer(shortLived))).status).toBe(200);
    expect((await api().get('/api/auth/me').set(bearer(shortLived))).status).toBe(200);
    const realNow = Date.now.bind(Date);
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 61_000);
    try {
      const late = await api().get('/api/auth/me').set(bearer(shortLived));
      expect(late.status).toBe(401);
      expect(late.body.error.code).toBe('token_expired');
    } finally {
      clock.mockRestore();
    }
  });

  it('E3.4: logout answers 204 and the same token is refused at once (401 session_ended); other sessions live on', async () => {
    const user = await newUser(['staff']);
    const token = await signIn(user);
    const other = await signIn(user);
    expect((await api().get('/api/people').set(bearer(token))).status).toBe(200);

    const out = await api().post('/api/auth/logout').set(bearer(token));
    expect(out.status).toBe(204);
    for (const req of [api().get('/api/auth/me'), api().get('/api/people'), api().post('/api/auth/refresh'), api().post('/api/auth/logout')]) {
      const res = await req.set(bearer(token));
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('session_ended');
    }
    const row = await sessionRow(token);
    expect(row.end_reason).toBe('logout');
    expect((await api().get('/api/auth/me').set(bearer(other))).status).toBe(200);
  });

  it('E3.6: after 5 minutes without a request the session is refused (401 session_expired); the next login’s previousLogoutAt = last_seen_at + 5 min', async () => {
    const user = await newUser(['staff']);
    const token = await signIn(user);
    const sid = claimsOf(token).sid;
    await knex()('sessions').where({ id: sid }).update({ last_seen_at: knex().raw("date_trunc('milliseconds', now() - interval '6 minutes')") });
    const lastSeen = (await sessionRow(token)).last_seen_at;

    const res = await api().get('/api/auth/me').set(bearer(token));
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('session_expired');
    expect((await api().post('/api/auth/refresh').set(bearer(token))).status).toBe(401);

    const row = await sessionRow(token);
    expect(row.end_reason).toBe('idle_timeout');
    expect(row.ended_at!.getTime()).toBe(lastSeen.getTime() + 5 * MINUTE);

    const next = await login(user.username, user.password);
    expect(next.status).toBe(200);
    expect(next.body.previousLogoutAt).toMatch(RFC3339_TOKYO);
    expect(Date.parse(next.body.previousLogoutAt)).toBe(lastSeen.getTime() + 5 * MINUTE);
  });

  it('E3.2 / E3.6: an idle session nobody touched again still shows previousLogoutAt = last_seen_at + 5 min', async () => {
    const user = await newUser(['staff']);
    const token = await signIn(user);
    await knex()('sessions')
      .where({ id: claimsOf(token).sid })
      .update({ last_seen_at: knex().raw("date_trunc('milliseconds', now() - interval '20 minutes')") });
    const lastSeen = (await sessionRow(token)).last_seen_at;
    const next = await login(user.username, user.password);
    expect(next.status).toBe(200);
    expect(Date.parse(next.body.previousLogoutAt)).toBe(lastSeen.getTime() + 5 * MINUTE);
    expect((await api().get('/api/auth/me').set(bearer(token))).status).toBe(401);
  });

  it('E3.6: the timeout counts from the last request, not from sign-in: activity keeps the session alive', async () => {
    const user = await newUser(['staff']);
    const token = await signIn(user);
    const sid = claimsOf(token).sid;
    await knex()('sessions')
      .where({ id: sid })
      .update({ created_at: knex().raw("now() - interval '12 minutes'"), last_seen_at: knex().raw("now() - interval '4 minutes'") });
    expect((await api().get('/api/auth/me').set(bearer(token))).status).toBe(200);
    const touched = await sessionRow(token);
    expect(Date.now() - touched.last_seen_at.getTime()).toBeLessThan(MINUTE);
    // Another 4 minutes: still alive, because the last request was 4 (not 8) minutes ago.
    await knex()('sessions').where({ id: sid }).update({ last_seen_at: knex().raw("now() - interval '4 minutes'") });
    expect((await api().get('/api/auth/me').set(bearer(token))).status).toBe(200);
  });

  it('E3.6: refresh gives a new working token while the session is alive, and 401 once it has ended', async () => {
    const user = await newUser(['staff']);
    const token = await signIn(user);
    const res = await api().post('/api/auth/refresh').set(bearer(token));
    expect(res.status).toBe(200);
    expect(res.body.token).not.toBe(token);
    expect(res.body.expiresAt).toMatch(RFC3339_TOKYO);
    expect(Math.abs(Date.parse(res.body.expiresAt) / 1000 - (claimsOf(res.body.token).exp as number))).toBeLessThanOrEqual(1);
    const fresh = res.body.token as string;
    expect((await api().get('/api/auth/me').set(bearer(fresh))).status).toBe(200);

    // Both tokens name the one session: signing out with the new one ends the old one too.
    expect((await api().post('/api/auth/logout').set(bearer(fresh))).status).toBe(204);
    for (const t of [fresh, token]) {
      const again = await api().post('/api/auth/refresh').set(bearer(t));
      expect(again.status).toBe(401);
      expect(again.body.error.code).toBe('session_ended');
    }
  });
});

// --------------------------------------------------------------------- password changes

describe('password changes (E3.11)', () => {
  it('E3.11: a wrong current password is 400 current_password_incorrect and changes nothing', async () => {
    const user = await newUser(['staff']);
    const token = await signIn(user);
    const next = goodPassword();
    const res = await changePassword(token, 'Wrong#1Pz', next);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('current_password_incorrect');
    expect(res.body.error.details).toEqual([expect.objectContaining({ field: 'currentPassword' })]);
    expect((await login(user.username, next)).status).toBe(401);
    await signIn(user);
  });

  describe('E3.11 c–e: one details entry per broken rule', () => {
    // A person with every detail the policy looks at: name, organisation, phone, birthday.
    const person = { username: newUsername('k'), password: 'Mv5#Tq9!Wz', name: 'Haruki 藤本', phone: '+81 90-4817-2635', birthday: '1962-08-25' };
    let token: string;

    beforeAll(async () => {
      const res = await api()
        .post('/api/people')
        .set(bearer(adminToken))
        .send({ name: person.name, orgId: await policyOrg(), roles: ['staff'], phone: person.phone, birthday: person.birthday, account: { username: person.username, password: person.password } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      token = await signIn(person);
    });

    const cases: Array<[string, () => string]> = [
      ['too_short', () => 'Q8!w#z'],
      ['contains_username', () => `${person.username}#8Q!`],
      ['contains_name', () => 'Haruki#8Qw!'],
      ['contains_name', () => '藤本#8Qw!zp'],
      ['contains_organisation', () => 'Hokuto#8Qw!'],
      ['contains_phone', () => 'Qw!4817#Rz'],
      ['contains_phone', () => 'Qw!0904#Rz'], // the same number as dialled at home: 090-…
      ['contains_birthday', () => 'Qw!1962#Rz'],
      ['contains_birthday', () => 'Qw!0825#Rz'],
      ['repeated_characters', () => 'Qw!777#Rz'],
      ['sequential_characters', () => 'Qw!456#Rz'],
      ['sequential_characters', () => 'Qw!9xyz#R'],
      ['letters_only', () => 'QwpRvKmx'],
    ];

    it.each(cases)('E3.11: %s (password #%#) is refused with exactly that details code', async (code, password) => {
      const res = await changePassword(token, person.password, password());
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('password_policy');
      expect(res.body.error.details).toEqual([{ field: 'newPassword', code, message: expect.any(String) }]);
      expect(res.body.error.details[0].message).not.toContain(password());
    });

    it('E3.11: a password breaking several rules lists each of them', async () => {
      const res = await changePassword(token, person.password, 'abc');
      expect(res.status).toBe(400);
      expect(res.body.error.details.map((d: { code: string }) => d.code)).toEqual(['too_short', 'sequential_characters', 'letters_only']);
    });

    it('E3.11: none of the refused passwords was set (the original still signs in)', async () => {
      await signIn(person);
    });
  });

  it('E3.11 h: the current password and the 12 before it are refused as reused; an older one is accepted', async () => {
    const passwords = Array.from({ length: 14 }, (_, i) => `Kx${i}#${safeWord(6)}`);
    const user = await s.createUser({ roles: ['staff'], password: passwords[0]! });
    const token = await signIn(user);
    for (let i = 1; i <= 13; i++) {
      const res = await changePassword(token, passwords[i - 1]!, passwords[i]!);
      expect(res.status, `change ${i}: ${JSON.stringify(res.body)}`).toBe(204);
    }
    // Current password: passwords[13]; the 12 before it: passwords[1..12].
    for (let i = 1; i <= 13; i++) {
      const res = await changePassword(token, passwords[13]!, passwords[i]!);
      expect(res.status, `reuse of #${i}`).toBe(400);
      expect(res.body.error.code).toBe('password_policy');
      expect(res.body.error.details).toEqual([{ field: 'newPassword', code: 'reused', message: expect.any(String) }]);
    }
    const oldest = await changePassword(token, passwords[13]!, passwords[0]!);
    expect(oldest.status, JSON.stringify(oldest.body)).toBe(204);
  });

  it('E3.11: a valid change answers 204; the new password signs in, the old one no longer does; the journal records it without secrets', async () => {
    const user = await newUser(['staff']);
    const token = await signIn(user);
    const next = goodPassword();
    const res = await changePassword(token, user.password, next);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');

    const old = await login(user.username, user.password);
    expect(old.status).toBe(401);
    expect(old.body.error.code).toBe('invalid_credentials');
    await signIn({ username: user.username, password: next });
    // The session that changed the password goes on working.
    expect((await api().get('/api/auth/me').set(bearer(token))).status).toBe(200);

    const account = await accountOf(user.username);
    const hashes = (await knex()('password_history').where({ account_id: account.id }).pluck('password_hash')) as string[];
    expect(hashes).toHaveLength(2);
    const journal = await api()
      .get('/api/journal')
      .query({ action: 'auth.password_changed', subject: `account:${account.id}` })
      .set(bearer(adminToken));
    expect(journal.status).toBe(200);
    expect(journal.body.items).toHaveLength(1);
    expect(journal.body.items[0].actor).toBe(account.id);
    const whole = await api().get('/api/journal').query({ limit: 500 }).set(bearer(adminToken));
    for (const text of [JSON.stringify(journal.body), JSON.stringify(whole.body)]) {
      expect(text).not.toContain(user.password);
      expect(text).not.toContain(next);
      expect(text).not.toContain('scrypt$');
      for (const h of hashes) expect(text).not.toContain(h.split('$').pop()!);
    }
  });
});

// ----------------------------------------------------------------------- monthly change

describe('passwords expire after 30 days (E3.11 g)', () => {
  it('E3.11 g: an expired password signs in restricted: only me, refresh, logout and the change are allowed until it is changed', async () => {
    const user = await newUser(['staff']);
    await knex()('accounts').where({ username_key: user.username }).update({ password_changed_at: knex().raw("now() - interval '31 days'") });
    const res = await login(user.username, user.password);
    expect(res.status).toBe(200);
    expect(res.body.passwordExpired).toBe(true);
    expect(Date.parse(res.body.passwordExpiresAt)).toBeLessThan(Date.now());
    const token = res.body.token as string;

    const people = await api().get('/api/people').set(bearer(token));
    expect(people.status).toBe(403);
    expect(people.body.error.code).toBe('password_change_required');
    const me = await api().get('/api/auth/me').set(bearer(token));
    expect(me.status).toBe(200);
    expect(me.body.mustChangePassword).toBe(true);
    const refreshed = await api().post('/api/auth/refresh').set(bearer(token));
    expect(refreshed.status).toBe(200);
    expect((await api().get('/api/people').set(bearer(refreshed.body.token))).status).toBe(403); // same restricted session

    const next = goodPassword();
    expect((await changePassword(token, user.password, next)).status).toBe(204);
    expect((await api().get('/api/people').set(bearer(token))).status).toBe(200);
    expect((await api().get('/api/auth/me').set(bearer(token))).body.mustChangePassword).toBe(false);

    const again = await login(user.username, next);
    expect(again.body.passwordExpired).toBe(false);
    expect(Date.parse(again.body.passwordExpiresAt)).toBeGreaterThan(Date.now() + 29 * DAY);
  });

  it('E3.11 g: a password changed 29 days ago is not yet expired', async () => {
    const user = await newUser(['staff']);
    await knex()('accounts').where({ username_key: user.username }).update({ password_changed_at: knex().raw("now() - interval '29 days'") });
    const res = await login(user.username, user.password);
    expect(res.body.passwordExpired).toBe(false);
    expect((await api().get('/api/people').set(bearer(res.body.token))).status).toBe(200);
  });
});

// ------------------------------------------------------------------------------- roles

describe('roles: the permission of every route', () => {
  it('an auditor reads people, the journal check and the access log, and changes nothing (POST /api/orgs 403)', async () => {
    const auditor = await newUser(['auditor']);
    const token = await signIn(auditor);
    for (const path of ['/api/people', '/api/journal/verify', '/api/access-log']) {
      expect((await api().get(path).set(bearer(token))).status, path).toBe(200);
    }
    const name = `Auditor Org ${safeWord(6)}`;
    const res = await api().post('/api/orgs').set(bearer(token)).send({ name, kind: 'depositor' });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
    expect(await knex()('organisations').where({ name }).first()).toBeUndefined();
  });

  it('staff get 403 on the access log and the journal check; a guard cannot create people', async () => {
    const staff = await signIn(await newUser(['staff']));
    for (const path of ['/api/access-log', '/api/journal/verify']) {
      const res = await api().get(path).set(bearer(staff));
      expect(res.status, path).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
    const guard = await signIn(await newUser(['guard']));
    expect((await api().get('/api/people').set(bearer(guard))).status).toBe(200);
    const name = `Guard Made ${safeWord(6)}`;
    const res = await api().post('/api/people').set(bearer(guard)).send({ name, orgId: await policyOrg(), roles: ['staff'] });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
    expect(await knex()('people').where({ name }).first()).toBeUndefined();
  });

  it('every non-public route: 401 without a token, and 403 forbidden for a role that lacks its permission', async () => {
    const staff = await signIn(await newUser(['staff']));
    const guarded = allRoutes.filter((r) => r.access !== 'public');
    expect(guarded.length).toBeGreaterThan(5);
    let forbiddenChecked = 0;
    for (const route of guarded) {
      const path = route.path.replace(/:\w+/g, () => crypto.randomUUID());
      const anonymous = await api()[route.method](path);
      expect(anonymous.status, `${route.method} ${route.path}`).toBe(401);
      if (route.access !== 'signed-in' && !rolesAllow(['staff'], route.access as Permission)) {
        const call = api()[route.method](path).set(bearer(staff));
        const res = route.method === 'get' ? await call : await call.send({});
        expect(res.status, `${route.method} ${route.path}`).toBe(403);
        expect(res.body.error.code).toBe('forbidden');
        forbiddenChecked += 1;
      }
    }
    expect(forbiddenChecked).toBeGreaterThan(3);
  });

  it('one transaction per request: POST /api/people whose account password breaks the policy is 400 password_policy and creates no person', async () => {
    const name = `Policy Breaker ${safeWord(6)}`;
    const res = await api()
      .post('/api/people')
      .set(bearer(adminToken))
      .send({ name, orgId: await policyOrg(), roles: ['staff'], phone: '03-5812-7390', account: { username: newUsername(), password: 'Qw!5812#Rz' } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('password_policy');
    expect(res.body.error.details).toEqual([{ field: 'account.password', code: 'contains_phone', message: expect.any(String) }]);
    expect(await knex()('people').where({ name }).first()).toBeUndefined();
    const list = await api().get('/api/people').query({ limit: 500 }).set(bearer(adminToken));
    expect(list.body.items.map((p: { name: string }) => p.name)).not.toContain(name);
  });
});

// -------------------------------------------------------------- stored secrets, access log

describe('passwords are stored one-way (E2.16) and sign-ins are logged (E2.15)', () => {
  it('E2.16: accounts.password_hash is scrypt with a per-user salt: two users with one password have different hashes', async () => {
    const password = goodPassword();
    const a = await s.createUser({ roles: ['staff'], password });
    const b = await s.createUser({ roles: ['staff'], password });
    const ha = (await accountOf(a.username)).password_hash;
    const hb = (await accountOf(b.username)).password_hash;
    for (const h of [ha, hb]) {
      expect(h.startsWith('scrypt$')).toBe(true);
      expect(h).not.toContain(password);
      const [, n, r, p, salt, key] = h.split('$');
      expect(Number(n)).toBe(s.ctx.config.scryptCost);
      expect(Number(r)).toBeGreaterThanOrEqual(8);
      expect(Number(p)).toBeGreaterThanOrEqual(1);
      expect(Buffer.from(salt!, 'base64url').length).toBeGreaterThanOrEqual(16);
      expect(Buffer.from(key!, 'base64url').length).toBeGreaterThanOrEqual(32);
    }
    expect(ha).not.toBe(hb);
    expect(ha.split('$')[4]).not.toBe(hb.split('$')[4]);
    // Both still sign in with the one password.
    await signIn(a);
    await signIn(b);
    // Memory-hard by default: N = 2^15 with r = 8 needs 32 MiB per hash.
    expect(loadConfig({}).scryptCost).toBeGreaterThanOrEqual(1 << 15);
  });

  it('E2.15: a failed sign-in is in the access log with the name tried and the outcome, never the password', async () => {
    const user = await newUser(['staff']);
    const typed = `Wrong#${safeWord(8)}7`;
    expect((await login(user.username, typed)).status).toBe(401);
    const token = await signIn(user);
    const account = await accountOf(user.username);
    const log = await api().get('/api/access-log').query({ method: 'POST', limit: 100 }).set(bearer(adminToken));
    expect(log.status).toBe(200);
    const mine = (log.body.items as Array<{ path: string; status: number; username: string | null; accountId: string | null; outcome: string; sourceIp: string | null }>).filter(
      (e) => e.path === '/api/auth/login' && e.username === user.username,
    );
    expect(mine.map((e) => [e.status, e.outcome])).toEqual([
      [200, 'success'],
      [401, 'failure'],
    ]);
    expect(mine[0]!.accountId).toBe(account.id);
    expect(mine[1]!.sourceIp).toBeTruthy();
    const text = JSON.stringify(log.body);
    expect(text).not.toContain(typed);
    expect(text).not.toContain(user.password);
    expect(text).not.toContain(token);
  });
});

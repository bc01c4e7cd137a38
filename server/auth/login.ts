// Sign-in (E2.16, E2.17, E3.2, E3.11 i).
// - Failures are counted per user name typed, existing or not, and committed even though the
//   answer is an error. After LOGIN_MAX_FAILURES in a row the name is locked for
//   LOGIN_LOCK_MINUTES, and a locked name is refused even with the correct password (423).
// - Unknown user and wrong password get the same answer, after the same amount of work.
// - Administrators also present their badge (token or IC card UID) *and its PIN*: E2.17. A badge
//   token alone is no second factor — whoever issued or printed the badge has seen it (security
//   review, finding 1). A sign-in without the second factor counts as a failed attempt
//   (finding 13), so the lockout bounds how often a password can be tried that way too.
// - Each source address has its own rate limit (finding 5), counted in the database; its hashes
//   wait behind those of addresses without recent attempts, so a flood delays only itself.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { AppContext } from '../context.js';
import { AppError, LockedError, UnauthorizedError } from '../errors.js';
import { appendJournal } from '../journal/journal.js';
import { checkBadgePin, findPresentedBadge, takeUnseenBadgeEvents, type BadgeEventRow } from '../badges/service.js';
import { pinRefusalText } from '../badges/pins.js';
import { usernameKey } from './accounts.js';
import { accountForSignIn } from './people.read-model.js';
import { hashSecret, verifySecret } from '../shared/secret-hash.js';
import { issueToken } from './authenticate.js';
import { metricsOf } from '../monitoring/metrics.js';

export interface LoginInput {
  username: string;
  password: string;
  badge?: string | undefined;
  pin?: string | undefined;
  sourceIp: string | null;
  /** How many sign-ins this source address made in the current window: a busy address's hashes wait. */
  hashPriority?: number;
}

export interface LoginResult {
  accountId: string;
  token: string;
  expiresAt: Date;
  user: { personId: string; name: string; roles: string[] };
  previousLoginAt: Date | null;
  previousLogoutAt: Date | null;
  passwordExpiresAt: Date;
  passwordExpired: boolean;
  /** Badges issued to this person and PINs set or reset by others since their last sign-in. */
  credentialNotices: BadgeEventRow[];
}

const dummyHashes = new Map<number, Promise<string>>();
function dummyHash(cost: number): Promise<string> {
  let hash = dummyHashes.get(cost);
  if (!hash) {
    hash = hashSecret('not-a-password-' + crypto.randomUUID(), cost);
    dummyHashes.set(cost, hash);
  }
  return hash;
}

const invalidCredentials = () =>
  new UnauthorizedError('invalid_credentials', 'The user name, password or badge is not correct.');

/**
 * E3.11 i: takes one attempt for the name *before* its password is checked, in one atomic
 * statement, and returns the attempt's number since the last success or lock. (Checking the lock
 * first and counting the failure only afterwards let every request of a parallel burst reach the
 * password check: 10 sign-ins at once tried 6 to 10 passwords where the limit is 5.) Now at most
 * loginMaxFailures attempts per lock period are ever checked; the rest get 423 at once.
 * The `failures` column therefore counts attempts still in flight as well as failed ones; a
 * success deletes the row, and an attempt that is no failure gives its number back (releaseAttempt).
 */
async function takeAttempt(app: AppContext, key: string): Promise<number> {
  const { rows } = await app.db.knex.raw(
    `INSERT INTO login_throttle AS t (username_key, failures) VALUES (?, 1)
     ON CONFLICT (username_key) DO UPDATE
       SET failures = CASE WHEN t.locked_until > now() THEN t.failures ELSE t.failures + 1 END
     RETURNING t.failures,
               CASE WHEN t.locked_until > now() THEN greatest(1, ceil(extract(epoch FROM t.locked_until - now())))::int END AS lock_seconds`,
    [key],
  );
  const row = rows[0] as { failures: number | string; lock_seconds: number | null };
  if (row.lock_seconds !== null) {
    metricsOf(app).countSignInFailure('locked');
    throw lockedError(row.lock_seconds);
  }
  const attempt = Number(row.failures);
  if (attempt > app.config.loginMaxFailures) {
    // More attempts than allowed are already under way: refuse without checking the password,
    // and lock now, so that the name cannot stay refused for ever if those attempts never fail
    // (a success among them deletes the row and so lifts this lock).
    await app.db.knex.raw(
      `UPDATE login_throttle SET failures = 0, locked_until = now() + make_interval(mins => ?)
        WHERE username_key = ? AND (locked_until IS NULL OR locked_until <= now())`,
      [app.config.loginLockMinutes, key],
    );
    metricsOf(app).countSignInFailure('locked');
    throw lockedError(app.config.loginLockMinutes * 60);
  }
  return attempt;
}

function lockedError(seconds: number): LockedError {
  return new LockedError('account_locked', `Too many failed attempts. Try again in ${Math.ceil(seconds / 60)} minutes.`, seconds);
}

/** Gives back an attempt that turned out to be no failure (neither counts nor resets). */
async function releaseAttempt(app: AppContext, key: string): Promise<void> {
  await app.db.knex('login_throttle')
    .where({ username_key: key })
    .andWhere((q) => q.whereNull('locked_until').orWhere('locked_until', '<=', app.db.knex.fn.now()))
    .update({ failures: app.db.knex.raw('greatest(failures - 1, 0)') });
}

/**
 * Records that attempt number `attempt` (from takeAttempt, so already counted) failed; the
 * attempt that reaches the limit locks the name, in its own transaction.
 */
export async function recordLoginFailure(app: AppContext, key: string, attempt: number, accountId: string | null, why: string): Promise<void> {
  metricsOf(app).countSignInFailure(why);
  await app.db.knex.transaction(async (trx) => {
    if (attempt < app.config.loginMaxFailures) {
      await trx('login_throttle').where({ username_key: key }).update({ last_failure_at: trx.fn.now() });
      return;
    }
    const locked = (await trx.raw(
      `UPDATE login_throttle SET failures = 0, last_failure_at = now(), locked_until = now() + make_interval(mins => ?)
        WHERE username_key = ? RETURNING username_key`,
      [app.config.loginLockMinutes, key],
    )).rows as unknown[];
    // Only real accounts are journaled; probes for unknown names stay in the access log.
    if (locked.length > 0 && accountId) {
      await appendJournal(trx, {
        actor: 'system:auth',
        action: 'auth.account_locked',
        subject: `account:${accountId}`,
        payload: { failures: attempt, lockMinutes: app.config.loginLockMinutes, lastFailure: why },
      });
    }
  });
}


export async function login(app: AppContext, input: LoginInput): Promise<LoginResult> {
  const knex = app.db.knex;
  const key = usernameKey(input.username);
  const attempt = await takeAttempt(app, key); // 423 when locked (E3.11 i)

  const account = await accountForSignIn(knex, key);

  const passwordOk = await verifySecret(input.password, account?.password_hash ?? (await dummyHash(app.config.scryptCost)), { priority: input.hashPriority ?? 0 });
  // Visitors never sign in (api.md "Roles"), even if an account was left over from another role.
  const maySignIn = account && !account.disabled_at && !account.left_at && account.roles.some((r) => r !== 'visitor');
  const isAdmin = !!account && account.roles.includes('admin');
  if (!account || !passwordOk || !maySignIn) {
    await recordLoginFailure(app, key, attempt, account?.id ?? null, 'password');
    throw invalidCredentials();
  }
  if (isAdmin && (!input.badge || !input.pin)) {
    // E2.17: an administrator's second factor is the badge *and* its PIN. Without it the attempt
    // is a failure like any other (finding 13: it used to cost nothing, so the password could be
    // confirmed at leisure).
    await recordLoginFailure(app, key, attempt, account.id, 'second_factor_missing');
    throw new UnauthorizedError('second_factor_required', 'Administrators must also present their badge (scan it or tap the IC card) and type its PIN.');
  }

  if (isAdmin) {
    const badge = await findPresentedBadge(app, knex, input.badge!);
    if (!badge || badge.person_id !== account.person_id) {
      await recordLoginFailure(app, key, attempt, account.id, 'badge');
      throw invalidCredentials();
    }
    // The PIN attempt counts toward the badge's own lockout too (reserved before it is checked).
    const check = await checkBadgePin(app, input.badge!, input.pin!, undefined, input.hashPriority ?? 0);
    if (!check.ok) {
      if (check.reason === 'pin_change_required') {
        // Password, badge and PIN are right; the PIN is from before the review and must change first.
        await releaseAttempt(app, key);
        throw new AppError(403, 'pin_change_required', `${pinRefusalText('pin_change_required')} Change it (POST /api/badges/pin/change), then sign in.`, [{ field: 'pin', code: 'pin_change_required', message: pinRefusalText('pin_change_required') }]);
      }
      if (check.reason === 'pin_not_set') {
        await recordLoginFailure(app, key, attempt, account.id, 'pin_not_set');
        throw new UnauthorizedError('second_factor_required', 'This badge has no PIN yet, so it is no second factor: set the PIN at the desk with another administrator confirming, then sign in.');
      }
      if (check.reason === 'pin_busy') {
        await releaseAttempt(app, key);
        throw new LockedError('pin_busy', pinRefusalText('pin_busy'), check.retryAfterSeconds);
      }
      await recordLoginFailure(app, key, attempt, account.id, check.reason);
      if (check.reason === 'pin_locked') throw new LockedError('pin_locked', pinRefusalText('pin_locked'), check.retryAfterSeconds);
      throw invalidCredentials();
    }
  }

  return knex.transaction(async (trx) => {
    await trx('login_throttle').where({ username_key: key }).delete();
    const previous = (await trx.raw(
      `SELECT created_at,
              coalesce(ended_at, CASE WHEN last_seen_at < now() - make_interval(secs => ?)
                                      THEN last_seen_at + make_interval(secs => ?) END) AS ended_at
         FROM sessions WHERE account_id = ? ORDER BY created_at DESC LIMIT 1`,
      [app.config.sessionIdleSeconds, app.config.sessionIdleSeconds, account.id],
    )).rows[0] as { created_at: Date; ended_at: Date | null } | undefined;

    const { rows } = await trx.raw(
      `SELECT now() AS now, ?::timestamptz + make_interval(days => ?) AS expires_at`,
      [account.password_changed_at, app.config.passwordMaxAgeDays],
    );
    const { now, expires_at: passwordExpiresAt } = rows[0] as { now: Date; expires_at: Date };
    const passwordExpired = passwordExpiresAt <= now;

    const [session] = (await trx('sessions')
      .insert({
        account_id: account.id,
        created_at: trx.fn.now(),
        last_seen_at: trx.fn.now(),
        must_change_password: passwordExpired,
        source_ip: input.sourceIp,
      })
      .returning(['id'])) as Array<{ id: string }>;
    await appendJournal(trx, {
      actor: account.id,
      action: 'auth.login',
      subject: `session:${session!.id}`,
      payload: { accountId: account.id, username: account.username, secondFactor: account.roles.includes('admin'), passwordExpired, sourceIp: input.sourceIp },
    });
    const { token, expiresAt } = issueToken(app, account.id, session!.id);
    const credentialNotices = await takeUnseenBadgeEvents(trx, account.person_id);
    return {
      accountId: account.id,
      token,
      expiresAt,
      user: { personId: account.person_id, name: account.name, roles: account.roles },
      previousLoginAt: previous?.created_at ?? null,
      previousLogoutAt: previous?.ended_at ?? null,
      passwordExpiresAt,
      passwordExpired,
      credentialNotices,
    };
  });
}

/** Verifies the current password of a signed-in account (password change). Wrong = a failure. */
export async function checkCurrentPassword(app: AppContext, accountId: string, password: string): Promise<{ id: string; personId: string; username: string }> {
  const account = await app.db.knex('accounts').where({ id: accountId }).first('id', 'person_id', 'username', 'username_key', 'password_hash');
  if (!account) throw invalidCredentials();
  const attempt = await takeAttempt(app, account.username_key); // E3.11 i, as at sign-in
  if (!(await verifySecret(password, account.password_hash))) {
    await recordLoginFailure(app, account.username_key, attempt, account.id, 'current_password');
    throw new AppError(400, 'current_password_incorrect', 'The current password is not correct.', [
      { field: 'currentPassword', code: 'incorrect', message: 'is not correct' },
    ]);
  }
  await releaseAttempt(app, account.username_key);
  return { id: account.id, personId: account.person_id, username: account.username };
}

// Sign-in (E2.16, E2.17, E3.2, E3.11 i).
// - Failures are counted per user name typed, existing or not, and committed even though the
//   answer is an error. After LOGIN_MAX_FAILURES in a row the name is locked for
//   LOGIN_LOCK_MINUTES, and a locked name is refused even with the correct password (423).
// - Unknown user and wrong password get the same answer, after the same amount of work.
// - Administrators also present their badge (token or IC card UID): E2.17.
import type { Knex } from 'knex';
import type { AppContext } from '../context.js';
import { AppError, LockedError, UnauthorizedError } from '../errors.js';
import { appendJournal } from '../journal/journal.js';
import { badgeState, findPresentedBadge } from '../badges/service.js';
import { usernameKey } from './accounts.js';
import { hashSecret, verifySecret } from './secret-hash.js';
import { issueToken } from './authenticate.js';

export interface LoginInput {
  username: string;
  password: string;
  badge?: string | undefined;
  sourceIp: string | null;
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
}

const dummyHashes = new Map<number, Promise<string>>();
function dummyHash(cost: number): Promise<string> {
  let hash = dummyHashes.get(cost);
  if (!hash) {
    hash = hashSecret('not-a-password-' + Math.random(), cost);
    dummyHashes.set(cost, hash);
  }
  return hash;
}

const invalidCredentials = () =>
  new UnauthorizedError('invalid_credentials', 'The user name, password or badge is not correct.');

async function lockedFor(db: Knex, key: string): Promise<number | null> {
  const { rows } = await db.raw(
    `SELECT ceil(extract(epoch FROM locked_until - now()))::int AS seconds
       FROM login_throttle WHERE username_key = ? AND locked_until > now()`,
    [key],
  );
  const row = rows[0] as { seconds: number } | undefined;
  return row ? Math.max(1, row.seconds) : null;
}

/** Counts one failure, in its own transaction; locks the name at the limit. */
export async function recordLoginFailure(app: AppContext, key: string, accountId: string | null, why: string): Promise<void> {
  await app.db.knex.transaction(async (trx) => {
    const { rows } = await trx.raw(
      `INSERT INTO login_throttle (username_key, failures, last_failure_at) VALUES (?, 1, now())
       ON CONFLICT (username_key) DO UPDATE
         SET failures = login_throttle.failures + 1, last_failure_at = now()
       RETURNING failures`,
      [key],
    );
    const failures = Number((rows[0] as { failures: number }).failures);
    if (failures >= app.config.loginMaxFailures) {
      await trx.raw(
        `UPDATE login_throttle SET failures = 0, locked_until = now() + make_interval(mins => ?) WHERE username_key = ?`,
        [app.config.loginLockMinutes, key],
      );
      // Only real accounts are journaled; probes for unknown names stay in the access log.
      if (accountId) {
        await appendJournal(trx, {
          actor: 'system:auth',
          action: 'auth.account_locked',
          subject: `account:${accountId}`,
          payload: { failures, lockMinutes: app.config.loginLockMinutes, lastFailure: why },
        });
      }
    }
  });
}

interface AccountRow {
  id: string;
  person_id: string;
  username: string;
  password_hash: string;
  password_changed_at: Date;
  disabled_at: Date | null;
  name: string;
  roles: string[];
  left_at: Date | null;
}

export async function login(app: AppContext, input: LoginInput): Promise<LoginResult> {
  const knex = app.db.knex;
  const key = usernameKey(input.username);
  const lockSeconds = await lockedFor(knex, key);
  if (lockSeconds !== null) {
    throw new LockedError('account_locked', `Too many failed sign-ins. Try again in ${Math.ceil(lockSeconds / 60)} minutes.`, lockSeconds);
  }

  const account = (await knex('accounts as a')
    .join('people as p', 'p.id', 'a.person_id')
    .where('a.username_key', key)
    .first('a.id', 'a.person_id', 'a.username', 'a.password_hash', 'a.password_changed_at', 'a.disabled_at', 'p.name', 'p.roles', 'p.left_at')) as
    | AccountRow
    | undefined;

  const passwordOk = await verifySecret(input.password, account?.password_hash ?? (await dummyHash(app.config.scryptCost)));
  if (!account || !passwordOk || account.disabled_at || account.left_at) {
    await recordLoginFailure(app, key, account?.id ?? null, 'password');
    throw invalidCredentials();
  }

  if (account.roles.includes('admin')) {
    if (!input.badge) {
      // Not a failure: the password was right, the second factor is simply missing (E2.17).
      throw new UnauthorizedError('second_factor_required', 'Administrators must also present their badge (scan it or tap the IC card).');
    }
    const badge = await findPresentedBadge(app, knex, input.badge);
    if (!badge || badge.person_id !== account.person_id || badgeState(badge, new Date()) !== 'valid') {
      await recordLoginFailure(app, key, account.id, 'badge');
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
    return {
      accountId: account.id,
      token,
      expiresAt,
      user: { personId: account.person_id, name: account.name, roles: account.roles },
      previousLoginAt: previous?.created_at ?? null,
      previousLogoutAt: previous?.ended_at ?? null,
      passwordExpiresAt,
      passwordExpired,
    };
  });
}

/** Verifies the current password of a signed-in account (password change). Wrong = a failure. */
export async function checkCurrentPassword(app: AppContext, accountId: string, password: string): Promise<{ id: string; personId: string; username: string }> {
  const account = await app.db.knex('accounts').where({ id: accountId }).first('id', 'person_id', 'username', 'username_key', 'password_hash');
  if (!account) throw invalidCredentials();
  const lockSeconds = await lockedFor(app.db.knex, account.username_key);
  if (lockSeconds !== null) throw new LockedError('account_locked', 'Too many failed attempts. Try again later.', lockSeconds);
  if (!(await verifySecret(password, account.password_hash))) {
    await recordLoginFailure(app, account.username_key, account.id, 'current_password');
    throw new AppError(400, 'current_password_incorrect', 'The current password is not correct.', [
      { field: 'currentPassword', code: 'incorrect', message: 'is not correct' },
    ]);
  }
  return { id: account.id, personId: account.person_id, username: account.username };
}

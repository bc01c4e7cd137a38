// Accounts belong to people. Setting a password always runs the E3.11 policy; the history of
// password hashes makes "never reused" (E3.11 h) checkable without keeping any password.
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { ConflictError, ValidationError, type ErrorDetail } from '../errors.js';
import { appendJournal } from '../journal/journal.js';
import { passwordPolicyViolations } from './password-policy.js';
import { passwordContextFor } from './people.read-model.js';
import { hashSecret, verifySecret } from '../shared/secret-hash.js';
import { announceSessionsEnded } from './authenticate.js';

/** E3.11 h: "a password once used cannot be used again" — the current one and the 12 before it. */
export const PASSWORD_HISTORY_DEPTH = 12;

export const usernameSchema = z
  .string()
  .trim()
  .min(3)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]*$/, 'letters, digits and . _ @ - only, starting with a letter or digit');

export const passwordInputSchema = z.string().min(1).max(256);

export function usernameKey(username: string): string {
  return username.normalize('NFKC').trim().toLowerCase();
}

function policyError(details: ErrorDetail[]): ValidationError {
  return new ValidationError(
    `The password breaks ${details.length} rule${details.length === 1 ? '' : 's'} of the password policy.`,
    details,
    'password_policy',
  );
}

/** Does the password match one of the account's recent passwords? (checked in parallel) */
async function isRecentPassword(db: Knex, accountId: string, password: string): Promise<boolean> {
  const recent = (await db('password_history')
    .where({ account_id: accountId })
    .orderBy('id', 'desc')
    .limit(PASSWORD_HISTORY_DEPTH + 1)
    .pluck('password_hash')) as string[];
  const matches = await Promise.all(recent.map((hash) => verifySecret(password, hash)));
  return matches.some(Boolean);
}

export interface CreateAccountInput {
  personId: string;
  username: string;
  password: string;
  actor: string;
}

export async function createAccount(app: AppContext, trx: Knex, input: CreateAccountInput): Promise<{ id: string; username: string }> {
  const key = usernameKey(input.username);
  const violations = passwordPolicyViolations(input.password, await passwordContextFor(trx, input.personId, input.username), 'account.password');
  if (violations.length > 0) throw policyError(violations);
  const existing = await trx('accounts').where({ username_key: key }).first('id');
  if (existing) {
    throw new ConflictError('username_taken', `The user name "${input.username}" is already in use.`, [
      { field: 'account.username', code: 'username_taken', message: 'already in use' },
    ]);
  }
  const passwordHash = await hashSecret(input.password, app.config.scryptCost);
  const [account] = (await trx('accounts')
    .insert({
      person_id: input.personId,
      username: input.username,
      username_key: key,
      password_hash: passwordHash,
      password_changed_at: trx.fn.now(),
    })
    .returning(['id'])) as Array<{ id: string }>;
  await trx('password_history').insert({ account_id: account!.id, password_hash: passwordHash });
  await appendJournal(trx, {
    actor: input.actor,
    action: 'auth.account_created',
    subject: `account:${account!.id}`,
    payload: { personId: input.personId, username: input.username },
  });
  return { id: account!.id, username: input.username };
}

/** Sets a new password after the policy and the reuse check. The caller verified the old one. */
export async function setPassword(
  app: AppContext,
  trx: Knex,
  account: { id: string; personId: string; username: string },
  newPassword: string,
  actor: string,
): Promise<void> {
  const violations = passwordPolicyViolations(newPassword, await passwordContextFor(trx, account.personId, account.username), 'newPassword');
  if (await isRecentPassword(trx, account.id, newPassword)) {
    violations.push({
      field: 'newPassword',
      code: 'reused',
      message: `must differ from your current password and the ${PASSWORD_HISTORY_DEPTH} before it`,
    });
  }
  if (violations.length > 0) throw policyError(violations);
  const passwordHash = await hashSecret(newPassword, app.config.scryptCost);
  await trx('accounts').where({ id: account.id }).update({ password_hash: passwordHash, password_changed_at: trx.fn.now() });
  await trx('password_history').insert({ account_id: account.id, password_hash: passwordHash });
  await trx('sessions').where({ account_id: account.id }).whereNull('ended_at').update({ must_change_password: false });
  await appendJournal(trx, {
    actor,
    action: 'auth.password_changed',
    subject: `account:${account.id}`,
    payload: { username: account.username },
  });
}

/** E1.1: when a person leaves, their account is disabled and every live session ends at once. */
export async function disableAccountsOfPerson(trx: Knex, personId: string): Promise<number> {
  const accountIds = (await trx('accounts').where({ person_id: personId }).whereNull('disabled_at').update({ disabled_at: trx.fn.now() }, ['id'])) as Array<{ id: string }>;
  if (accountIds.length === 0) return 0;
  const ended = (await trx('sessions')
    .whereIn('account_id', accountIds.map((a) => a.id))
    .whereNull('ended_at')
    .update({ ended_at: trx.fn.now(), end_reason: 'account_disabled' }, ['id'])) as Array<{ id: string }>;
  await announceSessionsEnded(trx, ended.map((e) => e.id));
  return ended.length;
}

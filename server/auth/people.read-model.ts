// Read model: what the auth module needs to know of the person behind an account — their name,
// roles and whether they left (sign-in, every request's session), and the facts a password must
// not contain (E3.11). Reads the people module's tables; writes nothing.
import type { Knex } from 'knex';
import type { PasswordContext } from './password-policy.js';

export interface AccountRow {
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

/** The account signing in, with its person's name, roles and whether they left. */
export async function accountForSignIn(db: Knex, usernameKey: string): Promise<AccountRow | undefined> {
  return (await db('accounts as a')
    .join('people as p', 'p.id', 'a.person_id')
    .where('a.username_key', usernameKey)
    .first('a.id', 'a.person_id', 'a.username', 'a.password_hash', 'a.password_changed_at', 'a.disabled_at', 'p.name', 'p.roles', 'p.left_at')) as AccountRow | undefined;
}

/** An account by id, with its person's name, roles and whether they left. */
export async function accountById(db: Knex, accountId: string): Promise<AccountRow | undefined> {
  return (await db('accounts as a')
    .join('people as p', 'p.id', 'a.person_id')
    .where('a.id', accountId)
    .first('a.id', 'a.person_id', 'a.username', 'a.password_hash', 'a.password_changed_at', 'a.disabled_at', 'p.name', 'p.roles', 'p.left_at')) as AccountRow | undefined;
}

export async function passwordContextFor(db: Knex, personId: string, username: string): Promise<PasswordContext> {
  const person = await db('people as p')
    .join('organisations as o', 'o.id', 'p.org_id')
    .where('p.id', personId)
    .first('p.name', 'p.phone', 'p.birthday', 'o.name as org_name');
  return {
    username,
    personName: person?.name ?? null,
    orgName: person?.org_name ?? null,
    phone: person?.phone ?? null,
    birthday: person?.birthday ?? null,
  };
}

/**
 * The session lookup as a SQL fragment, for a statement that reads sessions together with its own
 * rows (the door's scans): the rows of the sessions whose ids `idsSql` selects. It takes the two
 * bindings of sessionLookupBindings, in that order, where the fragment stands.
 */
export function sessionRowsSql(idsSql: string): string {
  return `SELECT s.id, s.account_id, s.ended_at, s.must_change_password,
            s.last_seen_at < now() - make_interval(secs => ?) AS idle,
            s.last_seen_at < now() - make_interval(secs => ?) AS stale,
            a.person_id, a.username, a.disabled_at, p.name, p.roles, p.left_at
       FROM sessions s
       JOIN accounts a ON a.id = s.account_id
       JOIN people p ON p.id = a.person_id
      WHERE s.id IN (${idsSql})`;
}

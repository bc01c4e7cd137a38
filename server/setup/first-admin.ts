// A newcomer's first start (issue 14, item 8): with no administrator yet, nobody can sign in, so
// the console says exactly what to run. With the embedded database the server holds its files,
// so the command runs after stopping it; a PostgreSQL server can be shared at once.
import type { Knex } from 'knex';
import { MIN_PASSWORD_LENGTH } from '../auth/password-policy.js';
import { countAdministrators } from '../people/people.read-model.js';

export async function needsFirstAdministrator(db: Knex): Promise<boolean> {
  return (await countAdministrators(db)) === 0;
}

export function firstAdministratorHint(database: 'pglite' | 'postgres'): string {
  const command = `npx tachiai create-admin --username <user name> --name '<氏名 full name>' --password '<password: ${MIN_PASSWORD_LENGTH}+ characters>'`;
  return [
    '',
    'No administrator yet: nobody can sign in. The person who will be the administrator creates their own account and badge:',
    '',
    database === 'pglite' ? `  1. stop this server (Ctrl+C)\n  2. ${command}\n  3. npm start` : `  ${command}`,
    '',
    'It prints their badge and a first PIN, once, for them alone (administrators sign in with password, badge and PIN).',
    'A second administrator does the same: PIN resets need a confirmer other than the holder.',
    '',
  ].join('\n');
}

// Every server on one database shares its secrets (issue 17, item 3): the first start records
// their fingerprint (./escrow.ts — never a secret) in site_settings, and a server whose secrets
// differ is refused with a message saying how to share them. The escrow's export is recorded too:
// until it is, every start and the readiness answer say so.
import type { Knex } from 'knex';
import { ConfigError } from '../config.js';
import { appendJournal } from '../journal/journal.js';
import type { Secrets } from '../secrets.js';
import { secretsFingerprint } from './escrow.js';

export interface SharedSecretsState {
  fingerprint: string;
  /** When the secrets with this fingerprint were last exported to the escrow; null: never. */
  escrowedAt: Date | null;
}

/** Records the fingerprint on first use, refuses secrets that differ from it. */
export async function checkSharedSecrets(knex: Knex, secrets: Secrets): Promise<SharedSecretsState> {
  const fingerprint = secretsFingerprint(secrets);
  return knex.transaction(async (trx) => {
    const row = (await trx('site_settings').where({ id: 1 }).forUpdate().first('site_id', 'secrets_fingerprint', 'secrets_escrowed_at')) as
      | { site_id: string; secrets_fingerprint: string | null; secrets_escrowed_at: Date | null }
      | undefined;
    if (!row) throw new ConfigError('The site is not set up yet (no site_settings row): start the server once with "tachiai serve".');
    if (row.secrets_fingerprint === null) {
      await trx('site_settings').where({ id: 1 }).update({ secrets_fingerprint: fingerprint, secrets_escrowed_at: null });
      await appendJournal(trx, { actor: 'system:secrets', action: 'secrets.recorded', subject: `site:${row.site_id}`, payload: { fingerprint } });
      return { fingerprint, escrowedAt: null };
    }
    if (row.secrets_fingerprint !== fingerprint) {
      throw new ConfigError(
        `This server's secrets (fingerprint ${fingerprint}) are not the ones of the other servers on this database (${row.secrets_fingerprint}). ` +
          'Every server must share JWT_SECRET, BADGE_SECRET, PIN_PEPPER, SIGNING_KEY and BACKUP_KEY, or badges, PINs, sessions and signatures would not work across them. ' +
          'On a server that runs: "tachiai secrets export --out FILE"; here, with an empty DATA_DIR/secrets: "tachiai secrets import --in FILE" (or set the same values in the environment). Then start again.',
      );
    }
    return { fingerprint, escrowedAt: row.secrets_escrowed_at };
  });
}

/** The export to the escrow, recorded (journaled) for the secrets with this fingerprint. */
export async function recordEscrow(knex: Knex, fingerprint: string, by: { actor: string; host: string; file: string }): Promise<Date> {
  return knex.transaction(async (trx) => {
    const [row] = (await trx('site_settings')
      .where({ id: 1, secrets_fingerprint: fingerprint })
      .update({ secrets_escrowed_at: trx.fn.now() }, ['site_id', 'secrets_escrowed_at'])) as Array<{ site_id: string; secrets_escrowed_at: Date }>;
    if (!row) throw new ConfigError('These secrets are not the ones recorded for this database: export the escrow from a server that runs on it.');
    await appendJournal(trx, { actor: by.actor, action: 'secrets.escrowed', subject: `site:${row.site_id}`, payload: { fingerprint, host: by.host, file: by.file } });
    return row.secrets_escrowed_at;
  });
}

/** When the shared secrets were last escrowed (null: never, or not recorded yet). */
export async function escrowedAt(knex: Knex): Promise<Date | null> {
  const row = (await knex('site_settings').where({ id: 1 }).first('secrets_escrowed_at')) as { secrets_escrowed_at: Date | null } | undefined;
  return row?.secrets_escrowed_at ?? null;
}

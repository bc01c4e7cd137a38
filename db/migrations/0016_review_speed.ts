// The weekly review on a year of records (issue 16, "Speed"; docs/performance.md, "The weekly
// review"): the review reads a week of the journal by time (its digest, its counts, the
// administrative changes), which without an index on `at` meant reading the whole journal — a
// million rows and more — three times. And a few partial indexes for the rare rows it looks for
// among a week's 200,000 scans and 300,000 requests: denied and flagged scans, sign-ins, 403s,
// reads of media records. Each partial index holds only those rows, so the door and the API pay
// a predicate check per row written, and an index insert only for the rows it holds.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Appended in time order: inserts go to the rightmost leaf. `action` in the key lets the
  // administrative changes of a week be found in the index without reading the week's scans.
  await knex.raw('CREATE INDEX journal_entries_at_action_index ON journal_entries (at, action)');
  await knex.raw("CREATE INDEX entries_denied_at_index ON entries (at) WHERE decision = 'denied'");
  await knex.raw("CREATE INDEX entries_flagged_at_index ON entries (at) WHERE flags && ARRAY['manual_exit', 'holding_media']::text[]");
  await knex.raw("CREATE INDEX access_log_signin_at_index ON access_log (at) WHERE path = '/api/auth/login'");
  await knex.raw('CREATE INDEX access_log_forbidden_at_index ON access_log (at) WHERE status = 403');
  await knex.raw("CREATE INDEX access_log_media_at_index ON access_log (at) WHERE path LIKE '/api/media%'");
}

export async function down(knex: Knex): Promise<void> {
  for (const name of [
    'access_log_media_at_index',
    'access_log_forbidden_at_index',
    'access_log_signin_at_index',
    'entries_flagged_at_index',
    'entries_denied_at_index',
    'journal_entries_at_action_index',
  ]) {
    await knex.raw(`DROP INDEX IF EXISTS ${name}`);
  }
}

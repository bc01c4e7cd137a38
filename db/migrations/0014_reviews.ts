// The weekly access review (E4.2): signed reviews (one per site and ISO week), the reviewer's
// dispositions saved as drafts as they go, and an index for the review's look back at the source
// addresses an account signed in from (90 days of the access log) — on successful sign-ins only, so
// that the busy rows (every scan, every request) pay nothing for it.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('reviews', (t) => {
    t.uuid('id').primary();
    t.text('week').notNullable().unique();
    t.timestamp('period_from', { useTz: true }).notNullable();
    t.timestamp('period_to', { useTz: true }).notNullable();
    t.integer('rules_version').notNullable();
    t.text('settings').notNullable();
    t.text('counts').notNullable();
    t.text('findings').notNullable();
    t.text('digest').notNullable();
    t.text('digest_hash').notNullable();
    t.uuid('record_id').notNullable().references('signed_records.id');
    t.uuid('signed_by').notNullable().references('people.id');
    t.timestamp('signed_at', { useTz: true }).notNullable();
  });
  await knex.schema.createTable('review_dispositions', (t) => {
    t.text('week').notNullable();
    t.text('finding_key').notNullable();
    t.text('disposition').notNullable();
    t.text('comment').notNullable().defaultTo('');
    t.uuid('person_id').notNullable().references('people.id');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['week', 'finding_key']);
  });
  await knex.raw(
    "CREATE INDEX access_log_signin_source_index ON access_log (account_id, source_ip, at) WHERE path = '/api/auth/login' AND method = 'POST' AND status = 200",
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX access_log_signin_source_index');
  await knex.schema.dropTable('review_dispositions');
  await knex.schema.dropTable('reviews');
}

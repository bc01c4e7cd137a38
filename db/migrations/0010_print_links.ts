// Print links: a printable page opened from a new window or `chromium --print-to-pdf` carries a
// short-lived token bound to the signed-in user and to that one document, instead of the bearer
// token. Stored as a digest.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('print_links', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('token_digest').notNullable().unique();
    t.uuid('account_id').notNullable().references('accounts.id');
    t.uuid('session_id').notNullable().references('sessions.id');
    t.text('path').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.index(['expires_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('print_links');
}

// The site's fixed name (SITE_ID) and its display names: one row, written on first start.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('site_settings', (t) => {
    t.smallint('id').primary().checkIn(['1'], 'site_settings_one_row');
    // A short stable name (tokyo-dc1): printed documents, the journal's identity, message topics.
    t.text('site_id').notNullable();
    t.text('name_ja').notNullable();
    t.text('name_en').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('site_settings');
}

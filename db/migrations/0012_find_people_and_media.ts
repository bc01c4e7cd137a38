// Pickers and lists people search (issue 14): a person's reading (furigana, stored in katakana) for
// searching by sound, and media listed by label in one order on PostgreSQL and PGlite alike
// (byte order, whatever the database's collation).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('people', (t) => {
    t.text('reading');
  });
  await knex.raw('CREATE INDEX media_label_sort_index ON media ((lower(label) COLLATE "C"), id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX media_label_sort_index');
  await knex.schema.alterTable('people', (t) => {
    t.dropColumn('reading');
  });
}

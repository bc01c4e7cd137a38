// Each destroyed medium's own DIN 66399 / ISO/IEC 21964 level (media of different material
// classes in one destruction each carry theirs).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('destruction_media', (t) => {
    t.text('security_level');
  });
  await knex.raw('UPDATE destruction_media dm SET security_level = d.security_level FROM destructions d WHERE d.id = dm.destruction_id');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('destruction_media', (t) => {
    t.dropColumn('security_level');
  });
}

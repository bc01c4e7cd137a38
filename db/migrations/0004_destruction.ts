// Destruction events and their certificates (廃棄証明書): E7.1–E7.4, E2.14, E8.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Gap-free certificate numbers per year: the counter row is updated in the destruction's own
  // transaction, so a failed request gives its number back and concurrent ones queue on the row.
  await knex.schema.createTable('certificate_counters', (t) => {
    t.integer('year').primary();
    t.integer('last').notNullable();
  });

  await knex.schema.createTable('destructions', (t) => {
    t.uuid('id').primary();
    t.uuid('record_id').notNullable().references('signed_records.id');
    t.text('certificate_no').notNullable().unique();
    t.text('method').notNullable().checkIn(['shred', 'wipe', 'degauss', 'physical', 'incinerate'], 'destructions_method_check');
    t.text('category').notNullable().checkIn(['clear', 'purge', 'destroy'], 'destructions_category_check');
    t.text('standard');
    t.text('security_level');
    t.text('technique');
    t.text('tool');
    t.text('tool_version');
    t.text('pattern');
    t.boolean('verified');
    t.text('verification_method');
    t.text('destination_after');
    t.uuid('vendor_org_id').references('organisations.id');
    t.uuid('performed_by_person_id').notNullable().references('people.id');
    t.text('performer_title');
    t.text('performer_contact');
    t.uuid('room_id').references('rooms.id');
    t.text('place');
    t.timestamp('performed_at', { useTz: true }).notNullable();
    t.text('note');
    t.text('created_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['performed_at']);
  });

  // Rev. 2 of NIST SP 800-88 asks for a record per medium: backup facts are kept per medium.
  await knex.schema.createTable('destruction_media', (t) => {
    t.uuid('destruction_id').notNullable().references('destructions.id');
    t.uuid('medium_id').notNullable().unique().references('media.id');
    t.smallint('position').notNullable();
    t.boolean('backed_up');
    t.text('backup_location');
    t.primary(['destruction_id', 'medium_id']);
  });

  // E2.14: every print of a certificate, with who printed it and the authorised person present.
  await knex.schema.createTable('certificate_prints', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('destruction_id').notNullable().references('destructions.id');
    t.integer('print_no').notNullable();
    t.text('printed_by').notNullable();
    t.uuid('printed_by_person_id').notNullable().references('people.id');
    t.uuid('present_person_id').notNullable().references('people.id');
    t.uuid('record_id').notNullable().references('signed_records.id');
    t.timestamp('printed_at', { useTz: true }).notNullable();
    t.unique(['destruction_id', 'print_no']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['certificate_prints', 'destruction_media', 'destructions', 'certificate_counters']) {
    await knex.schema.dropTableIfExists(table);
  }
}

// The depositor's monthly report (issue 18, part 3): one signed report per depositor and month,
// numbered without gaps per year, with the hash of its check code (the QR code's public check),
// and its prints made with the authorised person present (E2.14).
// One statement per knex.raw call (PGlite runs one statement per prepared query).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('monthly_report_counters', (t) => {
    t.integer('year').primary();
    t.integer('last').notNullable();
  });
  await knex.schema.createTable('monthly_reports', (t) => {
    t.uuid('id').primary();
    t.text('report_no').notNullable().unique();
    t.uuid('depositor_org_id').notNullable().references('organisations.id');
    t.text('month').notNullable();
    t.uuid('record_id').notNullable().references('signed_records.id');
    t.text('check_code_hash').notNullable();
    t.uuid('signed_by').notNullable().references('people.id');
    t.timestamp('signed_at', { useTz: true }).notNullable();
    t.text('created_by').notNullable();
    t.unique(['depositor_org_id', 'month']);
  });
  await knex.schema.createTable('monthly_report_prints', (t) => {
    t.uuid('report_id').notNullable().references('monthly_reports.id');
    t.integer('print_no').notNullable();
    t.text('printed_by').notNullable();
    t.uuid('printed_by_person_id').notNullable().references('people.id');
    t.uuid('present_person_id').notNullable().references('people.id');
    t.uuid('record_id').notNullable().references('signed_records.id');
    t.timestamp('printed_at', { useTz: true }).notNullable();
    t.primary(['report_id', 'print_no']);
  });
  // The report reads each medium's last step before the month's end, and the month's steps of a
  // depositor's media, by time: an index by medium and time answers both without sorting a
  // medium's whole chain (custody_steps itself stays the media module's table).
  await knex.raw('CREATE INDEX custody_steps_medium_at_index ON custody_steps (medium_id, at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS custody_steps_medium_at_index');
  for (const table of ['monthly_report_prints', 'monthly_reports', 'monthly_report_counters']) await knex.schema.dropTableIfExists(table);
}

// Operations (issue 17): the secrets every server on this database must share, known by a
// fingerprint only (never the secrets), and when they were last exported to the escrow; the
// backups taken (scheduled once a day across every server, or by a named authorised person), and
// the restore drills (E2.12, E2.13, E9.2).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('site_settings', (t) => {
    t.text('secrets_fingerprint');
    t.timestamp('secrets_escrowed_at', { useTz: true });
  });
  await knex.schema.createTable('backups', (t) => {
    t.uuid('id').primary();
    t.text('kind').notNullable().checkIn(['scheduled', 'manual', 'command'], 'backups_kind_check');
    // The site day a scheduled backup belongs to: one per day, whichever server claims it.
    t.date('day');
    t.text('status').notNullable().checkIn(['running', 'ok', 'failed'], 'backups_status_check');
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true });
    t.text('server').notNullable();
    t.text('dir').notNullable();
    t.text('file');
    t.bigInteger('bytes');
    t.text('sha256');
    t.bigInteger('rows');
    t.text('taken_by').notNullable();
    t.uuid('taken_by_person_id').references('people.id');
    t.text('medium_location');
    t.text('error');
    t.index(['started_at']);
  });
  await knex.raw("CREATE UNIQUE INDEX backups_one_scheduled_per_day ON backups (day) WHERE kind = 'scheduled'");
  await knex.schema.createTable('restore_drills', (t) => {
    t.uuid('id').primary();
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.timestamp('finished_at', { useTz: true }).notNullable();
    t.text('backup_file').notNullable();
    t.text('backup_sha256').notNullable();
    t.text('target').notNullable();
    t.bigInteger('rows').notNullable();
    t.boolean('verified').notNullable();
    t.text('error');
    t.text('run_by').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('restore_drills');
  await knex.schema.dropTable('backups');
  await knex.schema.alterTable('site_settings', (t) => {
    t.dropColumn('secrets_fingerprint');
    t.dropColumn('secrets_escrowed_at');
  });
}

// The journal's intake (server/journal/intake.ts): events written in their own transaction and
// moved into the hash chain in batches, with the live-log notification they carry.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('journal_intake', (t) => {
    t.bigIncrements('id').primary();
    t.text('chain').notNullable();
    t.timestamp('at', { useTz: true }).notNullable();
    t.text('actor').notNullable();
    t.text('action').notNullable();
    t.text('subject').notNullable();
    t.text('payload').notNullable();
    t.text('notify_channel');
    t.text('notify_payload');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('journal_intake');
}

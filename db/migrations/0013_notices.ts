// Notices by e-mail (issue 15): the contact persons of organisations, a language for the site's
// people, and the outbox — every notice a row written in the transaction of the event that
// causes it, delivered by workers that claim rows with a lease.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('contacts', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('org_id').notNullable().references('organisations.id');
    t.text('name').notNullable();
    t.text('email').notNullable();
    t.text('lang').notNullable();
    t.specificType('kinds', 'text[]').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('created_by').notNullable();
    t.timestamp('removed_at', { useTz: true });
    t.text('removed_by');
    t.index(['org_id']);
  });
  await knex.schema.alterTable('people', (t) => {
    t.text('notice_lang').notNullable().defaultTo('ja');
  });
  await knex.schema.createTable('notices', (t) => {
    t.uuid('id').primary();
    t.text('kind').notNullable();
    // What caused it: the journal subject of the event (e.g. person:<id>), and the action.
    t.text('cause_subject').notNullable();
    t.text('cause_action').notNullable();
    t.uuid('org_id').references('organisations.id');
    t.uuid('contact_id').references('contacts.id');
    t.uuid('person_id').references('people.id');
    t.text('recipient_name').notNullable();
    t.text('recipient_email').notNullable();
    t.text('lang').notNullable();
    t.text('subject').notNullable();
    t.text('body_text').notNullable();
    t.text('message_id').notNullable().unique();
    t.text('status').notNullable().defaultTo('queued');
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('lease_until', { useTz: true });
    t.text('leased_by');
    t.text('last_error');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('sent_at', { useTz: true });
    t.timestamp('failed_at', { useTz: true });
    t.index(['created_at', 'id']);
  });
  await knex.raw("CREATE INDEX notices_due_index ON notices (next_attempt_at) WHERE status = 'queued'");
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('notices');
  await knex.schema.alterTable('people', (t) => {
    t.dropColumn('notice_lang');
  });
  await knex.schema.dropTable('contacts');
}

// The door: appointments, personnel-change notifications, NDAs, trainings, subcontractor
// consents, rooms with access lists, the entry log and who is inside now.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // E1.1: who appointed whom as 責任者 / 担当者 (or any role), and when.
  await knex.schema.createTable('appointments', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('person_id').notNullable().references('people.id');
    t.text('role').notNullable();
    t.text('change').notNullable().checkIn(['appointed', 'dismissed'], 'appointments_change_check');
    t.text('by_actor').notNullable();
    t.uuid('by_person_id');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('note');
    t.index(['person_id', 'at']);
  });

  // E1.1: resignations and transfers are reported to the depositor at once.
  await knex.schema.createTable('notifications', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('kind').notNullable();
    t.uuid('depositor_org_id').references('organisations.id');
    t.uuid('person_id').references('people.id');
    t.text('message').notNullable();
    // Structured facts behind the message (JSON text), so pages can word it in any language.
    t.text('details').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('acknowledged_at', { useTz: true });
    t.uuid('acknowledged_by');
    t.index(['acknowledged_at', 'created_at']);
  });

  // M6.3: non-disclosure agreements (秘密保持契約 / 念書) on file.
  await knex.schema.createTable('ndas', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('person_id').notNullable().references('people.id');
    t.timestamp('signed_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true });
    t.text('document_ref').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['person_id']);
  });

  // E5: training records — date, instructor, content, method, participants.
  await knex.schema.createTable('trainings', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('title').notNullable();
    t.timestamp('held_at', { useTz: true }).notNullable();
    t.text('instructor').notNullable();
    t.text('method').notNullable();
    t.text('content').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['held_at']);
  });
  await knex.schema.createTable('training_participants', (t) => {
    t.uuid('training_id').notNullable().references('trainings.id');
    t.uuid('person_id').notNullable().references('people.id');
    t.primary(['training_id', 'person_id']);
    t.index(['person_id']);
  });

  // E8: a subcontractor's people get badges only after the depositor's written consent.
  await knex.schema.createTable('org_consents', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('org_id').notNullable().references('organisations.id');
    t.uuid('depositor_org_id').references('organisations.id');
    t.timestamp('granted_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true });
    t.text('document_ref').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['org_id']);
  });

  await knex.schema.createTable('rooms', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('name').notNullable();
    t.text('kind').notNullable().checkIn(['secure', 'reception'], 'rooms_kind_check');
    // Opening hours in the site's time zone: ISO weekdays (1 = Monday) and HH:MM from/to.
    t.specificType('hours_days', 'smallint[]');
    t.text('hours_from');
    t.text('hours_to');
    t.boolean('requires_training').notNullable().defaultTo(false);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  // E6.1: only permitted persons enter.
  await knex.schema.createTable('room_access', (t) => {
    t.uuid('room_id').notNullable().references('rooms.id');
    t.uuid('person_id').notNullable().references('people.id');
    t.timestamp('granted_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('granted_by').notNullable();
    t.primary(['room_id', 'person_id']);
    t.index(['person_id']);
  });

  // E6.2: the entry/exit record book. Never the presented token itself: a copy of this table
  // must not yield working badges; only a short hint of what was presented.
  await knex.schema.createTable('entries', (t) => {
    t.bigIncrements('id').primary();
    t.timestamp('at', { useTz: true }).notNullable();
    t.uuid('room_id').notNullable().references('rooms.id');
    t.uuid('badge_id').references('badges.id');
    t.uuid('person_id').references('people.id');
    t.text('direction').notNullable().checkIn(['in', 'out'], 'entries_direction_check');
    t.text('decision').notNullable().checkIn(['granted', 'denied'], 'entries_decision_check');
    t.text('reason');
    t.text('presented_hint');
    t.uuid('recorded_by');
    t.specificType('flags', 'text[]').notNullable().defaultTo('{}');
    t.index(['person_id', 'at']);
    t.index(['room_id', 'at']);
    t.index(['at']);
  });

  // Who is inside each room now (anti-passback, occupancy, muster).
  await knex.schema.createTable('presence', (t) => {
    t.uuid('room_id').notNullable().references('rooms.id');
    t.uuid('person_id').notNullable().references('people.id');
    t.timestamp('entered_at', { useTz: true }).notNullable();
    t.bigInteger('entry_id').notNullable();
    t.primary(['room_id', 'person_id']);
    t.index(['person_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['presence', 'entries', 'room_access', 'rooms', 'org_consents', 'training_participants', 'trainings', 'ndas', 'notifications', 'appointments']) {
    await knex.schema.dropTableIfExists(table);
  }
}

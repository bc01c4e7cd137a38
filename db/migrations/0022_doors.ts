// Doors that lock (issue 20): a door of a room, with its controller over MQTT. The controller's
// broker password is kept as a digest; its command key (the MAC key of unlock commands) is sealed
// under a key derived from a server secret, never stored in clear. Entries recorded from a door's
// reader name the door and the reader's message id, unique together: a message resent by the
// broker (QoS 1) or by the reader is recorded once, on any number of servers.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('doors', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('room_id').notNullable().references('rooms.id');
    t.text('name').notNullable();
    t.text('mqtt_username').notNullable().unique();
    t.text('mqtt_password_digest').notNullable();
    t.text('command_key_sealed').notNullable();
    t.text('created_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('revoked_at', { useTz: true });
    t.text('revoked_by');
    t.text('revoked_reason');
  });
  await knex.schema.alterTable('entries', (t) => {
    t.uuid('door_id').references('doors.id');
    t.text('door_message_id');
  });
  await knex.raw('CREATE UNIQUE INDEX entries_door_message_unique ON entries (door_id, door_message_id) WHERE door_id IS NOT NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS entries_door_message_unique');
  await knex.schema.alterTable('entries', (t) => {
    t.dropColumn('door_message_id');
    t.dropColumn('door_id');
  });
  await knex.schema.dropTable('doors');
}

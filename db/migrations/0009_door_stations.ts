// Door stations: a device at one room's door (a kiosk browser, or a hardware reader posting over
// HTTP), with its own long random credential, stored as a digest. Entries name the station that
// recorded them.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('door_stations', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('room_id').notNullable().references('rooms.id');
    t.text('name').notNullable();
    t.text('credential_digest').notNullable().unique();
    t.text('created_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_seen_at', { useTz: true });
    t.timestamp('revoked_at', { useTz: true });
    t.text('revoked_by');
    t.text('revoked_reason');
  });
  await knex.schema.alterTable('entries', (t) => {
    t.uuid('station_id').references('door_stations.id');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('entries', (t) => {
    t.dropColumn('station_id');
  });
  await knex.schema.dropTable('door_stations');
}

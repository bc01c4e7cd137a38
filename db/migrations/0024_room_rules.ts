// Room rules beyond the access list, and emergency control of the doors (issue 20, items 5–6).
//  - rooms: the two-person rule (二人制) with its pairing window, an occupancy limit, and timed
//    anti-passback (a presence older than N hours no longer blocks re-entry). Null / false = off.
//  - door_pairs (door module): the first person of a two-person entry waiting for the second,
//    at most one per room — the room's key is the guard: of two first scans arriving together
//    only one becomes the waiting person, and only one second scan takes it (DELETE … RETURNING).
//  - door_releases (doors module): fire releases of every door of the site; at most one open at a
//    time (a unique index over the open one), so two fire alarms at once release once.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('rooms', (t) => {
    t.boolean('two_person').notNullable().defaultTo(false);
    t.integer('two_person_window_seconds').notNullable().defaultTo(5);
    t.integer('occupancy_limit');
    t.integer('anti_passback_hours');
  });
  await knex.raw('ALTER TABLE rooms ADD CONSTRAINT rooms_two_person_window_check CHECK (two_person_window_seconds BETWEEN 1 AND 120)');
  await knex.raw('ALTER TABLE rooms ADD CONSTRAINT rooms_occupancy_limit_check CHECK (occupancy_limit IS NULL OR occupancy_limit >= 1)');
  await knex.raw('ALTER TABLE rooms ADD CONSTRAINT rooms_anti_passback_hours_check CHECK (anti_passback_hours IS NULL OR anti_passback_hours >= 1)');

  await knex.schema.createTable('door_pairs', (t) => {
    t.uuid('room_id').primary().references('rooms.id');
    t.uuid('person_id').notNullable().references('people.id');
    t.uuid('badge_id').references('badges.id');
    /** The entry that answered pending_second_person. */
    t.bigInteger('entry_id').notNullable();
    t.uuid('door_id').references('doors.id');
    t.uuid('station_id');
    t.timestamp('at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.index(['expires_at']);
  });

  await knex.schema.createTable('door_releases', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('source').notNullable().checkIn(['api', 'fire_panel'], 'door_releases_source_check');
    t.text('reason').notNullable();
    t.text('started_by').notNullable();
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('ended_by');
    t.timestamp('ended_at', { useTz: true });
    t.text('end_note');
    t.integer('doors_commanded').notNullable().defaultTo(0);
  });
  await knex.raw('CREATE UNIQUE INDEX door_releases_one_open ON door_releases ((true)) WHERE ended_at IS NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('door_releases');
  await knex.schema.dropTableIfExists('door_pairs');
  for (const c of ['rooms_two_person_window_check', 'rooms_occupancy_limit_check', 'rooms_anti_passback_hours_check']) await knex.raw(`ALTER TABLE rooms DROP CONSTRAINT IF EXISTS ${c}`);
  await knex.schema.alterTable('rooms', (t) => {
    t.dropColumn('anti_passback_hours');
    t.dropColumn('occupancy_limit');
    t.dropColumn('two_person_window_seconds');
    t.dropColumn('two_person');
  });
}

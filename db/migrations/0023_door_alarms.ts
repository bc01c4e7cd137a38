// Door status and door alarms (issue 20, E6.4). Tables of the doors module:
// - door_status: one row per door — the controller's last state (contact, lock, request-to-exit,
//   the controller's time and ours) and its last heartbeat. Written by conditional writes, so an
//   older message never overwrites a newer one, whichever server takes it.
// - door_alarms: forced, held_open, offline, repeated_denials and lone_person (raised by the
//   two-person rule). An alarm is open until a guard acknowledges it with a note; at most one
//   open alarm per door (or room, when no door is named) and kind — a unique partial index, so
//   several servers raising the same alarm record it once (INSERT … ON CONFLICT DO NOTHING).
// - doors.held_open_seconds: how long a door may stand open (30 s by default), per door.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('doors', (t) => {
    t.integer('held_open_seconds').notNullable().defaultTo(30);
  });
  await knex.raw('ALTER TABLE doors ADD CONSTRAINT doors_held_open_seconds_range CHECK (held_open_seconds BETWEEN 1 AND 3600)');
  await knex.schema.createTable('door_status', (t) => {
    t.uuid('door_id').primary().references('doors.id');
    t.text('contact');
    t.text('lock');
    t.boolean('rex');
    /** The controller's time of the last state message, and when a server received it. */
    t.timestamp('state_at', { useTz: true });
    t.timestamp('state_received_at', { useTz: true });
    /** When (our time) the contact last went from closed to open. */
    t.timestamp('contact_opened_at', { useTz: true });
    /** When (our time) the request-to-exit button was last reported pressed. */
    t.timestamp('rex_at', { useTz: true });
    t.timestamp('heartbeat_at', { useTz: true });
    t.timestamp('heartbeat_received_at', { useTz: true });
  });
  await knex.raw("ALTER TABLE door_status ADD CONSTRAINT door_status_contact CHECK (contact IN ('open', 'closed'))");
  await knex.raw("ALTER TABLE door_status ADD CONSTRAINT door_status_lock CHECK (lock IN ('locked', 'unlocked'))");
  await knex.schema.createTable('door_alarms', (t) => {
    t.uuid('id').primary();
    t.text('kind').notNullable();
    t.uuid('door_id').references('doors.id');
    t.uuid('room_id').notNullable().references('rooms.id');
    t.timestamp('raised_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.jsonb('detail').notNullable().defaultTo('{}');
    /** When the condition ended (the door closed, the controller reported again); the alarm stays open. */
    t.timestamp('cleared_at', { useTz: true });
    t.timestamp('acknowledged_at', { useTz: true });
    t.text('acknowledged_by');
    t.text('acknowledged_by_name');
    t.text('note');
  });
  await knex.raw("ALTER TABLE door_alarms ADD CONSTRAINT door_alarms_kind CHECK (kind IN ('forced', 'held_open', 'offline', 'repeated_denials', 'lone_person'))");
  await knex.raw('ALTER TABLE door_alarms ADD CONSTRAINT door_alarms_ack CHECK ((acknowledged_at IS NULL) = (note IS NULL))');
  await knex.raw('CREATE UNIQUE INDEX door_alarms_open_door ON door_alarms (door_id, kind) WHERE acknowledged_at IS NULL AND door_id IS NOT NULL');
  await knex.raw('CREATE UNIQUE INDEX door_alarms_open_room ON door_alarms (room_id, kind) WHERE acknowledged_at IS NULL AND door_id IS NULL');
  await knex.raw('CREATE INDEX door_alarms_raised ON door_alarms (raised_at)');
  // Repeated denials count a door's recent denied entries.
  await knex.raw("CREATE INDEX entries_door_denied ON entries (door_id, at) WHERE door_id IS NOT NULL AND decision = 'denied'");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS entries_door_denied');
  await knex.schema.dropTable('door_alarms');
  await knex.schema.dropTable('door_status');
  await knex.raw('ALTER TABLE doors DROP CONSTRAINT IF EXISTS doors_held_open_seconds_range');
  await knex.schema.alterTable('doors', (t) => t.dropColumn('held_open_seconds'));
}

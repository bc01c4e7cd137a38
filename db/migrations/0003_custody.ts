// Custody of entrusted media: storage locations, media and their one status at a time, signed
// records with witness signatures, the chain of custody, handovers, transfers, copy and
// transmission approvals, monthly inspections and after-hours alerts.
// (E1.2, E1.3, E1.5, E1.7, E1.8, E4.1, E6.5)
import type { Knex } from 'knex';

const MEDIA_KINDS = ['paper', 'usb', 'hdd', 'ssd', 'optical', 'tape', 'other'];
export const MEDIA_STATUSES = ['stored', 'checked_out', 'in_transit', 'returned_to_depositor', 'destroyed'];

export async function up(knex: Knex): Promise<void> {
  // E1.3: a carrier must be trustworthy — an approved list, kept on the organisation.
  await knex.schema.alterTable('organisations', (t) => {
    t.timestamp('approved_at', { useTz: true });
    t.text('approved_by');
    t.text('approval_note');
  });

  // E1.2: locked cabinets, safes and vaults inside rooms.
  await knex.schema.createTable('locations', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('name').notNullable();
    t.text('kind').notNullable().checkIn(['cabinet', 'safe', 'vault'], 'locations_kind_check');
    t.uuid('room_id').notNullable().references('rooms.id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['room_id']);
  });

  // A signed record: the exact canonical content that witnesses sign (its SHA-256 is what each
  // signature covers). Shared by checkouts, check-ins, handovers, transfers, inspections and
  // destructions.
  await knex.schema.createTable('signed_records', (t) => {
    t.uuid('id').primary();
    t.text('kind').notNullable();
    t.text('content').notNullable();
    t.text('content_hash').notNullable();
    t.uuid('room_id').references('rooms.id');
    t.text('place');
    t.boolean('presence_verified').notNullable();
    t.text('created_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['kind', 'created_at']);
  });

  // 21 CFR Part 11 §11.50 / §11.70: printed name, time, meaning, and a link to the record.
  await knex.schema.createTable('signatures', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('record_id').notNullable().references('signed_records.id');
    t.smallint('position').notNullable();
    t.uuid('signer_person_id').notNullable().references('people.id');
    t.text('signer_name').notNullable();
    t.specificType('signer_roles', 'text[]').notNullable();
    t.text('signer_org').notNullable();
    t.uuid('badge_id').notNullable().references('badges.id');
    t.text('meaning').notNullable();
    t.timestamp('signed_at', { useTz: true }).notNullable();
    t.text('key_id').notNullable();
    t.text('signature').notNullable();
    t.text('drawn_image');
    t.text('drawn_image_hash');
    t.unique(['record_id', 'position']);
    t.index(['signer_person_id']);
  });

  await knex.schema.createTable('copy_approvals', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('source_medium_id').notNullable();
    t.integer('copies').notNullable();
    t.integer('used').notNullable().defaultTo(0);
    t.uuid('approved_by_person_id').notNullable().references('people.id');
    t.text('document_ref').notNullable();
    t.text('purpose').notNullable();
    t.timestamp('approved_at', { useTz: true }).notNullable();
    t.text('created_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check('?? >= 1 AND ?? <= ??', ['copies', 'used', 'copies'], 'copy_approvals_used_check');
    t.index(['source_medium_id']);
  });

  await knex.schema.createTable('media', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('label').notNullable().unique();
    t.text('kind').notNullable().checkIn(MEDIA_KINDS, 'media_kind_check');
    t.uuid('depositor_org_id').notNullable().references('organisations.id');
    t.text('description');
    t.text('classification').notNullable();
    t.text('manufacturer');
    t.text('model');
    t.text('serial_no');
    // Where it belongs (its room decides who may check it out) and where it is now.
    t.uuid('home_location_id').notNullable().references('locations.id');
    t.uuid('location_id').references('locations.id');
    t.text('status').notNullable().checkIn(MEDIA_STATUSES, 'media_status_check');
    t.uuid('holder_person_id').references('people.id');
    t.uuid('transfer_id');
    // A copy's source (E1.7). No foreign key: a self-reference would make a restore depend on row
    // order; the copy service checks the source exists.
    t.uuid('source_medium_id');
    t.uuid('copy_approval_id').references('copy_approvals.id');
    t.timestamp('status_changed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['status', 'home_location_id']);
    t.index(['holder_person_id']);
    t.index(['depositor_org_id']);
  });
  // The front desk finds media by the label typed, whatever its case.
  await knex.raw('CREATE INDEX media_label_lower_index ON media (lower(label))');
  // One status at a time, and the facts that go with it (E1.2: stored means in a location).
  await knex.raw(
    `ALTER TABLE media ADD CONSTRAINT media_status_facts_check CHECK (
       (status = 'stored') = (location_id IS NOT NULL)
       AND (status = 'checked_out') = (holder_person_id IS NOT NULL)
       AND (status = 'in_transit') = (transfer_id IS NOT NULL))`,
  );

  // The chain of custody: every step of every medium, oldest first by id.
  await knex.schema.createTable('custody_steps', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('medium_id').notNullable().references('media.id');
    t.text('action').notNullable();
    t.text('from_status');
    t.text('to_status').notNullable();
    t.uuid('record_id').references('signed_records.id');
    t.uuid('holder_person_id').references('people.id');
    t.uuid('location_id').references('locations.id');
    t.text('actor').notNullable();
    t.timestamp('at', { useTz: true }).notNullable();
    t.text('details').notNullable().defaultTo('{}');
    t.index(['medium_id', 'id']);
  });

  // E1.3: handovers in the presence of witnesses.
  await knex.schema.createTable('handovers', (t) => {
    t.uuid('id').primary();
    t.uuid('record_id').notNullable().references('signed_records.id');
    t.text('direction').notNullable().checkIn(['from_depositor', 'to_depositor', 'internal'], 'handovers_direction_check');
    t.uuid('from_person_id').notNullable().references('people.id');
    t.uuid('to_person_id').notNullable().references('people.id');
    t.uuid('room_id').references('rooms.id');
    t.text('place');
    t.text('note');
    t.text('created_by').notNullable();
    t.timestamp('at', { useTz: true }).notNullable();
    t.index(['at']);
  });
  await knex.schema.createTable('handover_media', (t) => {
    t.uuid('handover_id').notNullable().references('handovers.id');
    t.uuid('medium_id').notNullable().references('media.id');
    t.smallint('position').notNullable();
    t.primary(['handover_id', 'medium_id']);
    t.index(['medium_id']);
  });

  // E1.3, E1.8: media leaving the site.
  await knex.schema.createTable('transfers', (t) => {
    t.uuid('id').primary();
    t.uuid('record_id').notNullable().references('signed_records.id');
    t.text('destination').notNullable();
    t.text('method').notNullable().checkIn(['hand_carry', 'carrier', 'post'], 'transfers_method_check');
    t.uuid('carrier_org_id').references('organisations.id');
    t.text('tracking_no');
    t.uuid('escort_person_id').references('people.id');
    t.text('status').notNullable().checkIn(['in_transit', 'received'], 'transfers_status_check');
    t.text('note');
    t.text('created_by').notNullable();
    t.timestamp('sent_at', { useTz: true }).notNullable();
    t.uuid('receipt_record_id').references('signed_records.id');
    t.text('receipt_outcome');
    t.text('received_by_name');
    t.timestamp('received_at', { useTz: true });
    t.index(['status', 'sent_at']);
  });
  await knex.schema.createTable('transfer_media', (t) => {
    t.uuid('transfer_id').notNullable().references('transfers.id');
    t.uuid('medium_id').notNullable().references('media.id');
    t.smallint('position').notNullable();
    t.primary(['transfer_id', 'medium_id']);
    t.index(['medium_id']);
  });

  // E1.4–E1.5: electronic transmission only with the responsible person's approval, to a
  // pre-agreed destination, encrypted by the agreed method.
  await knex.schema.createTable('transmission_approvals', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('medium_id').references('media.id');
    t.text('destination').notNullable();
    t.text('encryption_method').notNullable();
    t.uuid('approver_person_id').notNullable().references('people.id');
    t.text('purpose').notNullable();
    t.timestamp('approved_at', { useTz: true }).notNullable();
    t.text('created_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['created_at']);
  });

  // E4.1: monthly inspection of each location, signed by the inspector.
  await knex.schema.createTable('inspections', (t) => {
    t.uuid('id').primary();
    t.uuid('record_id').notNullable().references('signed_records.id');
    t.uuid('location_id').notNullable().references('locations.id');
    t.text('month').notNullable();
    t.uuid('inspector_person_id').notNullable().references('people.id');
    t.specificType('expected_ids', 'text[]').notNullable();
    t.specificType('found_ids', 'text[]').notNullable();
    t.specificType('missing_ids', 'text[]').notNullable();
    t.specificType('unexpected_ids', 'text[]').notNullable();
    t.text('note');
    t.timestamp('at', { useTz: true }).notNullable();
    t.index(['location_id', 'month']);
  });

  // E1.2: media still checked out after the room's hours — one alert per medium per day.
  await knex.schema.createTable('custody_alerts', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('medium_id').notNullable().references('media.id');
    t.date('day').notNullable();
    t.uuid('room_id').notNullable().references('rooms.id');
    t.uuid('holder_person_id').references('people.id');
    t.timestamp('raised_at', { useTz: true }).notNullable();
    t.timestamp('resolved_at', { useTz: true });
    t.unique(['medium_id', 'day']);
    t.index(['resolved_at', 'raised_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['custody_alerts', 'inspections', 'transmission_approvals', 'transfer_media', 'transfers', 'handover_media', 'handovers', 'custody_steps', 'media', 'copy_approvals', 'signatures', 'signed_records', 'locations']) {
    await knex.schema.dropTableIfExists(table);
  }
  await knex.schema.alterTable('organisations', (t) => {
    t.dropColumn('approved_at');
    t.dropColumn('approved_by');
    t.dropColumn('approval_note');
  });
}

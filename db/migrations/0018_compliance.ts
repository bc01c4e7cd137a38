// Compliance at a glance (issue 18, parts 1 and 2): the records the compliance view needs that did
// not exist yet.
//   people:     appointments of the responsible person and the staff member *per depositor*
//               (E1.1) with the interviews (面談) with the depositor's contact; the fire-prevention
//               manager (防火管理者, E9.1); the E5.2 topics a–f each training covered.
//   custody:    the acknowledgement of an after-hours alert, with a note (E1.2).
//   compliance: fire and migration drills (E9.1, E9.2) with their participants; manual
//               attestations of clauses the system cannot see (OUT), signed with badge + PIN.
// One statement per knex.raw call (PGlite runs one statement per prepared query).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // E1.1: per depositor, one current responsible person (責任者) and one staff member (担当者).
  await knex.schema.createTable('depositor_appointments', (t) => {
    t.uuid('id').primary();
    t.uuid('depositor_org_id').notNullable().references('organisations.id');
    t.uuid('person_id').notNullable().references('people.id');
    t.text('role').notNullable().checkIn(['responsible', 'staff'], 'depositor_appointments_role_check');
    t.timestamp('appointed_at', { useTz: true }).notNullable();
    t.timestamp('ended_at', { useTz: true });
    t.text('ended_reason').checkIn(['resigned', 'transferred', 'replaced', 'other'], 'depositor_appointments_ended_reason_check');
    t.text('note');
    t.text('created_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['depositor_org_id', 'role']);
    t.index(['person_id']);
  });
  await knex.raw('CREATE UNIQUE INDEX depositor_appointments_one_current ON depositor_appointments (depositor_org_id, role) WHERE ended_at IS NULL');
  // E1.1: 当社担当者との面談 — when, who of the depositor, who of ours.
  await knex.schema.createTable('appointment_interviews', (t) => {
    t.uuid('id').primary();
    t.uuid('appointment_id').notNullable().references('depositor_appointments.id');
    t.timestamp('held_at', { useTz: true }).notNullable();
    t.specificType('depositor_participants', 'text[]').notNullable();
    t.specificType('participant_person_ids', 'text[]').notNullable();
    t.text('note');
    t.text('created_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['appointment_id']);
  });
  // E9.1: the fire-prevention manager (防火管理者); one current at a time.
  await knex.schema.createTable('fire_prevention_managers', (t) => {
    t.uuid('id').primary();
    t.uuid('person_id').notNullable().references('people.id');
    t.timestamp('appointed_at', { useTz: true }).notNullable();
    t.timestamp('ended_at', { useTz: true });
    t.text('certificate_ref');
    t.text('note');
    t.text('created_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE UNIQUE INDEX fire_prevention_managers_one_current ON fire_prevention_managers ((true)) WHERE ended_at IS NULL');
  // E5.2: the topics a–f a training covered.
  await knex.schema.alterTable('trainings', (t) => {
    t.specificType('topics', 'text[]').notNullable().defaultTo('{}');
  });
  // E1.2: an after-hours alert acknowledged by a person, with a note.
  await knex.schema.alterTable('custody_alerts', (t) => {
    t.timestamp('acknowledged_at', { useTz: true });
    t.uuid('acknowledged_by_person_id').references('people.id');
    t.text('acknowledged_by');
    t.text('acknowledgement_note');
  });
  // E9.1 / E9.2: drills — date, leader, participants, findings.
  await knex.schema.createTable('drills', (t) => {
    t.uuid('id').primary();
    t.text('kind').notNullable().checkIn(['fire', 'migration'], 'drills_kind_check');
    t.timestamp('held_at', { useTz: true }).notNullable();
    t.uuid('leader_person_id').notNullable().references('people.id');
    t.text('findings').notNullable();
    t.text('standby_site');
    t.text('note');
    t.text('created_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['kind', 'held_at']);
  });
  await knex.schema.createTable('drill_participants', (t) => {
    t.uuid('drill_id').notNullable().references('drills.id');
    t.uuid('person_id').notNullable().references('people.id');
    t.primary(['drill_id', 'person_id']);
  });
  // Manual attestations of clauses (OUT, and E6.4 until doors are controlled): the responsible
  // person states, signed with badge + PIN, that the rule is met; valid until expires_at.
  await knex.schema.createTable('compliance_attestations', (t) => {
    t.uuid('id').primary();
    t.text('clause_id').notNullable();
    t.text('note').notNullable();
    t.uuid('record_id').notNullable().references('signed_records.id');
    t.uuid('signed_by').notNullable().references('people.id');
    t.timestamp('attested_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.text('created_by').notNullable();
    t.index(['clause_id', 'attested_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('compliance_attestations');
  await knex.schema.dropTable('drill_participants');
  await knex.schema.dropTable('drills');
  await knex.schema.alterTable('custody_alerts', (t) => {
    t.dropColumn('acknowledged_at');
    t.dropColumn('acknowledged_by_person_id');
    t.dropColumn('acknowledged_by');
    t.dropColumn('acknowledgement_note');
  });
  await knex.schema.alterTable('trainings', (t) => {
    t.dropColumn('topics');
  });
  await knex.schema.dropTable('fire_prevention_managers');
  await knex.schema.dropTable('appointment_interviews');
  await knex.schema.dropTable('depositor_appointments');
}

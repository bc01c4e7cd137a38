// The security review's findings (docs/security.md): PINs set by their holders only, badge events
// shown to holders, per-address rate limits kept in the database, and check codes for
// certificates.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Badges are issued without a PIN; the holder sets it (finding 1).
  await knex.raw('ALTER TABLE badges ALTER COLUMN pin_hash DROP NOT NULL');
  await knex.schema.alterTable('badges', (t) => {
    // Who issued it (an account id, or cli:<command>) and that account's person: the person who
    // issued a badge may not confirm its PIN.
    t.text('issued_by');
    t.uuid('issued_by_person_id');
    t.timestamp('pin_set_at', { useTz: true });
    // confirmed (two-person, at the desk) | changed (by the holder, with the old PIN) |
    // cli (create-admin, seed-demo: run by the holder) | issued (chosen by the issuer, before the review)
    t.text('pin_set_how');
    // The hashes of the last few PINs, so that a PIN is not chosen again.
    t.specificType('pin_history', 'text[]').notNullable().defaultTo('{}');
    // PIN checks under way (finding 2): reserved before a check, released after it. Together with
    // the consecutive failures they may never exceed the limit; a reservation older than a minute
    // (a server that stopped mid-check) no longer counts.
    t.integer('pin_inflight').notNullable().defaultTo(0);
    t.timestamp('pin_inflight_at', { useTz: true });
  });
  await knex.raw(`UPDATE badges b SET issued_by = j.actor
                    FROM journal_entries j
                   WHERE j.action = 'badges.issued' AND j.subject = 'badge:' || b.id::text`);
  await knex.raw('UPDATE badges b SET issued_by_person_id = a.person_id FROM accounts a WHERE a.id::text = b.issued_by');
  await knex.raw("UPDATE badges SET pin_set_at = created_at, pin_set_how = 'issued' WHERE pin_hash IS NOT NULL");

  // Every issuance, PIN set, reset and change: shown to the holder at their next sign-in
  // (seen_at) and listed for the weekly access review.
  await knex.schema.createTable('badge_events', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('person_id').notNullable().references('people.id');
    t.uuid('badge_id').notNullable().references('badges.id');
    t.text('kind').notNullable().checkIn(['issued', 'pin_set', 'pin_reset', 'pin_changed'], 'badge_events_kind_check');
    t.text('actor').notNullable();
    t.uuid('actor_person_id');
    t.uuid('confirmer_person_id');
    // For issuances: how many live badges the person already held.
    t.integer('other_live_badges');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('seen_at', { useTz: true });
    t.index(['person_id', 'at']);
    t.index(['at']);
  });
  await knex.raw(`INSERT INTO badge_events (person_id, badge_id, kind, actor, actor_person_id, other_live_badges, at, seen_at)
                  SELECT person_id, id, 'issued', coalesce(issued_by, 'unknown'), issued_by_person_id, NULL, created_at, created_at FROM badges`);

  // Per-address counters of the rate limits (findings 4 and 5): in the database, so several
  // servers count together. One row per (bucket, key) and fixed window.
  await knex.schema.createTable('rate_limits', (t) => {
    t.text('bucket').notNullable();
    t.text('key').notNullable();
    t.timestamp('window_start', { useTz: true }).notNullable();
    t.integer('hits').notNullable();
    t.primary(['bucket', 'key']);
    t.index(['window_start']);
  });
  await knex.raw('ALTER TABLE rate_limits SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000)');

  // The certificate's check code (finding 4), stored as its SHA-256 only.
  await knex.schema.alterTable('destructions', (t) => {
    t.text('check_code_hash');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('destructions', (t) => {
    t.dropColumn('check_code_hash');
  });
  await knex.schema.dropTable('rate_limits');
  await knex.schema.dropTable('badge_events');
  await knex.schema.alterTable('badges', (t) => {
    t.dropColumn('issued_by');
    t.dropColumn('issued_by_person_id');
    t.dropColumn('pin_set_at');
    t.dropColumn('pin_set_how');
    t.dropColumn('pin_history');
    t.dropColumn('pin_inflight');
    t.dropColumn('pin_inflight_at');
  });
}

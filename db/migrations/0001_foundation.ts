// Foundation: organisations, people, accounts, sessions, badges (minimal), the journal and the
// access log. One statement per raw() call: PGlite prepares each query separately.
import type { Knex } from 'knex';

const ORG_KINDS = ['depositor', 'contractor', 'subcontractor', 'carrier', 'disposal_vendor', 'visitor_company'];

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('organisations', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('name').notNullable();
    t.text('kind').notNullable().checkIn(ORG_KINDS, 'organisations_kind_check');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('people', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('name').notNullable();
    t.uuid('org_id').notNullable().references('organisations.id');
    t.specificType('roles', 'text[]').notNullable().defaultTo('{}');
    t.text('email');
    t.text('phone');
    t.date('birthday');
    t.timestamp('left_at', { useTz: true });
    t.text('left_reason');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['org_id']);
  });

  await knex.schema.createTable('accounts', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('person_id').notNullable().unique().references('people.id');
    t.text('username').notNullable();
    // Case-insensitive uniqueness without an extension.
    t.text('username_key').notNullable().unique();
    t.text('password_hash').notNullable();
    t.timestamp('password_changed_at', { useTz: true }).notNullable();
    t.timestamp('disabled_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  // E3.11 h: the last passwords may not be used again.
  await knex.schema.createTable('password_history', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('account_id').notNullable().references('accounts.id');
    t.text('password_hash').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['account_id', 'id']);
  });

  // E3.11 i: failures are counted per user name typed, whether or not it exists, so the
  // answers never tell an attacker which user names are real.
  await knex.schema.createTable('login_throttle', (t) => {
    t.text('username_key').primary();
    t.integer('failures').notNullable().defaultTo(0);
    t.timestamp('locked_until', { useTz: true });
    t.timestamp('last_failure_at', { useTz: true });
  });

  await knex.schema.createTable('sessions', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('account_id').notNullable().references('accounts.id');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('last_seen_at', { useTz: true }).notNullable();
    t.timestamp('ended_at', { useTz: true });
    t.text('end_reason');
    t.boolean('must_change_password').notNullable().defaultTo(false);
    t.text('source_ip');
    t.index(['account_id', 'created_at']);
  });

  await knex.schema.createTable('badges', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('person_id').notNullable().references('people.id');
    // The token is a MAC under the server's badge key over this random nonce: the database
    // alone yields no working badge, yet a damaged card can be reprinted.
    t.text('token_nonce').notNullable().unique();
    t.text('token_digest').notNullable().unique();
    // Card UIDs are matched by their MAC too, and only the last characters are kept readable.
    t.text('card_uid_digest');
    t.text('card_uid_hint');
    t.text('pin_hash').notNullable();
    t.integer('pin_failures').notNullable().defaultTo(0);
    t.timestamp('pin_locked_until', { useTz: true });
    t.timestamp('valid_from', { useTz: true }).notNullable();
    t.timestamp('valid_until', { useTz: true });
    t.timestamp('revoked_at', { useTz: true });
    t.text('revoked_reason');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['person_id']);
  });
  // A card UID identifies one live badge at a time.
  await knex.raw('CREATE UNIQUE INDEX badges_live_card_uid ON badges (card_uid_digest) WHERE revoked_at IS NULL AND card_uid_digest IS NOT NULL');

  // ---------------------------------------------------------------- the journal
  await knex.schema.createTable('journal_entries', (t) => {
    t.text('chain').notNullable();
    t.bigInteger('seq').notNullable();
    t.timestamp('at', { useTz: true }).notNullable();
    t.text('actor').notNullable();
    t.text('action').notNullable();
    t.text('subject').notNullable();
    // The exact canonical bytes (RFC 8785) that were hashed: text, not jsonb, which reorders.
    t.text('payload').notNullable();
    t.text('prev_hash').notNullable();
    t.text('hash').notNullable();
    t.primary(['chain', 'seq']);
    t.index(['subject']);
  });

  await knex.schema.createTable('journal_checkpoints', (t) => {
    t.bigIncrements('id').primary();
    t.text('chain').notNullable();
    t.bigInteger('seq').notNullable();
    t.text('head_hash').notNullable();
    t.timestamp('at', { useTz: true }).notNullable();
    t.text('key_id').notNullable();
    t.text('signature').notNullable();
    t.index(['chain', 'seq']);
  });

  await knex.raw(`
    CREATE FUNCTION tachiai_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'P0001', HINT = 'tachiai_append_only';
    END;
    $$`);
  for (const table of ['journal_entries', 'journal_checkpoints']) {
    await knex.raw(`CREATE TRIGGER ${table}_no_update_delete BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION tachiai_refuse_change()`);
    await knex.raw(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION tachiai_refuse_change()`);
  }

  // ---------------------------------------------------------------- the access log (E2.15)
  await knex.schema.createTable('access_log', (t) => {
    t.bigIncrements('id').primary();
    t.timestamp('at', { useTz: true }).notNullable();
    t.uuid('account_id');
    t.text('username');
    t.text('method').notNullable();
    t.text('path').notNullable();
    t.integer('status').notNullable();
    t.text('source_ip');
    t.integer('duration_ms').notNullable();
    t.index(['at']);
    t.index(['account_id', 'at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'access_log',
    'journal_checkpoints',
    'journal_entries',
    'badges',
    'sessions',
    'login_throttle',
    'password_history',
    'accounts',
    'people',
    'organisations',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
  await knex.raw('DROP FUNCTION IF EXISTS tachiai_refuse_change()');
}

// The transparency log's epochs (issue 19, item 6a): restoring an old backup as the live system
// (a real move to the standby site, E9.2) rolls the log back, and every witness refuses it for
// good; `tachiai new-epoch` then starts a new origin over the same journal (same tree, a new log
// for the witnesses). The first origin (epoch 1, `tachiai/<siteId>/journal`) has no row here; each
// later one has a row, with the old origin's last known checkpoint that its first entry records.
// And the witnesses' state is kept per (witness, origin): a new origin starts from size 0. The
// signing key's history (item 6b) is here too.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('journal_tlog_epochs', (t) => {
    t.integer('epoch').primary();
    t.text('origin').notNullable().unique();
    t.text('previous_origin').notNullable();
    // The old origin's last known checkpoint (a signed note), or null when it never signed one.
    t.text('previous_note');
    t.bigInteger('previous_size');
    // The journal entry (main chain) that started the epoch.
    t.bigInteger('started_seq').notNullable();
    t.text('started_by').notNullable();
    t.timestamp('started_at', { useTz: true }).notNullable();
  });
  await knex.raw('ALTER TABLE journal_tlog_epochs ADD CONSTRAINT journal_tlog_epochs_from_two CHECK (epoch >= 2)');
  await knex.raw('ALTER TABLE journal_witnesses DROP CONSTRAINT journal_witnesses_pkey');
  await knex.raw('ALTER TABLE journal_witnesses ADD PRIMARY KEY (vkey, origin)');
  // The signing key's history (issue 19, item 6b: tachiai rotate-key): public keys only. A key is
  // trusted by the servers only through an endorsement — the signature of a trusted key (its
  // predecessor when it is the next one, its successor once retired) over its id and public key —
  // so that a row added behind the application's back makes no key trusted.
  await knex.schema.createTable('signing_keys', (t) => {
    t.text('key_id').primary();
    t.text('public_key_pem').notNullable();
    t.text('state').notNullable().checkIn(['current', 'next', 'retired'], 'signing_keys_state');
    t.text('endorsed_by');
    t.text('endorsement');
    t.timestamp('added_at', { useTz: true }).notNullable();
    t.timestamp('retired_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('signing_keys');
  await knex.raw('DELETE FROM journal_witnesses w WHERE EXISTS (SELECT 1 FROM journal_witnesses n WHERE n.vkey = w.vkey AND n.checked_at > w.checked_at)');
  await knex.raw('ALTER TABLE journal_witnesses DROP CONSTRAINT journal_witnesses_pkey');
  await knex.raw('ALTER TABLE journal_witnesses ADD PRIMARY KEY (vkey)');
  await knex.schema.dropTable('journal_tlog_epochs');
}

// The transparency log's epochs (issue 19, item 6a): restoring an old backup as the live system
// (a real move to the standby site, E9.2) rolls the log back, and every witness refuses it for
// good; `tachiai new-epoch` then starts a new origin over the same journal (same tree, a new log
// for the witnesses). The first origin (epoch 1, `tachiai/<siteId>/journal`) has no row here; each
// later one has a row, with the old origin's last known checkpoint that its first entry records.
// And the witnesses' state is kept per (witness, origin): a new origin starts from size 0.
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
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DELETE FROM journal_witnesses w WHERE EXISTS (SELECT 1 FROM journal_witnesses n WHERE n.vkey = w.vkey AND n.checked_at > w.checked_at)');
  await knex.raw('ALTER TABLE journal_witnesses DROP CONSTRAINT journal_witnesses_pkey');
  await knex.raw('ALTER TABLE journal_witnesses ADD PRIMARY KEY (vkey)');
  await knex.schema.dropTable('journal_tlog_epochs');
}

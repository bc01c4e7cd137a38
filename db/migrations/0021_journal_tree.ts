// The journal as a Merkle tree (issue 19): its stored hashes as tiles, its size and root, and the
// C2SP checkpoints signed over it. The tree over entries already in the journal is built by the
// tree worker of any server, or at once by `tachiai tree build` (server/journal/tree.ts).
// One statement per knex.raw call (PGlite runs one statement per prepared query).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Tiles of height 8 (c2sp.org/tlog-tiles): the tile (level L, idx N) holds the hashes of the
  // nodes [256·N, 256·N + w) at tree level 8·L, 32 bytes each (w ≤ 256; a partial tile is
  // rewritten as it fills).
  await knex.schema.createTable('journal_tree_tiles', (t) => {
    t.smallint('level').notNullable();
    t.bigInteger('idx').notNullable();
    t.binary('hashes').notNullable();
    t.primary(['level', 'idx']);
  });
  await knex.raw("ALTER TABLE journal_tree_tiles ADD CONSTRAINT journal_tree_tiles_width CHECK (octet_length(hashes) BETWEEN 32 AND 8192 AND octet_length(hashes) % 32 = 0)");
  // How far the tree reaches: the number of leaves (= journal entries of the main chain, in seq
  // order) and its root hash. One row, written by the first build.
  await knex.schema.createTable('journal_tree', (t) => {
    t.smallint('id').primary().checkIn(['1'], 'journal_tree_one_row');
    t.bigInteger('size').notNullable();
    t.binary('root_hash').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  // No row yet: the empty tree (a restore copies the row of the backup into this table).
  // C2SP checkpoints (signed notes), one consistent sequence per origin.
  await knex.schema.createTable('journal_tlog_checkpoints', (t) => {
    t.bigIncrements('id').primary();
    t.text('origin').notNullable();
    t.bigInteger('tree_size').notNullable();
    t.binary('root_hash').notNullable();
    t.text('note').notNullable();
    t.timestamp('signed_at', { useTz: true }).notNullable();
    t.unique(['origin', 'tree_size']);
  });
  // Witnesses (c2sp.org/tlog-witness): their cosignature lines on our checkpoints, and what each
  // witness has cosigned so far (the old size of the next request) with its last answer.
  await knex.schema.createTable('journal_tlog_cosignatures', (t) => {
    t.bigInteger('checkpoint_id').notNullable().references('journal_tlog_checkpoints.id');
    t.text('witness').notNullable();
    t.text('line').notNullable();
    t.timestamp('cosigned_at', { useTz: true }).notNullable();
    t.primary(['checkpoint_id', 'witness']);
  });
  await knex.schema.createTable('journal_witnesses', (t) => {
    t.text('vkey').primary();
    t.text('origin').notNullable();
    t.bigInteger('size').notNullable();
    t.text('status').notNullable();
    t.text('message');
    t.timestamp('checked_at', { useTz: true }).notNullable();
    // A 422 (the witness saw a fork or a rollback): an alarm, kept until someone looks into it.
    t.timestamp('alarm_at', { useTz: true });
    // When the alarm was noticed to the responsible persons and the depositors (once per alarm).
    t.timestamp('alarm_noticed_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('journal_witnesses');
  await knex.schema.dropTable('journal_tlog_cosignatures');
  await knex.schema.dropTable('journal_tlog_checkpoints');
  await knex.schema.dropTable('journal_tree');
  await knex.schema.dropTable('journal_tree_tiles');
}

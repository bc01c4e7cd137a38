// For a busy door (docs/performance.md).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // A card UID is looked up among all badges, revoked ones included (a revoked card is refused
  // with its reason, not as unknown). The live-card index covers only unrevoked badges, so the
  // fallback read every badge row; this index serves both.
  await knex.raw('CREATE INDEX badges_card_uid_digest ON badges (card_uid_digest) WHERE card_uid_digest IS NOT NULL');
  // The journal's intake and the presence table are queues: every scan inserts a row and a later
  // statement deletes one. Vacuum them whenever a thousand rows have gone, not when a fifth of the
  // table has (the default), so they stay a few pages long.
  for (const table of ['journal_intake', 'presence']) {
    await knex.raw(`ALTER TABLE ${table} SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000, autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 1000)`);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['journal_intake', 'presence']) {
    await knex.raw(`ALTER TABLE ${table} RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold, autovacuum_analyze_scale_factor, autovacuum_analyze_threshold)`);
  }
  await knex.raw('DROP INDEX IF EXISTS badges_card_uid_digest');
}

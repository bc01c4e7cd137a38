// The stored C2SP checkpoints of the journal's tree (issue 19), read by the signer, the witness
// client and the routes.
import type { Knex } from 'knex';

export interface TlogCheckpoint {
  id: string;
  origin: string;
  size: number;
  root: Buffer;
  /** The signed note, verbatim. */
  note: string;
  signedAt: Date;
}

export interface TlogCheckpointRow {
  id: string;
  origin: string;
  tree_size: string;
  root_hash: Buffer;
  note: string;
  signed_at: Date;
}

export const fromRow = (r: TlogCheckpointRow): TlogCheckpoint => ({ id: String(r.id), origin: r.origin, size: Number(r.tree_size), root: Buffer.from(r.root_hash), note: r.note, signedAt: r.signed_at });

/** The newest checkpoint of `origin`, or null. */
export async function latestTlogCheckpoint(db: Knex, origin: string): Promise<TlogCheckpoint | null> {
  const row = (await db('journal_tlog_checkpoints').where({ origin }).orderBy('tree_size', 'desc').first()) as TlogCheckpointRow | undefined;
  return row ? fromRow(row) : null;
}

export async function tlogCheckpointAt(db: Knex, origin: string, size: number): Promise<TlogCheckpoint | null> {
  const row = (await db('journal_tlog_checkpoints').where({ origin, tree_size: size }).first()) as TlogCheckpointRow | undefined;
  return row ? fromRow(row) : null;
}

export async function tlogCheckpointById(db: Knex, id: string): Promise<TlogCheckpoint | null> {
  const row = (await db('journal_tlog_checkpoints').where({ id }).first()) as TlogCheckpointRow | undefined;
  return row ? fromRow(row) : null;
}

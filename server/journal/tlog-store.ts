// The stored C2SP checkpoints of the journal's tree (issue 19), read by the signer, the witness
// client and the routes.
import type { Knex } from 'knex';

/** The advisory lock under which checkpoints are signed and epochs started: one sequence, whichever process. */
export const TLOG_CHECKPOINT_LOCK = [0x7ac41a1, 0x7ee0c] as const;

/** The first origin of a site's log (epoch 1): derived from the site's fixed name. */
export function originFor(siteId: string): string {
  return `tachiai/${siteId}/journal`;
}

/** The origin of an epoch of the log whose first origin is `first` (issue 19, item 6a): epoch 1 is `first`, later ones `first/eN`. */
export function epochOrigin(first: string, epoch: number): string {
  return epoch === 1 ? first : `${first}/e${epoch}`;
}

/** The first origin and the epoch of an origin of ours (`tachiai/site/journal/e3` → first origin, 3). */
export function splitEpoch(origin: string): { first: string; epoch: number } {
  const m = /^(.*)\/e([2-9]|[1-9][0-9]{1,5})$/.exec(origin);
  return m ? { first: m[1]!, epoch: Number(m[2]) } : { first: origin, epoch: 1 };
}

/** Whether two origins are epochs of one log (so one key may sign both). */
export const sameLog = (a: string, b: string): boolean => splitEpoch(a).first === splitEpoch(b).first;

/**
 * The current epoch of the log whose first origin is `first`: read from the database each time
 * (`tachiai new-epoch` runs beside the servers; the tree worker, /checkpoint, proofs and the
 * witness client follow it at once).
 */
export async function currentEpoch(db: Knex, first: string): Promise<{ epoch: number; origin: string }> {
  const row = (await db('journal_tlog_epochs').orderBy('epoch', 'desc').first('epoch', 'origin')) as { epoch: number; origin: string } | undefined;
  return row ? { epoch: Number(row.epoch), origin: row.origin } : { epoch: 1, origin: first };
}

/** False when a newer epoch has started than `origin`'s (a server that read the origin just before). */
export async function isCurrentOrigin(db: Knex, origin: string): Promise<boolean> {
  const row = (await db('journal_tlog_epochs').orderBy('epoch', 'desc').first('origin')) as { origin: string } | undefined;
  return !row || row.origin === origin;
}

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

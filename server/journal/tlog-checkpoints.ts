// C2SP checkpoints of the journal's Merkle tree (issue 19): a signed note (c2sp.org/signed-note,
// Ed25519, key name = the origin) over a c2sp.org/tlog-checkpoint body (origin, tree size, root).
//
// The origin is derived from the site's fixed name (SITE_ID, fixed on first start: migration
// 0008_site; the caller passes it, from system/site.ts) and never changes except by an epoch (issue 19, item 6). The key is the server's
// SIGNING_KEY. Several servers produce one sequence: a checkpoint is signed under an advisory
// lock, after reading the last one signed; and a log must never sign a checkpoint inconsistent
// with one it signed before (c2sp.org/tlog-checkpoint "Signatures"), so each new one is checked
// against the last with a consistency proof, and the tree's stored root against its tiles. A
// tree rebuilt over a rewritten journal is therefore refused here; whoever also deletes the
// stored checkpoints is exposed by every checkpoint kept off the server.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { AppContext } from '../context.js';
import type { SigningKeys } from '../secrets.js';
import { formatCheckpoint, signNoteWithKeys, verifierFor, type NoteVerifier } from './note.js';
import { verifyConsistency } from './tlog.js';
import { buildTree, proveConsistency, rootAt, treeState, treeWorker } from './tree.js';
import type { Worker } from '../workers.js';
import { ConflictError } from '../errors.js';
import { sendToWitnesses } from './witness-client.js';
import { fromRow, isCurrentOrigin, latestTlogCheckpoint, TLOG_CHECKPOINT_LOCK, type TlogCheckpoint, type TlogCheckpointRow } from './tlog-store.js';

export { originFor } from './tlog-store.js';

/** The note verifier of this server's log: the vkey to give the depositor. */
export function logVerifier(origin: string, keys: SigningKeys): NoteVerifier {
  return verifierFor(origin, keys.publicKey);
}

/** The log refuses to sign (409 through the API): an alarm, never worked around. */
export class CheckpointRefusedError extends ConflictError {
  constructor(message: string) {
    super('checkpoint_refused', message);
    this.name = 'CheckpointRefusedError';
  }
}

export { latestTlogCheckpoint, tlogCheckpointAt, type TlogCheckpoint } from './tlog-store.js';

export interface SignOptions {
  /** Sign only when the last checkpoint is at least this old (the periodic worker); 0 = whenever the tree grew. */
  minAgeSeconds?: number;
}

/**
 * Signs the tree as it is stored, unless the last checkpoint already covers it (or, with
 * minAgeSeconds, is younger than that). Returns the new checkpoint, or null.
 */
export async function signTlogCheckpoint(knex: Knex, keys: SigningKeys, origin: string, options: SignOptions = {}): Promise<TlogCheckpoint | null> {
  return knex.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(?, ?)', TLOG_CHECKPOINT_LOCK);
    // An origin read just before `tachiai new-epoch` started a newer one is signed no more.
    if (!(await isCurrentOrigin(trx, origin))) return null;
    const tree = await treeState(trx);
    if (tree.size === 0) return null;
    const last = await latestTlogCheckpoint(trx, origin);
    if (last && last.size >= tree.size) return null;
    const { rows } = await trx.raw("SELECT date_trunc('milliseconds', clock_timestamp()) AS now");
    const now = (rows[0] as { now: Date }).now;
    if (last && options.minAgeSeconds && now.getTime() - last.signedAt.getTime() < options.minAgeSeconds * 1000) return null;
    // Never sign what contradicts the stored tree, or what was signed before.
    if (!(await rootAt(trx, tree.size)).equals(tree.root)) throw new CheckpointRefusedError('The tree\'s stored root does not match its tiles: no checkpoint is signed (tachiai tree build --rebuild, then tachiai verify).');
    if (last) {
      const c = await proveConsistency(trx, last.size, tree.size);
      if (!verifyConsistency(last.size, tree.size, last.root, tree.root, c.proof)) {
        throw new CheckpointRefusedError(`The tree is not consistent with the checkpoint signed at size ${last.size}: the journal was rewritten. No checkpoint is signed.`);
      }
    }
    // During a key rotation both keys sign (issue 19, item 6b): a witness or depositor holding either vkey accepts it.
    const note = signNoteWithKeys(formatCheckpoint({ origin, size: tree.size, root: tree.root }), origin, [keys.privateKey, ...(keys.next ? [keys.next.privateKey] : [])]);
    const [row] = (await trx('journal_tlog_checkpoints').insert({ origin, tree_size: tree.size, root_hash: tree.root, note, signed_at: now }).returning('*')) as TlogCheckpointRow[];
    return fromRow(row!);
  });
}

/** On demand: the tree catches up with the journal, then is signed (when it grew). */
export async function checkpointNow(app: Pick<AppContext, 'db' | 'secrets' | 'config'>, origin: string): Promise<{ created: boolean; checkpoint: TlogCheckpoint | null }> {
  await buildTree(app.db.knex);
  const made = await signTlogCheckpoint(app.db.knex, app.secrets.signing, origin);
  // The witnesses are asked at once (an unreachable one is asked again by the tree worker).
  if (made && app.config.witnesses.length > 0) await sendToWitnesses(app.db.knex, origin, app.config.witnesses);
  return { created: made !== null, checkpoint: made ?? (await latestTlogCheckpoint(app.db.knex, origin)) };
}

/** A digest of a checkpoint note (for logs and tests). */
export const noteDigest = (note: string): string => crypto.createHash('sha256').update(note).digest('hex').slice(0, 16);

/**
 * The `journal.tree` worker of a serving server: every few seconds the tree catches up with the
 * journal; a checkpoint is signed when the tree grew and the last one is `checkpointSeconds` old
 * (one sequence whichever server signs: the lock, and the age read from the database).
 */
export function tlogWorker(app: AppContext, checkpointSeconds: number, origin: () => Promise<string>, afterRound?: (origin: string) => Promise<unknown>): Worker {
  const every = Math.max(1, Math.min(5, checkpointSeconds));
  return treeWorker(app, every, async () => {
    const o = await origin();
    await signTlogCheckpoint(app.db.knex, app.secrets.signing, o, { minAgeSeconds: Math.max(0, checkpointSeconds - every / 2) });
    // Witnesses that have not cosigned the newest checkpoint yet are asked (again) every round.
    if (app.config.witnesses.length > 0) await sendToWitnesses(app.db.knex, o, app.config.witnesses);
    await afterRound?.(o);
  });
}

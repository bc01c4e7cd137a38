// Signed checkpoints: (chain, seq, head hash, time) signed with the server's Ed25519 key.
// A copy kept off the server (GET /api/journal/checkpoints/latest, saved by an auditor) later
// proves that nothing up to that entry was rewritten, even by someone who recomputes hashes.
import crypto, { type KeyObject } from 'node:crypto';
import type { Knex } from 'knex';
import { canonicalJson } from './canonical.js';
import { journalHead, MAIN_CHAIN } from './journal.js';
import type { SigningKeys } from '../secrets.js';
import type { AppContext } from '../context.js';
import { periodic, type Worker } from '../workers.js';

export type { SigningKeys } from '../secrets.js';

export interface CheckpointRecord {
  chain: string;
  seq: number;
  headHash: string;
  /** ISO 8601 UTC. */
  at: string;
  keyId: string;
  /** Base64 Ed25519 signature over checkpointMessage(). */
  signature: string;
  /** Present on exported checkpoints for convenience; a verifier never trusts it (it takes the key separately). */
  publicKeyPem?: string;
}

export function checkpointMessage(cp: Pick<CheckpointRecord, 'chain' | 'seq' | 'headHash' | 'at' | 'keyId'>): string {
  return canonicalJson({ at: cp.at, chain: cp.chain, headHash: cp.headHash, keyId: cp.keyId, seq: cp.seq, type: 'tachiai.journal.checkpoint' });
}

/** Checks a checkpoint's signature under `publicKey` — a key the verifier already trusts, never one from the checkpoint. */
export function verifyCheckpointSignature(cp: CheckpointRecord, publicKey: KeyObject): boolean {
  try {
    return crypto.verify(null, Buffer.from(checkpointMessage(cp), 'utf8'), publicKey, Buffer.from(cp.signature, 'base64'));
  } catch {
    return false;
  }
}

/** The key id of an Ed25519 public key: the first 16 hex digits of the SHA-256 of its SPKI DER (as secrets.ts computes it). */
export function keyIdOf(publicKey: KeyObject): string {
  return crypto.createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

const CHECKPOINT_LOCK = [0x7ac41a1, 0x0c4ec] as const;

/**
 * Signs the current head of the chain, unless the last checkpoint already covers it.
 * Runs in its own transaction under an advisory lock, so several servers do not duplicate it.
 */
export async function createCheckpoint(knex: Knex, keys: SigningKeys, chain = MAIN_CHAIN): Promise<CheckpointRecord | null> {
  return knex.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(?, ?)', CHECKPOINT_LOCK);
    const head = await journalHead(trx, chain);
    if (!head) return null;
    const last = await trx('journal_checkpoints').where({ chain }).orderBy('seq', 'desc').first('seq');
    if (last && Number(last.seq) >= head.seq) return null;
    const { rows } = await trx.raw("SELECT date_trunc('milliseconds', clock_timestamp()) AS now");
    const at = (rows[0] as { now: Date }).now;
    const unsigned = { chain, seq: head.seq, headHash: head.hash, at: at.toISOString(), keyId: keys.keyId };
    const signature = crypto.sign(null, Buffer.from(checkpointMessage(unsigned), 'utf8'), keys.privateKey).toString('base64');
    await trx('journal_checkpoints').insert({
      chain,
      seq: head.seq,
      head_hash: head.hash,
      at,
      key_id: keys.keyId,
      signature,
    });
    return { ...unsigned, signature };
  });
}

export async function listCheckpoints(db: Knex, limit: number, beforeId?: number) {
  const q = db('journal_checkpoints').orderBy('id', 'desc').limit(limit + 1);
  if (beforeId !== undefined) q.where('id', '<', beforeId);
  const rows = (await q) as Array<Record<string, unknown>>;
  return rows.map((c) => ({
    id: String(c.id),
    chain: String(c.chain),
    seq: Number(c.seq),
    headHash: String(c.head_hash),
    at: c.at as Date,
    keyId: String(c.key_id),
    signature: String(c.signature),
  }));
}

/** Signs the head every `minutes` (the first time after one interval): the `journal.checkpoints` worker. */
export function checkpointWorker(app: AppContext, minutes: number): Worker {
  return periodic(minutes * 60_000, () => createCheckpoint(app.db.knex, app.secrets.signing), app.logger, 'checkpoint', { runNow: false });
}

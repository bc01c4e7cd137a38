// Epochs of the transparency log (issue 19, item 6a). Restoring an old backup as the live system
// (a real move to the standby site, E9.2) rolls the journal back to the backup's head: every
// witness has cosigned a larger tree and refuses every checkpoint of the old origin for good
// (c2sp.org/tlog-witness: 409 with a larger size, or 422). `tachiai new-epoch` starts a new origin
// (`<first origin>/e<N>`) over the same journal: the same tree, a new log for the witnesses. Its
// first journal entry records the old origin's last known checkpoint — the newest one in the
// database, or one the operator passes (fetched from a witness or the depositor), its signature
// checked with the log key — so whoever reads the journal sees where the old log ended and what
// was lost between the backup and that checkpoint. Safe with servers running: the epoch starts
// under the lock checkpoints are signed under, and a server that read the old origin just before
// signs nothing more for it (signTlogCheckpoint checks the origin is current).
import type { Knex } from 'knex';
import type { SigningKeys } from '../secrets.js';
import { ValidationError } from '../errors.js';
import { appendJournal, type JournalEntry } from './journal.js';
import { hasValidSignature, isValidKeyName, NoteError, parseCheckpoint, parseNote, verifierFor, type Checkpoint } from './note.js';
import { currentEpoch, epochOrigin, latestTlogCheckpoint, sameLog, splitEpoch, TLOG_CHECKPOINT_LOCK } from './tlog-store.js';

export interface NewEpoch {
  epoch: number;
  origin: string;
  previousOrigin: string;
  /** The old origin's last known checkpoint, and where it came from. */
  previous: (Checkpoint & { note: string; source: 'database' | 'given' }) | null;
  entry: JournalEntry;
}

/**
 * Reads a checkpoint the operator passes (--last-checkpoint): a C2SP signed checkpoint of one of
 * this log's origins, signed with the log key. Throws ValidationError with a plain message.
 */
export function readGivenCheckpoint(note: string, firstOrigin: string, keys: SigningKeys): Checkpoint & { note: string } {
  let cp: Checkpoint;
  try {
    cp = parseCheckpoint(parseNote(note).text);
  } catch (err) {
    if (err instanceof NoteError) throw new ValidationError(`The last checkpoint given is not a C2SP signed checkpoint: ${err.message}.`);
    throw err;
  }
  if (!isValidKeyName(cp.origin) || !sameLog(cp.origin, firstOrigin)) throw new ValidationError(`The last checkpoint given is of the log "${cp.origin}", not of this site's log "${firstOrigin}".`);
  if (!hasValidSignature(parseNote(note), verifierFor(cp.origin, keys.publicKey))) {
    throw new ValidationError(`The last checkpoint given (${cp.origin}, ${cp.size} entries) does not carry a valid signature of this server's log key: it is not one of ours.`);
  }
  return { ...cp, note };
}

/**
 * Starts the next epoch in the caller's transaction: the new origin, the journal entry that
 * records the old origin's last known checkpoint, and the old origin's witness rows retired.
 * The caller notices it to the depositors (notices/service.ts) in the same transaction.
 */
export async function startEpoch(trx: Knex, keys: SigningKeys, firstOrigin: string, options: { actor: string; lastCheckpoint?: string }): Promise<NewEpoch> {
  await trx.raw('SELECT pg_advisory_xact_lock(?, ?)', TLOG_CHECKPOINT_LOCK);
  const current = await currentEpoch(trx, firstOrigin);
  const given = options.lastCheckpoint === undefined ? null : readGivenCheckpoint(options.lastCheckpoint, firstOrigin, keys);
  const stored = await latestTlogCheckpoint(trx, current.origin);
  const previous = given ? { ...given, source: 'given' as const } : stored ? { origin: stored.origin, size: stored.size, root: stored.root, note: stored.note, source: 'database' as const } : null;
  // A checkpoint given from a witness may be of an epoch this (restored) database never saw: the
  // new epoch comes after it, so that no origin a witness already holds is used again.
  const epoch = Math.max(current.epoch, given ? splitEpoch(given.origin).epoch : 1) + 1;
  const previousOrigin = given && splitEpoch(given.origin).epoch > current.epoch ? given.origin : current.origin;
  const origin = epochOrigin(firstOrigin, epoch);
  const entry = await appendJournal(trx, {
    actor: options.actor,
    action: 'journal.new_epoch',
    subject: `log:${origin}`,
    payload: {
      epoch,
      origin,
      previousOrigin,
      lastCheckpoint: previous ? { origin: previous.origin, treeSize: previous.size, rootHash: previous.root.toString('base64'), note: previous.note, source: previous.source } : null,
    },
  });
  await trx('journal_tlog_epochs').insert({
    epoch,
    origin,
    previous_origin: previousOrigin,
    previous_note: previous?.note ?? null,
    previous_size: previous?.size ?? null,
    started_seq: entry.seq,
    started_by: options.actor,
    started_at: entry.at,
  });
  // The old origin's witnesses: their alarm is answered by the new epoch (it stays in the journal).
  await trx('journal_witnesses')
    .whereNot({ origin })
    .whereNot({ status: 'retired' })
    .update({ status: 'retired', alarm_at: null, message: trx.raw("coalesce(message || ' ', '') || ?", [`(Retired by epoch ${epoch}: ${origin}.)`]) });
  return { epoch, origin, previousOrigin, previous, entry };
}

export interface EpochView {
  epoch: number;
  origin: string;
  previousOrigin: string;
  previousSize: number | null;
  startedSeq: number;
  startedAt: Date;
}

/** The epochs after the first, oldest first. */
export async function listEpochs(db: Knex): Promise<EpochView[]> {
  const rows = (await db('journal_tlog_epochs').orderBy('epoch')) as Array<{ epoch: number; origin: string; previous_origin: string; previous_size: string | null; started_seq: string; started_at: Date }>;
  return rows.map((r) => ({ epoch: Number(r.epoch), origin: r.origin, previousOrigin: r.previous_origin, previousSize: r.previous_size === null ? null : Number(r.previous_size), startedSeq: Number(r.started_seq), startedAt: r.started_at }));
}

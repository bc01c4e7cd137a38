// The log's side of the witnesses (issue 19, item 5): each newest checkpoint is sent to every
// configured witness (WITNESSES) with a consistency proof from the size that witness last
// cosigned (c2sp.org/tlog-witness add-checkpoint); the cosignature lines that verify under the
// witness's vkey are stored and served with the checkpoint. Runs in the tree worker, after the
// checkpoint is signed, outside any transaction: an unreachable witness is tried again on the next
// round and never holds up the door or any write. A 409 is answered once more from the size the
// witness names; a 422 (the witness saw a fork or a rollback) is an alarm, kept on the witness's row.
import type { Knex } from 'knex';
import { NoteError, parseNote, parseVkey, SIG_COSIGNATURE_V1, validCosignatureTime, type NoteVerifier } from './note.js';
import { latestTlogCheckpoint, tlogCheckpointById, type TlogCheckpoint } from './tlog-store.js';
import { proveConsistency } from './tree.js';

export interface WitnessTarget {
  url: string;
  vkey: string;
}

/** 'retired': the witness's state for an origin of an earlier epoch (issue 19, item 6a). */
export type WitnessStatus = 'cosigned' | 'up_to_date' | 'alarm' | 'refused' | 'unreachable' | 'retired';

export interface WitnessRound {
  witness: string;
  vkey: string;
  status: WitnessStatus;
  size: number | null;
  message: string | null;
}

const TIMEOUT_MS = 10_000;

/** The stored cosignature lines of a checkpoint, in the witnesses' name order. */
export async function cosignatureLines(db: Knex, checkpointId: string): Promise<string[]> {
  const rows = (await db('journal_tlog_cosignatures').where({ checkpoint_id: checkpointId }).orderBy('witness').select('line')) as Array<{ line: string }>;
  return rows.map((r) => r.line);
}

/** The checkpoint's note with the witnesses' cosignatures appended (what /checkpoint and proof files carry). */
export async function cosignedNote(db: Knex, cp: TlogCheckpoint): Promise<string> {
  return cp.note + (await cosignatureLines(db, cp.id)).join('');
}

async function record(db: Knex, w: NoteVerifier, origin: string, fields: { size?: number; status: WitnessStatus; message: string | null; alarm?: boolean }) {
  const now = new Date();
  // Per (witness, origin): a new epoch's origin starts from size 0 at every witness (migration 0025).
  const existing = (await db('journal_witnesses').where({ vkey: w.vkey, origin }).first('size')) as { size: string } | undefined;
  const row = { vkey: w.vkey, origin, size: fields.size ?? Number(existing?.size ?? 0), status: fields.status, message: fields.message, checked_at: now, ...(fields.alarm ? { alarm_at: now } : {}) };
  await db('journal_witnesses').insert(row).onConflict(['vkey', 'origin']).merge(Object.keys(row).filter((k) => k !== 'vkey' && k !== 'origin'));
}

async function post(url: string, body: string, fetchImpl: typeof fetch): Promise<{ status: number; text: string } | { error: string }> {
  try {
    const res = await fetchImpl(`${url}/add-checkpoint`, { method: 'POST', body, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, signal: AbortSignal.timeout(TIMEOUT_MS) });
    return { status: res.status, text: (await res.text()).slice(0, 10_000) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** Sends the newest checkpoint of `origin` to each witness that has not cosigned it yet. */
export async function sendToWitnesses(db: Knex, origin: string, targets: WitnessTarget[], options: { fetch?: typeof fetch } = {}): Promise<WitnessRound[]> {
  const cp = await latestTlogCheckpoint(db, origin);
  if (!cp || targets.length === 0) return [];
  const rounds: WitnessRound[] = [];
  for (const target of targets) {
    let w: NoteVerifier;
    try {
      w = parseVkey(target.vkey);
      if (w.type !== SIG_COSIGNATURE_V1) throw new Error('not a cosignature/v1 witness key');
    } catch (err) {
      rounds.push({ witness: target.vkey, vkey: target.vkey, status: 'refused', size: null, message: `WITNESSES: ${(err as Error).message}` });
      continue;
    }
    const done = await db('journal_tlog_cosignatures').where({ checkpoint_id: cp.id, witness: w.name }).first('line');
    if (done) {
      rounds.push({ witness: w.name, vkey: w.vkey, status: 'up_to_date', size: cp.size, message: null });
      continue;
    }
    const state = (await db('journal_witnesses').where({ vkey: w.vkey, origin }).first('size')) as { size: string } | undefined;
    let old = Number(state?.size ?? 0);
    let round: WitnessRound | null = null;
    for (let attempt = 0; attempt < 2 && !round; attempt++) {
      if (old > cp.size) {
        round = { witness: w.name, vkey: w.vkey, status: 'alarm', size: old, message: `The witness has cosigned ${old} entries, more than the ${cp.size} of our newest checkpoint: the journal was rolled back.` };
        break;
      }
      const proof = old === 0 || old === cp.size ? [] : (await proveConsistency(db, old, cp.size)).proof;
      const answer = await post(target.url, `old ${old}\n${proof.map((h) => `${h.toString('base64')}\n`).join('')}\n${cp.note}`, options.fetch ?? fetch);
      if ('error' in answer) {
        round = { witness: w.name, vkey: w.vkey, status: 'unreachable', size: null, message: answer.error };
      } else if (answer.status === 200) {
        const lines = answer.text.split('\n').filter((l) => l.startsWith('— ')).map((l) => `${l}\n`);
        const good = lines.filter((line) => {
          try {
            return validCosignatureTime(parseNote(cp.note + line), w) !== null;
          } catch (err) {
            if (err instanceof NoteError) return false;
            throw err;
          }
        });
        if (good.length === 0) {
          round = { witness: w.name, vkey: w.vkey, status: 'refused', size: null, message: 'The witness answered without a valid cosignature.' };
        } else {
          await db('journal_tlog_cosignatures').insert({ checkpoint_id: cp.id, witness: w.name, line: good[0], cosigned_at: new Date() }).onConflict(['checkpoint_id', 'witness']).ignore();
          round = { witness: w.name, vkey: w.vkey, status: 'cosigned', size: cp.size, message: null };
        }
      } else if (answer.status === 409 && /^(0|[1-9][0-9]{0,15})\n?$/.test(answer.text) && attempt === 0) {
        old = Number(answer.text.trim()); // the size the witness knows: once more from there
      } else if (answer.status === 422) {
        round = { witness: w.name, vkey: w.vkey, status: 'alarm', size: null, message: `The witness refused our checkpoint of ${cp.size} entries as inconsistent with what it cosigned (422): a fork or a rollback of the journal. ${answer.text.trim()}`.trim() };
      } else {
        round = { witness: w.name, vkey: w.vkey, status: 'refused', size: null, message: `The witness answered ${answer.status}: ${answer.text.trim().slice(0, 200)}` };
      }
    }
    round ??= { witness: w.name, vkey: w.vkey, status: 'refused', size: null, message: 'The witness kept answering 409.' };
    await record(db, w, origin, { ...(round.status === 'cosigned' ? { size: cp.size } : {}), status: round.status, message: round.message, alarm: round.status === 'alarm' });
    rounds.push(round);
  }
  return rounds;
}

export interface WitnessView {
  vkey: string;
  size: number;
  status: WitnessStatus;
  message: string | null;
  checkedAt: Date;
  alarmAt: Date | null;
}

export async function witnessStates(db: Knex, origin: string): Promise<WitnessView[]> {
  const rows = (await db('journal_witnesses').where({ origin }).orderBy('vkey')) as Array<{ vkey: string; size: string; status: WitnessStatus; message: string | null; checked_at: Date; alarm_at: Date | null }>;
  return rows.map((r) => ({ vkey: r.vkey, size: Number(r.size), status: r.status, message: r.message, checkedAt: r.checked_at, alarmAt: r.alarm_at }));
}

/** The newest checkpoint with at least one cosignature, or null. */
export async function newestCosigned(db: Knex, origin: string): Promise<TlogCheckpoint | null> {
  const row = (await db('journal_tlog_checkpoints as c')
    .where('c.origin', origin)
    .whereExists((q) => q.select(db.raw('1')).from('journal_tlog_cosignatures as s').whereRaw('s.checkpoint_id = c.id'))
    .orderBy('c.tree_size', 'desc')
    .first('c.id', 'c.tree_size', 'c.signed_at')) as { id: string; tree_size: string; signed_at: Date } | undefined;
  return row ? tlogCheckpointById(db, String(row.id)) : null;
}

export interface WitnessAlarm {
  vkey: string;
  message: string | null;
  alarmAt: Date;
}

/**
 * The alarms not yet noticed, marked as noticed in the caller's transaction (which sends the
 * notices): each alarm is noticed once, by whichever server claims it first.
 */
export async function claimWitnessAlarms(trx: Knex, origin: string): Promise<WitnessAlarm[]> {
  const rows = (await trx('journal_witnesses')
    .where({ origin })
    .whereNotNull('alarm_at')
    .andWhere((q) => q.whereNull('alarm_noticed_at').orWhereRaw('alarm_noticed_at < alarm_at'))
    .update({ alarm_noticed_at: trx.ref('alarm_at') })
    .returning(['vkey', 'message', 'alarm_at'])) as Array<{ vkey: string; message: string | null; alarm_at: Date }>;
  return rows.map((r) => ({ vkey: r.vkey, message: r.message, alarmAt: r.alarm_at }));
}

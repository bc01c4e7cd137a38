// The journal's intake, for the busiest writer (the door). A scan writes its journal event into
// `journal_intake` in its own transaction — so it is never lost and never without its change —
// but does not take the chain's lock: a chainer moves intake rows into the hash chain in batches,
// under the same advisory lock as appendJournal, one transaction and one disk flush per batch,
// and sends their live-log notifications in that transaction. Scans therefore no longer queue
// one by one on the chain lock and on NOTIFY's commit lock (docs/performance.md).
//
// Every server runs a chainer: it is kicked right after a scan commits and sweeps every second,
// so rows left by a server that stopped are chained by another. The lock makes them take turns.
import type { Knex } from 'knex';
import type { Database } from '../../db/connection.js';
import { canonicalJson } from './canonical.js';
import { entryHash, GENESIS_HASH, MAIN_CHAIN, journalLockSql, type JournalEvent } from './journal.js';

const BATCH = 500;
const SWEEP_MS = 1000;

/** The row to insert into journal_intake (the caller inserts it in its own statement or transaction). */
export function intakeRow(event: JournalEvent, at: Date, notify?: { channel: string; payload: string }) {
  return {
    chain: event.chain ?? MAIN_CHAIN,
    at,
    actor: event.actor,
    action: event.action,
    subject: event.subject,
    payload: canonicalJson(event.payload),
    notify_channel: notify?.channel ?? null,
    notify_payload: notify?.payload ?? null,
  };
}

interface IntakeRow {
  id: string;
  chain: string;
  at: Date;
  actor: string;
  action: string;
  subject: string;
  payload: string;
  notify_channel: string | null;
  notify_payload: string | null;
}

/**
 * Chains up to `limit` intake rows of each chain, oldest first, in one transaction. Returns how
 * many were chained. The chain entry's `at` is the time it was chained (never earlier than the
 * previous entry, as for appendJournal); the event's own time is in its payload.
 */
export async function chainIntake(knex: Knex, limit = BATCH): Promise<number> {
  return knex.transaction(async (trx) => {
    const chains = (await trx('journal_intake').distinct('chain')) as Array<{ chain: string }>;
    let chained = 0;
    for (const { chain } of chains) {
      await trx.raw(journalLockSql(), [chain]);
      const rows = (await trx.raw(
        `DELETE FROM journal_intake WHERE id IN (SELECT id FROM journal_intake WHERE chain = ? ORDER BY id LIMIT ?) RETURNING *`,
        [chain, limit],
      )).rows as IntakeRow[];
      if (rows.length === 0) continue;
      rows.sort((a, b) => Number(a.id) - Number(b.id));
      const { rows: heads } = await trx.raw(
        `SELECT last.seq, last.hash, greatest(last.at, date_trunc('milliseconds', clock_timestamp())) AS now
           FROM (SELECT 1) AS one
           LEFT JOIN LATERAL (SELECT seq, hash, at FROM journal_entries WHERE chain = ? ORDER BY seq DESC LIMIT 1) AS last ON true`,
        [chain],
      );
      const head = heads[0] as { seq: string | null; hash: string | null; now: Date };
      let seq = head.seq === null ? 0 : Number(head.seq);
      let prevHash = head.hash ?? GENESIS_HASH;
      const entries = rows.map((row) => {
        seq += 1;
        const entry = { chain, seq, at: head.now, actor: row.actor, action: row.action, subject: row.subject, payload: row.payload, prevHash };
        const hash = entryHash({ ...entry, payloadValue: JSON.parse(row.payload) });
        prevHash = hash;
        return { chain, seq, at: head.now, actor: row.actor, action: row.action, subject: row.subject, payload: row.payload, prev_hash: entry.prevHash, hash };
      });
      for (let i = 0; i < entries.length; i += 100) await trx('journal_entries').insert(entries.slice(i, i + 100));
      const notes = rows.filter((r) => r.notify_channel && r.notify_payload);
      if (notes.length > 0) {
        // Delivered on commit, once the events are in the chain.
        await trx.raw('SELECT count(pg_notify(c, p)) FROM unnest(?::text[], ?::text[]) AS t(c, p)', [notes.map((n) => n.notify_channel!), notes.map((n) => n.notify_payload!)]);
      }
      chained += rows.length;
    }
    return chained;
  });
}

/** Chains until the intake is empty (tests, shutdown, the CLI before a backup or verify). */
export async function drainIntake(knex: Knex): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await chainIntake(knex);
    total += n;
    if (n === 0) return total;
  }
}

class IntakeChainer {
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private readonly sweep: NodeJS.Timeout;

  constructor(private readonly db: Database) {
    this.sweep = setInterval(() => this.kick(), SWEEP_MS);
    this.sweep.unref();
    db.onClose(() => this.stop());
  }

  /** Chains soon; calls made while a batch runs make one more batch afterwards. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = null;
    });
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        while (!this.stopped && (await chainIntake(this.db.knex)) === BATCH) {
          // a full batch: more may be waiting
        }
      } catch {
        // The database is away or closing: the sweep retries; nothing is lost (rows stay in the intake).
        return;
      }
    } while (this.again && !this.stopped);
  }

  async stop(): Promise<void> {
    clearInterval(this.sweep);
    await this.running;
    if (!this.stopped) {
      this.stopped = true;
      await drainIntake(this.db.knex).catch(() => undefined);
    }
  }
}

const chainers = new WeakMap<Database, IntakeChainer>();

/** Asks this process's chainer to chain what is waiting (started on first use). */
export function kickIntake(db: Database): void {
  let chainer = chainers.get(db);
  if (!chainer) {
    chainer = new IntakeChainer(db);
    chainers.set(db, chainer);
  }
  chainer.kick();
}

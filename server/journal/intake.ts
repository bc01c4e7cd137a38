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
import type { AppContext } from '../context.js';
import { canonicalJson } from './canonical.js';
import { entryHashOfCanonical, GENESIS_HASH, MAIN_CHAIN, journalLockSql, type JournalEvent } from './journal.js';

const BATCH = 500;
const SWEEP_MS = 1000;
/**
 * A kick waits this long before chaining, so that the scans of the next few milliseconds are
 * chained in the same transaction (at 200 scans/s, one chaining per scan would cost more than the
 * scans). The live log shows a scan this much later; the guard's answer does not wait for it.
 */
const GATHER_MS = 50;

/**
 * A statement's part that puts events into the intake: `INSERT INTO journal_intake … SELECT …
 * FROM <from>`, for a writer that records its change and its journal event in one statement (the
 * door). The caller names, as SQL expressions over its own rows, each column of the event; the
 * chain is the main one. The table's shape stays the journal's.
 */
export function intakeInsertSql(from: string, e: { at: string; actor: string; action: string; subject: string; payload: string; notifyChannel: string; notifyPayload: string; orderBy?: string }): string {
  return `INSERT INTO journal_intake (chain, at, actor, action, subject, payload, notify_channel, notify_payload)
  SELECT '${MAIN_CHAIN}', ${e.at}, ${e.actor}, ${e.action}, ${e.subject}, ${e.payload}, ${e.notifyChannel}, ${e.notifyPayload} FROM ${from}${e.orderBy ? ` ORDER BY ${e.orderBy}` : ''}`;
}

/** The row to insert into journal_intake (the caller inserts it in its own statement or transaction). */
export function intakeRow(event: JournalEvent, at: Date, notify?: { channel: string; payload: string }) {
  // The intake feeds the main chain only (the door's events); other chains use appendJournal.
  if ((event.chain ?? MAIN_CHAIN) !== MAIN_CHAIN) throw new Error(`the journal intake is for the ${MAIN_CHAIN} chain only`);
  return {
    chain: MAIN_CHAIN,
    at,
    actor: event.actor,
    action: event.action,
    subject: event.subject,
    payload: canonicalJson(event.payload),
    notify_channel: notify?.channel ?? null,
    notify_payload: notify?.payload ?? null,
  };
}

interface ClaimedRow {
  id: string;
  actor: string;
  action: string;
  subject: string;
  payload: string;
  notify_channel: string | null;
  notify_payload: string | null;
  head_seq: string | null;
  head_hash: string | null;
  head_now: Date;
}

/**
 * Chains up to `limit` intake rows, oldest first, in one transaction of four statements: the
 * chain's lock; claiming the rows together with the chain's head; the entries with their
 * notifications; the commit. Returns how many were chained. The chain entry's `at` is the time it
 * was chained (never earlier than the previous entry, as for appendJournal); the event's own time
 * is in its payload.
 */
export async function chainIntake(knex: Knex, limit = BATCH): Promise<number> {
  return knex.transaction(async (trx) => {
    // The lock in a statement of its own: the next statement's snapshot is taken once the lock is
    // granted, so it sees every entry appended before (journal.ts). The intake is a queue whose
    // deleted rows linger until vacuumed: claiming by the primary key's order, with an index scan
    // (which marks the dead entries it passes, so the next claim skips them), stays fast however
    // many there are, where a sequential scan would read them all (for this transaction only).
    await trx.raw(`${journalLockSql()}, set_config('enable_seqscan', 'off', true), set_config('enable_indexonlyscan', 'off', true), set_config('enable_bitmapscan', 'off', true)`, [MAIN_CHAIN]);
    const { rows } = (await trx.raw(
      `WITH moved AS (
         DELETE FROM journal_intake
          WHERE id IN (SELECT id FROM journal_intake WHERE chain = ? ORDER BY id LIMIT ?)
         RETURNING id, actor, action, subject, payload, notify_channel, notify_payload
       ),
       head AS (SELECT seq, hash, at FROM journal_entries WHERE chain = ? ORDER BY seq DESC LIMIT 1)
       SELECT moved.*, head.seq AS head_seq, head.hash AS head_hash,
              greatest(head.at, date_trunc('milliseconds', clock_timestamp())) AS head_now
         FROM moved LEFT JOIN head ON true
        ORDER BY moved.id`,
      [MAIN_CHAIN, limit, MAIN_CHAIN],
    )) as { rows: ClaimedRow[] };
    if (rows.length === 0) return 0;
    const first = rows[0]!;
    const at = first.head_now;
    let seq = first.head_seq === null ? 0 : Number(first.head_seq);
    let prevHash = first.head_hash ?? GENESIS_HASH;
    const entries = rows.map((row) => {
      seq += 1;
      const entry = { chain: MAIN_CHAIN, seq, at, actor: row.actor, action: row.action, subject: row.subject, payload: row.payload, prevHash };
      const hash = entryHashOfCanonical(entry);
      const stored = { chain: MAIN_CHAIN, seq, at, actor: row.actor, action: row.action, subject: row.subject, payload: row.payload, prev_hash: prevHash, hash };
      prevHash = hash;
      return stored;
    });
    // Live-log notifications are delivered on commit, once their events are in the chain.
    const notes = rows.filter((r) => r.notify_channel && r.notify_payload).map((r) => ({ c: r.notify_channel, p: r.notify_payload }));
    await trx.raw(
      `WITH added AS (
         INSERT INTO journal_entries (chain, seq, at, actor, action, subject, payload, prev_hash, hash)
         SELECT chain, seq, at, actor, action, subject, payload, prev_hash, hash
           FROM json_to_recordset(?::json) AS e(chain text, seq bigint, at timestamptz, actor text, action text, subject text, payload text, prev_hash text, hash text)
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM added) AS added, count(pg_notify(n.c, n.p)) AS notified
         FROM json_to_recordset(?::json) AS n(c text, p text)`,
      [JSON.stringify(entries), JSON.stringify(notes)],
    );
    return rows.length;
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
  private gathering: NodeJS.Timeout | null = null;
  private again = false;
  private stopped = false;
  private stopping: Promise<void> | null = null;
  private readonly sweep: NodeJS.Timeout;

  constructor(private readonly db: Database) {
    this.sweep = setInterval(() => this.kick(), SWEEP_MS);
    this.sweep.unref();
    db.onClose(() => this.stop());
  }

  /**
   * Chains soon: after GATHER_MS, so that one transaction takes what arrives meanwhile. A kick
   * while a chaining runs asks for one more, again GATHER_MS after it ends, so a busy door is
   * chained in a few transactions per second rather than one after another without pause
   * (each costs a transaction and several round trips, docs/performance.md). A full batch means
   * a backlog, which is chained at once.
   */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.gathering) return;
    this.gathering = setTimeout(() => {
      this.gathering = null;
      if (this.stopped || this.running) return;
      this.again = false;
      this.running = this.chainAll().finally(() => {
        this.running = null;
        if (this.again) this.kick();
      });
    }, GATHER_MS);
  }

  private async chainAll(): Promise<void> {
    try {
      while (!this.stopped && (await chainIntake(this.db.knex)) === BATCH) {
        // a full batch: more may be waiting
      }
    } catch {
      // The database is away or closing: the sweep retries; nothing is lost (rows stay in the intake).
    }
  }

  health(): { state: 'running' | 'stopped' } {
    return { state: this.stopped ? 'stopped' : 'running' };
  }

  /** Stops chaining and chains whatever is waiting (once; a second call waits for the first). */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      // No kick starts anything from here on (not even the "again" of a chaining under way).
      this.stopped = true;
      clearInterval(this.sweep);
      if (this.gathering) clearTimeout(this.gathering);
      this.gathering = null;
      await this.running;
      await drainIntake(this.db.knex).catch(() => undefined);
    })();
    return this.stopping;
  }
}

/** Asks this context's chainer (its `journal.intake` worker) to chain what is waiting; started on first use. */
export function kickIntake(app: Pick<AppContext, 'db' | 'workers'>): void {
  app.workers.use('journal.intake', () => new IntakeChainer(app.db)).kick();
}

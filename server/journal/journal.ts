// The tamper-evident journal: the product's backbone. Every state change of every module is
// appended here in the same transaction as the change itself (appendJournal).
//
// Each entry's hash is SHA-256 over the RFC 8785 canonical JSON of
//   { action, actor, at, chain, payload, prevHash, seq, subject }
// where `at` is the stored time as ISO 8601 UTC with milliseconds (the precision we store), and
// `payload` is the entry's payload, whose canonical text is stored byte for byte.
//
// Concurrency: appends to one chain are serialised *in the database* by a transaction-scoped
// advisory lock, and the sequence number and previous hash are read under that lock. Two
// servers on one database therefore can never fork the chain, and verification walks by `seq`.
import type { Knex } from 'knex';
import { canonicalJson, sha256Hex } from './canonical.js';

export const MAIN_CHAIN = 'main';
export const GENESIS_HASH = '0'.repeat(64);
/** First key of the two-key advisory lock: a namespace for the journal's locks. */
const LOCK_NAMESPACE = 0x7ac41a1;

/** The chain's lock (one binding: the chain), shared by appendJournal and the intake chainer. */
export const journalLockSql = () => `SELECT pg_advisory_xact_lock(${LOCK_NAMESPACE}, hashtext(?))`;

export interface JournalEvent {
  /** Who did it: an account / person id, or `system:<job>` / `cli:<command>`. */
  actor: string;
  /** What happened, `module.verb` (e.g. `auth.login`, `people.created`). */
  action: string;
  /** What it happened to, `kind:id` (e.g. `person:…`). */
  subject: string;
  payload: Record<string, unknown>;
  chain?: string;
}

export interface JournalEntry {
  chain: string;
  seq: number;
  at: Date;
  actor: string;
  action: string;
  subject: string;
  payload: string;
  prevHash: string;
  hash: string;
}

export function entryHash(e: Omit<JournalEntry, 'hash'> & { payloadValue?: unknown }): string {
  const payloadValue = e.payloadValue ?? JSON.parse(e.payload);
  return sha256Hex(
    canonicalJson({
      action: e.action,
      actor: e.actor,
      at: e.at.toISOString(),
      chain: e.chain,
      payload: payloadValue,
      prevHash: e.prevHash,
      seq: e.seq,
      subject: e.subject,
    }),
  );
}

/**
 * entryHash for an entry whose payload text is already canonical, as the intake's payloads are
 * (written by canonicalJson): the same bytes, assembled around that text instead of parsing and
 * re-serialising it. The keys are written in their canonical (sorted) order.
 */
export function entryHashOfCanonical(e: Omit<JournalEntry, 'hash'>): string {
  const s = JSON.stringify;
  return sha256Hex(
    `{"action":${s(e.action)},"actor":${s(e.actor)},"at":${s(e.at.toISOString())},"chain":${s(e.chain)},"payload":${e.payload},"prevHash":${s(e.prevHash)},"seq":${s(e.seq)},"subject":${s(e.subject)}}`,
  );
}

/**
 * Appends one entry. Must be called with the transaction that makes the change it records:
 * the advisory lock is held until that transaction ends, so the next writer sees this entry.
 */
export async function appendJournal(trx: Knex, event: JournalEvent): Promise<JournalEntry> {
  if (!trx.isTransaction) {
    throw new Error('appendJournal must run inside the transaction of the change it records');
  }
  const chain = event.chain ?? MAIN_CHAIN;
  const payload = canonicalJson(event.payload);
  await trx.raw(journalLockSql(), [chain]);
  const { rows } = await trx.raw(
    `SELECT last.seq, last.hash,
            greatest(last.at, date_trunc('milliseconds', clock_timestamp())) AS now
       FROM (SELECT 1) AS one
       LEFT JOIN LATERAL (
         SELECT seq, hash, at FROM journal_entries WHERE chain = ? ORDER BY seq DESC LIMIT 1
       ) AS last ON true`,
    [chain],
  );
  const head = rows[0] as { seq: string | null; hash: string | null; now: Date };
  const entry: Omit<JournalEntry, 'hash'> = {
    chain,
    seq: head.seq === null ? 1 : Number(head.seq) + 1,
    at: head.now,
    actor: event.actor,
    action: event.action,
    subject: event.subject,
    payload,
    prevHash: head.hash ?? GENESIS_HASH,
  };
  const hash = entryHash({ ...entry, payloadValue: JSON.parse(payload) });
  await trx('journal_entries').insert({
    chain,
    seq: entry.seq,
    at: entry.at,
    actor: entry.actor,
    action: entry.action,
    subject: entry.subject,
    payload,
    prev_hash: entry.prevHash,
    hash,
  });
  return { ...entry, hash };
}

export interface JournalHead {
  chain: string;
  seq: number;
  hash: string;
}

export async function journalHead(db: Knex, chain = MAIN_CHAIN): Promise<JournalHead | null> {
  const row = await db('journal_entries').where({ chain }).orderBy('seq', 'desc').first('seq', 'hash');
  return row ? { chain, seq: Number(row.seq), hash: row.hash } : null;
}

export interface JournalRow {
  chain: string;
  seq: string;
  at: Date;
  actor: string;
  action: string;
  subject: string;
  payload: string;
  prev_hash: string;
  hash: string;
}

export function rowToEntry(row: JournalRow): JournalEntry {
  return {
    chain: row.chain,
    seq: Number(row.seq),
    at: row.at,
    actor: row.actor,
    action: row.action,
    subject: row.subject,
    payload: row.payload,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/** Reads a chain in `seq` order, a batch at a time: constant memory however long the chain. */
export async function* walkChain(db: Knex, chain: string, batchSize = 2000, untilSeq?: number): AsyncGenerator<JournalEntry> {
  let after = 0;
  for (;;) {
    const query = db<JournalRow>('journal_entries')
      .where('chain', chain)
      .andWhere('seq', '>', after)
      .orderBy('seq', 'asc')
      .limit(batchSize);
    if (untilSeq !== undefined) query.andWhere('seq', '<=', untilSeq);
    const rows = (await query) as JournalRow[];
    for (const row of rows) yield rowToEntry(row);
    if (rows.length < batchSize) return;
    after = Number(rows[rows.length - 1]!.seq);
  }
}

export interface EntryCheck {
  entry: JournalEntry;
  payload: Record<string, unknown>;
  /** Its content hashes to its stored hash, and it links to its neighbours in the chain. */
  intact: boolean;
}

/**
 * Finds the latest entry with this action and subject and checks it locally (its own hash, the
 * previous entry's hash it names, the next entry naming it) — enough for a public certificate
 * check, without walking the whole journal. null when there is no such entry.
 */
export async function findJournalEntry(db: Knex, action: string, subject: string): Promise<EntryCheck | null> {
  const row = (await db('journal_entries').where({ action, subject }).orderBy([{ column: 'chain' }, { column: 'seq', order: 'desc' }]).first()) as JournalRow | undefined;
  if (!row) return null;
  const entry = rowToEntry(row);
  let payload: Record<string, unknown> = {};
  let intact = true;
  try {
    payload = JSON.parse(entry.payload) as Record<string, unknown>;
    intact = canonicalJson(payload) === entry.payload && entryHash({ ...entry, payloadValue: payload }) === entry.hash;
  } catch {
    intact = false;
  }
  const prev = (await db('journal_entries').where({ chain: entry.chain, seq: entry.seq - 1 }).first('hash')) as { hash: string } | undefined;
  if (entry.seq === 1 ? entry.prevHash !== GENESIS_HASH : prev?.hash !== entry.prevHash) intact = false;
  const next = (await db('journal_entries').where({ chain: entry.chain, seq: entry.seq + 1 }).first('prev_hash')) as { prev_hash: string } | undefined;
  if (next && next.prev_hash !== entry.hash) intact = false;
  return { entry, payload, intact };
}

/**
 * The newest value of `key` in the payloads of `subject`'s entries among `actions`, written at or
 * before `at` — the journal as the history of a name (a room's name when a record was signed:
 * security review, finding 12). null when the journal has none.
 */
export async function payloadValueAsOf(db: Knex, subject: string, actions: string[], key: string, at: Date): Promise<string | null> {
  const { rows } = await db.raw(
    `SELECT payload::jsonb ->> ? AS value FROM journal_entries
      WHERE subject = ? AND action = ANY (?::text[]) AND at <= ? AND (payload::jsonb -> ?) IS NOT NULL
      ORDER BY at DESC, seq DESC LIMIT 1`,
    [key, subject, actions, at, key],
  );
  return ((rows as Array<{ value: string | null }>)[0]?.value as string | undefined) ?? null;
}

/** The payloads of the newest entries with `action` for each of `subjects` (a batch of records' entries). */
export async function payloadsOf(db: Knex, action: string, subjects: string[]): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  if (subjects.length === 0) return out;
  const rows = (await db('journal_entries').where({ action }).whereIn('subject', subjects).orderBy([{ column: 'chain' }, { column: 'seq' }]).select('subject', 'payload')) as Array<{ subject: string; payload: string }>;
  for (const row of rows) {
    try {
      out.set(row.subject, JSON.parse(row.payload) as Record<string, unknown>);
    } catch {
      // an unreadable payload is found by the chain's own verification
    }
  }
  return out;
}

// Seeding the journal in bulk for the transparency-log benchmark (issue 19: 10,000,000 entries):
// entries as the door writes them (a scan's action, subject and payload), chained exactly as
// appendJournal chains them (entryHashOfCanonical over canonical payload text), streamed into
// PostgreSQL with COPY FROM STDIN. The journal's two secondary indexes are dropped during the load
// and built again from their own definitions afterwards, as a restore does.
import crypto from 'node:crypto';
import { once } from 'node:events';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { entryHashOfCanonical, GENESIS_HASH, MAIN_CHAIN, type JournalEntry } from '../../server/journal/journal.js';

export interface JournalSeedResult {
  /** The journal's last seq after the seed. */
  head: number;
  added: number;
  seconds: number;
}

const ACTIONS = ['door.entry', 'door.entry', 'door.entry', 'door.entry', 'door.exit', 'door.exit', 'door.exit', 'custody.checked_out', 'custody.checked_in', 'auth.login'] as const;

/**
 * `count` main-chain entries as the door writes them (a scan's action, subject and payload, for
 * 1,000 people in 10 rooms), after `seq` / `prevHash`, `step` ms apart from `at`, chained as
 * appendJournal chains them. Shared by the seed and the verifier's micro-benchmark.
 */
export function* benchJournalEntries(start: { seq: number; prevHash: string; at: number; step: number }, count: number): Generator<JournalEntry> {
  const people = Array.from({ length: 1000 }, () => crypto.randomUUID());
  const rooms = Array.from({ length: 10 }, () => crypto.randomUUID());
  let { seq, prevHash, at } = start;
  for (let i = 0; i < count; i++) {
    seq++;
    at += start.step;
    const action = ACTIONS[i % ACTIONS.length]!;
    const person = people[(i * 7919) % people.length]!;
    const room = rooms[i % rooms.length]!;
    const entryId = crypto.randomUUID();
    const subject = action.startsWith('door.') ? `entry:${entryId}` : action === 'auth.login' ? `account:${person}` : `medium:${entryId}`;
    // Canonical text (RFC 8785: keys sorted; these values need no escaping).
    const payload = action.startsWith('door.')
      ? `{"decision":"granted","direction":"${action === 'door.entry' ? 'in' : 'out'}","entryId":"${entryId}","personId":"${person}","reason":null,"roomId":"${room}"}`
      : `{"personId":"${person}","roomId":"${room}"}`;
    const actor = `station:${room}`;
    const when = new Date(at);
    const hash = entryHashOfCanonical({ chain: MAIN_CHAIN, seq, at: when, actor, action, subject, payload, prevHash });
    yield { chain: MAIN_CHAIN, seq, at: when, actor, action, subject, payload, prevHash, hash };
    prevHash = hash;
  }
}

/** Appends `count` entries to the main chain after its current head (PostgreSQL only). */
export async function seedJournal(connectionString: string, count: number, onProgress: (done: number, total: number) => void): Promise<JournalSeedResult> {
  const started = performance.now();
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const head = (await client.query<{ seq: string; hash: string; at: Date }>(`SELECT seq, hash, at FROM journal_entries WHERE chain = $1 ORDER BY seq DESC LIMIT 1`, [MAIN_CHAIN])).rows[0];
    let seq = head ? Number(head.seq) : 0;
    // A year of history ending now, in time order (about 3 s apart for 10 million entries).
    const step = Math.max(1, Math.floor((365 * 86_400_000) / Math.max(1, count)));
    const at = Math.min(Date.now() - count * step, head ? head.at.getTime() + step : Infinity);

    const indexes = (await client.query<{ name: string; definition: string }>(
      `SELECT indexrelid::regclass::text AS name, pg_get_indexdef(indexrelid) AS definition FROM pg_index
        WHERE indrelid = 'journal_entries'::regclass AND NOT indisprimary ORDER BY 1`,
    )).rows;
    for (const ix of indexes) await client.query(`DROP INDEX ${ix.name}`);

    const stream = client.query(copyFrom('COPY journal_entries (chain, seq, at, actor, action, subject, payload, prev_hash, hash) FROM STDIN'));
    const done = new Promise<void>((resolve, reject) => {
      stream.on('finish', resolve);
      stream.on('error', reject);
    });
    let buffered: string[] = [];
    let i = 0;
    for (const e of benchJournalEntries({ seq, prevHash: head?.hash ?? GENESIS_HASH, at, step }, count)) {
      seq = e.seq;
      buffered.push(`${MAIN_CHAIN}\t${e.seq}\t${e.at.toISOString()}\t${e.actor}\t${e.action}\t${e.subject}\t${e.payload}\t${e.prevHash}\t${e.hash}\n`);
      i++;
      if (buffered.length === 5000) {
        if (!stream.write(buffered.join(''))) await once(stream, 'drain');
        buffered = [];
        if (i % 500_000 === 0) onProgress(i, count);
      }
    }
    stream.end(buffered.join(''));
    await done;
    onProgress(count, count);
    for (const ix of indexes) await client.query(ix.definition);
    await client.query('ANALYZE journal_entries');
    return { head: seq, added: count, seconds: (performance.now() - started) / 1000 };
  } finally {
    await client.end();
  }
}

// Verifying the journal side by side on PostgreSQL (issue 19: the whole journal at ≥ 200,000
// entries/s, in constant memory). One walk on one thread spends most of its time hashing and
// parsing; here each thread of a small pool has its own connection, reads one range of entries at
// a time with COPY … TO STDOUT (streamed: a range is never held whole) and checks it with
// verify-range.ts. verifyJournal hands out the ranges in seq order, at most two per thread at a
// time, and joins the answers in order: links between ranges, the Merkle tree's compact range, the
// first problem. The answer is the same as the one-thread walk's (test/journal/verify-threads.test.ts).
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker, type MessagePort } from 'node:worker_threads';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { COPY_SESSION_SQL, RANGE_COPY_COLUMNS_SQL, RangeChecker, type RangeNode, type RangeResult, type RangeTask } from './verify-range.js';

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** The COPY statement of a range (literals only: COPY takes no parameters; the chain is quoted, the seqs are integers). */
export function rangeCopySql(task: Pick<RangeTask, 'chain' | 'from' | 'to'>, table = 'journal_entries'): string {
  if (!Number.isSafeInteger(task.from) || !Number.isSafeInteger(task.to)) throw new Error('a range of whole numbers');
  return `COPY (SELECT ${RANGE_COPY_COLUMNS_SQL} FROM ${table} WHERE chain = ${literal(task.chain)} AND seq BETWEEN ${task.from} AND ${task.to} ORDER BY ${table}.seq) TO STDOUT`;
}

/** The thread's side: one connection, ranges in, results out, until told to end. */
export async function runVerifyThread(port: MessagePort | null, data: { connectionString: string }): Promise<void> {
  if (!port) throw new Error('runVerifyThread runs as a worker thread');
  const client = new pg.Client({ connectionString: data.connectionString, application_name: 'tachiai verify' });
  await client.connect();
  await client.query(COPY_SESSION_SQL);
  // The same isolation as the caller's snapshot is not possible across connections; entries are
  // never changed once written, and each range is bounded by the head read when the walk began.
  // Ranges are checked one after the other on the one connection (a COPY holds it).
  let queue = Promise.resolve();
  port.on('message', (message: { id?: number; task?: RangeTask; end?: true }) => {
    if (message.end) {
      void queue.then(() => client.end()).finally(() => port.close());
      return;
    }
    const { id, task } = message as { id: number; task: RangeTask };
    queue = queue.then(() =>
      checkRange(client, task).then(
        (result) => port.postMessage({ id, result }),
        (err: unknown) => port.postMessage({ id, error: (err as Error).message }),
      ),
    );
  });
}

async function checkRange(client: pg.Client, task: RangeTask): Promise<RangeResult> {
  const checker = new RangeChecker(task);
  const stream = client.query(copyTo(rangeCopySql(task)));
  // The COPY bytes as they come (issue 19: the byte path; rows it is unsure of go the text way).
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (!checker.open) continue; // the rest is read and dropped: the connection must finish the COPY
    checker.chunk(chunk);
  }
  checker.end();
  return checker.finish();
}

/** Threads worth starting: one per CPU, at most 4 (PostgreSQL needs CPU too to send the rows). */
export function verifyThreadCount(): number {
  return Math.max(1, Math.min(4, os.availableParallelism?.() ?? os.cpus().length));
}

/** Buffers come back from a thread as plain Uint8Arrays (structured clone). */
const asBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
const revive = (nodes: RangeNode[]): RangeNode[] => nodes.map((n) => ({ level: n.level, hash: asBuffer(n.hash) }));

/**
 * A pool of verifier threads. `check` hands a range to the least busy thread; the promise is its
 * result. `close` ends the threads (also after a failure).
 */
export class VerifyThreadPool {
  private readonly threads: Array<{ worker: Worker; pending: Map<number, { resolve: (r: RangeResult) => void; reject: (e: Error) => void }> }> = [];

  constructor(connectionString: string, count = verifyThreadCount()) {
    const launcher = fileURLToPath(new URL('../../scripts/journal-verify-thread.mjs', import.meta.url));
    for (let i = 0; i < count; i++) {
      const worker = new Worker(launcher, { workerData: { connectionString } });
      const pending = new Map<number, { resolve: (r: RangeResult) => void; reject: (e: Error) => void }>();
      worker.on('message', (m: { id: number; result?: RangeResult; error?: string }) => {
        const p = pending.get(m.id);
        pending.delete(m.id);
        if (!p) return;
        if (m.result) p.resolve({ ...m.result, nodes: revive(m.result.nodes), snapshots: m.result.snapshots.map(([size, nodes]) => [size, revive(nodes)]) });
        else p.reject(new Error(`a verifier thread could not read the journal: ${m.error}`));
      });
      const failAll = (err: Error) => {
        for (const p of pending.values()) p.reject(err);
        pending.clear();
      };
      worker.on('error', failAll);
      worker.on('exit', (code) => failAll(new Error(`a verifier thread ended (${code})`)));
      this.threads.push({ worker, pending });
    }
  }

  private nextId = 0;

  check(task: RangeTask): Promise<RangeResult> {
    const thread = this.threads.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      thread.pending.set(id, { resolve, reject });
      thread.worker.postMessage({ id, task });
    });
  }

  get size(): number {
    return this.threads.length;
  }

  async close(): Promise<void> {
    await Promise.all(
      this.threads.map(
        ({ worker }) =>
          new Promise<void>((resolve) => {
            worker.once('exit', () => resolve());
            worker.postMessage({ end: true });
            setTimeout(() => void worker.terminate(), 5000).unref();
          }),
      ),
    );
  }
}

// The online copy of the embedded database's files (./connection.ts, copyEmbeddedFiles) copies
// about 1,400 files on a thread of its own, ./copy-tree-thread.mjs (issue 17, item 5: a backup at
// ≥ 50,000 rows/s while a guard scans). fs.promises.cp took 2.6 s of a 13.5 s backup in the busy
// server: each of its many small steps waited for the server's thread, which runs the embedded
// database's queries; the same copy done synchronously on a thread takes about 0.3 s and never
// waits for the door.
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

export interface CopyTreeRequest {
  source: string;
  /** A path that does not exist yet. */
  target: string;
  /** Files left out: regular expressions matched against their path under `source`, with `/` between names. */
  exclude: string[];
}

/**
 * A thread that will copy one tree: started at once (it loads while the caller prepares), given
 * its request by copy(), which resolves to the bytes copied. close() ends it whatever it is doing.
 */
export function treeCopierThread(): { copy(request: CopyTreeRequest): Promise<number>; close(): Promise<void> } {
  const worker = new Worker(fileURLToPath(new URL('./copy-tree-thread.mjs', import.meta.url)));
  const answer = new Promise<number>((resolve, reject) => {
    worker.once('message', (m: { bytes?: number; error?: string }) => (m.error === undefined ? resolve(m.bytes!) : reject(new Error(m.error))));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the copying thread ended (${code}) before it answered`)));
  });
  answer.catch(() => undefined); // copy() hands it on; an unused thread's failure is nobody's
  return {
    copy(request) {
      worker.postMessage(request);
      return answer;
    },
    async close() {
      await worker.terminate();
    },
  };
}

// The online copy of the embedded database's files (./connection.ts, copyEmbeddedFiles) copies
// about 1,400 files on a thread of its own (issue 17, item 5: a backup at ≥ 50,000 rows/s under
// a guard's scans). fs.promises.cp took 2.6 s of a 13.5 s backup in the busy server: each of its
// many small steps waited for the server's thread, which runs the embedded database's queries; the
// same copy done synchronously on a thread takes about 0.3 s and never waits for the door.
// The thread is started through scripts/copy-tree-thread.mjs (the sources through tsx).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, type MessagePort } from 'node:worker_threads';

export interface CopyTreeRequest {
  source: string;
  /** A path that does not exist yet. */
  target: string;
  /** Files left out: regular expressions matched against their path under `source`, with `/` between names. */
  exclude: string[];
}

/**
 * Copies the directories and regular files under `source` into `target` (made here), leaving out
 * what `exclude` names; returns the bytes copied. Anything else (a link, a socket) is refused:
 * a copy of a database must hold what it holds, not what a link points at.
 */
export function copyTreeSync(request: CopyTreeRequest): number {
  const exclude = request.exclude.map((pattern) => new RegExp(pattern));
  let bytes = 0;
  const copyDirectory = (from: string, to: string, relative: string) => {
    fs.mkdirSync(to, { mode: 0o700 });
    for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
      const name = relative ? `${relative}/${entry.name}` : entry.name;
      if (exclude.some((re) => re.test(name))) continue;
      const a = path.join(from, entry.name);
      const b = path.join(to, entry.name);
      if (entry.isDirectory()) copyDirectory(a, b, name);
      else if (entry.isFile()) {
        fs.copyFileSync(a, b, fs.constants.COPYFILE_FICLONE | fs.constants.COPYFILE_EXCL);
        bytes += fs.statSync(b).size;
      } else throw new Error(`${a} is neither a file nor a directory: not copied`);
    }
  };
  copyDirectory(request.source, request.target, '');
  return bytes;
}

/** The thread's side: one request in, `{ bytes }` or `{ error }` out. */
export function runCopyTreeThread(port: MessagePort | null): void {
  port?.once('message', (request: CopyTreeRequest) => {
    try {
      port.postMessage({ bytes: copyTreeSync(request) });
    } catch (err) {
      port.postMessage({ error: err instanceof Error ? err.message : String(err) });
    }
    port.close();
  });
}

/**
 * A thread that will copy one tree: started at once (it loads while the caller prepares), given
 * its request by copy(). close() ends it whatever it is doing.
 */
export function treeCopierThread(): { copy(request: CopyTreeRequest): Promise<number>; close(): Promise<void> } {
  const launcher = fileURLToPath(new URL('../scripts/copy-tree-thread.mjs', import.meta.url));
  const worker = new Worker(launcher);
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

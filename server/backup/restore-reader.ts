// The restore's reader of a backup file, on a thread of its own (issue 17, item 5): it opens the
// seal chunk by chunk (each authenticated before it is decompressed), checks every line as
// readBackup does, and hands the restoring thread the rows of each table already encoded for
// COPY (binary where every column allows, else text), batch by batch — for every restore, into
// PostgreSQL (COPY FROM STDIN) as into the embedded database (COPY FROM memory). Decrypting,
// decompressing and parsing a million lines no longer take turns with the loading.
//
// The thread is started through scripts/backup-restore-reader.mjs (tsx, like the command itself).
import { fileURLToPath } from 'node:url';
import { Worker, type MessagePort } from 'node:worker_threads';
import type { TableInfo } from './catalog.js';
import { copyText } from './copy-text.js';
import { NotBinaryEncodable } from './copy-binary.js';
import { binaryLineEncoder } from './copy-binary-lines.js';
import { BackupFileError, BackupKeyError, readBackup, rowLineValues, rowValuesStart, type BackupHeader, type RowSource, type Trailer } from './format.js';

/** Rows per batch handed over (one COPY each). */
const BATCH_ROWS = 5000;
/** Batches handed over and not yet taken: bounds the memory (about 1 MB a batch of door entries). */
const AHEAD = 24;

export type ReaderItem =
  | { kind: 'header'; header: BackupHeader }
  /**
   * `text`: the rows in COPY's binary format (copy-binary.ts) where every column's type and value
   * allows, else in COPY text format as UTF-8; columns in the file's order (the table's `columns`)
   * — encoded on the reader's thread and handed over without a copy.
   */
  | { kind: 'batch'; table: TableInfo; rows: number; format: 'binary' | 'text'; text: Uint8Array<ArrayBuffer> }
  | { kind: 'trailer'; trailer: Trailer };

type Message = ReaderItem | { kind: 'error'; error: { name: string; message: string; file: string | null } };

/** The thread's side: reads `file` and posts its items; waits for `ack`s to stay AHEAD batches ahead at most. */
export async function runRestoreReader(port: MessagePort, input: { file: string; backupKey: Uint8Array | null }): Promise<void> {
  let unacked = 0;
  let wake: (() => void) | null = null;
  port.on('message', () => {
    unacked--;
    wake?.();
    wake = null;
  });
  const encoder = new TextEncoder();
  const post = async (message: Message) => {
    port.postMessage(message, message.kind === 'batch' ? [message.text.buffer as ArrayBuffer] : []);
    if (message.kind !== 'batch') return;
    unacked++;
    while (unacked >= AHEAD) await new Promise<void>((resolve) => (wake = resolve));
  };
  try {
    let table: TableInfo | null = null;
    let binary: ReturnType<typeof binaryLineEncoder> = null;
    let valuesStart = 0;
    // The rows of the batch being gathered, and each one's line in the file (for what a bad line is told).
    let rows: RowSource[] = [];
    let lineNos: number[] = [];
    const valuesOf = (line: Buffer, index: number) => rowLineValues(input.file, line, table!, lineNos[index]!);
    const flush = async () => {
      if (table && rows.length) {
        let encoded: { format: 'binary' | 'text'; text: Uint8Array<ArrayBuffer> } | null = null;
        if (binary) {
          try {
            encoded = { format: 'binary', text: binary(rows, valuesStart, valuesOf) };
          } catch (err) {
            if (!(err instanceof NotBinaryEncodable)) throw err;
            // A value in a form not written in binary (e.g. a timestamp 'infinity'): this batch as text.
          }
        }
        encoded ??= { format: 'text', text: encoder.encode(copyText(rows.map((row, i) => (Buffer.isBuffer(row) ? valuesOf(row, i) : row)))) };
        await post({ kind: 'batch', table, rows: rows.length, ...encoded });
      }
      rows = [];
      lineNos = [];
    };
    // Row lines in the writer's own form come as they are: their values are read from the bytes (copy-binary-lines.ts).
    for await (const item of readBackup(input.file, input.backupKey ? Buffer.from(input.backupKey) : null, { rows: 'lines' })) {
      if (item.kind === 'rows') {
        if (item.table !== table) {
          await flush();
          table = item.table;
          binary = binaryLineEncoder(table.columns.map((c) => c.type));
          valuesStart = rowValuesStart(table.name);
        }
        for (let i = 0; i < item.rows.length; i++) {
          rows.push(item.rows[i]!);
          lineNos.push(item.firstLine + i);
          if (rows.length >= BATCH_ROWS) await flush();
        }
      } else {
        if (item.kind === 'trailer') await flush();
        await post(item);
      }
    }
  } catch (err) {
    const e = err as Error;
    port.postMessage({ kind: 'error', error: { name: e instanceof BackupKeyError ? 'BackupKeyError' : e instanceof BackupFileError ? 'BackupFileError' : e.name, message: e.message, file: e instanceof BackupFileError ? e.file : null } } satisfies Message);
  } finally {
    port.close();
  }
}

/** A failure the reader thread reported, rebuilt as the class the restore's callers know. */
function rebuild(error: { name: string; message: string; file: string | null }): Error {
  if (error.name === 'BackupFileError') {
    const e = new BackupFileError(error.file ?? '', 'x');
    e.message = error.message;
    return e;
  }
  if (error.name === 'BackupKeyError') {
    const e = new BackupKeyError('', 'x');
    e.message = error.message;
    return e;
  }
  return new Error(error.message);
}

/**
 * The restoring thread's side: the file's items, read on another thread. Each batch is
 * acknowledged when the next item is asked for (the reader stays a few batches ahead). Ending the
 * iteration early (a refusal, an error) stops the thread.
 */
export async function* readBackupOnThread(file: string, backupKey: Buffer | null): AsyncGenerator<ReaderItem> {
  const launcher = fileURLToPath(new URL('../../scripts/backup-restore-reader.mjs', import.meta.url));
  const worker = new Worker(launcher, { workerData: { file, backupKey: backupKey ? new Uint8Array(backupKey) : null } });
  const queue: Array<Message | { kind: 'exit'; code: number } | { kind: 'crash'; error: Error }> = [];
  let wake: (() => void) | null = null;
  const push = (m: (typeof queue)[number]) => {
    queue.push(m);
    wake?.();
    wake = null;
  };
  worker.on('message', (m: Message) => push(m));
  worker.on('error', (error) => push({ kind: 'crash', error }));
  worker.on('exit', (code) => push({ kind: 'exit', code }));
  let done = false;
  try {
    for (;;) {
      while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      const m = queue.shift()!;
      if (m.kind === 'error') throw rebuild(m.error);
      if (m.kind === 'crash') throw new Error(`the backup's reader stopped: ${m.error.message}`);
      if (m.kind === 'exit') throw new Error(`the backup's reader stopped (exit code ${m.code}) before the end of the file`);
      if (m.kind === 'batch') {
        yield m;
        worker.postMessage('ack');
        continue;
      }
      yield m;
      if (m.kind === 'trailer') {
        done = true;
        return;
      }
    }
  } finally {
    if (!done) await worker.terminate();
    else await new Promise<void>((resolve) => (queue.some((m) => m.kind === 'exit') ? resolve() : worker.once('exit', () => resolve())));
  }
}

// The backup file: gzip-compressed JSON Lines, sealed (./sealed.ts: encrypted and authenticated
// in chunks under BACKUP_KEY).
//
//   line 1      header   { format: "tachiai-backup", version: 1, createdAt, migrations, tables, … }
//   lines 2…n   rows     { table, values: [text | null, …] }   table by table, in the header's
//                        order (foreign-key dependency order), each table in primary-key order
//   last line   trailer  { trailer: true, counts: { table: rows }, contentLines, contentBytes, sha256 }
//
// Every value is PostgreSQL's own text form of the column (`col::text`), read back with a cast
// to the column's type (`?::type`): timestamps keep their microseconds, bigints all their
// digits, arrays their quoting, and text (the journal's payload) its exact bytes.
// `sha256` is over the raw bytes of the header and row lines, each with its "\n": a truncated
// or altered file is refused before anything is written. (It detects damage, not forgery: the
// journal's hash chain and signed checkpoints are what prove the records themselves.)
import crypto from 'node:crypto';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import type { SequenceInfo, TableInfo } from './catalog.js';
import { isSealed, openSealed, SealedFileError } from './sealed.js';

export const BACKUP_FORMAT = 'tachiai-backup';
export const BACKUP_VERSION = 1;

export interface BackupHeader {
  format: typeof BACKUP_FORMAT;
  version: typeof BACKUP_VERSION;
  /** ISO 8601 UTC: the start of the snapshot the rows come from. */
  createdAt: string;
  /** Names of the migrations applied to the database, in order. */
  migrations: string[];
  /** In insertion order. */
  tables: TableInfo[];
  sequences: SequenceInfo[];
  database: { kind: string; name: string; serverVersion: string };
  /** The main chain's head in the snapshot: `verify` after a restore prints the same. */
  journalHead: { seq: number; hash: string } | null;
  /** What a restore target must have to keep checkpoints and badges working (no secrets here). */
  keys: {
    signingKeyId: string;
    signingPublicKeyPem: string;
    /** Key ids of the signed checkpoints in the backup. */
    checkpointKeyIds: string[];
    /**
     * The signing key's history (issue 19, item 6b: rotate-key), public keys with their
     * endorsements: a restore target whose key endorses (through them) the key ids above accepts
     * them. Absent in backups made before it.
     */
    history?: Array<{ keyId: string; publicKeyPem: string; endorsedBy: string | null; endorsement: string | null }>;
    /** HMAC of a fixed text under the badge key: tells whether two keys are equal, reveals nothing. */
    badgeKeyFingerprint: string;
    /** The same for the PIN pepper (absent in backups made before the security review). */
    pinPepperFingerprint?: string;
    badges: number;
  };
  createdBy: { actor: string; host: string; osUser: string };
}

export interface RowLine {
  table: string;
  values: Array<string | null>;
}

export interface Trailer {
  trailer: true;
  counts: Record<string, number>;
  contentLines: number;
  contentBytes: number;
  sha256: string;
}

export class BackupFileError extends Error {
  override name = 'BackupFileError';
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`The backup file ${file} is damaged or incomplete: ${detail}. Nothing was restored.`);
  }
}

/** The file cannot be opened with the key at hand: said as it is (exit 1), not as damage. */
export class BackupKeyError extends Error {
  override name = 'BackupError';
  constructor(file: string, detail: string) {
    super(`The backup file ${file} cannot be opened: ${detail}. Nothing was restored.`);
  }
}

/**
 * A row as readBackup hands it over: its values, or (with `rows: 'lines'`) the row line itself
 * when it is in the writer's own form, for ./copy-binary-lines.ts to read its values from the bytes
 * (rowLineValues reads them as JSON, with every check).
 */
export type RowSource = Buffer | Array<string | null>;

/**
 * `rows`: consecutive rows of one table, in the file's order (a yield per row cost a quarter of
 * the reading); `firstLine`: the file's line number of the first.
 */
export type BackupItem = { kind: 'header'; header: BackupHeader } | { kind: 'rows'; table: TableInfo; rows: RowSource[]; firstLine: number } | { kind: 'trailer'; trailer: Trailer };

/**
 * Raw lines (without "\n") of the decompressed file, those of each decompressed chunk together
 * (one await per chunk, not per line: a restore reads a million lines twice); throws when the
 * last line is unterminated.
 * A sealed file (./sealed.ts) is opened with the backup key, each chunk authenticated before it is
 * decompressed; a file made before backups were sealed is read as it is.
 */
async function* rawLines(file: string, backupKey: Buffer | null): AsyncGenerator<Buffer[]> {
  let input: Readable;
  if (isSealed(file)) {
    if (!backupKey) throw new BackupKeyError(file, 'it is sealed, and this server has no backup key (set BACKUP_KEY, or import the secrets escrow with "tachiai secrets import")');
    const chunks = openSealed(file, backupKey);
    input = Readable.from(
      (async function* () {
        try {
          yield* chunks;
        } catch (err) {
          if (err instanceof SealedFileError && /another backup key/.test(err.message)) throw new BackupKeyError(file, err.message);
          if (err instanceof SealedFileError) throw new BackupFileError(file, err.message);
          throw err;
        }
      })(),
    );
  } else {
    input = fs.createReadStream(file);
  }
  const gunzip = zlib.createGunzip();
  let inputError: Error | null = null;
  input.on('error', (err) => {
    inputError = err;
    gunzip.destroy(err);
  });
  input.pipe(gunzip);
  let pending: Buffer[] = [];
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      let start = 0;
      const lines: Buffer[] = [];
      for (;;) {
        const nl = chunk.indexOf(0x0a, start);
        if (nl < 0) break;
        const piece = chunk.subarray(start, nl);
        lines.push(pending.length ? Buffer.concat([...pending, piece]) : piece);
        pending = [];
        start = nl + 1;
      }
      if (start < chunk.length) pending.push(chunk.subarray(start));
      if (lines.length) yield lines;
    }
  } catch (err) {
    const e = (inputError ?? err) as NodeJS.ErrnoException;
    if (e instanceof BackupFileError || e instanceof BackupKeyError) throw e;
    if (e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'EISDIR') throw e;
    throw new BackupFileError(file, `it cannot be decompressed (${e.message})`);
  } finally {
    input.destroy();
  }
  if (pending.length) throw new BackupFileError(file, 'the last line is cut off (the file was truncated)');
}

const ROW_OPEN = Buffer.from('{"table":"');
const ROW_VALUES = Buffer.from('","values":[');

/** Whether line[at…] holds `bytes`. */
function holds(line: Buffer, at: number, bytes: Buffer): boolean {
  if (at + bytes.length > line.length) return false;
  for (let i = 0; i < bytes.length; i++) if (line[at + i] !== bytes[i]) return false;
  return true;
}

/**
 * The table a row line in the writer's form (`{"table":"name","values":[…]}`, a name without
 * escapes) names; null for any other line. Compared byte by byte, and the last name found is kept
 * (a million lines of one table): the calls into Buffer's methods and a new string per line were
 * a tenth of the restore's reading.
 */
class RowLineTables {
  private lastName: Buffer = Buffer.alloc(0);
  private last: string | null = null;

  of(line: Buffer): string | null {
    if (line.length < ROW_OPEN.length + ROW_VALUES.length + 2 || !holds(line, 0, ROW_OPEN)) return null;
    let close = ROW_OPEN.length;
    for (;;) {
      const c = line[close];
      if (c === undefined || c === 0x5c /* \ */) return null;
      if (c === 0x22 /* " */) break;
      close++;
    }
    if (!holds(line, close, ROW_VALUES) || line[line.length - 2] !== 0x5d /* ] */ || line[line.length - 1] !== 0x7d /* } */) return null;
    const length = close - ROW_OPEN.length;
    if (this.last !== null && length === this.lastName.length && holds(line, ROW_OPEN.length, this.lastName)) return this.last;
    this.lastName = Buffer.from(line.subarray(ROW_OPEN.length, close));
    this.last = line.toString('utf8', ROW_OPEN.length, close);
    return this.last;
  }
}

/** Where the values of a row line of `table` in the writer's own form begin: just after its `"values":[`. */
export function rowValuesStart(table: string): number {
  return ROW_OPEN.length + Buffer.byteLength(table) + ROW_VALUES.length;
}

/**
 * The values of a row line of `table` (line `lineNo` of `file`) read as JSON, with readBackup's
 * checks: a line that is not JSON, names another table, or does not have one string or null per
 * column throws BackupFileError.
 */
export function rowLineValues(file: string, line: Buffer, table: TableInfo, lineNo: number): Array<string | null> {
  let value: unknown;
  try {
    value = JSON.parse(line.toString('utf8'));
  } catch {
    throw new BackupFileError(file, `line ${lineNo} is not JSON`);
  }
  const obj = value as Partial<RowLine> | null;
  if (obj?.table !== table.name || !Array.isArray(obj.values)) throw new BackupFileError(file, `line ${lineNo} is not a row of ${table.name} in the form this Tachiai writes`);
  return checkedValues(file, obj.values, table, lineNo);
}

/** A row's values, `table`'s number of strings or nulls; else BackupFileError naming line `lineNo`. */
function checkedValues(file: string, values: unknown[], table: TableInfo, lineNo: number): Array<string | null> {
  if (!valuesOf(values, table.columns.length)) throw new BackupFileError(file, `line ${lineNo}: a row of ${table.name} does not have its ${table.columns.length} values`);
  return values;
}

/** Whether a row's values are `columns` strings or nulls (a loop: every() with a callback was a tenth of the reading). */
function valuesOf(values: unknown[], columns: number): values is Array<string | null> {
  if (values.length !== columns) return false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== null && typeof v !== 'string') return false;
  }
  return true;
}

const NEWLINE = Buffer.from('\n');

/**
 * The content hash of lines each followed by a newline, as the writer hashed them. Lines that lie
 * one after another in one decompressed piece, a newline between each two, go in as one update:
 * two updates a line were a tenth of the reading.
 */
export class LineHasher {
  private run: Buffer | null = null;
  private start = 0;
  private end = 0;

  constructor(private readonly hash: crypto.Hash) {}

  line(line: Buffer): void {
    const run = this.run;
    if (run && line.buffer === run.buffer && line.byteOffset === this.end + 1 && run[this.end - run.byteOffset] === 0x0a) {
      this.end = line.byteOffset + line.length;
      return;
    }
    this.flush();
    // A view over the whole underlying memory, so that the run can grow past this line.
    this.run = Buffer.from(line.buffer, line.byteOffset, line.buffer.byteLength - line.byteOffset);
    this.start = line.byteOffset;
    this.end = line.byteOffset + line.length;
  }

  flush(): void {
    if (!this.run) return;
    this.hash.update(this.run.subarray(0, this.end - this.start));
    this.hash.update(NEWLINE);
    this.run = null;
  }
}

/**
 * Reads a backup file item by item, checking as it goes: the header first, rows of known
 * tables in the header's order with the right number of values, the trailer last with
 * matching counts and hash. Every problem throws BackupFileError; the trailer item is only
 * produced once the whole file has been proven intact.
 */
export async function* readBackup(file: string, backupKey: Buffer | null, options: { rows?: 'parse' | 'count' | 'lines' } = {}): AsyncGenerator<BackupItem> {
  // 'count' (a check of the whole file before a second reading loads it, backup.ts): a row line in
  // the writer's own form is only counted under its table's name, not parsed — every chunk is still
  // authenticated and the hash and counts checked; the loading reading parses every value, inside
  // the transaction that a bad line rolls back (issue 17, item 5: the parse was two thirds of it).
  // 'lines' (the loading reading, restore-reader.ts): such a line is handed over as it is, and its
  // values are read where they are encoded for COPY — from the bytes, or with rowLineValues.
  const countOnly = options.rows === 'count';
  const asLines = options.rows === 'lines';
  const hash = crypto.createHash('sha256');
  const hashed = new LineHasher(hash);
  const rowLineTables = new RowLineTables();
  let header: BackupHeader | null = null;
  let tableIndex = new Map<string, number>();
  const counts = new Map<string, number>();
  let current = -1;
  let contentLines = 0;
  let contentBytes = 0;
  let trailer: Trailer | null = null;
  let lineNo = 0;

  for await (const lines of rawLines(file, backupKey)) {
    // The rows of this piece of the file, yielded together while they are of one table.
    let batch = null as { table: TableInfo; rows: RowSource[]; firstLine: number } | null;
    for (const line of lines) {
      lineNo++;
      if (trailer) throw new BackupFileError(file, `there is data after the trailer (line ${lineNo})`);
      const counted = (countOnly || asLines) && header ? rowLineTables.of(line) : null;
      if (counted !== null) {
        const index = tableIndex.get(counted);
        if (index === undefined) throw new BackupFileError(file, `line ${lineNo} is not a row of a table named in the header`);
        if (index < current) throw new BackupFileError(file, `line ${lineNo}: rows of ${counted} appear after those of a later table`);
        current = index;
        counts.set(counted, (counts.get(counted) ?? 0) + 1);
        hashed.line(line);
        contentLines++;
        contentBytes += line.length + 1;
        if (asLines) {
          const table = header!.tables[index]!;
          if (batch?.table !== table) {
            if (batch) yield { kind: 'rows', ...batch };
            batch = { table, rows: [], firstLine: lineNo };
          }
          batch.rows.push(line);
        }
        continue;
      }
      let value: unknown;
      try {
        value = JSON.parse(line.toString('utf8'));
      } catch {
        throw new BackupFileError(file, `line ${lineNo} is not JSON`);
      }
      if (!header) {
        const h = value as Partial<BackupHeader>;
        if (h?.format !== BACKUP_FORMAT) throw new BackupFileError(file, 'it is not a Tachiai backup (no header)');
        if (h.version !== BACKUP_VERSION) throw new BackupFileError(file, `format version ${String(h.version)} is not supported (this Tachiai reads version ${BACKUP_VERSION})`);
        if (!Array.isArray(h.tables) || !Array.isArray(h.migrations) || !Array.isArray(h.sequences) || !h.keys) throw new BackupFileError(file, 'the header is incomplete');
        header = h as BackupHeader;
        tableIndex = new Map(header.tables.map((t, i) => [t.name, i]));
        hashed.line(line);
        contentLines++;
        contentBytes += line.length + 1;
        yield { kind: 'header', header };
        continue;
      }
      const obj = value as Partial<RowLine> & Partial<Trailer>;
      if (obj?.trailer === true) {
        trailer = obj as Trailer;
        continue;
      }
      const index = typeof obj?.table === 'string' ? tableIndex.get(obj.table) : undefined;
      if (index === undefined || !Array.isArray(obj.values)) throw new BackupFileError(file, `line ${lineNo} is not a row of a table named in the header`);
      if (index < current) throw new BackupFileError(file, `line ${lineNo}: rows of ${obj.table} appear after those of a later table`);
      current = index;
      const table = header.tables[index]!;
      const values = checkedValues(file, obj.values, table, lineNo);
      counts.set(table.name, (counts.get(table.name) ?? 0) + 1);
      hashed.line(line);
      contentLines++;
      contentBytes += line.length + 1;
      if (countOnly) continue;
      if (batch?.table !== table) {
        if (batch) yield { kind: 'rows', ...batch };
        batch = { table, rows: [], firstLine: lineNo };
      }
      batch.rows.push(values);
    }
    if (batch) yield { kind: 'rows', ...batch };
  }

  if (!header) throw new BackupFileError(file, 'it is empty');
  if (!trailer) throw new BackupFileError(file, 'the trailer is missing (the file was truncated)');
  hashed.flush();
  const digest = hash.digest('hex');
  if (trailer.contentLines !== contentLines || trailer.contentBytes !== contentBytes) {
    throw new BackupFileError(file, `the trailer announces ${trailer.contentLines} lines, the file has ${contentLines}`);
  }
  for (const t of header.tables) {
    const expected = trailer.counts?.[t.name];
    if (expected !== (counts.get(t.name) ?? 0)) {
      throw new BackupFileError(file, `the trailer announces ${String(expected)} rows of ${t.name}, the file has ${counts.get(t.name) ?? 0}`);
    }
  }
  if (trailer.sha256 !== digest) throw new BackupFileError(file, 'its SHA-256 does not match the trailer (the content was altered)');
  yield { kind: 'trailer', trailer };
}

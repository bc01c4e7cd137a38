// The embedded database's files belong to one process (pglite-notes.md): a second process
// opening them at the same time corrupts them. A lock file naming the owner keeps a second
// `tachiai` command out with a clear message; a lock left by a dead process is taken over.
//
// Fixes over the first version (each was a way to get two owners, or none):
// - The lock file is created complete (written aside, then hard-linked into place), so a
//   second process can no longer read it empty in the instant between create and write and
//   take it for a stale lock.
// - A stale lock is taken over by renaming it aside first and checking that the renamed file
//   is the one judged stale, so two processes breaking the same stale lock cannot delete each
//   other's fresh lock.
// - A lock carrying our own pid that this process does not hold was left by an earlier
//   process that had the same pid (typically pid 1 in a container after `docker kill`):
//   it is stale, where it used to keep the server from ever starting again.
// - On Linux the owner's start time is recorded too, so a reused pid (another program now
//   running under the dead owner's pid) is recognised as stale.
// - The message names the running process: pid, command and since when.
// - release() removes its 'exit' listener (no listener leak in processes that open many).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const LOCK_FILE_NAME = 'tachiai.lock';

interface LockInfo {
  pid: number;
  /** The tachiai command (e.g. "serve"), for the message a second process shows. */
  command?: string;
  /** ISO 8601 time the lock was taken. */
  since?: string;
  /** Process start time (clock ticks since boot, /proc/<pid>/stat field 22), Linux only. */
  procStart?: string;
  /** Unique per acquisition: only the holder removes the file. */
  token?: string;
}

export class DataDirBusyError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
    readonly command?: string,
    readonly since?: string,
  ) {
    const what = [command ? `"tachiai ${command}"` : null, `pid ${pid}`, since ? `running since ${since}` : null].filter(Boolean).join(', ');
    super(
      `The embedded database in ${dir} is in use by another Tachiai process (${what}). ` +
        `Stop that process first (for example the running "tachiai serve"), or run against a ` +
        `PostgreSQL server with DATABASE_URL so that several processes can share the database.`,
    );
  }
}

export interface DataDirLock {
  release(): void;
}

/** Lock files held by this process (absolute paths). */
const held = new Set<string>();

function processStartTime(pid: number | 'self'): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: count after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19]; // field 22 overall
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseLock(text: string): LockInfo | null {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return { pid: Number(trimmed) }; // the first version's format
  try {
    const value = JSON.parse(trimmed) as LockInfo;
    return Number.isInteger(value?.pid) ? value : null;
  } catch {
    return null;
  }
}

function ownerIsLive(file: string, info: LockInfo | null): boolean {
  if (!info) return false; // unreadable: only ever written complete, so it is debris
  if (info.pid === process.pid) return held.has(file);
  if (!isAlive(info.pid)) return false;
  if (info.procStart) {
    const now = processStartTime(info.pid);
    if (now !== undefined && now !== info.procStart) return false; // the pid was reused
  }
  return true;
}

function readIfExists(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Creates `file` with `content` only if it does not exist; false if it does. */
function createExclusive(file: string, content: string): boolean {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, content, { mode: 0o600 });
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
    // A file system without hard links: exclusive create, then write (a short window remains).
    try {
      const fd = fs.openSync(file, 'wx', 0o600);
      fs.writeSync(fd, content);
      fs.closeSync(fd);
      return true;
    } catch (err2) {
      if ((err2 as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err2;
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** Removes a stale lock, unless it was replaced by a fresh one since it was read. */
function breakStaleLock(file: string, staleText: string): void {
  const aside = `${file}.stale.${process.pid}.${crypto.randomBytes(6).toString('hex')}`;
  try {
    fs.renameSync(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // someone else broke it
    throw err;
  }
  const moved = readIfExists(aside);
  if (moved !== null && moved !== staleText) {
    // We moved a fresh lock taken in the meantime: put it back (unless yet another exists).
    try {
      fs.linkSync(aside, file);
    } catch {
      /* a newer lock is in place; the next round judges it */
    }
  }
  fs.rmSync(aside, { force: true });
}

/** The tachiai sub-command this process runs, when it is the command line. */
function cliCommand(): string | undefined {
  return /(^|[\\/])(tachiai(\.mjs)?|cli\.ts)$/.test(process.argv[1] ?? '') ? process.argv[2] : undefined;
}

export function acquireDataDirLock(dir: string, command: string | undefined = cliCommand()): DataDirLock {
  const file = path.resolve(dir, LOCK_FILE_NAME);
  const info: LockInfo = {
    pid: process.pid,
    ...(command ? { command } : {}),
    since: new Date().toISOString(),
    ...(processStartTime('self') ? { procStart: processStartTime('self')! } : {}),
    token: crypto.randomBytes(12).toString('hex'),
  };
  const content = JSON.stringify(info);
  for (let attempt = 0; attempt < 5; attempt++) {
    if (createExclusive(file, content)) {
      held.add(file);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off('exit', release);
        held.delete(file);
        try {
          const current = parseLock(readIfExists(file) ?? '');
          if (current?.token === info.token) fs.unlinkSync(file);
        } catch {
          /* already gone */
        }
      };
      process.once('exit', release);
      return { release };
    }
    const text = readIfExists(file);
    if (text === null) continue; // released in the meantime
    const owner = parseLock(text);
    if (ownerIsLive(file, owner)) throw new DataDirBusyError(dir, owner!.pid, owner!.command, owner!.since);
    breakStaleLock(file, text);
  }
  throw new Error(`Could not lock ${dir}`);
}

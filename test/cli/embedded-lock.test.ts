// The embedded data directory's lock (db/embedded-lock.ts): one owner at a time, a clear
// message naming the owner, and locks left by dead processes taken over.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { acquireDataDirLock, DataDirBusyError, LOCK_FILE_NAME, type DataDirLock } from '../../db/embedded-lock.js';

const dirs: string[] = [];
const locks: DataDirLock[] = [];
let sleeper: ChildProcess | null = null;

afterEach(() => {
  for (const lock of locks.splice(0)) lock.release();
});
afterAll(() => {
  sleeper?.kill('SIGKILL');
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function freshDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tachiai-lock-'));
  dirs.push(dir);
  return dir;
}

function acquire(dir: string, command?: string): DataDirLock {
  const lock = acquireDataDirLock(dir, command);
  locks.push(lock);
  return lock;
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

async function livePid(): Promise<number> {
  sleeper ??= spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)']);
  await new Promise((resolve) => setTimeout(resolve, 50));
  return sleeper.pid!;
}

describe('embedded data directory lock', () => {
  it('keeps a second owner out, in this process too, and frees the directory on release', () => {
    const dir = freshDir();
    const lock = acquire(dir, 'serve');
    const file = path.join(dir, LOCK_FILE_NAME);
    const content = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid: number; command: string };
    expect(content).toMatchObject({ pid: process.pid, command: 'serve' });
    expect(() => acquireDataDirLock(dir, 'verify')).toThrow(DataDirBusyError);
    lock.release();
    expect(fs.existsSync(file)).toBe(false);
    acquire(dir).release();
  });

  it('names the running owner (pid, command, since) and leaves its lock alone', async () => {
    const dir = freshDir();
    const file = path.join(dir, LOCK_FILE_NAME);
    const pid = await livePid();
    const text = JSON.stringify({ pid, command: 'serve', since: '2026-11-25T09:00:00.000Z', token: 'x' });
    fs.writeFileSync(file, text);
    let error: unknown;
    try {
      acquire(dir, 'verify');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DataDirBusyError);
    expect((error as Error).message).toContain(`pid ${pid}`);
    expect((error as Error).message).toContain('"tachiai serve"');
    expect((error as Error).message).toContain('2026-11-25T09:00:00.000Z');
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
    // The first version's format (the pid alone) is understood too.
    fs.writeFileSync(file, String(pid));
    expect(() => acquire(dir)).toThrow(DataDirBusyError);
  });

  it('takes over a lock left by a dead process, or by an earlier process with our pid (container restart)', async () => {
    const dir = freshDir();
    const file = path.join(dir, LOCK_FILE_NAME);
    fs.writeFileSync(file, String(await deadPid()));
    acquire(dir).release();
    fs.writeFileSync(file, JSON.stringify({ pid: process.pid, command: 'serve', token: 'left-by-an-earlier-life' }));
    const lock = acquire(dir, 'serve');
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).token).not.toBe('left-by-an-earlier-life');
    lock.release();
    // An empty or garbled file is debris (locks are only ever written complete).
    fs.writeFileSync(file, '');
    acquire(dir).release();
    expect(fs.readdirSync(dir)).toEqual([]); // no temporary or stale files left behind
  });

  it.runIf(fs.existsSync('/proc/self/stat'))('recognises a reused pid by its start time', async () => {
    const dir = freshDir();
    const file = path.join(dir, LOCK_FILE_NAME);
    fs.writeFileSync(file, JSON.stringify({ pid: await livePid(), command: 'serve', procStart: '1', token: 'old' }));
    acquire(dir).release();
    expect(fs.existsSync(file)).toBe(false);
  });

  it('release() removes only its own lock, and no exit listener is left behind', () => {
    const dir = freshDir();
    const file = path.join(dir, LOCK_FILE_NAME);
    const before = process.listenerCount('exit');
    const lock = acquireDataDirLock(dir);
    expect(process.listenerCount('exit')).toBe(before + 1);
    const replaced = JSON.stringify({ pid: 1, token: 'someone-else' });
    fs.writeFileSync(file, replaced);
    lock.release();
    expect(fs.readFileSync(file, 'utf8')).toBe(replaced);
    expect(process.listenerCount('exit')).toBe(before);
  });
});

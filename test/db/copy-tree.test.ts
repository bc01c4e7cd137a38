// The online copy of the embedded database's files runs on a thread of its own (db/copy-tree.ts,
// db/copy-tree-thread.mjs; issue 17, item 5): it copies every directory and file except those it
// is told to leave out, says how many bytes it copied, never writes into an existing directory,
// and refuses what is neither a file nor a directory rather than copy what a link points at.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { treeCopierThread } from '../../db/copy-tree.js';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tachiai-copy-tree-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** A small data directory: files at several depths, WAL segments, a stale label, an empty folder. */
function makeSource(name: string): string {
  const source = path.join(scratch, name);
  const files: Record<string, Buffer> = {
    PG_VERSION: Buffer.from('17\n'),
    'base/1/1259': crypto.randomBytes(70_000),
    'base/1/2608': crypto.randomBytes(8192),
    'global/pg_control': crypto.randomBytes(8192),
    'pg_wal/000000010000000000000001': crypto.randomBytes(4096),
    'pg_wal/000000010000000000000002': crypto.randomBytes(4096),
    'pg_wal/archive_status/keep': Buffer.from('x'),
    'pg_wal/00000001.history': Buffer.from('1\n'),
    backup_label: Buffer.from('stale\n'),
  };
  for (const [file, bytes] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(source, file)), { recursive: true });
    fs.writeFileSync(path.join(source, file), bytes);
  }
  fs.mkdirSync(path.join(source, 'pg_notify'));
  return source;
}

/** Every file under a directory with its bytes' SHA-256; directories as themselves. */
function listing(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, file)] = entry.isDirectory() ? 'dir' : crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  }
  return out;
}

const EXCLUDE = ['^pg_wal/[0-9A-F]{24}$', '(^|/)backup_label$'];

describe('copying the embedded files on a thread', () => {
  it('copies everything but what is left out, exactly, and counts the bytes', async () => {
    const source = makeSource('source');
    const target = path.join(scratch, 'target');
    const copier = treeCopierThread();
    try {
      const bytes = await copier.copy({ source, target, exclude: EXCLUDE });
      const expected = listing(source);
      for (const left of ['pg_wal/000000010000000000000001', 'pg_wal/000000010000000000000002', 'backup_label']) delete expected[left];
      expect(listing(target)).toEqual(expected);
      expect(bytes).toBe(3 + 70_000 + 8192 + 8192 + 1 + 2);
    } finally {
      await copier.close();
    }
  });

  it('never writes into a directory that exists, and refuses a link', async () => {
    const source = makeSource('source-2');
    const existing = path.join(scratch, 'existing');
    fs.mkdirSync(existing);
    await expect(treeCopierThread().copy({ source, target: existing, exclude: [] })).rejects.toThrow(/EEXIST/);
    expect(fs.readdirSync(existing)).toEqual([]);

    fs.symlinkSync('/etc', path.join(source, 'base', 'elsewhere'));
    await expect(treeCopierThread().copy({ source, target: path.join(scratch, 'with-link'), exclude: [] })).rejects.toThrow(/neither a file nor a directory/);
  });
});

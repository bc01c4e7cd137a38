// The journal's tree from the command line (issue 19): `tree key` prints the log's vkey (and its
// PEM), `tree build` brings the tree up to the journal with progress, `tree checkpoint` signs and
// prints a C2SP checkpoint; `verify --checkpoint NOTE --key VKEY|PEM` checks such a checkpoint
// kept off the server against the recomputed tree — and names the rewrite when the journal was
// rewritten and its tree rebuilt; a checkpoint that the key given did not sign is refused.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newSite, openSite, PASSWORD, run, tempDir, type Site } from '../helpers/cli.js';
import { usingPostgres } from '../helpers/db.js';
import { entryHash, rowToEntry, type JournalRow } from '../../server/journal/journal.js';
import { hasValidSignature, parseCheckpoint, parseNote, parseVkey, verifierFor } from '../../server/journal/note.js';

const kind: 'embedded' | 'postgres' = usingPostgres ? 'postgres' : 'embedded';

describe(`tachiai tree on ${kind}`, () => {
  let site: Site;
  let vkey: string;
  let noteFile: string;
  const dir = tempDir('tree-files');

  it('tree key, tree build and tree checkpoint', async () => {
    site = await newSite(kind, 'tree');
    const admin = await run(site, ['create-admin', '--username', 'admin', '--password', PASSWORD, '--name', '管理 太郎']);
    expect(admin.code, admin.stderr).toBe(0);

    const key = await run(site, ['tree', 'key']);
    expect(key.code, key.stderr).toBe(0);
    vkey = key.stdout.trim();
    const v = parseVkey(vkey);
    expect(v.name).toMatch(/^tachiai\/site-[0-9a-f]{6}\/journal$/);
    const pem = await run(site, ['tree', 'key', '--pem']);
    expect(pem.code).toBe(0);
    expect(verifierFor(v.name, crypto.createPublicKey(pem.stdout)).vkey).toBe(vkey);

    const build = await run(site, ['tree', 'build']);
    expect(build.code, build.stderr).toBe(0);
    expect(build.stderr).toMatch(/Building the journal's tree: \d+ \/ \d+ entries \(100%\)/);
    const m = /^Tree of (\d+) entries \((\d+) added/m.exec(build.stdout)!;
    expect(Number(m[1])).toBeGreaterThan(0);
    expect(Number(m[2])).toBe(Number(m[1]));
    // Nothing more: the tree is at the head.
    expect((await run(site, ['tree', 'build'])).stdout).toMatch(/\(0 added/);

    const cp = await run(site, ['tree', 'checkpoint']);
    expect(cp.code, cp.stderr).toBe(0);
    const note = parseNote(cp.stdout);
    expect(hasValidSignature(note, v)).toBe(true);
    expect(parseCheckpoint(note.text).size).toBe(Number(m[1]));
    noteFile = path.join(dir, 'checkpoint.txt');
    fs.writeFileSync(noteFile, cp.stdout);

    expect((await run(site, ['tree', 'frobnicate'])).code).toBe(2);
    expect((await run(site, ['tree', 'key', '--rebuild'])).code).toBe(2);
  }, 120_000);

  it('verify --checkpoint takes a C2SP checkpoint with the vkey or the PEM key, refuses one the key did not sign, and names a rewrite', async () => {
    const withVkey = await run(site, ['verify', '--checkpoint', noteFile, '--key', vkey]);
    expect(withVkey.code, withVkey.stdout + withVkey.stderr).toBe(0);
    // The stored tree, the stored checkpoint and the one kept off the server.
    expect(withVkey.stdout).toMatch(/the Merkle tree matches 3 tree head\(s\)/);
    const pemFile = path.join(dir, 'log.pem');
    fs.writeFileSync(pemFile, (await run(site, ['tree', 'key', '--pem'])).stdout);
    expect((await run(site, ['verify', '--checkpoint', noteFile, '--key', pemFile])).code).toBe(0);

    const origin = parseVkey(vkey).name;
    const other = verifierFor(origin, crypto.generateKeyPairSync('ed25519').publicKey).vkey;
    const refused = await run(site, ['verify', '--checkpoint', noteFile, '--key', other]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/does not carry a valid signature of the key given/);

    // A superuser rewrites entry 2 and every hash after it, rebuilds the tree, and deletes the
    // stored checkpoints: the server's own verify passes, the kept checkpoint does not.
    const db = await openSite(site);
    try {
      await db.knex.transaction(async (trx) => {
        await trx.raw('SET LOCAL session_replication_role = replica');
        const rows = ((await trx('journal_entries').where({ chain: 'main' }).andWhere('seq', '>=', 2).orderBy('seq')) as JournalRow[]).map(rowToEntry);
        let prevHash = ((await trx('journal_entries').where({ chain: 'main', seq: 1 }).first('hash')) as { hash: string }).hash;
        for (const e of rows) {
          const payload = e.seq === 2 ? '{"rewritten":true}' : e.payload;
          const hash = entryHash({ ...e, payload, prevHash });
          await trx('journal_entries').where({ chain: 'main', seq: e.seq }).update({ payload, prev_hash: prevHash, hash });
          prevHash = hash;
        }
        await trx('journal_tlog_checkpoints').delete();
        await trx('journal_checkpoints').delete();
      });
    } finally {
      await db.close();
    }
    expect((await run(site, ['tree', 'build', '--rebuild'])).code).toBe(0);
    const own = await run(site, ['verify']);
    expect(own.code, own.stdout).toBe(0);
    const kept = await run(site, ['verify', '--checkpoint', noteFile, '--key', vkey]);
    expect(kept.code).toBe(1);
    expect(kept.stdout).toMatch(/FAILED: first bad entry is main #\d+ \(tree_mismatch\): The checkpoint kept off the server/);
  }, 120_000);
});

// Rotating the signing key (issue 19, item 6b), with the real commands: before, during and after
// `tachiai rotate-key --begin` / `--finish`, a C2SP checkpoint and a signed record verify. During
// the rotation every checkpoint carries two signature lines under the same origin (c2sp.org/
// signed-note), and a verifier holding either vkey accepts it. After it, what the old key signed —
// checkpoints (C2SP and JSON), record signatures — still verifies by key id through the key
// history (and a tampered old signature is caught: the old key really is used); the shared-secrets
// fingerprint is the new key's, a server still holding the old key is refused and the escrow is due
// again; GET /api/signing-key and /api/journal/tlog list current and previous keys; a backup made
// after the rotation restores with the new key alone.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { childEnv, newSite, openSite, PASSWORD, run, serve, type Site } from '../helpers/cli.js';
import { usingPostgres } from '../helpers/db.js';
import { loadConfig } from '../../server/config.js';
import { openContext } from '../../server/runtime.js';
import { appendJournal } from '../../server/journal/journal.js';
import { parseNote, parseVkey, hasValidSignature, parseCheckpoint } from '../../server/journal/note.js';
import { newRecordId, recordSigned, verifySigners } from '../../server/signatures/service.js';

const kind = usingPostgres ? 'postgres' : 'embedded';

async function signRecord(site: Site, admin: { personId: string; badgeToken: string; badgePin: string }, tag: string): Promise<{ id: string; keyId: string }> {
  const ctx = await openContext(loadConfig(childEnv(site)), { migrate: false });
  try {
    const signers = await verifySigners(ctx, [{ personId: admin.personId, badge: admin.badgeToken, pin: admin.badgePin, meaning: 'inspected', field: 'signer' }]);
    const record = await ctx.db.knex.transaction((trx) => recordSigned(ctx, trx, { kind: 'inspection', id: newRecordId(), content: { tag }, roomId: null, place: 'test', createdBy: 'test', signers }));
    return { id: record.id, keyId: String(record.signatures[0]!.manifest.keyId) };
  } finally {
    await ctx.db.close();
  }
}

async function addEntry(site: Site, tag: string) {
  const db = await openSite(site);
  try {
    await db.knex.transaction((trx) => appendJournal(trx, { actor: 'test', action: 'test.event', subject: `r:${tag}`, payload: { tag } }));
  } finally {
    await db.close();
  }
}

async function checkpointWith(site: Site, dir: string, name: string, ...keys: string[]) {
  await addEntry(site, name);
  const cp = await run(site, ['tree', 'checkpoint']);
  expect(cp.code, cp.stderr).toBe(0);
  const file = path.join(dir, `${name}.checkpoint`);
  fs.writeFileSync(file, cp.stdout);
  const outcome: Record<string, number | null> = {};
  for (const k of keys) outcome[k] = (await run(site, ['verify', '--checkpoint', file, '--key', k])).code;
  return { note: cp.stdout, file, outcome };
}

describe('tachiai rotate-key', () => {
  it('before, during and after: checkpoints and signed records verify; the old key stays verifiable by key id', async () => {
    const site = await newSite(kind, 'rotate');
    const dir = site.dataDir;
    const created = await run(site, ['create-admin', '--username', 'admin', '--password', PASSWORD, '--name', '管理 太郎']);
    expect(created.code, created.stderr).toBe(0);
    const admin = JSON.parse(created.stdout) as { personId: string; badgeToken: string; badgePin: string };
    const vkey1 = (await run(site, ['tree', 'key'])).stdout.trim();
    const oldPem = fs.readFileSync(path.join(dir, 'secrets', 'signing-key.pem'), 'utf8');

    // Before.
    const r1 = await signRecord(site, admin, 'before');
    const legacy = await run(site, ['checkpoint']);
    expect(legacy.code, legacy.stderr).toBe(0);
    const before = await checkpointWith(site, dir, 'before', vkey1);
    expect(before.outcome[vkey1]).toBe(0);
    expect(parseNote(before.note).signatures).toHaveLength(1);

    // Begin: the next key, in the data directory; its vkey printed.
    const begun = await run(site, ['rotate-key', '--begin']);
    expect(begun.code, begun.stderr).toBe(0);
    const vkey2 = begun.stdout.trim();
    expect(parseVkey(vkey2).name).toBe(parseVkey(vkey1).name);
    expect(vkey2).not.toBe(vkey1);
    expect(fs.existsSync(path.join(dir, 'secrets', 'signing-key.next.pem'))).toBe(true);
    // Twice is refused, nothing changed.
    const again = await run(site, ['rotate-key', '--begin']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/rotation is under way/);
    const noFlag = await run(site, ['rotate-key']);
    expect(noFlag.code).toBe(2);

    // During: every checkpoint signed by both keys; either vkey verifies it.
    const during = await checkpointWith(site, dir, 'during', vkey1, vkey2);
    expect(during.outcome).toEqual({ [vkey1]: 0, [vkey2]: 0 });
    const note = parseNote(during.note);
    expect(note.signatures.map((s) => s.name)).toEqual([parseVkey(vkey1).name, parseVkey(vkey1).name]);
    expect(hasValidSignature(note, parseVkey(vkey1)) && hasValidSignature(note, parseVkey(vkey2))).toBe(true);
    fs.writeFileSync(path.join(dir, 'double-signed.note'), during.note);
    const r2 = await signRecord(site, admin, 'during');
    expect(r2.keyId).toBe(r1.keyId); // records are signed by the current key until the finish

    // Finish: the next key is the current one; the old private key is gone.
    const finished = await run(site, ['rotate-key', '--finish']);
    expect(finished.code, finished.stderr).toBe(0);
    expect(finished.stdout.trim()).toBe(vkey2);
    expect(finished.stderr).toMatch(/escrow is out of date/);
    expect(fs.existsSync(path.join(dir, 'secrets', 'signing-key.next.pem'))).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'secrets', 'signing-key.pem'), 'utf8')).not.toBe(oldPem);
    expect((await run(site, ['tree', 'key'])).stdout.trim()).toBe(vkey2);
    const again2 = await run(site, ['rotate-key', '--finish']);
    expect(again2.code).toBe(1);
    expect(again2.stderr).toMatch(/no next signing key/);

    // After: new checkpoints by the new key alone; everything before still verifies.
    const after = await checkpointWith(site, dir, 'after', vkey1, vkey2);
    expect(after.outcome).toEqual({ [vkey1]: 1, [vkey2]: 0 });
    const r3 = await signRecord(site, admin, 'after');
    expect(r3.keyId).not.toBe(r1.keyId);
    expect((await run(site, ['verify', '--checkpoint', before.file, '--key', vkey1])).code).toBe(0);
    const deep = await run(site, ['verify', '--deep']);
    expect(deep.code, deep.stdout + deep.stderr).toBe(0);
    expect(deep.stdout).toMatch(/OK: 3 signed record/);

    // The history is journaled; the fingerprint is the new key's and the escrow is due again.
    const db = await openSite(site);
    try {
      const actions = (await db.knex('journal_entries').whereIn('action', ['secrets.signing_key_rotation_begun', 'secrets.signing_key_rotated']).orderBy('seq').pluck('action')) as string[];
      expect(actions).toEqual(['secrets.signing_key_rotation_begun', 'secrets.signing_key_rotated']);
      expect(await db.knex('signing_keys').orderBy('added_at').select('state')).toHaveLength(2);
      expect((await db.knex('site_settings').first('secrets_escrowed_at')).secrets_escrowed_at).toBeNull();
    } finally {
      await db.close();
    }
    // A server still holding the old key is refused at its start.
    const stale = await run(site, ['tree', 'key'], { SIGNING_KEY: oldPem });
    expect(stale.code).toBe(2);
    expect(stale.stderr).toMatch(/not the ones of the other servers/);

    // The keys are published: current and previous.
    const server = await serve(site);
    try {
      const keys = (await (await fetch(`${server.url}/api/signing-key`)).json()) as { keyId: string; keys: Array<{ keyId: string; state: string }> };
      expect(keys.keys.map((k) => k.state)).toEqual(['current', 'previous']);
      expect(keys.keys[1]!.keyId).toBe(r1.keyId);
      const log = (await (await fetch(`${server.url}/api/journal/tlog`)).json()) as { vkey: string; vkeys: Array<{ vkey: string; state: string }> };
      expect(log.vkey).toBe(vkey2);
      expect(log.vkeys).toEqual([expect.objectContaining({ vkey: vkey2, state: 'current' }), expect.objectContaining({ vkey: vkey1, state: 'previous' })]);
    } finally {
      await server.stop();
    }

    // A backup made now restores with the new key alone (its header carries the key history).
    const backupFile = path.join(dir, 'after-rotation.tbk');
    expect((await run(site, ['backup', '--out', backupFile])).code).toBe(0);
    const standby = await newSite(kind, 'rotate-standby');
    fs.cpSync(path.join(dir, 'secrets'), path.join(standby.dataDir, 'secrets'), { recursive: true });
    const restored = await run(standby, ['restore', '--in', backupFile]);
    expect(restored.code, restored.stdout + restored.stderr).toBe(0);

    // The old key is really used: an old record's signature altered is caught.
    const db2 = await openSite(site);
    try {
      const sig = (await db2.knex('signatures').where({ record_id: r1.id }).first('id', 'signature')) as { id: string; signature: string };
      const bytes = Buffer.from(sig.signature, 'base64');
      bytes[10]! ^= 0x01;
      await db2.knex.transaction(async (trx) => {
        await trx.raw('SET LOCAL session_replication_role = replica');
        await trx('signatures').where({ id: sig.id }).update({ signature: bytes.toString('base64') });
      });
    } finally {
      await db2.close();
    }
    const caught = await run(site, ['verify', '--deep']);
    expect(caught.code).toBe(1);
    expect(caught.stdout).toMatch(/signature/);
    void crypto;
    void parseCheckpoint;
  }, 600_000);
});

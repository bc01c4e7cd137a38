// Witnesses end to end (issue 19, item 5): `tachiai witness` runs on the depositor's side; the
// server (WITNESSES) sends each new checkpoint with its consistency proof, stores the cosignature
// and serves it with the checkpoint and in proof files; `verify-proof --witness` accepts them.
// A superuser who rewrites an old entry, rebuilds the tree and re-signs with the server's own key
// is refused by the witness (422: an alarm on the witness's row), and `verify-proof` with the
// witness key rejects every proof built on the rewritten tree. A witness that lost track of us
// answers 409 and is caught up; an unreachable one never stops a checkpoint.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { Knex } from 'knex';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { children, freePort, start, tempDir } from '../helpers/cli.js';
import { appendJournal, entryHash, rowToEntry, type JournalEntry, type JournalRow } from '../../server/journal/journal.js';
import { parseNote, parseVkey, validCosignatureTime, verifierFor, SIG_COSIGNATURE_V1 } from '../../server/journal/note.js';
import { verifyProofFile } from '../../server/journal/proof-file.js';
import { proofFileFor } from '../../server/journal/proofs.js';
import { buildTree, resetTree } from '../../server/journal/tree.js';
import { originFor, signTlogCheckpoint } from '../../server/journal/tlog-checkpoints.js';
import { sendToWitnesses } from '../../server/journal/witness-client.js';
import { siteOf } from '../../server/system/site.js';
import { addContact, noticeWitnessAlarms } from '../../server/notices/service.js';

const dir = tempDir('witness');
const witnessName = 'witness.example.jp/depositor';
const keyFile = path.join(dir, 'witness.pem');
const stateFile = path.join(dir, 'witness-state.json');
let witnessVkey: string;
let port: number;
let s: TestServer;
let token: string;
let knex: Knex;
let logVkey: string;
let origin: string;
let stopWitness: () => void = () => undefined;

async function addEntries(n: number, tag: string): Promise<JournalEntry> {
  let last: JournalEntry | null = null;
  for (let i = 0; i < n; i++) last = await knex.transaction((trx) => appendJournal(trx, { actor: 'test', action: 'test.event', subject: `w:${tag}-${i}`, payload: { i, tag } }));
  return last!;
}

async function startWitness() {
  const { child, done } = start(['witness', '--name', witnessName, '--key', keyFile, '--log', logVkey, '--state', stateFile, '--port', String(port)], { PATH: process.env.PATH, HOME: process.env.HOME });
  // It runs across this file's tests (the helper kills its children after each test): stopped here.
  children.delete(child);
  let out = '';
  child.stdout!.on('data', (d: string) => (out += d));
  let err = '';
  child.stderr!.on('data', (d: string) => (err += d));
  for (let waited = 0; !/serving/.test(err); waited += 100) {
    if (waited > 30_000 || child.exitCode !== null) throw new Error(`the witness did not start: ${err} ${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  if (out.trim() !== witnessVkey) throw new Error(`the witness printed ${out}`);
  stopWitness = () => child.kill('SIGTERM');
  return { done };
}

const checkpointNow = () => request(s.url).post('/api/journal/tlog/checkpoints').set('Authorization', `Bearer ${token}`);

beforeAll(async () => {
  // The witness's key, made as `tachiai witness key` makes it.
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  fs.writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
  witnessVkey = verifierFor(witnessName, publicKey, SIG_COSIGNATURE_V1).vkey;
  port = await freePort();
  s = await startTestServer({ scryptCost: 1024, witnesses: [{ url: `http://127.0.0.1:${port}`, vkey: witnessVkey }] });
  token = await s.adminToken();
  knex = s.ctx.db.knex;
  origin = originFor((await siteOf(s.ctx)).id);
  logVkey = (await request(s.url).get('/api/journal/tlog')).body.vkey;
  await startWitness();
}, 120_000);
afterAll(async () => {
  stopWitness();
  await s?.close();
});

describe('a witness on the depositor\'s side', () => {
  let honestProof: string;

  it('`tachiai witness key` prints the same vkey', async () => {
    const r = await start(['witness', 'key', '--name', witnessName, '--key', keyFile], { PATH: process.env.PATH, HOME: process.env.HOME }).done;
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(witnessVkey);
  });

  it('cosigns each new checkpoint; the server serves the cosignature and puts it in proof files', async () => {
    const entry = await addEntries(3, 'a');
    expect((await checkpointNow()).status).toBe(201);
    const note = (await request(s.url).get('/checkpoint')).text;
    const parsed = parseNote(note);
    expect(parsed.signatures.map((x) => x.name)).toEqual([origin, witnessName]);
    expect(validCosignatureTime(parsed, parseVkey(witnessVkey))).not.toBeNull();
    const log = (await request(s.url).get('/api/journal/tlog')).body;
    expect(log.witnesses).toMatchObject([{ vkey: witnessVkey, status: 'cosigned', alarmAt: null }]);
    expect(log.cosigned.treeSize).toBe(log.checkpoint.treeSize);
    expect(log.cosigned.ageSeconds).toBeLessThan(60);
    // Readiness shows the age of the newest cosigned checkpoint.
    const ready = (await request(s.url).get('/api/health/ready')).body;
    expect(ready.checks.transparencyLog).toEqual({ cosignedAgeSeconds: expect.any(Number), witnessAlarms: 0 });
    expect(ready.checks.transparencyLog.cosignedAgeSeconds).toBeLessThan(60);

    // More entries: cosigned again, from the size the witness holds (a consistency proof).
    await addEntries(5, 'b');
    expect((await checkpointNow()).status).toBe(201);
    expect(JSON.parse(fs.readFileSync(stateFile, 'utf8'))[origin].size).toBe((await request(s.url).get('/api/journal/tlog')).body.checkpoint.treeSize);

    honestProof = await proofFileFor(s.ctx, knex, origin, entry, 'test', null);
    const check = verifyProofFile(honestProof, { kind: 'vkey', verifier: parseVkey(logVkey) }, [parseVkey(witnessVkey)]);
    expect(check.steps.filter((x) => !x.ok)).toEqual([]);
    const file = path.join(dir, 'honest.tlog-proof');
    fs.writeFileSync(file, honestProof);
    const cli = await start(['verify-proof', file, '--key', logVkey, '--witness', witnessVkey], { PATH: process.env.PATH, HOME: process.env.HOME }).done;
    expect(cli.code, cli.stdout).toBe(0);
    expect(cli.stdout).toMatch(/cosigned by 1 witness/);
  }, 60_000);

  it('a witness that lost track of us answers 409 with its size, and is caught up from there', async () => {
    await knex('journal_witnesses').delete(); // the server forgot what the witness holds
    await addEntries(2, 'c');
    const made = await checkpointNow();
    expect(made.status).toBe(201);
    const log = (await request(s.url).get('/api/journal/tlog')).body;
    expect(log.witnesses).toMatchObject([{ status: 'cosigned', size: made.body.treeSize }]);
  }, 60_000);

  it('refuses a rewritten history re-signed with the server\'s own key (422: an alarm), and verify-proof with the witness key rejects proofs on it', async () => {
    // The superuser rewrites entry 4 and every hash after it, rebuilds the tree, deletes the
    // stored checkpoints and signs again with the server's key.
    await knex.transaction(async (trx) => {
      await trx.raw('SET LOCAL session_replication_role = replica');
      const rows = ((await trx('journal_entries').where({ chain: 'main' }).andWhere('seq', '>=', 4).orderBy('seq')) as JournalRow[]).map(rowToEntry);
      let prevHash = ((await trx('journal_entries').where({ chain: 'main', seq: 3 }).first('hash')) as { hash: string }).hash;
      for (const e of rows) {
        const payload = e.seq === 4 ? '{"rewritten":true}' : e.payload;
        const hash = entryHash({ ...e, payload, prevHash });
        await trx('journal_entries').where({ chain: 'main', seq: e.seq }).update({ payload, prev_hash: prevHash, hash });
        prevHash = hash;
      }
      await trx('journal_tlog_cosignatures').delete();
      await trx('journal_tlog_checkpoints').delete();
    });
    await resetTree(knex);
    const last = await addEntries(1, 'd');
    await buildTree(knex);
    const resigned = await signTlogCheckpoint(knex, s.ctx.secrets.signing, origin);
    expect(resigned).not.toBeNull();
    const rounds = await sendToWitnesses(knex, origin, s.ctx.config.witnesses);
    expect(rounds).toMatchObject([{ status: 'alarm' }]);
    expect(rounds[0]!.message).toMatch(/422/);
    const log = (await request(s.url).get('/api/journal/tlog')).body;
    expect(log.witnesses[0].status).toBe('alarm');
    expect(log.witnesses[0].alarmAt).not.toBeNull();
    expect(log.cosigned).toBeNull();
    // The alarm is noticed once — to the depositors' contacts who receive alarms — and journaled.
    const org = (await request(s.url).post('/api/orgs').set('Authorization', `Bearer ${token}`).send({ name: '株式会社預託元', kind: 'depositor' })).body;
    await knex.transaction((trx) => addContact(trx, org.id, { name: '預託 担当', email: 'contact@depositor.example.jp', lang: 'ja', kinds: ['alarm'] }, 'test'));
    expect(await noticeWitnessAlarms(s.ctx, origin)).toBe(1);
    expect(await noticeWitnessAlarms(s.ctx, origin)).toBe(0);
    const notices = (await knex('notices').where({ kind: 'alarm' }).select('recipient_email', 'subject', 'body_text', 'cause_action')) as Array<{ recipient_email: string; subject: string; body_text: string; cause_action: string }>;
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ recipient_email: 'contact@depositor.example.jp', cause_action: 'journal.witness_alarm' });
    expect(notices[0]!.subject).toContain('警報');
    expect(notices[0]!.body_text).toContain(witnessName);
    expect(await knex('journal_entries').where({ action: 'journal.witness_alarm' }).count('* as n').first()).toMatchObject({ n: expect.anything() });
    expect(Number((await knex('journal_entries').where({ action: 'journal.witness_alarm' }).count('* as n').first())!.n)).toBe(1);
    // The alarm is a readiness warning on every server (it does not make the server unready).
    const ready = await request(s.url).get('/api/health/ready');
    expect(ready.body.checks.transparencyLog.witnessAlarms).toBe(1);
    expect(ready.body.warnings.map((w: { code: string }) => w.code)).toContain('witness_alarm');
    // The witness's state is unchanged: it still holds the honest tree.
    expect(JSON.parse(fs.readFileSync(stateFile, 'utf8'))[origin].size).toBeLessThan(resigned!.size);

    // Every proof built on the rewritten tree: fine with the log key alone, refused with the witness.
    for (const entry of [last, rowToEntry((await knex('journal_entries').where({ chain: 'main', seq: 4 }).first()) as JournalRow)]) {
      const forged = await proofFileFor(s.ctx, knex, origin, entry, 'test', null);
      expect(verifyProofFile(forged, { kind: 'vkey', verifier: parseVkey(logVkey) }).ok).toBe(true);
      const withWitness = verifyProofFile(forged, { kind: 'vkey', verifier: parseVkey(logVkey) }, [parseVkey(witnessVkey)]);
      expect(withWitness.ok).toBe(false);
      expect(withWitness.steps.at(-1)!.what).toMatch(/NO valid cosignature of witness/);
    }
    // The proof the depositor kept from before still verifies, with the witness's cosignature.
    expect(verifyProofFile(honestProof, { kind: 'vkey', verifier: parseVkey(logVkey) }, [parseVkey(witnessVkey)]).ok).toBe(true);
  }, 60_000);

  it('a journal rolled back (tail truncated, as by restoring an old backup as the live system) is refused too', async () => {
    const held = JSON.parse(fs.readFileSync(stateFile, 'utf8'))[origin].size as number;
    await knex.transaction(async (trx) => {
      await trx.raw('SET LOCAL session_replication_role = replica');
      await trx('journal_entries').where({ chain: 'main' }).andWhere('seq', '>', 5).delete();
      await trx('journal_tlog_cosignatures').delete();
      await trx('journal_tlog_checkpoints').delete();
      // An old backup knows nothing of what the witness cosigned since.
      await trx('journal_witnesses').delete();
    });
    await resetTree(knex);
    await buildTree(knex);
    const small = await signTlogCheckpoint(knex, s.ctx.secrets.signing, origin);
    expect(small!.size).toBe(5);
    expect(small!.size).toBeLessThan(held);
    // The witness answers 409 with the larger size it holds: the server sees the rollback.
    const rounds = await sendToWitnesses(knex, origin, s.ctx.config.witnesses);
    expect(rounds).toMatchObject([{ status: 'alarm', size: held }]);
    expect(rounds[0]!.message).toMatch(/rolled back/);
    expect(JSON.parse(fs.readFileSync(stateFile, 'utf8'))[origin].size).toBe(held);
  }, 60_000);

  it('an unreachable witness never stops a checkpoint; it is asked again on the next round', async () => {
    stopWitness();
    await expect.poll(async () => fetch(`http://127.0.0.1:${port}/add-checkpoint`, { method: 'POST' }).then(() => 'up', () => 'down'), { timeout: 10_000 }).toBe('down');
    await addEntries(1, 'e');
    const made = await checkpointNow();
    expect(made.status).toBe(201);
    const log = (await request(s.url).get('/api/journal/tlog')).body;
    expect(log.witnesses[0].status).toBe('unreachable');
  }, 60_000);
});

// Epochs of the transparency log (issue 19, item 6a; E9.2 a real move to the standby site), with
// the real commands and a real witness (`tachiai witness`): a site's log is cosigned, backed up,
// grows and is cosigned again; the backup is restored on the standby site and promoted as the live
// system — the journal is rolled back (its tail truncated). The witness refuses it: 409 with the
// larger size it holds (an alarm: "rolled back"), then 422 once the restored journal grows past it
// (a fork). `tachiai new-epoch` starts the origin `<first>/e2` over the same journal, records the
// old origin's last checkpoint (the one the depositor kept, --last-checkpoint, its signature checked
// with the log key) and notices the depositor; the witness, given the new origin's vkey, accepts
// and cosigns it; every proof file made before still verifies with `verify-proof` (and the
// witness's key), and so does one of the new epoch with the old vkey; GET /checkpoint serves e2.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, children, freePort, newSite, openSite, run, serve, start, tempDir, type Site } from '../helpers/cli.js';
import { usingPostgres } from '../helpers/db.js';
import type { AppContext } from '../../server/context.js';
import { appendJournal, rowToEntry, type JournalEntry, type JournalRow } from '../../server/journal/journal.js';
import { parseCheckpoint, parseNote, signNote, formatCheckpoint, verifierFor, SIG_COSIGNATURE_V1 } from '../../server/journal/note.js';
import { proofFileFor } from '../../server/journal/proofs.js';
import { createOrg } from '../../server/people/service.js';
import { addContact } from '../../server/notices/service.js';
// @ts-expect-error: a browser module without declarations (its JSDoc types are checked by tsconfig.web.json)
import { checkProofFile } from '../../web/assets/tlog-verify.js';

const kind = usingPostgres ? 'postgres' : 'embedded';
const dir = tempDir('epoch');
const witnessName = 'witness.example.jp/depositor';
const witnessKey = path.join(dir, 'witness.pem');
const witnessState = path.join(dir, 'witness-state.json');
let witnessVkey: string;
let port: number;
let live: Site;
let standby: Site;
let logVkey: string;
let origin1: string;
let stopWitness: () => Promise<void> = async () => undefined;
const env = () => ({ WITNESSES: `http://127.0.0.1:${port} ${witnessVkey}` });

async function startWitness(logs: string[]) {
  const { child, done } = start(['witness', '--name', witnessName, '--key', witnessKey, ...logs.flatMap((l) => ['--log', l]), '--state', witnessState, '--port', String(port)], { PATH: process.env.PATH, HOME: process.env.HOME });
  children.delete(child); // runs across this file's tests
  let err = '';
  child.stderr!.on('data', (d: string) => (err += d));
  for (let waited = 0; !/serving/.test(err); waited += 100) {
    if (waited > 30_000 || child.exitCode !== null) throw new Error(`the witness did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  stopWitness = async () => {
    child.kill('SIGTERM');
    await done;
  };
}

/** The site's database in this process (no child may run on it): a few entries, or a proof file. */
async function withSite<T>(site: Site, fn: (app: Pick<AppContext, 'db' | 'secrets' | 'config'>) => Promise<T>): Promise<T> {
  const db = await openSite(site);
  try {
    // Proof files are made from stored checkpoints here: nothing is signed, so no keys are needed.
    return await fn({ db, secrets: undefined as never, config: { witnesses: [] } as never });
  } finally {
    await db.close();
  }
}

const addEntries = (site: Site, n: number, tag: string) =>
  withSite(site, async ({ db }) => {
    let last: JournalEntry | null = null;
    for (let i = 0; i < n; i++) last = await db.knex.transaction((trx) => appendJournal(trx, { actor: 'test', action: 'test.event', subject: `e:${tag}-${i}`, payload: { i, tag } }));
    return last!;
  });

const proofOf = (site: Site, origin: string, seq: number) =>
  withSite(site, async (app) => {
    const entry = rowToEntry((await app.db.knex('journal_entries').where({ chain: 'main', seq }).first()) as JournalRow);
    return proofFileFor(app, app.db.knex, origin, entry, 'test', null);
  });

const witnessHeld = (origin: string) => (JSON.parse(fs.readFileSync(witnessState, 'utf8')) as Record<string, { size: number }>)[origin]?.size;

async function verifyProof(file: string, ...keys: string[]) {
  return start(['verify-proof', file, '--key', ...keys], { PATH: process.env.PATH, HOME: process.env.HOME }).done;
}

beforeAll(async () => {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  fs.writeFileSync(witnessKey, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
  witnessVkey = verifierFor(witnessName, publicKey, SIG_COSIGNATURE_V1).vkey;
  port = await freePort();
  live = await newSite(kind, 'epoch-live');
  const key = await run(live, ['tree', 'key'], env());
  expect(key.code, key.stderr).toBe(0);
  logVkey = key.stdout.trim();
  origin1 = logVkey.split('+')[0]!;
  await startWitness([logVkey]);
}, 120_000);
afterAll(async () => {
  await stopWitness();
});

describe('a log rolled back by restoring an old backup as the live system, and `tachiai new-epoch`', () => {
  const proofs: Record<string, string> = {};
  let backupFile: string;
  let keptCheckpoint: string;
  let n1: number;
  let n2: number;

  it('the live site is cosigned, backed up, grows and is cosigned again', async () => {
    await addEntries(live, 4, 'a');
    const cp1 = await run(live, ['tree', 'checkpoint'], env());
    expect(cp1.code, cp1.stderr).toBe(0);
    n1 = parseCheckpoint(parseNote(cp1.stdout).text).size;
    expect(witnessHeld(origin1)).toBe(n1);
    proofs.before = path.join(dir, 'before.tlog-proof');
    fs.writeFileSync(proofs.before, await proofOf(live, origin1, 2));
    backupFile = path.join(dir, 'old.tachiai-backup');
    const b = await run(live, ['backup', '--out', backupFile], env());
    expect(b.code, b.stderr).toBe(0);

    await addEntries(live, 5, 'b');
    const cp2 = await run(live, ['tree', 'checkpoint'], env());
    expect(cp2.code, cp2.stderr).toBe(0);
    keptCheckpoint = path.join(dir, 'kept.checkpoint');
    fs.writeFileSync(keptCheckpoint, cp2.stdout); // the checkpoint the depositor kept (GET /checkpoint)
    n2 = parseCheckpoint(parseNote(cp2.stdout).text).size;
    expect(n2).toBeGreaterThan(n1);
    expect(witnessHeld(origin1)).toBe(n2);
    // An entry the rollback will lose: its proof file, cosigned, was handed out.
    proofs.lost = path.join(dir, 'lost.tlog-proof');
    fs.writeFileSync(proofs.lost, await proofOf(live, origin1, n2 - 1));
  }, 180_000);

  it('restored on the standby site as the live system, the log is refused by the witness: 409 (rolled back), then 422 (a fork)', async () => {
    standby = await newSite(kind, 'epoch-standby');
    // The standby site holds the same secrets (the escrow: tachiai secrets export / import).
    fs.cpSync(path.join(live.dataDir, 'secrets'), path.join(standby.dataDir, 'secrets'), { recursive: true });
    const r = await run(standby, ['restore', '--in', backupFile], env());
    expect(r.code, r.stdout + r.stderr).toBe(0);

    await addEntries(standby, 1, 'c');
    const cp = await run(standby, ['tree', 'checkpoint'], env());
    expect(cp.code, cp.stderr).toBe(0); // the log signs; the witness refuses it
    let row = await withSite(standby, ({ db }) => db.knex('journal_witnesses').where({ origin: origin1 }).first());
    expect(row).toMatchObject({ status: 'alarm' });
    expect(row.message).toMatch(/rolled back/);
    expect(row.alarm_at).not.toBeNull();

    // Past the size the witness holds: the consistency proof from it does not verify (422).
    await addEntries(standby, n2 - n1 + 1, 'd');
    expect((await run(standby, ['tree', 'checkpoint'], env())).code).toBe(0);
    row = await withSite(standby, ({ db }) => db.knex('journal_witnesses').where({ origin: origin1 }).first());
    expect(row).toMatchObject({ status: 'alarm' });
    expect(row.message).toMatch(/422/);
    expect(witnessHeld(origin1)).toBe(n2); // the witness still holds the honest tree
  }, 180_000);

  it('new-epoch refuses a last checkpoint that is not ours, or not a checkpoint, and changes nothing', async () => {
    const garbage = path.join(dir, 'garbage.checkpoint');
    fs.writeFileSync(garbage, 'not a checkpoint\n');
    let r = await run(standby, ['new-epoch', '--last-checkpoint', garbage], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not a C2SP signed checkpoint/);
    const forged = path.join(dir, 'forged.checkpoint');
    const other = crypto.generateKeyPairSync('ed25519').privateKey;
    fs.writeFileSync(forged, signNote(formatCheckpoint({ origin: origin1, size: 99, root: crypto.randomBytes(32) }), origin1, other));
    r = await run(standby, ['new-epoch', '--last-checkpoint', forged], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not carry a valid signature of this server's log key/);
    r = await run(standby, ['new-epoch', '--last-checkpoint', path.join(dir, 'missing')], env());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Cannot read the checkpoint file/);
    expect(await withSite(standby, ({ db }) => db.knex('journal_tlog_epochs').count('* as n').first())).toMatchObject({ n: expect.anything() });
    expect(Number((await withSite(standby, ({ db }) => db.knex('journal_tlog_epochs').count('* as n').first()))!.n)).toBe(0);
  }, 120_000);

  it('new-epoch starts <origin>/e2, records the kept checkpoint, is journaled and noticed; the witness given the new vkey cosigns it', async () => {
    await withSite(standby, ({ db }) =>
      db.knex.transaction(async (trx) => {
        const org = await createOrg(trx, { name: '株式会社預託元', kind: 'depositor' }, 'test');
        await addContact(trx, org.id, { name: '預託 担当', email: 'contact@depositor.example.jp', lang: 'en', kinds: ['alarm'] }, 'test');
      }),
    );
    const r = await run(standby, ['new-epoch', '--last-checkpoint', keptCheckpoint], env());
    expect(r.code, r.stderr).toBe(0);
    const origin2 = `${origin1}/e2`;
    const [vkey2, ...noteLines] = r.stdout.split('\n');
    expect(vkey2!.startsWith(`${origin2}+`)).toBe(true);
    const first = parseCheckpoint(parseNote(noteLines.join('\n')).text);
    expect(first.origin).toBe(origin2);
    // The new origin's first checkpoint covers the whole journal (the same tree).
    const size = Number((await withSite(standby, ({ db }) => db.knex('journal_entries').where({ chain: 'main' }).max('seq as m').first()))!.m);
    expect(first.size).toBe(size);

    const facts = await withSite(standby, async ({ db }) => ({
      entry: (await db.knex('journal_entries').where({ action: 'journal.new_epoch' }).first()) as JournalRow,
      epochs: await db.knex('journal_tlog_epochs').select(),
      witnesses: await db.knex('journal_witnesses').orderBy('origin').select(),
      notices: await db.knex('notices').where({ cause_action: 'journal.new_epoch' }).select('recipient_email', 'subject', 'body_text'),
    }));
    const payload = JSON.parse(facts.entry.payload as unknown as string);
    expect(payload).toMatchObject({ epoch: 2, origin: origin2, previousOrigin: origin1, lastCheckpoint: { origin: origin1, treeSize: n2, source: 'given' } });
    expect(facts.epochs).toMatchObject([{ epoch: 2, origin: origin2, previous_origin: origin1 }]);
    expect(Number(facts.epochs[0].started_seq)).toBe(Number(facts.entry.seq));
    // The old origin's alarm is answered by the epoch: retired, no longer open.
    expect(facts.witnesses.find((w: { origin: string }) => w.origin === origin1)).toMatchObject({ status: 'retired', alarm_at: null });
    // The witness does not know the new origin yet: no cosignature, and no alarm.
    expect(facts.witnesses.find((w: { origin: string }) => w.origin === origin2)).toMatchObject({ status: 'refused', alarm_at: null });
    expect(facts.notices).toHaveLength(1);
    expect(facts.notices[0]).toMatchObject({ recipient_email: 'contact@depositor.example.jp' });
    expect(facts.notices[0].subject).toContain('new epoch');
    expect(facts.notices[0].body_text).toContain(vkey2);

    // The depositor adds the new origin's vkey to the witness: it accepts the new log and cosigns.
    await stopWitness();
    await startWitness([logVkey, vkey2!]);
    await addEntries(standby, 1, 'e');
    const cp = await run(standby, ['tree', 'checkpoint'], env());
    expect(cp.code, cp.stderr).toBe(0);
    expect(witnessHeld(origin2)).toBe(size + 1);
    expect(witnessHeld(origin1)).toBe(n2);
    const w = await withSite(standby, ({ db }) => db.knex('journal_witnesses').where({ origin: origin2 }).first());
    expect(w).toMatchObject({ status: 'cosigned', alarm_at: null });

    // The proof files made before still verify — with the log key and the witness's cosignature —
    // and so does one of the new epoch, with the old vkey as with the new one.
    proofs.after = path.join(dir, 'after.tlog-proof');
    fs.writeFileSync(proofs.after, await proofOf(standby, origin2, 3));
    for (const file of [proofs.before!, proofs.lost!, proofs.after]) {
      const v = await verifyProof(file, logVkey, '--witness', witnessVkey);
      expect(v.code, `${file}: ${v.stdout}`).toBe(0);
    }
    expect(fs.readFileSync(proofs.after, 'utf8')).toContain(`\n${origin2}\n`);
    expect((await verifyProof(proofs.after, vkey2!, '--witness', witnessVkey)).code).toBe(0);
    // The check page's in-browser verifier (WebCrypto) takes either epoch with the old vkey too.
    for (const file of [proofs.before!, proofs.after]) {
      const web = await checkProofFile(fs.readFileSync(file, 'utf8'), logVkey);
      expect(web.steps.filter((x: { ok: boolean }) => !x.ok), file).toEqual([]);
      expect(web.ok).toBe(true);
    }
    // Another log's vkey is refused.
    const stranger = verifierFor('tachiai/other-site/journal', crypto.generateKeyPairSync('ed25519').publicKey).vkey;
    const bad = await verifyProof(proofs.after, stranger);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/not of "tachiai\/other-site\/journal"/);

    // verify --checkpoint takes a checkpoint of either origin, with the old vkey.
    const cpFile = path.join(dir, 'e2.checkpoint');
    fs.writeFileSync(cpFile, cp.stdout);
    for (const f of [cpFile, keptCheckpoint]) {
      const v = await run(standby, ['verify', '--checkpoint', f, '--key', logVkey], env());
      // The kept checkpoint of the lost tail is NOT in the restored journal: verify says so.
      expect(v.code, v.stdout + v.stderr).toBe(f === cpFile ? 0 : 1);
    }

    // Every server serves the current epoch's checkpoint.
    const server = await serve(standby);
    try {
      const note = await (await fetch(`${server.url}/checkpoint`)).text();
      expect(parseCheckpoint(parseNote(note).text).origin).toBe(origin2);
      const log = (await (await fetch(`${server.url}/api/journal/tlog`)).json()) as { vkey: string };
      expect(log.vkey).toBe(vkey2);
    } finally {
      await server.stop();
    }
    void childEnv;
  }, 300_000);
});

// The journal as a transparency log through the API (issue 19, items 1–3): C2SP checkpoints at
// GET /checkpoint and in the API, signed by the log key under the origin derived from SITE_ID;
// inclusion and consistency proofs that verify; bad input refused with 400 in the contract's
// shape; a rewritten journal whose tree is rebuilt and re-signed is exposed by a checkpoint saved
// earlier; two servers writing at once build one tree and one checkpoint sequence.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { Knex } from 'knex';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { openSibling, usingPostgres } from '../helpers/db.js';
import { appendJournal, entryHash, rowToEntry, type JournalRow } from '../../server/journal/journal.js';
import { hasValidSignature, parseCheckpoint, parseNote, parseVkey, verifierFor } from '../../server/journal/note.js';
import { CompactRange, leafHashOfEntry, verifyConsistency, verifyInclusion } from '../../server/journal/tlog.js';
import { buildTree, proveConsistency, resetTree, treeState } from '../../server/journal/tree.js';
import { CheckpointRefusedError, latestTlogCheckpoint, originFor, signTlogCheckpoint, tlogWorker } from '../../server/journal/tlog-checkpoints.js';
import { verifyJournal } from '../../server/journal/verify.js';
import { siteOf } from '../../server/system/site.js';
import type { AppContext } from '../../server/context.js';

let s: TestServer;
let token: string;
let knex: Knex;
const b = (x: string) => Buffer.from(x, 'base64');

async function addEntries(db: Knex, n: number, tag: string) {
  for (let i = 0; i < n; i++) {
    await db.transaction((trx) => appendJournal(trx, { actor: 'test', action: 'test.event', subject: `test:${tag}-${i}`, payload: { i, tag } }));
  }
}

async function newCheckpoint() {
  const res = await request(s.url).post('/api/journal/tlog/checkpoints').set('Authorization', `Bearer ${token}`);
  expect([200, 201]).toContain(res.status);
  return res;
}

beforeAll(async () => {
  s = await startTestServer({ scryptCost: 1024 });
  token = await s.adminToken();
  knex = s.ctx.db.knex;
});
afterAll(async () => {
  await s?.close();
});

describe('C2SP checkpoints', () => {
  it('GET /checkpoint answers 404 before the first checkpoint, in the error shape', async () => {
    const res = await request(s.url).get('/checkpoint');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  it('signs a checkpoint on demand: a signed note over origin, size and root, verified with the vkey the API gives', async () => {
    await addEntries(knex, 5, 'a');
    const made = await newCheckpoint();
    expect(made.status).toBe(201);
    const site = await siteOf(s.ctx);
    const origin = originFor(site.id);
    expect(made.body.origin).toBe(origin);
    const head = Number((await knex('journal_entries').where({ chain: 'main' }).max('seq as m').first())!.m);
    expect(made.body.treeSize).toBe(head);

    const log = await request(s.url).get('/api/journal/tlog');
    expect(log.status).toBe(200);
    expect(log.body.origin).toBe(origin);
    const vkey = parseVkey(log.body.vkey);
    expect(vkey.name).toBe(origin);
    // The vkey is the server's SIGNING_KEY under the origin's name.
    expect(log.body.vkey).toBe(verifierFor(origin, s.ctx.secrets.signing.publicKey).vkey);
    expect(log.body.checkpoint.note).toBe(made.body.note);

    // GET /checkpoint: no sign-in, text/plain, the same note.
    const plain = await request(s.url).get('/checkpoint');
    expect(plain.status).toBe(200);
    expect(plain.headers['content-type']).toMatch(/^text\/plain/);
    expect(plain.text).toBe(made.body.note);
    const note = parseNote(plain.text);
    expect(hasValidSignature(note, vkey)).toBe(true);
    const cp = parseCheckpoint(note.text);
    expect(cp).toEqual({ origin, size: head, root: b(made.body.rootHash) });
    expect(note.text).toBe(`${origin}\n${head}\n${made.body.rootHash}\n`);

    // The root is the RFC 9162 root over the entries' hashes (recomputed here).
    const range = new CompactRange();
    for (const r of (await knex('journal_entries').where({ chain: 'main' }).orderBy('seq').select('hash')) as Array<{ hash: string }>) range.append(leafHashOfEntry(r.hash));
    expect(range.root().equals(cp.root)).toBe(true);

    // Nothing new: the newest checkpoint is answered, none is made.
    const again = await newCheckpoint();
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ created: false, checkpoint: { treeSize: head } });
  });

  it('only someone with journal:checkpoint may sign on demand', async () => {
    expect((await request(s.url).post('/api/journal/tlog/checkpoints')).status).toBe(401);
    const staff = await s.createUser({ roles: ['staff'] });
    const res = await request(s.url).post('/api/journal/tlog/checkpoints').set('Authorization', `Bearer ${await s.login(staff)}`);
    expect(res.status).toBe(403);
  });
});

describe('proofs', () => {
  it('an inclusion proof of every entry verifies against the signed root, and names the entry hash', async () => {
    const cp = (await request(s.url).get('/api/journal/tlog')).body.checkpoint;
    for (let seq = 1; seq <= cp.treeSize; seq++) {
      const res = await request(s.url).get(`/api/journal/proof/inclusion?seq=${seq}&size=${cp.treeSize}`).set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(200);
      const entry = await knex('journal_entries').where({ chain: 'main', seq }).first('hash');
      expect(res.body.entryHash).toBe(entry.hash);
      expect(b(res.body.leafHash).equals(leafHashOfEntry(entry.hash))).toBe(true);
      expect(res.body.rootHash).toBe(cp.rootHash);
      expect(res.body.checkpoint).toBe(cp.note);
      expect(verifyInclusion(seq - 1, cp.treeSize, leafHashOfEntry(entry.hash), res.body.proof.map(b), b(cp.rootHash))).toBe(true);
    }
    // An inclusion proof needs a sign-in (journal:read).
    expect((await request(s.url).get('/api/journal/proof/inclusion?seq=1')).status).toBe(401);
  });

  it('a consistency proof between two checkpoints verifies, for anyone (no sign-in)', async () => {
    const first = (await request(s.url).get('/api/journal/tlog')).body.checkpoint;
    await addEntries(knex, 7, 'b');
    const second = (await newCheckpoint()).body;
    expect(second.treeSize).toBeGreaterThanOrEqual(first.treeSize + 7);
    const res = await request(s.url).get(`/api/journal/proof/consistency?from=${first.treeSize}&to=${second.treeSize}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ from: first.treeSize, to: second.treeSize, fromRoot: first.rootHash, toRoot: second.rootHash });
    expect(verifyConsistency(first.treeSize, second.treeSize, b(first.rootHash), b(second.rootHash), res.body.proof.map(b))).toBe(true);
    // `to` defaults to the tree's size.
    const open = await request(s.url).get(`/api/journal/proof/consistency?from=1`);
    expect(open.body.to).toBe((await treeState(knex)).size);
  });

  it('refuses bad input with 400 in the contract\'s error shape, and changes nothing', async () => {
    const size = (await treeState(knex)).size;
    const auth = { Authorization: `Bearer ${token}` };
    const bad = [
      `/api/journal/proof/inclusion?seq=0`,
      `/api/journal/proof/inclusion?seq=-1`,
      `/api/journal/proof/inclusion?seq=abc`,
      `/api/journal/proof/inclusion?seq=1.5`,
      `/api/journal/proof/inclusion`,
      `/api/journal/proof/inclusion?seq=${size + 1}`,
      `/api/journal/proof/inclusion?seq=1&size=${size + 1}`,
      `/api/journal/proof/inclusion?seq=5&size=4`,
      `/api/journal/proof/inclusion?seq=1&size=99999999999999999999999`,
      `/api/journal/proof/inclusion?seq=9007199254740993`,
      `/api/journal/proof/inclusion?seq=1&other=2`,
      `/api/journal/proof/consistency?from=0&to=1`,
      `/api/journal/proof/consistency?from=3&to=2`,
      `/api/journal/proof/consistency?from=1&to=${size + 1}`,
      `/api/journal/proof/consistency?from=${size + 1}`,
      `/api/journal/proof/consistency?from=1e400`,
      `/api/journal/proof/consistency?from=x&to=y`,
      `/api/journal/proof/consistency`,
    ];
    const before = await treeState(knex);
    for (const url of bad) {
      const res = await request(s.url).get(url).set(auth);
      expect(res.status, url).toBe(400);
      expect(typeof res.body.error.code, url).toBe('string');
      expect(typeof res.body.error.message, url).toBe('string');
    }
    const after = await treeState(knex);
    expect(after.size).toBe(before.size);
  });
});

/** Rewrites entry `seq`'s payload and every hash after it, as a superuser with the database would. */
async function rewriteJournal(db: Knex, seq: number) {
  await db.transaction(async (trx) => {
    await trx.raw('SET LOCAL session_replication_role = replica');
    const rows = ((await trx('journal_entries').where({ chain: 'main' }).andWhere('seq', '>=', seq).orderBy('seq')) as JournalRow[]).map(rowToEntry);
    let prevHash = ((await trx('journal_entries').where({ chain: 'main', seq: seq - 1 }).first('hash')) as { hash: string }).hash;
    for (const e of rows) {
      const payload = e.seq === seq ? JSON.stringify({ rewritten: true }) : e.payload;
      const hash = entryHash({ ...e, payload, prevHash });
      await trx('journal_entries').where({ chain: 'main', seq: e.seq }).update({ payload, prev_hash: prevHash, hash });
      prevHash = hash;
    }
  });
}

describe('a rewritten history', () => {
  it('a superuser who rewrites an entry and rebuilds the tree is refused a signature; re-signing after deleting the checkpoints is exposed by a saved checkpoint', async () => {
    const origin = originFor((await siteOf(s.ctx)).id);
    await addEntries(knex, 3, 'c');
    const saved = (await newCheckpoint()).body; // the depositor keeps this one off the server
    const savedRoot = b(saved.rootHash);
    expect(hasValidSignature(parseNote(saved.note), verifierFor(origin, s.ctx.secrets.signing.publicKey))).toBe(true);

    await rewriteJournal(knex, 4);
    await addEntries(knex, 2, 'd');
    // The tree built so far still holds the old leaves: the new entries extend it, and the
    // rewritten ones are found by verify (the stored tree's root is no longer the journal's).
    await buildTree(knex);
    const v = await verifyJournal(knex, s.ctx.secrets.signing);
    expect(v.ok).toBe(false);
    expect(!v.ok && v.firstBadEntry.reason).toBe('tree_mismatch');

    // The attacker rebuilds the tree from the rewritten journal: the server refuses to sign a
    // checkpoint inconsistent with the one it signed before.
    await resetTree(knex);
    await buildTree(knex);
    await expect(signTlogCheckpoint(knex, s.ctx.secrets.signing, origin)).rejects.toThrow(CheckpointRefusedError);
    const refused = await request(s.url).post('/api/journal/tlog/checkpoints').set('Authorization', `Bearer ${token}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('checkpoint_refused');

    // … so the attacker also deletes the stored checkpoints and signs again with the server's key.
    await knex.transaction(async (trx) => {
      await trx.raw('SET LOCAL session_replication_role = replica');
      await trx('journal_tlog_checkpoints').delete();
    });
    const resigned = await signTlogCheckpoint(knex, s.ctx.secrets.signing, origin);
    expect(resigned).not.toBeNull();
    // The new checkpoint verifies with the log key alone (why witnesses come next, item 5) …
    expect(hasValidSignature(parseNote(resigned!.note), verifierFor(origin, s.ctx.secrets.signing.publicKey))).toBe(true);
    // … but no consistency proof leads from the saved checkpoint to it.
    const res = await request(s.url).get(`/api/journal/proof/consistency?from=${saved.treeSize}&to=${resigned!.size}`);
    expect(res.status).toBe(200);
    expect(verifyConsistency(saved.treeSize, resigned!.size, savedRoot, resigned!.root, res.body.proof.map(b))).toBe(false);
    // And `verify` with the saved checkpoint names the rewrite, at the saved size.
    const withSaved = await verifyJournal(knex, s.ctx.secrets.signing, { external: { checkpoints: [], publicKey: s.ctx.secrets.signing.publicKey, trees: [{ size: saved.treeSize, root: savedRoot, what: 'The saved checkpoint' }] } });
    expect(withSaved.ok).toBe(false);
    expect(!withSaved.ok && withSaved.firstBadEntry).toMatchObject({ reason: 'tree_mismatch', seq: saved.treeSize });
  });
});

describe('several servers', () => {
  it('writing and building at once, they build one tree and sign one consistent checkpoint sequence', async () => {
    // Two application contexts on one database (PostgreSQL: a pool each); on the embedded
    // database, one context's concurrent calls (the same locks are taken).
    const servers: AppContext[] = usingPostgres ? [s.ctx, await openSibling(s.ctx)] : [s.ctx, s.ctx];
    // A fresh, honest history for this test: the previous test rewrote the journal on purpose.
    await knex.transaction(async (trx) => {
      await trx.raw('SET LOCAL session_replication_role = replica');
      await trx('journal_tlog_checkpoints').delete();
    });
    await resetTree(knex);
    const origin = originFor((await siteOf(s.ctx)).id);
    try {
      const work = servers.map(async (app, n) => {
        for (let round = 0; round < 6; round++) {
          await addEntries(app.db.knex, 3, `srv${n}-${round}`);
          await buildTree(app.db.knex, { batch: 4 });
          await signTlogCheckpoint(app.db.knex, app.secrets.signing, origin);
        }
      });
      await Promise.all(work);
      await buildTree(knex);
      await signTlogCheckpoint(knex, s.ctx.secrets.signing, origin);
    } finally {
      if (servers[1] !== s.ctx) await servers[1]!.db.close();
    }
    const tree = await treeState(knex);
    const hashes = (await knex('journal_entries').where({ chain: 'main' }).orderBy('seq').select('hash')) as Array<{ hash: string }>;
    expect(tree.size).toBe(hashes.length);
    const range = new CompactRange();
    for (const h of hashes) range.append(leafHashOfEntry(h.hash));
    expect(tree.root.equals(range.root())).toBe(true);
    // One sequence: sizes grow with every checkpoint, and each is consistent with the one before.
    const cps = (await knex('journal_tlog_checkpoints').where({ origin }).orderBy('id').select('tree_size', 'root_hash')) as Array<{ tree_size: string; root_hash: Buffer }>;
    expect(cps.length).toBeGreaterThan(1);
    for (let i = 1; i < cps.length; i++) {
      const [a, c] = [cps[i - 1]!, cps[i]!];
      expect(Number(c.tree_size)).toBeGreaterThan(Number(a.tree_size));
      const p = await proveConsistency(knex, Number(a.tree_size), Number(c.tree_size));
      expect(verifyConsistency(Number(a.tree_size), Number(c.tree_size), Buffer.from(a.root_hash), Buffer.from(c.root_hash), p.proof)).toBe(true);
    }
    expect(Number(cps[cps.length - 1]!.tree_size)).toBe(hashes.length);
    expect((await latestTlogCheckpoint(knex, origin))!.root.equals(range.root())).toBe(true);
  }, 60_000);
});

describe('the tree worker', () => {
  it('catches the tree up with the journal and signs a checkpoint, at most every TLOG_CHECKPOINT_SECONDS', async () => {
    const origin = originFor((await siteOf(s.ctx)).id);
    await addEntries(knex, 4, 'w');
    const worker = tlogWorker(s.ctx, 1, async () => origin);
    try {
      const head = Number((await knex('journal_entries').where({ chain: 'main' }).max('seq as m').first())!.m);
      await expect.poll(async () => (await latestTlogCheckpoint(knex, origin))?.size, { timeout: 15_000, interval: 200 }).toBe(head);
      expect((await treeState(knex)).size).toBe(head);
      expect(worker.health?.().state).toBe('running');
    } finally {
      await worker.stop();
    }
    // The interval is read from the database: a checkpoint younger than it is not followed by another.
    await addEntries(knex, 1, 'w2');
    await buildTree(knex);
    expect(await signTlogCheckpoint(knex, s.ctx.secrets.signing, origin, { minAgeSeconds: 3600 })).toBeNull();
    expect(await signTlogCheckpoint(knex, s.ctx.secrets.signing, origin, { minAgeSeconds: 0 })).not.toBeNull();
  }, 30_000);
});

describe('a damaged tree', () => {
  it('is never signed: the stored root must match the tiles', async () => {
    const origin = originFor((await siteOf(s.ctx)).id);
    await addEntries(knex, 1, 'e');
    await buildTree(knex);
    await knex('journal_tree').where({ id: 1 }).update({ root_hash: crypto.randomBytes(32) });
    await expect(signTlogCheckpoint(knex, s.ctx.secrets.signing, origin)).rejects.toThrow(/does not match its tiles/);
  });
});

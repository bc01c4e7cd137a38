// Interoperability (issue 19): Go's own implementation checks what Tachiai serves —
// golang.org/x/mod/sumdb/note opens our signed checkpoint with our vkey, and
// golang.org/x/mod/sumdb/tlog recomputes the tree from the journal's entry hashes and checks our
// inclusion and consistency proofs (test/go/tlogcheck/main.go). Built offline with Debian's
// golang-go and golang-golang-x-mod-dev (GOPATH mode); CI installs both (.ci/run). Skipped, with
// the reason said, only where `go` is not installed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { appendJournal } from '../../server/journal/journal.js';
import { verifierFor } from '../../server/journal/note.js';
import { newEd25519Pem, signingKeysFromPem } from '../../server/secrets.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const PROGRAM = path.join(ROOT, 'test', 'go', 'tlogcheck', 'main.go');
const GOPATH = '/usr/share/gocode';
const hasGo = spawnSync('go', ['version']).status === 0;
const hasXmod = fs.existsSync(path.join(GOPATH, 'src', 'golang.org', 'x', 'mod', 'sumdb', 'tlog', 'tlog.go'));
const reason = !hasGo ? 'go is not installed (apt-get install golang-go golang-golang-x-mod-dev)' : !hasXmod ? `golang.org/x/mod is not under ${GOPATH} (apt-get install golang-golang-x-mod-dev)` : null;
if (reason && process.env.CI) throw new Error(`CI must run the Go interoperability test: ${reason}`);

let s: TestServer;
let token: string;
const goCache = fs.mkdtempSync(path.join(os.tmpdir(), 'tachiai-gocache-'));

function runGo(input: unknown): { status: number | null; out: string } {
  const r = spawnSync('go', ['run', PROGRAM], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    timeout: 180_000,
    env: { ...process.env, GO111MODULE: 'off', GOPATH, GOFLAGS: '', GOCACHE: goCache, GOTOOLCHAIN: 'local', GOPROXY: 'off' },
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

beforeAll(async () => {
  s = await startTestServer({ scryptCost: 1024 });
  token = await s.adminToken();
});
afterAll(async () => {
  await s?.close();
  fs.rmSync(goCache, { recursive: true, force: true });
});

describe.skipIf(reason !== null)(`Go's sumdb/note and sumdb/tlog${reason ? ` (skipped: ${reason})` : ''}`, () => {
  it('verify our checkpoint note, our tree root and our proofs; and refuse them altered', async () => {
    const knex = s.ctx.db.knex;
    for (let i = 0; i < 300; i++) {
      await knex.transaction((trx) => appendJournal(trx, { actor: 'test', action: 'test.event', subject: `go:${i}`, payload: { i } }));
    }
    const first = (await request(s.url).post('/api/journal/tlog/checkpoints').set('Authorization', `Bearer ${token}`)).body;
    for (let i = 0; i < 40; i++) {
      await knex.transaction((trx) => appendJournal(trx, { actor: 'test', action: 'test.event', subject: `go:b${i}`, payload: { i } }));
    }
    const made = await request(s.url).post('/api/journal/tlog/checkpoints').set('Authorization', `Bearer ${token}`);
    expect(made.status).toBe(201);
    const size = made.body.treeSize as number;
    const { vkey } = (await request(s.url).get('/api/journal/tlog')).body;
    const checkpoint = (await request(s.url).get('/checkpoint')).text;
    const entryHashes = ((await knex('journal_entries').where({ chain: 'main' }).orderBy('seq').select('hash')) as Array<{ hash: string }>).map((r) => r.hash);

    const inclusion = [];
    for (const seq of [1, 2, 3, 100, 256, 257, 300, size - 1, size]) {
      const p = (await request(s.url).get(`/api/journal/proof/inclusion?seq=${seq}&size=${size}`).set('Authorization', `Bearer ${token}`)).body;
      inclusion.push({ index: p.index, size: p.treeSize, leafHash: p.leafHash, rootHash: p.rootHash, proof: p.proof });
    }
    const small = (await request(s.url).get(`/api/journal/proof/inclusion?seq=5&size=7`).set('Authorization', `Bearer ${token}`)).body;
    inclusion.push({ index: small.index, size: small.treeSize, leafHash: small.leafHash, rootHash: small.rootHash, proof: small.proof });
    const consistency = [];
    for (const [from, to] of [[first.treeSize, size], [1, size], [7, 8], [255, 257], [256, size], [size, size]] as Array<[number, number]>) {
      const p = (await request(s.url).get(`/api/journal/proof/consistency?from=${from}&to=${to}`)).body;
      consistency.push({ from: p.from, to: p.to, fromRoot: p.fromRoot, toRoot: p.toRoot, proof: p.proof });
    }

    const input = { vkey, checkpoint, entryHashes, inclusion, consistency };
    const ok = runGo(input);
    expect(ok.out).toMatch(/^OK: note verified/m);
    expect(ok.status).toBe(0);

    // Go refuses what is altered: another root in the note (its signature breaks), a proof hash flipped.
    const forgedNote = checkpoint.replace(made.body.rootHash, first.rootHash);
    const bad1 = runGo({ ...input, checkpoint: forgedNote });
    expect(bad1.status).toBe(1);
    expect(bad1.out).toMatch(/note.Open/);
    const flipped = structuredClone(inclusion);
    flipped[3]!.proof[0] = Buffer.from(Buffer.from(flipped[3]!.proof[0]!, 'base64').map((x, i) => (i === 0 ? x ^ 1 : x))).toString('base64');
    const bad2 = runGo({ ...input, inclusion: flipped });
    expect(bad2.status).toBe(1);
    expect(bad2.out).toMatch(/inclusion of 99/);
    const wrongRoot = structuredClone(consistency);
    wrongRoot[0]!.fromRoot = made.body.rootHash;
    const bad3 = runGo({ ...input, consistency: wrongRoot });
    expect(bad3.status).toBe(1);
    expect(bad3.out).toMatch(/consistency/);
  }, 240_000);

  it('open a checkpoint signed by two keys during a key rotation (issue 19, item 6b) with either vkey', async () => {
    const knex = s.ctx.db.knex;
    const keys = s.ctx.secrets.signing;
    keys.next = signingKeysFromPem(newEd25519Pem()); // as `rotate-key --begin` gives every server
    try {
      await knex.transaction((trx) => appendJournal(trx, { actor: 'test', action: 'test.event', subject: 'go:rotation', payload: {} }));
      expect((await request(s.url).post('/api/journal/tlog/checkpoints').set('Authorization', `Bearer ${token}`)).status).toBe(201);
      const checkpoint = (await request(s.url).get('/checkpoint')).text;
      const entryHashes = ((await knex('journal_entries').where({ chain: 'main' }).orderBy('seq').select('hash')) as Array<{ hash: string }>).map((r) => r.hash);
      const origin = (await request(s.url).get('/api/journal/tlog')).body.origin as string;
      expect(checkpoint.split('\n').filter((l) => l.startsWith(`— ${origin} `))).toHaveLength(2);
      for (const key of [keys, keys.next]) {
        const r = runGo({ vkey: verifierFor(origin, key.publicKey).vkey, checkpoint, entryHashes, inclusion: [], consistency: [] });
        expect(r.out).toMatch(/^OK: note verified/m);
        expect(r.status).toBe(0);
      }
      // A third key it was not signed by: Go refuses the note.
      const other = runGo({ vkey: verifierFor(origin, signingKeysFromPem(newEd25519Pem()).publicKey).vkey, checkpoint, entryHashes, inclusion: [], consistency: [] });
      expect(other.status).toBe(1);
      expect(other.out).toMatch(/note.Open/);
    } finally {
      delete keys.next;
    }
  }, 240_000);
});

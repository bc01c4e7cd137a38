// The witness (issue 19, item 5) answers as c2sp.org/tlog-witness says, over HTTP: it cosigns a
// log's checkpoint (cosignature/v1, verifiable with its vkey) only with a valid consistency proof
// from the last one it cosigned; 409 with the size it knows (text/x.tlog.size) when the old size is
// not that; 422 for a proof that does not verify (a fork) or another root at the same size (a
// rewrite); 404 unknown log; 403 no valid log signature; 400 malformed or oversized — its state
// unchanged by every refusal, and never rolled back by concurrent requests.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCheckpoint, parseNote, signNote, validCosignatureTime, verifierFor } from '../../server/journal/note.js';
import { consistencyProof, leafHash, nodeHash, treeRoot, type NodeReader } from '../../server/journal/tlog.js';
import { Witness, witnessVerifier } from '../../server/journal/witness.js';
import { startWitnessServer, type RunningWitness } from '../../server/journal/witness-server.js';
import { ConfigError, loadConfig } from '../../server/config.js';

const ORIGIN = 'tachiai/test-site/journal';
const logKey = crypto.generateKeyPairSync('ed25519');
const witnessKey = crypto.generateKeyPairSync('ed25519');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tachiai-witness-'));
const stateFile = path.join(dir, 'state.json');
let witness: Witness;
let server: RunningWitness;

function readerOver(leaves: Buffer[]): NodeReader {
  const mth = (lo: number, hi: number): Buffer => {
    if (hi - lo === 1) return leaves[lo]!;
    let k = 1;
    while (k * 2 < hi - lo) k *= 2;
    return nodeHash(mth(lo, lo + k), mth(lo + k, hi));
  };
  return (level, index) => mth(index * 2 ** level, (index + 1) * 2 ** level);
}
const honest = Array.from({ length: 40 }, (_, i) => leafHash(Buffer.from(`entry ${i}`)));
const forked = honest.map((l, i) => (i === 3 ? leafHash(Buffer.from('rewritten')) : l));
const checkpoint = (leaves: Buffer[], size: number, key = logKey.privateKey, origin = ORIGIN) => signNote(formatCheckpoint({ origin, size, root: treeRoot(size, readerOver(leaves)) }), origin, key);
const body = (old: number, proof: Buffer[], note: string) => `old ${old}\n${proof.map((h) => `${h.toString('base64')}\n`).join('')}\n${note}`;
const proofOf = (leaves: Buffer[], from: number, to: number) => (from === 0 || from === to ? [] : consistencyProof(from, to, readerOver(leaves)));

async function post(text: string | Buffer) {
  const res = await fetch(`${server.url}/add-checkpoint`, { method: 'POST', body: typeof text === 'string' ? text : new Uint8Array(text) });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

beforeAll(async () => {
  witness = new Witness({ name: 'witness.example.jp/depositor', privateKey: witnessKey.privateKey, logs: new Map([[ORIGIN, [verifierFor(ORIGIN, logKey.publicKey)]]]), stateFile });
  server = await startWitnessServer(witness);
});
afterAll(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('tlog-witness add-checkpoint', () => {
  it('cosigns the first checkpoint from old 0, and the next with a consistency proof', async () => {
    const first = checkpoint(honest, 10);
    const a = await post(body(0, [], first));
    expect(a.status).toBe(200);
    const wv = witnessVerifier('witness.example.jp/depositor', witnessKey.publicKey);
    expect(validCosignatureTime(parseNote(first + a.text), wv)).toBeGreaterThan(1_700_000_000);
    expect(witness.state()[ORIGIN]!.size).toBe(10);

    const second = checkpoint(honest, 25);
    const b = await post(body(10, proofOf(honest, 10, 25), second));
    expect(b.status).toBe(200);
    expect(validCosignatureTime(parseNote(second + b.text), wv)).not.toBeNull();
    // A cosignature is for that checkpoint only.
    expect(validCosignatureTime(parseNote(first + b.text), wv)).toBeNull();
    expect(witness.state()[ORIGIN]).toEqual({ size: 25, root: treeRoot(25, readerOver(honest)).toString('base64') });
  });

  it('409 with the size it knows when the old size is not its size', async () => {
    const res = await post(body(10, proofOf(honest, 10, 30), checkpoint(honest, 30)));
    expect(res.status).toBe(409);
    expect(res.type).toBe('text/x.tlog.size');
    expect(res.text).toBe('25\n');
  });

  it('422 for a fork (a rewritten entry) and for another root at the same size; the state is unchanged', async () => {
    const fork = await post(body(25, proofOf(forked, 25, 30), checkpoint(forked, 30)));
    expect(fork.status).toBe(422);
    const same = await post(body(25, [], checkpoint(forked, 25)));
    expect(same.status).toBe(422);
    // A rollback: a smaller tree than the one cosigned is not consistent from it.
    const back = await post(body(25, [], checkpoint(honest, 20)));
    expect(back.status).toBe(400);
    expect(witness.state()[ORIGIN]!.size).toBe(25);
  });

  it('404 unknown log, 403 without a valid signature of the log, 400 malformed or oversized', async () => {
    const other = crypto.generateKeyPairSync('ed25519');
    expect((await post(body(0, [], checkpoint(honest, 5, other.privateKey, 'example.com/other')))).status).toBe(404);
    expect((await post(body(25, proofOf(honest, 25, 30), checkpoint(honest, 30, other.privateKey)))).status).toBe(403);
    const good = checkpoint(honest, 30);
    const tampered = good.replace(/\n(\d+)\n/, '\n31\n');
    expect((await post(body(25, proofOf(honest, 25, 30), tampered))).status).toBe(403);
    for (const bad of ['', 'old 25\n', 'old x\n\n' + good, 'old 025\n\n' + good, `old 25\nnot-base64\n\n${good}`, `old 25\n\nnot a note\n`]) {
      expect((await post(bad)).status, JSON.stringify(bad)).toBe(400);
    }
    expect((await post(Buffer.alloc(200_000, 0x41))).status).toBe(400);
    expect((await fetch(`${server.url}/add-checkpoint`)).status).toBe(404);
    expect(witness.state()[ORIGIN]!.size).toBe(25);
  });

  it('concurrent requests never roll the state back', async () => {
    const answers = await Promise.all([post(body(25, proofOf(honest, 25, 30), checkpoint(honest, 30))), post(body(25, proofOf(honest, 25, 40), checkpoint(honest, 40)))]);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(1);
    const size = witness.state()[ORIGIN]!.size;
    expect([30, 40]).toContain(size);
    // The state survives a restart of the witness (it was written before the answer).
    const again = new Witness({ ...witness.config });
    expect(again.state()[ORIGIN]!.size).toBe(size);
  });
});

describe('WITNESSES', () => {
  it('is "<URL prefix> <vkey>", several separated by ";" or new lines; anything else stops the start', () => {
    const v1 = witnessVerifier('witness.example.jp/a', crypto.generateKeyPairSync('ed25519').publicKey).vkey;
    const v2 = witnessVerifier('witness.example.jp/b', crypto.generateKeyPairSync('ed25519').publicKey).vkey;
    const env = { DATA_DIR: dir };
    expect(loadConfig(env).witnesses).toEqual([]);
    expect(loadConfig({ ...env, WITNESSES: `https://w.example.jp/a/ ${v1}; http://10.0.0.5:3080 ${v2}\n` }).witnesses).toEqual([
      { url: 'https://w.example.jp/a', vkey: v1 },
      { url: 'http://10.0.0.5:3080', vkey: v2 },
    ]);
    for (const bad of [v1, `https://w.example.jp ${v1.replace(/\+[0-9a-f]{8}\+/, '+xyz+')}`, `ftp://w.example.jp ${v1}`, 'https://w.example.jp']) {
      expect(() => loadConfig({ ...env, WITNESSES: bad }), bad).toThrow(ConfigError);
    }
  });
});

// The journal's witness alarm on the compliance view (issue 19, item 5): a witness (a real one,
// in process, over HTTP) that refused a checkpoint as a rollback shows as an alarm line above the
// clauses, read through the compliance module's read model; `tachiai new-epoch` (item 6a) answers
// it and the line goes.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { freePort } from '../helpers/cli.js';
import { appendJournal } from '../../server/journal/journal.js';
import { SIG_COSIGNATURE_V1, verifierFor } from '../../server/journal/note.js';
import { Witness } from '../../server/journal/witness.js';
import { startWitnessServer, type RunningWitness } from '../../server/journal/witness-server.js';
import { buildTree, resetTree } from '../../server/journal/tree.js';
import { signTlogCheckpoint } from '../../server/journal/tlog-checkpoints.js';
import { sendToWitnesses } from '../../server/journal/witness-client.js';
import { firstLogOriginOf, logOriginOf } from '../../server/system/site.js';
import { startNewEpoch } from '../../server/notices/service.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tachiai-compliance-witness-'));
const witnessName = 'witness.example.jp/depositor';
const witnessKey = crypto.generateKeyPairSync('ed25519');
let s: TestServer;
let token: string;
let witness: RunningWitness;

const add = (n: number, tag: string) =>
  (async () => {
    for (let i = 0; i < n; i++) await s.ctx.db.knex.transaction((trx) => appendJournal(trx, { actor: 'test', action: 'test.event', subject: `c:${tag}-${i}`, payload: { i } }));
  })();

async function alarms() {
  const res = await request(s.url).get('/api/compliance').set('Authorization', `Bearer ${token}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.alarms as Array<{ code: string; witness: string | null; origin: string | null; message: string; at: string | null; ja: string; en: string }>;
}

beforeAll(async () => {
  const port = await freePort();
  s = await startTestServer({ scryptCost: 1024, witnesses: [{ url: `http://127.0.0.1:${port}`, vkey: verifierFor(witnessName, witnessKey.publicKey, SIG_COSIGNATURE_V1).vkey }] });
  token = await s.adminToken();
  const origin = await logOriginOf(s.ctx);
  const logs = new Map([[origin, [verifierFor(origin, s.ctx.secrets.signing.publicKey)]]]);
  witness = await startWitnessServer(new Witness({ name: witnessName, privateKey: witnessKey.privateKey, logs, stateFile: path.join(dir, 'state.json') }), { host: '127.0.0.1', port });
}, 60_000);
afterAll(async () => {
  await witness?.close();
  await s?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the compliance view and the witnesses', () => {
  it('no alarm line while the witness cosigns', async () => {
    await add(3, 'a');
    expect((await request(s.url).post('/api/journal/tlog/checkpoints').set('Authorization', `Bearer ${token}`)).status).toBe(201);
    expect((await request(s.url).get('/api/journal/tlog')).body.witnesses).toMatchObject([{ status: 'cosigned' }]);
    expect(await alarms()).toEqual([]);
  });

  it('a witness refusing a rolled-back journal is an alarm line, until a new epoch answers it', async () => {
    const origin = await logOriginOf(s.ctx);
    const knex = s.ctx.db.knex;
    await knex.transaction(async (trx) => {
      await trx.raw('SET LOCAL session_replication_role = replica');
      await trx('journal_entries').where({ chain: 'main' }).andWhere('seq', '>', 2).delete();
      await trx('journal_tlog_cosignatures').delete();
      await trx('journal_tlog_checkpoints').delete();
    });
    await resetTree(knex);
    await add(1, 'b');
    await buildTree(knex);
    await signTlogCheckpoint(knex, s.ctx.secrets.signing, origin);
    expect(await sendToWitnesses(knex, origin, s.ctx.config.witnesses)).toMatchObject([{ status: 'alarm' }]);

    const lines = await alarms();
    expect(lines).toMatchObject([{ code: 'witness_alarm', witness: witnessName, origin, at: expect.any(String) }]);
    expect(lines[0]!.message).toMatch(/rolled back/);
    expect(lines[0]!.ja).toContain(witnessName);
    // The clause rows are there as before.
    expect((await request(s.url).get('/api/compliance').set('Authorization', `Bearer ${token}`)).body.rows.length).toBeGreaterThan(10);

    await startNewEpoch(s.ctx, await firstLogOriginOf(s.ctx), { actor: 'test' });
    expect(await alarms()).toEqual([]);
    // A second epoch: the next origin; a retired witness row stays as it was.
    const e3 = await startNewEpoch(s.ctx, await firstLogOriginOf(s.ctx), { actor: 'test' });
    expect(e3.origin).toBe(`${origin}/e3`);
    expect(await logOriginOf(s.ctx)).toBe(e3.origin);
    const retired = (await knex('journal_witnesses').where({ origin }).first('status', 'message')) as { status: string; message: string };
    expect(retired.status).toBe('retired');
    expect(retired.message.match(/Retired by epoch/g)).toHaveLength(1);
  }, 60_000);
});

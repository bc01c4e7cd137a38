// A destruction certificate's proof file (issue 19, items 3 and 4): the public check, opened with
// the certificate's check code, links a c2sp.org/tlog-proof file; without the code, or for a
// number that does not exist, there is none (404 alike: nothing can be enumerated). The file
// verifies offline with `tachiai verify-proof FILE --key LOG_KEY` — no database, no network —
// with the vkey or the PEM public key, printing the certificate's facts; it fails, exit 1, with
// another key, an altered record, an altered entry, a proof for another tree, or a witness that
// did not cosign.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { custodySite, type CustodySite, type SitePerson } from '../helpers/custody.js';
import { start } from '../helpers/cli.js';
import { parseProofFile, PROOF_MAGIC, verifyProofFile } from '../../server/journal/proof-file.js';
import { parseVkey, verifierFor, SIG_COSIGNATURE_V1 } from '../../server/journal/note.js';
import { verifyInclusion } from '../../server/journal/tlog.js';

let s: TestServer;
let site: CustodySite;
let performer: SitePerson;
let responsible: SitePerson;
let dir: string;
let vkey: string;
let pemFile: string;

beforeAll(async () => {
  s = await startTestServer({ scryptCost: 1024, publicUrl: 'https://tachiai.example.jp' });
  site = await custodySite(s);
  performer = await site.person('廃棄 実施者', ['staff']);
  responsible = await site.person('田中 責任', ['responsible']);
  for (const p of [performer, responsible]) await site.enter(p);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tachiai-proof-'));
  vkey = (await request(s.url).get('/api/journal/tlog')).body.vkey;
  pemFile = path.join(dir, 'log.pem');
  fs.writeFileSync(pemFile, (await request(s.url).get('/api/signing-key')).body.publicKeyPem);
}, 60_000);
afterAll(async () => {
  await s?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function destroyed(label: string) {
  const m = await site.medium(label, { kind: 'hdd' });
  const d = await site.ok('post', '/api/destructions', { mediaIds: [m.id], method: 'physical', securityLevel: 'H-5', performedById: performer.id, witnesses: [site.signer(responsible)], roomId: site.roomId }, 201);
  const page = (await site.call('get', d.certificateUrl)).text;
  const code = /class="check-code">([A-Za-z0-9_-]{22})</.exec(page)![1]!;
  return { m, d, code };
}

async function verifyProof(args: string[]) {
  // No DATABASE_URL, no DATA_DIR: the command needs neither.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  return start(['verify-proof', ...args], env).done;
}

const write = (name: string, text: string) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
};

describe('the proof file of a certificate', () => {
  let file: string;
  let text: string;
  let certificateNo: string;

  it('is linked from the public check opened with the check code, and given only with that code', async () => {
    const { d, code } = await destroyed('PF-HDD-1');
    certificateNo = d.certificateNo;
    const page = await request(s.url).get(`/verify/${certificateNo}?c=${code}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`/verify/${certificateNo}/proof?c=${code}`);
    // Without the code, the page offers no proof file.
    expect((await request(s.url).get(`/verify/${certificateNo}`)).text).not.toContain('/proof');

    const res = await request(s.url).get(`/verify/${certificateNo}/proof?c=${code}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="${certificateNo}.tlog-proof"`);
    expect(res.headers['cache-control']).toBe('no-store');
    text = res.text;
    expect(text.startsWith(`${PROOF_MAGIC}\nextra `)).toBe(true);
    file = write(`${certificateNo}.tlog-proof`, text);

    // Not enumerable: a wrong code, a number that does not exist, a malformed number — the same 404.
    const answers = await Promise.all([
      request(s.url).get(`/verify/${certificateNo}/proof?c=${'A'.repeat(22)}`),
      request(s.url).get(`/verify/2099-000001/proof?c=${code}`),
      request(s.url).get(`/verify/not-a-number/proof?c=${code}`),
    ]);
    for (const a of answers) {
      expect(a.status).toBe(404);
      expect(a.body).toEqual(answers[0]!.body);
    }
    expect((await request(s.url).get(`/verify/${certificateNo}/proof`)).status).toBe(400);
  });

  it('holds the entry, the record and an inclusion proof that verifies against the signed checkpoint', async () => {
    const parsed = parseProofFile(text);
    const extra = JSON.parse(parsed.extra!.toString('utf8'));
    expect(extra.entry.action).toBe('destructions.recorded');
    expect(parsed.index).toBe(extra.entry.seq - 1);
    expect(JSON.parse(extra.record.content).certificateNo).toBe(certificateNo);
    const check = verifyProofFile(text, { kind: 'vkey', verifier: parseVkey(vkey) });
    expect(check.steps.filter((s) => !s.ok)).toEqual([]);
    expect(check.ok).toBe(true);
    expect(check.checkpoint!.size).toBeGreaterThanOrEqual(extra.entry.seq);
    // The checkpoint in the file is the one the log serves (made on demand).
    expect((await request(s.url).get('/checkpoint')).text).toBe(parsed.note);
    expect(verifyInclusion(parsed.index, check.checkpoint!.size, Buffer.from(check.checkpoint!.root), [Buffer.alloc(32)], check.checkpoint!.root)).toBe(false);
  });

  it('verify-proof checks it offline with the vkey or the PEM key, and prints the facts to compare with the paper', async () => {
    const withVkey = await verifyProof([file, '--key', vkey]);
    expect(withVkey.stderr).toBe('');
    expect(withVkey.code).toBe(0);
    expect(withVkey.stdout).toContain(`廃棄証明書 Destruction certificate ${certificateNo}`);
    expect(withVkey.stdout).toContain('PF-HDD-1');
    expect(withVkey.stdout).toContain('株式会社預託元');
    expect(withVkey.stdout).toContain('田中 責任');
    expect(withVkey.stdout).toMatch(/Performed at: +\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} \(Asia\/Tokyo\)/);
    expect(withVkey.stdout).toMatch(/^OK: the proof file is valid/m);
    const vkeyFile = write('log.vkey', `${vkey}\n`);
    expect((await verifyProof([file, '--key', vkeyFile])).code).toBe(0);
    expect((await verifyProof([file, '--key', pemFile])).code).toBe(0);
  });

  it('verify-proof fails, exit 1, with another key, an altered record or entry, a proof of another tree, or a missing witness cosignature', async () => {
    const other = crypto.generateKeyPairSync('ed25519').publicKey;
    const origin = parseVkey(vkey).name;
    const wrongKey = await verifyProof([file, '--key', verifierFor(origin, other).vkey]);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stdout).toMatch(/does NOT carry a valid signature/);
    const otherLog = await verifyProof([file, '--key', verifierFor('example.com/other-log', other).vkey]);
    expect(otherLog.code).toBe(1);
    expect(otherLog.stdout).toMatch(/not of "example.com\/other-log"/);

    const parsed = parseProofFile(text);
    const extra = JSON.parse(parsed.extra!.toString('utf8'));
    const rewrap = (e: unknown, proofLines = parsed.proof) =>
      `${PROOF_MAGIC}\nextra ${Buffer.from(JSON.stringify(e)).toString('base64')}\nindex ${parsed.index}\n${proofLines.map((h) => `${h.toString('base64')}\n`).join('')}\n${parsed.note}`;

    // The record's content altered (another medium label): its hash no longer matches.
    const record = { ...extra.record, content: extra.record.content.replace('PF-HDD-1', 'PF-HDD-9') };
    const altered = await verifyProof([write('altered-record.tlog-proof', rewrap({ ...extra, record })), '--key', vkey]);
    expect(altered.code).toBe(1);
    expect(altered.stdout).toMatch(/does NOT hash to the hash it names/);
    // … and with its hash recomputed, the journal entry names another hash.
    const rehashed = { ...record, contentHash: crypto.createHash('sha256').update(record.content).digest('hex') };
    const renamed = await verifyProof([write('rehashed.tlog-proof', rewrap({ ...extra, record: rehashed })), '--key', vkey]);
    expect(renamed.code).toBe(1);
    expect(renamed.stdout).toMatch(/names ANOTHER record or hash/);
    // The entry altered: it no longer hashes to its hash; or, with its hash recomputed, it is not in the tree.
    const entry = { ...extra.entry, actor: 'someone-else' };
    const alteredEntry = await verifyProof([write('altered-entry.tlog-proof', rewrap({ ...extra, entry })), '--key', vkey]);
    expect(alteredEntry.code).toBe(1);
    expect(alteredEntry.stdout).toMatch(/does NOT hash/);
    const { entryHash } = await import('../../server/journal/journal.js');
    const forged = { ...entry, hash: entryHash({ ...entry, at: new Date(entry.at) }) };
    const notIncluded = await verifyProof([write('forged-entry.tlog-proof', rewrap({ ...extra, entry: forged })), '--key', vkey]);
    expect(notIncluded.code).toBe(1);
    expect(notIncluded.stdout).toMatch(/inclusion proof does NOT lead/);
    // A proof line flipped.
    const flipped = parsed.proof.map((h, i) => (i === 0 ? Buffer.from(h.map((x, j) => (j === 0 ? x ^ 1 : x))) : h));
    expect((await verifyProof([write('flipped.tlog-proof', rewrap(extra, flipped)), '--key', vkey])).code).toBe(1);

    // A witness the depositor trusts never cosigned this checkpoint (witnesses: issue 19, item 5).
    const witnessKey = crypto.generateKeyPairSync('ed25519').publicKey;
    const witness = verifierFor('witness.example.jp/depositor', witnessKey, SIG_COSIGNATURE_V1).vkey;
    const noCosig = await verifyProof([file, '--key', vkey, '--witness', witness]);
    expect(noCosig.code).toBe(1);
    expect(noCosig.stdout).toMatch(/NO valid cosignature of witness witness.example.jp\/depositor/);

    // A checkpoint whose origin is no key name, checked with the PEM key: refused, not a crash.
    const oddOrigin = text.replace(/\n\n([^\n]+)\n(\d+)\n([A-Za-z0-9+/=]+)\n\n— \S+ /, '\n\nan origin with spaces\n$2\n$3\n\n— x ');
    expect(oddOrigin).not.toBe(text);
    const odd = await verifyProof([write('odd-origin.tlog-proof', oddOrigin), '--key', pemFile]);
    expect(odd.code).toBe(1);
    expect(odd.stdout).toMatch(/not a valid key name/);

    // Not a proof file; a key that is neither; no key: clear messages.
    const junk = await verifyProof([write('junk.txt', 'hello\n'), '--key', vkey]);
    expect(junk.code).toBe(1);
    expect(junk.stdout).toMatch(/not a valid proof file/);
    const noKey = await verifyProof([file]);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/--key/);
    const badKey = await verifyProof([file, '--key', 'not+a+key']);
    expect(badKey.code).toBe(2);
  }, 120_000);
});

describe('the proof file of any signed record (GET /api/records/:id/proof)', () => {
  it('is given for a checkout receipt and a destruction record, with the read permission of its kind, and verifies', async () => {
    const m = await site.medium('PF-REC-1');
    const out = await site.ok('post', `/api/media/${m.id}/checkout`, { personId: performer.id, badge: performer.badge, pin: performer.pin }, 201);
    const res = await site.call('get', `/api/records/${out.record.id}/proof`);
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="record-${out.record.id}.tlog-proof"`);
    const check = verifyProofFile(res.text, { kind: 'vkey', verifier: parseVkey(vkey) });
    expect(check.steps.filter((x) => !x.ok)).toEqual([]);
    expect(check.extra!.entry).toMatchObject({ action: 'records.signed', subject: `record:${out.record.id}` });
    expect(check.extra!.subject).toBe(`signed-record:${check.extra!.record!.kind}`);
    const cli = await verifyProof([write('receipt.tlog-proof', res.text), '--key', vkey]);
    expect(cli.code, cli.stdout).toBe(0);
    expect(cli.stdout).toContain(`署名記録 Signed record ${out.record.id}`);

    const { d } = await destroyed('PF-REC-2');
    const record = await site.call('get', `/api/records/${d.recordId ?? d.record?.id}/proof`);
    expect(record.status).toBe(200);
    expect(verifyProofFile(record.text, { kind: 'vkey', verifier: parseVkey(vkey) }).ok).toBe(true);
    // Staff read checkout records but not destruction records (review finding 8): nor their proofs.
    const staff = await s.createUser({ roles: ['staff'] });
    const staffToken = await s.login(staff);
    expect((await site.call('get', `/api/records/${d.recordId ?? d.record?.id}/proof`, undefined, staffToken)).status).toBe(403);
    expect((await site.call('get', `/api/records/${crypto.randomUUID()}/proof`)).status).toBe(404);
    expect((await request(s.url).get(`/api/records/${out.record.id}/proof`)).status).toBe(401);
  });

  it('is refused (409) for a record changed behind the application, and a proof of one record cannot pass for another', async () => {
    const m = await site.medium('PF-REC-3');
    const out = await site.ok('post', `/api/media/${m.id}/checkout`, { personId: performer.id, badge: performer.badge, pin: performer.pin }, 201);
    const good = (await site.call('get', `/api/records/${out.record.id}/proof`)).text;
    const other = await site.ok('post', `/api/media/${(await site.medium('PF-REC-4')).id}/checkout`, { personId: performer.id, badge: performer.badge, pin: performer.pin }, 201);
    const otherFile = (await site.call('get', `/api/records/${other.record.id}/proof`)).text;
    // The other record put into this one's proof: its hash is not the one this entry names.
    const parsed = parseProofFile(good);
    const extra = JSON.parse(parsed.extra!.toString('utf8'));
    const otherExtra = JSON.parse(parseProofFile(otherFile).extra!.toString('utf8'));
    const swapped = `${PROOF_MAGIC}\nextra ${Buffer.from(JSON.stringify({ ...extra, record: otherExtra.record })).toString('base64')}\nindex ${parsed.index}\n${parsed.proof.map((h) => `${h.toString('base64')}\n`).join('')}\n${parsed.note}`;
    const check = verifyProofFile(swapped, { kind: 'vkey', verifier: parseVkey(vkey) });
    expect(check.ok).toBe(false);
    expect(check.steps.at(-1)!.what).toMatch(/names ANOTHER record/);

    const row = await s.ctx.db.knex('signed_records').where({ id: out.record.id }).first();
    const content = JSON.parse(row.content);
    content.note = 'changed';
    await s.ctx.db.knex('signed_records').where({ id: out.record.id }).update({ content: JSON.stringify(content) });
    const refused = await site.call('get', `/api/records/${out.record.id}/proof`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('record_mismatch');
  });
});

// Security review findings 3, 8 and 12: what is shown or printed as signed is exactly what was
// signed. A plain UPDATE of a destruction's method and date and of a medium's label (no trigger
// bypassed) makes the public check say "does not match", the certificate keeps the signed values
// and says it does not match, and `verify --deep` names the difference; a backup edited the same
// way fails its restore's verification. Renaming a room changes no signed record. Staff cannot
// read destruction records by any route.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { loadConfig } from '../../server/config.js';
import { createBackup, restoreBackup } from '../../server/backup/backup.js';
import { openSealedFile, sealBytes } from '../../server/backup/sealed.js';
import { verifyDeep } from '../../server/integrity/deep-verify.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { custodySite, type CustodySite, type SitePerson } from '../helpers/custody.js';

let s: TestServer;
let site: CustodySite;
let performer: SitePerson;
let responsible: SitePerson;
let holder: SitePerson;
const dirs: string[] = [];

beforeAll(async () => {
  s = await startTestServer({ scryptCost: 1024, publicUrl: 'https://tachiai.example.jp' });
  site = await custodySite(s);
  performer = await site.person('廃棄 実施者', ['staff']);
  responsible = await site.person('田中 責任', ['responsible']);
  holder = await site.person('佐藤 花子', ['staff']);
  for (const p of [performer, responsible, holder]) await site.enter(p);
});
afterAll(async () => {
  await s?.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const knex = () => s.ctx.db.knex;

async function destroyed(label: string) {
  const m = await site.medium(label, { kind: 'hdd' });
  const d = await site.ok('post', '/api/destructions', { mediaIds: [m.id], method: 'physical', securityLevel: 'H-5', performedById: performer.id, witnesses: [site.signer(responsible)], roomId: site.roomId }, 201);
  const page = (await site.call('get', d.certificateUrl)).text;
  const code = /class="check-code">([A-Za-z0-9_-]{22})</.exec(page)![1]!;
  return { m, d, code };
}

describe('finding 12: a signed record shows the names as they were when it was signed', () => {
  it('renaming the room changes neither the receipt nor the certificate', async () => {
    const { d } = await destroyed('T-ROOM-1');
    const m = await site.medium('T-ROOM-2');
    const out = await site.ok('post', `/api/media/${m.id}/checkout`, { personId: holder.id, badge: holder.badge, pin: holder.pin }, 201);
    const receiptUrl = out.record.receiptUrl as string;
    expect((await site.call('patch', `/api/rooms/${site.roomId}`, { name: '改名後の部屋' })).status).toBe(200);
    const certificate = (await site.call('get', d.certificateUrl)).text;
    expect(certificate).toContain('第1処理室');
    expect(certificate).not.toContain('改名後の部屋');
    const receipt = (await site.call('get', receiptUrl)).text;
    expect(receipt).toContain('第1処理室');
    expect(receipt).not.toContain('改名後の部屋');
  });

  it('a record signed before names were part of its content takes the room name from the journal\'s history', async () => {
    const m = await site.medium('T-ROOM-3');
    const out = await site.ok('post', `/api/media/${m.id}/checkout`, { personId: holder.id, badge: holder.badge, pin: holder.pin }, 201);
    // As records were signed before the security review: no roomName in the content.
    const row = await knex()('signed_records').where({ id: out.record.id }).first();
    const content = JSON.parse(row.content);
    delete content.roomName;
    const { canonicalJson } = await import('../../server/journal/canonical.js');
    const old = canonicalJson(content);
    await knex()('signed_records').where({ id: out.record.id }).update({ content: old });
    expect((await site.call('patch', `/api/rooms/${site.roomId}`, { name: '再改名の部屋' })).status).toBe(200);
    const receipt = (await site.call('get', out.record.receiptUrl)).text;
    expect(receipt).toContain('改名後の部屋'); // its name when the record was signed
    expect(receipt).not.toContain('再改名の部屋');
    await knex()('signed_records').where({ id: out.record.id }).update({ content: row.content });
  });
});

describe('finding 3: rows changed behind the application\'s back', () => {
  it('the public check says "does not match", the certificate keeps the signed values, verify --deep names it', async () => {
    const { m, d, code } = await destroyed('T-EDIT-1');
    expect((await request(s.url).get(`/verify/${d.certificateNo}?format=json`)).body.status).toBe('valid');
    expect(await verifyDeep(knex(), s.ctx.secrets.signing)).toMatchObject({ ok: true });

    // A plain UPDATE, as anyone with the database's password could run it: no trigger bypassed.
    await knex()('destructions').where({ id: d.id }).update({ method: 'shred', performed_at: new Date('2026-01-01T00:00:00Z') });
    await knex()('media').where({ id: m.id }).update({ label: 'T-EDIT-FORGED' });

    const check = await request(s.url).get(`/verify/${d.certificateNo}?c=${code}`);
    expect(check.text).toContain('data-status="mismatch"');
    expect(check.text).not.toContain('T-EDIT-FORGED');
    expect((await request(s.url).get(`/verify/${d.certificateNo}?format=json`)).body.status).toBe('mismatch');

    const certificate = (await site.call('get', d.certificateUrl)).text;
    expect(certificate).toContain('data-status="mismatch"');
    expect(certificate).toContain('T-EDIT-1'); // the label as signed
    expect(certificate).not.toContain('T-EDIT-FORGED');
    expect(certificate).toContain('物理破壊'); // the method as signed

    const deep = await verifyDeep(knex(), s.ctx.secrets.signing);
    expect(deep).toMatchObject({ ok: false, firstDifference: { check: 'destructions', message: expect.stringContaining(d.certificateNo) } });
    const api = await site.ok('get', '/api/journal/verify?deep=true', undefined, 200);
    expect(api).toMatchObject({ ok: false, firstDifference: { check: 'destructions' } });
    // The same check as a progress stream (the audit tab's progress bar): steps, then the result.
    const stream = await site.call('get', '/api/journal/verify?deep=true&format=ndjson');
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const lines = stream.text.trim().split('\n').map((l: string) => JSON.parse(l));
    const total = (await knex()('journal_entries').count({ n: '*' }))[0]!.n;
    expect(lines[0]).toEqual({ type: 'progress', phase: 'journal', checked: 0, total: Number(total) });
    expect(lines.some((l: { phase?: string }) => l.phase === 'signed_records')).toBe(true);
    expect(lines.at(-1)).toMatchObject({ type: 'result', ok: false, firstDifference: { check: 'destructions' } });
    // The journal itself is intact: only the deep check finds this.
    expect((await site.ok('get', '/api/journal/verify', undefined, 200)).ok).toBe(true);

    await knex()('destructions').where({ id: d.id }).update({ method: 'physical', performed_at: new Date(JSON.parse((await knex()('signed_records').where({ id: d.record.id }).first()).content).performedAt) });
    await knex()('media').where({ id: m.id }).update({ label: 'T-EDIT-1' });
    expect(await verifyDeep(knex(), s.ctx.secrets.signing)).toMatchObject({ ok: true });
  });

  it('a record whose content and hash were both rewritten differs from the journal; a signer\'s name rewritten breaks its signature', async () => {
    const { d } = await destroyed('T-EDIT-2');
    const row = await knex()('signed_records').where({ id: d.record.id }).first();
    const content = row.content.replace('T-EDIT-2', 'T-EDIT-X');
    await knex()('signed_records').where({ id: d.record.id }).update({ content, content_hash: crypto.createHash('sha256').update(content).digest('hex') });
    expect((await request(s.url).get(`/verify/${d.certificateNo}?format=json`)).body.status).toBe('mismatch');
    expect(await verifyDeep(knex(), s.ctx.secrets.signing)).toMatchObject({ ok: false, firstDifference: { check: 'signed_records', recordId: d.record.id } });
    await knex()('signed_records').where({ id: d.record.id }).update({ content: row.content, content_hash: row.content_hash });

    await knex()('signatures').where({ record_id: d.record.id }).update({ signer_name: '別人 名義' });
    expect((await request(s.url).get(`/verify/${d.certificateNo}?format=json`)).body.status).toBe('mismatch');
    const receipt = (await site.call('get', `/api/records/${d.record.id}/receipt`)).text;
    expect(receipt).toContain('data-status="mismatch"');
    await knex()('signatures').where({ record_id: d.record.id }).update({ signer_name: '田中 責任' });
    expect((await request(s.url).get(`/verify/${d.certificateNo}?format=json`)).body.status).toBe('valid');
  });

  it('a backup edited the same way fails the restore\'s verification', async () => {
    const { d } = await destroyed('T-BACKUP-1');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tachiai-tamper-'));
    dirs.push(dir);
    const file = path.join(dir, 'site.tbk.gz');
    await createBackup(s.ctx, file);
    // Edit the destruction's method in the file and rebuild its SHA-256, as a forger would.
    const key = s.ctx.secrets.backupKey;
    const lines = zlib.gunzipSync(await openSealedFile(file, key)).toString('utf8').split('\n').filter(Boolean);
    const header = JSON.parse(lines[0]!);
    const columns = header.tables.find((t: { name: string }) => t.name === 'destructions').columns.map((c: { name: string }) => c.name) as string[];
    const edited = lines.map((line, i) => {
      if (i === 0 || i === lines.length - 1) return line;
      const item = JSON.parse(line);
      if (item.table !== 'destructions' || item.values[columns.indexOf('id')] !== d.id) return line;
      item.values[columns.indexOf('method')] = 'shred';
      return JSON.stringify(item);
    });
    const hash = crypto.createHash('sha256');
    for (const line of edited.slice(0, -1)) hash.update(line).update('\n');
    const trailer = JSON.parse(edited[edited.length - 1]!);
    trailer.sha256 = hash.digest('hex');
    trailer.contentBytes = edited.slice(0, -1).reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
    edited[edited.length - 1] = JSON.stringify(trailer);
    const forged = path.join(dir, 'forged.tbk.gz');
    // …and seals it again: a forger who holds the backup key (sealing keeps others out, not the key's holder).
    fs.writeFileSync(forged, await sealBytes(zlib.gzipSync(edited.join('\n') + '\n'), key));

    const target: TestDatabase = await createTestDatabase();
    try {
      const targetDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tachiai-restore-'));
      dirs.push(targetDir);
      const config = loadConfig({ DATA_DIR: targetDir, LOG_LEVEL: 'silent', ...(target.url ? { DATABASE_URL: target.url } : {}) });
      const summary = await restoreBackup(config, forged, { acceptNewKeys: true, backupKey: key });
      expect(summary.verify).toMatchObject({ ok: false, firstDifference: { check: 'destructions', message: expect.stringContaining(d.certificateNo) } });
    } finally {
      await target.drop();
    }
  });
});

describe('finding 8: one read permission per kind of record, whichever route reads it', () => {
  it('staff read checkout records but not destruction records, by any route', async () => {
    const { m, d } = await destroyed('T-READ-1');
    const staff = await s.createUser({ roles: ['staff'] });
    const token = await s.login(staff);
    const as = { authorization: `Bearer ${token}` };
    expect((await request(s.url).get(`/api/destructions/${d.id}`).set(as)).status).toBe(403);
    expect((await request(s.url).get(`/api/records/${d.record.id}`).set(as)).status).toBe(403);
    expect((await request(s.url).get(`/api/records/${d.record.id}/receipt`).set(as)).status).toBe(403);
    const chain = (await request(s.url).get(`/api/media/${m.id}/custody`).set(as)).body;
    const step = chain.steps.find((x: { action: string }) => x.action === 'destroy');
    expect(step.record).toBeNull();
    expect(step.signatures).toEqual([]);
    // a checkout record is theirs to read
    const other = await site.medium('T-READ-2');
    const out = await site.ok('post', `/api/media/${other.id}/checkout`, { personId: holder.id, badge: holder.badge, pin: holder.pin }, 201);
    const recordId = out.record.id as string;
    expect((await request(s.url).get(`/api/records/${recordId}`).set(as)).status).toBe(200);
    // auditors read both
    const auditor = await s.createUser({ roles: ['auditor'] });
    expect((await request(s.url).get(`/api/records/${d.record.id}`).set({ authorization: `Bearer ${await s.login(auditor)}` })).status).toBe(200);
  });
});

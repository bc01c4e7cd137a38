// Backup and restore keep custody and destruction records exact: after a restore into a fresh
// database the journal verifies, every signature still checks offline with the original public
// key, and the public certificate check still says valid.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';
import { createBackup, restoreBackup } from '../../server/backup/backup.js';
import { createDatabase } from '../../db/connection.js';
import { checkCertificate } from '../../server/destructions/service.js';
import { createContext } from '../../server/context.js';
import { getSignedRecord } from '../../server/signatures/service.js';
import { verifySignatureOffline } from '../../server/signatures/manifest.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { custodySite, type CustodySite } from '../helpers/custody.js';

let s: TestServer;
let site: CustodySite;
let target: TestDatabase;
const dirs: string[] = [];

beforeAll(async () => {
  s = await startTestServer({ scryptCost: 1024 });
  site = await custodySite(s);
  target = await createTestDatabase();
});
afterAll(async () => {
  await s?.close();
  await target?.drop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('backup and restore of custody records', () => {
  it('restores media, signatures and certificates exactly', async () => {
    const holder = await site.person('佐藤 花子', ['staff']);
    const responsible = await site.person('田中 責任', ['responsible']);
    const receiver = await site.person('鈴木 一郎', ['staff']);
    for (const p of [holder, responsible, receiver]) await site.enter(p);
    const m1 = await site.medium('BK-1');
    const m2 = await site.medium('BK-2', { kind: 'hdd' });
    await site.ok('post', `/api/media/${m1.id}/checkout`, { personId: holder.id, badge: holder.badge, pin: holder.pin }, 201);
    const handover = await site.ok('post', '/api/handovers', {
      mediaIds: [m1.id],
      fromPersonId: holder.id,
      toPersonId: receiver.id,
      roomId: site.roomId,
      witnesses: [{ ...site.signer(responsible), drawnSignature: `data:image/png;base64,${Buffer.from('signature-image').toString('base64')}` }],
    }, 201);
    const destruction = await site.ok('post', '/api/destructions', { mediaIds: [m2.id], method: 'physical', securityLevel: 'H-5', performedById: holder.id, witnesses: [site.signer(responsible)], roomId: site.roomId }, 201);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tachiai-bk-'));
    dirs.push(dir);
    const file = path.join(dir, 'site.tbk.gz');
    await createBackup(s.ctx, file);
    const targetDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tachiai-restore-'));
    dirs.push(targetDir);
    const config = loadConfig({ DATA_DIR: targetDir, LOG_LEVEL: 'silent', ...(target.url ? { DATABASE_URL: target.url } : {}) });
    const summary = await restoreBackup(config, file, { acceptNewKeys: true, backupKey: s.ctx.secrets.backupKey });
    expect(summary.verify.ok).toBe(true);
    for (const table of ['media', 'custody_steps', 'signed_records', 'signatures', 'handovers', 'destructions', 'destruction_media', 'certificate_counters']) {
      expect(summary.counts[table], table).toBeGreaterThan(0);
    }

    const restored = await createDatabase({ databaseUrl: config.databaseUrl, embeddedDir: config.databaseUrl ? undefined : targetDir });
    try {
      const record = (await getSignedRecord(restored.knex, handover.record.id))!;
      const original = (await getSignedRecord(s.ctx.db.knex, handover.record.id))!;
      expect(record.content).toBe(original.content);
      expect(record.signatures[0]!.drawnImage).toBe(original.signatures[0]!.drawnImage);
      expect(verifySignatureOffline({ recordContent: record.content, manifest: record.signatures[0]!.manifest, signature: record.signatures[0]!.signature, publicKeyPem: s.ctx.secrets.signing.publicKeyPem })).toBe(true);
      expect((await checkCertificate(createContext({ config: s.ctx.config, secrets: s.ctx.secrets, logger: s.ctx.logger, db: restored }), restored.knex, destruction.certificateNo, undefined)).status).toBe('valid');
      expect(await restored.knex('media').where({ id: m2.id }).first('status')).toEqual({ status: 'destroyed' });
    } finally {
      await restored.close();
    }
  });
});

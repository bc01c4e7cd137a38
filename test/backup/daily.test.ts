// The daily backup inside the server (issue 17, item 1; E2.12, E2.13): once a day at BACKUP_TIME
// (site time), exactly once across the servers on one database, recorded (size, SHA-256 of the
// sealed file, server, directory, where the medium is kept, who took it); a failure recorded with
// its reason while the server keeps serving; a manual backup only by an authorised person with
// their own badge and PIN; the newest BACKUP_KEEP scheduled files kept.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dueBackupDay, runScheduledBackup, scheduledFiles } from '../../server/backup/daily.js';
import { openSealedFile } from '../../server/backup/sealed.js';
import { createAccount } from '../../server/auth/accounts.js';
import { openSibling, usingPostgres } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { custodySite, type CustodySite, type SitePerson } from '../helpers/custody.js';

let s: TestServer;
let site: CustodySite;
const dirs: string[] = [];
const tempDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tachiai-daily-'));
  dirs.push(d);
  return d;
};
let backupDir: string;

beforeAll(async () => {
  backupDir = tempDir();
  s = await startTestServer({ scryptCost: 1024, backupDir, backupTime: '02:00', backupKeep: 2, backupMediumLocation: '第2金庫' });
  site = await custodySite(s);
}, 60_000);
afterAll(async () => {
  await s?.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const knex = () => s.ctx.db.knex;
/** 02:00 on a site day is 17:00 UTC the day before (Asia/Tokyo). */
const tokyo = (day: string, hhmm: string) => new Date(new Date(`${day}T${hhmm}:00+09:00`).getTime());

describe('the schedule (a plain rule)', () => {
  it('is due from BACKUP_TIME on the site\'s clock, for that site day', () => {
    expect(dueBackupDay(tokyo('2026-12-07', '01:59'), 'Asia/Tokyo', '02:00')).toBeNull();
    expect(dueBackupDay(tokyo('2026-12-07', '02:00'), 'Asia/Tokyo', '02:00')).toBe('2026-12-07');
    expect(dueBackupDay(tokyo('2026-12-07', '23:59'), 'Asia/Tokyo', '02:00')).toBe('2026-12-07');
    // 00:30 in Tokyo is still the day before in UTC: the site day counts.
    expect(dueBackupDay(tokyo('2026-12-08', '00:30'), 'Asia/Tokyo', '00:00')).toBe('2026-12-08');
  });
});

describe('the daily backup (E2.12)', () => {
  it('before its time nothing happens; at its time one backup, sealed, recorded with its SHA-256 and journaled', async () => {
    expect(await runScheduledBackup(s.ctx, tokyo('2026-12-07', '01:59'))).toBeNull();
    const row = await runScheduledBackup(s.ctx, tokyo('2026-12-07', '02:01'));
    expect(row).toMatchObject({ kind: 'scheduled', status: 'ok', taken_by: 'system:backup', medium_location: '第2金庫', dir: path.resolve(backupDir) });
    const file = row!.file!;
    expect(path.dirname(file)).toBe(path.resolve(backupDir));
    expect(path.basename(file)).toMatch(/^tachiai-.+-2026-12-07\.tbk$/);
    const bytes = fs.readFileSync(file);
    expect(crypto.createHash('sha256').update(bytes).digest('hex')).toBe(row!.sha256);
    expect(Number(row!.bytes)).toBe(bytes.length);
    expect(Number(row!.rows)).toBeGreaterThan(0);
    expect((await openSealedFile(file, s.ctx.secrets.backupKey)).length).toBeGreaterThan(0);
    const actions = await knex()('journal_entries').where('subject', `backup:${row!.id}`).orderBy('seq').pluck('action');
    expect(actions).toEqual(['backup.started', 'backup.completed']);
    // The same day again: nothing.
    expect(await runScheduledBackup(s.ctx, tokyo('2026-12-07', '09:00'))).toBeNull();
    expect(await knex()('backups').where({ kind: 'scheduled', day: '2026-12-07' }).count<{ count: string }[]>('id as count')).toEqual([{ count: expect.anything() }]);
  });

  it.runIf(usingPostgres)('two servers on one database, looking at the same moment: exactly one backup for the day', async () => {
    const other = await openSibling(s.ctx);
    try {
      const results = await Promise.all([runScheduledBackup(s.ctx, tokyo('2026-12-08', '02:00')), runScheduledBackup(other, tokyo('2026-12-08', '02:00'))]);
      expect(results.filter((r) => r !== null)).toHaveLength(1);
      expect(await knex()('backups').where({ kind: 'scheduled', day: '2026-12-08' }).select('id')).toHaveLength(1);
    } finally {
      await other.workers.stopAll();
      await other.db.close();
    }
  });

  it('keeps the newest BACKUP_KEEP scheduled files, never touching other files', async () => {
    fs.writeFileSync(path.join(backupDir, 'notes.txt'), 'kept');
    await runScheduledBackup(s.ctx, tokyo('2026-12-09', '02:00'));
    await runScheduledBackup(s.ctx, tokyo('2026-12-10', '02:00'));
    const siteId = (await knex()('site_settings').first('site_id')).site_id as string;
    expect(scheduledFiles(backupDir, siteId).map((f) => f.slice(-14, -4))).toEqual(['2026-12-10', '2026-12-09']);
    expect(fs.existsSync(path.join(backupDir, 'notes.txt'))).toBe(true);
  });

  it('a BACKUP_DIR that cannot be written: the failure is recorded with its reason, and the server keeps serving', async () => {
    const was = s.ctx.config.backupDir;
    // The administrator has an address on file: a failed backup is told to them (issue 15, item 4).
    await knex()('people').where({ id: s.admin.personId }).update({ email: 'admin@site.example.jp', notice_lang: 'ja' });
    s.ctx.config.backupDir = path.join(tempDir(), 'missing', 'deeper');
    try {
      const row = await runScheduledBackup(s.ctx, tokyo('2026-12-11', '02:00'));
      expect(row).toMatchObject({ status: 'failed', error: expect.stringMatching(/BACKUP_DIR does not exist/) });
      expect((await request(s.url).get('/api/health')).status).toBe(200);
      const actions = await knex()('journal_entries').where('subject', `backup:${row!.id}`).orderBy('seq').pluck('action');
      expect(actions).toEqual(['backup.started', 'backup.failed']);
      const notices = await knex()('notices').where({ kind: 'backup_failed' });
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatchObject({ recipient_email: 'admin@site.example.jp', status: 'queued' });
      expect(notices[0].subject).toBe('【立会い】2026/12/11（金）の定時バックアップに失敗しました');
      expect(notices[0].body_text).toContain('BACKUP_DIR does not exist');
    } finally {
      s.ctx.config.backupDir = was;
    }
  });
});

describe('a shutdown during the daily backup', () => {
  it('ends it: recorded as interrupted, no file left, the shutdown not held', async () => {
    const aborted = new AbortController();
    aborted.abort();
    const row = await runScheduledBackup(s.ctx, tokyo('2026-12-12', '02:00'), aborted.signal);
    expect(row).toMatchObject({ status: 'failed', error: 'interrupted: the server was shutting down' });
    expect(fs.readdirSync(backupDir).filter((f) => f.includes('2026-12-12'))).toEqual([]);
  });
});

describe('a backup taken now by an authorised person (E2.13)', () => {
  async function signedIn(name: string, roles: string[]): Promise<SitePerson & { token: string }> {
    const p = await site.person(name, roles);
    const username = `u${crypto.randomBytes(4).toString('hex')}`;
    const password = 'Backup-pass-2026!';
    await knex().transaction((trx) => createAccount(s.ctx, trx, { personId: p.id, username, password, actor: 'test' }));
    return { ...p, token: await s.login({ username, password }) };
  }
  const post = (who: { token: string }, body: unknown) => request(s.url).post('/api/backups').set('authorization', `Bearer ${who.token}`).send(body as object);

  it('a wrong PIN, someone else\'s badge, or a staff member: refused, nothing taken', async () => {
    const authorized = await signedIn('権限 者', ['authorized']);
    const other = await site.person('別 人', ['authorized']);
    const staff = await signedIn('担当 者', ['staff']);
    const before = await knex()('backups').count<{ n: string }[]>('id as n');
    const wrong = await post(authorized, { signer: { ...site.signer(authorized), pin: '000000' === authorized.pin ? '111111' : '000000' } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toMatchObject({ code: 'signature_invalid', details: [{ field: 'body.signer.pin', code: 'wrong_pin' }] });
    expect((await post(authorized, { signer: site.signer(other) })).status).toBe(403);
    expect((await post(staff, { signer: site.signer(staff) })).status).toBe(403);
    expect(await knex()('backups').count<{ n: string }[]>('id as n')).toEqual(before);
  });

  it('with their own badge and PIN: written, recorded with their name and where the medium is kept', async () => {
    const authorized = await signedIn('権限 花子', ['authorized']);
    const res = await post(authorized, { signer: site.signer(authorized), mediumLocation: '第1金庫 上段' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ kind: 'manual', status: 'ok', takenByPersonId: authorized.id, mediumLocation: '第1金庫 上段', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(fs.existsSync(res.body.file)).toBe(true);
    const list = await request(s.url).get('/api/backups').set('authorization', `Bearer ${authorized.token}`);
    expect(list.status).toBe(200);
    expect(list.body.items[0]).toMatchObject({ id: res.body.id, kind: 'manual' });
    expect(list.body.items.some((b: { kind: string; status: string }) => b.kind === 'scheduled' && b.status === 'failed')).toBe(true);
  });
});

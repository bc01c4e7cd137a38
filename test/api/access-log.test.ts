// E2.15: every API request is in the access log — failed sign-ins, 401s and 403s included —
// without bodies, query strings, tokens or passwords; kept 12 months by default, never < 3.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { ConfigError, loadConfig } from '../../server/config.js';
import { purgeAccessLog } from '../../server/access-log/retention.js';
import { flushAccessLog } from '../../server/access-log/recorder.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
let adminToken: string;
beforeAll(async () => {
  s = await startTestServer();
  adminToken = await s.adminToken();
});
afterAll(async () => {
  await s?.close();
});

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

async function latestFor(path: string) {
  const res = await request(s.url).get('/api/access-log?limit=200').set(auth(adminToken));
  expect(res.status).toBe(200);
  return (res.body.items as Array<Record<string, unknown>>).filter((e) => e.path === path);
}

describe('what is recorded (E2.15)', () => {
  it('records a failed sign-in with the name tried, the outcome and the source — never the password', async () => {
    const res = await request(s.url).post('/api/auth/login').send({ username: 'nobody-here', password: 'Secret-Password-987' });
    expect(res.status).toBe(401);
    const [entry] = await latestFor('/api/auth/login');
    expect(entry).toMatchObject({ method: 'POST', status: 401, outcome: 'failure', username: 'nobody-here', accountId: null, sourceIp: '127.0.0.1' });
    expect(entry!.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+09:00$/);
    expect(typeof entry!.durationMs).toBe('number');
    await flushAccessLog(s.ctx);
    const everything = JSON.stringify(await s.ctx.db.knex('access_log'));
    expect(everything).not.toContain('Secret-Password-987');
  });

  it('records a successful sign-in with the account', async () => {
    const user = await s.createUser({ roles: ['staff'] });
    await s.login(user);
    const account = await s.ctx.db.knex('accounts').where({ username: user.username }).first('id');
    const entries = await latestFor('/api/auth/login');
    expect(entries.find((e) => e.accountId === account.id)).toMatchObject({ status: 200, outcome: 'success', username: user.username });
  });

  it('records a request without a token (401) and one that is not allowed (403, with who it was)', async () => {
    expect((await request(s.url).get('/api/journal/verify')).status).toBe(401);
    const staff = await s.createUser({ roles: ['staff'] });
    const staffToken = await s.login(staff);
    expect((await request(s.url).get('/api/journal/verify').set(auth(staffToken))).status).toBe(403);
    const entries = await latestFor('/api/journal/verify');
    const account = await s.ctx.db.knex('accounts').where({ username: staff.username }).first('id');
    expect(entries.some((e) => e.status === 401 && e.accountId === null)).toBe(true);
    expect(entries.some((e) => e.status === 403 && e.accountId === account.id)).toBe(true);
  });

  it('keeps the path only: no query string, token or body', async () => {
    await request(s.url).get('/api/people?limit=1&badge=tb1_secretvalue').set(auth(adminToken));
    await request(s.url).post('/api/orgs').set(auth(adminToken)).send({ name: 'ボディの中身', kind: 'depositor' });
    await flushAccessLog(s.ctx);
    const rows = await s.ctx.db.knex('access_log');
    const text = JSON.stringify(rows);
    expect(text).not.toContain('tb1_secretvalue');
    expect(text).not.toContain('ボディの中身');
    expect(text).not.toContain(adminToken);
    expect(rows.some((r) => r.path === '/api/people' && r.method === 'GET')).toBe(true);
  });

  it('records unknown endpoints and malformed requests too', async () => {
    await request(s.url).get('/api/no-such-thing').set(auth(adminToken));
    await request(s.url).post('/api/orgs').set(auth(adminToken)).set('content-type', 'application/json').send('{bad');
    expect((await latestFor('/api/no-such-thing'))[0]).toMatchObject({ status: 404 });
    expect((await latestFor('/api/orgs')).some((e) => e.status === 400)).toBe(true);
  });
});

describe('GET /api/access-log', () => {
  it('filters by outcome, account and time, newest first, with cursor paging', async () => {
    const failures = await request(s.url).get('/api/access-log?outcome=failure&limit=500').set(auth(adminToken));
    expect(failures.status).toBe(200);
    expect(failures.body.items.length).toBeGreaterThan(0);
    expect(failures.body.items.every((e: { status: number }) => e.status >= 400)).toBe(true);

    const admin = await s.ctx.db.knex('accounts').where({ username: 'admin' }).first('id');
    const mine = await request(s.url).get(`/api/access-log?accountId=${admin.id}&limit=500`).set(auth(adminToken));
    expect(mine.body.items.length).toBeGreaterThan(0);
    expect(mine.body.items.every((e: { accountId: string }) => e.accountId === admin.id)).toBe(true);

    const future = encodeURIComponent('2999-01-01T00:00:00+09:00');
    const none = await request(s.url).get(`/api/access-log?from=${future}`).set(auth(adminToken));
    expect(none.body).toEqual({ items: [], nextCursor: null });

    const first = await request(s.url).get('/api/access-log?limit=2').set(auth(adminToken));
    expect(first.body.items).toHaveLength(2);
    expect(Number(first.body.items[0].id)).toBeGreaterThan(Number(first.body.items[1].id));
    const second = await request(s.url).get(`/api/access-log?limit=2&cursor=${first.body.nextCursor}`).set(auth(adminToken));
    expect(Number(second.body.items[0].id)).toBeLessThan(Number(first.body.items[1].id));
  });

  it('refuses bad filters with 400 and the field named', async () => {
    const res = await request(s.url).get('/api/access-log?from=yesterday&limit=100000').set(auth(adminToken));
    expect(res.status).toBe(400);
    const fields = res.body.error.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['query.from', 'query.limit']));
    expect((await request(s.url).get('/api/access-log?cursor=zzz').set(auth(adminToken))).status).toBe(400);
  });

  it('exports CSV in UTF-8 with a BOM, with Japanese headers on request', async () => {
    const en = await request(s.url).get('/api/access-log?format=csv').set(auth(adminToken)).buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(en.status).toBe(200);
    expect(en.headers['content-type']).toMatch(/text\/csv/);
    const bytes = en.body as Buffer;
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.toString('utf8').slice(1).trim().split('\r\n');
    expect(lines[0]).toBe('Time,Time (UTC),User ID,User name,Method,Path,Status,Outcome,Source address,Duration (ms)');
    // Without lang: codes (success / failure); times on the site's clock, then in UTC (issue 14).
    expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ,/);
    expect(lines.slice(1).every((l) => /,(success|failure),/.test(l))).toBe(true);
    expect(lines.length).toBeGreaterThan(5);
    const ja = await request(s.url).get('/api/access-log?format=csv&lang=ja').set(auth(adminToken));
    expect(ja.text.replace(/^\uFEFF/, '').split('\r\n')[0]).toBe('日時,日時（UTC）,ユーザーID,ユーザー名,メソッド,パス,ステータス,結果,アクセス元,処理時間(ms)');
    expect(ja.text.split('\r\n').slice(1, -1).every((l) => /,(成功|失敗),/.test(l))).toBe(true);
  });

  it('is readable by auditors and the responsible person, not by staff or guards', async () => {
    for (const [roles, status] of [[['auditor'], 200], [['responsible'], 200], [['staff'], 403], [['guard'], 403]] as const) {
      const user = await s.createUser({ roles: [...roles] });
      const res = await request(s.url).get('/api/access-log').set(auth(await s.login(user)));
      expect(res.status, roles.join()).toBe(status);
    }
  });
});

describe('batching', () => {
  it('rows are gathered into one INSERT, and a read of the log first writes what is pending', async () => {
    await flushAccessLog(s.ctx);
    const before = Number((await s.ctx.db.knex('access_log').count('* as n'))[0]!.n);
    await Promise.all(Array.from({ length: 20 }, () => request(s.url).get('/api/health')));
    const res = await request(s.url).get('/api/access-log?limit=500').set(auth(adminToken));
    expect(res.body.items.filter((e: { path: string }) => e.path === '/api/health').length).toBeGreaterThanOrEqual(20);
    const after = Number((await s.ctx.db.knex('access_log').count('* as n'))[0]!.n);
    expect(after - before).toBeGreaterThanOrEqual(20);
  });
});

describe('retention', () => {
  it('the clean-up deletes only entries older than the retention (12 months by default) and journals it', async () => {
    const knex = s.ctx.db.knex;
    const row = (months: number, path: string) => ({ at: knex.raw(`now() - interval '${months} months' - interval '1 day'`), method: 'GET', path, status: 200, duration_ms: 1 });
    await knex('access_log').insert([row(13, '/old-13'), row(11, '/old-11'), row(4, '/old-4')]);
    const result = await purgeAccessLog(s.ctx);
    expect(result.deleted).toBe(1);
    const paths = (await knex('access_log').whereIn('path', ['/old-13', '/old-11', '/old-4']).pluck('path')).sort();
    expect(paths).toEqual(['/old-11', '/old-4']);
    const journal = await knex('journal_entries').where({ action: 'access_log.purged' }).orderBy('seq', 'desc').first();
    expect(JSON.parse(journal.payload)).toMatchObject({ deleted: 1, retentionMonths: 12 });

    // With the minimum of 3 months, a 4-month-old entry goes and a 2-month-old one stays.
    await knex('access_log').insert([row(2, '/old-2')]);
    await purgeAccessLog({ ...s.ctx, config: { ...s.ctx.config, accessLogRetentionMonths: 3 } });
    expect((await knex('access_log').whereIn('path', ['/old-11', '/old-4', '/old-2']).pluck('path')).sort()).toEqual(['/old-2']);
  });

  it('a configured retention under 3 months is refused at start (E2.15)', () => {
    expect(() => loadConfig({ ACCESS_LOG_RETENTION_MONTHS: '2' })).toThrow(ConfigError);
    expect(() => loadConfig({ ACCESS_LOG_RETENTION_MONTHS: '2' })).toThrow(/E2\.15/);
    expect(loadConfig({ ACCESS_LOG_RETENTION_MONTHS: '3' }).accessLogRetentionMonths).toBe(3);
    expect(loadConfig({}).accessLogRetentionMonths).toBe(12);
  });
});

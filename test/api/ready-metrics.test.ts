// Readiness and metrics (issue 17, item 7): GET /api/health/ready beside the liveness check, public,
// 200 when the server may take requests and 503 `not_ready` naming each reason otherwise; GET
// /metrics in the Prometheus text format, behind METRICS_TOKEN (or on a separate address), with the
// scans by decision, request latency by route, sign-in failures, the pool, the intake lag and the
// last backup's age. On the database of this run (PGlite, or PostgreSQL when DATABASE_URL is set).
import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { buildApp, buildRequestListener } from '../../server/app.js';
import { ConfigError, loadConfig } from '../../server/config.js';
import { serve } from '../../server/runtime.js';
import { operationsFacts } from '../../server/monitoring/facts.read-model.js';
import { createDatabase } from '../../db/connection.js';
import { createTestDatabase, openTestContext, usingPostgres, type TestContext, type TestDatabase } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { custodySite, type CustodySite, type SitePerson } from '../helpers/custody.js';

const TOKEN = `mt_${crypto.randomBytes(24).toString('hex')}`;

let s: TestServer;
let site: CustodySite;
let guest: SitePerson;

beforeAll(async () => {
  s = await startTestServer({ scryptCost: 1024, metricsToken: TOKEN });
  site = await custodySite(s);
  guest = await site.person('計測 花子', ['staff']);
});
afterAll(async () => {
  await s?.close();
});

// ------------------------------------------------------------------ the Prometheus text format

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the text exposition format strictly: every line is a comment, empty, or a sample. */
function parseMetrics(text: string): { samples: Sample[]; types: Map<string, string>; help: Set<string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const help = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$/.exec(line);
    if (m) {
      help.add(m[1]!);
      continue;
    }
    m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (m) {
      types.set(m[1]!, m[2]!);
      continue;
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*)\})? ([-+]?(?:[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?|Inf|NaN))$/i.exec(line);
    if (!m) throw new Error(`not a line of the Prometheus text format: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]!.replace(/^\+?inf$/i, 'Infinity').replace(/^-inf$/i, '-Infinity')) });
  }
  return { samples, types, help };
}

/** The value of one sample (labels must match exactly those given), or undefined. */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))?.value;
}

async function scrape(url = s.url): Promise<ReturnType<typeof parseMetrics>> {
  const res = await request(url).get('/metrics').set({ authorization: `Bearer ${TOKEN}` });
  expect(res.status, res.text).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseMetrics(res.text);
}

// ------------------------------------------------------------------ readiness

describe('GET /api/health/ready', () => {
  it('is public and answers 200 when ready: the checks, and warnings that do not make it unready', async () => {
    const res = await request(s.url).get('/api/health/ready');
    expect(res.status, res.text).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({
      ready: true,
      checks: {
        database: { ok: true },
        migrations: { ok: true, pending: [], unknown: [] },
        workers: { ok: true, states: expect.any(Object) },
        journalIntake: { waiting: expect.any(Number), oldestAgeSeconds: expect.any(Number) },
        backup: { lastSuccessAt: null, ageSeconds: null },
      },
      warnings: expect.any(Array),
    });
    expect([true, false, null]).toContain(res.body.checks.secretsEscrowed);
    // Liveness is unchanged beside it.
    expect((await request(s.url).get('/api/health')).body).toMatchObject({ ok: true });
    // Nothing secret in it: no token, no key, no personal data.
    const text = res.text;
    for (const secret of [TOKEN, s.ctx.secrets.jwtSecret.toString('utf8'), s.admin.badgeToken, s.admin.name]) expect(text).not.toContain(secret);
  });

  it('reports a lagging journal intake and the age of the last backup as warnings (still 200), and the same values in /metrics', async () => {
    const knex = s.ctx.db.knex;
    // An event that has waited five minutes (no chainer runs in this test server until a scan kicks one).
    const [row] = (await knex('journal_intake')
      .insert({ chain: 'main', at: knex.raw("now() - interval '5 minutes'"), actor: 'test', action: 'test.lag', subject: 'test:lag', payload: '{}' })
      .returning(['id'])) as Array<{ id: string }>;
    try {
      const res = await request(s.url).get('/api/health/ready');
      expect(res.status).toBe(200);
      expect(res.body.checks.journalIntake.waiting).toBeGreaterThanOrEqual(1);
      expect(res.body.checks.journalIntake.oldestAgeSeconds).toBeGreaterThanOrEqual(290);
      expect(res.body.warnings.map((w: { code: string }) => w.code)).toContain('journal_intake_lagging');
      const { samples } = await scrape();
      expect(valueOf(samples, 'tachiai_journal_intake_waiting')).toBeGreaterThanOrEqual(1);
      expect(valueOf(samples, 'tachiai_journal_intake_oldest_age_seconds')).toBeGreaterThanOrEqual(290);
    } finally {
      await knex('journal_intake').where({ id: row!.id }).delete();
    }

    const hasBackups = ((await knex.raw("SELECT to_regclass('backups') IS NOT NULL AS t")).rows[0] as { t: boolean }).t;
    if (!hasBackups) return; // a schema without the backups table: covered by the facts test below
    const before = await request(s.url).get('/api/health/ready');
    expect(before.body.warnings.map((w: { code: string }) => w.code)).toContain('no_backup');
    expect(valueOf((await scrape()).samples, 'tachiai_backup_last_success_age_seconds')).toBeUndefined();
    const id = crypto.randomUUID();
    await knex('backups').insert({
      id,
      kind: 'command',
      status: 'ok',
      started_at: knex.raw("now() - interval '30 hours 5 minutes'"),
      finished_at: knex.raw("now() - interval '30 hours'"),
      server: 'test',
      dir: '/tmp',
      taken_by: 'system',
    });
    try {
      const res = await request(s.url).get('/api/health/ready');
      expect(res.status).toBe(200);
      expect(res.body.checks.backup.ageSeconds).toBeGreaterThanOrEqual(30 * 3600);
      expect(res.body.checks.backup.lastSuccessAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/);
      expect(res.body.warnings.map((w: { code: string }) => w.code)).toContain('backup_overdue');
      const age = valueOf((await scrape()).samples, 'tachiai_backup_last_success_age_seconds');
      expect(age).toBeGreaterThanOrEqual(30 * 3600);
      expect(age).toBeLessThan(31 * 3600);
    } finally {
      await knex('backups').where({ id }).delete();
    }
  });

  it('503 not_ready, in the error shape, when a migration this version knows is not applied', async () => {
    const knex = s.ctx.db.knex;
    const last = (await knex('knex_migrations').orderBy('id', 'desc').first()) as { id: number; name: string; batch: number; migration_time: Date };
    await knex('knex_migrations').where({ id: last.id }).delete();
    try {
      const res = await request(s.url).get('/api/health/ready');
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.body).toEqual({
        error: { code: 'not_ready', message: expect.stringContaining('not ready'), details: [{ field: 'migrations', code: 'migrations_pending', message: expect.stringContaining('1 migration') }] },
      });
    } finally {
      await knex('knex_migrations').insert(last);
    }
    expect((await request(s.url).get('/api/health/ready')).status).toBe(200);
  });

  it('503 when a worker of this server has stopped, and when the database does not answer (promptly, no hang)', async () => {
    const ctx = await openTestContext({ metricsToken: TOKEN });
    try {
      const app = buildApp(ctx);
      ctx.workers.add('test.stopped', { stop: () => undefined, health: () => ({ state: 'stopped' }) });
      const stopped = await request(app).get('/api/health/ready');
      expect(stopped.status).toBe(503);
      expect(stopped.body.error.details).toEqual([{ field: 'workers', code: 'worker_stopped', message: expect.stringContaining('test.stopped') }]);

      await ctx.db.close();
      const started = Date.now();
      const down = await request(app).get('/api/health/ready');
      expect(Date.now() - started).toBeLessThan(8_000);
      expect(down.status).toBe(503);
      expect(down.body.error.code).toBe('not_ready');
      expect(down.body.error.details.map((d: { code: string }) => d.code)).toEqual(['database_unavailable', 'worker_stopped']);
      expect(down.text).not.toMatch(/Knex|pool|\bat |node_modules|\.ts:/);
      // The metrics still answer: the database is down, the process's own figures are there.
      const metrics = await request(app).get('/metrics').set({ authorization: `Bearer ${TOKEN}` });
      expect(metrics.status).toBe(200);
      const { samples } = parseMetrics(metrics.text);
      expect(valueOf(samples, 'tachiai_database_up')).toBe(0);
      expect(valueOf(samples, 'tachiai_journal_intake_waiting')).toBeUndefined();
      expect(valueOf(samples, 'process_cpu_seconds_total')).toBeDefined();
    } finally {
      await ctx.dispose().catch(() => undefined);
    }
  });

  it.runIf(usingPostgres)('PostgreSQL unreachable (the connection cut): 503 within seconds; ready again once it is back', async () => {
    const testDb: TestDatabase = await createTestDatabase();
    const direct = new URL(testDb.url!);
    const proxy = new TcpProxy(direct.hostname, Number(direct.port || 5432));
    await proxy.start();
    const proxied = new URL(direct.toString());
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    const ctx = await openTestContext({ databaseUrl: proxied.toString() }, testDb);
    const server = http.createServer(buildRequestListener(ctx));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect((await request(url).get('/api/health/ready')).status).toBe(200);
      await proxy.cut();
      const started = Date.now();
      const down = await request(url).get('/api/health/ready').timeout(15_000);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(down.status).toBe(503);
      expect(down.body.error.details).toEqual([{ field: 'database', code: 'database_unavailable', message: expect.any(String) }]);
      await proxy.restore();
      const deadline = Date.now() + 10_000;
      let status = 0;
      while (Date.now() < deadline && status !== 200) {
        status = (await request(url).get('/api/health/ready')).status;
        if (status !== 200) await new Promise((r) => setTimeout(r, 200));
      }
      expect(status).toBe(200);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await proxy.restore().catch(() => undefined);
      await ctx.dispose();
      await proxy.cut();
      await testDb.drop();
    }
  });

  it('reads what a database without the backups table or the escrow column can say: null, not an error', async () => {
    // A bare database (of this run's kind) with only the tables the facts always read (an older schema).
    const bare = await createTestDatabase();
    const db = await createDatabase({ databaseUrl: bare.url, embeddedDir: undefined });
    try {
      await db.knex.raw('CREATE TABLE journal_intake (id bigserial PRIMARY KEY, at timestamptz NOT NULL)');
      await db.knex.raw('CREATE TABLE site_settings (id smallint PRIMARY KEY)');
      await db.knex.raw('INSERT INTO site_settings (id) VALUES (1)');
      expect(await operationsFacts(db.knex)).toEqual({
        intakeWaiting: 0,
        intakeOldestSeconds: 0,
        lastBackupOkAt: null,
        lastBackupAgeSeconds: null,
        backupsRecorded: false,
        secretsEscrowedAt: undefined,
        // No tree tables either (before issue 19's migration): nothing to say.
        cosignedAgeSeconds: null,
        witnessAlarms: null,
        // Nor door tables (before issue 20's).
        doorAlarmsOpen: null,
        fireReleaseActive: null,
      });
    } finally {
      await db.close();
      await bare.drop();
    }
  });
});

// ------------------------------------------------------------------ metrics

describe('GET /metrics', () => {
  it('is 404 when neither METRICS_TOKEN nor METRICS_PORT is configured', async () => {
    const app = buildApp({ ...s.ctx, config: { ...s.ctx.config, metricsToken: undefined } });
    const res = await request(app).get('/metrics');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  it('401 without the token, with a wrong one or another scheme; 200 with it', async () => {
    const without = await request(s.url).get('/metrics');
    expect(without.status).toBe(401);
    expect(without.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(without.body).toEqual({ error: { code: 'unauthorized', message: expect.any(String), details: [] } });
    for (const authorization of [`Bearer ${TOKEN.slice(0, -1)}x`, `Bearer ${TOKEN}x`, 'Bearer ', `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`, `bearer  ${TOKEN}`]) {
      const res = await request(s.url).get('/metrics').set({ authorization });
      expect(res.status, authorization).toBe(401);
      expect(res.text).not.toContain('tachiai_');
    }
    const ok = await request(s.url).get('/metrics').set({ authorization: `Bearer ${TOKEN}` });
    expect(ok.status).toBe(200);
    expect(ok.headers['cache-control']).toBe('no-store');
    // Only GET (and HEAD).
    expect((await request(s.url).post('/metrics').set({ authorization: `Bearer ${TOKEN}` })).status).toBe(405);
  });

  it('parses as the Prometheus text format and counts scans by decision, request latency by route, sign-in failures; pool and process figures', async () => {
    const before = (await scrape()).samples;
    const granted0 = valueOf(before, 'tachiai_scans_total', { decision: 'granted' }) ?? 0;
    const denied0 = valueOf(before, 'tachiai_scans_total', { decision: 'denied' }) ?? 0;
    const scanCount0 = valueOf(before, 'tachiai_http_request_duration_seconds_count', { method: 'POST', route: '/api/scans', status_class: '2xx' }) ?? 0;
    const failures0 = valueOf(before, 'tachiai_signin_failures_total', { reason: 'password' }) ?? 0;

    // A granted scan and a denied one (an unknown badge), both through the fast lane.
    await site.enter(guest);
    const denied = await site.call('post', '/api/scans', { roomId: site.roomId, badge: 'no-such-badge-1234' });
    expect(denied.status).toBe(201);
    expect(denied.body.decision).toBe('denied');
    // A request answered 404 by a route with a parameter, and a failed sign-in.
    expect((await site.call('get', `/api/people/${crypto.randomUUID()}`)).status).toBe(404);
    expect((await request(s.url).post('/api/auth/login').send({ username: 'admin', password: 'wrong password 1' })).status).toBe(401);

    const { samples, types, help } = await scrape();
    expect(valueOf(samples, 'tachiai_scans_total', { decision: 'granted' })).toBe(granted0 + 1);
    expect(valueOf(samples, 'tachiai_scans_total', { decision: 'denied' })).toBe(denied0 + 1);
    expect(types.get('tachiai_scans_total')).toBe('counter');
    expect(help.has('tachiai_scans_total')).toBe(true);

    // Latency: a histogram by method, route template and status class.
    expect(types.get('tachiai_http_request_duration_seconds')).toBe('histogram');
    expect(valueOf(samples, 'tachiai_http_request_duration_seconds_count', { method: 'POST', route: '/api/scans', status_class: '2xx' })).toBe(scanCount0 + 2);
    expect(valueOf(samples, 'tachiai_http_request_duration_seconds_count', { method: 'GET', route: '/api/people/:id', status_class: '4xx' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(samples, 'tachiai_http_request_duration_seconds_bucket', { method: 'POST', route: '/api/scans', status_class: '2xx', le: '+Inf' })).toBe(scanCount0 + 2);
    expect(valueOf(samples, 'tachiai_http_request_duration_seconds_sum', { method: 'POST', route: '/api/scans', status_class: '2xx' })).toBeGreaterThan(0);
    // No label holds an id: the route is its template.
    expect(samples.filter((x) => /[0-9a-f]{8}-[0-9a-f]{4}-/.test(JSON.stringify(x.labels)))).toEqual([]);

    expect(valueOf(samples, 'tachiai_signin_failures_total', { reason: 'password' })).toBe(failures0 + 1);
    expect(valueOf(samples, 'tachiai_db_pool_max')).toBe(usingPostgres ? 10 : 1);
    expect(valueOf(samples, 'tachiai_db_pool_connections', { state: 'used' })).toBeGreaterThanOrEqual(0);
    expect(valueOf(samples, 'tachiai_database_up')).toBe(1);
    expect(valueOf(samples, 'tachiai_journal_intake_waiting')).toBeGreaterThanOrEqual(0);
    expect(valueOf(samples, 'tachiai_info', { database: usingPostgres ? 'postgres' : 'pglite' })).toBe(1);
    expect(valueOf(samples, 'tachiai_worker_healthy', { worker: 'journal.intake' })).toBe(1);
    // The process's own metrics (prom-client's defaults).
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) {
      expect(valueOf(samples, name), name).toBeDefined();
    }
  });

  it('METRICS_PORT: /metrics on an address of its own (no token needed there unless set), 404 on the main address', async () => {
    const metricsPort = await freePort();
    const ctx = await openTestContext({ port: 0, host: '127.0.0.1', metricsPort, metricsToken: undefined });
    const running = await serve(ctx);
    try {
      expect(running.metricsUrl).toBe(`http://127.0.0.1:${metricsPort}`);
      const res = await request(running.metricsUrl!).get('/metrics');
      expect(res.status).toBe(200);
      expect(valueOf(parseMetrics(res.text).samples, 'tachiai_database_up')).toBe(1);
      expect((await request(running.metricsUrl!).get('/api/health')).status).toBe(404);
      expect((await request(running.url).get('/metrics')).status).toBe(404);
    } finally {
      await running.stop();
      await ctx.dispose();
    }
  });

  it('the settings are checked at start: a short token, or the API port for the metrics, is refused', () => {
    const env = { DATA_DIR: '/tmp/x' };
    expect(() => loadConfig({ ...env, METRICS_TOKEN: 'short' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...env, METRICS_TOKEN: 'has a space in it, which is not allowed' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...env, PORT: '3000', METRICS_PORT: '3000' })).toThrow(/METRICS_PORT/);
    const config = loadConfig({ ...env, METRICS_TOKEN: TOKEN, METRICS_PORT: '9464' });
    expect(config).toMatchObject({ metricsToken: TOKEN, metricsPort: 9464, metricsHost: '127.0.0.1' });
    try {
      loadConfig({ ...env, METRICS_TOKEN: 'tiny secret' });
    } catch (err) {
      expect((err as Error).message).not.toContain('tiny secret');
    }
  });
});

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A TCP proxy in front of PostgreSQL that can be cut (every connection destroyed) and restored. */
class TcpProxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(
    private readonly host: string,
    private readonly targetPort: number,
  ) {}

  async start(port = 0): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, this.host);
      this.sockets.add(client).add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async restore(): Promise<void> {
    if (!this.server) await this.start(this.port);
  }
}

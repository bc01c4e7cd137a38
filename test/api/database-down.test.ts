// The database goes away and comes back: the API must answer 503 `database_unavailable` in the
// contract's error shape (never a 500, never a hang), and recover by itself once the database is
// reachable again — no restart.
//
// A small TCP proxy (node:net) sits between the app and the PostgreSQL server of the test
// database; "cutting" it destroys every connection and stops accepting new ones, which is what
// the app sees when the database host dies or the network drops.
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { buildRequestListener } from '../../server/app.js';
import { createAdmin } from '../../server/setup/create-admin.js';
import { createTestDatabase, openTestContext, usingPostgres, type TestContext, type TestDatabase } from '../helpers/db.js';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';

/** A hang is a failure: every request below must be answered within this. */
const MAX_ANSWER_MS = 10_000;

const errorShape = (body: unknown) =>
  expect(body).toEqual({
    error: { code: expect.any(String), message: expect.any(String), details: expect.any(Array) },
  });

class TcpProxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(port = 0): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, this.targetHost);
      this.sockets.add(client);
      this.sockets.add(upstream);
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

  /** Stop accepting and destroy every live connection, in both directions. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Accept again, on the same port (the app's connection string does not change). */
  async restore(): Promise<void> {
    await this.start(this.port);
  }
}

async function timed<T>(what: string, run: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await run();
  expect(Date.now() - started, `${what} took too long`).toBeLessThan(MAX_ANSWER_MS);
  return result;
}

if (!usingPostgres) {
  describe('database down (embedded PGlite)', () => {
    // PGlite runs inside this very process: there is no server to lose and no connection to drop,
    // so it has no "down" state to test (it fails only if the process itself does). What can be
    // checked is that it answers, and that health is the normal 200 — the PostgreSQL run of this
    // file (DATABASE_URL set) covers the 503 and the recovery.
    let s: TestServer;
    beforeAll(async () => {
      s = await startTestServer();
    });
    afterAll(async () => {
      await s?.close();
    });

    it('the embedded database is always up: /api/health is 200', async () => {
      const res = await request(s.url).get('/api/health');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ ok: true });
      expect(s.ctx.db.kind).toBe('pglite');
    });
  });
} else {
  describe('database down (PostgreSQL behind a proxy that is cut and restored)', () => {
    let testDb: TestDatabase;
    let proxy: TcpProxy;
    let ctx: TestContext;
    let server: http.Server;
    let url: string;
    let badgeToken: string;
    let badgePin: string;

    beforeAll(async () => {
      testDb = await createTestDatabase();
      const direct = new URL(testDb.url!);
      proxy = new TcpProxy(direct.hostname, Number(direct.port || 5432));
      await proxy.start();
      const proxied = new URL(direct.toString());
      proxied.hostname = '127.0.0.1';
      proxied.port = String(proxy.port);

      ctx = await openTestContext({ databaseUrl: proxied.toString() }, testDb);
      server = http.createServer(buildRequestListener(ctx));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      ({ badgeToken, badgePin } = await createAdmin(ctx, { username: 'admin', password: ADMIN_PASSWORD, name: '管理 太郎', orgName: '株式会社テスト受託' }));
    });

    afterAll(async () => {
      if (server) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      await proxy?.restore().catch(() => undefined); // let the pool close cleanly
      await ctx?.dispose();
      await proxy?.cut();
      await testDb?.drop();
    });

    const login = () =>
      request(url).post('/api/auth/login').timeout(MAX_ANSWER_MS).send({ username: 'admin', password: ADMIN_PASSWORD, badge: badgeToken, pin: badgePin });

    it('really goes through the proxy', async () => {
      expect(ctx.config.databaseUrl).toContain(`:${proxy.port}/`);
      const { rows } = await ctx.db.knex.raw('SELECT inet_server_port() AS port');
      expect(Number((rows[0] as { port: number }).port)).toBe(Number(new URL(testDb.url!).port || 5432));
    });

    it('answers 503 database_unavailable while the database is unreachable, then recovers without a restart', async () => {
      // Healthy, signed in, able to write.
      expect((await request(url).get('/api/health')).status).toBe(200);
      const signedIn = await login();
      expect(signedIn.status).toBe(200);
      const token = signedIn.body.token as string;
      const auth = { authorization: `Bearer ${token}` };
      expect((await request(url).post('/api/orgs').set(auth).send({ name: '稼働中 株式会社', kind: 'depositor' })).status).toBe(201);

      await proxy.cut();

      const health = await timed('health', () => request(url).get('/api/health').timeout(MAX_ANSWER_MS + 1000));
      expect(health.status).toBe(503);
      errorShape(health.body);
      expect(health.body.error.code).toBe('database_unavailable');
      expect(health.headers['retry-after']).toBeDefined();

      const checks: Array<[string, () => request.Test]> = [
        ['signed-in GET', () => request(url).get('/api/orgs').set(auth)],
        ['signed-in GET /api/auth/me', () => request(url).get('/api/auth/me').set(auth)],
        ['POST (a write)', () => request(url).post('/api/orgs').set(auth).send({ name: '停止中 株式会社', kind: 'depositor' })],
        ['sign-in', () => login()],
        ['journal verification', () => request(url).get('/api/journal/verify').set(auth)],
        // A badge scan takes the fast lane (server/http/fast-lane.ts): the same 503 and Retry-After.
        ['a badge scan', () => request(url).post('/api/scans').set(auth).send({ roomId: '00000000-0000-4000-8000-000000000000', badge: 'tb1_any' })],
      ];
      for (const [what, send] of checks) {
        const res = await timed(what, () => send().timeout(MAX_ANSWER_MS + 1000));
        expect(res.status, `${what}: ${res.text}`).toBe(503);
        errorShape(res.body);
        expect(res.body.error.code, what).toBe('database_unavailable');
        expect(res.headers['retry-after'], what).toBe('5');
        expect(res.text, what).not.toMatch(/ECONNREFUSED|ECONNRESET|Knex|pool|\bat |127\.0\.0\.1|node_modules|\.ts:/);
      }
      // Several at once, as a busy front desk would send them: all 503, none hangs.
      const burst = await timed('burst', () => Promise.all(Array.from({ length: 8 }, () => request(url).get('/api/orgs').set(auth).timeout(MAX_ANSWER_MS + 1000))));
      expect(burst.map((r) => r.status)).toEqual(Array(8).fill(503));

      await proxy.restore();

      // Within a few seconds everything works again, without a restart.
      const deadline = Date.now() + 10_000;
      let status = 0;
      while (Date.now() < deadline) {
        status = (await request(url).get('/api/health').timeout(MAX_ANSWER_MS)).status;
        if (status === 200) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(status, 'health after the database came back').toBe(200);

      // The session from before the outage is still valid (it lives in the database).
      expect((await request(url).get('/api/auth/me').set(auth)).status).toBe(200);
      const again = await login();
      expect(again.status).toBe(200);
      const write = await request(url).post('/api/orgs').set({ authorization: `Bearer ${again.body.token}` }).send({ name: '復旧後 株式会社', kind: 'depositor' });
      expect(write.status).toBe(201);
      // Nothing of the refused write was recorded; both successful ones were.
      const names = (await ctx.db.knex('organisations').pluck('name')) as string[];
      expect(names).toContain('稼働中 株式会社');
      expect(names).toContain('復旧後 株式会社');
      expect(names).not.toContain('停止中 株式会社');
      const verify = await request(url).get('/api/journal/verify').set({ authorization: `Bearer ${again.body.token}` });
      expect(verify.status).toBe(200);
      expect(verify.body.ok).toBe(true);
    });

    it('survives a second outage in a row (the pool does not keep dead connections)', async () => {
      const first = await login();
      expect(first.status).toBe(200);
      await proxy.cut();
      const res = await timed('health', () => request(url).get('/api/health').timeout(MAX_ANSWER_MS + 1000));
      expect(res.status).toBe(503);
      await proxy.restore();
      const deadline = Date.now() + 10_000;
      let ok = false;
      while (!ok && Date.now() < deadline) {
        ok = (await request(url).get('/api/health')).status === 200;
        if (!ok) await new Promise((r) => setTimeout(r, 200));
      }
      expect(ok).toBe(true);
      expect((await request(url).get('/api/orgs').set({ authorization: `Bearer ${first.body.token}` })).status).toBe(200);
    });
  });
}

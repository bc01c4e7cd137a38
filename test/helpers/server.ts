// A real HTTP server on a random loopback port, over the test file's own database, with an
// administrator (account + badge) ready to use.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { Config } from '../../server/config.js';
import { buildRequestListener } from '../../server/app.js';
import { createAdmin } from '../../server/setup/create-admin.js';
import { createPerson } from '../../server/people/service.js';
import { openSibling, openTestContext, type TestContext } from './db.js';
import { passwordPolicyViolations } from '../../server/auth/password-policy.js';

export const ADMIN_PASSWORD = 'Kx7#mQ2$vL';

export interface TestUser {
  username: string;
  password: string;
  personId: string;
  name: string;
}

export interface TestServer {
  url: string;
  ctx: TestContext;
  http: http.Server;
  admin: TestUser & { badgeToken: string; badgePin: string };
  /** A person with an account (and no badge) in the admin's organisation. */
  createUser(opts: { roles: string[]; name?: string; password?: string }): Promise<TestUser>;
  /** Signs in and returns the bearer token (admins need their badge and its PIN). */
  login(user: { username: string; password: string }, badge?: string, pin?: string): Promise<string>;
  adminToken(): Promise<string>;
  close(): Promise<void>;
}

let counter = 0;

export async function startTestServer(overrides: Partial<Config> = {}): Promise<TestServer> {
  // Every test signs in from 127.0.0.1 many times a minute: the per-address limits are raised
  // here, and tested with their real values in test/api/rate-limits.test.ts.
  const ctx = await openTestContext({ signinRatePerMinute: 100_000, publicRatePerMinute: 100_000, ...overrides });
  const server = http.createServer(buildRequestListener(ctx));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const adminName = '管理 太郎';
  const created = await createAdmin(ctx, { username: 'admin', password: ADMIN_PASSWORD, name: adminName, orgName: '株式会社テスト受託' });
  const adminOrg = (await ctx.db.knex('people').where({ id: created.personId }).first('org_id')).org_id as string;
  const admin = { username: 'admin', password: ADMIN_PASSWORD, personId: created.personId, name: adminName, badgeToken: created.badgeToken, badgePin: created.badgePin };

  const login = async (user: { username: string; password: string }, badge?: string, pin?: string) => {
    const res = await request(url).post('/api/auth/login').send({ username: user.username, password: user.password, ...(badge ? { badge } : {}), ...(pin ? { pin } : {}) });
    if (res.status !== 200) throw new Error(`login of ${user.username} failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.token as string;
  };

  return {
    url,
    ctx,
    http: server,
    admin,
    async createUser({ roles, name, password }) {
      counter += 1;
      const username = `user${counter}${crypto.randomBytes(3).toString('hex')}`;
      // Random hex alone sometimes breaks the policy ("777", "123"): draw until it passes.
      let pw = password ?? '';
      while (!password && (pw === '' || passwordPolicyViolations(pw, { username }).length > 0)) {
        pw = `Qz8!w${crypto.randomBytes(4).toString('hex')}#Rv`;
      }
      const person = await ctx.db.knex.transaction((trx) =>
        createPerson(ctx, trx, { name: name ?? `Test Person ${counter}`, orgId: adminOrg, roles, account: { username, password: pw } }, 'test'),
      );
      return { username, password: pw, personId: person.id, name: person.name };
    },
    login,
    adminToken: () => login(admin, admin.badgeToken, admin.badgePin),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await ctx.dispose();
    },
  };
}

/**
 * A second server on the same PostgreSQL database (its own pool, workers and LISTENs) for the
 * length of `run`, which gets its address: what two servers behind a load balancer do.
 */
export async function withSecondServer<T>(ctx: TestContext, run: (url: string) => Promise<T>): Promise<T> {
  const sibling = await openSibling(ctx);
  const server = http.createServer(buildRequestListener(sibling));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  try {
    return await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await sibling.workers.stopAll();
    await sibling.db.close();
  }
}

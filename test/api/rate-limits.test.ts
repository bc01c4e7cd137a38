// Security review findings 4, 5 and 14: per-address rate limits whose counters live in the
// database (several servers count together; another address is never limited), 429 with
// Retry-After; error answers with a bounded number of details; the front desk does not see
// people's personal fields.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { buildRequestListener } from '../../server/app.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { openSibling, usingPostgres } from '../helpers/db.js';

let s: TestServer;

beforeAll(async () => {
  // The real limits, small; TRUST_PROXY so that X-Forwarded-For names each request's source.
  s = await startTestServer({ scryptCost: 1024, signinRatePerMinute: 5, publicRatePerMinute: 4, trustProxy: 'loopback' });
});
afterAll(async () => {
  await s?.close();
});

const from = (ip: string) => ({ 'x-forwarded-for': ip });

describe('sign-ins per source address (finding 5)', () => {
  it('the 6th sign-in in a minute from one address is 429 with Retry-After; another address is not limited', async () => {
    const user = await s.createUser({ roles: ['staff'] });
    for (let i = 0; i < 5; i++) {
      const res = await request(s.url).post('/api/auth/login').set(from('203.0.113.7')).send({ username: user.username, password: 'Wrong#Pass9' });
      expect(res.status, `attempt ${i + 1}`).not.toBe(429);
    }
    const limited = await request(s.url).post('/api/auth/login').set(from('203.0.113.7')).send({ username: user.username, password: user.password });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('too_many_requests');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Another address: its own count. (The user name's own lock is another matter: 5 failures lock it.)
    const other = await s.createUser({ roles: ['staff'] });
    expect((await request(s.url).post('/api/auth/login').set(from('198.51.100.9')).send({ username: other.username, password: other.password })).status).toBe(200);
    const row = await s.ctx.db.knex('rate_limits').where({ bucket: 'signin', key: '203.0.113.7' }).first();
    expect(row.hits).toBeGreaterThanOrEqual(6);
  });

  it(`the counters are in the database: ${usingPostgres ? 'a second server on the same database' : 'the same server'} refuses the same address`, async () => {
    let url = s.url;
    let close = async () => undefined;
    if (usingPostgres) {
      const sib = await openSibling(s.ctx);
      const server = http.createServer(buildRequestListener(sib));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      close = async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await sib.db.close();
      };
    }
    try {
      for (let i = 0; i < 5; i++) await request(s.url).post('/api/auth/login').set(from('192.0.2.44')).send({ username: `nobody${i}`, password: 'x' });
      const there = await request(url).post('/api/auth/login').set(from('192.0.2.44')).send({ username: 'nobody', password: 'x' });
      expect(there.status).toBe(429);
    } finally {
      await close();
    }
  });
});

describe('the public check per source address (finding 4)', () => {
  it('429 with Retry-After after the limit, for that address only; public answers carry cache headers', async () => {
    for (let i = 0; i < 4; i++) {
      const res = await request(s.url).get(`/verify/2026-00000${i}`).set(from('203.0.113.50'));
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('public, max-age=60');
    }
    const limited = await request(s.url).get('/verify/2026-000009').set(from('203.0.113.50'));
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBeTruthy();
    expect((await request(s.url).get('/verify/2026-000009').set(from('203.0.113.51'))).status).toBe(200);
  });

  it('PIN changes without sign-in are limited per address too', async () => {
    for (let i = 0; i < 5; i++) await request(s.url).post('/api/badges/pin/change').set(from('203.0.113.60')).send({ badge: 'tb1_x', currentPin: '482913', newPin: '583920' });
    expect((await request(s.url).post('/api/badges/pin/change').set(from('203.0.113.60')).send({ badge: 'tb1_x', currentPin: '482913', newPin: '583920' })).status).toBe(429);
  });
});

describe('finding 14', () => {
  it('a body with 60,000 unknown keys gets a short 400: at most 20 details, the rest counted', async () => {
    const body: Record<string, number> = { name: 1 };
    for (let i = 0; i < 60_000; i++) body[`k${i}`] = i;
    const res = await request(s.url).post('/api/orgs').set({ authorization: `Bearer ${await s.adminToken()}` }).send(body);
    expect(res.status).toBe(400);
    expect(res.text.length).toBeLessThan(8_000);
    expect(res.body.error.details.length).toBeLessThanOrEqual(21);
    expect(res.body.error.details.at(-1).code).toBe('more_issues');
  });

  it('guards see who someone is, not their personal fields; responsible persons see them', async () => {
    const guard = await s.createUser({ roles: ['guard'] });
    const responsible = await s.createUser({ roles: ['responsible'] });
    const person = await request(s.url).get(`/api/people/${responsible.personId}`).set({ authorization: `Bearer ${await s.login(guard)}` });
    expect(person.status).toBe(200);
    expect(person.body).toMatchObject({ id: responsible.personId, name: responsible.name });
    for (const field of ['email', 'phone', 'birthday', 'username']) expect(person.body, field).not.toHaveProperty(field);
    const list = await request(s.url).get('/api/people').set({ authorization: `Bearer ${await s.login(guard)}` });
    expect(list.body.items.some((p: Record<string, unknown>) => 'username' in p || 'phone' in p)).toBe(false);
    const full = await request(s.url).get(`/api/people/${guard.personId}`).set({ authorization: `Bearer ${await s.login(responsible)}` });
    expect(full.body.username).toBe(guard.username);
  });
});

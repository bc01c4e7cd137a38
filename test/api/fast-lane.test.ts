// The fast lane (server/http/fast-lane.ts) answers POST /api/scans exactly as Express does: the
// same status, headers and body for every kind of request a scanner or an attacker can send, the
// same access-log row, the same entries. Two listeners on one database are compared: the server's
// own (fast lane in front of Express) and the bare Express application.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { z } from 'zod';
import { buildApp, buildRequestListener } from '../../server/app.js';
import { fastLane } from '../../server/http/fast-lane.js';
import { asFastRoute, defineFastRoute } from '../../server/http/route.js';
import { flushAccessLog } from '../../server/access-log/recorder.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ok } from '../helpers/api.js';

type Lane = 'fast' | 'express';

/** A server on `listener` that notes which lane answered each request (Express's router sets req.next). */
async function laneServer(listener: http.RequestListener) {
  const lanes: Lane[] = [];
  const server = http.createServer((req, res) => {
    res.on('finish', () => lanes.push(typeof (req as { next?: unknown }).next === 'function' ? 'express' : 'fast'));
    listener(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, lanes, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

let s: TestServer;
let fast: Awaited<ReturnType<typeof laneServer>>;
let plain: Awaited<ReturnType<typeof laneServer>>;
let token = '';
let auditorToken = '';
let roomId = '';
const badges: string[] = [];

beforeAll(async () => {
  s = await startTestServer({ scryptCost: 1024 });
  fast = await laneServer(buildRequestListener(s.ctx));
  plain = await laneServer(buildApp(s.ctx));
  const admin = await s.adminToken();
  const guard = await s.createUser({ roles: ['guard'], password: 'Tq9#pW4$zN' });
  token = await s.login(guard);
  const auditor = await s.createUser({ roles: ['auditor'], password: 'Tq9#pW4$zN' });
  auditorToken = await s.login(auditor);
  const orgs = await request(s.url).get('/api/orgs').set({ authorization: `Bearer ${admin}` });
  const orgId = orgs.body.items.find((o: { kind: string }) => o.kind === 'contractor').id as string;
  roomId = (await ok(await request(s.url).post('/api/rooms').set({ authorization: `Bearer ${admin}` }).send({ name: '高速レーン室', kind: 'secure' }), 201)).id;
  for (let i = 0; i < 2; i += 1) {
    const person = await ok(await request(s.url).post('/api/people').set({ authorization: `Bearer ${admin}` }).send({ name: `比較 太郎${i}`, orgId, roles: ['staff'] }), 201);
    await ok(await request(s.url).post(`/api/rooms/${roomId}/access`).set({ authorization: `Bearer ${admin}` }).send({ personId: person.id }), 201);
    badges.push((await ok(await request(s.url).post('/api/badges').set({ authorization: `Bearer ${admin}` }).send({ personId: person.id }), 201)).token);
  }
});

afterAll(async () => {
  for (const l of [fast, plain]) if (l) await new Promise((resolve) => l.server.close(resolve));
  await s?.close();
});

interface Sent {
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** One raw request (no client-side JSON handling), answered with its status, headers and body. */
function send(base: string, { path = '/api/scans', headers = {}, body }: Sent): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method: 'POST', headers: { ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Headers that differ between any two answers (time, connection handling, length) are left out. */
function comparable(headers: http.IncomingHttpHeaders) {
  const { date: _date, connection: _connection, 'keep-alive': _keepAlive, 'content-length': _length, ...rest } = headers;
  return rest;
}

/** A scan's answer without what differs between two scans (entry id, time). */
function comparableBody(body: string) {
  try {
    const json = JSON.parse(body) as Record<string, unknown>;
    if (typeof json.entryId === 'string') {
      expect(json.entryId).toMatch(/^\d+$/);
      expect(typeof json.at).toBe('string');
      // Each server scans a person of its own (比較 太郎0 / 比較 太郎1), so both see the same state.
      const person = json.person as { id: string; name: string } | undefined;
      if (person) expect(person.name).toMatch(/^比較 太郎[01]$/);
      return { ...json, entryId: '<id>', at: '<at>', ...(person ? { person: '<person>' } : {}) };
    }
    return json;
  } catch {
    return body;
  }
}

const json = (t = token) => ({ 'content-type': 'application/json', authorization: `Bearer ${t}` });
const scan = (badge: string, extra: Record<string, unknown> = {}) => JSON.stringify({ roomId, badge, direction: 'in', ...extra });

// Every kind of request: each is sent to both servers, one after the other. Scans that change
// presence use a badge of their own per server, so both servers see the same state.
const cases: Array<{ name: string; lane: Lane; request: (badge: string) => Sent; status: number }> = [
  { name: 'a granted scan', lane: 'fast', status: 201, request: (badge) => ({ headers: json(), body: scan(badge) }) },
  { name: 'a denied scan (already inside)', lane: 'fast', status: 201, request: (badge) => ({ headers: json(), body: scan(badge) }) },
  { name: 'charset=utf-8 in the content type', lane: 'fast', status: 201, request: (badge) => ({ headers: { ...json(), 'content-type': 'application/json; charset=utf-8' }, body: scan(badge, { direction: 'out' }) }) },
  { name: 'an unknown badge', lane: 'fast', status: 201, request: () => ({ headers: json(), body: scan('tb1_unknownunknownunknownunknown') }) },
  { name: 'an unknown room', lane: 'fast', status: 404, request: (badge) => ({ headers: json(), body: JSON.stringify({ roomId: '00000000-0000-4000-8000-000000000000', badge }) }) },
  { name: 'a missing badge field', lane: 'fast', status: 400, request: () => ({ headers: json(), body: JSON.stringify({ roomId }) }) },
  { name: 'an unknown field', lane: 'fast', status: 400, request: (badge) => ({ headers: json(), body: scan(badge, { extra: 1 }) }) },
  { name: 'a string body', lane: 'fast', status: 400, request: () => ({ headers: json(), body: '"text"' }) },
  { name: 'malformed JSON', lane: 'fast', status: 400, request: () => ({ headers: json(), body: '{"roomId":' }) },
  { name: 'invalid UTF-8', lane: 'fast', status: 400, request: () => ({ headers: json(), body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) }) },
  { name: 'a byte order mark before the JSON', lane: 'fast', status: 201, request: (badge) => ({ headers: json(), body: `\uFEFF${scan(badge, { direction: 'out' })}` }) },
  { name: 'a NUL character', lane: 'fast', status: 400, request: () => ({ headers: json(), body: scan('abc\u0000def') }) },
  { name: 'a __proto__ key', lane: 'fast', status: 400, request: (badge) => ({ headers: json(), body: `{"roomId":"${roomId}","badge":"${badge}","__proto__":{"x":1}}` }) },
  { name: 'nesting too deep', lane: 'fast', status: 400, request: () => ({ headers: json(), body: `{"roomId":${'['.repeat(40)}${']'.repeat(40)}}` }) },
  { name: 'no token', lane: 'fast', status: 401, request: (badge) => ({ headers: { 'content-type': 'application/json' }, body: scan(badge) }) },
  { name: 'a forged token', lane: 'fast', status: 401, request: (badge) => ({ headers: json('eyJhbGciOiJIUzI1NiJ9.e30.bad'), body: scan(badge) }) },
  { name: 'an auditor (no scans:write)', lane: 'fast', status: 403, request: (badge) => ({ headers: json(auditorToken), body: scan(badge) }) },
  { name: 'no token and a bad body: 401 first', lane: 'fast', status: 401, request: () => ({ headers: { 'content-type': 'application/json' }, body: '{}' }) },
  { name: 'text/plain (Express)', lane: 'express', status: 415, request: (badge) => ({ headers: { ...json(), 'content-type': 'text/plain' }, body: scan(badge) }) },
  { name: 'UTF-16 declared (Express)', lane: 'express', status: 415, request: (badge) => ({ headers: { ...json(), 'content-type': 'application/json; charset=utf-16' }, body: scan(badge) }) },
  { name: 'a body over 1 MB (Express)', lane: 'express', status: 413, request: () => ({ headers: json(), body: JSON.stringify({ roomId, badge: 'x'.repeat(1_100_000) }) }) },
  { name: 'no body (Express)', lane: 'express', status: 400, request: () => ({ headers: json() }) },
  { name: 'only a byte order mark (an empty body is {})', lane: 'fast', status: 400, request: () => ({ headers: json(), body: '\uFEFF' }) },
  { name: 'only white space', lane: 'fast', status: 400, request: () => ({ headers: json(), body: ' \n\t ' }) },
  { name: 'an array', lane: 'fast', status: 400, request: () => ({ headers: json(), body: '[1,2]' }) },
  { name: 'JSON with a trailing comma', lane: 'fast', status: 400, request: (badge) => ({ headers: json(), body: `{"roomId":"${roomId}","badge":"${badge}",}` }) },
  { name: 'a badge of 600 characters', lane: 'fast', status: 400, request: () => ({ headers: json(), body: scan('x'.repeat(600)) }) },
  { name: 'a body just over 16 KiB (Express)', lane: 'express', status: 400, request: () => ({ headers: json(), body: JSON.stringify({ roomId, badge: 'y'.repeat(17_000) }) }) },
  { name: 'charset=utf8 without the dash (Express)', lane: 'express', status: 415, request: (badge) => ({ headers: { ...json(), 'content-type': 'application/json; charset=utf8' }, body: scan(badge) }) },
  { name: 'upper-case content type', lane: 'fast', status: 201, request: (badge) => ({ headers: { ...json(), 'content-type': 'APPLICATION/JSON; CHARSET=UTF-8' }, body: scan(badge, { direction: 'in' }) }) },
  { name: 'a content type with another parameter (Express)', lane: 'express', status: 201, request: (badge) => ({ headers: { ...json(), 'content-type': 'application/json; charset=utf-8; x=1' }, body: scan(badge, { direction: 'out' }) }) },
  { name: 'a gzip content encoding (Express)', lane: 'express', status: 400, request: (badge) => ({ headers: { ...json(), 'content-encoding': 'gzip' }, body: scan(badge) }) },
  { name: 'a query string (Express)', lane: 'express', status: 201, request: (badge) => ({ path: '/api/scans?x=1', headers: json(), body: scan(badge, { direction: 'out' }) }) },
  { name: 'a trailing slash (Express)', lane: 'express', status: 201, request: (badge) => ({ path: '/api/scans/', headers: json(), body: scan(badge) }) },
];

describe('POST /api/scans: the fast lane answers exactly as Express', () => {
  it.each(cases.map((c, i) => [c.name, i] as const))('%s', async (_name, i) => {
    const c = cases[i]!;
    const [badgeFast, badgePlain] = badges as [string, string];
    const a = await send(fast.url, c.request(badgeFast));
    const b = await send(plain.url, c.request(badgePlain));
    expect(a.status, a.body).toBe(c.status);
    expect(b.status, b.body).toBe(c.status);
    expect(comparable(a.headers)).toEqual(comparable(b.headers));
    expect(comparableBody(a.body)).toEqual(comparableBody(b.body));
    for (const answer of [a, b]) expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.body));
    if (a.status >= 400) expect(Object.keys(JSON.parse(a.body))).toEqual(['error']);
    // The request went the lane it should (else this test would compare Express with itself).
    expect(fast.lanes.at(-1)).toBe(c.lane);
    expect(plain.lanes.at(-1)).toBe('express');
  });

  it('security headers are there on the fast lane (helmet, no-store, JSON)', async () => {
    const a = await send(fast.url, { headers: json(), body: scan(badges[0]!, { direction: 'out' }) });
    expect(a.headers['content-security-policy']).toContain("default-src 'self'");
    expect(a.headers['x-frame-options']).toBe('DENY');
    expect(a.headers['x-content-type-options']).toBe('nosniff');
    expect(a.headers['cache-control']).toBe('no-store');
    expect(a.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(a.headers['x-powered-by']).toBeUndefined();
  });

  it('writes the same access-log row (who, path, status, source) on both lanes (E2.15)', async () => {
    const since = new Date();
    await send(fast.url, { headers: json(), body: scan('tb1_nobodynobodynobodynobody') });
    await send(plain.url, { headers: json(), body: scan('tb1_nobodynobodynobodynobody') });
    await send(fast.url, { headers: json('bad'), body: '{}' });
    await send(plain.url, { headers: json('bad'), body: '{}' });
    await flushAccessLog(s.ctx);
    const rows = (await s.ctx.db
      .knex('access_log')
      .where('at', '>=', since)
      .orderBy('id')
      .select('account_id', 'username', 'method', 'path', 'status', 'source_ip')) as Array<Record<string, unknown>>;
    expect(rows).toHaveLength(4);
    expect(rows[0]).toEqual(rows[1]);
    expect(rows[2]).toEqual(rows[3]);
    expect(rows[0]).toMatchObject({ method: 'POST', path: '/api/scans', status: 201, source_ip: '127.0.0.1' });
    expect(rows[0]!.account_id).toEqual(expect.any(String));
    expect(rows[2]).toMatchObject({ account_id: null, status: 401 });
  });

  it('with CORS configured: a request with an Origin goes to Express (CORS headers), one without takes the fast lane; answers alike', async () => {
    const cors = await startTestServer({ scryptCost: 1024, corsOrigin: 'https://desk.example.jp' });
    const corsFast = await laneServer(buildRequestListener(cors.ctx));
    const corsPlain = await laneServer(buildApp(cors.ctx));
    try {
      const variants: Array<Record<string, string>> = [{ 'content-type': 'application/json', origin: 'https://desk.example.jp' }, { 'content-type': 'application/json' }];
      for (const headers of variants) {
        const a = await send(corsFast.url, { headers, body: '{}' });
        const b = await send(corsPlain.url, { headers, body: '{}' });
        expect(a.status).toBe(401);
        expect(a.headers['access-control-allow-origin']).toBe('origin' in headers ? 'https://desk.example.jp' : undefined);
        expect(comparable(a.headers)).toEqual(comparable(b.headers));
        expect(a.body).toBe(b.body);
      }
      expect(corsFast.lanes).toEqual(['express', 'fast']);
    } finally {
      for (const l of [corsFast, corsPlain]) await new Promise((resolve) => l.server.close(resolve));
      await cors.close();
    }
  });

  it('an answer that cannot be written (a value JSON cannot hold) is a 500 in the contract\'s shape, and the server goes on', async () => {
    const boom = asFastRoute(
      defineFastRoute({
        method: 'post',
        path: '/api/boom',
        summary: 'test only',
        tags: ['test'],
        access: 'public',
        transaction: false,
        body: z.object({}),
        responses: {},
        handler: async () => ({ json: { n: 10n } }),
      }),
    )!;
    const lane = fastLane(s.ctx, { routes: [boom], securityHeaders: [], cors: false, trustProxy: () => false });
    const own = await laneServer((req, res) => {
      if (!lane(req, res)) res.writeHead(404).end();
    });
    try {
      for (let i = 0; i < 2; i += 1) {
        const res = await send(own.url, { path: '/api/boom', headers: { 'content-type': 'application/json' }, body: '{}' });
        expect(res.status).toBe(500);
        expect(JSON.parse(res.body)).toEqual({ error: { code: 'internal_error', message: expect.any(String), details: [] } });
        expect(res.body).not.toMatch(/BigInt|at .+\.ts/);
      }
      expect(own.lanes).toEqual(['fast', 'fast']);
    } finally {
      await new Promise((resolve) => own.server.close(resolve));
    }
  });

  it('behind a trusted proxy (TRUST_PROXY), both lanes log the same client address from X-Forwarded-For', async () => {
    const proxied = await startTestServer({ scryptCost: 1024, trustProxy: 'loopback' });
    const pFast = await laneServer(buildRequestListener(proxied.ctx));
    const pPlain = await laneServer(buildApp(proxied.ctx));
    try {
      const since = new Date();
      const headers = { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.7' };
      await send(pFast.url, { headers, body: '{}' });
      await send(pPlain.url, { headers, body: '{}' });
      await flushAccessLog(proxied.ctx);
      const rows = (await proxied.ctx.db.knex('access_log').where('at', '>=', since).andWhere({ path: '/api/scans' }).orderBy('id').select('source_ip', 'status')) as Array<Record<string, unknown>>;
      expect(rows).toEqual([
        { source_ip: '203.0.113.7', status: 401 },
        { source_ip: '203.0.113.7', status: 401 },
      ]);
      expect(pFast.lanes).toEqual(['fast']);
    } finally {
      for (const l of [pFast, pPlain]) await new Promise((resolve) => l.server.close(resolve));
      await proxied.close();
    }
  });
});

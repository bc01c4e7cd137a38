// Which requests the fast lane takes (server/http/fast-lane.ts); everything else must go to
// Express untouched. The answers themselves are compared with Express's in test/api/fast-lane.test.ts.
import type http from 'node:http';
import { describe, expect, it } from 'vitest';
import { fastLane, FAST_LANE_MAX_BODY } from '../../server/http/fast-lane.js';
import type { FastRouteDef } from '../../server/http/route.js';
import type { AppContext } from '../../server/context.js';

const route = { method: 'post', path: '/api/scans', fastLane: true } as unknown as FastRouteDef;
const noTrust = () => false;

function lane(cors = false) {
  // The context is only used once a request is taken; these requests are never read.
  return fastLane({} as AppContext, { routes: [route], securityHeaders: [['X-Test', '1']], cors, trustProxy: noTrust });
}

/** A request as node:http hands it over (its body never arrives: a taken request just waits). */
function takes(l: ReturnType<typeof lane>, method: string, url: string, headers: Record<string, string>): boolean {
  const on = () => undefined;
  const req = { method, url, headers, on, socket: { remoteAddress: '127.0.0.1' }, connection: { remoteAddress: '127.0.0.1' } } as unknown as http.IncomingMessage;
  return l(req, { on } as unknown as http.ServerResponse);
}

const json = { 'content-type': 'application/json', 'content-length': '60' };

describe('fast lane: which requests it takes', () => {
  it('takes a plain JSON POST to the exact path', () => {
    expect(takes(lane(), 'POST', '/api/scans', json)).toBe(true);
    expect(takes(lane(), 'POST', '/api/scans', { ...json, 'content-type': 'application/json; charset=utf-8' })).toBe(true);
    expect(takes(lane(), 'POST', '/api/scans', { ...json, 'content-type': 'Application/JSON;charset=UTF-8' })).toBe(true);
    expect(takes(lane(), 'POST', '/api/scans', { ...json, 'content-length': String(FAST_LANE_MAX_BODY) })).toBe(true);
  });

  it.each([
    ['another method', 'PUT', '/api/scans', json],
    ['another path', 'POST', '/api/entries', json],
    ['a query string', 'POST', '/api/scans?x=1', json],
    ['a trailing slash', 'POST', '/api/scans/', json],
    ['other letter case', 'POST', '/API/SCANS', json],
    ['no content type', 'POST', '/api/scans', { 'content-length': '60' }],
    ['text/plain', 'POST', '/api/scans', { ...json, 'content-type': 'text/plain' }],
    ['charset utf8 (no dash)', 'POST', '/api/scans', { ...json, 'content-type': 'application/json; charset=utf8' }],
    ['another parameter', 'POST', '/api/scans', { ...json, 'content-type': 'application/json; charset=utf-8; v=1' }],
    ['no length (chunked)', 'POST', '/api/scans', { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }],
    ['an empty body', 'POST', '/api/scans', { ...json, 'content-length': '0' }],
    ['a body over the limit', 'POST', '/api/scans', { ...json, 'content-length': String(FAST_LANE_MAX_BODY + 1) }],
    ['a compressed body', 'POST', '/api/scans', { ...json, 'content-encoding': 'gzip' }],
  ])('leaves %s to Express', (_what, method, url, headers) => {
    expect(takes(lane(), method, url, headers)).toBe(false);
  });

  it('with CORS configured, leaves requests with an Origin to Express (its CORS step)', () => {
    expect(takes(lane(true), 'POST', '/api/scans', { ...json, origin: 'https://desk.example.jp' })).toBe(false);
    expect(takes(lane(true), 'POST', '/api/scans', json)).toBe(true);
    expect(takes(lane(false), 'POST', '/api/scans', { ...json, origin: 'https://desk.example.jp' })).toBe(true);
  });

  it('refuses routes it cannot serve exactly: path parameters, or outside /api', () => {
    const make = (path: string) => () => fastLane({} as AppContext, { routes: [{ ...route, path } as FastRouteDef], securityHeaders: [], cors: false, trustProxy: noTrust });
    expect(make('/api/rooms/:id/occupancy')).toThrow(/without parameters/);
    expect(make('/verify/x')).toThrow(/\/api path/);
  });
});

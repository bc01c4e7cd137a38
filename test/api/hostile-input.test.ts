// Hostile input against EVERY write endpoint, discovered from `allRoutes`: an endpoint added
// later is covered by this file without touching it. For each one (as an administrator with a
// valid token) a battery of malformed, oversized, deeply nested, mistyped, polluting and
// injecting requests is sent, and every answer must be:
//   - a 4xx (never a 5xx: "never a 500 for anything a client can send"),
//   - in the contract's error shape { error: { code, message, details: [...] } },
//   - free of stack traces, SQL text and file paths,
// and the database must be exactly as it was before the battery ("a request that fails
// changes nothing"): same row count and same content in every table of the public schema,
// same journal head.
//
// Also: unknown ids on GET routes → 404; unknown /api paths → 404; security headers; CORS.
import crypto from 'node:crypto';
import http from 'node:http';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { z } from 'zod';
import { allRoutes } from '../../server/app.js';
import type { AnyRoute } from '../../server/http/route.js';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
let token: string;
let adminOrgId: string;
/** A depositor and a responsible person, so that the seeding appointment (E1.1) is made and the battery's paths under /api/depositor-appointments/:id name a real one. */
let seedDepositorId: string;
let seedResponsibleId: string;

beforeAll(async () => {
  s = await startTestServer();
  token = await s.adminToken();
  adminOrgId = (await s.ctx.db.knex('people').where({ id: s.admin.personId }).first('org_id')).org_id as string;
  const auth = { authorization: `Bearer ${token}` };
  seedDepositorId = (await request(s.url).post('/api/orgs').set(auth).send({ name: '預託元（入力検査）', kind: 'depositor' })).body.id;
  seedResponsibleId = (await request(s.url).post('/api/people').set(auth).send({ name: '責任 検査', orgId: adminOrgId, roles: ['responsible'] })).body.id;
});
afterAll(async () => {
  await s?.close();
});

const WRITE_ROUTES = allRoutes.filter((r) => r.method !== 'get');
const GET_ROUTES_WITH_IDS = allRoutes.filter((r) => r.method === 'get' && idParamsOf(r.path).length > 0);
const label = (r: AnyRoute) => `${r.method.toUpperCase()} ${r.path}`;

function paramsOf(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
}
function idParamsOf(path: string): string[] {
  return paramsOf(path).filter((p) => p === 'id' || /Id$/.test(p));
}

// ------------------------------------------------------------------------------------------
// Database snapshot: every table of the public schema, row count + content fingerprint, and the
// journal head. Two exclusions, both by design:
//   - access_log: E2.15 records every request, failed ones included, after the answer;
//   - sessions.last_seen_at: authenticating a request refreshes the idle timer (E3.6).
// Everything else must be byte-for-byte unchanged by a battery of rejected requests.
const VOLATILE_COLUMNS: Record<string, string[]> = { sessions: ['last_seen_at'] };
const EXCLUDED_TABLES = new Set(['access_log']);

async function publicTables(): Promise<string[]> {
  const { rows } = await s.ctx.db.knex.raw(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname`,
  );
  return (rows as Array<{ name: string }>).map((r) => r.name);
}

async function snapshot(): Promise<Record<string, string>> {
  const knex = s.ctx.db.knex;
  const out: Record<string, string> = {};
  for (const table of await publicTables()) {
    if (EXCLUDED_TABLES.has(table)) continue;
    // Column names come from the constant above, never from input.
    const minus = (VOLATILE_COLUMNS[table] ?? []).map((c) => ` - '${c}'`).join('');
    const { rows } = await knex.raw(
      `SELECT count(*)::text AS n, md5(coalesce(string_agg(r, E'\\n' ORDER BY r), '')) AS h
         FROM (SELECT (to_jsonb(x)${minus})::text AS r FROM ?? x) q`,
      [table],
    );
    const row = rows[0] as { n: string; h: string };
    out[`${table}.rows`] = row.n;
    out[`${table}.content`] = row.h;
  }
  const head = await knex('journal_entries').where({ chain: 'main' }).orderBy('seq', 'desc').first('seq', 'hash');
  out['journal.head'] = head ? `${head.seq}:${head.hash}` : 'empty';
  return out;
}

// ------------------------------------------------------------------------------------------
// Existing ids, found by resource name: `:id` after `/orgs` → organisations, `personId` → people,
// `roomId` → rooms (if that table exists and has a row), …
const KNOWN_TABLES: Record<string, string> = { person: 'people', people: 'people', org: 'organisations', orgs: 'organisations', organisation: 'organisations', medium: 'media', media: 'media' };

async function existingIdFor(resource: string): Promise<string | null> {
  const r = resource.replace(/-/g, '_').replace(/Ids?$/, '').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  const words = r.split('_').filter(Boolean);
  const candidates = new Set<string>();
  for (const name of [r, words[words.length - 1] ?? r]) {
    if (KNOWN_TABLES[name]) candidates.add(KNOWN_TABLES[name]!);
    const singular = name.replace(/s$/, '');
    for (const t of [name, `${name}s`, `${name}es`, singular, `${singular}s`]) candidates.add(t);
  }
  if (candidates.has('people')) return s.admin.personId;
  if (candidates.has('organisations')) return adminOrgId;
  const tables = new Set(await publicTables());
  for (const t of candidates) {
    if (!tables.has(t)) continue;
    const row = await s.ctx.db.knex(t).first('id').catch(() => undefined);
    if (row?.id) return String(row.id);
  }
  return null;
}

/**
 * Where the contract answers an unknown path value otherwise than 404: a disposition for a finding
 * that is not in the week's review is 400 unknown_finding (issue 16, "Bad input"); a key that is no
 * key at all (a NUL) stays 404.
 */
const UNKNOWN_PARAM_STATUS: Record<string, number[]> = { 'PUT /api/reviews/:week/dispositions/:key :key': [400, 404] };

/** Path parameters that are not uuids: a valid value of their own format (the weekly review's ISO week; an after-hours alert's number, which names none here). */
const PARAM_VALUES: Record<string, string> = { week: '2026-W01', alertId: '1', reportNo: 'MR-2026-00001' };

async function fillPath(path: string, garbage?: { param: string; value: string }): Promise<string> {
  let out = path;
  for (const param of paramsOf(path)) {
    let value: string;
    if (garbage && garbage.param === param) {
      value = garbage.value;
    } else if (PARAM_VALUES[param]) {
      value = encodeURIComponent(PARAM_VALUES[param]!);
    } else {
      const before = path.split(`:${param}`)[0]!.split('/').filter(Boolean).pop() ?? param;
      value = encodeURIComponent((await existingIdFor(param === 'id' ? before : param)) ?? crypto.randomUUID());
    }
    out = out.replace(`:${param}`, value);
  }
  return out;
}

// ------------------------------------------------------------------------------------------
// A valid baseline body, generated from the route's own zod schema (as JSON Schema), so that in
// each hostile variant the one mutated value is the only reason to refuse the request.
interface JS {
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  items?: JS;
  prefixItems?: JS[];
  minItems?: number;
  properties?: Record<string, JS>;
  required?: string[];
  anyOf?: JS[];
  oneOf?: JS[];
  allOf?: JS[];
  $ref?: string;
  $defs?: Record<string, JS>;
}

function bodyJsonSchema(route: AnyRoute): JS {
  return z.toJSONSchema(route.body!, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as JS;
}

/** Resolves $ref and picks the non-null branch of a union; `nullable` when null is allowed. */
function resolve(js: JS, root: JS): { js: JS; nullable: boolean } {
  let cur = js;
  let nullable = false;
  for (let i = 0; i < 10; i++) {
    if (cur.$ref?.startsWith('#/$defs/')) {
      cur = root.$defs?.[cur.$ref.slice('#/$defs/'.length)] ?? {};
      continue;
    }
    const union = cur.anyOf ?? cur.oneOf;
    if (union) {
      nullable ||= union.some((u) => u.type === 'null');
      cur = union.find((u) => u.type !== 'null') ?? {};
      continue;
    }
    if (cur.allOf?.length === 1) {
      cur = cur.allOf[0]!;
      continue;
    }
    break;
  }
  if (Array.isArray(cur.type)) {
    nullable ||= cur.type.includes('null');
    cur = { ...cur, type: cur.type.find((t) => t !== 'null') };
  }
  return { js: cur, nullable };
}

const STRONG_PASSWORD = 'Hq4#Zt9!wX2$mK7v'; // no word of any generated name in it (password policy)
const PATTERN_CANDIDATES = ['hostile.probe', 'Probe1', '03-1234-5678', '+81 3 1234 5678', '0312345678', '08:30', 'A1', 'abc', '1', 'ABC-123', 'probe@example.com', '2030-01-01', '2030-01-01T09:00:00+09:00', '2026-01'];

async function sample(jsIn: JS, key: string, root: JS): Promise<unknown> {
  const { js } = resolve(jsIn, root);
  if (js.const !== undefined) return js.const;
  if (Array.isArray(js.enum)) return js.enum[0];
  const k = key.toLowerCase();
  switch (js.type) {
    case 'string': {
      if (js.format === 'uuid' || key === 'id' || /[a-z]Ids?$/.test(key)) return (await existingIdFor(key)) ?? s.admin.personId;
      if (js.format === 'email') return 'hostile.probe@example.com';
      if (js.format === 'date') return '1990-04-01';
      if (js.format === 'date-time') {
        // Ends and expiries in the future, everything else (signed, held, performed…) in the past.
        const future = /until|expires|end|due|to$/i.test(key);
        return new Date(Date.now() + (future ? 365 : -1) * 86_400_000).toISOString();
      }
      if (k === 'currentpassword') return ADMIN_PASSWORD;
      if (k.includes('password')) return STRONG_PASSWORD;
      if (k === 'badge') return s.admin.badgeToken;
      if (k === 'pin') return s.admin.badgePin;
      const min = js.minLength ?? 1;
      const max = js.maxLength ?? 200;
      const fits = (v: string) => v.length >= min && v.length <= max && (!js.pattern || new RegExp(js.pattern, 'u').test(v));
      const plain = `Hostile probe ${key}`.slice(0, max).padEnd(min, 'x');
      return [plain, ...PATTERN_CANDIDATES].find(fits) ?? plain;
    }
    case 'integer':
    case 'number': {
      const lo = js.minimum ?? (js.exclusiveMinimum !== undefined ? js.exclusiveMinimum + 1 : 1);
      return js.maximum !== undefined ? Math.min(lo, js.maximum) : lo;
    }
    case 'boolean':
      return false;
    case 'array': {
      if (js.prefixItems) return Promise.all(js.prefixItems.map((p) => sample(p, key, root)));
      const n = Math.max(js.minItems ?? 1, 1);
      const items = js.items ? resolve(js.items, root).js : {};
      if (Array.isArray(items.enum)) return items.enum.slice(0, n);
      return Promise.all(Array.from({ length: n }, () => sample(items, key, root)));
    }
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [name, prop] of Object.entries(js.properties ?? {})) out[name] = await sample(prop, name, root);
      return out;
    }
    default:
      return 'probe';
  }
}

const BASELINE_OVERRIDES: Record<string, () => Record<string, unknown>> = {
  // A real sign-in: if any hostile variant slipped through, a session and a journal entry appear.
  'post /api/auth/login': () => ({ username: s.admin.username, password: ADMIN_PASSWORD, badge: s.admin.badgeToken, pin: s.admin.badgePin }),
  // A real appointment (E1.1): the generator's organisation is no depositor, its person not responsible.
  'post /api/depositor-appointments': () => ({ depositorOrgId: seedDepositorId, personId: seedResponsibleId, role: 'responsible' }),
};

/** A body the route's schema accepts; optional fields the generator cannot satisfy are dropped. */
async function baselineFor(route: AnyRoute): Promise<Record<string, unknown> | null> {
  if (!route.body) return null;
  const override = BASELINE_OVERRIDES[`${route.method} ${route.path}`];
  const root = bodyJsonSchema(route);
  const body = (override ? override() : await sample(root, 'body', root)) as Record<string, unknown>;
  for (let i = 0; i < 50; i++) {
    const result = route.body.safeParse(body);
    if (result.success) break;
    let dropped = false;
    for (const issue of result.error.issues) {
      const path = issue.path.map(String);
      // Drop the shallowest optional field on the issue's path.
      for (let depth = 1; depth <= path.length && !dropped; depth++) {
        const parentPath = path.slice(0, depth - 1);
        const parent = getAt(body, parentPath) as Record<string, unknown> | undefined;
        const parentSchema = schemaAt(root, parentPath);
        const name = path[depth - 1]!;
        if (parent && typeof parent === 'object' && !Array.isArray(parent) && !(parentSchema?.required ?? []).includes(name)) {
          delete parent[name];
          dropped = true;
        }
      }
    }
    if (!dropped) break;
  }
  return body;
}

function getAt(value: unknown, path: string[]): unknown {
  let cur = value;
  for (const p of path) cur = (cur as Record<string, unknown> | undefined)?.[p];
  return cur;
}

function schemaAt(root: JS, path: string[]): JS | undefined {
  let cur: JS | undefined = resolve(root, root).js;
  for (const p of path) {
    if (!cur) return undefined;
    cur = cur.type === 'array' ? cur.items : cur.properties?.[p];
    if (cur) cur = resolve(cur, root).js;
  }
  return cur;
}

// ------------------------------------------------------------------------------------------
// Building hostile JSON texts. A value slot is replaced by a marker string, then the marker by
// raw JSON text — so texts JSON.stringify cannot produce (1e309, -0, "\ud800") are sent verbatim.
const MARK = 'RAW_SLOT_MARKER_9f3c';

function withRaw(base: unknown, path: string[], raw: string): string {
  if (path.length === 0) return raw;
  const copy = structuredClone(base) as Record<string, unknown>;
  const parent = getAt(copy, path.slice(0, -1)) as Record<string, unknown>;
  parent[path[path.length - 1]!] = MARK;
  return JSON.stringify(copy).replace(JSON.stringify(MARK), raw);
}

/** `{ "<key>": <valueText>, ...obj }` as text. */
function injectKey(objText: string, keyText: string, valueText: string): string {
  return objText === '{}' ? `{${keyText}:${valueText}}` : `{${keyText}:${valueText},${objText.slice(1)}`;
}

interface Slot {
  path: string[];
  type: string | undefined;
  nullable: boolean;
  idOrEnum: boolean;
}

/** Every value position of the baseline, with its schema type. */
function slotsOf(body: unknown, root: JS): Slot[] {
  const out: Slot[] = [];
  const walk = (value: unknown, js: JS | undefined, path: string[]) => {
    const r = js ? resolve(js, root) : { js: {} as JS, nullable: false };
    if (path.length > 0) {
      out.push({ path, type: r.js.type as string | undefined, nullable: r.nullable, idOrEnum: r.js.format === 'uuid' || Array.isArray(r.js.enum) });
    }
    if (Array.isArray(value) && value.length > 0) {
      walk(value[0], r.js.items ?? r.js.prefixItems?.[0], [...path, '0']);
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, r.js.properties?.[k], [...path, k]);
    }
  };
  walk(body, root, []);
  return out;
}

const WRONG_TYPES: Array<{ text: string; jsonType: string }> = [
  { text: '[]', jsonType: 'array' },
  { text: '["x"]', jsonType: 'array' },
  { text: '[["nested"]]', jsonType: 'array' },
  { text: '{}', jsonType: 'object' },
  { text: '{"k":1}', jsonType: 'object' },
  { text: 'null', jsonType: 'null' },
  { text: 'true', jsonType: 'boolean' },
  { text: 'false', jsonType: 'boolean' },
  { text: '42', jsonType: 'number' },
  { text: '"text"', jsonType: 'string' },
];
const SQL_FRAGMENTS = ["' OR 1=1 --", '1; DROP TABLE people', "admin'--", "00000000-0000-4000-8000-000000000000' OR '1'='1"];

function sameJsonType(slotType: string | undefined, jsonType: string): boolean {
  if (slotType === undefined) return true; // unknown: do not guess
  if (slotType === 'integer') return jsonType === 'number';
  return slotType === jsonType;
}

interface Variant {
  name: string;
  body?: string | Buffer;
  contentType?: string | null; // null: no Content-Type header
  headers?: Record<string, string>;
  expect?: number[];
  /** The error code that proves the right rule refused it. */
  code?: string;
}

function hostileVariants(route: AnyRoute, baseline: Record<string, unknown> | null, root: JS | null): Variant[] {
  // A route without a body schema takes no body: its "fields" are an invented one.
  const base: Record<string, unknown> = baseline ?? { probe: 'x' };
  const baseText = JSON.stringify(base);
  const v: Variant[] = [];

  // Malformed JSON.
  v.push({ name: 'malformed {bad', body: '{bad', expect: [400], code: 'malformed_json' });
  v.push({ name: 'truncated', body: baseText.slice(0, Math.max(1, baseText.length - 3)), expect: [400], code: 'malformed_json' });
  v.push({ name: 'only an open brace', body: '{', expect: [400], code: 'malformed_json' });
  v.push({ name: 'trailing garbage', body: `${baseText}xyz`, expect: [400], code: 'malformed_json' });
  v.push({ name: 'two documents', body: `${baseText}${baseText}`, expect: [400], code: 'malformed_json' });
  v.push({ name: 'trailing comma', body: baseText.replace(/}$/, ',}'), expect: [400], code: 'malformed_json' });
  v.push({ name: 'single quotes', body: baseText.replace(/"/g, "'"), expect: [400], code: 'malformed_json' });
  v.push({ name: 'whitespace only', body: '   \n', expect: [400], code: 'malformed_json' });
  // (A UTF-8 byte order mark before valid JSON is not in the battery: RFC 8259 §8.1 lets a
  // parser ignore it, and the body parser does.)
  // Top-level wrong types.
  for (const t of ['null', '"text"', '123', 'true']) v.push({ name: `top-level ${t}`, body: t, expect: [400], code: 'malformed_json' });
  for (const t of ['[]', `[${baseText}]`]) v.push({ name: `top-level ${t.slice(0, 20)}`, body: t, expect: [400] });

  // Wrong content types, and charsets other than UTF-8 (the contract: JSON in UTF-8).
  v.push({ name: 'text/plain', body: baseText, contentType: 'text/plain', expect: [415], code: 'unsupported_media_type' });
  v.push({ name: 'form-urlencoded', body: new URLSearchParams(Object.entries(base).map(([k, val]) => [k, String(val)])).toString(), contentType: 'application/x-www-form-urlencoded', expect: [415], code: 'unsupported_media_type' });
  v.push({ name: 'text/plain; charset=utf-8', body: baseText, contentType: 'text/plain; charset=utf-8', expect: [415], code: 'unsupported_media_type' });
  v.push({ name: 'application/json-seq', body: baseText, contentType: 'application/json-seq', expect: [415], code: 'unsupported_media_type' });
  v.push({ name: 'multipart', body: `--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--b--\r\n`, contentType: 'multipart/form-data; boundary=b', expect: [415], code: 'unsupported_media_type' });
  v.push({ name: 'application/xml', body: '<a/>', contentType: 'application/xml', expect: [415], code: 'unsupported_media_type' });
  v.push({ name: 'no Content-Type', body: baseText, contentType: null, expect: [415], code: 'unsupported_media_type' });
  v.push({ name: 'charset=utf-16le', body: Buffer.from(baseText, 'utf16le'), contentType: 'application/json; charset=utf-16le', expect: [415], code: 'unsupported_media_type' });
  v.push({ name: 'charset=utf-16', body: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(baseText, 'utf16le')]), contentType: 'application/json; charset=utf-16', expect: [415], code: 'unsupported_media_type' });
  v.push({ name: 'charset=latin1', body: baseText, contentType: 'application/json; charset=latin1', expect: [415], code: 'unsupported_media_type' });
  v.push({ name: 'Content-Encoding: compress', body: baseText, headers: { 'content-encoding': 'compress' }, expect: [415], code: 'unsupported_media_type' });

  // Invalid UTF-8.
  const bytes = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
  v.push({ name: 'invalid UTF-8 0xff 0xfe', body: bytes('{"probe":"', [0xff, 0xfe], '"}'), expect: [400], code: 'invalid_encoding' });
  v.push({ name: 'invalid UTF-8 at start', body: bytes([0xff, 0xfe], baseText), expect: [400], code: 'invalid_encoding' });
  v.push({ name: 'overlong UTF-8 (0xc0 0xaf)', body: bytes('{"probe":"', [0xc0, 0xaf], '"}'), expect: [400], code: 'invalid_encoding' });
  v.push({ name: 'UTF-8-encoded surrogate (0xed 0xa0 0x80)', body: bytes('{"probe":"', [0xed, 0xa0, 0x80], '"}'), expect: [400], code: 'invalid_encoding' });

  // Size and nesting.
  v.push({ name: 'body over 1 MB', body: JSON.stringify({ ...base, padding: 'a'.repeat(1_100_000) }), expect: [413], code: 'payload_too_large' });
  // Just under the limit: refused for the unknown field, not for its size (the limit is 1 MB,
  // not the parser's 100 kB default).
  v.push({ name: 'body just under 1 MB', body: JSON.stringify({ ...base, padding: 'a'.repeat(1_000_000) }), expect: [400] });
  v.push({ name: 'gzip bomb over 1 MB inflated', body: zlib.gzipSync(Buffer.from(JSON.stringify({ ...base, padding: 'a'.repeat(3_000_000) }))), headers: { 'content-encoding': 'gzip' }, expect: [413], code: 'payload_too_large' });
  v.push({ name: '10 000 nested arrays', body: '['.repeat(10_000) + ']'.repeat(10_000), expect: [400, 413], code: 'too_deep' });
  v.push({ name: '10 000 nested arrays, unclosed', body: '['.repeat(10_000), expect: [400, 413], code: 'malformed_json' });
  v.push({ name: '10 000 nested objects', body: '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000), expect: [400, 413], code: 'too_deep' });
  v.push({ name: '400 000 nested arrays (under 1 MB)', body: '['.repeat(400_000) + ']'.repeat(400_000), expect: [400, 413], code: 'too_deep' });
  v.push({ name: 'deep nesting in a field', body: withRaw(base, [Object.keys(base)[0]!], '['.repeat(10_000) + ']'.repeat(10_000)), expect: [400, 413], code: 'too_deep' });
  v.push({ name: '17 levels (just over the limit)', body: withRaw(base, [Object.keys(base)[0]!], '['.repeat(17) + ']'.repeat(17)), expect: [400], code: 'too_deep' });

  // Empty body: only refused when the schema requires something. (A route without a body
  // schema is *meant* to be called without a body, so that is not hostile.)
  if (route.body && !route.body.safeParse({}).success) {
    v.push({ name: 'empty body, JSON content type', body: '', expect: [400] });
    v.push({ name: 'no body, no content type', contentType: null, expect: [400] });
    v.push({ name: 'empty object', body: '{}', expect: [400] });
  }

  // Keys: prototype pollution, unknown fields, NUL and lone surrogates in keys — at the top
  // level and in every nested object.
  const objectPaths: string[][] = [[], ...slotsOf(base, root ?? {}).filter((sl) => { const val = getAt(base, sl.path); return val !== null && typeof val === 'object' && !Array.isArray(val); }).map((sl) => sl.path)];
  for (const p of objectPaths) {
    const objText = JSON.stringify(getAt(base, p));
    const at = p.length ? p.join('.') : 'top level';
    const keyed = (key: string, value: string) => withRaw(base, p, injectKey(objText, key, value));
    v.push({ name: `__proto__ at ${at}`, body: keyed('"__proto__"', '{"polluted":true,"isAdmin":true}'), expect: [400], code: 'forbidden_key' });
    v.push({ name: `constructor.prototype at ${at}`, body: keyed('"constructor"', '{"prototype":{"polluted":true}}'), expect: [400], code: 'forbidden_key' });
    v.push({ name: `prototype at ${at}`, body: keyed('"prototype"', '{"polluted":true}'), expect: [400], code: 'forbidden_key' });
    v.push({ name: `__proto__ nested one deeper at ${at}`, body: keyed('"wrapper"', '{"__proto__":{"polluted":true}}'), expect: [400], code: 'forbidden_key' });
    v.push({ name: `unknown extra field at ${at}`, body: keyed('"unexpectedField"', '1'), expect: [400] });
    v.push({ name: `unknown extra object at ${at}`, body: keyed('"isAdmin"', 'true'), expect: [400] });
    v.push({ name: `NUL in a key at ${at}`, body: keyed('"a\\u0000b"', '1'), expect: [400], code: 'invalid_string' });
    v.push({ name: `lone surrogate in a key at ${at}`, body: keyed('"\\ud800"', '1'), expect: [400], code: 'invalid_string' });
  }

  // Values: every slot of the baseline gets wrong types, NUL, lone surrogates, huge numbers,
  // and (for ids and enums) SQL fragments.
  const slots = baseline && root ? slotsOf(baseline, root) : [{ path: ['probe'], type: undefined, nullable: false, idOrEnum: true }];
  for (const slot of slots) {
    const at = slot.path.join('.');
    const put = (raw: string) => withRaw(base, slot.path, raw);
    for (const wt of WRONG_TYPES) {
      if (wt.jsonType === 'null' && slot.nullable) continue;
      if (sameJsonType(slot.type, wt.jsonType)) continue;
      v.push({ name: `${at} = ${wt.text}`, body: put(wt.text), expect: [400] });
    }
    v.push({ name: `${at} with NUL`, body: put('"a\\u0000b"'), expect: [400], code: 'invalid_string' });
    v.push({ name: `${at} only NUL`, body: put('"\\u0000"'), expect: [400], code: 'invalid_string' });
    v.push({ name: `${at} lone high surrogate`, body: put('"\\ud800"'), expect: [400], code: 'invalid_string' });
    v.push({ name: `${at} lone low surrogate`, body: put('"x\\udfffy"'), expect: [400], code: 'invalid_string' });
    v.push({ name: `${at} reversed pair`, body: put('"\\udc00\\ud800"'), expect: [400], code: 'invalid_string' });
    v.push({ name: `${at} = 1e309`, body: put('1e309'), expect: [400] });
    v.push({ name: `${at} = -1e309`, body: put('-1e309'), expect: [400] });
    v.push({ name: `${at} = 9007199254740993`, body: put('9007199254740993'), expect: [400] });
    if (slot.type !== 'number' && slot.type !== 'integer') {
      v.push({ name: `${at} = -0`, body: put('-0'), expect: [400] });
    }
    // SQL fragments where only an id or an enum value is valid (free text may contain them).
    if (slot.idOrEnum) {
      for (const sql of SQL_FRAGMENTS) v.push({ name: `${at} = ${sql}`, body: put(JSON.stringify(sql)), expect: [400] });
    }
    v.push({ name: `${at} huge string`, body: put(JSON.stringify('x'.repeat(100_000))), expect: [400] });
  }
  return v;
}

// ------------------------------------------------------------------------------------------
// Checking answers.
const LEAKS: Array<[string, RegExp]> = [
  // Stack frames: "\n    at fn (file:1:2)", "at fn (…)", "at /path/file.js:1:2".
  ['stack frame "at "', /\\n\s*at |\n\s*at |\bat (?:async )?[\w$.<>[\]]+ \(|\bat (?:file:\/\/)?\/[^\s"]*:\d+/],
  ['SELECT', /SELECT/],
  ['INSERT', /INSERT/],
  ['UPDATE … SET', /UPDATE\s+\S+\s+SET/],
  ['DELETE FROM', /DELETE FROM/],
  ['relation "…"', /relation "/],
  ['syntax error at or near', /syntax error/i],
  ['node_modules', /node_modules/],
  ['.ts:', /\.ts:/],
  ['.js:', /\.js:\d/],
  ['file path', /\/work\/|\/home\/|\/usr\/|file:\/\//],
  ['error class', /ZodError|TypeError|SyntaxError|RangeError|DatabaseError|KnexTimeoutError/],
];

function problemsOf(res: { status: number; text: string; body: unknown; headers: Record<string, string> }, expected?: number[], code?: string): string[] {
  const out: string[] = [];
  if (res.status < 400 || res.status >= 500) out.push(`status ${res.status} (want 4xx)`);
  else if (expected && !expected.includes(res.status)) out.push(`status ${res.status} (want ${expected.join(' or ')})`);
  if (!/^application\/json/.test(res.headers['content-type'] ?? '')) out.push(`content-type ${res.headers['content-type']}`);
  const shape = z.strictObject({
    error: z.strictObject({
      code: z.string().regex(/^[a-z][a-z0-9_]*$/),
      message: z.string().min(1),
      details: z.array(z.strictObject({ field: z.string().optional(), code: z.string(), message: z.string() })),
    }),
  });
  const parsed = shape.safeParse(res.body);
  if (!parsed.success) out.push(`not the error shape: ${res.text.slice(0, 200)}`);
  else if (code && parsed.data.error.code !== code) out.push(`code ${parsed.data.error.code} (want ${code})`);
  for (const [what, re] of LEAKS) if (re.test(res.text ?? '')) out.push(`body leaks ${what}: ${res.text.slice(0, 300)}`);
  if ('x-powered-by' in res.headers) out.push('x-powered-by present');
  return out;
}

interface RawAnswer {
  status: number;
  text: string;
  body: unknown;
  headers: Record<string, string>;
}

/** Sends exactly these bytes (supertest would re-encode some bodies). */
function send(method: string, path: string, v: Variant, withToken = true): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const url = new URL(s.url);
    const body = v.body === undefined ? undefined : Buffer.isBuffer(v.body) ? v.body : Buffer.from(v.body, 'utf8');
    const headers: Record<string, string> = { ...(v.headers ?? {}) };
    if (v.contentType !== null) headers['content-type'] = v.contentType ?? 'application/json';
    if (body) headers['content-length'] = String(body.length);
    if (withToken) headers.authorization = `Bearer ${token}`;
    const req = http.request({ host: url.hostname, port: url.port, method: method.toUpperCase(), path, headers, timeout: 20_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = undefined;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        resolve({ status: res.statusCode ?? 0, text, body: parsed, headers: res.headers as Record<string, string> });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout: no answer in 20 s')));
    req.on('error', reject);
    req.end(body);
  });
}

async function adminStillSignedIn(): Promise<void> {
  const me = await request(s.url).get('/api/auth/me').set('authorization', `Bearer ${token}`);
  expect(me.status, 'the admin session must survive the battery').toBe(200);
}

// ------------------------------------------------------------------------------------------
describe('hostile input: the battery is meaningful', () => {
  it('finds write endpoints in allRoutes', () => {
    expect(WRITE_ROUTES.length).toBeGreaterThan(0);
  });

  // Every baseline must pass the route's own schema; otherwise a hostile variant could be
  // refused for the wrong reason. A new route whose schema the generator cannot satisfy needs an
  // entry in BASELINE_OVERRIDES.
  it.each(WRITE_ROUTES.filter((r) => r.body).map((r) => [label(r), r] as const))('baseline body of %s is valid', async (_name, route) => {
    const body = await baselineFor(route);
    const result = route.body!.safeParse(body);
    expect(result.success ? [] : result.error.issues, `baseline ${JSON.stringify(body)}`).toEqual([]);
  });
});

describe('hostile input: every write endpoint', () => {
  // Seed one record through every creation endpoint (POST without path parameters, outside
  // /api/auth) with its baseline body, so that the ids the battery puts in paths and bodies name
  // real rooms, badges, … — a hostile request that slipped through would then really change
  // something. Best effort (a baseline may still be refused by a business rule), but a request
  // the schema accepts must never get a 5xx.
  beforeAll(async () => {
    token = await s.adminToken();
    const seeded: string[] = [];
    for (const route of WRITE_ROUTES) {
      if (route.method !== 'post' || paramsOf(route.path).length > 0 || route.path.startsWith('/api/auth/') || !route.body) continue;
      const res = await send(route.method, route.path, { name: 'seed', body: JSON.stringify(await baselineFor(route)) });
      expect(res.status, `${label(route)} with a schema-valid body: ${res.text.slice(0, 300)}`).toBeLessThan(500);
      seeded.push(`${label(route)} ${res.status}`);
    }
    expect(seeded.length).toBeGreaterThan(0);
  });

  it.each(WRITE_ROUTES.map((r) => [label(r), r] as const))('%s refuses the whole battery and changes nothing', async (_name, route) => {
    token = await s.adminToken(); // a fresh session, so one route's failure cannot spill into the next
    const baseline = await baselineFor(route);
    const root = route.body ? bodyJsonSchema(route) : null;
    const path = await fillPath(route.path);
    const before = await snapshot();
    const problems: string[] = [];
    const variants = hostileVariants(route, baseline, root);
    for (const variant of variants) {
      let res: RawAnswer;
      try {
        res = await send(route.method, path, variant);
      } catch (err) {
        problems.push(`${variant.name}: no answer (${(err as Error).message})`);
        continue;
      }
      for (const p of problemsOf(res, variant.expect, variant.code)) problems.push(`${variant.name}: ${p}`);
    }

    // SQL fragments and garbage in the path's ids: an id that cannot exist → 404.
    for (const param of paramsOf(route.path)) {
      for (const garbage of [...SQL_FRAGMENTS.map(encodeURIComponent), 'abc', '%00', crypto.randomUUID()]) {
        const res = await send(route.method, await fillPath(route.path, { param, value: garbage }), { name: 'garbage id', body: JSON.stringify(baseline ?? {}) });
        for (const p of problemsOf(res, UNKNOWN_PARAM_STATUS[`${route.method.toUpperCase()} ${route.path} :${param}`] ?? [404])) problems.push(`:${param}=${garbage}: ${p}`);
      }
    }

    // A request whose client goes away mid-body must not break the server or change anything.
    await new Promise<void>((resolve) => {
      const url = new URL(s.url);
      const req = http.request({ host: url.hostname, port: url.port, method: route.method.toUpperCase(), path, headers: { 'content-type': 'application/json', 'content-length': '1000', authorization: `Bearer ${token}` } });
      req.on('error', () => resolve());
      req.write('{"a":');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 50);
    });

    expect(problems, `${problems.length} of ${variants.length} hostile requests answered badly`).toEqual([]);
    // Prototype pollution would show in this very process (the server runs in it).
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(await snapshot()).toEqual(before);
    await adminStillSignedIn();
  });

  it('a non-empty body on a route that takes none is refused (before the handler runs)', async () => {
    const noBody = WRITE_ROUTES.filter((r) => !r.body);
    expect(noBody.length).toBeGreaterThan(0);
    for (const route of noBody) {
      const before = await snapshot();
      const res = await send(route.method, await fillPath(route.path), { name: 'extra', body: '{"unexpectedField":1}' });
      expect(problemsOf(res, [400]), label(route)).toEqual([]);
      expect(await snapshot()).toEqual(before);
    }
    await adminStillSignedIn();
  });
});

describe('hostile input: ids and paths', () => {
  const GARBAGE_IDS = [crypto.randomUUID(), '00000000-0000-0000-0000-000000000000', 'abc', encodeURIComponent("1' or '1'='1"), '%00', encodeURIComponent('1; DROP TABLE people'), 'a'.repeat(2000)];

  it.each(GET_ROUTES_WITH_IDS.map((r) => [label(r), r] as const))('%s answers 404 for unknown and garbage ids', async (_name, route) => {
    const before = await snapshot();
    const problems: string[] = [];
    for (const param of idParamsOf(route.path)) {
      for (const garbage of GARBAGE_IDS) {
        const path = await fillPath(route.path, { param, value: garbage });
        const res = await send('get', path, { name: 'get', contentType: null });
        for (const p of problemsOf(res, [404])) problems.push(`${path.slice(0, 120)}: ${p}`);
      }
    }
    expect(problems).toEqual([]);
    expect(await snapshot()).toEqual(before);
  });

  it('unknown /api paths answer 404 in the error shape, for any method', async () => {
    for (const [method, path] of [
      ['get', '/api/does-not-exist'],
      ['post', '/api/does-not-exist'],
      ['delete', '/api/orgs'],
      ['get', '/api/orgs/x/y/z'],
      ['get', '/api'],
      ['get', '/api/'],
      ['put', '/api/people'],
      ['get', '/api/..%2f..%2fetc%2fpasswd'],
    ] as const) {
      const res = await send(method, path, { name: 'unknown', body: method === 'get' ? undefined : '{}' });
      expect(problemsOf(res, [404]), `${method} ${path}`).toEqual([]);
      expect((res.body as { error: { code: string } }).error.code).toBe('not_found');
    }
  });

  it('a malformed percent-encoding in the path is a 4xx in the error shape', async () => {
    const res = await send('get', '/api/orgs/%E0%A4%A', { name: 'bad escape', contentType: null });
    expect(problemsOf(res)).toEqual([]);
  });
});

describe('headers', () => {
  const probes = [
    ['GET /api/health', () => request(s.url).get('/api/health')],
    ['a 404', () => request(s.url).get('/api/nope')],
    ['a 400', () => request(s.url).post('/api/auth/login').set('content-type', 'application/json').send('{bad')],
    ['a 401', () => request(s.url).get('/api/orgs')],
    ['the web UI', () => request(s.url).get('/')],
  ] as const;

  it.each(probes)('%s: no x-powered-by; CSP, nosniff and frame deny present', async (_name, probe) => {
    const res = await probe();
    expect(res.headers['x-powered-by']).toBeUndefined();
    const csp = res.headers['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain("'unsafe-inline'");
    expect(csp).not.toContain("'unsafe-eval'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
  });

  it('API answers are not cached', async () => {
    const res = await request(s.url).get('/api/auth/me').set('authorization', `Bearer ${token}`);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('no CORS by default, whatever the Origin', async () => {
    for (const origin of ['https://desk.example', 'https://evil.example', 'null']) {
      const res = await request(s.url).get('/api/health').set('origin', origin);
      expect(res.headers['access-control-allow-origin'], origin).toBeUndefined();
      const pre = await request(s.url).options('/api/orgs').set('origin', origin).set('access-control-request-method', 'POST');
      expect(pre.headers['access-control-allow-origin'], origin).toBeUndefined();
      expect(pre.headers['access-control-allow-methods'], origin).toBeUndefined();
    }
  });

  describe('with a configured origin', () => {
    let c: TestServer;
    beforeAll(async () => {
      c = await startTestServer({ corsOrigin: 'https://desk.example' });
    });
    afterAll(async () => {
      await c?.close();
    });

    it('allows that exact origin only', async () => {
      const ok = await request(c.url).get('/api/health').set('origin', 'https://desk.example');
      expect(ok.status).toBe(200);
      expect(ok.headers['access-control-allow-origin']).toBe('https://desk.example');
      expect(ok.headers.vary ?? '').toMatch(/origin/i);
      expect(ok.headers['access-control-allow-credentials']).toBeUndefined();

      const pre = await request(c.url).options('/api/orgs').set('origin', 'https://desk.example').set('access-control-request-method', 'POST');
      expect(pre.status).toBe(204);
      expect(pre.headers['access-control-allow-origin']).toBe('https://desk.example');

      for (const origin of ['https://evil.example', 'https://desk.example.evil.example', 'http://desk.example', 'https://desk.example:444', 'null', 'https://DESK.example']) {
        const res = await request(c.url).get('/api/health').set('origin', origin);
        expect(res.headers['access-control-allow-origin'], origin).toBeUndefined();
        const p = await request(c.url).options('/api/orgs').set('origin', origin).set('access-control-request-method', 'POST');
        expect(p.headers['access-control-allow-origin'], origin).toBeUndefined();
      }
      const none = await request(c.url).get('/api/health');
      expect(none.headers['access-control-allow-origin']).toBeUndefined();
    });
  });
});

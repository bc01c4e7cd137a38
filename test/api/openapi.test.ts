// GET /api/openapi.json is the full, exact reference of the API (shared/api.md). It must be a
// well-formed OpenAPI 3.1 document, list exactly the operations the server mounts (no more, no
// fewer), describe every operation's answers and request bodies as the zod schemas that validate
// them do, and describe errors in the contract's shape.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { z } from 'zod';
import { allRoutes, buildApp } from '../../server/app.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

type Json = Record<string, unknown>;
interface Operation {
  operationId?: string;
  summary?: string;
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: Json }>;
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Json }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Json }> }>;
  security?: unknown[];
}
interface Doc {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json>; securitySchemes?: Record<string, Json> };
  security?: unknown[];
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const WRITE_METHODS = new Set(['post', 'put', 'patch', 'delete']);
const toOpenApiPath = (p: string) => p.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
const key = (method: string, path: string) => `${method.toUpperCase()} ${path}`;

let s: TestServer;
let doc: Doc;

beforeAll(async () => {
  s = await startTestServer();
  const res = await request(s.url).get('/api/openapi.json');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  doc = res.body as Doc;
});
afterAll(async () => {
  await s?.close();
});

function documentedOperations(): Array<{ method: string; path: string; op: Operation }> {
  const out: Array<{ method: string; path: string; op: Operation }> = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (HTTP_METHODS.includes(method)) out.push({ method, path, op });
    }
  }
  return out;
}

/** Every (method, path) the Express application mounts, read from its router stack. */
function mountedRoutes(): string[] {
  const app = buildApp(s.ctx) as unknown as { router: { stack: Layer[] } };
  interface Layer {
    route?: { path: string | string[]; methods: Record<string, boolean> };
    handle?: { stack?: Layer[] };
  }
  const out: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const p of paths) {
          for (const [m, on] of Object.entries(layer.route.methods)) if (on && m !== '_all') out.push(key(m, toOpenApiPath(p)));
        }
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack); // a Router mounted with app.use(router)
      }
    }
  };
  walk(app.router.stack);
  return out.sort();
}

/** Follows `#/components/...` references. */
function deref(schema: Json | undefined): Json | undefined {
  let cur = schema;
  for (let i = 0; cur && typeof cur.$ref === 'string' && i < 20; i++) {
    const ref = cur.$ref as string;
    if (!ref.startsWith('#/')) return undefined;
    cur = ref
      .slice(2)
      .split('/')
      .reduce<unknown>((node, part) => (node as Json | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], doc) as Json | undefined;
  }
  return cur;
}

/** Required / all keys of a zod object schema, as the *input* (what a client must send). */
function zodObjectKeys(schema: z.ZodType): { keys: string[]; required: string[]; shape: Record<string, z.ZodType> } | null {
  const shape = (schema as unknown as { shape?: Record<string, z.ZodType> }).shape;
  if (!shape || typeof shape !== 'object') return null;
  const keys = Object.keys(shape).sort();
  // A field is optional for the client when leaving it out is accepted (optional, default, …).
  const required = keys.filter((k) => !shape[k]!.safeParse(undefined).success).sort();
  return { keys, required, shape };
}

/** Unwraps optional / nullable / default to the inner zod type. */
function unwrap(schema: z.ZodType): z.ZodType {
  let cur = schema as unknown as { unwrap?: () => z.ZodType; def?: { innerType?: z.ZodType } };
  for (let i = 0; i < 10; i++) {
    const inner = cur.def?.innerType ?? (typeof cur.unwrap === 'function' && !(cur as { shape?: unknown }).shape ? cur.unwrap() : undefined);
    if (!inner) break;
    cur = inner as unknown as typeof cur;
  }
  return cur as unknown as z.ZodType;
}

/** Compares the documented JSON Schema object to the zod object, recursively for nested objects. */
function compareObject(where: string, json: Json | undefined, schema: z.ZodType, problems: string[]): void {
  const zod = zodObjectKeys(schema);
  if (!zod) return;
  let resolved = deref(json);
  // `.nullable()` documents as anyOf [object, null]: compare against the object branch.
  const union = (resolved?.anyOf ?? resolved?.oneOf) as Json[] | undefined;
  if (union) resolved = union.map(deref).find((u) => u?.type === 'object');
  // An array of objects (unwrap() of a zod array is its element): compare against its items.
  if (resolved?.type === 'array') resolved = deref(resolved.items as Json | undefined);
  if (!resolved) {
    problems.push(`${where}: no schema`);
    return;
  }
  const props = Object.keys((resolved.properties as Json | undefined) ?? {}).sort();
  const required = [...((resolved.required as string[] | undefined) ?? [])].sort();
  if (JSON.stringify(props) !== JSON.stringify(zod.keys)) problems.push(`${where}: properties ${props.join(',')} ≠ zod ${zod.keys.join(',')}`);
  if (JSON.stringify(required) !== JSON.stringify(zod.required)) problems.push(`${where}: required ${required.join(',')} ≠ zod ${zod.required.join(',')}`);
  // A strict zod object (catchall never) refuses unknown keys: the document must say so.
  const strict = (schema as unknown as { def?: { catchall?: { def?: { type?: string } } } }).def?.catchall?.def?.type === 'never';
  if (strict && resolved.additionalProperties !== false) problems.push(`${where}: zod refuses unknown keys but additionalProperties is not false`);
  for (const k of zod.keys) {
    const inner = unwrap(zod.shape[k]!);
    if (zodObjectKeys(inner)) compareObject(`${where}.${k}`, ((resolved.properties as Json)[k] as Json | undefined) ?? undefined, inner, problems);
  }
}

describe('OpenAPI document', () => {
  it('is an OpenAPI 3.1 document: openapi, info, paths, components', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(typeof doc.info.title).toBe('string');
    expect(doc.info.title.length).toBeGreaterThan(0);
    expect(typeof doc.info.version).toBe('string');
    expect(doc.paths && typeof doc.paths).toBe('object');
    for (const path of Object.keys(doc.paths)) {
      expect(path, 'paths start with /').toMatch(/^\//);
      expect(path, 'path templates use {name}, never :name').not.toMatch(/:[A-Za-z]/);
    }
    // Global bearer security, declared in components.
    expect(doc.components.securitySchemes?.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearer: [] }]);
  });

  it('every operation is well formed: unique operationId, declared path parameters, responses with descriptions', () => {
    const ids = new Set<string>();
    const problems: string[] = [];
    for (const { method, path, op } of documentedOperations()) {
      const where = key(method, path);
      if (!op.operationId) problems.push(`${where}: no operationId`);
      else if (ids.has(op.operationId)) problems.push(`${where}: duplicate operationId ${op.operationId}`);
      else ids.add(op.operationId);

      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!).sort();
      const declared = (op.parameters ?? []).filter((p) => p.in === 'path');
      if (JSON.stringify(declared.map((p) => p.name).sort()) !== JSON.stringify(templated)) problems.push(`${where}: path parameters ${declared.map((p) => p.name)} ≠ template ${templated}`);
      for (const p of declared) if (p.required !== true) problems.push(`${where}: path parameter ${p.name} must be required`);
      for (const p of op.parameters ?? []) if (!['path', 'query', 'header', 'cookie'].includes(p.in)) problems.push(`${where}: parameter ${p.name} in ${p.in}`);

      const responses = Object.entries(op.responses ?? {});
      if (responses.length === 0) problems.push(`${where}: no responses`);
      if (!responses.some(([status]) => /^2\d\d$/.test(status))) problems.push(`${where}: no 2xx response`);
      for (const [status, r] of responses) {
        if (!/^[1-5](\d\d|XX)$|^default$/.test(status)) problems.push(`${where}: response key ${status}`);
        if (typeof r.description !== 'string' || r.description.length === 0) problems.push(`${where} ${status}: no description`);
      }
    }
    expect(problems).toEqual([]);
    expect(ids.size).toBeGreaterThan(0);
  });

  it('every $ref resolves inside the document', () => {
    const refs: string[] = [];
    const walk = (node: unknown) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          if (k === '$ref' && typeof v === 'string') refs.push(v);
          else walk(v);
        }
      }
    };
    walk(doc);
    expect(refs.length).toBeGreaterThan(0);
    const dangling = [...new Set(refs)].filter((ref) => !ref.startsWith('#/components/') || deref({ $ref: ref }) === undefined);
    expect(dangling).toEqual([]);
  });

  it('lists exactly the routes declared in allRoutes, plus the document itself', () => {
    const documented = documentedOperations().map(({ method, path }) => key(method, path)).sort();
    const declared = [...allRoutes.map((r) => key(r.method, toOpenApiPath(r.path))), key('get', '/api/openapi.json')].sort();
    expect(documented).toEqual([...new Set(declared)].sort());
    expect(new Set(declared).size, 'no route is declared twice').toBe(declared.length);
  });

  it('lists exactly the routes the Express application mounts', () => {
    const documented = documentedOperations().map(({ method, path }) => key(method, path)).sort();
    const mounted = mountedRoutes();
    expect(mounted.length).toBeGreaterThan(0);
    expect(documented).toEqual(mounted);
  });

  it('every documented operation is answered by a route (never the generic 404), and an undocumented one is', async () => {
    // Control: what "no such route" looks like.
    const control = await request(s.url).post('/api/__not_documented__').send({});
    expect(control.status).toBe(404);
    expect(control.body.error.message).toBe('No such endpoint.');

    const problems: string[] = [];
    for (const { method, path, op } of documentedOperations()) {
      const url = path.replace(/\{[^}]+\}/g, () => crypto.randomUUID());
      const isPublic = Array.isArray(op.security) && op.security.length === 0;
      // Without a token nothing but public routes runs; a public write gets a body no schema
      // accepts, so that nothing changes either.
      let req = request(s.url)[method as 'get' | 'post' | 'put' | 'patch' | 'delete'](url);
      if (WRITE_METHODS.has(method) && isPublic) req = req.send({ openapiProbe: true });
      const res = await req;
      // The fallbacks of server/app.ts: 'No such endpoint.' under /api, 'Not found.' elsewhere.
      const generic = res.status === 404 && ['No such endpoint.', 'Not found.'].includes(res.body?.error?.message);
      if (generic) problems.push(`${key(method, path)} → generic 404`);
      if (!isPublic && res.status !== 401) problems.push(`${key(method, path)}: not public but answered ${res.status} without a token`);
    }
    expect(problems).toEqual([]);
  });

  it('write operations document a request body exactly when they take one, matching the zod schema', () => {
    const problems: string[] = [];
    const byKey = new Map(documentedOperations().map((o) => [key(o.method, o.path), o.op]));
    for (const route of allRoutes) {
      const where = key(route.method, toOpenApiPath(route.path));
      const op = byKey.get(where);
      if (!op) {
        problems.push(`${where}: not documented`);
        continue;
      }
      if (!route.body) {
        if (op.requestBody) problems.push(`${where}: documents a body the route does not take`);
        continue;
      }
      const content = op.requestBody?.content?.['application/json'];
      if (!content?.schema) {
        problems.push(`${where}: no application/json requestBody schema`);
        continue;
      }
      if (op.requestBody?.required !== true && !route.body.safeParse(undefined).success) problems.push(`${where}: requestBody must be required`);
      compareObject(where, content.schema, route.body, problems);
    }
    expect(problems).toEqual([]);
    expect(allRoutes.filter((r) => WRITE_METHODS.has(r.method) && r.body).length).toBeGreaterThan(0);
  });

  it('query parameters match the zod query schemas', () => {
    const problems: string[] = [];
    const byKey = new Map(documentedOperations().map((o) => [key(o.method, o.path), o.op]));
    for (const route of allRoutes) {
      const where = key(route.method, toOpenApiPath(route.path));
      const documented = (byKey.get(where)?.parameters ?? []).filter((p) => p.in === 'query');
      const zod = route.query ? zodObjectKeys(route.query) : { keys: [], required: [] };
      if (!zod) continue;
      const names = documented.map((p) => p.name).sort();
      if (JSON.stringify(names) !== JSON.stringify(zod.keys)) problems.push(`${where}: query ${names} ≠ zod ${zod.keys}`);
      const req = documented.filter((p) => p.required).map((p) => p.name).sort();
      if (JSON.stringify(req) !== JSON.stringify(zod.required)) problems.push(`${where}: required query ${req} ≠ zod ${zod.required}`);
    }
    expect(problems).toEqual([]);
  });

  it('the error schema is the contract shape, and every 4xx/5xx answer uses it', () => {
    const error = deref(doc.components.schemas.Error);
    expect(error).toBeDefined();
    expect(error).toMatchObject({ type: 'object', required: ['error'] });
    const inner = deref((error!.properties as Json).error as Json)!;
    expect(inner).toMatchObject({ type: 'object' });
    expect([...(inner.required as string[])].sort()).toEqual(['code', 'details', 'message']);
    const props = inner.properties as Record<string, Json>;
    expect(props.code).toMatchObject({ type: 'string' });
    expect(props.message).toMatchObject({ type: 'string' });
    expect(props.details).toMatchObject({ type: 'array' });
    const detail = deref(props.details!.items as Json)!;
    expect(detail).toMatchObject({ type: 'object' });
    expect([...(detail.required as string[])].sort()).toEqual(['code', 'message']);
    expect(detail.properties).toMatchObject({ code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } });

    const problems: string[] = [];
    const errorComponent = JSON.stringify(error);
    for (const { method, path, op } of documentedOperations()) {
      for (const [status, r] of Object.entries(op.responses ?? {})) {
        if (!/^[45]/.test(status)) continue;
        const schema = r.content?.['application/json']?.schema;
        if (!schema) {
          problems.push(`${key(method, path)} ${status}: no application/json schema`);
          continue;
        }
        if (JSON.stringify(deref(schema)) !== errorComponent) problems.push(`${key(method, path)} ${status}: not the Error schema`);
      }
      // Answers every route can give (contract): 400, 413, 503; 401 unless public.
      const statuses = Object.keys(op.responses ?? {});
      for (const st of ['400', '413', '503']) if (!statuses.includes(st)) problems.push(`${key(method, path)}: no ${st}`);
      const isPublic = Array.isArray(op.security) && op.security.length === 0;
      if (!isPublic && !statuses.includes('401')) problems.push(`${key(method, path)}: no 401`);
    }
    expect(problems).toEqual([]);
  });

  it('the served document is what an error answer really looks like', async () => {
    const res = await request(s.url).get('/api/no-such-thing');
    const error = deref(doc.components.schemas.Error)!;
    // Every key of a real error is documented, and every required key is present.
    expect(Object.keys(res.body)).toEqual(error.required);
    const inner = deref((error.properties as Json).error as Json)!;
    expect(Object.keys(res.body.error).sort()).toEqual(Object.keys(inner.properties as Json).sort());
  });
});

// The OpenAPI document is generated from the same route declarations that validate requests,
// so it cannot drift from what the server does.
import { z } from 'zod';
import type { AnyRoute } from './route.js';
import { errorSchema } from '../shared/schemas.js';

type JsonSchema = Record<string, unknown>;

/** Named schemas (zod `.meta({ id })`) collected while building one document. */
interface Components {
  schemas: Record<string, JsonSchema>;
  /** `id` + the schema's JSON → the name it got in components.schemas. */
  names: Map<string, string>;
}

const COMPONENT_REF = '#/components/schemas/';

function rewriteRefs(value: unknown, rename: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => rewriteRefs(v, rename));
  if (!value || typeof value !== 'object') return value;
  const out: JsonSchema = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/')) {
      const name = v.slice('#/$defs/'.length);
      out[key] = COMPONENT_REF + (rename.get(name) ?? name);
    } else {
      out[key] = rewriteRefs(v, rename);
    }
  }
  return out;
}

// Fix: zod puts every schema that has a `.meta({ id })` into a `$defs` of its own and refers to
// it as `#/$defs/<id>`. Inside an OpenAPI document a `#/…` reference resolves against the
// document's root, which has no `$defs`, so those references were dangling (code generators
// and validators failed on them). They are now hoisted into components.schemas. The same id
// with a different shape (e.g. the input and output forms of a schema with defaults) gets a
// suffixed name instead of overwriting the other.
function toSchema(schema: z.ZodType, io: 'input' | 'output', components: Components): JsonSchema {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  delete json.$schema;
  const local = (json.$defs ?? {}) as Record<string, JsonSchema>;
  delete json.$defs;
  const rename = new Map<string, string>();
  for (const [id, def] of Object.entries(local)) {
    const key = `${id}\u0000${JSON.stringify(def)}`;
    let name = components.names.get(key);
    if (!name) {
      name = id;
      for (let n = 2; name in components.schemas; n++) name = `${id}${io === 'input' ? 'Input' : 'Output'}${n === 2 ? '' : n}`;
      components.names.set(key, name);
      components.schemas[name] = {}; // reserve the name; filled below
    }
    rename.set(id, name);
  }
  for (const [id, def] of Object.entries(local)) {
    const name = rename.get(id)!;
    if (Object.keys(components.schemas[name]!).length === 0) components.schemas[name] = rewriteRefs(def, rename) as JsonSchema;
  }
  return rewriteRefs(json, rename) as JsonSchema;
}

function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function parameters(route: AnyRoute, components: Components): unknown[] {
  const out: unknown[] = [];
  const add = (schema: z.ZodType | undefined, where: 'path' | 'query') => {
    if (!schema) return;
    const json = toSchema(schema, 'input', components) as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, prop] of Object.entries(json.properties ?? {})) {
      out.push({ name, in: where, required: where === 'path' || (json.required ?? []).includes(name), schema: prop });
    }
  };
  add(route.params, 'path');
  add(route.query, 'query');
  return out;
}

export function buildOpenApi(routes: AnyRoute[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const components: Components = { schemas: {}, names: new Map() };
  toSchema(errorSchema, 'output', components); // components.schemas.Error, which the common answers refer to
  for (const route of routes) {
    const responses: Record<string, unknown> = {};
    for (const [status, spec] of Object.entries(route.responses)) {
      const contentType = spec.contentType ?? 'application/json';
      responses[status] = {
        description: spec.description,
        ...(spec.schema ? { content: { [contentType]: { schema: toSchema(spec.schema, 'output', components) } } } : spec.contentType ? { content: { [contentType]: {} } } : {}),
      };
    }
    // Answers every route can give.
    const common: Record<string, string> = { '400': 'Invalid request', '413': 'Body larger than 1 MB', '503': 'Database unavailable' };
    if (route.access !== 'public') {
      common['401'] = 'Not signed in, or the session ended';
      if (route.access !== 'signed-in') common['403'] = `Needs permission ${route.access}`;
    }
    for (const [status, description] of Object.entries(common)) {
      responses[status] ??= { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    }
    const operation: Record<string, unknown> = {
      operationId: `${route.method}${route.path.replace(/[/:{}-]+(\w)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: route.tags,
      parameters: parameters(route, components),
      responses,
      ...(route.access === 'public' ? { security: [] } : { 'x-permission': route.access }),
    };
    if (route.body) {
      operation.requestBody = { required: true, content: { 'application/json': { schema: toSchema(route.body, 'input', components) } } };
    }
    const key = openApiPath(route.path);
    paths[key] = { ...(paths[key] ?? {}), [route.method]: operation };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tachiai API',
      version,
      description: [
        'Tachiai (立会い): evidence that entrusted information was handled as the depositor requires. Errors: { error: { code, message, details } }.',
        '',
        'Badge PINs. A PIN is the holder\'s signature and an administrator\'s second factor, so only the holder knows or chooses it. ' +
          'A badge is issued without a PIN (POST /api/badges); it opens doors but signs nothing until the holder sets the PIN, typing it themselves, ' +
          'in one of two ways: (1) at the desk, with a confirmer — an administrator, responsible or authorised person who is neither the issuer nor the holder ' +
          '(for an administrator\'s badge: another administrator) — who confirms with their own badge and PIN that the holder is present ' +
          '(POST /api/badges/pin/setup; this also resets a forgotten or locked PIN); (2) by presenting the badge and the current PIN (POST /api/badges/pin/change), ' +
          'which is also how a PIN shorter than 6 digits is replaced: such a PIN answers 403 pin_change_required wherever it is used, and nothing is recorded until it is changed. ' +
          'New PINs have 6 to 12 digits and are not a repeat, a sequence or a well-known PIN. Every PIN check reserves one attempt before it is made; ' +
          '5 wrong PINs in a row lock the badge for 15 minutes (423 with Retry-After). Every issuance and PIN reset is shown to the holder at their next sign-in ' +
          '(credentialNotices of POST /api/auth/login) and listed by GET /api/badges/events.',
      ].join('\n'),
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: components.schemas,
    },
    security: [{ bearer: [] }],
    paths,
  };
}

// The OpenAPI document is generated from the same route declarations that validate requests,
// so it cannot drift from what the server does.
import { z } from 'zod';
import type { AnyRoute } from './route.js';
import { errorSchema } from '../shared/schemas.js';

type JsonSchema = Record<string, unknown>;

function toSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  delete json.$schema;
  return json;
}

function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function parameters(route: AnyRoute): unknown[] {
  const out: unknown[] = [];
  const add = (schema: z.ZodType | undefined, where: 'path' | 'query') => {
    if (!schema) return;
    const json = toSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
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
  for (const route of routes) {
    const responses: Record<string, unknown> = {};
    for (const [status, spec] of Object.entries(route.responses)) {
      const contentType = spec.contentType ?? 'application/json';
      responses[status] = {
        description: spec.description,
        ...(spec.schema ? { content: { [contentType]: { schema: toSchema(spec.schema, 'output') } } } : spec.contentType ? { content: { [contentType]: {} } } : {}),
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
      tags: route.tags,
      parameters: parameters(route),
      responses,
      ...(route.access === 'public' ? { security: [] } : { 'x-permission': route.access }),
    };
    if (route.body) {
      operation.requestBody = { required: true, content: { 'application/json': { schema: toSchema(route.body, 'input') } } };
    }
    const key = openApiPath(route.path);
    paths[key] = { ...(paths[key] ?? {}), [route.method]: operation };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tachiai API',
      version,
      description: 'Tachiai (立会い): evidence that entrusted information was handled as the depositor requires. Errors: { error: { code, message, details } }.',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Error: toSchema(errorSchema, 'output') },
    },
    security: [{ bearer: [] }],
    paths,
  };
}

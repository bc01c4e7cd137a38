import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { errorSchema } from '../shared/schemas.js';
import { ServiceUnavailableError } from '../errors.js';
import { VERSION } from '../version.js';

export const systemRoutes: AnyRoute[] = [
  defineRoute({
    method: 'get',
    path: '/api/health',
    summary: 'Liveness and database reachability',
    tags: ['system'],
    access: 'public',
    responses: { 200: { description: 'The database answers', schema: z.object({ ok: z.literal(true) }) }, 503: { description: 'Database unavailable', schema: errorSchema } },
    handler: async ({ app }) => {
      try {
        await app.db.knex.raw('SELECT 1');
      } catch {
        throw new ServiceUnavailableError();
      }
      return { json: { ok: true } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/config',
    summary: 'Public settings the web UI needs (time zone, idle timeout)',
    tags: ['system'],
    access: 'public',
    responses: {
      200: { description: 'Settings', schema: z.object({ displayTimeZone: z.string(), idleTimeoutSeconds: z.number().int(), version: z.string(), database: z.enum(['postgres', 'pglite']) }) },
    },
    handler: async ({ app }) => ({
      json: { displayTimeZone: app.config.displayTimeZone, idleTimeoutSeconds: app.config.sessionIdleSeconds, version: VERSION, database: app.db.kind },
    }),
  }),
];

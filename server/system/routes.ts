import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { errorSchema } from '../shared/schemas.js';
import { ServiceUnavailableError } from '../errors.js';
import { VERSION } from '../version.js';
import { siteOf } from './site.js';

export const systemRoutes: AnyRoute[] = [
  defineRoute({
    method: 'get',
    path: '/api/health',
    summary: 'Liveness and database reachability, with the state of each background worker',
    tags: ['system'],
    access: 'public',
    responses: {
      200: {
        description: 'The database answers',
        schema: z.object({
          ok: z.literal(true),
          workers: z.record(z.string(), z.object({ state: z.enum(['running', 'stopped', 'failing']), lastRunAt: z.string().optional() })).describe('Each worker of this server by name (journal.intake, door.live, custody.after-hours, …)'),
        }),
      },
      503: { description: 'Database unavailable', schema: errorSchema },
    },
    handler: async ({ app }) => {
      try {
        await app.db.knex.raw('SELECT 1');
      } catch {
        throw new ServiceUnavailableError();
      }
      // States and times only: a failing job's message stays in the server's log.
      const workers = Object.fromEntries(Object.entries(app.workers.health()).map(([name, h]) => [name, { state: h.state, ...(h.lastRunAt ? { lastRunAt: h.lastRunAt } : {}) }]));
      return { json: { ok: true, workers } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/config',
    summary: 'Public settings the web UI needs (time zone, idle timeout)',
    tags: ['system'],
    access: 'public',
    responses: {
      200: {
        description: 'Settings',
        schema: z.object({
          displayTimeZone: z.string(),
          idleTimeoutSeconds: z.number().int(),
          version: z.string(),
          database: z.enum(['postgres', 'pglite']),
          site: z.object({ id: z.string(), nameJa: z.string(), nameEn: z.string() }).describe('The site (SITE_ID and its display names)'),
        }),
      },
    },
    handler: async ({ app }) => ({
      json: { displayTimeZone: app.config.displayTimeZone, idleTimeoutSeconds: app.config.sessionIdleSeconds, version: VERSION, database: app.db.kind, site: await siteOf(app) },
    }),
  }),
];

import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { errorSchema } from '../shared/schemas.js';
import { ServiceUnavailableError } from '../errors.js';
import { VERSION } from '../version.js';
import { siteOf } from './site.js';
import { readiness } from '../monitoring/ready.js';

const workerState = z.enum(['running', 'stopped', 'failing']);
const readinessChecksSchema = z
  .object({
    database: z.object({ ok: z.boolean() }),
    migrations: z.object({
      ok: z.boolean().nullable().describe('null when the database does not answer'),
      pending: z.array(z.string()).nullable().describe('Known to this version, not applied'),
      unknown: z.array(z.string()).nullable().describe('Applied by a newer version'),
    }),
    workers: z.object({ ok: z.boolean(), states: z.record(z.string(), workerState) }),
    journalIntake: z.object({ waiting: z.number().int().nullable().describe('Events waiting to be chained, site-wide'), oldestAgeSeconds: z.number().int().nullable() }),
    backup: z.object({ lastSuccessAt: z.string().nullable(), ageSeconds: z.number().int().nullable().describe('null: none recorded, or backups not recorded in this database') }),
    secretsEscrowed: z.boolean().nullable().describe('Whether an export of the secrets to the escrow is recorded; null when the database cannot say'),
    transparencyLog: z
      .object({
        cosignedAgeSeconds: z.number().int().nullable().describe('Age of the newest checkpoint of the journal a witness cosigned; null: none yet'),
        witnessAlarms: z.number().int().nullable().describe('Witnesses that refused a checkpoint as a fork or a rollback (422)'),
      })
      .describe('The journal as a transparency log (issue 19)'),
  })
  .meta({ id: 'ReadinessChecks' });
const warningSchema = z.object({ code: z.string(), message: z.string() });

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
    path: '/api/health/ready',
    summary: 'Readiness: may a load balancer send requests here? Database, migrations, workers; the journal intake lag, the last backup and the secrets escrow as warnings',
    description:
      'Ready (200) when the database answers, every migration this version knows is applied and no worker of this server has stopped; otherwise 503 `not_ready` with one detail per reason ' +
      '(`database_unavailable`, `migrations_pending`, `worker_stopped`). Warnings never make a server unready: `journal_intake_lagging` (the oldest journal event waits over 60 s), ' +
      '`no_backup`, `backup_overdue` (over 26 h), `secrets_not_escrowed`, `worker_failing`, `migrations_newer`, `witness_alarm` (a witness refused a checkpoint of the journal: issue 19). Public like GET /api/health: states, ages and names only.',
    tags: ['system'],
    access: 'public',
    responses: {
      200: { description: 'Ready', schema: z.object({ ready: z.literal(true), checks: readinessChecksSchema, warnings: z.array(warningSchema) }) },
      503: { description: 'Not ready (`not_ready`): `error.details` names each reason (field database, migrations or workers), with Retry-After: 5', schema: errorSchema },
    },
    handler: async ({ app }) => {
      const r = await readiness(app);
      if (r.ready) return { json: { ready: true, checks: r.checks, warnings: r.warnings } };
      const message = `This server is not ready: ${r.problems.map((p) => p.message).join(' ')}`;
      return { status: 503, headers: { 'Retry-After': '5' }, json: { error: { code: 'not_ready', message, details: r.problems } } };
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

// Opening the system (database, migrations, secrets, logger) and serving it.
import http from 'node:http';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import type { Config } from './config.js';
import { createContext, type AppContext } from './context.js';
import { createDatabase } from '../db/connection.js';
import { migrateToLatest } from '../db/migrate.js';
import { loadSecrets } from './secrets.js';
import { buildRequestListener } from './app.js';
import { checkpointWorker } from './journal/checkpoints.js';
import { accessLogRetentionWorker } from './access-log/retention.js';
import { afterHoursAlertsWorker } from './custody/service.js';
import { rateLimitPurgeWorker } from './throttle/rate-limit.js';
import { noticeDeliveryWorker } from './notices/delivery.js';
import { ensureSite } from './system/site.js';

export function createLogger(config: Config): Logger {
  return pino({
    level: config.logLevel,
    base: { service: 'tachiai' },
    redact: { paths: ['password', 'newPassword', 'currentPassword', 'pin', 'badge', 'token', '*.password', '*.pin', '*.token'], censor: '[redacted]' },
  });
}

export interface OpenOptions {
  migrate?: boolean;
  logger?: Logger;
}

export async function openContext(config: Config, options: OpenOptions = {}): Promise<AppContext> {
  const logger = options.logger ?? createLogger(config);
  const db = await createDatabase({
    databaseUrl: config.databaseUrl,
    embeddedDir: config.databaseUrl ? undefined : path.join(config.dataDir),
    log: { warn: (m) => logger.warn({ source: 'knex' }, m), error: (m) => logger.error({ source: 'knex' }, m) },
  });
  try {
    if (options.migrate ?? true) {
      await migrateToLatest(db.knex);
      // The site's fixed name: made on first start; a different SITE_ID stops the start here.
      await ensureSite(db.knex, config);
    }
    return createContext({ config, db, secrets: loadSecrets(config), logger });
  } catch (err) {
    await db.close();
    throw err;
  }
}

/** The periodic jobs of a serving server, each registered on the context by name. */
export function startWorkers(ctx: AppContext): void {
  if (ctx.config.checkpointIntervalMinutes > 0) ctx.workers.add('journal.checkpoints', checkpointWorker(ctx, ctx.config.checkpointIntervalMinutes));
  ctx.workers.add('access-log.retention', accessLogRetentionWorker(ctx));
  ctx.workers.add('custody.after-hours', afterHoursAlertsWorker(ctx));
  ctx.workers.add('throttle.purge', rateLimitPurgeWorker(ctx));
  // Notices wait in the outbox until SMTP is configured (issue 15).
  if (ctx.config.smtpUrl) ctx.workers.add('notices.delivery', noticeDeliveryWorker(ctx));
}

export interface RunningServer {
  ctx: AppContext;
  server: http.Server;
  url: string;
  stop(): Promise<void>;
}

export async function serve(ctx: AppContext): Promise<RunningServer> {
  const server = http.createServer(buildRequestListener(ctx));
  // Slow-client protection: bounded header and request times.
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(ctx.config.port, ctx.config.host, () => resolve());
  });
  if (!ctx.config.publicUrl) {
    // Review finding 11: the QR code of a certificate names the site's public address, never one
    // taken from a request; until it is configured, certificates print without a QR code.
    ctx.logger.warn('PUBLIC_URL is not set: destruction certificates will print without the QR code of their public check. Set PUBLIC_URL to the address people reach this site at (e.g. https://tachiai.example.co.jp).');
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : ctx.config.port;
  startWorkers(ctx);
  let stopped = false;
  return {
    ctx,
    server,
    url: `http://${ctx.config.host === '0.0.0.0' ? '127.0.0.1' : ctx.config.host}:${port}`,
    async stop() {
      if (stopped) return;
      stopped = true;
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // Every worker (periodic jobs, the intake's chainer, the live feed, the access log's
      // gathered rows) stops before the database closes.
      await ctx.workers.stopAll();
      await ctx.db.close();
    },
  };
}

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
import { tlogWorker } from './journal/tlog-checkpoints.js';
import { noticeWitnessAlarms } from './notices/service.js';
import { accessLogRetentionWorker } from './access-log/retention.js';
import { afterHoursAlertsWorker } from './custody/service.js';
import { rateLimitPurgeWorker } from './throttle/rate-limit.js';
import { noticeDeliveryWorker } from './notices/delivery.js';
import { dailyBackupWorker } from './backup/daily.js';
import { doorBrokerWorker } from './doors/broker.js';
import { doorAlarmsWorker } from './doors/alarms.js';
import { pairExpiryWorker } from './door/room-guard.js';
import { ensureSite, logOriginOf } from './system/site.js';
import { loadKeyHistory } from './system/signing-keys.js';
import { kickIntake } from './journal/intake.js';
import { metricsListener } from './monitoring/endpoint.js';
import { checkSharedSecrets, escrowedAt } from './system/shared-secrets.js';

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
    embeddedSharedBuffers: config.embeddedSharedBuffers,
    embeddedWasm: config.embeddedWasm,
    log: { warn: (m) => logger.warn({ source: 'knex' }, m), error: (m) => logger.error({ source: 'knex' }, m) },
  });
  try {
    const secrets = loadSecrets(config);
    if (options.migrate ?? true) {
      await migrateToLatest(db.knex);
      // The site's fixed name: made on first start; a different SITE_ID stops the start here.
      await ensureSite(db.knex, config);
      // Every server on this database shares the secrets: others' differ → the start stops here.
      await checkSharedSecrets(db.knex, secrets);
    }
    // The site's earlier signing keys (a rotation, issue 19 item 6b): what they signed stays verifiable.
    await loadKeyHistory(db.knex, secrets.signing);
    return createContext({ config, db, secrets, logger });
  } catch (err) {
    await db.close();
    throw err;
  }
}

/** The periodic jobs of a serving server, each registered on the context by name. */
export function startWorkers(ctx: AppContext): void {
  if (ctx.config.checkpointIntervalMinutes > 0) ctx.workers.add('journal.checkpoints', checkpointWorker(ctx, ctx.config.checkpointIntervalMinutes));
  // The journal's Merkle tree (issue 19): built in batches outside every write's transaction, and
  // signed as a C2SP checkpoint; every server runs it, the locks make them take turns.
  // A witness's refusal (422) is noticed at once to the responsible persons and the depositors.
  if (ctx.config.tlogCheckpointSeconds > 0) ctx.workers.add('journal.tree', tlogWorker(ctx, ctx.config.tlogCheckpointSeconds, () => logOriginOf(ctx), (origin) => noticeWitnessAlarms(ctx, origin)));
  ctx.workers.add('access-log.retention', accessLogRetentionWorker(ctx));
  ctx.workers.add('custody.after-hours', afterHoursAlertsWorker(ctx));
  ctx.workers.add('throttle.purge', rateLimitPurgeWorker(ctx));
  // Notices wait in the outbox until SMTP is configured (issue 15).
  if (ctx.config.smtpUrl) ctx.workers.add('notices.delivery', noticeDeliveryWorker(ctx));
  // The daily backup (issue 17): every server with a BACKUP_DIR looks; one takes it.
  if (ctx.config.backupDir) ctx.workers.add('backup.daily', dailyBackupWorker(ctx));
  // Door controllers over MQTT (issue 20): every server takes the readers' scans (one server each).
  if (ctx.config.mqttUrl) ctx.workers.add('doors.broker', doorBrokerWorker(ctx));
  // Door alarms (issue 20): every server looks for doors held open or offline; the database
  // raises each alarm once. Registered with or without a broker (a broker that is away leaves the doors offline).
  ctx.workers.add('doors.alarms', doorAlarmsWorker(ctx));
  // The two-person rule (issue 20 part 5): a first person whose window ran out is recorded (once, on any server).
  ctx.workers.add('door.pairs', pairExpiryWorker(ctx));
  // The journal's chainer runs from the start (not only after this server's first scan): it
  // chains what other servers left, and a shutdown drains the intake through it.
  kickIntake(ctx);
}

export interface StopOptions {
  /** How long requests under way may take to finish before their connections are closed (default 10 s). */
  graceMs?: number;
}

export interface RunningServer {
  ctx: AppContext;
  server: http.Server;
  url: string;
  /** The separate address of /metrics (METRICS_PORT), or null. */
  metricsUrl: string | null;
  /**
   * Graceful shutdown: stops accepting, ends the live streams, lets the requests under way finish
   * (their connections are closed after `graceMs`), answers the scans under way, then stops the
   * workers — the journal's intake drained into the chain, the access log's rows written — and
   * closes the database (which frees the embedded database's lock). Once; a second call waits for it.
   */
  stop(options?: StopOptions): Promise<void>;
}

const DEFAULT_GRACE_MS = 10_000;

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

const urlOf = (server: http.Server, host: string, fallbackPort: number) => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : fallbackPort;
  return `http://${host === '0.0.0.0' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host}:${port}`;
};

export async function serve(ctx: AppContext): Promise<RunningServer> {
  const server = http.createServer(buildRequestListener(ctx));
  // Slow-client protection: bounded header and request times.
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;
  server.keepAliveTimeout = 5_000;
  await listen(server, ctx.config.port, ctx.config.host);
  // /metrics on an address of its own (METRICS_HOST:METRICS_PORT), which the load balancer does not expose.
  let metricsServer: http.Server | null = null;
  if (ctx.config.metricsPort !== undefined) {
    metricsServer = http.createServer(metricsListener(ctx));
    try {
      await listen(metricsServer, ctx.config.metricsPort, ctx.config.metricsHost);
    } catch (err) {
      server.close();
      const e = err as NodeJS.ErrnoException;
      throw Object.assign(new Error(`METRICS_HOST:METRICS_PORT (${ctx.config.metricsHost}:${ctx.config.metricsPort}): ${e.message}`), { code: e.code });
    }
  }
  if (!ctx.config.publicUrl) {
    // Review finding 11: the QR code of a certificate names the site's public address, never one
    // taken from a request; until it is configured, certificates print without a QR code.
    ctx.logger.warn('PUBLIC_URL is not set: destruction certificates will print without the QR code of their public check. Set PUBLIC_URL to the address people reach this site at (e.g. https://tachiai.example.co.jp).');
  }
  if (!(await escrowedAt(ctx.db.knex).catch(() => null))) {
    // Issue 17: the secrets make badges, PINs and signatures work; lost with this server, they are gone.
    ctx.logger.warn('The secrets of this site have not been exported to the escrow: run "tachiai secrets export --out FILE" and keep the file offline (docs/operations.md, "Secrets").');
  }
  startWorkers(ctx);
  let stopping: Promise<void> | null = null;
  const stop = async (graceMs: number) => {
    // 1. No new connection. Requests already under way finish; every answer from now on says
    //    Connection: close, and each connection is closed as soon as it is idle (keep-alive
    //    connections would otherwise hold the shutdown up to keepAliveTimeout).
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const metricsClosed = metricsServer ? new Promise<void>((resolve) => metricsServer.close(() => resolve())) : null;
    metricsServer?.closeAllConnections();
    server.prependListener('request', (_req: http.IncomingMessage, res: http.ServerResponse) => res.setHeader('Connection', 'close'));
    server.closeIdleConnections();
    const idleSweep = setInterval(() => server.closeIdleConnections(), 50);
    const force = setTimeout(() => {
      ctx.logger.warn({ graceMs }, 'closing the connections still open after the grace period');
      server.closeAllConnections();
    }, graceMs);
    try {
      // 2. Live streams end now (they would hold their connections open); scans under way are answered.
      await ctx.workers.drainAll();
      await closed;
      await metricsClosed;
    } finally {
      clearInterval(idleSweep);
      clearTimeout(force);
    }
    // 3. Every worker stops before the database closes: each first finishes its work under way
    //    (a batch of scans), then the journal's intake is drained into the chain, the access log's
    //    gathered rows are written, the periodic jobs and the live feed's LISTENs end.
    await ctx.workers.stopAll();
    // 4. The pool waits for the statements under way; the embedded database releases its lock.
    await ctx.db.close();
  };
  return {
    ctx,
    server,
    url: urlOf(server, ctx.config.host, ctx.config.port),
    metricsUrl: metricsServer ? urlOf(metricsServer, ctx.config.metricsHost, ctx.config.metricsPort!) : null,
    stop(options: StopOptions = {}) {
      stopping ??= stop(options.graceMs ?? DEFAULT_GRACE_MS);
      return stopping;
    },
  };
}

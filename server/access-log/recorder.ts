// E2.15: every access is logged — time, who (if known), method, path, outcome, source, duration.
// Never bodies, query strings, tokens or passwords: only the path. Rows are written after the
// response, gathered for a few milliseconds into one multi-row INSERT (one commit for many
// requests instead of one each: a busy door would otherwise pay a second commit per scan).
// Reads of the access log first flush this process's pending rows, so a client always finds its
// own previous request.
import type http from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { AccessIdentity } from '../auth/authenticate.js';
import type { AppContext } from '../context.js';
import { clientIp } from '../shared/client-ip.js';
import { preparedStatement } from '../shared/sql.js';

const pending = new Set<Promise<unknown>>();
const FLUSH_AFTER_MS = 50;
const MAX_BATCH = 500;

interface Batch {
  app: AppContext;
  rows: Array<Record<string, unknown>>;
  timer: NodeJS.Timeout | null;
}
const batches = new Map<AppContext['db'], Batch>();

function flushBatch(batch: Batch): void {
  if (batch.timer) clearTimeout(batch.timer);
  batch.timer = null;
  if (batch.rows.length === 0) return;
  const rows = batch.rows.splice(0, batch.rows.length);
  // One statement text whatever the number of rows (a prepared statement on PostgreSQL).
  const insert = preparedStatement(
    batch.app.db,
    batch.app.db.knex.raw(
      `INSERT INTO access_log (at, account_id, username, method, path, status, source_ip, duration_ms)
       SELECT at, account_id, username, method, path, status, source_ip, duration_ms
         FROM json_to_recordset(?::json) AS r(at timestamptz, account_id uuid, username text, method text, path text, status int, source_ip text, duration_ms int)`,
      [JSON.stringify(rows)],
    ),
    'access_log_write',
  ).then(
      () => undefined,
      (err: unknown) => batch.app.logger.warn({ err: (err as Error).message, rows: rows.length }, 'access log write failed'),
    )
    .finally(() => pending.delete(insert));
  pending.add(insert);
}

function enqueue(app: AppContext, row: Record<string, unknown>): void {
  let batch = batches.get(app.db);
  if (!batch) {
    batch = { app, rows: [], timer: null };
    batches.set(app.db, batch);
  }
  batch.rows.push(row);
  if (batch.rows.length >= MAX_BATCH) {
    flushBatch(batch);
  } else if (!batch.timer) {
    const b = batch;
    b.timer = setTimeout(() => flushBatch(b), FLUSH_AFTER_MS);
  }
}

/** Writes every gathered row now and waits for all writes under way. */
export async function flushAccessLog(): Promise<void> {
  for (const batch of batches.values()) flushBatch(batch);
  await Promise.allSettled([...pending]);
}

/** Stops gathering for a database that is closing (its rows are written first). */
export async function closeAccessLog(db: AppContext['db']): Promise<void> {
  const batch = batches.get(db);
  if (batch) flushBatch(batch);
  batches.delete(db);
  await Promise.allSettled([...pending]);
}

const MAX_PATH = 512;

/** A request path as the access log keeps it: no query string (it may carry badge values), no control characters. */
export function loggablePath(url: string): string {
  const raw = url.split('?')[0] ?? '/';
  return raw.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, MAX_PATH) || '/';
}

export interface WatchedRequest {
  method: string;
  /** From loggablePath. */
  path: string;
  sourceIp: string | null;
  /** Filled in when the session is known (authenticate). */
  identity: AccessIdentity;
}

/** Records the request once its answer is sent, or as 499 when the client left before (E2.15). */
export function watchRequest(app: AppContext, res: http.ServerResponse, request: WatchedRequest): void {
  const startedAt = new Date();
  const start = process.hrtime.bigint();
  let written = false;
  const write = () => {
    if (written) return;
    written = true;
    const durationMs = Number((process.hrtime.bigint() - start) / 1_000_000n);
    const { identity } = request;
    const accountId = typeof identity.accountId === 'string' ? identity.accountId : null;
    const username = typeof identity.username === 'string' ? identity.username.slice(0, 200) : null;
    enqueue(app, {
      at: startedAt,
      account_id: accountId,
      username: username?.replace(/\u0000/g, '') ?? null,
      method: request.method.slice(0, 16),
      path: request.path,
      // A request the client abandoned before an answer is recorded as 499 (closed).
      status: res.writableFinished ? res.statusCode : 499,
      source_ip: request.sourceIp,
      duration_ms: Math.min(durationMs, 2_147_483_647),
    });
  };
  res.on('finish', write);
  res.on('close', write);
}

export function accessLogRecorder(app: AppContext) {
  return (req: Request, res: Response, next: NextFunction): void => {
    // originalUrl keeps the mount path.
    watchRequest(app, res, { method: req.method, path: loggablePath(req.originalUrl), sourceIp: clientIp(req), identity: res.locals as AccessIdentity });
    next();
  };
}

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

const FLUSH_AFTER_MS = 50;
const MAX_BATCH = 500;

/** The rows gathered for one context, and its writes under way (its `access-log` worker). */
class Recorder {
  private rows: Array<Record<string, unknown>> = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly app: AppContext) {}

  add(row: Record<string, unknown>): void {
    this.rows.push(row);
    if (this.rows.length >= MAX_BATCH) this.write();
    else this.timer ??= setTimeout(() => this.write(), FLUSH_AFTER_MS);
  }

  private write(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.rows.length === 0) return;
    const rows = this.rows;
    this.rows = [];
    // One statement text whatever the number of rows (a prepared statement on PostgreSQL).
    const insert = preparedStatement(
      this.app.db,
      this.app.db.knex.raw(
        `INSERT INTO access_log (at, account_id, username, method, path, status, source_ip, duration_ms)
         SELECT at, account_id, username, method, path, status, source_ip, duration_ms
           FROM json_to_recordset(?::json) AS r(at timestamptz, account_id uuid, username text, method text, path text, status int, source_ip text, duration_ms int)`,
        [JSON.stringify(rows)],
      ),
      'access_log_write',
    )
      .then(
        () => undefined,
        (err: unknown) => this.app.logger.warn({ err: (err as Error).message, rows: rows.length }, 'access log write failed'),
      )
      .finally(() => this.pending.delete(insert));
    this.pending.add(insert);
  }

  /** Writes every gathered row now and waits for all writes under way. */
  async flush(): Promise<void> {
    this.write();
    await Promise.allSettled([...this.pending]);
  }

  stop(): Promise<void> {
    return this.flush();
  }

  health() {
    return { state: 'running' as const };
  }
}

const recorderOf = (app: AppContext) => app.workers.use('access-log', () => new Recorder(app));

function enqueue(app: AppContext, row: Record<string, unknown>): void {
  recorderOf(app).add(row);
}

/** Writes every gathered row now (a read of the access log finds its own previous request). */
export function flushAccessLog(app: AppContext): Promise<void> {
  return recorderOf(app).flush();
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

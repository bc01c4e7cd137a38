// E2.15: every access is logged — time, who (if known), method, path, outcome, source, duration.
// Never bodies, query strings, tokens or passwords: only the path. The row is written after the
// response; reads of the access log first wait for this process's pending writes, so a client
// always finds its own previous request.
import type { NextFunction, Request, Response } from 'express';
import type { AppContext } from '../context.js';
import { clientIp } from '../http/client-ip.js';

const pending = new Set<Promise<unknown>>();

export async function flushAccessLog(): Promise<void> {
  await Promise.allSettled([...pending]);
}

const MAX_PATH = 512;

function safePath(req: Request): string {
  // originalUrl keeps the mount path; drop the query string (it may carry badge values).
  const raw = req.originalUrl.split('?')[0] ?? '/';
  return raw.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, MAX_PATH) || '/';
}

export function accessLogRecorder(app: AppContext) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const startedAt = new Date();
    const start = process.hrtime.bigint();
    let written = false;
    const write = () => {
      if (written) return;
      written = true;
      const durationMs = Number((process.hrtime.bigint() - start) / 1_000_000n);
      const accountId = typeof res.locals.accountId === 'string' ? res.locals.accountId : null;
      const username = typeof res.locals.username === 'string' ? res.locals.username.slice(0, 200) : null;
      const insert = app.db
        .knex('access_log')
        .insert({
          at: startedAt,
          account_id: accountId,
          username: username?.replace(/\u0000/g, '') ?? null,
          method: req.method.slice(0, 16),
          path: safePath(req),
          // A request the client abandoned before an answer is recorded as 499 (closed).
          status: res.writableFinished ? res.statusCode : 499,
          source_ip: clientIp(req),
          duration_ms: Math.min(durationMs, 2_147_483_647),
        })
        .then(
          () => undefined,
          (err: unknown) => app.logger.warn({ err: (err as Error).message, path: safePath(req) }, 'access log write failed'),
        )
        .finally(() => pending.delete(insert));
      pending.add(insert);
    };
    res.on('finish', write);
    res.on('close', write);
    next();
  };
}

// Per-address rate limits (security review, findings 4 and 5). The counters live in the
// database (table rate_limits, one row per bucket and address, fixed windows), so several
// servers behind one load balancer count together, and a limit reached by one address never
// touches another. Over the limit: 429 with Retry-After, before any expensive work.
import type { AppContext } from '../context.js';
import { TooManyRequestsError } from '../errors.js';
import { periodic, type Worker } from '../workers.js';

export interface RateRule {
  /** What is counted, e.g. `signin`, `public_check`. */
  bucket: string;
  /** Requests allowed per window and address. */
  limit: number;
  windowSeconds: number;
}

export interface RateCount {
  /** Requests in the current window, this one included. */
  hits: number;
  /** Seconds until the window ends. */
  resetSeconds: number;
}

/** Counts one request of `key` (a source address) in `rule`'s bucket, in one atomic statement. */
export async function countRequest(app: AppContext, rule: RateRule, key: string): Promise<RateCount> {
  const { rows } = await app.db.knex.raw(
    `INSERT INTO rate_limits AS r (bucket, key, window_start, hits) VALUES (?, ?, now(), 1)
     ON CONFLICT (bucket, key) DO UPDATE
       SET hits = CASE WHEN r.window_start <= now() - make_interval(secs => ?) THEN 1 ELSE r.hits + 1 END,
           window_start = CASE WHEN r.window_start <= now() - make_interval(secs => ?) THEN now() ELSE r.window_start END
     RETURNING r.hits, greatest(1, ceil(extract(epoch FROM r.window_start + make_interval(secs => ?) - now())))::int AS reset_seconds`,
    [rule.bucket, key.slice(0, 100), rule.windowSeconds, rule.windowSeconds, rule.windowSeconds],
  );
  const row = rows[0] as { hits: number | string; reset_seconds: number };
  return { hits: Number(row.hits), resetSeconds: row.reset_seconds };
}

/** Counts the request and refuses it with 429 (Retry-After) when the address is over the limit. */
export async function enforceRate(app: AppContext, rule: RateRule, key: string | null, message: string): Promise<RateCount> {
  const count = await countRequest(app, rule, key ?? 'unknown');
  if (count.hits > rule.limit) throw new TooManyRequestsError(message, count.resetSeconds);
  return count;
}

/** The requests of `key` in `rule`'s current window, without counting one (0 when none). */
export async function peekRate(app: AppContext, rule: RateRule, key: string | null): Promise<number> {
  const row = (await app.db.knex('rate_limits')
    .where({ bucket: rule.bucket, key: (key ?? 'unknown').slice(0, 100) })
    .where('window_start', '>', app.db.knex.raw('now() - make_interval(secs => ?)', [rule.windowSeconds]))
    .first('hits')) as { hits: number } | undefined;
  return row?.hits ?? 0;
}

/** Deletes the counters of windows long over (every few minutes, on every server; idempotent). */
export async function purgeRateLimits(app: AppContext): Promise<number> {
  return Number(await app.db.knex('rate_limits').where('window_start', '<', app.db.knex.raw("now() - interval '1 hour'")).delete());
}

/** Clears old counters now and every ten minutes: the `throttle.purge` worker. */
export function rateLimitPurgeWorker(app: AppContext): Worker {
  return periodic(10 * 60_000, () => purgeRateLimits(app), app.logger, 'rate-limit clean-up');
}

// Retention of the access log: ACCESS_LOG_RETENTION_MONTHS (default 12, PCI DSS 10.5.1), never
// under 3 (E2.15; refused at start by config.ts). The clean-up deletes only older rows, and
// journals what it deleted.
import type { AppContext } from '../context.js';
import { MIN_ACCESS_LOG_RETENTION_MONTHS } from '../config.js';
import { appendJournal } from '../journal/journal.js';

export async function purgeAccessLog(app: AppContext): Promise<{ deleted: number; cutoff: Date }> {
  const months = Math.max(app.config.accessLogRetentionMonths, MIN_ACCESS_LOG_RETENTION_MONTHS);
  return app.db.knex.transaction(async (trx) => {
    const { rows } = await trx.raw('SELECT now() - make_interval(months => ?) AS cutoff', [months]);
    const cutoff = (rows[0] as { cutoff: Date }).cutoff;
    const deleted = Number(await trx('access_log').where('at', '<', cutoff).delete());
    if (deleted > 0) {
      await appendJournal(trx, {
        actor: 'system:retention',
        action: 'access_log.purged',
        subject: 'access_log',
        payload: { deleted, cutoff: cutoff.toISOString(), retentionMonths: months },
      });
    }
    return { deleted, cutoff };
  });
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Runs the clean-up now and once a day; the timer never keeps the process alive. */
export function scheduleAccessLogPurge(app: AppContext): () => void {
  const run = () => purgeAccessLog(app).catch((err: unknown) => app.logger.warn({ err: (err as Error).message }, 'access log clean-up failed'));
  void run();
  const timer = setInterval(run, DAY_MS);
  timer.unref();
  return () => clearInterval(timer);
}

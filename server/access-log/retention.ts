// Retention of the access log: ACCESS_LOG_RETENTION_MONTHS (default 12, PCI DSS 10.5.1), never
// under 3 (E2.15; refused at start by config.ts). The clean-up deletes only older rows, and
// journals what it deleted.
import type { AppContext } from '../context.js';
import { MIN_ACCESS_LOG_RETENTION_MONTHS } from '../config.js';
import { appendJournal } from '../journal/journal.js';
import { periodic, type Worker } from '../workers.js';

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

/** The clean-up now and once a day: the `access-log.retention` worker. */
export function accessLogRetentionWorker(app: AppContext): Worker {
  return periodic(DAY_MS, () => purgeAccessLog(app), app.logger, 'access log clean-up');
}

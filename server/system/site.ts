// One name for the site: a short, stable SITE_ID (e.g. tokyo-dc1) and display names in Japanese
// and English, used wherever the site is named — printed documents, the public check, the
// journal's identity (checkpoints), and later message topics and e-mails. Kept in the database so
// that every server agrees: generated on first start if not configured, then fixed. The display
// names follow SITE_NAME_JA / SITE_NAME_EN when they change (journaled).
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { AppContext } from '../context.js';
import { ConfigError, type Config } from '../config.js';
import { appendJournal } from '../journal/journal.js';
import { currentEpoch, originFor } from '../journal/tlog-store.js';

export interface Site {
  id: string;
  nameJa: string;
  nameEn: string;
  /** When the site first started (the weekly review looks no further back). */
  createdAt: Date;
}

interface SiteRow {
  site_id: string;
  name_ja: string;
  name_en: string;
  created_at: Date;
}

export const DEFAULT_SITE_NAMES = { ja: '立会い 管理拠点', en: 'Tachiai site' };

/**
 * The site row, made on first start (under a lock, so several servers starting at once agree).
 * A configured SITE_ID that differs from the one fixed in the database stops the start.
 */
export async function ensureSite(knex: Knex, config: Pick<Config, 'siteId' | 'siteNameJa' | 'siteNameEn'>): Promise<Site> {
  return knex.transaction(async (trx) => {
    await trx.raw('LOCK TABLE site_settings IN SHARE ROW EXCLUSIVE MODE');
    const row = (await trx('site_settings').where({ id: 1 }).first()) as SiteRow | undefined;
    if (!row) {
      const made = {
        site_id: config.siteId ?? `site-${crypto.randomBytes(3).toString('hex')}`,
        name_ja: config.siteNameJa ?? DEFAULT_SITE_NAMES.ja,
        name_en: config.siteNameEn ?? DEFAULT_SITE_NAMES.en,
      };
      const [inserted] = (await trx('site_settings').insert({ id: 1, ...made }).returning(['created_at'])) as Array<{ created_at: Date }>;
      await appendJournal(trx, { actor: 'system:site', action: 'site.created', subject: `site:${made.site_id}`, payload: { siteId: made.site_id, nameJa: made.name_ja, nameEn: made.name_en, configured: config.siteId !== undefined } });
      return { id: made.site_id, nameJa: made.name_ja, nameEn: made.name_en, createdAt: inserted!.created_at };
    }
    if (config.siteId && config.siteId !== row.site_id) {
      throw new ConfigError(`SITE_ID=${config.siteId} is refused: this database belongs to site "${row.site_id}", fixed on its first start. Unset SITE_ID, or set it to ${row.site_id}.`);
    }
    const names = { name_ja: config.siteNameJa ?? row.name_ja, name_en: config.siteNameEn ?? row.name_en };
    if (names.name_ja !== row.name_ja || names.name_en !== row.name_en) {
      await trx('site_settings').where({ id: 1 }).update(names);
      await appendJournal(trx, { actor: 'system:site', action: 'site.renamed', subject: `site:${row.site_id}`, payload: { nameJa: names.name_ja, nameEn: names.name_en } });
    }
    return { id: row.site_id, nameJa: names.name_ja, nameEn: names.name_en, createdAt: row.created_at };
  });
}

/** The site as this context knows it (read once; the `system.site` service). */
export async function siteOf(app: AppContext): Promise<Site> {
  const service = app.workers.use('system.site', () => {
    let site: Promise<Site> | null = null;
    return {
      get: () => {
        site ??= ensureSite(app.db.knex, app.config).catch((err: unknown) => {
          site = null;
          throw err;
        });
        return site;
      },
      stop: () => undefined,
    };
  });
  return service.get();
}

/** The first origin of this site's transparency log (issue 19): derived from the fixed SITE_ID. */
export async function firstLogOriginOf(app: AppContext): Promise<string> {
  return originFor((await siteOf(app)).id);
}

/**
 * The current origin of this site's transparency log: the first one, or the newest epoch's
 * (`tachiai new-epoch`, issue 19 item 6a), read from the database each time so that every server
 * follows a new epoch started beside it.
 */
export async function logOriginOf(app: AppContext): Promise<string> {
  return (await currentEpoch(app.db.knex, await firstLogOriginOf(app))).origin;
}

/** When the site first started, read from the database (the weekly review looks no further back). */
export async function siteStartedAt(db: Knex): Promise<Date> {
  const row = (await db('site_settings').where({ id: 1 }).first('created_at')) as { created_at: Date } | undefined;
  return row?.created_at ?? new Date(0);
}

import { z } from 'zod';
import type { Knex } from 'knex';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { csvLangQuery, decodeCursor, encodeCursor, errorSchema, idSchema, limitQuery, timestampInput } from '../shared/schemas.js';
import { toRfc3339 } from '../shared/time.js';
import { ValidationError } from '../errors.js';
import { csvHeaders, csvLine, csvTimeCells, csvWord, CSV_BOM, CSV_TIME_HEADERS } from '../shared/csv.js';
import { flushAccessLog } from './recorder.js';

const entrySchema = z
  .object({
    id: z.string(),
    at: z.string(),
    accountId: z.string().nullable(),
    username: z.string().nullable(),
    method: z.string(),
    path: z.string(),
    status: z.number().int(),
    outcome: z.enum(['success', 'failure']),
    sourceIp: z.string().nullable(),
    durationMs: z.number().int(),
  })
  .meta({ id: 'AccessLogEntry' });

const querySchema = z.strictObject({
  from: timestampInput.optional(),
  to: timestampInput.optional(),
  accountId: idSchema.optional(),
  status: z.coerce.number().int().min(100).max(599).optional(),
  outcome: z.enum(['success', 'failure']).optional(),
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']).optional(),
  limit: limitQuery,
  cursor: z.string().max(200).optional(),
  format: z.enum(['json', 'csv']).default('json'),
  lang: csvLangQuery,
});
type Query = z.output<typeof querySchema>;

interface Row {
  id: string;
  at: Date;
  account_id: string | null;
  username: string | null;
  method: string;
  path: string;
  status: number;
  source_ip: string | null;
  duration_ms: number;
}

function filtered(db: Knex, q: Query) {
  const query = db<Row>('access_log').orderBy('id', 'desc');
  if (q.from) query.where('at', '>=', q.from);
  if (q.to) query.where('at', '<', q.to);
  if (q.accountId) query.where('account_id', q.accountId);
  if (q.status) query.where('status', q.status);
  if (q.outcome === 'success') query.where('status', '<', 400);
  if (q.outcome === 'failure') query.where('status', '>=', 400);
  if (q.method) query.where('method', q.method);
  return query;
}

function toJson(row: Row, tz: string) {
  return {
    id: String(row.id),
    at: toRfc3339(row.at, tz),
    accountId: row.account_id,
    username: row.username,
    method: row.method,
    path: row.path,
    status: row.status,
    outcome: row.status < 400 ? ('success' as const) : ('failure' as const),
    sourceIp: row.source_ip,
    durationMs: row.duration_ms,
  };
}

const HEADERS = {
  en: [...CSV_TIME_HEADERS.en, 'User ID', 'User name', 'Method', 'Path', 'Status', 'Outcome', 'Source address', 'Duration (ms)'],
  ja: [...CSV_TIME_HEADERS.ja, 'ユーザーID', 'ユーザー名', 'メソッド', 'パス', 'ステータス', '結果', 'アクセス元', '処理時間(ms)'],
};
const OUTCOME_WORDS = { success: { ja: '成功', en: 'success' }, failure: { ja: '失敗', en: 'failure' } };

export const accessLogRoutes: AnyRoute[] = [
  defineRoute({
    method: 'get',
    path: '/api/access-log',
    summary: 'Every API request: time, user, method, path, outcome, source (E2.15). format=csv for all matching rows.',
    tags: ['audit'],
    access: 'accesslog:read',
    query: querySchema,
    responses: {
      200: { description: 'A page of entries, newest first (or CSV, UTF-8 with BOM)', schema: z.object({ items: z.array(entrySchema), nextCursor: z.string().nullable() }) },
      400: { description: 'Invalid filter', schema: errorSchema },
    },
    handler: async ({ app, db, query, res }) => {
      await flushAccessLog(app);
      const tz = app.config.displayTimeZone;
      if (query.format === 'csv') {
        res.status(200).type('text/csv; charset=utf-8').set('Content-Disposition', 'attachment; filename="access-log.csv"');
        res.write(CSV_BOM + csvLine(csvHeaders(HEADERS, query.lang)));
        let before: string | null = null;
        for (;;) {
          const batch = filtered(db, query).limit(2000);
          if (before) batch.where('id', '<', before);
          const rows = (await batch) as Row[];
          for (const row of rows) {
            const e = toJson(row, tz);
            res.write(csvLine([...csvTimeCells(row.at, tz), e.accountId ?? '', e.username ?? '', e.method, e.path, String(e.status), csvWord(e.outcome, OUTCOME_WORDS, query.lang), e.sourceIp ?? '', String(e.durationMs)]));
          }
          if (rows.length < 2000) break;
          before = String(rows[rows.length - 1]!.id);
        }
        res.end();
        return undefined;
      }
      const cursor = decodeCursor(query.cursor, z.tuple([z.string().regex(/^\d{1,19}$/)]));
      if (query.cursor && !cursor) throw new ValidationError('The cursor is not valid.', [{ field: 'query.cursor', code: 'invalid_cursor', message: 'not a cursor from this list' }]);
      const q = filtered(db, query).limit(query.limit + 1);
      if (cursor) q.where('id', '<', cursor[0] as string);
      const rows = (await q) as Row[];
      const items = rows.slice(0, query.limit);
      return {
        json: {
          items: items.map((r) => toJson(r, tz)),
          nextCursor: rows.length > query.limit ? encodeCursor([String(items[items.length - 1]!.id)]) : null,
        },
      };
    },
  }),
];

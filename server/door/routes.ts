import { z } from 'zod';
import { defineFastRoute, defineRoute, type AnyRoute } from '../http/route.js';
import { decodeCursor, encodeCursor, errorSchema, idSchema, limitQuery, text, timestampInput } from '../shared/schemas.js';
import { toRfc3339 } from '../shared/time.js';
import { ValidationError } from '../errors.js';
import { CSV_BOM, csvLine } from '../shared/csv.js';
import { recordManualExit, recordScan } from './scan.js';
import { DENY_REASONS } from './rules.js';
import { afterCursor, ENTRY_CSV_HEADERS, entriesQuery, entryCsvCells, entryJson, type EntryRow } from './entries.read-model.js';
import { streamEntries } from './live.js';

const scanResultSchema = z
  .object({
    entryId: z.string(),
    decision: z.enum(['granted', 'denied']),
    reason: z.enum(DENY_REASONS).optional(),
    direction: z.enum(['in', 'out']),
    person: z.object({ id: z.string(), name: z.string() }).optional(),
    at: z.string(),
    roomId: z.string(),
    flags: z.array(z.string()),
  })
  .meta({ id: 'ScanResult' });

const entrySchema = z
  .object({
    id: z.string(),
    at: z.string(),
    roomId: z.string(),
    roomName: z.string(),
    person: z.object({ id: z.string(), name: z.string(), orgName: z.string().nullable() }).nullable(),
    badgeId: z.string().nullable(),
    direction: z.enum(['in', 'out']),
    decision: z.enum(['granted', 'denied']),
    reason: z.string().nullable(),
    presentedHint: z.string().nullable(),
    flags: z.array(z.string()),
  })
  .meta({ id: 'Entry' });

const entriesQuerySchema = z.strictObject({
  roomId: idSchema.optional(),
  personId: idSchema.optional(),
  from: timestampInput.optional(),
  to: timestampInput.optional(),
  decision: z.enum(['granted', 'denied']).optional(),
  limit: limitQuery,
  cursor: z.string().max(200).optional(),
  format: z.enum(['json', 'csv']).default('json'),
  lang: z.enum(['en', 'ja']).default('en'),
});

const cursorShape = z.tuple([z.iso.datetime({ offset: true }), z.string().regex(/^\d{1,19}$/)]);

export const doorRoutes: AnyRoute[] = [
  // The busiest request of all: served straight from node:http when it is plain (server/http/fast-lane.ts).
  defineFastRoute({
    method: 'post',
    path: '/api/scans',
    summary: 'A badge scanned at a room door: granted or denied with a reason; every scan is logged (E6.1, E6.2)',
    tags: ['door'],
    access: 'scans:write',
    body: z.strictObject({
      roomId: idSchema,
      badge: z.string().trim().min(1).max(512).describe('Badge token or IC card UID, exactly as the reader typed it'),
      direction: z.enum(['in', 'out']).optional(),
    }),
    responses: {
      201: { description: 'Scan recorded (granted or denied)', schema: scanResultSchema },
      404: { description: 'Unknown room', schema: errorSchema },
      409: { description: 'door_busy: the same badge kept being scanned elsewhere while this scan was decided (50 tries); nothing recorded, scan again', schema: errorSchema },
    },
    // Not in the request's transaction: scans arriving together are read together and written
    // together, each batch in its own statement and commit; the session is read in the scans'
    // own statement (server/door/scan.ts).
    transaction: false,
    sessionInHandler: true,
    handler: async ({ app, body, session }) => {
      const r = await recordScan(app, { ...body, session: session! });
      return {
        status: 201,
        json: {
          entryId: r.entryId,
          decision: r.decision,
          ...(r.reason ? { reason: r.reason } : {}),
          direction: r.direction,
          ...(r.person ? { person: r.person } : {}),
          at: toRfc3339(r.at, app.config.displayTimeZone),
          roomId: r.roomId,
          flags: r.flags,
        },
      };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/entries',
    summary: 'The entry log, newest first; format=csv for all matching rows (UTF-8 with BOM, lang=ja for Japanese headers)',
    tags: ['door'],
    access: 'entries:read',
    query: entriesQuerySchema,
    responses: {
      200: { description: 'A page of entries', schema: z.object({ items: z.array(entrySchema), nextCursor: z.string().nullable() }) },
    },
    handler: async ({ app, db, query, res }) => {
      const tz = app.config.displayTimeZone;
      if (query.format === 'csv') {
        res.status(200).type('text/csv; charset=utf-8').set('Content-Disposition', 'attachment; filename="entries.csv"');
        res.write(CSV_BOM + csvLine(ENTRY_CSV_HEADERS[query.lang]));
        let last: EntryRow | null = null;
        for (;;) {
          const q = entriesQuery(db, query).limit(2000);
          if (last) afterCursor(q, last.at, String(last.id));
          const rows = (await q) as EntryRow[];
          for (const row of rows) res.write(csvLine(entryCsvCells(row, tz, query.lang)));
          if (rows.length < 2000) break;
          last = rows[rows.length - 1]!;
        }
        res.end();
        return undefined;
      }
      const q = entriesQuery(db, query).limit(query.limit + 1);
      if (query.cursor) {
        const c = decodeCursor(query.cursor, cursorShape);
        if (!c) throw new ValidationError('The cursor is not valid.', [{ field: 'query.cursor', code: 'invalid_cursor', message: 'not a cursor from this list' }]);
        afterCursor(q, new Date(c[0] as string), c[1] as string);
      }
      const rows = (await q) as EntryRow[];
      const items = rows.slice(0, query.limit);
      const lastItem = items[items.length - 1];
      return {
        json: {
          items: items.map((r) => entryJson(r, tz)),
          nextCursor: rows.length > query.limit && lastItem ? encodeCursor([lastItem.at.toISOString(), String(lastItem.id)]) : null,
        },
      };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/entries/live',
    summary: 'Server-sent events: every scan at every door, from every server, as it happens',
    tags: ['door'],
    access: 'entries:read',
    query: z.strictObject({ roomId: idSchema.optional() }),
    responses: { 200: { description: 'text/event-stream of `entry` events', contentType: 'text/event-stream' } },
    handler: async ({ app, req, res, query, actor }) => {
      await streamEntries(app, req, res, actor!.sessionId, query.roomId);
      return undefined;
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/rooms/:id/occupancy/:personId/exit',
    summary: 'Record that someone left without a valid scan (badge revoked or lost inside, reader down); flagged manual_exit',
    tags: ['door'],
    access: 'scans:write',
    params: z.object({ id: idSchema, personId: idSchema }),
    body: z.strictObject({ note: text(500).describe('Why the exit is recorded by hand') }),
    responses: {
      201: { description: 'Exit recorded', schema: z.object({ entryId: z.string(), at: z.string(), person: z.object({ id: z.string(), name: z.string() }), flags: z.array(z.string()) }) },
      404: { description: 'Unknown room', schema: errorSchema },
      409: { description: 'The person is not inside this room (not_inside)', schema: errorSchema },
    },
    handler: async ({ app, db, params, body, actor }) => {
      const r = await recordManualExit(db, { roomId: params.id, personId: params.personId, note: body.note, recordedBy: actor!.accountId });
      return { status: 201, json: { entryId: r.entryId, at: toRfc3339(r.at, app.config.displayTimeZone), person: r.person, flags: ['manual_exit'] } };
    },
  }),
];

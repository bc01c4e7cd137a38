import { z } from 'zod';
import { defineFastRoute, defineRoute, type AnyRoute } from '../http/route.js';
import { csvLangQuery, decodeCursor, encodeCursor, errorSchema, idSchema, limitQuery, text, timestampInput } from '../shared/schemas.js';
import QRCode from 'qrcode';
import { toRfc3339, toRfc3339OrNull } from '../shared/time.js';
import { getRoom } from '../rooms/service.js';
import { ForbiddenError, ValidationError } from '../errors.js';
import { listStations, registerStation, revokeStation, type StationRow } from './stations.js';
import { CSV_BOM, csvHeaders, csvLine } from '../shared/csv.js';
import { recordManualExit, recordScan } from './scan.js';
import { ENTRY_REASONS } from './rules.js';
import { afterCursor, ENTRY_CSV_HEADERS, entriesQuery, entryCsvCells, entryJson, type EntryRow } from './entries.read-model.js';
import { streamEntries } from './live.js';
import { metricsOf } from '../monitoring/metrics.js';

const scanResultSchema = z
  .object({
    entryId: z.string(),
    decision: z.enum(['granted', 'denied']),
    reason: z.enum(ENTRY_REASONS).optional(),
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
  reason: z.enum(ENTRY_REASONS).optional(),
  limit: limitQuery,
  cursor: z.string().max(200).optional(),
  format: z.enum(['json', 'csv']).default('json'),
  lang: csvLangQuery,
});

const cursorShape = z.tuple([z.iso.datetime({ offset: true }), z.string().regex(/^\d{1,19}$/)]);

const stationSchema = z
  .object({
    id: z.string(),
    roomId: z.string(),
    name: z.string(),
    createdAt: z.string(),
    lastSeenAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    revokedReason: z.string().nullable(),
    status: z.enum(['active', 'revoked']),
  })
  .meta({ id: 'DoorStation' });

function stationJson(row: StationRow, tz: string) {
  return {
    id: row.id,
    roomId: row.room_id,
    name: row.name,
    createdAt: toRfc3339(row.created_at, tz),
    lastSeenAt: toRfc3339OrNull(row.last_seen_at, tz),
    revokedAt: toRfc3339OrNull(row.revoked_at, tz),
    revokedReason: row.revoked_reason,
    status: row.revoked_at ? ('revoked' as const) : ('active' as const),
  };
}

export const doorRoutes: AnyRoute[] = [
  defineRoute({
    method: 'post',
    path: '/api/door-stations',
    summary: 'Register a door station for one room; its credential is shown once (as text and as an enrolment QR code)',
    description:
      'A door station is a device, not a person: a kiosk browser at the door, or a hardware reader posting scans over HTTP. With its credential it records scans at its room ' +
      '(POST /api/scans) and nothing else; it never times out, and revoking it refuses it at once on every server. The database keeps only a digest of the credential.',
    tags: ['door'],
    access: 'stations:write',
    body: z.strictObject({ roomId: idSchema, name: text(100).describe('Where it is, e.g. 第1処理室 入口') }),
    responses: {
      201: { description: 'Registered', schema: stationSchema.extend({ credential: z.string().describe('Shown once'), enrolUrl: z.string().describe('Opens the kiosk page and enrols this browser (the credential is in the fragment, never sent to a server log)'), enrolQrSvg: z.string() }) },
      404: { description: 'Unknown room', schema: errorSchema },
    },
    handler: async ({ app, db, body, actor }) => {
      const { station, credential } = await registerStation(db, body, actor!.accountId);
      const enrolUrl = `${app.config.publicUrl ?? ''}/station.html#enrol=${credential}`;
      const enrolQrSvg = await QRCode.toString(enrolUrl, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
      return { status: 201, json: { ...stationJson(station, app.config.displayTimeZone), credential, enrolUrl, enrolQrSvg } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/door-stations',
    summary: 'Door stations, active first (never their credentials)',
    tags: ['door'],
    access: 'stations:read',
    responses: { 200: { description: 'Stations', schema: z.object({ items: z.array(stationSchema), nextCursor: z.null() }) } },
    handler: async ({ app, db }) => ({ json: { items: (await listStations(db)).map((r) => stationJson(r, app.config.displayTimeZone)), nextCursor: null } }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/door-stations/me',
    summary: 'The door station the credential belongs to (a kiosk checks its enrolment and finds its room)',
    tags: ['door'],
    access: 'signed-in',
    stations: true,
    responses: {
      200: { description: 'This station', schema: z.object({ id: z.string(), name: z.string(), roomId: z.string(), roomName: z.string() }) },
      401: { description: 'Unknown or revoked station', schema: errorSchema },
      403: { description: 'Not a door station (a person\'s token)', schema: errorSchema },
    },
    handler: async ({ db, station }) => {
      if (!station) throw new ForbiddenError('not_a_station', 'This answers door stations only.');
      const room = await getRoom(db, station.roomId);
      return { json: { id: station.id, name: station.name, roomId: room.id, roomName: room.name } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/door-stations/:id/revoke',
    summary: 'Revoke a door station: its credential is refused at once, on every server',
    tags: ['door'],
    access: 'stations:write',
    params: z.object({ id: idSchema }),
    body: z.strictObject({ reason: text(200) }),
    responses: { 200: { description: 'Revoked', schema: stationSchema }, 404: { description: 'Unknown station', schema: errorSchema }, 409: { description: 'Already revoked', schema: errorSchema } },
    handler: async ({ app, db, params, body, actor }) => ({ json: stationJson(await revokeStation(db, params.id, body.reason, actor!.accountId), app.config.displayTimeZone) }),
  }),
  // The busiest request of all: served straight from node:http when it is plain (server/http/fast-lane.ts).
  defineFastRoute({
    method: 'post',
    path: '/api/scans',
    summary: 'A badge scanned at a room door: granted or denied with a reason; every scan is logged (E6.1, E6.2)',
    description:
      'Called by a signed-in guard (Bearer token) or by a door station with its credential (`Authorization: Bearer tds1_…`), which records scans at its own room only. ' +
      'A hardware reader posts: curl -X POST https://tachiai.example/api/scans -H "Authorization: Bearer $STATION_CREDENTIAL" -H "Content-Type: application/json" -d \'{"roomId":"…","badge":"tb1_…"}\'',
    tags: ['door'],
    access: 'scans:write',
    body: z.strictObject({
      roomId: idSchema,
      badge: z.string().trim().min(1).max(512).describe('Badge token or IC card UID, exactly as the reader typed it'),
      direction: z.enum(['in', 'out']).optional(),
    }),
    responses: {
      201: { description: 'Scan recorded (granted or denied)', schema: scanResultSchema },
      403: { description: 'Not allowed; or a door station scanning for another room (station_wrong_room)', schema: errorSchema },
      404: { description: 'Unknown room', schema: errorSchema },
      409: { description: 'door_busy: the same badge kept being scanned elsewhere while this scan was decided (50 tries); nothing recorded, scan again', schema: errorSchema },
    },
    // Not in the request's transaction: scans arriving together are read together and written
    // together, each batch in its own statement and commit; the session is read in the scans'
    // own statement (server/door/scan.ts).
    transaction: false,
    sessionInHandler: true,
    stations: true,
    handler: async ({ app, body, session, station }) => {
      // A door station records scans at its own room only.
      if (station && body.roomId !== station.roomId) throw new ForbiddenError('station_wrong_room', 'This door station records scans at its own room only.');
      const r = await recordScan(app, { ...body, session: session! });
      metricsOf(app).countScan(r.decision);
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
    summary: 'The entry log, newest first, by room, person, period, decision or reason; format=csv for all matching rows (UTF-8 with BOM; lang=ja|en for words, codes without)',
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
        res.write(CSV_BOM + csvLine(csvHeaders(ENTRY_CSV_HEADERS, query.lang)));
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

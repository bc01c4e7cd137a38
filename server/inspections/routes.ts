import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { errorSchema, idSchema, text } from '../shared/schemas.js';
import { toRfc3339 } from '../shared/time.js';
import { signerInput, recordSummarySchema } from '../signatures/schemas.js';
import { recordJson } from '../signatures/views.js';
import { getLocation, listLocations, locationJson, mediumJson } from '../media/service.js';
import { locationSchema, mediumSchema } from '../media/schemas.js';
import { expectedIn, listInspections, recordInspection, siteMonth, type InspectionRow } from './service.js';

const error = (description: string) => ({ description, schema: errorSchema });
const monthSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'YYYY-MM');

const inspectionSchema = z
  .object({
    id: z.string(),
    recordId: z.string(),
    locationId: z.string(),
    locationName: z.string(),
    roomName: z.string(),
    month: z.string(),
    inspectorPersonId: z.string(),
    inspectorName: z.string(),
    expected: z.array(z.string()),
    found: z.array(z.string()),
    missing: z.array(z.string()),
    unexpected: z.array(z.string()),
    note: z.string().nullable(),
    at: z.string(),
  })
  .meta({ id: 'Inspection' });

const inspectionJson = (r: InspectionRow, tz: string) => ({
  id: r.id,
  recordId: r.record_id,
  locationId: r.location_id,
  locationName: r.location_name,
  roomName: r.room_name,
  month: r.month,
  inspectorPersonId: r.inspector_person_id,
  inspectorName: r.inspector_name,
  expected: r.expected_ids,
  found: r.found_ids,
  missing: r.missing_ids,
  unexpected: r.unexpected_ids,
  note: r.note,
  at: toRfc3339(r.at, tz),
});

export const inspectionRoutes: AnyRoute[] = [
  defineRoute({
    method: 'get',
    path: '/api/inspections/sheet',
    summary: 'The inspection sheet of a location: every medium expected there (E4.1)',
    tags: ['custody'],
    access: 'media:read',
    query: z.strictObject({ locationId: idSchema }),
    responses: { 200: { description: 'Sheet', schema: z.object({ location: locationSchema, month: z.string(), expected: z.array(mediumSchema) }) }, 404: error('Unknown location') },
    handler: async ({ app, db, query }) => {
      const tz = app.config.displayTimeZone;
      const location = await getLocation(db, query.locationId);
      const { rows } = await db.raw('SELECT now() AS now');
      return { json: { location: locationJson(location, tz), month: siteMonth((rows[0] as { now: Date }).now, tz), expected: (await expectedIn(db, location.id)).map((m) => mediumJson(m, tz)) } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/inspections',
    summary: 'Record a monthly inspection of a location, signed by the inspector (E4.1)',
    tags: ['custody'],
    access: 'custody:write',
    transaction: false,
    body: z.strictObject({ locationId: idSchema, foundMediaIds: z.array(idSchema).max(2000), inspector: signerInput, note: text(1000).optional() }),
    responses: {
      201: { description: 'Recorded with its discrepancies', schema: inspectionSchema.extend({ record: recordSummarySchema }) },
      400: error('Invalid or the badge / PIN did not verify'),
      404: error('Unknown location or medium'),
      409: error('The inspector is not inside the room'),
      423: error('The PIN is locked'),
    },
    handler: async ({ app, body, actor }) => {
      const done = await recordInspection(app, { ...body, actor: actor!.accountId });
      const [row] = (await listInspections(app.db.knex, { locationId: body.locationId })).filter((r) => r.id === done.id);
      return { status: 201, json: { ...inspectionJson(row!, app.config.displayTimeZone), record: recordJson(done.record, app.config.displayTimeZone, false) } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/inspections',
    summary: 'Inspections, newest first, by month (YYYY-MM) or location',
    tags: ['custody'],
    access: 'media:read',
    query: z.strictObject({ month: monthSchema.optional(), locationId: idSchema.optional() }),
    responses: { 200: { description: 'Inspections', schema: z.object({ items: z.array(inspectionSchema), nextCursor: z.null() }) } },
    handler: async ({ app, db, query }) => ({ json: { items: (await listInspections(db, query)).map((r) => inspectionJson(r, app.config.displayTimeZone)), nextCursor: null } }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/inspections/due',
    summary: 'Locations not yet inspected this month (site time)',
    tags: ['custody'],
    access: 'media:read',
    responses: { 200: { description: 'Due', schema: z.object({ month: z.string(), items: z.array(locationSchema) }) } },
    handler: async ({ app, db }) => {
      const tz = app.config.displayTimeZone;
      const { rows } = await db.raw('SELECT now() AS now');
      const month = siteMonth((rows[0] as { now: Date }).now, tz);
      const done = new Set((await listInspections(db, { month })).map((r) => r.location_id));
      return { json: { month, items: (await listLocations(db)).filter((l) => !done.has(l.id)).map((l) => locationJson(l, tz)) } };
    },
  }),
];

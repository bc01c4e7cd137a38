import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { errorSchema, idParams, idSchema, text } from '../shared/schemas.js';
import { toRfc3339 } from '../shared/time.js';
import { NotFoundError } from '../errors.js';
import { signerInput, recordSummarySchema } from '../signatures/schemas.js';
import { getSignedRecord } from '../signatures/service.js';
import { recordJson } from '../signatures/views.js';
import { newMediumFields } from '../media/schemas.js';
import { recordHandover } from './service.js';
import { getHandover, listHandovers } from './handovers.read-model.js';

const error = (description: string) => ({ description, schema: errorSchema });

const handoverSchema = z
  .object({
    id: z.string(),
    direction: z.enum(['from_depositor', 'to_depositor', 'internal']),
    fromPersonId: z.string(),
    fromName: z.string(),
    toPersonId: z.string(),
    toName: z.string(),
    roomId: z.string().nullable(),
    place: z.string().nullable(),
    presenceVerified: z.boolean(),
    note: z.string().nullable(),
    at: z.string(),
    mediaIds: z.array(z.string()),
    record: recordSummarySchema,
  })
  .meta({ id: 'Handover' });

export const handoverRoutes: AnyRoute[] = [
  defineRoute({
    method: 'post',
    path: '/api/handovers',
    summary: 'Record a handover witnessed on the spot (E1.3); receiving from the depositor creates the media',
    tags: ['custody'],
    access: 'custody:write',
    transaction: false, // witnesses' PINs are checked first (wrong ones count), then one transaction
    body: z
      .strictObject({
        mediaIds: z.array(idSchema).max(200).default([]),
        newMedia: z.array(z.strictObject(newMediumFields)).max(200).default([]).describe('Media received from the depositor, registered in this step'),
        fromPersonId: idSchema,
        toPersonId: idSchema,
        witnesses: z.array(signerInput).min(1).max(10),
        roomId: idSchema.optional(),
        place: text(200).optional(),
        note: text(1000).optional(),
      }),
    responses: {
      201: { description: 'Recorded, one signature per witness', schema: handoverSchema },
      400: error('Invalid (witnesses not distinct, no responsible witness, room and place, …) or a badge / PIN did not verify; nothing recorded'),
      404: error('Unknown person, medium, room or location'),
      409: error('A medium is not in a status that allows it, not held by the giver, or someone is not inside the room (named)'),
      423: error('A PIN is locked'),
    },
    handler: async ({ app, body, actor }) => {
      const result = await recordHandover(app, { ...body, actor: actor!.accountId });
      return { status: 201, json: await handoverJson(app, result.id) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/handovers',
    summary: 'Handovers, newest first',
    tags: ['custody'],
    access: 'media:read',
    query: z.strictObject({ mediumId: idSchema.optional(), personId: idSchema.optional() }),
    responses: { 200: { description: 'Handovers', schema: z.object({ items: z.array(handoverSchema.omit({ record: true })), nextCursor: z.null() }) } },
    handler: async ({ app, db, query }) => {
      const rows = await listHandovers(db, query);
      return { json: { items: rows.map((r) => handoverRowJson(r, app.config.displayTimeZone)), nextCursor: null } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/handovers/:id',
    summary: 'One handover with its signatures',
    tags: ['custody'],
    access: 'media:read',
    params: idParams,
    responses: { 200: { description: 'Found', schema: handoverSchema }, 404: error('Unknown id') },
    handler: async ({ app, params }) => ({ json: await handoverJson(app, params.id) }),
  }),
];

function handoverRowJson(r: Awaited<ReturnType<typeof listHandovers>>[number], tz: string) {
  return {
    id: r.id,
    direction: r.direction,
    fromPersonId: r.from_person_id,
    fromName: r.from_name,
    toPersonId: r.to_person_id,
    toName: r.to_name,
    roomId: r.room_id,
    place: r.place,
    presenceVerified: r.room_id !== null,
    note: r.note,
    at: toRfc3339(r.at, tz),
    mediaIds: r.media_ids,
  };
}

async function handoverJson(app: import('../context.js').AppContext, id: string) {
  const db = app.db.knex;
  const row = await getHandover(db, id);
  if (!row) throw new NotFoundError('handover');
  const record = await getSignedRecord(db, row.record_id);
  return { ...handoverRowJson(row, app.config.displayTimeZone), record: recordJson(record!, app.config.displayTimeZone, false) };
}

import { z } from 'zod';
import type { Knex } from 'knex';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { errorSchema, idParams, idSchema, text } from '../shared/schemas.js';
import { toRfc3339, toRfc3339OrNull } from '../shared/time.js';
import { NotFoundError } from '../errors.js';
import type { AppContext } from '../context.js';
import { signerInput, recordSummarySchema } from '../signatures/schemas.js';
import { getSignedRecord } from '../signatures/service.js';
import { recordJson } from '../signatures/views.js';
import { receiveTransfer, RECEIPT_OUTCOMES, sendTransfer, TRANSFER_METHODS } from './service.js';

const error = (description: string) => ({ description, schema: errorSchema });

const transferSchema = z
  .object({
    id: z.string(),
    destination: z.string(),
    method: z.enum(TRANSFER_METHODS),
    carrierOrgId: z.string().nullable(),
    trackingNo: z.string().nullable(),
    escortPersonId: z.string().nullable(),
    status: z.enum(['in_transit', 'received']),
    note: z.string().nullable(),
    sentAt: z.string(),
    receivedAt: z.string().nullable(),
    receiptOutcome: z.enum(RECEIPT_OUTCOMES).nullable(),
    receivedByName: z.string().nullable(),
    mediaIds: z.array(z.string()),
    record: recordSummarySchema.optional(),
    receipt: recordSummarySchema.nullable().optional(),
  })
  .meta({ id: 'Transfer' });

interface TransferRow {
  id: string;
  record_id: string;
  destination: string;
  method: (typeof TRANSFER_METHODS)[number];
  carrier_org_id: string | null;
  tracking_no: string | null;
  escort_person_id: string | null;
  status: 'in_transit' | 'received';
  note: string | null;
  sent_at: Date;
  receipt_record_id: string | null;
  receipt_outcome: (typeof RECEIPT_OUTCOMES)[number] | null;
  received_by_name: string | null;
  received_at: Date | null;
  media_ids: string[];
}

const transfersQuery = (db: Knex) =>
  db('transfers as t').select('t.*', db.raw('ARRAY(SELECT tm.medium_id::text FROM transfer_media tm WHERE tm.transfer_id = t.id ORDER BY tm.position) AS media_ids'));

function rowJson(r: TransferRow, tz: string) {
  return {
    id: r.id,
    destination: r.destination,
    method: r.method,
    carrierOrgId: r.carrier_org_id,
    trackingNo: r.tracking_no,
    escortPersonId: r.escort_person_id,
    status: r.status,
    note: r.note,
    sentAt: toRfc3339(r.sent_at, tz),
    receivedAt: toRfc3339OrNull(r.received_at, tz),
    receiptOutcome: r.receipt_outcome,
    receivedByName: r.received_by_name,
    mediaIds: r.media_ids,
  };
}

async function transferJson(app: AppContext, id: string) {
  const db = app.db.knex;
  const tz = app.config.displayTimeZone;
  const row = (await transfersQuery(db).where('t.id', id).first()) as TransferRow | undefined;
  if (!row) throw new NotFoundError('transfer');
  const record = await getSignedRecord(db, row.record_id);
  const receipt = row.receipt_record_id ? await getSignedRecord(db, row.receipt_record_id) : null;
  return { ...rowJson(row, tz), record: recordJson(record!, tz, false), receipt: receipt ? recordJson(receipt, tz, false) : null };
}

export const transferRoutes: AnyRoute[] = [
  defineRoute({
    method: 'post',
    path: '/api/transfers',
    summary: 'Media leave the site (E1.3, E1.8): witnessed; carrier must be approved; post needs a responsible escort',
    tags: ['custody'],
    access: 'custody:write',
    transaction: false,
    body: z.strictObject({
      mediaIds: z.array(idSchema).min(1).max(200),
      destination: text(300),
      method: z.enum(TRANSFER_METHODS),
      carrierOrgId: idSchema.optional(),
      trackingNo: text(100).optional(),
      escortPersonId: idSchema.optional(),
      witnesses: z.array(signerInput).min(1).max(10),
      roomId: idSchema.optional(),
      place: text(200).optional(),
      note: text(1000).optional(),
    }),
    responses: {
      201: { description: 'Sent; the media are in transit', schema: transferSchema },
      400: error('Invalid (missing carrier / tracking number / escort, escort not responsible, witnesses) or a badge / PIN did not verify'),
      404: error('Unknown medium, person, organisation or room'),
      409: error('A medium cannot leave from its status, the carrier is not approved, or someone is not inside the room'),
      423: error('A PIN is locked'),
    },
    handler: async ({ app, body, actor }) => {
      const sent = await sendTransfer(app, { ...body, actor: actor!.accountId });
      return { status: 201, json: await transferJson(app, sent.id) };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/transfers/:id/receipt',
    summary: 'Record arrival at the destination; closes the transfer',
    tags: ['custody'],
    access: 'custody:write',
    transaction: false,
    params: idParams,
    body: z.strictObject({
      outcome: z.enum(RECEIPT_OUTCOMES).default('returned_to_depositor'),
      receivedByName: text(200),
      locationId: idSchema.optional(),
      holderPersonId: idSchema.optional(),
      signer: signerInput.optional(),
      note: text(1000).optional(),
    }),
    responses: {
      201: { description: 'Received', schema: transferSchema },
      400: error('Invalid or a badge / PIN did not verify'),
      404: error('Unknown transfer, location or person'),
      409: error('Already received, or the receiver is not inside the room'),
    },
    handler: async ({ app, params, body, actor }) => {
      await receiveTransfer(app, { ...body, transferId: params.id, actor: actor!.accountId });
      return { status: 201, json: await transferJson(app, params.id) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/transfers',
    summary: 'Transfers, newest first',
    tags: ['custody'],
    access: 'media:read',
    query: z.strictObject({ status: z.enum(['in_transit', 'received']).optional() }),
    responses: { 200: { description: 'Transfers', schema: z.object({ items: z.array(transferSchema), nextCursor: z.null() }) } },
    handler: async ({ app, db, query }) => {
      const q = transfersQuery(db).orderBy('t.sent_at', 'desc').limit(500);
      if (query.status) q.where('t.status', query.status);
      return { json: { items: ((await q) as TransferRow[]).map((r) => rowJson(r, app.config.displayTimeZone)), nextCursor: null } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/transfers/:id',
    summary: 'One transfer with its signatures',
    tags: ['custody'],
    access: 'media:read',
    params: idParams,
    responses: { 200: { description: 'Found', schema: transferSchema }, 404: error('Unknown id') },
    handler: async ({ app, params }) => ({ json: await transferJson(app, params.id) }),
  }),
];

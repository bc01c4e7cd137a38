// Checkout / check-in (one medium, or several scanned in one go with one signature and one
// receipt), and the after-hours alerts for the front desk.
import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { errorSchema, idParams, idSchema } from '../shared/schemas.js';
import { toRfc3339 } from '../shared/time.js';
import { badgeInput, drawnSignatureInput, pinInput, recordSummarySchema } from '../signatures/schemas.js';
import { recordJson } from '../signatures/views.js';
import type { StoredRecord } from '../signatures/service.js';
import type { AppContext } from '../context.js';
import { checkIn, checkOut, openAlerts, raiseAfterHoursAlerts } from './service.js';

const error = (description: string) => ({ description, schema: errorSchema });
const mediaIds = z.array(idSchema).min(1).max(200);

const custodyResult = z.object({ recordId: z.string(), mediaIds: z.array(z.string()), record: recordSummarySchema }).meta({ id: 'CustodyResult' });
const result = (app: AppContext, r: { record: StoredRecord; mediaIds: string[] }) => ({
  status: 201,
  json: { recordId: r.record.id, mediaIds: r.mediaIds, record: recordJson(r.record, app.config.displayTimeZone, false) },
});

const checkoutResponses = {
  201: { description: 'Checked out; the holder signed `received`', schema: custodyResult },
  400: error('Invalid, or the badge / PIN did not verify (nothing recorded; a wrong PIN counts toward the lockout)'),
  404: error('Unknown medium or person'),
  409: error('A medium is not stored (the message names its status), or the person is not inside the room'),
  423: error('The PIN is locked'),
};
const checkinResponses = {
  201: { description: 'Checked in; the holder signed `returned`', schema: custodyResult },
  400: error('Invalid, or the badge / PIN did not verify'),
  404: error('Unknown medium or location'),
  409: error('Not checked out, not held by the badge holder, a location of another room, or the holder is not inside'),
  423: error('The PIN is locked'),
};

const alertSchema = z
  .object({ id: z.string(), day: z.string(), raisedAt: z.string(), mediumId: z.string(), label: z.string(), roomId: z.string(), roomName: z.string(), holder: z.object({ id: z.string(), name: z.string() }).nullable() })
  .meta({ id: 'CustodyAlert' });

export const custodyRoutes: AnyRoute[] = [
  defineRoute({
    method: 'post',
    path: '/api/media/:id/checkout',
    summary: 'Check a medium out to a person inside its room; badge + PIN are the holder\'s signature (E1.2)',
    tags: ['custody'],
    access: 'custody:write',
    transaction: false, // PINs are checked first (a wrong one must count); then one transaction
    params: idParams,
    body: z.strictObject({ personId: idSchema, badge: badgeInput, pin: pinInput, drawnSignature: drawnSignatureInput.optional() }),
    responses: checkoutResponses,
    handler: async ({ app, params, body, actor }) => result(app, await checkOut(app, { ...body, mediaIds: [params.id], actor: actor!.accountId })),
  }),
  defineRoute({
    method: 'post',
    path: '/api/media/:id/checkin',
    summary: 'Check a medium back into a location of its room; the holder signs with badge + PIN',
    tags: ['custody'],
    access: 'custody:write',
    transaction: false,
    params: idParams,
    body: z.strictObject({ locationId: idSchema, badge: badgeInput, pin: pinInput, drawnSignature: drawnSignatureInput.optional() }),
    responses: checkinResponses,
    handler: async ({ app, params, body, actor }) => result(app, await checkIn(app, { ...body, mediaIds: [params.id], actor: actor!.accountId })),
  }),
  defineRoute({
    method: 'post',
    path: '/api/custody/checkouts',
    summary: 'Check out several media in one go: one signature, one receipt',
    tags: ['custody'],
    access: 'custody:write',
    transaction: false,
    body: z.strictObject({ mediaIds, personId: idSchema, badge: badgeInput, pin: pinInput, drawnSignature: drawnSignatureInput.optional() }),
    responses: checkoutResponses,
    handler: async ({ app, body, actor }) => result(app, await checkOut(app, { ...body, actor: actor!.accountId })),
  }),
  defineRoute({
    method: 'post',
    path: '/api/custody/checkins',
    summary: 'Check in several media in one go: one signature, one receipt',
    tags: ['custody'],
    access: 'custody:write',
    transaction: false,
    body: z.strictObject({ mediaIds, locationId: idSchema, badge: badgeInput, pin: pinInput, drawnSignature: drawnSignatureInput.optional() }),
    responses: checkinResponses,
    handler: async ({ app, body, actor }) => result(app, await checkIn(app, { ...body, actor: actor!.accountId })),
  }),
  defineRoute({
    method: 'get',
    path: '/api/custody/alerts',
    summary: 'Media still checked out after their room\'s hours (one alert per medium per day, E1.2)',
    tags: ['custody'],
    access: 'media:read',
    responses: { 200: { description: 'Open alerts, newest first', schema: z.object({ items: z.array(alertSchema), nextCursor: z.null() }) } },
    handler: async ({ app, db }) => {
      // Fresh on every look: the check is idempotent and also runs every minute on each server.
      await raiseAfterHoursAlerts(app);
      const tz = app.config.displayTimeZone;
      const items = (await openAlerts(db)).map((a) => ({
        id: String(a.id),
        day: a.day,
        raisedAt: toRfc3339(a.raised_at, tz),
        mediumId: a.medium_id,
        label: a.label,
        roomId: a.room_id,
        roomName: a.room_name,
        holder: a.holder_id ? { id: a.holder_id, name: a.holder_name ?? '' } : null,
      }));
      return { json: { items, nextCursor: null } };
    },
  }),
];

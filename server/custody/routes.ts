// Checkout / check-in (one medium, or several scanned in one go with one signature and one
// receipt), and the after-hours alerts for the front desk.
import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { errorSchema, idParams, idSchema, text } from '../shared/schemas.js';
import { toRfc3339, toRfc3339OrNull } from '../shared/time.js';
import { badgeInput, drawnSignatureInput, pinInput, recordSummarySchema } from '../signatures/schemas.js';
import { recordJson } from '../signatures/views.js';
import type { StoredRecord } from '../signatures/service.js';
import type { AppContext } from '../context.js';
import { acknowledgeAlert, checkIn, checkOut, openAlerts, raiseAfterHoursAlerts } from './service.js';

const error = (description: string) => ({ description, schema: errorSchema });
/** A `date` column: PostgreSQL's driver gives a string, PGlite's may give a Date. */
const dayText = (d: string | Date): string => (typeof d === 'string' ? d : d.toISOString().slice(0, 10));
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

const acknowledgementSchema = z.object({ at: z.string(), personId: z.string().nullable(), note: z.string() });

const alertSchema = z
  .object({
    id: z.string(),
    day: z.string(),
    raisedAt: z.string(),
    resolvedAt: z.string().nullable().describe('When the medium was checked in'),
    mediumId: z.string(),
    label: z.string(),
    roomId: z.string(),
    roomName: z.string(),
    holder: z.object({ id: z.string(), name: z.string() }).nullable(),
    acknowledgement: acknowledgementSchema.nullable().describe('E1.2: who acknowledged the alert, when, with which note'),
  })
  .meta({ id: 'CustodyAlert' });

/** Alert ids are numbers (the table's sequence). */
const alertParams = z.object({ alertId: z.string().regex(/^[1-9][0-9]{0,17}$/, 'an alert id') });

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
    summary: 'Media still checked out after their room\'s hours (one alert per medium per day, E1.2); unacknowledged=true: every alert not yet acknowledged, resolved or not',
    tags: ['custody'],
    access: 'media:read',
    query: z.strictObject({ unacknowledged: z.enum(['true', 'false']).optional() }),
    responses: { 200: { description: 'Alerts, newest first', schema: z.object({ items: z.array(alertSchema), nextCursor: z.null() }) } },
    handler: async ({ app, db, query }) => {
      // Fresh on every look: the check is idempotent and also runs every minute on each server.
      await raiseAfterHoursAlerts(app);
      const tz = app.config.displayTimeZone;
      const items = (await openAlerts(db, { unacknowledged: query.unacknowledged === 'true' })).map((a) => ({
        id: String(a.id),
        day: dayText(a.day),
        raisedAt: toRfc3339(a.raised_at, tz),
        resolvedAt: toRfc3339OrNull(a.resolved_at, tz),
        mediumId: a.medium_id,
        label: a.label,
        roomId: a.room_id,
        roomName: a.room_name,
        holder: a.holder_id ? { id: a.holder_id, name: a.holder_name ?? '' } : null,
        acknowledgement: a.acknowledged_at ? { at: toRfc3339(a.acknowledged_at, tz), personId: a.acknowledged_by_person_id, note: a.acknowledgement_note ?? '' } : null,
      }));
      return { json: { items, nextCursor: null } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/custody/alerts/:alertId/acknowledge',
    summary: 'Acknowledge an after-hours alert with a note — what happened and what was done (E1.2); once; journaled',
    tags: ['custody'],
    access: 'media:write',
    params: alertParams,
    body: z.strictObject({ note: text(2000) }),
    responses: {
      200: { description: 'Acknowledged', schema: z.object({ id: z.string(), acknowledgement: acknowledgementSchema }) },
      400: error('Invalid (a note is required)'),
      404: error('Unknown alert'),
      409: error('already_acknowledged'),
    },
    handler: async ({ app, db, params, body, actor }) => {
      const a = await acknowledgeAlert(db, params.alertId, body.note, actor!);
      return { json: { id: a.id, acknowledgement: { at: toRfc3339(a.acknowledged_at, app.config.displayTimeZone), personId: a.acknowledged_by_person_id, note: a.acknowledgement_note } } };
    },
  }),
];

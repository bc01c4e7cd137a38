import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { errorSchema, idParams, text, timestampInput } from '../shared/schemas.js';
import { personJson } from '../people/service.js';
import { appointmentSchema, personSchema } from '../people/schemas.js';
import { appointmentJson, appointmentWithInterviews, END_REASONS } from '../people/duties.js';
import { endAppointment, recordLeave } from './service.js';

const error = (description: string) => ({ description, schema: errorSchema });

export const leaveRoutes: AnyRoute[] = [
  defineRoute({
    method: 'post',
    path: '/api/people/:id/leave',
    summary: 'Record a resignation or transfer: revokes every badge and room access at once and notifies the depositor (E1.1)',
    tags: ['people'],
    access: 'people:write',
    params: idParams,
    body: z.strictObject({ reason: z.enum(['resigned', 'transferred']), effectiveAt: timestampInput.optional() }),
    responses: {
      200: {
        description: 'Recorded',
        schema: z.object({ person: personSchema, revokedBadges: z.number().int(), removedRoomAccess: z.number().int(), endedSessions: z.number().int(), notificationIds: z.array(z.string()), noticeIds: z.array(z.string()).describe('The e-mail notices written to the outbox (issue 15)') }),
      },
      404: error('Unknown id'),
      409: error('Already left'),
    },
    handler: async ({ app, db, params, body, actor }) => {
      const result = await recordLeave(app, db, params.id, body, actor!);
      return { json: { ...result, person: personJson(result.person, app.config.displayTimeZone) } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/depositor-appointments/:id/end',
    summary: 'End an appointment for a depositor (resigned, transferred, replaced, other); journaled. A resignation or transfer notifies the depositor at once, on screen and by e-mail to its contact persons (E1.1)',
    tags: ['people'],
    access: 'people:write',
    params: idParams,
    body: z.strictObject({ reason: z.enum(END_REASONS), endedAt: timestampInput.optional(), note: text(500).optional() }),
    responses: { 200: { description: 'Ended', schema: appointmentSchema }, 400: error('Invalid, or in the future'), 404: error('Unknown appointment'), 409: error('already_ended') },
    handler: async ({ app, db, params, body, actor }) => {
      await endAppointment(app, db, params.id, body, actor!.accountId);
      return { json: appointmentJson(await appointmentWithInterviews(db, params.id), app.config.displayTimeZone) };
    },
  }),
];

import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { errorSchema, idParams, timestampInput } from '../shared/schemas.js';
import { personJson } from '../people/service.js';
import { personSchema } from '../people/schemas.js';
import { recordLeave } from './service.js';

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
];

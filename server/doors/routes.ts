// Doors and their controllers (issue 20): register (the controller's credentials shown once),
// list, revoke. Administrators only (the door-station permissions: both are devices at a door).
import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { errorSchema, idSchema } from '../shared/schemas.js';
import { toRfc3339, toRfc3339OrNull } from '../shared/time.js';
import { siteOf } from '../system/site.js';
import { doorTopic } from './protocol.js';
import { listDoors, registerDoor, revokeDoor, type DoorRow } from './service.js';
import { createControllerAccount, disableControllerAccount } from './dynsec.js';
import { doorBody, doorSchema, registeredDoorSchema, revokeBody, revokedDoorSchema } from './schemas.js';

function doorJson(row: DoorRow, site: string, tz: string) {
  return {
    id: row.id,
    roomId: row.room_id,
    name: row.name,
    mqttUsername: row.mqtt_username,
    createdAt: toRfc3339(row.created_at, tz),
    revokedAt: toRfc3339OrNull(row.revoked_at, tz),
    revokedReason: row.revoked_reason,
    status: row.revoked_at ? ('revoked' as const) : ('active' as const),
    topics: {
      scan: doorTopic(site, row.id, 'scan'),
      command: doorTopic(site, row.id, 'command'),
      state: doorTopic(site, row.id, 'state'),
      heartbeat: doorTopic(site, row.id, 'heartbeat'),
    },
  };
}

export const doorsRoutes: AnyRoute[] = [
  defineRoute({
    method: 'post',
    path: '/api/doors',
    summary: 'Register a door of a room with its controller; the controller\'s MQTT password and command key are shown once',
    description:
      'The controller publishes its reader\'s scans on the door\'s scan topic and obeys the commands on its command topic, checking their HMAC-SHA256 under the command key, their expiry and their nonce (docs/contract.md, "Doors over MQTT"). ' +
      'The database keeps the password as a digest and the command key sealed under a server secret. Journaled.',
    tags: ['door'],
    access: 'stations:write',
    body: doorBody,
    responses: {
      201: { description: 'Registered', schema: registeredDoorSchema },
      404: { description: 'Unknown room', schema: errorSchema },
      503: { description: 'MQTT_DYNSEC: the broker did not make the controller\'s account (broker_unavailable); nothing recorded', schema: errorSchema },
    },
    handler: async ({ app, db, body, actor }) => {
      const { door, credentials } = await registerDoor(app, db, body, actor!.accountId);
      const site = (await siteOf(app)).id;
      // The broker account is made before the registration commits: a broker that refuses or does
      // not answer is 503 and nothing is recorded (an account left by a failed commit is unusable:
      // nobody ever saw its password).
      if (app.config.mqttDynsec) await createControllerAccount(app, site, { id: door.id, username: credentials.mqttUsername, password: credentials.mqttPassword });
      return { status: 201, json: { ...doorJson(door, site, app.config.displayTimeZone), mqttPassword: credentials.mqttPassword, commandKey: credentials.commandKey } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/doors',
    summary: 'Doors with their controllers, active first (never their credentials)',
    tags: ['door'],
    access: 'stations:read',
    responses: { 200: { description: 'Doors', schema: z.object({ items: z.array(doorSchema), nextCursor: z.null() }) } },
    handler: async ({ app, db }) => {
      const site = (await siteOf(app)).id;
      return { json: { items: (await listDoors(db)).map((r) => doorJson(r, site, app.config.displayTimeZone)), nextCursor: null } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/doors/:id/revoke',
    summary: 'Revoke a door\'s controller: its messages are dropped at once, on every server; journaled',
    tags: ['door'],
    access: 'stations:write',
    params: z.strictObject({ id: idSchema }),
    body: revokeBody,
    responses: { 200: { description: 'Revoked', schema: revokedDoorSchema }, 404: { description: 'Unknown door', schema: errorSchema }, 409: { description: 'Already revoked', schema: errorSchema } },
    handler: async ({ app, db, params, body, actor }) => {
      const row = await revokeDoor(db, params.id, body.reason, actor!.accountId);
      // Revoked whatever the broker says (the servers drop the door's messages from now on); its
      // broker account is disabled too when Tachiai manages it, and the answer says whether it was.
      let brokerAccount: 'disabled' | 'not_managed' | 'disable_failed' = 'not_managed';
      if (app.config.mqttDynsec) {
        brokerAccount = await disableControllerAccount(app, row.mqtt_username).then(
          () => 'disabled' as const,
          () => 'disable_failed' as const,
        );
      }
      return { json: { ...doorJson(row, (await siteOf(app)).id, app.config.displayTimeZone), brokerAccount } };
    },
  }),
];

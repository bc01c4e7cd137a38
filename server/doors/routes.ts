// Doors and their controllers (issue 20): register (the controller's credentials shown once),
// list, revoke. Administrators only (the door-station permissions: both are devices at a door).
import { z } from 'zod';
import { ConflictError } from '../errors.js';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { errorSchema, idSchema } from '../shared/schemas.js';
import { toRfc3339, toRfc3339OrNull } from '../shared/time.js';
import { siteOf } from '../system/site.js';
import { doorTopic } from './protocol.js';
import { listDoors, registerDoor, revokeDoor, type DoorRow } from './service.js';
import { createControllerAccount, disableControllerAccount } from './dynsec.js';
import { acknowledgeBody, doorAlarmListQuery, doorAlarmListSchema, doorAlarmSchema, doorBody, doorSchema, doorSettingsBody, doorStatusListSchema, endReleaseBody, registeredDoorSchema, releaseAnswerSchema, releaseBody, releaseSchema, revokeBody, revokedDoorSchema, unlockBody, unlockSchema } from './schemas.js';
import { acknowledgeDoorAlarm, doorStatuses, listDoorAlarms, setHeldOpenSeconds, type DoorAlarmRow } from './alarms.js';
import { currentRelease, endRelease, remoteUnlock, startRelease, type ReleaseRow } from './emergency.js';

function alarmJson(row: DoorAlarmRow & { door_name?: string | null; room_name?: string }, tz: string) {
  return {
    id: row.id,
    kind: row.kind,
    doorId: row.door_id,
    doorName: row.door_name ?? null,
    roomId: row.room_id,
    roomName: row.room_name ?? '',
    raisedAt: toRfc3339(row.raised_at, tz),
    detail: row.detail,
    clearedAt: toRfc3339OrNull(row.cleared_at, tz),
    status: row.acknowledged_at ? ('acknowledged' as const) : ('open' as const),
    acknowledgedAt: toRfc3339OrNull(row.acknowledged_at, tz),
    acknowledgedBy: row.acknowledged_by_name,
    note: row.note,
  };
}

function releaseJson(row: ReleaseRow, tz: string) {
  return {
    id: row.id,
    source: row.source,
    reason: row.reason,
    startedBy: row.started_by,
    startedAt: toRfc3339(row.started_at, tz),
    endedBy: row.ended_by,
    endedAt: toRfc3339OrNull(row.ended_at, tz),
    endNote: row.end_note,
    doorsCommanded: Number(row.doors_commanded),
  };
}

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
  defineRoute({
    method: 'get',
    path: '/api/doors/status',
    summary: 'Every live door with its last state (contact, lock, request-to-exit), its last heartbeat, online or offline, and the open door alarms (E6.4)',
    description: 'Offline: no heartbeat received for DOOR_OFFLINE_SECONDS (30 by default). One cheap read: the front desk asks every second.',
    tags: ['door'],
    access: 'alarms:read',
    responses: { 200: { description: 'Door status', schema: doorStatusListSchema } },
    handler: async ({ app, db }) => {
      const tz = app.config.displayTimeZone;
      const { now, doors } = await doorStatuses(app, db);
      const alarms = await listDoorAlarms(db, { status: 'open' });
      const t = (d: Date | null) => toRfc3339OrNull(d, tz);
      return {
        json: {
          asOf: toRfc3339(now, tz),
          alarms: alarms.map((a) => alarmJson(a, tz)),
          items: doors.map((d) => ({ ...d, stateAt: t(d.stateAt), stateReceivedAt: t(d.stateReceivedAt), contactOpenedAt: t(d.contactOpenedAt), heartbeatAt: t(d.heartbeatAt), heartbeatReceivedAt: t(d.heartbeatReceivedAt) })),
        },
      };
    },
  }),
  defineRoute({
    method: 'patch',
    path: '/api/doors/:id',
    summary: 'Change a door\'s settings: how long it may stand open before a held_open alarm; journaled',
    tags: ['door'],
    access: 'stations:write',
    params: z.strictObject({ id: idSchema }),
    body: doorSettingsBody,
    responses: { 200: { description: 'Changed', schema: z.object({ id: z.string(), heldOpenSeconds: z.number().int() }) }, 404: { description: 'Unknown door', schema: errorSchema } },
    handler: async ({ db, params, body, actor }) => {
      await setHeldOpenSeconds(db, params.id, body.heldOpenSeconds, actor!.accountId);
      return { json: { id: params.id, heldOpenSeconds: body.heldOpenSeconds } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/door-alarms',
    summary: 'Door alarms: forced, held open, offline, repeated denials, a person left alone (E6.4); open ones first',
    tags: ['door'],
    access: 'alarms:read',
    query: doorAlarmListQuery,
    responses: { 200: { description: 'Door alarms', schema: doorAlarmListSchema } },
    handler: async ({ app, db, query }) => {
      const rows = await listDoorAlarms(db, { status: query.status });
      const items = rows.map((r) => alarmJson(r, app.config.displayTimeZone));
      return { json: { items, open: items.filter((a) => a.status === 'open').length, nextCursor: null } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/door-alarms/:id/acknowledge',
    summary: 'Acknowledge an open door alarm with a note (a guard, the front desk, a responsible or authorised person); journaled',
    tags: ['door'],
    access: 'alarms:write',
    params: z.strictObject({ id: idSchema }),
    body: acknowledgeBody,
    responses: {
      200: { description: 'Acknowledged', schema: doorAlarmSchema },
      404: { description: 'Unknown alarm', schema: errorSchema },
      409: { description: 'Acknowledged already (already_acknowledged)', schema: errorSchema },
    },
    handler: async ({ app, db, params, body, actor }) => {
      const row = await acknowledgeDoorAlarm(db, params.id, body.note, { accountId: actor!.accountId, name: actor!.name });
      const [listed] = await listDoorAlarms(db, { status: 'all', id: row.id }, 1);
      return { json: alarmJson(listed ?? row, app.config.displayTimeZone) };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/doors/:id/unlock',
    summary: 'Unlock one door remotely: the responsible person (責任者) with their own badge + PIN and a reason; one MAC-ed unlock command; journaled with who and why',
    description: 'Refused with nothing sent: another role or someone else\'s badge (403), a wrong badge or PIN (400 signature_invalid; 423 when the PIN is locked), an unknown door (404), a revoked one (409), no broker reachable from the server (503 broker_unavailable). The unlock is journaled and committed before its command is sent; a command the broker then does not take is journaled door.remote_unlock_unsent and answered 503 too.',
    tags: ['door'],
    access: 'rooms:write',
    transaction: false, // the PIN is checked first (a wrong one must count); then one transaction
    params: z.strictObject({ id: idSchema }),
    body: unlockBody,
    responses: {
      201: { description: 'Sent', schema: unlockSchema },
      400: { description: 'Invalid, or signature_invalid (badge or PIN)', schema: errorSchema },
      403: { description: 'Not the responsible person, or someone else\'s badge', schema: errorSchema },
      404: { description: 'Unknown door', schema: errorSchema },
      409: { description: 'The door is revoked', schema: errorSchema },
      423: { description: 'The PIN is locked', schema: errorSchema },
      503: { description: 'broker_unavailable: the broker is not reachable (nothing recorded or sent), or did not take the command after the unlock was recorded (journaled door.remote_unlock_unsent; the door was not opened by it)', schema: errorSchema },
    },
    handler: async ({ app, params, body, actor }) => {
      const done = await remoteUnlock(app, { doorId: params.id, reason: body.reason, signer: body.signer }, actor!);
      return { status: 201, json: { ...done, at: toRfc3339(done.at, app.config.displayTimeZone) } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/fire-release',
    summary: 'The fire release in force (every door of the site released), or null — the front desk shows it as a banner',
    tags: ['door'],
    access: 'rooms:read',
    responses: { 200: { description: 'The release in force', schema: z.object({ active: releaseSchema.nullable() }) } },
    handler: async ({ app }) => {
      const row = await currentRelease(app);
      return { json: { active: row ? releaseJson(row, app.config.displayTimeZone) : null } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/fire-release',
    summary: 'Release every door of the site (fire alarm): a MAC-ed release command to each live door, which stays unlocked until the release ends; journaled',
    description: 'The doors are released before the release is recorded (fire safety first). 409 already_released when one is in force (its doors are released again all the same).',
    tags: ['door'],
    access: 'stations:write',
    transaction: false, // the doors first, then the record in a transaction of its own
    body: releaseBody,
    responses: { 201: { description: 'Released', schema: releaseAnswerSchema }, 409: { description: 'A release is in force already', schema: errorSchema } },
    handler: async ({ app, body, actor }) => {
      const r = await startRelease(app, { source: 'api', reason: body.reason, actor: actor!.accountId });
      if (r.already) throw new ConflictError('already_released', 'A fire release is in force already; its doors were released again.');
      return { status: 201, json: { release: releaseJson(r.release, app.config.displayTimeZone), doorsCommanded: r.doorsCommanded } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/fire-release/end',
    summary: 'End the fire release: recorded (journaled with a note), then every door is locked again (a MAC-ed restore command)',
    tags: ['door'],
    access: 'stations:write',
    transaction: false, // recorded first, then the doors
    body: endReleaseBody,
    responses: { 200: { description: 'Ended', schema: releaseAnswerSchema }, 409: { description: 'No release in force (not_released)', schema: errorSchema } },
    handler: async ({ app, body, actor }) => {
      const r = await endRelease(app, { note: body.note, actor: actor!.accountId });
      return { json: { release: releaseJson(r.release, app.config.displayTimeZone), doorsCommanded: r.doorsCommanded } };
    },
  }),
];

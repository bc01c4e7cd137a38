// Schemas of the doors module (issue 20), declared once for validation and the OpenAPI document.
import { z } from 'zod';
import { idSchema, text } from '../shared/schemas.js';
import { DOOR_ALARM_KINDS } from './alarm-rules.js';

export const doorBody = z.strictObject({ roomId: idSchema, name: text(100).describe('Which door, e.g. 第1処理室 正面扉') });
export const revokeBody = z.strictObject({ reason: text(200) });

export const doorSchema = z
  .object({
    id: z.string(),
    roomId: z.string(),
    name: z.string(),
    mqttUsername: z.string(),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
    revokedReason: z.string().nullable(),
    status: z.enum(['active', 'revoked']),
    topics: z
      .object({ scan: z.string(), command: z.string(), state: z.string(), heartbeat: z.string() })
      .describe('The door\'s MQTT topics (docs/contract.md, "Doors over MQTT")'),
  })
  .meta({ id: 'Door' });

export const registeredDoorSchema = doorSchema
  .extend({
    mqttPassword: z.string().describe('The controller\'s broker password: shown once, kept only as a digest'),
    commandKey: z.string().describe('The key of the commands\' HMAC-SHA256 (base64url of 32 bytes): shown once, kept only sealed under a server secret'),
  })
  .meta({ id: 'RegisteredDoor' });

export const revokedDoorSchema = doorSchema
  .extend({
    brokerAccount: z
      .enum(['disabled', 'not_managed', 'disable_failed'])
      .describe('The controller\'s broker account: disabled through the dynamic-security plugin (MQTT_DYNSEC), not managed by Tachiai, or the broker did not answer (disable it by hand; the servers drop its messages anyway)'),
  })
  .meta({ id: 'RevokedDoor' });

// ---- Door status and alarms (issue 20, E6.4) ---------------------------------------------------

export const doorSettingsBody = z.strictObject({
  heldOpenSeconds: z.number().int().min(1).max(3600).describe('How long the door may stand open before a held_open alarm (default 30)'),
});

export const doorStatusSchema = z
  .object({
    id: z.string(),
    roomId: z.string(),
    roomName: z.string(),
    name: z.string(),
    heldOpenSeconds: z.number().int(),
    contact: z.enum(['open', 'closed']).nullable().describe('The door contact as the controller last reported it; null: never reported'),
    lock: z.enum(['locked', 'unlocked']).nullable(),
    rex: z.boolean().nullable().describe('The request-to-exit button was pressed in the last state message'),
    stateAt: z.string().nullable().describe('The controller\'s time of its last state message'),
    stateReceivedAt: z.string().nullable().describe('When a server received it'),
    contactOpenedAt: z.string().nullable().describe('When (received) the contact last opened'),
    heartbeatAt: z.string().nullable().describe('The controller\'s time of its last heartbeat'),
    heartbeatReceivedAt: z.string().nullable(),
    online: z.boolean().describe('A heartbeat was received within DOOR_OFFLINE_SECONDS'),
    openAlarms: z.number().int(),
  })
  .meta({ id: 'DoorStatus' });


export const doorAlarmSchema = z
  .object({
    id: z.string(),
    kind: z.enum(DOOR_ALARM_KINDS),
    doorId: z.string().nullable(),
    doorName: z.string().nullable(),
    roomId: z.string(),
    roomName: z.string(),
    raisedAt: z.string(),
    detail: z.record(z.string(), z.unknown()),
    clearedAt: z.string().nullable().describe('When the condition ended (the door closed, the controller reported again); the alarm stays open until acknowledged'),
    status: z.enum(['open', 'acknowledged']),
    acknowledgedAt: z.string().nullable(),
    acknowledgedBy: z.string().nullable().describe('The name of who acknowledged it'),
    note: z.string().nullable(),
  })
  .meta({ id: 'DoorAlarm' });

export const doorStatusListSchema = z
  .object({
    asOf: z.string(),
    items: z.array(doorStatusSchema),
    alarms: z.array(doorAlarmSchema).describe('The open door alarms, newest first (what the front desk shows; one request per poll)'),
  })
  .meta({ id: 'DoorStatusList' });

export const doorAlarmListQuery = z.strictObject({ status: z.enum(['open', 'all']).default('open').describe('open (default): unacknowledged only; all: the latest 200, open first') });
export const doorAlarmListSchema = z.object({ items: z.array(doorAlarmSchema), open: z.number().int(), nextCursor: z.null() }).meta({ id: 'DoorAlarmList' });
export const acknowledgeBody = z.strictObject({ note: text(500).describe('What was found and done (required)') });
// Emergency and remote control (issue 20 part 6).
export const releaseBody = z.strictObject({ reason: text(200).describe('Why, e.g. 火災報知器の発報（訓練ではない）') });
export const endReleaseBody = z.strictObject({ note: text(500).describe('What was checked before locking again') });

export const releaseSchema = z
  .object({
    id: z.string(),
    source: z.enum(['api', 'fire_panel']).describe('An administrator through the API, or the fire panel on tachiai/<site>/fire'),
    reason: z.string(),
    startedBy: z.string(),
    startedAt: z.string(),
    endedBy: z.string().nullable(),
    endedAt: z.string().nullable(),
    endNote: z.string().nullable(),
    doorsCommanded: z.number().int().describe('How many doors the release command was handed to the broker for'),
  })
  .meta({ id: 'FireRelease' });

export const releaseAnswerSchema = z.object({ release: releaseSchema, doorsCommanded: z.number().int() }).meta({ id: 'FireReleaseAnswer' });

const signerInput = z.strictObject({ personId: idSchema, badge: z.string().trim().min(1).max(512), pin: z.string().min(1).max(64) });
export const unlockBody = z.strictObject({
  signer: signerInput.describe('The responsible person (責任者) themself: badge + PIN'),
  reason: text(500).describe('Why the door is opened remotely (journaled)'),
});

export const unlockSchema = z
  .object({
    id: z.string(),
    doorId: z.string(),
    roomId: z.string(),
    personId: z.string(),
    reason: z.string(),
    at: z.string(),
    durationMs: z.number().int(),
    expiresAt: z.string().describe('The command expires then: a controller refuses it later'),
  })
  .meta({ id: 'RemoteUnlock' });

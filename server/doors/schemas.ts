// Schemas of the doors module (issue 20), declared once for validation and the OpenAPI document.
import { z } from 'zod';
import { idSchema, text } from '../shared/schemas.js';

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

// Commands the servers send to door controllers on their own initiative (issue 20 part 6): the fire
// release and its end to every door of the site, and a remote unlock of one door. Each is a command
// of the door protocol (protocol.ts), MAC-ed under that door's key, with a fresh random nonce and a
// short expiry, so a controller checks it exactly as it checks the answer to a scan (its own door,
// the MAC, not expired, a nonce never seen) and refuses a replay.
//
// Publishing goes through the broker worker registered on the context (`doors.broker`, broker.ts),
// which exposes `publish`; a server without MQTT_URL has none (nothing can be sent).
import crypto from 'node:crypto';
import type { AppContext } from '../context.js';
import type { Worker } from '../workers.js';
import { siteOf } from '../system/site.js';
import { commandMac, doorTopic, type CommandMessage } from './protocol.js';
import type { LiveDoor } from './service.js';

/** What the broker worker offers to send commands (broker.ts implements it). */
export interface DoorPublisher extends Worker {
  /** Publishes at QoS 1; resolves once the broker has it, rejects when not connected or refused. */
  publish(topic: string, payload: string): Promise<void>;
  connected(): boolean;
}

export const BROKER_WORKER = 'doors.broker';

/** This server's door publisher, or null without MQTT. */
export function doorPublisher(app: AppContext): DoorPublisher | null {
  const worker = app.workers.get<DoorPublisher>(BROKER_WORKER);
  return worker && typeof worker.publish === 'function' ? worker : null;
}

export type ServerAction = 'unlock' | 'release' | 'restore';

/**
 * A command of the server's own (not answering a reader's scan): `scan` names its cause
 * (`fire:<release id>`, `remote:<unlock id>`), the nonce is random (each command is obeyed once).
 */
export function serverCommand(
  key: Buffer,
  c: { door: string; cause: string; action: ServerAction; durationMs: number; reason: string; at: Date },
  ttlSeconds: number,
): CommandMessage {
  const fields: Omit<CommandMessage, 'mac'> = {
    door: c.door,
    scan: c.cause,
    action: c.action,
    durationMs: c.durationMs,
    expiresAt: new Date(c.at.getTime() + ttlSeconds * 1000).toISOString(),
    nonce: crypto.randomBytes(16).toString('base64url'),
    // A release and an unlock let people through; a restore locks again.
    decision: c.action === 'restore' ? 'denied' : 'granted',
    reason: c.reason,
  };
  return { ...fields, mac: commandMac(key, fields) };
}

/** Hands one command made already to the broker, on its door's command topic; rejects when it could not. */
export async function publishCommand(app: AppContext, publisher: DoorPublisher, message: CommandMessage): Promise<void> {
  const site = (await siteOf(app)).id;
  await publisher.publish(doorTopic(site, message.door, 'command'), JSON.stringify(message));
}

/** Sends one command to one door; rejects when it could not be handed to the broker. */
export async function sendToDoor(app: AppContext, publisher: DoorPublisher, door: Pick<LiveDoor, 'id' | 'commandKey'>, c: Omit<Parameters<typeof serverCommand>[1], 'door'>): Promise<CommandMessage> {
  const message = serverCommand(door.commandKey, { ...c, door: door.id }, app.config.doorCommandTtlSeconds);
  await publishCommand(app, publisher, message);
  return message;
}

/**
 * Sends one command to each door (all at once); answers how many the broker took. A door that
 * could not be reached is logged, never stops the others (a fire release goes to every door it can).
 */
export async function sendToDoors(app: AppContext, doors: Array<Pick<LiveDoor, 'id' | 'commandKey'>>, c: Omit<Parameters<typeof serverCommand>[1], 'door'>): Promise<number> {
  const publisher = doorPublisher(app);
  if (!publisher) return 0;
  const sent = await Promise.allSettled(doors.map((door) => sendToDoor(app, publisher, door, c)));
  for (const [i, r] of sent.entries()) if (r.status === 'rejected') app.logger.warn({ door: doors[i]!.id, action: c.action, err: (r.reason as Error).message }, 'a door command was not sent');
  return sent.filter((r) => r.status === 'fulfilled').length;
}

// The door protocol over MQTT (issue 20; docs/contract.md, "Doors over MQTT"): the topics, one
// zod schema per message, and the MAC of commands. Plain functions, shared by the server's broker
// worker and the simulated controller (simulator.ts), so both speak exactly the same protocol.
//
//   tachiai/<site>/doors/<door id>/scan       reader → server   { id, presented, direction?, at }
//   tachiai/<site>/doors/<door id>/command    server → controller { door, scan, action, durationMs, expiresAt, nonce, decision, reason, mac }
//   tachiai/<site>/doors/<door id>/state      controller → server { at, contact, lock, rex }
//   tachiai/<site>/doors/<door id>/heartbeat  controller → server { at }
//   tachiai/<site>/fire                       fire panel → server { id, state: alarm | clear, at }
//
// Every message is one JSON object of at most MAX_MESSAGE_BYTES bytes; anything else is dropped.
import crypto from 'node:crypto';
import { z } from 'zod';

/** Larger messages are dropped unread (a reader's scan is a few hundred bytes). */
export const MAX_MESSAGE_BYTES = 4096;
/** The shared-subscription group of the servers: each message goes to one server of the group. */
export const SHARE_GROUP = 'tachiai';
export const MESSAGE_KINDS = ['scan', 'command', 'state', 'heartbeat'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
/** An ISO 8601 time with its offset, e.g. 2026-12-06T05:00:00.000Z. */
const instant = z.iso.datetime({ offset: true });

export const doorTopic = (site: string, doorId: string, kind: MessageKind): string => `tachiai/${site}/doors/${doorId}/${kind}`;

/** The servers' subscription to one kind of message from every door: shared, so one server takes each. */
export const sharedSubscription = (site: string, kind: MessageKind): string => `$share/${SHARE_GROUP}/tachiai/${site}/doors/+/${kind}`;

/** The door and kind a topic names, or null when it is no door topic of this site. */
export function parseDoorTopic(site: string, topic: string): { doorId: string; kind: MessageKind } | null {
  const parts = topic.split('/');
  if (parts.length !== 5 || parts[0] !== 'tachiai' || parts[1] !== site || parts[2] !== 'doors') return null;
  const doorId = parts[3]!;
  const kind = parts[4] as MessageKind;
  if (!uuid.safeParse(doorId).success || !MESSAGE_KINDS.includes(kind)) return null;
  return { doorId, kind };
}

/** The fire panel's input (issue 20 part 6): every door of the site is released while it is in alarm. */
export const fireTopic = (site: string): string => `tachiai/${site}/fire`;
export const sharedFireSubscription = (site: string): string => `$share/${SHARE_GROUP}/${fireTopic(site)}`;
export const fireMessage = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9._:-]{1,100}$/, 'a message id of 1 to 100 letters, digits, ".", "_", ":" or "-"'),
  state: z.enum(['alarm', 'clear']),
  at: instant,
});
export type FireMessage = z.infer<typeof fireMessage>;

/** A reader's scan. `id` is the reader's message id: a resent message keeps it (recorded once). */
export const scanMessage = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9._:-]{1,100}$/, 'a message id of 1 to 100 letters, digits, ".", "_", ":" or "-"'),
  presented: z.string().min(1).max(512),
  direction: z.enum(['in', 'out']).optional(),
  /** The reader's own time of the scan. */
  at: instant,
});
export type ScanMessage = z.infer<typeof scanMessage>;

export const commandMessage = z.strictObject({
  door: uuid,
  /** The reader's message id this answers. */
  scan: z.string().regex(/^[A-Za-z0-9._:-]{1,100}$/),
  /**
   * `unlock` (a granted scan, or a remote unlock by the responsible person) and `stay_locked`
   * answer scans; `release` (fire alarm: the door stays unlocked until `restore`) and `restore`
   * are sent to every door of the site (issue 20 part 6, commands.ts). Every one is MAC-covered.
   */
  action: z.enum(['unlock', 'stay_locked', 'release', 'restore']),
  durationMs: z.number().int().min(0).max(60_000),
  expiresAt: instant,
  nonce: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
  decision: z.enum(['granted', 'denied']),
  reason: z.string().regex(/^[a-z_]{1,40}$/).nullable(),
  mac: z.string().regex(/^[0-9a-f]{64}$/),
});
export type CommandMessage = z.infer<typeof commandMessage>;

export const stateMessage = z.strictObject({
  at: instant,
  contact: z.enum(['open', 'closed']),
  lock: z.enum(['locked', 'unlocked']),
  /** The request-to-exit button is pressed. */
  rex: z.boolean(),
});
export type StateMessage = z.infer<typeof stateMessage>;

export const heartbeatMessage = z.strictObject({ at: instant });

/** The JSON object of a message, or null: oversized, not UTF-8 JSON, or not an object. */
export function parseJsonMessage(payload: Buffer): { ok: true; value: unknown } | { ok: false; why: 'oversized' | 'malformed' } {
  if (payload.length > MAX_MESSAGE_BYTES) return { ok: false, why: 'oversized' };
  try {
    const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, why: 'malformed' };
    return { ok: true, value };
  } catch {
    return { ok: false, why: 'malformed' };
  }
}

/**
 * What the MAC covers: every field but the MAC, in a fixed order, one per line (no field can hold
 * a line break), after a version label — so a command for one door, scan or decision can never
 * be taken for another.
 */
export function commandMacInput(c: Omit<CommandMessage, 'mac'>): string {
  return ['tachiai-door-command-v1', c.door, c.scan, c.action, String(c.durationMs), c.expiresAt, c.nonce, c.decision, c.reason ?? ''].join('\n');
}

export function commandMac(key: Buffer, c: Omit<CommandMessage, 'mac'>): string {
  return crypto.createHmac('sha256', key).update(commandMacInput(c), 'utf8').digest('hex');
}

/** Does the command carry the MAC of its fields under this key? (Constant time.) */
export function commandMacValid(key: Buffer, c: CommandMessage): boolean {
  const expected = Buffer.from(commandMac(key, c), 'hex');
  const given = Buffer.from(c.mac, 'hex');
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

/**
 * The command that answers one recorded scan. Everything in it follows from the recorded entry
 * and the door's key — the nonce too (a MAC of door and message id) — so a resent scan is answered
 * with the very same command, which a controller that already acted on it refuses as replayed.
 */
export function commandFor(
  key: Buffer,
  scan: { door: string; messageId: string; decision: 'granted' | 'denied'; reason: string | null; decidedAt: Date },
  settings: { unlockMs: number; ttlSeconds: number },
): CommandMessage {
  const granted = scan.decision === 'granted';
  const fields: Omit<CommandMessage, 'mac'> = {
    door: scan.door,
    scan: scan.messageId,
    action: granted ? 'unlock' : 'stay_locked',
    durationMs: granted ? settings.unlockMs : 0,
    expiresAt: new Date(scan.decidedAt.getTime() + settings.ttlSeconds * 1000).toISOString(),
    nonce: crypto.createHmac('sha256', key).update(`tachiai-door-nonce-v1\n${scan.door}\n${scan.messageId}`, 'utf8').digest().subarray(0, 16).toString('base64url'),
    decision: scan.decision,
    reason: scan.reason,
  };
  return { ...fields, mac: commandMac(key, fields) };
}

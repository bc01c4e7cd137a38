// Doors and their controllers (issue 20): an administrator registers a door of a room; the
// controller's MQTT password and its command key are made here (256 random bits each) and shown
// once. The database keeps the password as a digest and the command key sealed (AES-256-GCM)
// under a key derived from the server's badge secret — a copy of the database alone signs no
// command. Revoking is journaled and takes effect at once: every message reads the door's row.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { AppContext } from '../context.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { appendJournal } from '../journal/journal.js';
import { getRoom } from '../rooms/service.js';

export interface DoorRow {
  id: string;
  room_id: string;
  name: string;
  mqtt_username: string;
  created_by: string;
  created_at: Date;
  revoked_at: Date | null;
  revoked_reason: string | null;
}

/** A door with what the broker worker needs: its room and its command key, unsealed. */
export interface LiveDoor {
  id: string;
  roomId: string;
  name: string;
  revoked: boolean;
  commandKey: Buffer;
}

const COLUMNS = ['id', 'room_id', 'name', 'mqtt_username', 'created_by', 'created_at', 'revoked_at', 'revoked_reason'] as const;

/** The key that seals command keys: derived from the badge secret, which every server shares. */
function sealingKey(app: Pick<AppContext, 'secrets'>): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', app.secrets.badgeKey, Buffer.alloc(0), 'tachiai door command keys v1', 32));
}

/** AES-256-GCM under the sealing key, bound to the door (its id is the additional data). */
export function sealCommandKey(app: Pick<AppContext, 'secrets'>, doorId: string, key: Buffer): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', sealingKey(app), iv);
  cipher.setAAD(Buffer.from(doorId, 'utf8'));
  const sealed = Buffer.concat([cipher.update(key), cipher.final()]);
  return ['v1', iv.toString('base64url'), sealed.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

export function unsealCommandKey(app: Pick<AppContext, 'secrets'>, doorId: string, sealed: string): Buffer {
  const [version, iv, data, tag] = sealed.split('.');
  if (version !== 'v1' || !iv || !data || !tag) throw new Error('a door command key in an unknown form');
  const decipher = crypto.createDecipheriv('aes-256-gcm', sealingKey(app), Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(doorId, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]);
}

export const passwordDigest = (password: string): string => crypto.createHash('sha256').update(password, 'utf8').digest('hex');

export interface DoorCredentials {
  /** The controller's broker account. */
  mqttUsername: string;
  mqttPassword: string;
  /** The key the controller checks each command's MAC with (base64url of 32 bytes). */
  commandKey: string;
}

export async function registerDoor(app: AppContext, trx: Knex, input: { roomId: string; name: string }, actor: string): Promise<{ door: DoorRow; credentials: DoorCredentials }> {
  const room = await getRoom(trx, input.roomId);
  const id = crypto.randomUUID();
  const mqttUsername = `door-${id}`;
  const mqttPassword = crypto.randomBytes(32).toString('base64url');
  const commandKey = crypto.randomBytes(32);
  const [door] = (await trx('doors')
    .insert({ id, room_id: room.id, name: input.name, mqtt_username: mqttUsername, mqtt_password_digest: passwordDigest(mqttPassword), command_key_sealed: sealCommandKey(app, id, commandKey), created_by: actor })
    .returning([...COLUMNS])) as DoorRow[];
  await appendJournal(trx, { actor, action: 'door.controller_registered', subject: `door:${id}`, payload: { roomId: room.id, roomName: room.name, name: input.name, mqttUsername } });
  return { door: door!, credentials: { mqttUsername, mqttPassword, commandKey: commandKey.toString('base64url') } };
}

export async function revokeDoor(trx: Knex, id: string, reason: string, actor: string): Promise<DoorRow> {
  const current = (await trx('doors').where({ id }).forUpdate().first(...COLUMNS)) as DoorRow | undefined;
  if (!current) throw new NotFoundError('door');
  if (current.revoked_at) throw new ConflictError('already_revoked', 'This door is already revoked.');
  const [row] = (await trx('doors').where({ id }).update({ revoked_at: trx.fn.now(), revoked_by: actor, revoked_reason: reason }).returning([...COLUMNS])) as DoorRow[];
  await appendJournal(trx, { actor, action: 'door.controller_revoked', subject: `door:${id}`, payload: { roomId: current.room_id, name: current.name, reason } });
  return row!;
}

export async function listDoors(db: Knex): Promise<DoorRow[]> {
  return (await db('doors').orderBy([{ column: 'revoked_at', order: 'desc' }, { column: 'created_at', order: 'desc' }]).select(...COLUMNS)) as DoorRow[];
}

/** The door a message names, read anew for every message (a revocation holds at once, on every server); null if unknown. */
export async function findDoor(app: AppContext, id: string): Promise<LiveDoor | null> {
  const row = (await app.db.knex('doors').where({ id }).first('id', 'room_id', 'name', 'revoked_at', 'command_key_sealed')) as
    | { id: string; room_id: string; name: string; revoked_at: Date | null; command_key_sealed: string }
    | undefined;
  if (!row) return null;
  return { id: row.id, roomId: row.room_id, name: row.name, revoked: row.revoked_at !== null, commandKey: unsealCommandKey(app, row.id, row.command_key_sealed) };
}

/** Every door not revoked, with its command key (a fire release goes to each). */
export async function liveDoors(app: AppContext): Promise<LiveDoor[]> {
  const rows = (await app.db.knex('doors').whereNull('revoked_at').orderBy('id').select('id', 'room_id', 'name', 'command_key_sealed')) as Array<{ id: string; room_id: string; name: string; command_key_sealed: string }>;
  return rows.map((row) => ({ id: row.id, roomId: row.room_id, name: row.name, revoked: false, commandKey: unsealCommandKey(app, row.id, row.command_key_sealed) }));
}

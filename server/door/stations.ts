// Door stations: a device at one room's door, not a person. An administrator registers it and is
// shown its credential once (as text and as an enrolment QR code); the database keeps only a
// digest. With the credential a kiosk browser, or a hardware reader posting over HTTP, records
// scans at that room and nothing else. It has no session, so it never times out (E3.6 is about
// people's sessions, not a reader); revoking it refuses it at once, on every server, because every
// request reads the station's row (requests arriving together share one lookup).
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { AppContext } from '../context.js';
import { ConflictError, NotFoundError, UnauthorizedError } from '../errors.js';
import { appendJournal } from '../journal/journal.js';
import { coalesce } from '../shared/coalesce.js';
import { getRoom } from '../rooms/service.js';

const PREFIX = 'tds1_';

/** A door station's credential: 256 random bits. */
export function newStationCredential(): string {
  return PREFIX + crypto.randomBytes(32).toString('base64url');
}

export const looksLikeStationCredential = (value: string): boolean => /^tds1_[A-Za-z0-9_-]{43}$/.test(value);

export const credentialDigest = (credential: string): string => crypto.createHash('sha256').update(credential, 'utf8').digest('hex');

export interface StationRow {
  id: string;
  room_id: string;
  name: string;
  created_by: string;
  created_at: Date;
  last_seen_at: Date | null;
  revoked_at: Date | null;
  revoked_reason: string | null;
}

/** Who records a scan when it is a station: its id, room and name. */
export interface Station {
  id: string;
  roomId: string;
  name: string;
}

export async function registerStation(trx: Knex, input: { roomId: string; name: string }, actor: string): Promise<{ station: StationRow; credential: string }> {
  const room = await getRoom(trx, input.roomId);
  const credential = newStationCredential();
  const [station] = (await trx('door_stations')
    .insert({ room_id: room.id, name: input.name, credential_digest: credentialDigest(credential), created_by: actor })
    .returning(['id', 'room_id', 'name', 'created_by', 'created_at', 'last_seen_at', 'revoked_at', 'revoked_reason'])) as StationRow[];
  await appendJournal(trx, { actor, action: 'door.station_registered', subject: `station:${station!.id}`, payload: { roomId: room.id, roomName: room.name, name: input.name } });
  return { station: station!, credential };
}

export async function revokeStation(trx: Knex, id: string, reason: string, actor: string): Promise<StationRow> {
  const current = (await trx('door_stations').where({ id }).forUpdate().first()) as StationRow | undefined;
  if (!current) throw new NotFoundError('door station');
  if (current.revoked_at) throw new ConflictError('already_revoked', 'This door station is already revoked.');
  const [row] = (await trx('door_stations')
    .where({ id })
    .update({ revoked_at: trx.fn.now(), revoked_by: actor, revoked_reason: reason })
    .returning(['id', 'room_id', 'name', 'created_by', 'created_at', 'last_seen_at', 'revoked_at', 'revoked_reason'])) as StationRow[];
  await appendJournal(trx, { actor, action: 'door.station_revoked', subject: `station:${id}`, payload: { roomId: current.room_id, name: current.name, reason } });
  return row!;
}

export async function listStations(db: Knex): Promise<StationRow[]> {
  return (await db('door_stations').orderBy([{ column: 'revoked_at', order: 'desc' }, { column: 'created_at', order: 'desc' }]).select('id', 'room_id', 'name', 'created_by', 'created_at', 'last_seen_at', 'revoked_at', 'revoked_reason')) as StationRow[];
}

/** The live stations with these credential digests, their last_seen_at moved on (at most every 30 s). */
async function lookupStations(app: AppContext, digests: string[]): Promise<Array<Station | null>> {
  const { rows } = await app.db.knex.raw(
    `WITH found AS (
       SELECT id, room_id, name, credential_digest, last_seen_at FROM door_stations
        WHERE credential_digest = ANY (?::text[]) AND revoked_at IS NULL
     ), touched AS (
       UPDATE door_stations s SET last_seen_at = now() FROM found
        WHERE s.id = found.id AND (found.last_seen_at IS NULL OR found.last_seen_at < now() - interval '30 seconds')
     )
     SELECT id, room_id, name, credential_digest FROM found`,
    [[...new Set(digests)]],
  );
  const byDigest = new Map((rows as Array<{ id: string; room_id: string; name: string; credential_digest: string }>).map((r) => [r.credential_digest, { id: r.id, roomId: r.room_id, name: r.name }]));
  return digests.map((d) => byDigest.get(d) ?? null);
}

/**
 * The station a credential names, or 401 (unknown or revoked: refused at once on every server).
 * Lookups arriving together go in one statement (the context's `door.stations` service).
 */
export async function authenticateStation(app: AppContext, credential: string): Promise<Station> {
  const service = app.workers.use('door.stations', () => ({
    lookup: coalesce<string, Station | null>((digests) => lookupStations(app, digests), { maxBatch: 200, maxInFlight: 1 }),
    stop: () => undefined,
  }));
  const station = await service.lookup(credentialDigest(credential));
  if (!station) throw new UnauthorizedError('station_unknown', 'This door station is not registered, or it was revoked. Ask an administrator to enrol it again.');
  return station;
}

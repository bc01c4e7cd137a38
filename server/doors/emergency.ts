// Emergency and remote control of the doors (issue 20 part 6).
//
// Fire release: a fire alarm input — the fire panel's message on `tachiai/<site>/fire` (broker.ts),
// or an administrator through the API — releases every door of the site: a MAC-ed `release`
// command to each live door, which stays unlocked until a `restore` command. At most one release
// is open at a time (a unique index over the open row): two alarms at once record one release.
// The doors are released *before* the release is recorded — fire safety first: a database that
// is away does not keep a door shut — and locked again only *after* its end is recorded. Both are
// journaled; the front desk shows the open release as a banner.
//
// Remote unlock: the responsible person (責任者), with their own badge and PIN and a reason, has one
// door unlocked once (DOOR_UNLOCK_MS). The unlock is journaled with who and why and committed
// *before* its one command is sent, so no unlock ever happens unrecorded; a command the broker then
// does not take is journaled as not sent (`door.remote_unlock_unsent`) and answered 503. A wrong
// PIN, someone else's badge or another role: 4xx, nothing sent or recorded.
import crypto from 'node:crypto';
import type { AppContext } from '../context.js';
import { BrokerUnavailableError, ConflictError, ForbiddenError, NotFoundError } from '../errors.js';
import { appendJournal } from '../journal/journal.js';
import { verifySigners, type SignerInput } from '../signatures/service.js';
import { fireMessage, parseJsonMessage, type FireMessage } from './protocol.js';
import { doorPublisher, publishCommand, sendToDoor, sendToDoors, serverCommand } from './commands.js';
import { findDoor, liveDoors, type LiveDoor } from './service.js';

export interface ReleaseRow {
  id: string;
  source: 'api' | 'fire_panel';
  reason: string;
  started_by: string;
  started_at: Date;
  ended_by: string | null;
  ended_at: Date | null;
  end_note: string | null;
  doors_commanded: number;
}

/** The fire release in force, or null. */
export async function currentRelease(app: AppContext): Promise<ReleaseRow | null> {
  return ((await app.db.knex('door_releases').whereNull('ended_at').first()) as ReleaseRow | undefined) ?? null;
}

/**
 * Releases every door and records the release (journaled). `already`: a release was in force
 * (its doors are released again all the same — a second alarm must never lock anything).
 */
export async function startRelease(app: AppContext, input: { source: 'api' | 'fire_panel'; reason: string; actor: string }): Promise<{ release: ReleaseRow; doorsCommanded: number; already: boolean }> {
  const id = crypto.randomUUID();
  const at = new Date();
  const doors = await liveDoors(app).catch((err: unknown) => {
    app.logger.warn({ err: (err as Error).message }, 'the doors to release could not be read');
    return [];
  });
  const doorsCommanded = await sendToDoors(app, doors, { cause: `fire:${id}`, action: 'release', durationMs: 0, reason: 'fire_release', at });
  return app.db.knex.transaction(async (trx) => {
    const inserted = (await trx.raw(
      `INSERT INTO door_releases (id, source, reason, started_by, doors_commanded) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING *`,
      [id, input.source, input.reason, input.actor, doorsCommanded],
    )).rows as ReleaseRow[];
    if (inserted.length === 0) {
      const open = (await trx('door_releases').whereNull('ended_at').first()) as ReleaseRow;
      return { release: open, doorsCommanded, already: true };
    }
    await appendJournal(trx, { actor: input.actor, action: 'door.fire_release_started', subject: `release:${id}`, payload: { source: input.source, reason: input.reason, doorsCommanded, doors: doors.map((d) => d.id) } });
    return { release: inserted[0]!, doorsCommanded, already: false };
  });
}

/**
 * A door that reports itself locked while a fire release is in force — it was offline or restarted
 * when the release went out, or was registered since — is released again at once (fire safety:
 * every door of the site stays open until the release ends). Answers whether a command went out.
 */
export async function keepReleased(app: AppContext, door: Pick<LiveDoor, 'id' | 'commandKey'>, lock: 'locked' | 'unlocked'): Promise<boolean> {
  if (lock !== 'locked') return false;
  const release = await currentRelease(app);
  if (!release) return false;
  const publisher = doorPublisher(app);
  if (!publisher) return false;
  await sendToDoor(app, publisher, door, { cause: `fire:${release.id}`, action: 'release', durationMs: 0, reason: 'fire_release', at: new Date() });
  return true;
}

/** Ends the release in force (journaled), then locks every door again; 409 not_released when none is. */
export async function endRelease(app: AppContext, input: { note: string; actor: string }): Promise<{ release: ReleaseRow; doorsCommanded: number }> {
  const ended = await app.db.knex.transaction(async (trx) => {
    const rows = (await trx('door_releases').whereNull('ended_at').update({ ended_at: trx.fn.now(), ended_by: input.actor, end_note: input.note }).returning('*')) as ReleaseRow[];
    if (rows.length === 0) throw new ConflictError('not_released', 'No fire release is in force.');
    const release = rows[0]!;
    await appendJournal(trx, { actor: input.actor, action: 'door.fire_release_ended', subject: `release:${release.id}`, payload: { note: input.note } });
    return release;
  });
  const doorsCommanded = await sendToDoors(app, await liveDoors(app), { cause: `fire:${ended.id}`, action: 'restore', durationMs: 0, reason: 'fire_restore', at: new Date() });
  return { release: ended, doorsCommanded };
}

/** The fire panel's message on `tachiai/<site>/fire`, checked (broker.ts). */
export function parseFireMessage(payload: Buffer): { ok: true; message: FireMessage } | { ok: false; why: 'malformed' | 'oversized' } {
  const parsed = parseJsonMessage(payload);
  if (!parsed.ok) return parsed;
  const message = fireMessage.safeParse(parsed.value);
  return message.success ? { ok: true, message: message.data } : { ok: false, why: 'malformed' };
}

/** The fire panel's input: alarm releases every door, clear ends the release (a clear without one is nothing). */
export async function actOnFire(app: AppContext, message: FireMessage): Promise<void> {
  if (message.state === 'alarm') {
    await startRelease(app, { source: 'fire_panel', reason: `fire panel alarm (${message.id})`, actor: 'fire_panel' });
  } else {
    await endRelease(app, { note: `fire panel clear (${message.id})`, actor: 'fire_panel' }).catch((err: unknown) => {
      if (!(err instanceof ConflictError)) throw err;
    });
  }
}

export interface RemoteUnlock {
  id: string;
  doorId: string;
  roomId: string;
  personId: string;
  reason: string;
  at: Date;
  durationMs: number;
  expiresAt: string;
}

/**
 * A remote unlock by the responsible person with their own badge + PIN and a reason: the unlock is
 * journaled (who, which badge, why, the command's nonce and expiry) and committed, then its one
 * MAC-ed command is sent to that door. A broker this server cannot reach refuses before anything
 * is recorded; a command the broker does not take after the record is journaled as not sent and
 * answered 503 (the journal never lacks an unlock that happened).
 */
export async function remoteUnlock(app: AppContext, input: { doorId: string; reason: string; signer: SignerInput }, actor: { accountId: string; personId: string; roles: readonly string[] }): Promise<RemoteUnlock> {
  // The door first (an unknown one is 404 for whoever asks, as on every route with an id), then who.
  const door = await findDoor(app, input.doorId);
  if (!door) throw new NotFoundError('door');
  if (door.revoked) throw new ConflictError('door_revoked', 'This door\'s controller is revoked.');
  if (!actor.roles.includes('responsible')) throw new ForbiddenError('forbidden', 'A door is unlocked remotely by the responsible person (責任者).');
  if (input.signer.personId !== actor.personId) throw new ForbiddenError('signer_not_you', 'You unlock with your own badge and PIN.');
  // The PIN first, outside the transaction: a wrong one counts toward the badge's lockout.
  const [signer] = await verifySigners(app, [{ ...input.signer, meaning: 'remote unlock', field: 'body.signer' }]);
  const publisher = doorPublisher(app);
  if (!publisher?.connected()) throw new BrokerUnavailableError('The door controllers\' broker is not reachable from this server: nothing was sent or recorded.');
  const id = crypto.randomUUID();
  const durationMs = app.config.doorUnlockMs;
  const { at, command } = await app.db.knex.transaction(async (trx) => {
    const { rows } = await trx.raw("SELECT date_trunc('milliseconds', clock_timestamp()) AS now");
    const at = (rows[0] as { now: Date }).now;
    const command = serverCommand(door.commandKey, { door: door.id, cause: `remote:${id}`, action: 'unlock', durationMs, reason: 'remote_unlock', at }, app.config.doorCommandTtlSeconds);
    await appendJournal(trx, {
      actor: actor.accountId,
      action: 'door.remote_unlock',
      subject: `door:${door.id}`,
      payload: { unlockId: id, roomId: door.roomId, personId: actor.personId, badgeId: signer!.badgeId, reason: input.reason, durationMs, expiresAt: command.expiresAt, nonce: command.nonce },
    });
    return { at, command };
  });
  try {
    await publishCommand(app, publisher, command);
  } catch (err) {
    const why = (err as Error).message;
    await app.db.knex.transaction((trx) => appendJournal(trx, { actor: actor.accountId, action: 'door.remote_unlock_unsent', subject: `door:${door.id}`, payload: { unlockId: id, error: why.slice(0, 200) } }));
    throw new BrokerUnavailableError(`The unlock was recorded, but the broker did not take its command (${why}): recorded as not sent; the door was not opened by it.`);
  }
  return { id, doorId: door.id, roomId: door.roomId, personId: actor.personId, reason: input.reason, at, durationMs, expiresAt: command.expiresAt };
}

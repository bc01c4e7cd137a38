// Door status and door alarms (issue 20, E6.4: rooms handling the information stay locked).
//
// The broker worker stores each controller's last state and heartbeat in door_status with a
// conditional write — ordered by the controller's own time, so an older message (a redelivery, a
// message taken by a slower server) never overwrites a newer one. Alarms (door_alarms):
//   forced            the contact opens with the lock locked, no request-to-exit and no granted
//                     scan at the door in the last DOOR_FORCED_GRACE_SECONDS — raised at once,
//                     when the state message arrives;
//   held_open         the contact stays open past the door's held_open_seconds (30 s default);
//   offline           no heartbeat for DOOR_OFFLINE_SECONDS (30 s default);
//   repeated_denials  DOOR_DENIALS_LIMIT denied scans at one door within DOOR_DENIALS_MINUTES;
//   lone_person       raised by the two-person rule through raiseDoorAlarm (room, optional door).
// held_open and offline are found by a periodic worker that runs on every server (doors.alarms);
// each alarm is raised once across servers by a unique partial index on the open alarm of a door
// (or room) and kind (INSERT … ON CONFLICT DO NOTHING), journaled and noticed (outbox) in the same
// transaction. The condition clears (cleared_at) when the door closes or reports again; the alarm
// stays open until a guard acknowledges it with a note.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { AppContext } from '../context.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { appendJournal } from '../journal/journal.js';
import { contactRecipients, enqueueNotices, roleRecipients } from '../notices/service.js';
import { siteOf } from '../system/site.js';
import { displayDateTime } from '../shared/time.js';
import { periodic, type Worker } from '../workers.js';
import { DOOR_ALARM_CHANNEL } from '../door/live.js';
import { clearsOnClose, contactOpened, DOOR_ALARM_KINDS, isForced, isHeldOpen, isNewer, isOffline, tooManyDenials, type DoorAlarmKind } from './alarm-rules.js';
import { contractorOrgIds, deniedSince, lastGrantAt, roomNames, twoPersonRoomsToCheck } from './alarms.read-model.js';
import { leavesOneAlone } from '../door/rules.js';
import type { StateMessage } from './protocol.js';

export const DOOR_ACTOR = 'system:doors';

async function dbNow(db: Knex): Promise<Date> {
  const { rows } = await db.raw("SELECT date_trunc('milliseconds', clock_timestamp()) AS now");
  return (rows[0] as { now: Date }).now;
}

export interface DoorAlarmRow {
  id: string;
  kind: DoorAlarmKind;
  door_id: string | null;
  room_id: string;
  raised_at: Date;
  detail: Record<string, unknown>;
  cleared_at: Date | null;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  acknowledged_by_name: string | null;
  note: string | null;
}

export interface RaiseInput {
  kind: DoorAlarmKind;
  roomId: string;
  doorId?: string | null | undefined;
  /** What the guard and the journal are told (small, JSON). */
  detail?: Record<string, unknown>;
  /**
   * Raised at most once since this time (one alarm per opening of the door, per outage, per
   * window of denials), even when an earlier one was acknowledged meanwhile.
   */
  notSince?: Date | undefined;
}

/**
 * Raises an alarm in the caller's transaction, once: while an alarm of this kind is open for the
 * door (or, without a door, the room) nothing is recorded and null is answered — on any number of
 * servers (the unique partial indexes door_alarms_open_door / door_alarms_open_room). A new alarm
 * is journaled (door.alarm_raised) and noticed to the responsible persons and the contractor's
 * contact persons who receive alarms, in the same transaction.
 *
 * For the two-person rule: `raiseDoorAlarm(app, trx, { kind: 'lone_person', roomId, doorId })`.
 * Call it from the doors module (e.g. the broker worker, on what recordScan answers) or from a
 * module above both: the door module cannot import it, since doors already imports door (a module
 * cycle, test/unit/architecture.test.ts).
 */
export async function raiseDoorAlarm(app: AppContext, trx: Knex, input: RaiseInput): Promise<DoorAlarmRow | null> {
  const id = crypto.randomUUID();
  const doorId = input.doorId ?? null;
  const detail = JSON.stringify(input.detail ?? {});
  const bindings: unknown[] = [id, input.kind, doorId, input.roomId, detail];
  let once = '';
  if (input.notSince) {
    once = doorId
      ? 'AND NOT EXISTS (SELECT 1 FROM door_alarms a WHERE a.door_id = ? AND a.kind = ? AND a.raised_at >= ?)'
      : 'AND NOT EXISTS (SELECT 1 FROM door_alarms a WHERE a.door_id IS NULL AND a.room_id = ? AND a.kind = ? AND a.raised_at >= ?)';
    bindings.push(doorId ?? input.roomId, input.kind, input.notSince);
  }
  const { rows } = await trx.raw(
    `INSERT INTO door_alarms (id, kind, door_id, room_id, raised_at, detail)
     SELECT ?, ?, ?, ?, date_trunc('milliseconds', clock_timestamp()), ?::jsonb WHERE TRUE ${once}
     ON CONFLICT DO NOTHING
     RETURNING *`,
    bindings as Knex.RawBinding[],
  );
  const row = (rows as DoorAlarmRow[])[0];
  if (!row) return null;
  const subject = doorId ? `door:${doorId}` : `room:${input.roomId}`;
  const doorName = doorId ? (((await trx('doors').where({ id: doorId }).first('name')) as { name: string } | undefined)?.name ?? null) : null;
  const roomName = (await roomNames(trx, [input.roomId])).get(input.roomId) ?? input.roomId;
  await appendJournal(trx, { actor: DOOR_ACTOR, action: 'door.alarm_raised', subject, payload: { alarmId: id, kind: input.kind, doorId, roomId: input.roomId, doorName, roomName, detail: input.detail ?? {} } });
  await announce(trx, { alarmId: id, state: 'raised', kind: input.kind, doorId, roomId: input.roomId });
  const site = await siteOf(app);
  const recipients = [...(await roleRecipients(trx, 'alarm')), ...(await contactRecipients(trx, await contractorOrgIds(trx), 'alarm'))];
  await enqueueNotices(
    app,
    trx,
    { kind: 'alarm', facts: { siteName: { ja: site.nameJa, en: site.nameEn }, door: 'door', alarmKind: input.kind, doorName, roomName, at: displayDateTime(row.raised_at, app.config.displayTimeZone) } },
    recipients,
    { subject, action: 'door.alarm_raised' },
    DOOR_ACTOR,
  );
  return row;
}

/** The condition of a door's open alarms of these kinds ended (the door closed, it reports again). */
async function clearConditions(trx: Knex, doorId: string, kinds: DoorAlarmKind[], now: Date): Promise<void> {
  await trx('door_alarms').where({ door_id: doorId }).whereIn('kind', kinds).whereNull('cleared_at').update({ cleared_at: now });
}

interface StatusRow {
  door_id: string;
  contact: 'open' | 'closed' | null;
  lock: 'locked' | 'unlocked' | null;
  rex: boolean | null;
  state_at: Date | null;
  state_received_at: Date | null;
  contact_opened_at: Date | null;
  rex_at: Date | null;
  heartbeat_at: Date | null;
  heartbeat_received_at: Date | null;
}

export interface StateOutcome {
  /** false: an older (or the same) message than the one stored; nothing changed. */
  applied: boolean;
  forced: DoorAlarmRow | null;
}

/**
 * A controller's state message, in one transaction: stored if newer than what is stored (the
 * row is locked, and the update is conditional on the stored time), a change of the contact
 * journaled (door.contact_opened / door.contact_closed), a forced opening raised at once, and
 * the forced / held-open conditions cleared when the door closes.
 */
export async function recordDoorState(app: AppContext, door: { id: string; roomId: string; name: string }, msg: StateMessage): Promise<StateOutcome> {
  return app.db.knex.transaction(async (trx) => {
    const now = await dbNow(trx);
    await trx('door_status').insert({ door_id: door.id }).onConflict('door_id').ignore();
    const cur = (await trx('door_status').where({ door_id: door.id }).forUpdate().first()) as StatusRow;
    const at = new Date(msg.at);
    if (!isNewer(cur.state_at, at)) return { applied: false, forced: null };
    const opened = contactOpened(cur.contact, msg.contact);
    const closed = msg.contact === 'closed' && cur.contact === 'open';
    const updated = await trx('door_status')
      .where({ door_id: door.id })
      .where((q) => q.whereNull('state_at').orWhere('state_at', '<', at))
      .update({
        contact: msg.contact,
        lock: msg.lock,
        rex: msg.rex,
        state_at: at,
        state_received_at: now,
        contact_opened_at: opened ? now : cur.contact_opened_at,
        rex_at: msg.rex ? now : cur.rex_at,
      });
    if (updated === 0) return { applied: false, forced: null };
    let forced: DoorAlarmRow | null = null;
    if (opened || closed) {
      await appendJournal(trx, { actor: DOOR_ACTOR, action: opened ? 'door.contact_opened' : 'door.contact_closed', subject: `door:${door.id}`, payload: { roomId: door.roomId, lock: msg.lock, rex: msg.rex, controllerAt: msg.at } });
    }
    if (opened) {
      const grace = app.config.doorForcedGraceSeconds;
      const grant = await lastGrantAt(trx, door.id, new Date(now.getTime() - grace * 1000));
      if (isForced({ opened, state: msg, at: now, lastRexAt: cur.rex_at, lastGrantAt: grant, graceSeconds: grace })) {
        forced = await raiseDoorAlarm(app, trx, { kind: 'forced', roomId: door.roomId, doorId: door.id, detail: { lock: msg.lock, controllerAt: msg.at }, notSince: now });
      }
    }
    if (closed) await clearConditions(trx, door.id, DOOR_ALARM_KINDS.filter(clearsOnClose), now);
    return { applied: true, forced };
  });
}

/** A heartbeat: stored if newer (conditional write); an offline condition ends. */
export async function recordHeartbeat(app: AppContext, doorId: string, at: Date): Promise<boolean> {
  return app.db.knex.transaction(async (trx) => {
    const now = await dbNow(trx);
    const { rows } = await trx.raw(
      `INSERT INTO door_status (door_id, heartbeat_at, heartbeat_received_at) VALUES (?, ?, ?)
       ON CONFLICT (door_id) DO UPDATE SET heartbeat_at = EXCLUDED.heartbeat_at, heartbeat_received_at = EXCLUDED.heartbeat_received_at
        WHERE door_status.heartbeat_at IS NULL OR door_status.heartbeat_at < EXCLUDED.heartbeat_at
       RETURNING door_id`,
      [doorId, at, now],
    );
    if ((rows as unknown[]).length === 0) return false;
    await clearConditions(trx, doorId, ['offline'], now);
    return true;
  });
}

/** After a denied scan at a door: DOOR_DENIALS_LIMIT of them within the window raise one alarm. */
export async function checkRepeatedDenials(app: AppContext, door: { id: string; roomId: string }): Promise<DoorAlarmRow | null> {
  return app.db.knex.transaction(async (trx) => {
    const now = await dbNow(trx);
    const since = new Date(now.getTime() - app.config.doorDenialsMinutes * 60_000);
    const denied = await deniedSince(trx, door.id, since);
    if (!tooManyDenials(denied, app.config.doorDenialsLimit)) return null;
    return raiseDoorAlarm(app, trx, { kind: 'repeated_denials', roomId: door.roomId, doorId: door.id, detail: { denied, minutes: app.config.doorDenialsMinutes }, notSince: since });
  });
}

interface DoorTimerRow {
  id: string;
  room_id: string;
  held_open_seconds: number;
  created_at: Date;
  contact: 'open' | 'closed' | null;
  contact_opened_at: Date | null;
  heartbeat_received_at: Date | null;
}

/**
 * The timers: every live door held open past its limit, or without a heartbeat past
 * DOOR_OFFLINE_SECONDS, raises its alarm — once per opening, once per outage — whichever server
 * looks first. Answers the alarms this server raised.
 */
export async function checkDoorTimers(app: AppContext): Promise<DoorAlarmRow[]> {
  const db = app.db.knex;
  const now = await dbNow(db);
  const doors = (await db('doors')
    .leftJoin('door_status as s', 's.door_id', 'doors.id')
    .whereNull('doors.revoked_at')
    .select('doors.id', 'doors.room_id', 'doors.held_open_seconds', 'doors.created_at', 's.contact', 's.contact_opened_at', 's.heartbeat_received_at')) as DoorTimerRow[];
  const raised: DoorAlarmRow[] = [];
  for (const d of doors) {
    if (isHeldOpen({ contact: d.contact, openedAt: d.contact_opened_at, heldOpenSeconds: d.held_open_seconds, now })) {
      const r = await db.transaction((trx) => raiseDoorAlarm(app, trx, { kind: 'held_open', roomId: d.room_id, doorId: d.id, detail: { openedAt: d.contact_opened_at!.toISOString(), limitSeconds: d.held_open_seconds }, notSince: d.contact_opened_at! }));
      if (r) raised.push(r);
    }
    if (isOffline({ heartbeatReceivedAt: d.heartbeat_received_at, registeredAt: d.created_at, now, offlineSeconds: app.config.doorOfflineSeconds })) {
      const since = d.heartbeat_received_at ?? d.created_at;
      const r = await db.transaction((trx) => raiseDoorAlarm(app, trx, { kind: 'offline', roomId: d.room_id, doorId: d.id, detail: { lastHeartbeatAt: d.heartbeat_received_at?.toISOString() ?? null, limitSeconds: app.config.doorOfflineSeconds }, notSince: since }));
      if (r) raised.push(r);
    }
  }
  // One person left alone in a two-person room (二人制; the exit is never denied, for fire safety):
  // raised once per time alone, whichever exit left them so and on whichever server; cleared
  // (still open until acknowledged) once they are not alone any more.
  for (const room of await twoPersonRoomsToCheck(db)) {
    if (leavesOneAlone(room.inside) && room.aloneSince) {
      const r = await db.transaction((trx) =>
        raiseDoorAlarm(app, trx, { kind: 'lone_person', roomId: room.roomId, detail: { personId: room.personId, personName: room.personName, aloneSince: room.aloneSince!.toISOString() }, notSince: room.aloneSince! }),
      );
      if (r) raised.push(r);
    } else {
      await db('door_alarms').where({ room_id: room.roomId, kind: 'lone_person' }).whereNull('door_id').whereNull('cleared_at').update({ cleared_at: now });
    }
  }
  return raised;
}

/** The `doors.alarms` worker: every server looks every DOOR_ALARM_CHECK_MS (idempotent through the database). */
export function doorAlarmsWorker(app: AppContext, everyMs = app.config.doorAlarmCheckMs): Worker {
  return periodic(everyMs, () => checkDoorTimers(app), app.logger, 'door alarm check');
}

/**
 * A guard acknowledges an open alarm with a note; journaled. The update is conditional on the
 * alarm being open, so of two guards at once one succeeds and the other gets 409.
 */
export async function acknowledgeDoorAlarm(trx: Knex, id: string, note: string, actor: { accountId: string; name: string }): Promise<DoorAlarmRow> {
  const now = await dbNow(trx);
  const [row] = (await trx('door_alarms')
    .where({ id })
    .whereNull('acknowledged_at')
    .update({ acknowledged_at: now, acknowledged_by: actor.accountId, acknowledged_by_name: actor.name, note })
    .returning('*')) as DoorAlarmRow[];
  if (!row) {
    const known = (await trx('door_alarms').where({ id }).first('acknowledged_by_name')) as { acknowledged_by_name: string | null } | undefined;
    if (!known) throw new NotFoundError('door alarm');
    throw new ConflictError('already_acknowledged', `This alarm was acknowledged already${known.acknowledged_by_name ? ` by ${known.acknowledged_by_name}` : ''}.`);
  }
  await appendJournal(trx, { actor: actor.accountId, action: 'door.alarm_acknowledged', subject: row.door_id ? `door:${row.door_id}` : `room:${row.room_id}`, payload: { alarmId: id, kind: row.kind, note } });
  await announce(trx, { alarmId: id, state: 'acknowledged', kind: row.kind, doorId: row.door_id, roomId: row.room_id });
  return row;
}

/**
 * Tells every server's front desks at once (the live streams, server/door/live.ts): NOTIFY is
 * delivered when this transaction commits, and never if it rolls back. Ids only: the desk reads
 * the alarm itself, with its rights.
 */
async function announce(trx: Knex, event: { alarmId: string; state: 'raised' | 'acknowledged'; kind: DoorAlarmKind; doorId: string | null; roomId: string }): Promise<void> {
  await trx.raw('SELECT pg_notify(?, ?)', [DOOR_ALARM_CHANNEL, JSON.stringify(event)]);
}

export interface ListedAlarm extends DoorAlarmRow {
  door_name: string | null;
  room_name: string;
}

/** Open alarms first (newest first), then acknowledged ones (newest first). */
export async function listDoorAlarms(db: Knex, filter: { status: 'open' | 'all'; id?: string }, limit = 200): Promise<ListedAlarm[]> {
  const q = db('door_alarms as a').leftJoin('doors as d', 'd.id', 'a.door_id').select('a.*', 'd.name as door_name');
  if (filter.status === 'open') q.whereNull('a.acknowledged_at');
  if (filter.id) q.where('a.id', filter.id);
  const rows = (await q.orderByRaw('(a.acknowledged_at IS NULL) DESC, a.raised_at DESC, a.id').limit(limit)) as Array<DoorAlarmRow & { door_name: string | null }>;
  const rooms = await roomNames(db, rows.map((r) => r.room_id));
  return rows.map((r) => ({ ...r, room_name: rooms.get(r.room_id) ?? '' }));
}

export interface DoorStatusView {
  id: string;
  roomId: string;
  roomName: string;
  name: string;
  heldOpenSeconds: number;
  contact: 'open' | 'closed' | null;
  lock: 'locked' | 'unlocked' | null;
  rex: boolean | null;
  stateAt: Date | null;
  stateReceivedAt: Date | null;
  contactOpenedAt: Date | null;
  heartbeatAt: Date | null;
  heartbeatReceivedAt: Date | null;
  online: boolean;
  openAlarms: number;
}

/** Every live door with its last state, online or offline now, and its open alarms. */
export async function doorStatuses(app: AppContext, db: Knex): Promise<{ now: Date; doors: DoorStatusView[] }> {
  const now = await dbNow(db);
  const rows = (await db('doors')
    .leftJoin('door_status as s', 's.door_id', 'doors.id')
    .whereNull('doors.revoked_at')
    .orderBy([{ column: 'doors.name' }, { column: 'doors.id' }])
    .select(
      'doors.id',
      'doors.room_id',
      'doors.name',
      'doors.held_open_seconds',
      'doors.created_at',
      's.contact',
      's.lock',
      's.rex',
      's.state_at',
      's.state_received_at',
      's.contact_opened_at',
      's.heartbeat_at',
      's.heartbeat_received_at',
      db.raw('(SELECT count(*) FROM door_alarms a WHERE a.door_id = doors.id AND a.acknowledged_at IS NULL) AS open_alarms'),
    )) as Array<StatusRow & { id: string; room_id: string; name: string; held_open_seconds: number; created_at: Date; open_alarms: string | number }>;
  const rooms = await roomNames(db, rows.map((r) => r.room_id));
  return {
    now,
    doors: rows.map((r) => ({
      id: r.id,
      roomId: r.room_id,
      roomName: rooms.get(r.room_id) ?? '',
      name: r.name,
      heldOpenSeconds: r.held_open_seconds,
      contact: r.contact,
      lock: r.lock,
      rex: r.rex,
      stateAt: r.state_at,
      stateReceivedAt: r.state_received_at,
      contactOpenedAt: r.contact_opened_at,
      heartbeatAt: r.heartbeat_at,
      heartbeatReceivedAt: r.heartbeat_received_at,
      online: !isOffline({ heartbeatReceivedAt: r.heartbeat_received_at, registeredAt: r.created_at, now, offlineSeconds: app.config.doorOfflineSeconds }),
      openAlarms: Number(r.open_alarms),
    })),
  };
}

/** An administrator sets how long a door may stand open; journaled. */
export async function setHeldOpenSeconds(trx: Knex, doorId: string, seconds: number, actor: string): Promise<void> {
  const current = (await trx('doors').where({ id: doorId }).forUpdate().first('held_open_seconds', 'revoked_at')) as { held_open_seconds: number; revoked_at: Date | null } | undefined;
  if (!current) throw new NotFoundError('door');
  await trx('doors').where({ id: doorId }).update({ held_open_seconds: seconds });
  await appendJournal(trx, { actor, action: 'door.settings_changed', subject: `door:${doorId}`, payload: { heldOpenSeconds: { from: current.held_open_seconds, to: seconds } } });
}

// The broker worker (issue 20): every server connects to the door controllers' MQTT broker with a
// persistent session (clean=false, a stable client id per server) and takes the readers' scans
// through a shared subscription at QoS 1, so each message goes to one server of the group; a
// message is acknowledged only once its scan is recorded (or it was dropped), so a server that
// dies with it unanswered leaves it to the broker to deliver again.
//
// Each scan is decided once: recorded through the door module's recordScan — the same rules as
// the desk (decideScan, E6.1/E6.2) — under the unique (door, message id) of the entries, so a
// message delivered twice (a resend, a redelivery, another server) is never a second entry and is
// answered with the command of the first decision, same nonce. A scan older than
// DOOR_SCAN_MAX_AGE_SECONDS is recorded but never unlocks (E6.4 rooms stay locked).
//
// Malformed, oversized, unknown-door and revoked-door messages are dropped and counted, never
// answered; nothing a controller sends can stop the worker. A broker that goes away is
// reconnected with a growing wait (2 s after a drop, doubling up to 30 s); desk scans never depend on it.
import os from 'node:os';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { AppContext } from '../context.js';
import type { Worker, WorkerHealth } from '../workers.js';
import type { Actor, DeferredSession } from '../auth/authenticate.js';
import { findDoorScan, isDuplicateDoorScan, recordScan, type DoorScanRecord } from '../door/scan.js';
import { siteOf } from '../system/site.js';
import { metricsOf } from '../monitoring/metrics.js';
import { commandFor, doorTopic, fireTopic, heartbeatMessage, parseDoorTopic, parseJsonMessage, scanMessage, sharedFireSubscription, sharedSubscription, stateMessage, type CommandMessage } from './protocol.js';
import type { DoorPublisher } from './commands.js';
import { actOnFire, keepReleased, parseFireMessage } from './emergency.js';
import { findDoor, type LiveDoor } from './service.js';
import { sendSmallMessagesAtOnce, serverConnectOptions } from './connection.js';
import { checkRepeatedDenials, recordDoorState, recordHeartbeat } from './alarms.js';

export const RECONNECT_MIN_MS = 1000;
export const RECONNECT_MAX_MS = 30_000;
/** How long a command of the server's own (commands.ts) may wait for the broker's acknowledgement. */
export const PUBLISH_TIMEOUT_MS = 5000;

/** What became of a message. */
export type DoorMessageOutcome =
  | 'recorded'
  | 'duplicate'
  | 'state'
  | 'heartbeat'
  | 'ignored'
  | 'oversized'
  | 'malformed'
  | 'unknown_door'
  | 'revoked_door'
  | 'fire'
  | 'failed';

export interface DoorBrokerWorker extends Worker, DoorPublisher {
  /** Messages taken by this server since it started, by outcome. */
  counts(): Record<string, number>;
  /** Connected to the broker now. */
  connected(): boolean;
  /** Resolves once subscribed (the first time). */
  ready: Promise<void>;
}

/** A reader scan is recorded as its door: no person, no session (checked already: the door is live). */
function doorSession(door: LiveDoor): DeferredSession {
  const actor: Actor = { accountId: '', personId: '', username: `door:${door.name}`, name: door.name, roles: [], sessionId: '', mustChangePassword: false };
  return { sessionId: null, authorize: async () => actor };
}

export interface Handled {
  outcome: DoorMessageOutcome;
  /** The command to publish on the door's command topic, when a scan was answered. */
  command?: { topic: string; message: CommandMessage };
}

/**
 * One message from the broker: checked, recorded, answered. Never throws for anything in the
 * message; a failure of the database is 'failed' (the reader gets no command: the door stays locked).
 */
export async function handleDoorMessage(app: AppContext, site: string, topic: string, payload: Buffer, receivedAt = new Date()): Promise<Handled> {
  const where = parseDoorTopic(site, topic);
  if (!where) return { outcome: 'malformed' };
  if (where.kind === 'command') return { outcome: 'ignored' };
  const parsed = parseJsonMessage(payload);
  if (!parsed.ok) return { outcome: parsed.why };
  const door = await findDoor(app, where.doorId);
  if (!door) return { outcome: 'unknown_door' };
  if (door.revoked) return { outcome: 'revoked_door' };
  // The door's state and heartbeat are stored (conditional writes: an older message never
  // overwrites a newer one); a forced opening raises its alarm here, at once (./alarms.ts).
  if (where.kind === 'state') {
    const state = stateMessage.safeParse(parsed.value);
    if (!state.success) return { outcome: 'malformed' };
    await recordDoorState(app, door, state.data);
    // A door locked during a fire release (it missed the release) is released again.
    await keepReleased(app, door, state.data.lock).catch((err: unknown) => app.logger.warn({ door: door.id, err: (err as Error).message }, 'a door locked during a fire release could not be released again'));
    return { outcome: 'state' };
  }
  if (where.kind === 'heartbeat') {
    const beat = heartbeatMessage.safeParse(parsed.value);
    if (!beat.success) return { outcome: 'malformed' };
    await recordHeartbeat(app, door.id, new Date(beat.data.at));
    return { outcome: 'heartbeat' };
  }

  const scan = scanMessage.safeParse(parsed.value);
  if (!scan.success) return { outcome: 'malformed' };
  const answer = (record: DoorScanRecord, outcome: DoorMessageOutcome): Handled => ({
    outcome,
    command: {
      topic: doorTopic(site, door.id, 'command'),
      message: commandFor(door.commandKey, { door: door.id, messageId: scan.data.id, decision: record.decision, reason: record.reason, decidedAt: record.at }, { unlockMs: app.config.doorUnlockMs, ttlSeconds: app.config.doorCommandTtlSeconds }),
    },
  });
  // A message recorded already (resent by the reader, redelivered by the broker): the same answer.
  const known = await findDoorScan(app.db.knex, door.id, scan.data.id);
  if (known) return answer(known, 'duplicate');
  // Late: the reader's time is further from ours than the limit (either way: a clock far ahead is no better).
  const late = Math.abs(receivedAt.getTime() - Date.parse(scan.data.at)) > app.config.doorScanMaxAgeSeconds * 1000;
  try {
    const r = await recordScan(app, { roomId: door.roomId, badge: scan.data.presented, direction: scan.data.direction, session: doorSession(door), door: { id: door.id, messageId: scan.data.id, late } });
    metricsOf(app).countScan(r.decision);
    // Repeated denials at this door raise one alarm (never holds the answer back: failures are logged).
    if (r.decision === 'denied') {
      await checkRepeatedDenials(app, door).catch((err: unknown) => app.logger.warn({ err: (err as Error).message, door: door.id }, 'the repeated-denials check failed'));
    }
    return answer({ entryId: r.entryId, at: r.at, decision: r.decision, reason: r.reason }, 'recorded');
  } catch (err) {
    // Another server recorded it first (the unique (door, message id)): its decision stands.
    if (!isDuplicateDoorScan(err)) throw err;
    const first = await findDoorScan(app.db.knex, door.id, scan.data.id);
    if (!first) throw err;
    return answer(first, 'duplicate');
  }
}

/** This server's client id: stable across its restarts (the broker keeps its session), unique per server. */
export function mqttClientId(app: AppContext): string {
  return app.config.mqttClientId ?? `tachiai-${os.hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 40)}-${app.config.port}`;
}

export function doorBrokerWorker(app: AppContext): DoorBrokerWorker {
  const url = app.config.mqttUrl;
  if (!url) throw new Error('the door broker worker needs MQTT_URL');
  const counts: Record<string, number> = {};
  const count = (outcome: string) => {
    counts[outcome] = (counts[outcome] ?? 0) + 1;
    metricsOf(app).countDoorMessage(outcome);
  };
  let client: MqttClient | null = null;
  let stopped = false;
  let lastError: string | undefined;
  let resolveReady!: () => void;
  const ready = new Promise<void>((resolve) => (resolveReady = resolve));
  const inFlight = new Set<Promise<unknown>>();

  const start = async () => {
    const site = (await siteOf(app)).id;
    if (stopped) return;
    const options: IClientOptions = {
      ...serverConnectOptions(app.config),
      clientId: mqttClientId(app),
      clean: false,
      reconnectPeriod: RECONNECT_MIN_MS,
      // The subscriptions are sent on every connect (below), session present or not: Mosquitto 2.0
      // does not restore shared subscriptions from its persistence after a restart, and mqtt.js
      // would skip topics it believes subscribed already (test: "the broker going away").
      resubscribe: false,
      connectTimeout: 10_000,
      keepalive: 30,
    };
    const c = mqtt.connect(url, options);
    client = c;
    sendSmallMessagesAtOnce(c);
    // The PUBACK of a scan goes out only when `done` is called: after it is recorded and answered.
    c.handleMessage = (packet, done) => {
      const work = (async () => {
        let outcome: DoorMessageOutcome;
        try {
          const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
          let handled: Handled;
          if (packet.topic === fireTopic(site)) {
            // The fire panel (issue 20 part 6, emergency.ts): acted on beside this message's own
            // handling — the release publishes commands on this very connection, whose
            // acknowledgements cannot arrive while this message is unacknowledged.
            const fire = parseFireMessage(payload);
            if (fire.ok) {
              const acting = actOnFire(app, fire.message).catch((err: unknown) => app.logger.warn({ err: (err as Error).message }, 'the fire panel\'s message could not be acted on'));
              inFlight.add(acting);
              void acting.finally(() => inFlight.delete(acting));
            }
            handled = { outcome: fire.ok ? 'fire' : fire.why };
          } else try {
            handled = await handleDoorMessage(app, site, packet.topic, payload);
          } catch {
            // The database was away for a moment: once more, then the scan is given up (the door stays locked).
            await new Promise((r) => setTimeout(r, 500));
            handled = await handleDoorMessage(app, site, packet.topic, payload);
          }
          outcome = handled.outcome;
          if (handled.command) {
            c.publish(handled.command.topic, JSON.stringify(handled.command.message), { qos: 1 }, (err) => {
              if (err) app.logger.warn({ err: err.message, topic: handled.command!.topic }, 'a door command was not sent');
            });
          }
        } catch (err) {
          outcome = 'failed';
          app.logger.warn({ err: (err as Error).message, topic: packet.topic }, 'a door message could not be handled');
        }
        count(outcome);
        if (!['recorded', 'duplicate', 'state', 'heartbeat', 'ignored', 'fire'].includes(outcome)) app.logger.warn({ topic: packet.topic.slice(0, 200), outcome }, 'a door message was dropped');
      })();
      inFlight.add(work);
      void work.finally(() => {
        inFlight.delete(work);
        done();
      });
    };
    c.on('connect', () => {
      lastError = undefined;
      c.options.reconnectPeriod = RECONNECT_MIN_MS;
      const topics = Object.fromEntries((['scan', 'state', 'heartbeat'] as const).map((kind) => [sharedSubscription(site, kind), { qos: 1 as const }]));
      topics[sharedFireSubscription(site)] = { qos: 1 as const };
      c.subscribe(topics, (err) => {
        if (err) {
          lastError = err.message;
          app.logger.warn({ err: err.message }, 'the door topics could not be subscribed');
        } else resolveReady();
      });
    });
    c.on('close', () => {
      // Backoff: each failed attempt waits twice as long, up to RECONNECT_MAX_MS.
      c.options.reconnectPeriod = Math.min(RECONNECT_MAX_MS, Math.max(RECONNECT_MIN_MS, (c.options.reconnectPeriod ?? RECONNECT_MIN_MS) * 2));
    });
    c.on('error', (err) => {
      lastError = err.message;
      app.logger.warn({ err: err.message }, 'the door broker connection failed');
    });
  };
  const starting = start().catch((err: unknown) => {
    lastError = (err as Error).message;
    app.logger.warn({ err: lastError }, 'the door broker worker did not start');
  });

  return {
    ready,
    counts: () => ({ ...counts }),
    connected: () => client?.connected ?? false,
    // Commands of the server's own (commands.ts: fire release, remote unlock), at QoS 1.
    async publish(topic: string, payload: string) {
      if (!client?.connected) throw new Error('not connected to the MQTT broker');
      // The broker's acknowledgement, or a clear failure within PUBLISH_TIMEOUT_MS (never a request left hanging).
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          client.publishAsync(topic, payload, { qos: 1 }),
          new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('the MQTT broker did not acknowledge in time')), PUBLISH_TIMEOUT_MS))),
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
    async drain() {
      // No new messages: what is under way is finished, then the session is left to the broker,
      // which delivers what this server did not acknowledge to another one (or to it, restarted).
      await starting;
      await Promise.all([...inFlight]);
      if (client) await client.endAsync(false).catch(() => undefined);
    },
    async stop() {
      stopped = true;
      await starting;
      await Promise.all([...inFlight]);
      if (client) await client.endAsync(false).catch(() => undefined);
    },
    health(): WorkerHealth {
      if (stopped) return { state: 'stopped' };
      return client?.connected ? { state: 'running' } : { state: 'failing', lastError: lastError ?? 'not connected to the MQTT broker' };
    },
  };
}

// Doors that lock (issue 20), against a real Mosquitto started by this file and the simulated
// controller: registering a door shows its credentials once (journaled, revocable); a granted
// badge unlocks the lock, a denied one does not (E6.1, E6.4 rooms stay locked); a message sent
// twice is recorded once and answered with the same command, which the lock refuses as replayed;
// forged and late commands are refused; a late scan is recorded but never unlocks; malformed,
// oversized and unknown-door messages are dropped and counted while the server keeps serving; a
// revoked door's scans are refused; the broker going away leaves desk scans working and the
// worker reconnects; two servers on one database with the shared subscription record each scan once.
import crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { TestServer } from '../helpers/server.js';
import { sleep, startDoorSite, until, type DoorSite, type RegisteredDoor } from '../helpers/door-site.js';
import { ok } from '../helpers/api.js';
import { usingPostgres } from '../helpers/db.js';
import { hasMosquitto, type TestBroker } from '../helpers/mosquitto.js';
import { doorBrokerWorker, type DoorBrokerWorker } from '../../server/doors/broker.js';
import { commandFor, commandMessage, doorTopic, MAX_MESSAGE_BYTES } from '../../server/doors/protocol.js';
import { drainIntake } from '../../server/journal/intake.js';
import { createContext, type AppContext } from '../../server/context.js';
import { createDatabase } from '../../db/connection.js';

let d: DoorSite;
let broker: TestBroker;
let s: TestServer;
let token: string;
let worker: DoorBrokerWorker;
let site: string;
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const auth = () => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  d = await startDoorSite({ clientId: 'tachiai-test-a', server: { doorScanMaxAgeSeconds: 5 } });
  ({ broker, s, token, worker, site } = d);
}, 60_000);

afterAll(async () => {
  await d?.close();
});

type Registered = RegisteredDoor;
const newRoom = () => d.newRoom('扉室');
const newBadgeHolder = (roomId: string | null) => d.newBadgeHolder(roomId, '扉 花子');
const newDoor = (roomId: string, name?: string) => d.newDoor(roomId, name);
const simFor = (door: Registered) => d.simFor(door);
const doorEntries = (doorId: string) => s.ctx.db.knex('entries').where({ door_id: doorId }).orderBy('id') as Promise<Array<{ id: string; decision: string; reason: string | null; door_message_id: string; person_id: string | null; direction: string }>>;

describe.runIf(hasMosquitto)('doors over MQTT (issue 20)', () => {
  describe('registering doors', () => {
    it('shows the controller\'s credentials once, keeps only a digest and a sealed key, journals it, lists without secrets', async () => {
      const room = await newRoom();
      const door = await newDoor(room);
      expect(door.mqttUsername).toBe(`door-${door.id}`);
      expect(door.mqttPassword).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(door.commandKey, 'base64url')).toHaveLength(32);
      expect(door.topics.scan).toBe(`tachiai/${site}/doors/${door.id}/scan`);
      // Random per door, never a constant.
      const other = await newDoor(room, '裏口');
      expect(other.commandKey).not.toBe(door.commandKey);
      expect(other.mqttPassword).not.toBe(door.mqttPassword);
      const row = await s.ctx.db.knex('doors').where({ id: door.id }).first();
      expect(JSON.stringify(row)).not.toContain(door.mqttPassword);
      expect(JSON.stringify(row)).not.toContain(door.commandKey);
      expect(JSON.stringify(row)).not.toContain(Buffer.from(door.commandKey, 'base64url').toString('hex'));
      expect(row.mqtt_password_digest).toBe(crypto.createHash('sha256').update(door.mqttPassword).digest('hex'));
      const list = await ok(await request(s.url).get('/api/doors').set(auth()), 200);
      const listed = list.items.find((d: { id: string }) => d.id === door.id);
      expect(listed).toMatchObject({ id: door.id, roomId: room, status: 'active', revokedAt: null });
      expect(listed).not.toHaveProperty('mqttPassword');
      expect(listed).not.toHaveProperty('commandKey');
      await drainIntake(s.ctx.db.knex);
      const journal = await s.ctx.db.knex('journal_entries').where({ subject: `door:${door.id}` });
      expect(journal.map((j: { action: string }) => j.action)).toEqual(['door.controller_registered']);
      expect(JSON.stringify(journal)).not.toContain(door.mqttPassword);
    });

    it('refuses bad input with 4xx and changes nothing; only administrators register', async () => {
      const before = await s.ctx.db.knex('doors').count({ c: '*' }).first();
      await ok(await request(s.url).post('/api/doors').set(auth()).send({ roomId: crypto.randomUUID(), name: 'x' }), 404);
      await ok(await request(s.url).post('/api/doors').set(auth()).send({ roomId: 'nope', name: 'x' }), 400);
      await ok(await request(s.url).post('/api/doors').set(auth()).send({ roomId: await newRoom() }), 400);
      await ok(await request(s.url).post('/api/doors').set(auth()).send({ roomId: await newRoom(), name: 'x', extra: 1 }), 400);
      const guard = await s.createUser({ roles: ['guard'], password: 'Tq9#pW4$zN' });
      const guardToken = await s.login(guard);
      await ok(await request(s.url).post('/api/doors').set({ authorization: `Bearer ${guardToken}` }).send({ roomId: await newRoom(), name: 'x' }), 403);
      await ok(await request(s.url).post('/api/doors').send({ roomId: await newRoom(), name: 'x' }), 401);
      expect(await s.ctx.db.knex('doors').count({ c: '*' }).first()).toEqual(before);
    });

    it('revokes once (journaled with the reason); unknown door 404, twice 409', async () => {
      const door = await newDoor(await newRoom());
      const revoked = await ok(await request(s.url).post(`/api/doors/${door.id}/revoke`).set(auth()).send({ reason: '交換のため' }), 200);
      expect(revoked).toMatchObject({ status: 'revoked', revokedReason: '交換のため' });
      await ok(await request(s.url).post(`/api/doors/${door.id}/revoke`).set(auth()).send({ reason: 'again' }), 409);
      await ok(await request(s.url).post(`/api/doors/${crypto.randomUUID()}/revoke`).set(auth()).send({ reason: 'x' }), 404);
      await ok(await request(s.url).post(`/api/doors/${door.id}/revoke`).set(auth()).send({}), 400);
      await drainIntake(s.ctx.db.knex);
      const journal = await s.ctx.db.knex('journal_entries').where({ subject: `door:${door.id}` }).orderBy('seq');
      expect(journal.map((j: { action: string }) => j.action)).toEqual(['door.controller_registered', 'door.controller_revoked']);
      expect(JSON.parse(journal[1].payload).reason).toBe('交換のため');
    });
  });

  describe('scans and commands', () => {
    it('E6.1/E6.4: a granted badge unlocks the simulated lock; the entry names the door; the person is inside', async () => {
      const room = await newRoom();
      const door = await newDoor(room);
      const sim = await simFor(door);
      const holder = await newBadgeHolder(room);
      expect(sim.lock.isUnlocked()).toBe(false);
      const id = await sim.scan(holder.token, { direction: 'in' });
      expect(await sim.verdictFor(id)).toEqual({ kind: 'unlocked', scan: id, durationMs: s.ctx.config.doorUnlockMs });
      expect(sim.lock.isUnlocked()).toBe(true);
      const entries = await doorEntries(door.id);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ decision: 'granted', reason: null, door_message_id: id, person_id: holder.personId, direction: 'in' });
      expect(await s.ctx.db.knex('presence').where({ room_id: room, person_id: holder.personId }).first()).toBeTruthy();
      // The journal names the door as the actor of the scan.
      await drainIntake(s.ctx.db.knex);
      const event = await s.ctx.db.knex('journal_entries').where({ subject: `entry:${entries[0]!.id}` }).first();
      expect(event).toMatchObject({ action: 'door.scan', actor: `door:${door.id}` });
    });

    it('E6.1: a badge not on the access list, or unknown, does not unlock: "stays locked" with the reason, recorded', async () => {
      const room = await newRoom();
      const door = await newDoor(room);
      const sim = await simFor(door);
      const outsider = await newBadgeHolder(null);
      const a = await sim.scan(outsider.token, { direction: 'in' });
      expect(await sim.verdictFor(a)).toEqual({ kind: 'stays_locked', scan: a, reason: 'not_on_access_list' });
      const b = await sim.scan('no-such-badge-0000');
      expect(await sim.verdictFor(b)).toEqual({ kind: 'stays_locked', scan: b, reason: 'unknown_badge' });
      expect(sim.lock.isUnlocked()).toBe(false);
      expect((await doorEntries(door.id)).map((e) => [e.door_message_id, e.decision, e.reason])).toEqual([
        [a, 'denied', 'not_on_access_list'],
        [b, 'denied', 'unknown_badge'],
      ]);
      expect(await s.ctx.db.knex('presence').where({ room_id: room }).first()).toBeUndefined();
    });

    it('the same message sent twice is recorded once and answered with the same command, which the lock refuses as replayed', async () => {
      const room = await newRoom();
      const door = await newDoor(room);
      const sim = await simFor(door);
      const holder = await newBadgeHolder(room);
      // A raw listener on the command topic sees both commands as sent.
      const spy = await mqtt.connectAsync(broker.url, { clientId: `spy-${crypto.randomBytes(3).toString('hex')}` });
      const seen: string[] = [];
      spy.on('message', (_t, p) => seen.push(p.toString()));
      await spy.subscribeAsync(door.topics.command!, { qos: 1 });
      try {
        const id = crypto.randomUUID();
        const payload = JSON.stringify({ id, presented: holder.token, direction: 'in', at: new Date().toISOString() });
        await sim.publish('scan', payload);
        expect(await sim.verdictFor(id)).toMatchObject({ kind: 'unlocked' });
        await sim.publish('scan', payload);
        await until('the second command', () => sim.verdicts.filter((v) => v.scan === id).length === 2 && seen.length === 2);
        expect(sim.verdicts.filter((v) => v.scan === id)).toEqual([
          { kind: 'unlocked', scan: id, durationMs: s.ctx.config.doorUnlockMs },
          { kind: 'refused', why: 'replayed', scan: id },
        ]);
        expect(seen[1]).toBe(seen[0]);
        expect(commandMessage.parse(JSON.parse(seen[0]!))).toMatchObject({ door: door.id, scan: id, decision: 'granted', action: 'unlock' });
        const entries = await doorEntries(door.id);
        expect(entries).toHaveLength(1);
        // Without the unique (door, message id) the resend would be a second scan: already_inside.
        expect(entries[0]).toMatchObject({ decision: 'granted', door_message_id: id });
      } finally {
        await spy.endAsync();
      }
      expect(worker.counts().duplicate).toBeGreaterThanOrEqual(1);
    });

    it('the lock refuses a replayed, a forged, a late command and one for another door; it stays locked', async () => {
      const room = await newRoom();
      const door = await newDoor(room);
      const otherDoor = await newDoor(room, '裏口');
      const sim = await simFor(door);
      const key = Buffer.from(door.commandKey, 'base64url');
      const settings = { unlockMs: 3000, ttlSeconds: 10 };
      const raw = await mqtt.connectAsync(broker.url, { clientId: `attacker-${crypto.randomBytes(3).toString('hex')}` });
      const send = (c: unknown) => raw.publishAsync(door.topics.command!, JSON.stringify(c), { qos: 1 });
      try {
        const good = commandFor(key, { door: door.id, messageId: 'm-1', decision: 'granted', reason: null, decidedAt: new Date() }, settings);
        await send(good);
        expect(await sim.verdictFor('m-1')).toMatchObject({ kind: 'unlocked' });
        sim.lock.unlockedUntil = 0;
        await send(good); // replayed
        // Forged: a longer unlock with the old MAC, and a MAC under another key.
        await send({ ...commandFor(key, { door: door.id, messageId: 'm-2', decision: 'granted', reason: null, decidedAt: new Date() }, settings), durationMs: 60_000 });
        await send(commandFor(crypto.randomBytes(32), { door: door.id, messageId: 'm-3', decision: 'granted', reason: null, decidedAt: new Date() }, settings));
        // Late: correctly signed, expired.
        await send(commandFor(key, { door: door.id, messageId: 'm-4', decision: 'granted', reason: null, decidedAt: new Date(Date.now() - 11_000) }, settings));
        // Another door's command (under its own key) on this door's topic.
        await send(commandFor(Buffer.from(otherDoor.commandKey, 'base64url'), { door: otherDoor.id, messageId: 'm-5', decision: 'granted', reason: null, decidedAt: new Date() }, settings));
        await raw.publishAsync(door.topics.command!, 'not json', { qos: 1 });
        await until('seven verdicts', () => sim.verdicts.length >= 7);
        expect(sim.verdicts.slice(1)).toEqual([
          { kind: 'refused', why: 'replayed', scan: 'm-1' },
          { kind: 'refused', why: 'forged', scan: 'm-2' },
          { kind: 'refused', why: 'forged', scan: 'm-3' },
          { kind: 'refused', why: 'late', scan: 'm-4' },
          { kind: 'refused', why: 'wrong_door', scan: 'm-5' },
          { kind: 'refused', why: 'malformed' },
        ]);
        expect(sim.lock.isUnlocked()).toBe(false);
      } finally {
        await raw.endAsync();
      }
    });

    it('E6.4: a scan older than DOOR_SCAN_MAX_AGE_SECONDS is recorded (reason late) but never unlocks, and moves nobody', async () => {
      const room = await newRoom();
      const door = await newDoor(room);
      const sim = await simFor(door);
      const holder = await newBadgeHolder(room);
      const id = await sim.scan(holder.token, { direction: 'in', at: new Date(Date.now() - 6_000) });
      expect(await sim.verdictFor(id)).toEqual({ kind: 'stays_locked', scan: id, reason: 'late' });
      expect(await doorEntries(door.id)).toMatchObject([{ decision: 'denied', reason: 'late', door_message_id: id }]);
      expect(await s.ctx.db.knex('presence').where({ room_id: room, person_id: holder.personId }).first()).toBeUndefined();
      // A reader's clock far ahead is no better.
      const ahead = await sim.scan(holder.token, { direction: 'in', at: new Date(Date.now() + 60_000) });
      expect(await sim.verdictFor(ahead)).toMatchObject({ kind: 'stays_locked', reason: 'late' });
      // Within the limit it opens.
      const fresh = await sim.scan(holder.token, { direction: 'in', at: new Date(Date.now() - 1_000) });
      expect(await sim.verdictFor(fresh)).toMatchObject({ kind: 'unlocked' });
    });

    it('malformed, oversized and unknown-door messages are dropped and counted; the server keeps serving', async () => {
      const room = await newRoom();
      const door = await newDoor(room);
      const sim = await simFor(door);
      const holder = await newBadgeHolder(room);
      const before = worker.counts();
      const raw = await mqtt.connectAsync(broker.url, { clientId: `junk-${crypto.randomBytes(3).toString('hex')}` });
      try {
        await sim.publish('scan', 'not json at all');
        await sim.publish('scan', Buffer.from([0xff, 0xfe, 0x00]));
        await sim.publish('scan', JSON.stringify({ id: 'x' }));
        await sim.publish('scan', JSON.stringify([1, 2]));
        await sim.publish('scan', JSON.stringify({ id: 'has spaces', presented: holder.token, at: new Date().toISOString() }));
        await sim.publish('scan', JSON.stringify({ id: 'ok-id', presented: holder.token, at: new Date().toISOString(), extra: 'field' }));
        await sim.publish('scan', JSON.stringify({ id: 'big', presented: 'x'.repeat(MAX_MESSAGE_BYTES), at: new Date().toISOString() }));
        await sim.publish('state', JSON.stringify({ contact: 'ajar' }));
        await raw.publishAsync(doorTopic(site, crypto.randomUUID(), 'scan'), JSON.stringify({ id: 'u-1', presented: holder.token, at: new Date().toISOString() }), { qos: 1 });
        await raw.publishAsync(`tachiai/${site}/doors/not-a-uuid/scan`, '{}', { qos: 1 });
        const delta = (k: string) => (worker.counts()[k] ?? 0) - (before[k] ?? 0);
        await until('the junk counted', () => delta('malformed') === 8 && delta('oversized') === 1 && delta('unknown_door') === 1);
        expect(await doorEntries(door.id)).toEqual([]);
        expect(sim.verdicts).toEqual([]);
        // Still serving: a good scan right after.
        const id = await sim.scan(holder.token, { direction: 'in' });
        expect(await sim.verdictFor(id)).toMatchObject({ kind: 'unlocked' });
        expect(worker.connected()).toBe(true);
        // Counted in the metrics too.
        const metrics = await (await import('../../server/monitoring/metrics.js')).metricsOf(s.ctx).registry.getSingleMetricAsString('tachiai_door_messages_total');
        expect(metrics).toMatch(/outcome="malformed"} [1-9]/);
      } finally {
        await raw.endAsync();
      }
    });

    it('a revoked door\'s scans are refused: no entry, no command, counted', async () => {
      const room = await newRoom();
      const door = await newDoor(room);
      const sim = await simFor(door);
      const holder = await newBadgeHolder(room);
      const first = await sim.scan(holder.token, { direction: 'in' });
      expect(await sim.verdictFor(first)).toMatchObject({ kind: 'unlocked' });
      await ok(await request(s.url).post(`/api/doors/${door.id}/revoke`).set(auth()).send({ reason: '盗難' }), 200);
      const before = worker.counts().revoked_door ?? 0;
      const id = await sim.scan(holder.token, { direction: 'out' });
      await until('the scan dropped', () => (worker.counts().revoked_door ?? 0) === before + 1);
      await sleep(300);
      expect(sim.verdicts.filter((v) => v.scan === id)).toEqual([]);
      expect(await doorEntries(door.id)).toHaveLength(1);
    });
  });

  describe('npx tachiai door-sim', () => {
    const cli = (args: string[], stdin: string, env: NodeJS.ProcessEnv = {}) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'tachiai.mjs'), 'door-sim', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
        child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
        child.once('error', reject);
        child.once('close', (code) => {
          clearTimeout(timer);
          resolve({ code, stdout, stderr });
        });
        child.stdin.end(stdin);
      });

    it('reads badge values from stdin, publishes them as the door\'s reader and prints what the lock does', async () => {
      const room = await newRoom();
      const door = await newDoor(room);
      const holder = await newBadgeHolder(room);
      const r = await cli(['--door', door.id, '--site', site, '--url', broker.url], `${holder.token}\nno-such-badge\nout ${holder.token}\n`, { DOOR_SIM_KEY: door.commandKey });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const verdicts = r.stdout.split('\n').filter((l) => /UNLOCKED|stays locked|REFUSED/.test(l));
      expect(verdicts.sort()).toEqual([`UNLOCKED for ${s.ctx.config.doorUnlockMs} ms`, `UNLOCKED for ${s.ctx.config.doorUnlockMs} ms`, 'stays locked: unknown_badge'].sort());
      expect((await doorEntries(door.id)).map((e) => e.decision).sort()).toEqual(['denied', 'granted', 'granted']);
    }, 60_000);

    it('refuses to start without the door, site, URL or key (exit 2), naming what is missing', async () => {
      const r = await cli(['--door', crypto.randomUUID(), '--url', broker.url], '');
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--site');
      expect(r.stderr).toContain('--key');
      const bad = await cli(['--door', 'x', '--site', site, '--url', 'http://example', '--key', 'k'], '');
      expect(bad.code).toBe(2);
    }, 60_000);
  });

  describe('the broker going away', () => {
    it('desk scans keep working while it is down; the worker reconnects and door scans work again', async () => {
      const room = await newRoom();
      const door = await newDoor(room);
      const holder = await newBadgeHolder(room);
      await broker.stop();
      await until('the worker to notice', () => !worker.connected());
      expect(worker.health?.().state).toBe('failing');
      const desk = await ok(await request(s.url).post('/api/scans').set(auth()).send({ roomId: room, badge: holder.token, direction: 'in' }), 201);
      expect(desk.decision).toBe('granted');
      await broker.start();
      await until('the worker to reconnect', () => worker.connected(), 20_000);
      await sleep(200);
      const sim = await simFor(door);
      const id = await sim.scan(holder.token, { direction: 'out' });
      expect(await sim.verdictFor(id)).toMatchObject({ kind: 'unlocked' });
    }, 40_000);
  });

  describe('two servers on one database (shared subscription)', () => {
    // Two application contexts with their own pools and their own MQTT sessions, as two servers
    // behind a load balancer. PGlite is one process's database: PostgreSQL only.
    it.runIf(usingPostgres)('each scan is recorded once, each message sent twice is answered once per delivery; both servers take scans', async () => {
      const db = await createDatabase({ databaseUrl: s.ctx.testDatabase.url });
      const other: AppContext = createContext({ config: { ...s.ctx.config, mqttClientId: 'tachiai-test-b' }, secrets: s.ctx.secrets, logger: s.ctx.logger, db });
      const otherWorker = doorBrokerWorker(other);
      other.workers.add('doors.broker', otherWorker);
      try {
        await otherWorker.ready;
        const room = await newRoom();
        const door = await newDoor(room);
        const sim = await simFor(door);
        const holders = await Promise.all(Array.from({ length: 10 }, () => newBadgeHolder(room)));
        const before = { a: worker.counts(), b: otherWorker.counts() };
        const ids: string[] = [];
        for (const h of holders) {
          const id = crypto.randomUUID();
          ids.push(id);
          const payload = JSON.stringify({ id, presented: h.token, direction: 'in', at: new Date().toISOString() });
          await Promise.all([sim.publish('scan', payload), sim.publish('scan', payload)]);
        }
        const taken = (k: string) => (worker.counts()[k] ?? 0) - (before.a[k] ?? 0) + (otherWorker.counts()[k] ?? 0) - (before.b[k] ?? 0);
        await until('20 messages taken', () => taken('recorded') + taken('duplicate') === 20, 20_000);
        expect(taken('recorded')).toBe(10);
        expect(taken('duplicate')).toBe(10);
        const entries = await doorEntries(door.id);
        expect(entries.map((e) => e.door_message_id).sort()).toEqual([...ids].sort());
        expect(entries.every((e) => e.decision === 'granted')).toBe(true);
        // The group shares the work: each server took some.
        expect((worker.counts().recorded ?? 0) + (worker.counts().duplicate ?? 0)).toBeGreaterThan((before.a.recorded ?? 0) + (before.a.duplicate ?? 0));
        expect((otherWorker.counts().recorded ?? 0) + (otherWorker.counts().duplicate ?? 0)).toBeGreaterThan(0);
        // Every scan unlocked once; every second delivery was refused as replayed.
        await until('20 verdicts', () => sim.verdicts.length === 20);
        for (const id of ids) expect(sim.verdicts.filter((v) => v.scan === id).map((v) => v.kind).sort()).toEqual(['refused', 'unlocked']);
      } finally {
        await other.workers.stopAll();
        await db.close();
      }
    }, 60_000);
  });
});

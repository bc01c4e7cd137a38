// Controllers' broker accounts through Mosquitto's dynamic-security plugin (issue 20,
// MQTT_DYNSEC=true), against a real Mosquitto with the plugin that this file starts: registering
// a door makes its client and its role, so the controller logs in with the credentials shown once
// and its scans open the door; it can publish and subscribe only on its own door's topics (it
// cannot act for another door); revoking disables it at once (connection dropped, login refused);
// a broker that does not answer makes registering 503 with nothing recorded.
import crypto from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { TestServer } from '../helpers/server.js';
import { sleep, startDoorSite, type DoorSite, type RegisteredDoor } from '../helpers/door-site.js';
import { ok } from '../helpers/api.js';
import { hasDynsec, type TestBroker } from '../helpers/mosquitto.js';
import type { DoorBrokerWorker } from '../../server/doors/broker.js';
import { doorTopic } from '../../server/doors/protocol.js';

let d: DoorSite;
let broker: TestBroker;
let s: TestServer;
let token: string;
let worker: DoorBrokerWorker;
let site: string;
const auth = () => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  if (!hasDynsec) return;
  d = await startDoorSite({ clientId: 'tachiai-dynsec-a', broker: { dynsec: true } });
  ({ broker, s, token, worker, site } = d);
}, 60_000);

afterAll(async () => {
  await d?.close();
});

/** A room and a person on its access list with a badge. */
async function setup(): Promise<{ room: string; token: string }> {
  const room = await d.newRoom('制御室');
  return { room, token: (await d.newBadgeHolder(room, '制御 次郎')).token };
}
type Registered = RegisteredDoor;
const newDoor = (room: string, name?: string) => d.newDoor(room, name);
/** The door's controller, logged in with its own broker account. */
const simFor = (door: Registered) => d.simFor(door, { account: true });
const connect = (username: string, password: string) =>
  mqtt.connectAsync(broker.url, { clientId: `probe-${crypto.randomBytes(3).toString('hex')}`, username, password, reconnectPeriod: 0, connectTimeout: 5000 });

describe.runIf(hasDynsec)('controllers\' broker accounts through the dynamic-security plugin (issue 20)', () => {
  it('registering makes the controller\'s account: it logs in with the credentials shown once and its scan opens the door; a wrong password is refused', async () => {
    const { room, token: badge } = await setup();
    const door = await newDoor(room);
    const sim = await simFor(door);
    const id = await sim.scan(badge, { direction: 'in' });
    expect(await sim.verdictFor(id)).toMatchObject({ kind: 'unlocked' });
    await expect(connect(door.mqttUsername, 'wrong-password')).rejects.toThrow(/authori/i);
    // Without the plugin's account nobody gets in (no anonymous access).
    await expect(mqtt.connectAsync(broker.url, { reconnectPeriod: 0, connectTimeout: 5000 })).rejects.toThrow(/authori/i);
  });

  it('a controller cannot act for another door: its scans on another door\'s topic are dropped by the broker, it cannot read another door\'s commands', async () => {
    const { room, token: badge } = await setup();
    const a = await newDoor(room, 'A');
    const b = await newDoor(room, 'B');
    const client = await connect(a.mqttUsername, a.mqttPassword);
    try {
      const before = worker.counts();
      await client.publishAsync(doorTopic(site, b.id, 'scan'), JSON.stringify({ id: 'spoof-1', presented: badge, direction: 'in', at: new Date().toISOString() }), { qos: 1 });
      // Refused (SUBACK 0x80); mqtt.js answers that as an error.
      await expect(client.subscribeAsync(doorTopic(site, b.id, 'command'), { qos: 1 })).rejects.toThrow(/subscribe error/i);
      await expect(client.subscribeAsync(`tachiai/${site}/doors/+/command`, { qos: 1 })).rejects.toThrow(/subscribe error/i);
      await expect(client.subscribeAsync(`$share/tachiai/tachiai/${site}/doors/+/scan`, { qos: 1 })).rejects.toThrow(/subscribe error/i);
      // Its own door's topics it may use: a scan there is taken (and shows the spoof was not).
      await client.publishAsync(doorTopic(site, a.id, 'scan'), JSON.stringify({ id: 'own-1', presented: badge, direction: 'in', at: new Date().toISOString() }), { qos: 1 });
      const deadline = Date.now() + 10_000;
      while ((worker.counts().recorded ?? 0) === (before.recorded ?? 0) && Date.now() < deadline) await sleep(25);
      await sleep(200);
      expect((worker.counts().recorded ?? 0) - (before.recorded ?? 0)).toBe(1);
      expect(await s.ctx.db.knex('entries').where({ door_id: b.id })).toEqual([]);
      expect(await s.ctx.db.knex('entries').where({ door_id: a.id }).select('door_message_id')).toEqual([{ door_message_id: 'own-1' }]);
    } finally {
      await client.endAsync();
    }
  });

  it('revoking disables the controller at once: its connection is dropped and its login refused', async () => {
    const { room } = await setup();
    const door = await newDoor(room);
    const sim = await simFor(door);
    expect(sim.client.connected).toBe(true);
    const revoked = await ok(await request(s.url).post(`/api/doors/${door.id}/revoke`).set(auth()).send({ reason: '紛失' }), 200);
    expect(revoked).toMatchObject({ status: 'revoked', brokerAccount: 'disabled' });
    const deadline = Date.now() + 5000;
    while (sim.client.connected && Date.now() < deadline) await sleep(25);
    expect(sim.client.connected).toBe(false);
    await expect(connect(door.mqttUsername, door.mqttPassword)).rejects.toThrow(/authori/i);
  });

  it('a broker that does not answer: registering is 503 broker_unavailable and records nothing; desk scans keep working', async () => {
    const { room, token: badge } = await setup();
    const before = await s.ctx.db.knex('doors').count({ c: '*' }).first();
    await broker.stop();
    try {
      const res = await request(s.url).post('/api/doors').set(auth()).send({ roomId: room, name: 'x' });
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('broker_unavailable');
      expect(await s.ctx.db.knex('doors').count({ c: '*' }).first()).toEqual(before);
      const desk = await ok(await request(s.url).post('/api/scans').set(auth()).send({ roomId: room, badge, direction: 'in' }), 201);
      expect(desk.decision).toBe('granted');
    } finally {
      await broker.start();
    }
  }, 30_000);
});

// Doors over MQTT with TLS (issue 20): the broker's certificate is signed by a CA this file makes
// with openssl; the servers (MQTT_CA_FILE) and the simulated controller (--ca) check it, so a
// reader's scan opens the door over TLS; a client that does not trust the CA, and plain MQTT on
// the TLS port, get nowhere.
import fs from 'node:fs';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ok } from '../helpers/api.js';
import { hasMosquitto, startTestBroker, type TestBroker } from '../helpers/mosquitto.js';
import { doorBrokerWorker, type DoorBrokerWorker } from '../../server/doors/broker.js';
import { startDoorSim, type DoorSim } from '../../server/doors/simulator.js';
import { siteOf } from '../../server/system/site.js';

let broker: TestBroker;
let s: TestServer;
let token: string;
let worker: DoorBrokerWorker;
let sim: DoorSim | undefined;
const auth = () => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  if (!hasMosquitto) return;
  broker = await startTestBroker({ tls: true });
  s = await startTestServer({ scryptCost: 1024, mqttUrl: broker.url, mqttCaFile: broker.caFile, mqttClientId: 'tachiai-tls-a' });
  token = await s.adminToken();
  worker = doorBrokerWorker(s.ctx);
  s.ctx.workers.add('doors.broker', worker);
  await worker.ready;
}, 60_000);

afterAll(async () => {
  await sim?.close().catch(() => undefined);
  await s?.close();
  await broker?.close();
});

describe.runIf(hasMosquitto)('doors over MQTT with TLS (issue 20)', () => {
  it('a granted scan opens the door over TLS; the certificate is checked on both sides', async () => {
    expect(broker.url).toMatch(/^mqtts:\/\//);
    const orgs = await request(s.url).get('/api/orgs').set(auth());
    const orgId = orgs.body.items.find((o: { kind: string }) => o.kind === 'contractor').id;
    const room = (await ok(await request(s.url).post('/api/rooms').set(auth()).send({ name: 'TLS室', kind: 'secure' }), 201)).id;
    const p = await ok(await request(s.url).post('/api/people').set(auth()).send({ name: 'TLS 三郎', orgId, roles: ['staff'] }), 201);
    const b = await ok(await request(s.url).post('/api/badges').set(auth()).send({ personId: p.id }), 201);
    await ok(await request(s.url).post(`/api/rooms/${room}/access`).set(auth()).send({ personId: p.id }), 201);
    const door = await ok(await request(s.url).post('/api/doors').set(auth()).send({ roomId: room, name: '正面扉' }), 201);
    sim = await startDoorSim({ url: broker.url, site: (await siteOf(s.ctx)).id, door: door.id, key: door.commandKey, ca: fs.readFileSync(broker.caFile!) });
    const id = await sim.scan(b.token, { direction: 'in' });
    expect(await sim.verdictFor(id)).toMatchObject({ kind: 'unlocked' });
  });

  it('a client that does not trust the CA is refused; plain MQTT on the TLS port gets no session', async () => {
    await expect(mqtt.connectAsync(broker.url, { reconnectPeriod: 0, connectTimeout: 3000 })).rejects.toThrow(/self[- ]signed|certificate/i);
    await expect(mqtt.connectAsync(broker.url.replace('mqtts://', 'mqtt://'), { reconnectPeriod: 0, connectTimeout: 3000 })).rejects.toThrow();
  });
});

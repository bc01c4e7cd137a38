// A server away from the broker (issue 20): its session is persistent (clean=false, a stable
// client id), so a reader's scan published while it was away — even across a broker restart — is
// delivered when it comes back, recorded once and answered; the reader's resend of it is the same
// entry. (Mosquitto 2.0 does not restore shared subscriptions themselves from its persistence file:
// the worker subscribes again on every connect.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ok } from '../helpers/api.js';
import { hasMosquitto, startTestBroker, type TestBroker } from '../helpers/mosquitto.js';
import { doorBrokerWorker } from '../../server/doors/broker.js';
import { startDoorSim, type DoorSim } from '../../server/doors/simulator.js';
import { siteOf } from '../../server/system/site.js';

let broker: TestBroker;
let s: TestServer;
let token: string;
let sim: DoorSim | undefined;
const auth = () => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  if (!hasMosquitto) return;
  broker = await startTestBroker();
  // The outage below lasts a few seconds: scans stay in time.
  s = await startTestServer({ scryptCost: 1024, mqttUrl: broker.url, mqttClientId: 'tachiai-outage-a', doorScanMaxAgeSeconds: 60 });
  token = await s.adminToken();
}, 60_000);

afterAll(async () => {
  await sim?.close().catch(() => undefined);
  await s?.close();
  await broker?.close();
});

describe.runIf(hasMosquitto)('a server away from the broker (issue 20)', () => {
  it('a scan published while the server was away, across a broker restart, is recorded once when it is back and opens the door', async () => {
    const orgs = await request(s.url).get('/api/orgs').set(auth());
    const orgId = orgs.body.items.find((o: { kind: string }) => o.kind === 'contractor').id;
    const room = (await ok(await request(s.url).post('/api/rooms').set(auth()).send({ name: '停電室', kind: 'secure' }), 201)).id;
    const p = await ok(await request(s.url).post('/api/people').set(auth()).send({ name: '停電 四郎', orgId, roles: ['staff'] }), 201);
    const b = await ok(await request(s.url).post('/api/badges').set(auth()).send({ personId: p.id }), 201);
    await ok(await request(s.url).post(`/api/rooms/${room}/access`).set(auth()).send({ personId: p.id }), 201);
    const door = await ok(await request(s.url).post('/api/doors').set(auth()).send({ roomId: room, name: '正面扉' }), 201);

    // The server's first connection makes its persistent session, then the server goes away.
    const first = doorBrokerWorker(s.ctx);
    await first.ready;
    await first.stop();
    sim = await startDoorSim({ url: broker.url, site: (await siteOf(s.ctx)).id, door: door.id, key: door.commandKey });
    const id = await sim.scan(b.token, { direction: 'in' });
    await broker.stop();
    await broker.start();
    // The simulator reconnects by itself (a fresh session: it subscribes again).
    for (let i = 0; i < 200 && !sim.client.connected; i += 1) await new Promise((r) => setTimeout(r, 25));
    await sim.client.subscribeAsync(`tachiai/${(await siteOf(s.ctx)).id}/doors/${door.id}/command`, { qos: 1 });

    const back = doorBrokerWorker(s.ctx);
    try {
      expect(await sim.verdictFor(id, 15_000)).toMatchObject({ kind: 'unlocked' });
      expect(back.counts().recorded).toBe(1);
      const entries = await s.ctx.db.knex('entries').where({ door_id: door.id });
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ door_message_id: id, decision: 'granted' });
    } finally {
      await back.stop();
    }
  }, 60_000);
});
